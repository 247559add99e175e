package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asyncio-go/asyncio"
)

// A task that computes for 300 ms without awaiting holds up every other
// task. The loop's watchdog notices while it still runs, takes its stack,
// and when the step ends reports it through the exception handler. (No
// Output: the figures depend on the machine.)
func ExampleLoop_SetSlowCallbackDuration() {
	asyncio.NewEventLoop().SetSlowCallbackDuration(50 * time.Millisecond)
	asyncio.Run(func(ctx context.Context) (any, error) {
		asyncio.GetEventLoop().SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
			var slow *asyncio.SlowStepError
			if errors.As(c.Err, &slow) {
				fmt.Printf("%s ran %v without awaiting; stack:\n%s\n", slow.Task, slow.Duration, slow.Stack)
			}
		})
		crunch := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			n := 0
			for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
				n++ // should have awaited now and then (asyncio.Sleep(ctx, 0))
			}
			return n, nil
		}, "crunch")
		return crunch.Await(ctx)
	})
}

// With profile labels on, CPU and goroutine profiles split by task: each
// task's goroutine carries asyncio.task=<name> while its function runs.
func ExampleLoop_SetProfileLabels() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		asyncio.GetEventLoop().SetProfileLabels(true)
		// pprof.StartCPUProfile(f) ... then: go tool pprof -tagfocus asyncio.task=resize cpu.prof
		resize := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 42, nil }, "resize")
		n, err := resize.Await(ctx)
		fmt.Println(asyncio.ProfileLabelKey, "=", resize.Name(), "returned", n)
		return nil, err
	})
	// Output: asyncio.task = resize returned 42
}
