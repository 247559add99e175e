package asyncio_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// mustPanic runs f and checks that it panics with a message containing every
// fragment: misuse messages name the mistake and the fix.
func mustPanic(t *testing.T, f func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatal("no panic")
		}
		msg := r.(error).Error()
		for _, f := range fragments {
			if !strings.Contains(msg, f) {
				t.Fatalf("panic %q lacks %q", msg, f)
			}
		}
	}()
	f()
}

func TestAwaitOutsideTask(t *testing.T) {
	mustPanic(t, func() { asyncio.Sleep(context.Background(), time.Second) }, "asyncio: Sleep called outside a task", "CreateTask")
}

func TestTaskAwaitingItself(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var self *asyncio.Task[int]
		self = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			mustPanic(t, func() { self.Await(ctx) }, "awaits itself")
			return 0, nil
		})
		self.Await(ctx)
		return nil, nil
	})
}

func TestAwaitWithAnotherTasksContext(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		other := asyncio.CreateTask(ctx, func(octx context.Context) (int, error) {
			mustPanic(t, func() { asyncio.Sleep(ctx, 0) }, "not the running task", "own ctx")
			return 0, nil
		})
		other.Await(ctx)
		return nil, nil
	})
}

func TestClosedLoopMisuse(t *testing.T) {
	l, _ := asynciotest.NewLoop(t)
	l.Close()
	mustPanic(t, func() { l.CallSoon(func() {}) }, "closed event loop", "NewEventLoop")
	mustPanic(t, func() { l.CreateTask(func(context.Context) (any, error) { return nil, nil }) }, "closed event loop")
	mustPanic(t, func() { l.CallLater(time.Second, nil) }, "nil function")
}

// In debug mode, calling a loop-only method from another goroutine while the
// loop runs is caught.
func TestDebugCatchesForeignGoroutine(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		res := make(chan any)
		go func() {
			defer func() { res <- recover() }()
			l.CallSoon(func() {})
		}()
		r := <-res
		if r == nil || !strings.Contains(r.(error).Error(), "CallSoonThreadsafe") {
			t.Errorf("foreign CallSoon: %v", r)
		}
		return nil, nil
	})
}

// CreateTask with a context that carries no task, while the loop runs, is
// the signature of a call from another goroutine.
func TestCreateTaskWithoutTaskContextWhileRunning(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		mustPanic(t, func() {
			asyncio.CreateTask(context.Background(), func(context.Context) (int, error) { return 0, nil })
		}, "carries no task", "RunCoroutineThreadsafe")
		return nil, nil
	})
}

// With the virtual clock, a program where every task waits for something
// that can never happen fails with a deadlock error naming the tasks.
func TestDeadlockDetected(t *testing.T) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var ev asyncio.Event // never set (an await cycle is no deadlock: the await fails)
		never := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			a := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, ev.Wait(ctx) }, "a")
			return a.Await(ctx)
		}, "never")
		return never.Await(ctx)
	})
	if err == nil || !strings.Contains(err.Error(), "deadlock") || !strings.Contains(err.Error(), "never") {
		t.Fatalf("deadlock not reported: %v", err)
	}
}
