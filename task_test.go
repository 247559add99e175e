package asyncio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// Tasks sleeping different times wake in deadline order, at their deadlines.
func TestSleepingTasksWakeInDeadlineOrder(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		start := l.Time()
		var tasks []*asyncio.Task[any]
		for _, d := range []time.Duration{300, 100, 200, 100} {
			d := d * time.Millisecond
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
				asyncio.Sleep(ctx, d)
				tr.add("%v woke at %v", d, l.Time()-start)
				return nil, nil
			}))
		}
		for _, tk := range tasks {
			tk.Await(ctx)
		}
		return nil, nil
	})
	tr.expect(t, "100ms woke at 100ms", "100ms woke at 100ms", "200ms woke at 200ms", "300ms woke at 300ms")
}

// Sleep(0) always suspends: ready tasks interleave one step each, in the
// order they became ready.
func TestSleepZeroInterleaves(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var ts []*asyncio.Task[any]
		for _, name := range []string{"a", "b", "c"} {
			ts = append(ts, asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
				for i := 0; i < 2; i++ {
					tr.add("%s%d", name, i)
					asyncio.Sleep(ctx, 0)
				}
				return nil, nil
			}))
		}
		_, err := asyncio.GatherTasks(ctx, ts...)
		return nil, err
	})
	tr.expect(t, "a0", "b0", "c0", "a1", "b1", "c1")
}

// CreateTask does not run the task: it first runs when the creator awaits.
func TestCreateTaskDoesNotRunUntilCreatorAwaits(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { tr.add("child"); return 7, nil })
		tr.add("created")
		v, err := tk.Await(ctx)
		tr.add("awaited %d %v", v, err)
		return nil, nil
	})
	tr.expect(t, "created", "child", "awaited 7 <nil>")
}

// Awaiting a finished task returns its outcome at once, without suspending,
// as often as asked.
func TestAwaitFinishedTaskDoesNotSuspend(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) { return "v", errors.New("e") })
		tk.Await(ctx)
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { tr.add("other ran"); return nil, nil })
		for i := 0; i < 2; i++ {
			v, err := tk.Await(ctx)
			tr.add("%s %v", v, err)
		}
		asyncio.Sleep(ctx, 0)
		return nil, nil
	})
	tr.expect(t, "v e", "v e", "other ran")
}

// The loop keeps a task nobody references alive until it finishes.
func TestUnreferencedTaskRunsToEnd(t *testing.T) {
	done := false
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			asyncio.Sleep(ctx, time.Second)
			done = true
			return nil, nil
		})
		return nil, asyncio.Sleep(ctx, 2*time.Second)
	})
	if !done {
		t.Fatal("unreferenced task did not finish")
	}
}

func TestNamesCurrentTaskAllTasks(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		if got := asyncio.CurrentTask(ctx).Name(); got != "main" {
			t.Errorf("main task name %q", got)
		}
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			if asyncio.CurrentTask(ctx).Name() != "worker" {
				t.Error("CurrentTask inside worker is wrong")
			}
			return nil, asyncio.Sleep(ctx, time.Second)
		}, "worker")
		anon := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, nil })
		if anon.Name() == "" || anon.Name()[:5] != "Task-" {
			t.Errorf("default name %q", anon.Name())
		}
		names := map[string]bool{}
		for _, tk := range asyncio.AllTasks() {
			names[tk.Name()] = true
		}
		if !names["main"] || !names["worker"] || len(names) != 3 {
			t.Errorf("AllTasks = %v", names)
		}
		w.Await(ctx)
		w.SetName("renamed")
		if w.Name() != "renamed" {
			t.Error("SetName did not rename")
		}
		if len(asyncio.AllTasks()) != 1 {
			t.Errorf("finished tasks still listed: %v", asyncio.AllTasks())
		}
		if asyncio.CurrentTask(context.Background()) != nil {
			t.Error("CurrentTask outside a task must be nil")
		}
		return nil, nil
	})
}

// Done-callbacks are scheduled when the task finishes, in the order added,
// and run after the task, not inside it; also for cancelled tasks.
func TestDoneCallbacks(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			tr.add("body")
			return 1, nil
		})
		tk.AddDoneCallback(func(at asyncio.AnyTask) { tr.add("cb1 done=%v", at.Done()) })
		tk.AddDoneCallback(func(asyncio.AnyTask) { tr.add("cb2") })
		c := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, asyncio.Sleep(ctx, time.Hour) })
		c.AddDoneCallback(func(at asyncio.AnyTask) { tr.add("cancelled cb %v", at.Cancelled()) })
		asyncio.Sleep(ctx, 0)
		c.Cancel()
		asyncio.Sleep(ctx, time.Millisecond)
		tk.AddDoneCallback(func(asyncio.AnyTask) { tr.add("late cb") })
		asyncio.Sleep(ctx, time.Millisecond)
		return nil, nil
	})
	tr.expect(t, "body", "cb1 done=true", "cb2", "cancelled cb true", "late cb")
}

func TestResultBeforeDone(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 5, nil })
		if _, err := tk.Result(); !errors.Is(err, asyncio.ErrNotDone) {
			t.Errorf("Result before done: %v", err)
		}
		if err := tk.Err(); !errors.Is(err, asyncio.ErrNotDone) {
			t.Errorf("Err before done: %v", err)
		}
		tk.Await(ctx)
		if v, err := tk.Result(); v != 5 || err != nil {
			t.Errorf("Result after done: %v %v", v, err)
		}
		return nil, nil
	})
}

// A task's context carries the values of the context it was created with.
func TestTaskInheritsContextValues(t *testing.T) {
	type key struct{}
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		vctx := context.WithValue(ctx, key{}, "v")
		tk := asyncio.CreateTask(vctx, func(ctx context.Context) (any, error) {
			return ctx.Value(key{}), asyncio.Sleep(ctx, 0)
		})
		v, err := tk.Await(vctx)
		if v != "v" || err != nil {
			t.Errorf("value %v err %v", v, err)
		}
		return nil, nil
	})
}

// A panic in a task becomes a *PanicError for whoever awaits it, with the
// value and the stack; the loop goes on.
func TestPanicBecomesError(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			asyncio.Sleep(ctx, 0)
			panic(errors.New("kaboom"))
		}, "boomer")
		_, err := tk.Await(ctx)
		var pe *asyncio.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("await of panicking task: %v", err)
		}
		if pe.Task != "boomer" || pe.Value.(error).Error() != "kaboom" || len(pe.Stack) == 0 {
			t.Errorf("panic error lost information: %+v", pe)
		}
		if !errors.Is(err, pe.Value.(error)) {
			t.Error("errors.Is does not reach the panic value")
		}
		return nil, nil
	})
}
