package asyncio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

func TestFuture(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		f := asyncio.NewFuture[string](ctx)
		if _, err := f.Result(); err != asyncio.ErrNotDone {
			t.Errorf("Result of pending future: %v", err)
		}
		l.CallLater(100*time.Millisecond, func() { f.SetResult("hello") })
		v, err := f.Await(ctx)
		if v != "hello" || err != nil || l.Time() != 100*time.Millisecond {
			t.Errorf("await = %q %v at %v", v, err, l.Time())
		}
		if f.SetResult("again") != asyncio.ErrInvalidState {
			t.Error("second SetResult accepted")
		}
		boom := errors.New("boom")
		f2 := asyncio.NewFuture[int](ctx)
		l.CallSoon(func() { f2.SetErr(boom) })
		if _, err := f2.Await(ctx); err != boom {
			t.Errorf("await of failed future: %v", err)
		}
		// Cancelling a task that awaits a future cancels the future.
		f3 := asyncio.NewFuture[int](ctx)
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return f3.Await(ctx) })
		asyncio.Sleep(ctx, 0)
		w.Cancel("bye")
		if _, err := w.Await(ctx); !errors.Is(err, context.Canceled) || !f3.Cancelled() || !w.Cancelled() {
			t.Errorf("awaiter cancel: %v future cancelled=%v", err, f3.Cancelled())
		}
		if asyncio.NewFuture[int](ctx).Cancel() != true {
			t.Error("Cancel of pending future returned false")
		}
		return nil, nil
	})
}
