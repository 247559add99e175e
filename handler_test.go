package asyncio_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// An error nobody retrieves reaches the handler one round after the task
// ends, with the task; a cancelled task or an awaited error does not.
func TestUnretrievedErrorReachesHandler(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		l.SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) {
			tr.add("handler: %s: %s: %v", c.Message, c.Task.Name(), c.Err)
		})
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			tr.add("failing")
			return nil, errors.New("lost")
		}, "orphan")
		awaited := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, errors.New("taken") })
		c := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, asyncio.Sleep(ctx, time.Hour) })
		asyncio.Sleep(ctx, 0)
		c.Cancel()
		awaited.Await(ctx)
		tr.add("main awaited")
		asyncio.Sleep(ctx, time.Millisecond)
		return nil, nil
	})
	tr.expect(t, "failing", "main awaited", "handler: Task exception was never retrieved: orphan: lost")
}

// A panic in a task nobody awaits reaches the handler with its stack.
func TestUnawaitedPanicReachesHandler(t *testing.T) {
	var got asyncio.ExceptionContext
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		asyncio.GetEventLoop().SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) { got = c })
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { panic("nobody listens") }, "p")
		return nil, asyncio.Sleep(ctx, time.Millisecond)
	})
	var pe *asyncio.PanicError
	if !errors.As(got.Err, &pe) || pe.Value != "nobody listens" || !strings.Contains(string(pe.Stack), "handler_test.go") {
		t.Fatalf("handler got %+v", got)
	}
}

// A handler that panics does not stop the loop.
func TestPanickingHandlerDoesNotStopLoop(t *testing.T) {
	calls := 0
	v, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
		l := asyncio.GetEventLoop()
		l.SetExceptionHandler(func(*asyncio.Loop, asyncio.ExceptionContext) { calls++; panic("handler broke") })
		if l.GetExceptionHandler() == nil {
			t.Error("GetExceptionHandler lost the handler")
		}
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, errors.New("x") })
		asyncio.Sleep(ctx, time.Millisecond)
		l.SetExceptionHandler(nil)
		return 9, nil
	})
	if v != 9 || err != nil || calls != 1 {
		t.Fatalf("loop did not survive: %v %v calls=%d", v, err, calls)
	}
}
