// Command tour shows the event loop at work: tasks interleaving at their
// awaits, a timeout cancelling slow work, and a task cancelled from outside
// cleaning up. Each line is stamped with the loop's clock.
//
//	go run ./examples/tour
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asyncio-go/asyncio"
)

func main() {
	l := asyncio.GetEventLoop()
	start := l.Time()
	say := func(format string, args ...any) {
		fmt.Printf("[%6.3fs] %s\n", (l.Time() - start).Seconds(), fmt.Sprintf(format, args...))
	}

	result, err := asyncio.Run(func(ctx context.Context) (string, error) {
		// 1. Two tasks interleave: each runs until its next await.
		ticker := func(name string, every time.Duration) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				for i := 1; i <= 3; i++ {
					say("%s tick %d", name, i)
					if err := asyncio.Sleep(ctx, every); err != nil {
						return i, err
					}
				}
				return 3, nil
			}
		}
		counts, _ := asyncio.Gather(ctx, ticker("fast", 50*time.Millisecond), ticker("slow", 120*time.Millisecond))
		say("both tickers done: %v", counts)

		// 2. A timeout cancels work that takes too long.
		_, err := asyncio.WaitFor(ctx, 100*time.Millisecond, func(ctx context.Context) (string, error) {
			say("slow download started")
			if err := asyncio.Sleep(ctx, time.Second); err != nil {
				say("slow download cancelled: %v", err)
				return "", err
			}
			return "data", nil
		})
		say("WaitFor: %v (deadline exceeded: %v)", err, errors.Is(err, context.DeadlineExceeded))

		// 3. A task cancelled from outside cleans up at its await.
		server := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			for {
				if err := asyncio.Sleep(ctx, 40*time.Millisecond); err != nil {
					say("server: %v; closing connections", err)
					asyncio.Sleep(ctx, 10*time.Millisecond) // cleanup may await
					say("server: closed")
					return nil, err
				}
				say("server: serving")
			}
		}, "server")
		asyncio.Sleep(ctx, 100*time.Millisecond)
		server.Cancel("maintenance")
		server.Await(ctx)
		say("server cancelled: %v", server.Cancelled())
		return "tour complete", nil
	})
	say("Run returned %q, %v", result, err)
}
