// Command server is the HTTP benchmark's server: the same routes, served by
// the same handler code, either on the event loop (-impl asyncio:
// asynchttp.Server) or by net/http (-impl nethttp: http.Server, a goroutine
// per connection). bench/http/run.sh runs both with GOMAXPROCS=1.
//
// Routes:
//
//	GET /plaintext  "Hello, World!" (text/plain)
//	GET /json       {"message":"Hello, World!"} (encoding/json)
//	GET /kv/{key}   the value stored under key, or 404
//	PUT /kv/{key}   stores the request body (up to 64 KiB) under key: 204
//
// The key-value map is the one difference in the handlers: asynchttp runs
// every handler on the loop's goroutine, one at a time, so the map needs no
// lock; net/http runs handlers on many goroutines at once, so the map is
// behind a sync.Mutex. Keys k0..k{seed-1} are stored at start (value
// "value-N"), so GET /kv/k1 is a hit from the first request.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"github.com/asyncio-go/asyncio/examples/webapp/service"
)

func main() {
	impl := flag.String("impl", "asyncio", `server: "asyncio" (asynchttp.Server on the event loop) or "nethttp" (net/http's http.Server)`)
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 0, "port to listen on; 0: any free one (printed)")
	seed := flag.Int("seed", 1000, "keys k0..k{seed-1} stored at start")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file until SIGTERM")
	memprofile := flag.String("memprofile", "", "write a heap profile to this file at SIGTERM")
	flag.Parse()
	if *cpuprofile != "" || *memprofile != "" {
		var f *os.File
		if *cpuprofile != "" {
			var err error
			if f, err = os.Create(*cpuprofile); err != nil {
				log.Fatal(err)
			}
			pprof.StartCPUProfile(f)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		go func() {
			<-sig
			if f != nil {
				pprof.StopCPUProfile()
				f.Close()
			}
			if *memprofile != "" {
				if m, err := os.Create(*memprofile); err == nil {
					pprof.Lookup("heap").WriteTo(m, 0)
					m.Close()
				}
			}
			os.Exit(0)
		}()
	}

	switch *impl {
	case "asyncio":
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			// Handlers run on this loop one at a time: a plain map is safe.
			kv := mapStore{}
			kv.seed(*seed)
			srv, err := (&asynchttp.Server{Handler: newMux(kv, webapp()), IdleTimeout: idleTimeout}).ListenAndServe(ctx, *host, *port)
			if err != nil {
				return nil, err
			}
			fmt.Printf("http server (asyncio) listening on port %d\n", srv.Port())
			return nil, srv.ServeForever(ctx)
		})
		if err != nil {
			log.Fatal(err)
		}
	case "nethttp":
		// Handlers run on one goroutine per connection, concurrently: the
		// map needs a lock.
		kv := &lockedStore{m: mapStore{}}
		kv.m.seed(*seed)
		ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("http server (nethttp) listening on port %d\n", ln.Addr().(*net.TCPAddr).Port)
		srv := &http.Server{Handler: newMux(kv, serialized(webapp())), IdleTimeout: idleTimeout, ReadHeaderTimeout: 10 * time.Second}
		log.Fatal(srv.Serve(ln))
	default:
		fmt.Fprintf(os.Stderr, "server: -impl %q: want asyncio or nethttp\n", *impl)
		os.Exit(2)
	}
}

// idleTimeout is asynchttp's default, set on both servers so that idle
// keep-alive connections (run.sh -conns) live as long under either.
const idleTimeout = 2 * time.Minute

// store is the key-value map behind /kv/{key}.
type store interface {
	get(key string) ([]byte, bool)
	put(key string, value []byte)
}

// mapStore is the map alone: for the asyncio server, whose handlers never
// run at the same time.
type mapStore map[string][]byte

func (m mapStore) get(key string) ([]byte, bool) { v, ok := m[key]; return v, ok }
func (m mapStore) put(key string, value []byte)  { m[key] = value }

func (m mapStore) seed(n int) {
	for i := range n {
		m["k"+strconv.Itoa(i)] = []byte("value-" + strconv.Itoa(i))
	}
}

// lockedStore is the map behind a mutex: for net/http, whose handlers run
// on many goroutines at once.
type lockedStore struct {
	mu sync.Mutex
	m  mapStore
}

func (s *lockedStore) get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.get(key)
}

func (s *lockedStore) put(key string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.put(key, value)
}

var hello = []byte("Hello, World!")

// newMux is the handler code both servers run.
// webapp is examples/webapp's service with one note stored: its API
// (/api/...) is served by both servers.
func webapp() http.Handler {
	app := service.NewApp()
	app.Add("benchmark note")
	return app.Handler()
}

// serialized runs h's handlers one at a time: the examples/webapp service
// is written for the loop, where handlers never run at once; under
// net/http's goroutines that takes a mutex around each of them.
func serialized(h http.Handler) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func newMux(kv store, api http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			Message string `json:"message"`
		}{"Hello, World!"})
	})
	mux.HandleFunc("GET /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, ok := kv.get(r.PathValue("key"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(v)
	})
	mux.HandleFunc("PUT /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		kv.put(r.PathValue("key"), v)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}
