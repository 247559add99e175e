package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// On timeout WaitFor cancels the work, waits for it to finish, and returns
// ErrTimeout, which matches context.DeadlineExceeded.
func TestWaitForTimesOut(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		v, err := asyncio.WaitFor(ctx, 200*time.Millisecond, func(ctx context.Context) (int, error) {
			err := asyncio.Sleep(ctx, time.Second)
			tr.add("work: cancelled=%v at %v", errors.Is(err, context.Canceled), l.Time())
			return 1, err
		})
		tr.add("v=%d timeout=%v deadline=%v at %v", v, err == asyncio.ErrTimeout,
			errors.Is(err, context.DeadlineExceeded), l.Time())
		return nil, nil
	})
	tr.expect(t, "work: cancelled=true at 200ms", "v=0 timeout=true deadline=true at 200ms")
}

func TestWaitForSucceeds(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		v, err := asyncio.WaitForMs(ctx, 500, func(ctx context.Context) (string, error) {
			asyncio.SleepMs(ctx, 100)
			return "ok", nil
		})
		if v != "ok" || err != nil {
			t.Errorf("WaitFor = %q, %v", v, err)
		}
		if now := asyncio.GetEventLoop().Time(); now != 100*time.Millisecond {
			t.Errorf("finished at %v", now)
		}
		return nil, nil
	})
}

// WaitFor on a task's Await cancels the task on timeout.
func TestWaitForTaskCancelsIt(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, asyncio.Sleep(ctx, time.Hour) })
		_, err := asyncio.WaitForTask(ctx, time.Second, tk)
		if err != asyncio.ErrTimeout || !tk.Cancelled() {
			t.Errorf("err=%v task cancelled=%v", err, tk.Cancelled())
		}
		return nil, nil
	})
}

// With a limit <= 0 the work does not run; WaitForTask returns a finished
// task's outcome and cancels an unfinished one.
func TestWaitForZero(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		ran := false
		_, err := asyncio.WaitFor(ctx, 0, func(ctx context.Context) (int, error) { ran = true; return 0, nil })
		if err != asyncio.ErrTimeout || ran {
			t.Errorf("zero limit: err=%v ran=%v", err, ran)
		}
		done := asyncio.CreateTask(ctx, sleeper(0, 4))
		done.Await(ctx)
		if v, err := asyncio.WaitForTask(ctx, 0, done); v != 4 || err != nil {
			t.Errorf("zero limit on finished task: %v %v", v, err)
		}
		pending := asyncio.CreateTask(ctx, sleeper(time.Second, 5))
		if _, err := asyncio.WaitForTask(ctx, -time.Second, pending); err != asyncio.ErrTimeout || !pending.Cancelled() {
			t.Errorf("negative limit on pending task: %v cancelled=%v", err, pending.Cancelled())
		}
		slow := asyncio.CreateTask(ctx, sleeper(time.Second, 6))
		if _, err := asyncio.WaitForTask(ctx, time.Millisecond, slow); err != asyncio.ErrTimeout || !slow.Cancelled() {
			t.Errorf("short limit on task: %v cancelled=%v", err, slow.Cancelled())
		}
		return nil, nil
	})
}

// A cancellation from outside while WaitFor runs propagates as a
// cancellation, never as a timeout, even if the inner timeout also expires.
func TestWaitForOuterCancelIsNotTimeout(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			return asyncio.WaitFor(ctx, time.Second, func(ctx context.Context) (int, error) {
				return 0, asyncio.Sleep(ctx, time.Hour)
			})
		})
		asyncio.Sleep(ctx, time.Second) // the timeout and the cancel land together
		tk.Cancel()
		_, err := tk.Await(ctx)
		if !errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || !tk.Cancelled() {
			t.Errorf("err=%v cancelled=%v", err, tk.Cancelled())
		}
		return nil, nil
	})
}

// A Timeout scope expires, reports Expired, and can be rescheduled; its
// context is done on expiry while the task's own context is not.
func TestTimeoutScope(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		var scope *asyncio.TimeoutScope
		err := asyncio.Timeout(ctx, 100*time.Millisecond, func(sctx context.Context) error {
			scope = asyncio.TimeoutScopeOf(sctx)
			err := asyncio.Sleep(sctx, time.Second)
			if sctx.Err() == nil || ctx.Err() != nil {
				t.Errorf("scope ctx err %v, task ctx err %v", sctx.Err(), ctx.Err())
			}
			return err
		})
		if err != asyncio.ErrTimeout || !scope.Expired() {
			t.Errorf("expired scope: err=%v expired=%v", err, scope.Expired())
		}
		err = asyncio.Timeout(ctx, 100*time.Millisecond, func(sctx context.Context) error {
			s := asyncio.TimeoutScopeOf(sctx)
			s.Reschedule(l.Time() + time.Second)
			if s.When() != l.Time()+time.Second {
				t.Errorf("When = %v", s.When())
			}
			return asyncio.Sleep(sctx, 500*time.Millisecond)
		})
		if err != nil {
			t.Errorf("rescheduled scope: %v", err)
		}
		err = asyncio.Timeout(ctx, asyncio.Never, func(sctx context.Context) error {
			return asyncio.Sleep(sctx, time.Hour)
		})
		if err != nil || l.Time() != 100*time.Millisecond+500*time.Millisecond+time.Hour {
			t.Errorf("Never scope: %v at %v", err, l.Time())
		}
		return nil, nil
	})
}

// Nested scopes: the inner one expiring is the inner one's timeout only; the
// outer one expiring while the inner is active is the outer one's.
func TestNestedTimeouts(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var innerErr error
		outerErr := asyncio.Timeout(ctx, time.Second, func(ctx context.Context) error {
			innerErr = asyncio.Timeout(ctx, 100*time.Millisecond, func(ctx context.Context) error {
				return asyncio.Sleep(ctx, time.Hour)
			})
			return asyncio.Sleep(ctx, 100*time.Millisecond)
		})
		if innerErr != asyncio.ErrTimeout || outerErr != nil {
			t.Errorf("inner expiring: inner=%v outer=%v", innerErr, outerErr)
		}
		outerErr = asyncio.Timeout(ctx, 100*time.Millisecond, func(ctx context.Context) error {
			innerErr = asyncio.Timeout(ctx, time.Second, func(ctx context.Context) error {
				return asyncio.Sleep(ctx, time.Hour)
			})
			return innerErr
		})
		if !errors.Is(innerErr, context.Canceled) || outerErr != asyncio.ErrTimeout {
			t.Errorf("outer expiring: inner=%v outer=%v", innerErr, outerErr)
		}
		if c := asyncio.CurrentTask(ctx).Cancelling(); c != 0 {
			t.Errorf("cancel requests left behind: %d", c)
		}
		return nil, nil
	})
}

// panicText runs f and returns what it panicked with ("" if it did not).
func panicText(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// Defect 8: nil bodies and nil tasks panic at the call with a message that
// names the mistake, not with a nil dereference deep inside.
func TestTimeoutWaitForNilMisuse(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		for _, c := range []struct {
			f    func()
			want string
		}{
			{func() { asyncio.Timeout(ctx, time.Second, nil) }, "asyncio: Timeout called with a nil body"},
			{func() { asyncio.TimeoutAt(ctx, time.Second, nil) }, "asyncio: TimeoutAt called with a nil body"},
			{func() { asyncio.WaitFor[int](ctx, time.Second, nil) }, "asyncio: WaitFor called with a nil function"},
			{func() { asyncio.WaitFor[int](ctx, 0, nil) }, "asyncio: WaitFor called with a nil function"},
			{func() { asyncio.WaitForMs[int](ctx, 10, nil) }, "asyncio: WaitFor called with a nil function"},
			{func() { asyncio.WaitForTask[int](ctx, time.Second, nil) }, "asyncio: WaitForTask called with a nil task"},
			{func() { asyncio.WaitForFuture[int](ctx, time.Second, nil) }, "asyncio: WaitForFuture called with a nil future"},
		} {
			if got := panicText(c.f); !strings.HasPrefix(got, c.want) {
				t.Errorf("panic %q, want %q", got, c.want)
			}
		}
		return nil, nil
	})
}

// Defect 18: work that catches the cancellation of an expired WaitFor and
// returns a value gives that value, not ErrTimeout (CPython 3.12+: wait_for
// is timeout() around the await, and timeout() raises TimeoutError only for
// a CancelledError).
func TestWaitForWorkSwallowsCancellation(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		v, err := asyncio.WaitFor(ctx, 100*time.Millisecond, func(ctx context.Context) (int, error) {
			if err := asyncio.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
				return 0, err
			}
			asyncio.CurrentTask(ctx).Uncancel() // the work decides to go on
			return 42, nil
		})
		if v != 42 || err != nil {
			t.Errorf("WaitFor = %v, %v; want 42, nil", v, err)
		}
		v, err = asyncio.WaitFor(ctx, 100*time.Millisecond, func(ctx context.Context) (int, error) {
			asyncio.Sleep(ctx, time.Hour)
			return 7, errors.New("own error")
		})
		if v != 7 || err == nil || err.Error() != "own error" {
			t.Errorf("WaitFor = %v, %v; want 7, own error", v, err)
		}
		return nil, nil
	})
}

// API gap: WaitForFuture returns a done future's outcome whatever the limit
// (asyncio.wait_for(done_future, 0) returns its result); a pending future is
// cancelled on timeout, at once for a limit <= 0, as in asyncio.
func TestWaitForFuture(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		done := asyncio.NewFuture[int](ctx)
		done.SetResult(5)
		for _, d := range []time.Duration{0, -time.Second, time.Second} {
			if v, err := asyncio.WaitForFuture(ctx, d, done); v != 5 || err != nil {
				t.Errorf("done future, limit %v: %v %v", d, v, err)
			}
		}
		failed := asyncio.NewFuture[int](ctx)
		e := errors.New("failed")
		failed.SetErr(e)
		if _, err := asyncio.WaitForFuture(ctx, 0, failed); err != e {
			t.Errorf("failed future: %v", err)
		}
		pending := asyncio.NewFuture[int](ctx)
		if _, err := asyncio.WaitForFuture(ctx, 0, pending); err != asyncio.ErrTimeout || !pending.Cancelled() {
			t.Errorf("pending future, limit 0: %v cancelled=%v", err, pending.Cancelled())
		}
		slow := asyncio.NewFuture[int](ctx)
		t0 := l.Time()
		if _, err := asyncio.WaitForFuture(ctx, time.Second, slow); err != asyncio.ErrTimeout || !slow.Cancelled() || l.Time()-t0 != time.Second {
			t.Errorf("pending future, limit 1s: %v cancelled=%v after %v", err, slow.Cancelled(), l.Time()-t0)
		}
		soon := asyncio.NewFuture[int](ctx)
		l.CallLater(100*time.Millisecond, func() { soon.SetResult(9) })
		if v, err := asyncio.WaitForFuture(ctx, time.Second, soon); v != 9 || err != nil {
			t.Errorf("future set in time: %v %v", v, err)
		}
		return nil, nil
	})
}

// WaitForFuture bounds the wait for a future; a future that is already done
// gives its result even with a zero limit.
func ExampleWaitForFuture() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		f := asyncio.NewFuture[string](ctx)
		f.SetResult("ready")
		v, err := asyncio.WaitForFuture(ctx, 0, f)
		fmt.Println(v, err)
		late := asyncio.NewFuture[string](ctx)
		_, err = asyncio.WaitForFuture(ctx, time.Millisecond, late)
		fmt.Println(err, late.Cancelled())
		return nil, nil
	})
	// Output:
	// ready <nil>
	// asyncio: timeout true
}

// ErrTimeout is what Go programmers already check for: a context deadline,
// an I/O deadline (os.ErrDeadlineExceeded), a net.Error whose Timeout is
// true.
func TestErrTimeoutClassifies(t *testing.T) {
	err := fmt.Errorf("reading: %w", asyncio.ErrTimeout)
	var ne interface{ Timeout() bool }
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("ErrTimeout should match context.DeadlineExceeded, os.ErrDeadlineExceeded and net.Error.Timeout")
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("ErrTimeout should not match context.Canceled")
	}
}
