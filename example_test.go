package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Run creates the loop, runs main as a task until it returns, cancels what is
// left, and returns main's result.
func ExampleRun() {
	v, err := asyncio.Run(func(ctx context.Context) (string, error) {
		asyncio.Sleep(ctx, time.Millisecond)
		return "hello from the loop", nil
	})
	fmt.Println(v, err)
	// Output: hello from the loop <nil>
}

// Tasks run until their next await, then the loop runs the others.
func ExampleCreateTask() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		worker := func(name string) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				for i := 0; i < 2; i++ {
					fmt.Println(name, i)
					asyncio.Sleep(ctx, 0)
				}
				return len(name), nil
			}
		}
		a := asyncio.CreateTask(ctx, worker("a"))
		b := asyncio.CreateTask(ctx, worker("bb"))
		x, _ := a.Await(ctx)
		y, _ := b.Await(ctx)
		fmt.Println("results", x, y)
		return nil, nil
	})
	// Output:
	// a 0
	// bb 0
	// a 1
	// bb 1
	// results 1 2
}

// Sleep suspends only the calling task.
func ExampleSleep() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		slow := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			asyncio.Sleep(ctx, 20*time.Millisecond)
			fmt.Println("slow done")
			return nil, nil
		})
		asyncio.Sleep(ctx, time.Millisecond)
		fmt.Println("main woke first")
		slow.Await(ctx)
		return nil, nil
	})
	// Output:
	// main woke first
	// slow done
}

// WaitFor cancels the work when the time is up and reports a timeout.
func ExampleWaitFor() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		_, err := asyncio.WaitFor(ctx, 5*time.Millisecond, func(ctx context.Context) (int, error) {
			err := asyncio.Sleep(ctx, time.Hour)
			fmt.Println("work cancelled:", errors.Is(err, context.Canceled))
			return 0, err
		})
		fmt.Println("timeout:", errors.Is(err, context.DeadlineExceeded))
		return nil, nil
	})
	// Output:
	// work cancelled: true
	// timeout: true
}

// Gather returns results in argument order.
func ExampleGather() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		square := func(n int) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				asyncio.Sleep(ctx, time.Duration(5-n)*time.Millisecond)
				return n * n, nil
			}
		}
		vs, err := asyncio.Gather(ctx, square(1), square(2), square(3))
		fmt.Println(vs, err)
		return nil, nil
	})
	// Output: [1 4 9] <nil>
}

// A cancelled task sees the cancellation at its await, can clean up, and
// ends cancelled.
func ExampleTask_Cancel() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		t := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			err := asyncio.Sleep(ctx, time.Hour)
			var ce *asyncio.CancelledError
			if errors.As(err, &ce) {
				fmt.Println("cleaning up after:", ce.Msg)
			}
			return nil, err
		})
		asyncio.Sleep(ctx, time.Millisecond)
		t.Cancel("shutting down")
		_, err := t.Await(ctx)
		fmt.Println("cancelled:", t.Cancelled(), errors.Is(err, context.Canceled))
		return nil, nil
	})
	// Output:
	// cleaning up after: shutting down
	// cancelled: true true
}

// Timeout bounds a block of awaits in the current task; the deadline can be
// moved while it runs.
func ExampleTimeout() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		err := asyncio.Timeout(ctx, 5*time.Millisecond, func(ctx context.Context) error {
			return asyncio.Sleep(ctx, time.Hour)
		})
		fmt.Println("first:", err)
		err = asyncio.Timeout(ctx, time.Millisecond, func(ctx context.Context) error {
			s := asyncio.TimeoutScopeOf(ctx)
			s.Reschedule(asyncio.GetEventLoop().Time() + time.Hour) // more time
			return asyncio.Sleep(ctx, 5*time.Millisecond)
		})
		fmt.Println("rescheduled:", err)
		return nil, nil
	})
	// Output:
	// first: asyncio: timeout
	// rescheduled: <nil>
}

// An error that no task awaits reaches the exception handler.
func ExampleLoop_SetExceptionHandler() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		asyncio.GetEventLoop().SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
			fmt.Printf("%s in %s: %v\n", c.Message, c.Task.Name(), c.Err)
		})
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, errors.New("disk full")
		}, "saver")
		asyncio.Sleep(ctx, time.Millisecond)
		return nil, nil
	})
	// Output: Task exception was never retrieved in saver: disk full
}

// CallLater runs a callback on the loop after a delay; CallSoon in the next
// iteration.
func ExampleLoop_CallLater() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		l.CallLater(2*time.Millisecond, func() { fmt.Println("later") })
		l.CallSoon(func() { fmt.Println("soon") })
		asyncio.Sleep(ctx, 5*time.Millisecond)
		return nil, nil
	})
	// Output:
	// soon
	// later
}
