package asyncio_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

// ToThread runs blocking code off the loop; other tasks run meanwhile.
func ExampleToThread() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		release := make(chan struct{})
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			fmt.Println("the loop still runs tasks")
			close(release)
			return nil, nil
		})
		v, err := asyncio.ToThread(ctx, func(ctx context.Context) (string, error) {
			<-release // stands for a blocking call: a file read, cgo, a heavy computation
			return "blocking work done", nil
		})
		fmt.Println(v, err)
		return nil, nil
	})
	// Output:
	// the loop still runs tasks
	// blocking work done <nil>
}

// RunCoroutineThreadsafe hands work to the loop from another goroutine, which
// waits for the result like a concurrent.futures.Future.
func ExampleRunCoroutineThreadsafe() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		results := make(chan string)
		go func() { // e.g. an HTTP handler or a callback from a C library
			f := asyncio.RunCoroutineThreadsafe(l, func(ctx context.Context) (string, error) {
				asyncio.Sleep(ctx, time.Millisecond)
				return "computed on the loop", nil
			})
			v, _ := f.Wait(context.Background())
			results <- v
		}()
		v, _, _ := asyncio.Recv(ctx, results)
		fmt.Println(v)
		return nil, nil
	})
	// Output: computed on the loop
}

// Recv receives from a Go channel without blocking the loop.
func ExampleRecv() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		words := make(chan string)
		go func() {
			for _, w := range []string{"one", "two", "three"} {
				words <- w
			}
			close(words)
		}()
		for {
			w, ok, err := asyncio.Recv(ctx, words)
			if !ok || err != nil {
				break
			}
			fmt.Println("got", w)
		}
		fmt.Println("channel closed")
		return nil, nil
	})
	// Output:
	// got one
	// got two
	// got three
	// channel closed
}

// A UDP echo server and client as two tasks on one loop.
func ExampleOpenDatagramEndpoint() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		server, err := asyncio.OpenDatagramEndpoint(ctx, "127.0.0.1:0", "")
		if err != nil {
			return nil, err
		}
		defer server.Close()
		echo := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			buf := make([]byte, 1500)
			for {
				n, from, err := server.RecvFrom(ctx, buf)
				if err != nil {
					return nil, err
				}
				server.SendTo(ctx, []byte(strings.ToUpper(string(buf[:n]))), from)
			}
		})

		client, err := asyncio.OpenDatagramEndpoint(ctx, "", server.LocalAddr().String())
		if err != nil {
			return nil, err
		}
		defer client.Close()
		buf := make([]byte, 1500)
		for _, msg := range []string{"hello", "udp"} {
			client.Send(ctx, []byte(msg))
			n, _, _ := client.RecvFrom(ctx, buf)
			fmt.Println(string(buf[:n]))
		}
		echo.Cancel()
		echo.Await(ctx)
		return nil, nil
	})
	// Output:
	// HELLO
	// UDP
}
