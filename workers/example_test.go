package workers_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"syscall"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/workers"
)

// A TCP echo server on every CPU: one worker process per CPU, each pinned to
// its CPU, each with its own loop, all listening on port 8888. Ctrl-C (or
// SIGTERM to the first process) stops them all; a worker that crashes is
// started again.
func Example() {
	err := workers.Main(0, func(index int) error {
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			srv, err := asyncio.StartServer(ctx, echo, "127.0.0.1", 8888,
				asyncio.ServerOptions{ReusePort: true}) // every worker binds the same port
			if err != nil {
				return nil, err
			}
			l := asyncio.GetEventLoop()
			l.AddSignalHandler(syscall.SIGTERM, srv.Close) // from the supervisor
			l.AddSignalHandler(os.Interrupt, srv.Close)    // from the terminal
			log.Printf("worker %d (pid %d) serving on %v", index, os.Getpid(), srv.Addrs()[0])
			return nil, srv.WaitClosed(ctx)
		})
		return err
	}, workers.Options{Pin: true})
	if err != nil {
		log.Fatal(err)
	}
}

func echo(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	buf := make([]byte, 4096)
	for {
		n, err := r.ReadInto(ctx, buf)
		if err != nil {
			return nil // EOF: the server closes the connection
		}
		w.Write(buf[:n])
		if err := w.Drain(ctx); err != nil {
			return err
		}
	}
}

// Index tells the roles apart, e.g. to do something once, in the supervisor.
func ExampleIndex() {
	if index, isWorker := workers.Index(); isWorker {
		fmt.Println("worker", index)
	} else {
		fmt.Println("supervisor (or a program not started by Main)")
	}
	// Output: supervisor (or a program not started by Main)
}
