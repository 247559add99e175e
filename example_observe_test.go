package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
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

// On a virtual clock (package asynciotest), a program that can never make
// progress ends with a *DeadlockError naming each task, what it waits on,
// and the wait-for cycles.
func ExampleDeadlockError() {
	asyncio.NewEventLoop().SetClock(asynciotest.NewClock())
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		var disk, net asyncio.Lock
		backup := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			disk.Acquire(ctx)
			asyncio.Sleep(ctx, 0)
			return nil, net.Acquire(ctx)
		}, "backup")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			net.Acquire(ctx)
			asyncio.Sleep(ctx, 0)
			return nil, disk.Acquire(ctx)
		}, "sync")
		return backup.Await(ctx)
	})
	var d *asyncio.DeadlockError
	if errors.As(err, &d) {
		for _, t := range d.Tasks {
			fmt.Println(t.Name, "waits on", strings.Fields(t.Waits)[0], t.WaitsFor)
		}
		fmt.Println("cycles:", d.Cycles)
	}
	// Output:
	// main waits on Task.Await [2]
	// backup waits on Lock.Acquire [3]
	// sync waits on Lock.Acquire [2]
	// cycles: [[2 3]]
}

// A snapshot shows every task, under the task that created it, with what it
// waits on (python -m asyncio pstree, from inside the program).
func ExampleLoop_Snapshot() {
	asyncio.NewEventLoop().SetClock(asynciotest.NewClock())
	asyncio.Run(func(ctx context.Context) (any, error) {
		q := asyncio.NewQueue[string](0)
		asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) { return q.Get(ctx) }, "consumer")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, asyncio.Sleep(ctx, time.Minute)
		}, "ticker")
		asyncio.Sleep(ctx, 0)
		snap, err := asyncio.GetEventLoop().Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range snap.Tasks {
			fmt.Println(t.Name, t.State, strings.Fields(t.Waits + " -")[0])
		}
		q.Put(ctx, "done")
		return nil, nil
	})
	// Output:
	// main running -
	// consumer waiting Queue.Get
	// ticker waiting Sleep
}

// Errors nobody awaits, logged through log/slog with the task's name (and
// the stack of a panic) as attributes.
func ExampleSlogExceptionHandler() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))
	asyncio.NewEventLoop().SetExceptionHandler(asyncio.SlogExceptionHandler(logger))
	asyncio.Run(func(ctx context.Context) (any, error) {
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, errors.New("disk full")
		}, "saver")
		return nil, asyncio.Sleep(ctx, time.Millisecond)
	})
	// Output: level=ERROR msg="asyncio: Task exception was never retrieved" task=saver error="disk full"
}
