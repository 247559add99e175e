package asyncio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// Run panics only for main's own panic (TestRunPanicsWithMainsPanic); a
// *PanicError that main got from a child and returns is an error like any
// other, and Run returns it (asyncio.run raises what main raises).
func TestRunReturnsPanicErrorMainReturned(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Run panicked with %v", r)
		}
	}()
	_, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
		child := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { panic("child exploded") }, "child")
		return child.Await(ctx)
	})
	var pe *asyncio.PanicError
	if !errors.As(err, &pe) || pe.Value != "child exploded" || pe.Task != "child" {
		t.Fatalf("Run error = %v, want the child's *PanicError", err)
	}
}

// Even a child named "main" does not make a returned *PanicError main's own.
func TestRunReturnsPanicErrorOfChildNamedMain(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Run panicked with %v", r)
		}
	}()
	_, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
		child := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { panic("boom") }, "main")
		return child.Await(ctx)
	})
	var pe *asyncio.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Run error = %v", err)
	}
}

// A pending future of a closed loop (NewEventLoop closed it) can never be
// completed onto the new loop: awaiting it panics with a message naming the
// mistake, instead of hanging even under WaitFor.
func TestFutureOfClosedLoopPanicsAtAwait(t *testing.T) {
	var stale *asyncio.Future[int]
	asynciotest.Run(t, func(ctx context.Context) (int, error) {
		stale = asyncio.NewFuture[int](ctx)
		return 0, nil
	})
	asynciotest.Run(t, func(ctx context.Context) (int, error) {
		mustPanic(t, func() { stale.Await(ctx) }, "future of a closed event loop", "NewFuture(ctx)")
		mustPanic(t, func() {
			asyncio.WaitFor(ctx, time.Second, stale.Await)
		}, "future of a closed event loop")
		return 0, nil
	})
	// A done future of a closed loop still gives its result.
	done := asyncio.NewFuture[int](context.Background())
	done.SetResult(5)
	asynciotest.Run(t, func(ctx context.Context) (int, error) {
		if v, err := done.Await(ctx); v != 5 || err != nil {
			t.Errorf("done future: %v %v", v, err)
		}
		return 0, nil
	})
}

// Nil tasks, futures and functions are misuses named as such, not nil
// pointer crashes deep in the library.
func TestNilTaskMisuse(t *testing.T) {
	mustPanic(t, func() { asyncio.Run[int](nil) }, "Run called with a nil function")
	l, _ := asynciotest.NewLoop(t)
	mustPanic(t, func() { l.RunUntilComplete(nil) }, "RunUntilComplete called with a nil task")
	mustPanic(t, func() { l.RunUntilComplete((*asyncio.Task[int])(nil)) }, "RunUntilComplete called with a nil task")
	mustPanic(t, func() { l.CreateTask(nil) }, "nil function")
	asynciotest.Run(t, func(ctx context.Context) (int, error) {
		var nt *asyncio.Task[int]
		mustPanic(t, func() { nt.Await(ctx) }, "Task.Await called on a nil *Task")
		var nf *asyncio.Future[int]
		mustPanic(t, func() { nf.Await(ctx) }, "Future.Await called on a nil *Future")
		var zf asyncio.Future[int]
		mustPanic(t, func() { zf.Await(ctx) }, "zero Future", "NewFuture(ctx)")
		mustPanic(t, func() { asyncio.NewFuture[int](ctx).AddDoneCallback(nil) }, "nil function")
		return 0, nil
	})
}
