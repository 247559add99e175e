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

// An await that would close a cycle of tasks awaiting each other fails at
// once with an *AwaitCycleError naming the tasks around it; the cycle never
// forms, so the others get that error in turn and Run returns. (CPython hangs
// until a cancellation ends in RecursionError.)
func TestAwaitCycleFailsTheClosingAwait(t *testing.T) {
	for _, n := range []int{2, 3, 5} {
		_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
			tasks := make([]*asyncio.Task[int], n)
			for i := range tasks {
				name := string(rune('a' + i))
				tasks[i] = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
					asyncio.Sleep(ctx, time.Duration(i)*time.Millisecond) // a awaits first, the last one closes the cycle
					return tasks[(i+1)%n].Await(ctx)
				}, name)
			}
			_, err := tasks[0].Await(ctx)
			return nil, err
		})
		var ce *asyncio.AwaitCycleError
		if !errors.As(err, &ce) {
			t.Fatalf("n=%d: error = %v, want an *AwaitCycleError", n, err)
		}
		last := string(rune('a' + n - 1))
		if ce.Awaiter != last || ce.Awaited != "a" {
			t.Errorf("n=%d: awaiter %q awaited %q, want %q and \"a\"", n, ce.Awaiter, ce.Awaited, last)
		}
		want := []string{last}
		for i := 0; i < n; i++ {
			want = append(want, string(rune('a'+i)))
		}
		if got := strings.Join(ce.Cycle, " "); got != strings.Join(want, " ") {
			t.Errorf("n=%d: cycle %q, want %q", n, got, strings.Join(want, " "))
		}
		if !strings.Contains(err.Error(), `task "`+last+`" awaits task "a"`) {
			t.Errorf("n=%d: message %q", n, err)
		}
	}
}

// The task whose await failed may carry on: the rest of the chain is intact
// and finishes when it returns. Cancelling into a chain is still forwarded.
func TestAwaitCycleRefusedTaskCarriesOn(t *testing.T) {
	v, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
		var b *asyncio.Task[int]
		a := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			n, err := b.Await(ctx)
			return n + 1, err
		}, "a")
		b = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			if _, err := a.Await(ctx); err == nil {
				t.Error("cycle not refused")
			}
			asyncio.Sleep(ctx, time.Second)
			return 41, nil
		}, "b")
		return a.Await(ctx)
	})
	if v != 42 || err != nil {
		t.Fatalf("Run = %v %v", v, err)
	}
}

// WaitFor bounds an await on a long chain (no cycle), and cancelling the
// head of a chain reaches its end.
func TestAwaitChainCancelledByWaitFor(t *testing.T) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
		var ev asyncio.Event
		prev := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, ev.Wait(ctx) })
		for i := 0; i < 10; i++ {
			p := prev
			prev = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return p.Await(ctx) })
		}
		return asyncio.WaitFor(ctx, time.Second, prev.Await)
	})
	if !errors.Is(err, asyncio.ErrTimeout) {
		t.Fatalf("Run error = %v, want ErrTimeout", err)
	}
}

// A cycle through a Gather (a gathers b, b awaits a) is refused at b's Await,
// even inside WaitFor, which could not break it: cancelling b would be
// forwarded to a, and by the Gather back to b.
func TestAwaitCycleThroughGather(t *testing.T) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var b *asyncio.Task[int]
		a := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			_, err := asyncio.GatherTasks(ctx, b)
			return 0, err
		}, "a")
		b = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			return asyncio.WaitFor(ctx, time.Second, a.Await)
		}, "b")
		_, err := a.Await(ctx)
		return nil, err
	})
	var ce *asyncio.AwaitCycleError
	if !errors.As(err, &ce) || strings.Join(ce.Cycle, " ") != "b a b" {
		t.Fatalf("error = %v, want the cycle b -> a -> b", err)
	}
}

// A child that awaits the task running its TaskGroup, while that task waits
// at the end of the group for its children, would close a cycle.
func TestAwaitCycleThroughTaskGroup(t *testing.T) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var parent *asyncio.Task[int]
		parent = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			return 0, asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(func(ctx context.Context) error {
					asyncio.Sleep(ctx, time.Millisecond) // the parent is at the group's end by now
					_, err := parent.Await(ctx)
					return err
				}, "child")
				return nil
			})
		}, "parent")
		_, err := parent.Await(ctx)
		return nil, err
	})
	var ce *asyncio.AwaitCycleError
	if !errors.As(err, &ce) || strings.Join(ce.Cycle, " ") != "child parent child" {
		t.Fatalf("error = %v, want the cycle child -> parent -> child", err)
	}
}
