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

func names(ts []asyncio.AnyTask) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name())
	}
	return out
}

func TestWaitModes(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		spawn := func() []asyncio.AnyTask {
			return []asyncio.AnyTask{
				asyncio.CreateTask(ctx, sleeper(300*time.Millisecond, 0), "slow"),
				asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
					asyncio.Sleep(ctx, 200*time.Millisecond)
					return 0, errors.New("x")
				}, "fails"),
				asyncio.CreateTask(ctx, sleeper(100*time.Millisecond, 0), "fast"),
			}
		}
		for _, m := range []asyncio.WaitMode{asyncio.FirstCompleted, asyncio.FirstException, asyncio.AllCompleted} {
			ts := spawn()
			done, pending, err := asyncio.Wait(ctx, ts, m, asyncio.Never)
			tr.add("mode %d: done=%v pending=%v err=%v", m, names(done), names(pending), err)
			asyncio.Wait(ctx, ts, asyncio.AllCompleted, asyncio.Never)
			ts[1].Err()
		}
		ts := spawn()
		done, pending, err := asyncio.Wait(ctx, ts, asyncio.AllCompleted, 150*time.Millisecond)
		tr.add("timeout: done=%v pending=%v err=%v", names(done), names(pending), err)
		for _, p := range pending {
			if p.Cancelled() {
				t.Error("Wait cancelled a pending task")
			}
		}
		asyncio.Wait(ctx, ts, asyncio.AllCompleted, asyncio.Never)
		ts[1].Err()
		return nil, nil
	})
	tr.expect(t,
		"mode 1: done=[fast] pending=[slow fails] err=<nil>",
		"mode 2: done=[fails fast] pending=[slow] err=<nil>",
		"mode 0: done=[slow fails fast] pending=[] err=<nil>",
		"timeout: done=[fast] pending=[slow fails] err=<nil>")
}

func TestAsCompleted(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		ts := []*asyncio.Task[int]{
			asyncio.CreateTask(ctx, sleeper(300*time.Millisecond, 3)),
			asyncio.CreateTask(ctx, sleeper(100*time.Millisecond, 1)),
			asyncio.CreateTask(ctx, sleeper(200*time.Millisecond, 2)),
		}
		for tk, err := range asyncio.AsCompleted(ctx, ts, asyncio.Never) {
			v, _ := tk.Result()
			tr.add("%d %v", v, err)
		}
		ts = []*asyncio.Task[int]{
			asyncio.CreateTask(ctx, sleeper(100*time.Millisecond, 1)),
			asyncio.CreateTask(ctx, sleeper(time.Hour, 9)),
		}
		for tk, err := range asyncio.AsCompleted(ctx, ts, 500*time.Millisecond) {
			if err != nil {
				tr.add("timeout %v", err == asyncio.ErrTimeout)
				break
			}
			v, _ := tk.Result()
			tr.add("%d", v)
		}
		ts[1].Cancel()
		return nil, nil
	})
	tr.expect(t, "1 <nil>", "2 <nil>", "3 <nil>", "1", "timeout true")
}

// Shield: the caller's cancellation does not reach the shielded task.
func TestShield(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		inner := asyncio.CreateTask(ctx, sleeper(time.Second, 7))
		outer := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return asyncio.Shield(ctx, inner) })
		asyncio.Sleep(ctx, 100*time.Millisecond)
		outer.Cancel()
		if _, err := outer.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("outer: %v", err)
		}
		v, err := inner.Await(ctx)
		if v != 7 || err != nil || inner.Cancelled() {
			t.Errorf("shielded task: %v %v", v, err)
		}
		if v, err := asyncio.Shield(ctx, inner); v != 7 || err != nil {
			t.Errorf("shield of finished task: %v %v", v, err)
		}
		return nil, nil
	})
}

// Defect 8: a nil task panics at the call with a message that names it.
func TestWaitNilTaskMisuse(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		ok := asyncio.CreateTask(ctx, sleeper(0, 1))
		var typedNil *asyncio.Task[int]
		for _, c := range []struct {
			f    func()
			want string
		}{
			{func() { asyncio.Wait(ctx, []asyncio.AnyTask{ok, nil}, asyncio.AllCompleted, asyncio.Never) }, "asyncio: Wait called with a nil task at index 1"},
			{func() { asyncio.Wait(ctx, []asyncio.AnyTask{typedNil}, asyncio.AllCompleted, asyncio.Never) }, "asyncio: Wait called with a nil task at index 0"},
			{func() { asyncio.AsCompleted(ctx, []*asyncio.Task[int]{ok, nil}, asyncio.Never) }, "asyncio: AsCompleted called with a nil task at index 1"},
			{func() { asyncio.Shield[int](ctx, nil) }, "asyncio: Shield called with a nil task"},
		} {
			if got := panicText(c.f); !strings.HasPrefix(got, c.want) {
				t.Errorf("panic %q, want %q", got, c.want)
			}
		}
		ok.Await(ctx)
		return nil, nil
	})
}
