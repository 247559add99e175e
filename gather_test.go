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

func sleeper(d time.Duration, v int) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) { return v, asyncio.Sleep(ctx, d) }
}

// Results come back in argument order, whatever the completion order.
func TestGatherOrder(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		vs, err := asyncio.Gather(ctx, sleeper(300*time.Millisecond, 1), sleeper(100*time.Millisecond, 2), sleeper(200*time.Millisecond, 3))
		if err != nil || len(vs) != 3 || vs[0] != 1 || vs[1] != 2 || vs[2] != 3 {
			t.Errorf("Gather = %v, %v", vs, err)
		}
		if now := asyncio.GetEventLoop().Time(); now != 300*time.Millisecond {
			t.Errorf("Gather returned at %v", now)
		}
		if vs, err := asyncio.Gather[int](ctx); len(vs) != 0 || err != nil {
			t.Errorf("empty Gather = %v %v", vs, err)
		}
		return nil, nil
	})
}

// The first failure is returned at once; the other children keep running.
func TestGatherFailingChild(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		boom := errors.New("boom")
		l := asyncio.GetEventLoop()
		_, err := asyncio.Gather(ctx,
			func(ctx context.Context) (int, error) { asyncio.Sleep(ctx, 100*time.Millisecond); return 0, boom },
			func(ctx context.Context) (int, error) {
				asyncio.Sleep(ctx, 300*time.Millisecond)
				tr.add("slow child finished at %v", l.Time())
				return 2, nil
			})
		tr.add("gather: %v at %v", errors.Is(err, boom), l.Time())
		asyncio.Sleep(ctx, time.Second)
		return nil, nil
	})
	tr.expect(t, "gather: true at 100ms", "slow child finished at 300ms")
}

// GatherAll (return_exceptions=True) waits for all and reports each outcome.
func TestGatherAll(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		boom := errors.New("boom")
		rs, err := asyncio.GatherAll(ctx, sleeper(200*time.Millisecond, 1),
			func(ctx context.Context) (int, error) { return 0, boom })
		if err != nil || len(rs) != 2 || rs[0].Value != 1 || rs[0].Err != nil || rs[1].Err != boom {
			t.Errorf("GatherAll = %+v, %v", rs, err)
		}
		return nil, nil
	})
}

// Cancelling the task that awaits a gather cancels every child; the gather
// returns the cancellation once they are all done.
func TestGatherCancelled(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		child := func(name string) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				err := asyncio.Sleep(ctx, time.Hour)
				tr.add("%s: %v", name, errors.Is(err, context.Canceled))
				return 0, err
			}
		}
		g := asyncio.CreateTask(ctx, func(ctx context.Context) ([]int, error) {
			return asyncio.Gather(ctx, child("a"), child("b"))
		})
		asyncio.Sleep(ctx, time.Second)
		g.Cancel()
		_, err := g.Await(ctx)
		tr.add("gather: %v", errors.Is(err, context.Canceled))
		return nil, nil
	})
	tr.expect(t, "a: true", "b: true", "gather: true")
}

// Gathering already-failed tasks returns the first failure in argument order
// without waiting.
func TestGatherTasksAlreadyDone(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e1, e2 := errors.New("e1"), errors.New("e2")
		a := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, e1 })
		b := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, e2 })
		asyncio.Sleep(ctx, 0)
		if _, err := asyncio.GatherTasks(ctx, b, a); err != e2 {
			t.Errorf("GatherTasks = %v, want e2", err)
		}
		return nil, nil
	})
}

// Defect 8: a nil task panics at the call with a message that names it.
func TestGatherNilTaskMisuse(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		ok := asyncio.CreateTask(ctx, sleeper(0, 1))
		if got := panicText(func() { asyncio.GatherTasks(ctx, ok, nil) }); !strings.HasPrefix(got, "asyncio: GatherTasks called with a nil task at index 1") {
			t.Errorf("GatherTasks panic %q", got)
		}
		if got := panicText(func() { asyncio.GatherAllTasks(ctx, nil, ok) }); !strings.HasPrefix(got, "asyncio: GatherAllTasks called with a nil task at index 0") {
			t.Errorf("GatherAllTasks panic %q", got)
		}
		ok.Await(ctx)
		return nil, nil
	})
}
