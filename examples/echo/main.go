// Command echo is a TCP echo server on the event loop, with a built-in demo
// client so that one command shows it working:
//
//	go run ./examples/echo -demo        # server + 3 clients, then exit
//	go run ./examples/echo -addr :8888  # serve until interrupted (try: nc localhost 8888)
//	go run ./examples/echo -addr :8888 -workers 2  # two processes, one loop each
//
// Ctrl-C or SIGTERM stops it: the server stops listening, connections get a
// grace period (-grace) to finish, then they are closed.
//
// Each connection is a task; each read and each drain suspends only that task.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/asyncio-go/asyncio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	demo := flag.Bool("demo", false, "run three clients against the server, then exit")
	grace := flag.Duration("grace", time.Second, "how long connections may finish after Ctrl-C or SIGTERM")
	nworkers := flag.Int("workers", 0, "serve from N processes sharing the port, one loop each (workers.go); 0 or 1: this process alone")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(portText)

	shutdownGrace = *grace
	if *nworkers > 1 {
		err = serveWorkers(*nworkers, host, port, *demo)
	} else {
		err = serve(host, port, *demo, asyncio.ServerOptions{})
	}
	if err != nil {
		log.Fatal(err)
	}
}

// shutdownGrace is the -grace flag: how long connections may finish.
var shutdownGrace = time.Second

// serve runs the server on this process's loop until it is interrupted, or
// until the demo clients are done.
func serve(host string, port int, demo bool, opts asyncio.ServerOptions) error {
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, serveLines, host, port, opts)
		if err != nil {
			return nil, err
		}
		fmt.Printf("echo server listening on %v\n", srv.Addrs()[0])
		if demo {
			defer srv.Close()
			return nil, runDemo(ctx, srv.Port())
		}
		return nil, serveUntilSignal(ctx, srv, shutdownGrace)
	})
	if errors.Is(err, context.Canceled) {
		return nil // Ctrl-C or SIGTERM: a clean end
	}
	return err
}

// serveUntilSignal serves until Ctrl-C (Run cancels main) or SIGTERM (which
// does the same here), then shuts the server down: connections get the grace
// period to finish, then their handlers are cancelled.
func serveUntilSignal(ctx context.Context, srv *asyncio.Server, grace time.Duration) error {
	l := asyncio.GetEventLoop()
	main := asyncio.CurrentTask(ctx)
	l.AddSignalHandler(syscall.SIGTERM, func() { main.Cancel("SIGTERM") })
	defer l.RemoveSignalHandler(syscall.SIGTERM)
	err := srv.ServeForever(ctx)
	fmt.Printf("shutting down (%v); connections have %v to finish\n", err, grace)
	if errors.Is(asyncio.Timeout(ctx, grace, srv.Shutdown), asyncio.ErrTimeout) {
		fmt.Println("grace period over: remaining connections closed")
	}
	return err
}

// serveLines echoes each line back, prefixed with the peer's address.
func serveLines(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	peer := w.GetExtraInfo("peername")
	for {
		line, err := r.ReadLine(ctx)
		if errors.Is(err, io.EOF) || len(line) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		w.Write([]byte(fmt.Sprintf("echo to %v: %s", peer, line)))
		if err := w.Drain(ctx); err != nil {
			return err
		}
	}
}

// runDemo connects three clients concurrently; their lines interleave.
func runDemo(ctx context.Context, port int) error {
	client := func(name string) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", port)
			if err != nil {
				return 0, err
			}
			defer w.Close()
			for i := 1; i <= 2; i++ {
				w.Write([]byte(fmt.Sprintf("%s says hello #%d\n", name, i)))
				if err := w.Drain(ctx); err != nil {
					return 0, err
				}
				reply, err := r.ReadLine(ctx)
				if err != nil {
					return 0, err
				}
				fmt.Printf("%s got: %s", name, reply)
			}
			return 2, nil
		}
	}
	_, err := asyncio.Gather(ctx, client("alice"), client("bob"), client("carol"))
	return err
}
