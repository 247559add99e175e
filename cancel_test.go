package asyncio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// A task cancelled while it sleeps sees a CancelledError (matching
// context.Canceled) at the sleep, may await during its cleanup, and ends
// cancelled; awaiting it gives the cancellation.
func TestCancelDuringSleep(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			err := asyncio.Sleep(ctx, time.Hour)
			tr.add("sleep: canceled=%v", errors.Is(err, context.Canceled))
			asyncio.Sleep(ctx, 100*time.Millisecond) // cleanup that awaits
			tr.add("cleanup done at %v", l.Time())
			return 0, err
		})
		asyncio.Sleep(ctx, time.Second)
		tr.add("cancel=%v", tk.Cancel("stop it"))
		_, err := tk.Await(ctx)
		var ce *asyncio.CancelledError
		tr.add("await: %v msg=%q cancelled=%v", errors.As(err, &ce), ce.Msg, tk.Cancelled())
		return nil, nil
	})
	tr.expect(t, "cancel=true", "sleep: canceled=true", "cleanup done at 1.1s", `await: true msg="stop it" cancelled=true`)
}

// Cancelling a task that awaits another cancels the inner one; the outer
// gets the inner's cancellation.
func TestCancelDuringAwaitOfTask(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		inner := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			err := asyncio.Sleep(ctx, time.Hour)
			tr.add("inner: %v", errors.Is(err, context.Canceled))
			return 0, err
		})
		outer := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			v, err := inner.Await(ctx)
			tr.add("outer: %v", errors.Is(err, context.Canceled))
			return v, err
		})
		asyncio.Sleep(ctx, time.Second)
		outer.Cancel()
		outer.Await(ctx)
		tr.add("inner cancelled=%v outer cancelled=%v", inner.Cancelled(), outer.Cancelled())
		return nil, nil
	})
	tr.expect(t, "inner: true", "outer: true", "inner cancelled=true outer cancelled=true")
}

// If the inner task swallows the forwarded cancellation and returns a value,
// the outer task gets that value (asyncio forwards, it does not cancel twice).
func TestForwardedCancelSwallowedByInner(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		inner := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			asyncio.Sleep(ctx, time.Hour)
			return 42, nil
		})
		outer := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return inner.Await(ctx) })
		asyncio.Sleep(ctx, time.Second)
		outer.Cancel()
		v, err := outer.Await(ctx)
		if v != 42 || err != nil || outer.Cancelled() {
			t.Errorf("outer = %v, %v, cancelled=%v", v, err, outer.Cancelled())
		}
		return nil, nil
	})
}

// A task cancelled before it first runs never runs its function.
func TestCancelBeforeFirstRun(t *testing.T) {
	ran := false
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { ran = true; return 1, nil })
		tk.Cancel()
		_, err := tk.Await(ctx)
		if !errors.Is(err, context.Canceled) || !tk.Cancelled() {
			t.Errorf("err=%v cancelled=%v", err, tk.Cancelled())
		}
		return nil, nil
	})
	if ran {
		t.Fatal("a task cancelled before its first run ran its function")
	}
}

// Cancelling a finished task does nothing and says so.
func TestCancelFinishedTask(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 3, nil })
		tk.Await(ctx)
		if tk.Cancel() {
			t.Error("Cancel of a finished task returned true")
		}
		if v, err := tk.Result(); v != 3 || err != nil || tk.Cancelled() {
			t.Errorf("finished task changed by Cancel: %v %v", v, err)
		}
		return nil, nil
	})
}

// A task that cancels itself gets the CancelledError at its next await.
func TestSelfCancel(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			asyncio.CurrentTask(ctx).Cancel()
			tr.add("still running")
			err := asyncio.Sleep(ctx, time.Second)
			tr.add("sleep: %v", errors.Is(err, context.Canceled))
			return nil, err
		})
		tk.Await(ctx)
		tr.add("cancelled=%v", tk.Cancelled())
		return nil, nil
	})
	tr.expect(t, "still running", "sleep: true", "cancelled=true")
}

// A task may catch the cancellation and carry on; Cancelling counts requests
// and Uncancel takes one back.
func TestSwallowCancellationAndUncancel(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) {
			err := asyncio.Sleep(ctx, time.Hour)
			me := asyncio.CurrentTask(ctx)
			if me.Cancelling() != 1 {
				t.Errorf("Cancelling = %d, want 1", me.Cancelling())
			}
			if n := me.Uncancel(); n != 0 {
				t.Errorf("Uncancel = %d", n)
			}
			if err := asyncio.Sleep(ctx, time.Second); err != nil {
				t.Errorf("sleep after uncancel: %v", err)
			}
			return "carried on after " + err.Error(), nil
		})
		asyncio.Sleep(ctx, 0)
		tk.Cancel()
		v, err := tk.Await(ctx)
		if err != nil || tk.Cancelled() || v != "carried on after asyncio: cancelled" {
			t.Errorf("got %q %v", v, err)
		}
		return nil, nil
	})
}

// A task's context is done when the task is cancelled (blocking Go code handed
// the context sees it) and when the task finishes.
func TestTaskContextFollowsCancellation(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		seen := make(chan error, 1)
		var handed context.Context
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			handed = ctx
			go func() { <-ctx.Done(); seen <- ctx.Err() }() // ordinary Go code
			return nil, asyncio.Sleep(ctx, time.Hour)
		})
		asyncio.Sleep(ctx, 0)
		if handed.Err() != nil {
			t.Error("context done before cancel")
		}
		tk.Cancel()
		if err := <-seen; err != context.Canceled {
			t.Errorf("goroutine saw %v", err)
		}
		tk.Await(ctx)
		fin := asyncio.CreateTask(ctx, func(ctx context.Context) (context.Context, error) { return ctx, nil })
		c, _ := fin.Await(ctx)
		<-c.Done() // closed because the task finished
		return nil, nil
	})
}
