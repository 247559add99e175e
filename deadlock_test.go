package asyncio_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// deadlock runs main on a virtual clock and returns the DeadlockError it
// must end with.
func deadlock(t *testing.T, main func(ctx context.Context) (any, error)) *asyncio.DeadlockError {
	t.Helper()
	_, err := asynciotest.Run(t, main)
	var d *asyncio.DeadlockError
	if !errors.As(err, &d) {
		t.Fatalf("got %v, want a *DeadlockError", err)
	}
	return d
}

func waitsOf(d *asyncio.DeadlockError, name string) asyncio.DeadlockedTask {
	for _, t := range d.Tasks {
		if t.Name == name {
			return t
		}
	}
	return asyncio.DeadlockedTask{}
}

func cycleNames(d *asyncio.DeadlockError) [][]string {
	var out [][]string
	for _, c := range d.Cycles {
		var names []string
		for _, id := range c {
			for _, t := range d.Tasks {
				if t.ID == id {
					names = append(names, t.Name)
				}
			}
		}
		out = append(out, names)
	}
	return out
}

// A holds L1 and waits for L2; B holds L2 and waits for L1.
func TestDeadlockLockCycle(t *testing.T) {
	d := deadlock(t, func(ctx context.Context) (any, error) {
		var l1, l2 asyncio.Lock
		a := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			l1.Acquire(ctx)
			asyncio.Sleep(ctx, 0)
			return nil, l2.Acquire(ctx)
		}, "A")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			l2.Acquire(ctx)
			asyncio.Sleep(ctx, 0)
			return nil, l1.Acquire(ctx)
		}, "B")
		return a.Await(ctx)
	})
	if got := cycleNames(d); !slices.EqualFunc(got, [][]string{{"A", "B"}}, slices.Equal) {
		t.Errorf("cycles %v, want [[A B]]", got)
	}
	a := waitsOf(d, "A")
	if !strings.HasPrefix(a.Waits, "Lock.Acquire") || !strings.Contains(a.Waits, "held by B") {
		t.Errorf("A waits on %q", a.Waits)
	}
	main := d.Tasks[0]
	if !strings.HasPrefix(main.Waits, "Task.Await") || !strings.Contains(main.Waits, "A") {
		t.Errorf("main waits on %q", main.Waits)
	}
	msg := d.Error()
	for _, want := range []string{"deadlock", "A (Task-2) waits on Lock.Acquire", "held by B", "cycle: A -> B -> A"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

// Waits with no known waker: an Event nobody sets, a Queue nobody puts to, a
// Barrier short of parties. Each is named; there is no cycle.
func TestDeadlockUnknownWakers(t *testing.T) {
	d := deadlock(t, func(ctx context.Context) (any, error) {
		var ev asyncio.Event
		q := asyncio.NewQueue[int](0)
		b := asyncio.NewBarrier(3)
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, ev.Wait(ctx) }, "event")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { _, err := q.Get(ctx); return nil, err }, "getter")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { _, err := b.Wait(ctx); return nil, err }, "party")
		return b.Wait(ctx)
	})
	if len(d.Cycles) != 0 {
		t.Errorf("cycles %v, want none", cycleNames(d))
	}
	for name, want := range map[string]string{"event": "Event.Wait", "getter": "Queue.Get", "party": "Barrier.Wait"} {
		if w := waitsOf(d, name); !strings.HasPrefix(w.Waits, want) || len(w.WaitsFor) != 0 {
			t.Errorf("%s waits on %q for %v, want %s with no known waker", name, w.Waits, w.WaitsFor, want)
		}
	}
	if w := waitsOf(d, "party"); !strings.Contains(w.Waits, "2 of 3 parties waiting") {
		t.Errorf("party waits on %q", w.Waits)
	}
}

// A TaskGroup's end waits for its children; Gather for its unfinished ones.
// A child that needs a lock its parent holds closes a cycle through Gather.
func TestDeadlockGroupsAndGather(t *testing.T) {
	d := deadlock(t, func(ctx context.Context) (any, error) {
		return nil, asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			var ev asyncio.Event
			tg.Go(func(ctx context.Context) error { return ev.Wait(ctx) })
			return nil
		})
	})
	main := d.Tasks[0]
	if !strings.HasPrefix(main.Waits, "TaskGroup end") || len(main.WaitsFor) != 1 || main.WaitsFor[0] != d.Tasks[1].ID {
		t.Errorf("main waits on %q for %v, want the group's child %d", main.Waits, main.WaitsFor, d.Tasks[1].ID)
	}

	d = deadlock(t, func(ctx context.Context) (any, error) {
		var lk asyncio.Lock
		lk.Acquire(ctx)
		child := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, lk.Acquire(ctx) }, "child")
		return asyncio.GatherTasks(ctx, child)
	})
	if got := cycleNames(d); len(got) != 1 || len(got[0]) != 2 || got[0][1] != "child" {
		t.Errorf("cycles %v, want main -> child", got)
	}
	if w := d.Tasks[0].Waits; !strings.HasPrefix(w, "Gather") {
		t.Errorf("main waits on %q", w)
	}
}
