package asynchttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
)

// Any http.Handler, served on the loop: handlers share state without a
// mutex and can await with r.Context().
func ExampleServer() {
	visits := map[string]int{} // no mutex: every handler runs on the loop
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		visits[r.URL.Query().Get("name")]++
		fmt.Fprintf(w, "hello, visit %d\n", visits[r.URL.Query().Get("name")])
	})
	asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := (&asynchttp.Server{Handler: mux}).ListenAndServe(ctx, "127.0.0.1", 8080)
		if err != nil {
			return nil, err
		}
		return nil, srv.ServeForever(ctx)
	})
}

// A client and a server on one loop: the client's awaits (connecting,
// sending, reading the body) suspend its task while the server's tasks run.
func ExampleClient() {
	mux := http.NewServeMux()
	mux.HandleFunc("/greet", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", r.URL.Query().Get("name"))
	})
	asyncio.Run(func(ctx context.Context) (any, error) {
		srv := &asynchttp.Server{Handler: mux}
		ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		c := &asynchttp.Client{Timeout: 5 * time.Second}
		defer c.CloseIdleConnections()
		resp, err := c.Get(ctx, fmt.Sprintf("http://127.0.0.1:%d/greet?name=loop", ln.Port()))
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body) // read by this task, awaiting as it goes
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body), err)
		return nil, asyncio.Timeout(ctx, 5*time.Second, srv.Shutdown)
	})
	// Output: 200 hello, loop <nil>
}

// Graceful shutdown: stop accepting, let the request in flight finish,
// bounded by a Timeout (handlers still running then are cancelled).
func ExampleServer_Shutdown() {
	started := &asyncio.Event{}
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		started.Set()
		asyncio.Sleep(r.Context(), 100*time.Millisecond) // work in flight at shutdown
		fmt.Fprint(w, "finished")
	})
	asyncio.Run(func(ctx context.Context) (any, error) {
		srv := &asynchttp.Server{Handler: mux}
		ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		req := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) {
			resp, err := asynchttp.Get(ctx, fmt.Sprintf("http://127.0.0.1:%d/slow", ln.Port()))
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return fmt.Sprintf("%s (connection closed after: %v)", b, resp.Close), err
		})
		started.Wait(ctx) // the request is in its handler
		err = asyncio.Timeout(ctx, 5*time.Second, srv.Shutdown)
		body, _ := req.Await(ctx)
		fmt.Println("shutdown:", err, "; in flight:", body)
		return nil, nil
	})
	// Output: shutdown: <nil> ; in flight: finished (connection closed after: true)
}

// A time limit for handlers, kept on the loop: past it the handler's await
// ends with the timeout and the client gets 503.
func ExampleTimeoutHandler() {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := asyncio.Sleep(r.Context(), time.Minute); err != nil {
			return // the time limit passed: nothing more to do
		}
		fmt.Fprint(w, "done")
	})
	asyncio.Run(func(ctx context.Context) (any, error) {
		srv := &asynchttp.Server{Handler: asynchttp.TimeoutHandler(slow, 10*time.Millisecond, "try again later")}
		ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		resp, err := asynchttp.Get(ctx, fmt.Sprintf("http://127.0.0.1:%d/", ln.Port()))
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
		asynchttp.DefaultClient.CloseIdleConnections()
		return nil, asyncio.Timeout(ctx, 5*time.Second, srv.Shutdown)
	})
	// Output: 503 try again later
}
