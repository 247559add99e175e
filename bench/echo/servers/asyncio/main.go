// Command asyncio is the echo server of the comparison benchmark, written
// with this project's event loop: one loop, one task per connection, every
// read and write a suspension of that task, the loop waiting in epoll.
// With -workers N it runs as N such processes sharing the port.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/workers"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	profile := flag.String("cpuprofile", "", "write a CPU profile here until SIGTERM (with -workers: one per worker, FILE.INDEX)")
	nworkers := flag.Int("workers", 1, "processes sharing the port with SO_REUSEPORT, one loop each (package workers)")
	pin := flag.Bool("pin", false, "with -workers: pin worker i to the i-th CPU this process may use")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(portText)
	if *nworkers <= 1 {
		if *profile != "" {
			defer startProfile(*profile)()
		}
		err = serve(host, port, asyncio.ServerOptions{})
	} else {
		err = workers.Main(*nworkers, func(index int) error {
			if *profile != "" {
				defer startProfile(fmt.Sprintf("%s.%d", *profile, index))()
			}
			return serve(host, port, asyncio.ServerOptions{ReusePort: true})
		}, workers.Options{Pin: *pin})
	}
	if err != nil {
		log.Fatal(err)
	}
}

// serve runs the server on this process's loop until SIGTERM.
func serve(host string, port int, opts asyncio.ServerOptions) error {
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, echo, host, port, opts)
		if err != nil {
			return nil, err
		}
		asyncio.GetEventLoop().AddSignalHandler(syscall.SIGTERM, srv.Close)
		return nil, srv.WaitClosed(ctx)
	})
	return err
}

// echo writes back whatever arrives, suspending (never blocking) on reads and
// on a full send buffer.
func echo(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.ReadInto(ctx, buf)
		if err != nil {
			return nil // EOF or reset: the server closes the connection
		}
		if err := w.Write(buf[:n]); err != nil {
			return nil
		}
		if err := w.Drain(ctx); err != nil {
			return nil
		}
	}
}

func startProfile(path string) func() {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}
