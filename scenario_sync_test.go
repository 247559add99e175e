package asyncio_test

// Go ports of the synchronisation and structured-concurrency scenarios in
// testdata/scenarios (queues, TaskGroup, Wait, AsCompleted, Shield, Timeout
// around a TaskGroup), registered into the same table as the core ones, so
// TestScenarios runs them. The conventions are those of
// scenario_core_test.go. Two more apply here:
//
//   - A Python exception that the package reports as a misuse panic (too many
//     task_done(), create_task on a finished TaskGroup) is recovered with
//     misusePanic and printed as the Python exception, as lock_test.go does
//     for the release of an unlocked Lock.
//   - An ExceptionGroup is the errors.Join of the failures; its
//     sub-exceptions are found through Unwrap() []error.
//
// The scenarios lock_fairness, lock_cancel_handoff, event_set_clear,
// semaphore, condition and barrier are compared in lock_test.go,
// event_test.go, semaphore_test.go, condition_test.go and barrier_test.go.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
)

func init() {
	for name, sc := range map[string]scenario{
		"queue_join":               {run: scnQueueJoin},
		"queue_nowait":             {run: scnQueueNowait},
		"priority_lifo":            {run: scnPriorityLifo},
		"taskgroup_ok":             {run: scnTaskGroupOK},
		"taskgroup_fail":           {run: scnTaskGroupFail},
		"timeout_taskgroup_nested": {run: scnTimeoutTaskGroupNested},
		"wait_modes":               {run: scnWaitModes},
		"as_completed":             {run: scnAsCompleted},
		"shield":                   {run: scnShield},
	} {
		if _, dup := coreScenarios[name]; dup {
			panic("scenario " + name + " registered twice")
		}
		coreScenarios[name] = sc
	}
}

// runSyncMain is runMain with a guard: none of these scripts makes CPython
// call the exception handler (nothing goes to stderr), so a report here (an
// error the port's loop thinks nobody retrieved) is a difference, and it is
// written into the trace, where the comparison shows it.
func runSyncMain(t *testing.T, w io.Writer, main func(ctx context.Context) error) {
	t.Helper()
	runMain(t, func(ctx context.Context) error {
		asyncio.GetEventLoop().SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) {
			say(w, "unexpected exception handler call:", c.Message, excName(c.Err))
		})
		return main(ctx)
	})
}

func runtimeError(msg string) error { return &pyError{"RuntimeError", msg} }

// misusePanic calls f and reports whether it panicked with one of the
// package's misuse errors (the Go form of the Python exception the script
// catches). Any other panic goes on.
func misusePanic(f func()) (panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			err, ok := r.(error)
			if !ok || !strings.HasPrefix(err.Error(), "asyncio: ") {
				panic(r)
			}
			panicked = true
		}
	}()
	f()
	return false
}

// groupNames is Python's sorted(type(e).__name__ for e in eg.exceptions) for
// the errors.Join that a TaskGroup returns, and whether err is such a group.
func groupNames(err error) ([]string, bool) {
	eg, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return nil, false
	}
	var names []string
	for _, e := range eg.Unwrap() {
		names = append(names, excName(e))
	}
	slices.Sort(names)
	return names, true
}

func scnQueueJoin(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		l := asyncio.GetEventLoop()
		t0 := l.Time()
		q := asyncio.NewQueue[int](2)
		c := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { // consumer
			for {
				item, err := q.Get(ctx)
				if err != nil {
					return nil, err
				}
				say(w, "got", item, since(l, t0))
				if err := asyncio.Sleep(ctx, seconds(0.1)); err != nil {
					return nil, err
				}
				q.TaskDone()
			}
		})
		// await producer(q, t0): runs in the main task.
		for i := range 5 {
			if err := q.Put(ctx, i); err != nil {
				return err
			}
			say(w, "put", i, since(l, t0), "qsize", q.Qsize())
		}
		say(w, "producer done")
		if err := q.Join(ctx); err != nil {
			return err
		}
		say(w, "joined", since(l, t0), "empty", q.Empty())
		c.Cancel()
		if _, err := asyncio.GatherAllTasks(ctx, c); err != nil {
			return err
		}
		say(w, "consumer cancelled", c.Cancelled())
		return nil
	})
}

func scnQueueNowait(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		q := asyncio.NewQueue[string](1)
		if _, err := q.TryGet(); err != nil {
			say(w, "get_nowait: QueueEmpty")
		}
		if q.TryPut("x") != nil {
			return errors.New("QueueFull putting x") // uncaught in Python
		}
		if q.TryPut("y") != nil {
			say(w, "put_nowait: QueueFull")
		}
		full := q.Full()
		v, tgErr := q.TryGet()
		ok := tgErr == nil
		if !ok {
			return errors.New("QueueEmpty getting x") // uncaught in Python
		}
		say(w, "full", full, "got", v)
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { // getter
			say(w, "getter waiting")
			v, err := q.Get(ctx)
			if err != nil {
				return nil, err
			}
			say(w, "getter got", v)
			return nil, nil
		})
		if err := asyncio.Sleep(ctx, 0); err != nil {
			return err
		}
		if q.TryPut("z") != nil {
			return errors.New("QueueFull putting z")
		}
		say(w, "put z")
		if _, err := tk.Await(ctx); err != nil {
			return err
		}
		q.TaskDone()
		q.TaskDone()
		if misusePanic(q.TaskDone) {
			say(w, "extra task_done: ValueError")
		}
		return nil
	})
}

func scnPriorityLifo(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		type entry struct { // a Python tuple (p, v), compared field by field
			p int
			v string
		}
		pq := asyncio.NewPriorityQueue(0, func(a, b entry) bool {
			return cmp.Or(cmp.Compare(a.p, b.p), cmp.Compare(a.v, b.v)) < 0
		})
		for _, item := range []entry{{3, "c"}, {1, "a"}, {2, "b"}, {1, "a2"}} {
			if err := pq.Put(ctx, item); err != nil {
				return err
			}
		}
		var out []string
		for !pq.Empty() {
			e, err := pq.Get(ctx)
			if err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%d:%s", e.p, e.v))
		}
		say(w, "priority", strings.Join(out, " "))
		lq := asyncio.NewLifoQueue[int](0)
		for _, i := range []int{1, 2, 3} {
			lq.TryPut(i)
		}
		out = out[:0]
		for range 3 {
			v, tgErr := lq.TryGet()
			ok := tgErr == nil
			if !ok {
				return errors.New("QueueEmpty")
			}
			out = append(out, fmt.Sprint(v))
		}
		say(w, "lifo", strings.Join(out, " "))
		return nil
	})
}

func scnTaskGroupOK(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		l := asyncio.GetEventLoop()
		t0 := l.Time()
		var child func(name string, delay float64, tg *asyncio.TaskGroup) func(context.Context) (string, error)
		child = func(name string, delay float64, tg *asyncio.TaskGroup) func(context.Context) (string, error) {
			return func(ctx context.Context) (string, error) {
				if err := asyncio.Sleep(ctx, seconds(delay)); err != nil {
					return "", err
				}
				say(w, name, "done", since(l, t0))
				if tg != nil {
					asyncio.GroupTask(tg, child(name+"-sub", 0.2, nil))
				}
				return name, nil
			}
		}
		var tg *asyncio.TaskGroup
		var t1, t2 *asyncio.Task[string]
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, g *asyncio.TaskGroup) error {
			tg = g
			t1 = asyncio.GroupTask(tg, child("a", 0.2, nil))
			t2 = asyncio.GroupTask(tg, child("b", 0.1, tg))
			say(w, "body done")
			return nil
		})
		if err != nil {
			return err
		}
		r1, _ := t1.Result()
		r2, _ := t2.Result()
		say(w, "group exited", since(l, t0), "results", r1, r2)
		if misusePanic(func() { asyncio.GroupTask(tg, child("late", 0, nil)) }) {
			say(w, "create_task after exit: RuntimeError")
		}
		return nil
	})
}

func scnTaskGroupFail(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		l := asyncio.GetEventLoop()
		t0 := l.Time()
		fails := func(ctx context.Context) error {
			if err := asyncio.Sleep(ctx, seconds(0.1)); err != nil {
				return err
			}
			say(w, "fails raising ValueError")
			return valueError("v")
		}
		badCleanup := func(ctx context.Context) error {
			err := asyncio.Sleep(ctx, seconds(1))
			if isCancel(err) {
				say(w, "bad_cleanup cancelled, raising RuntimeError")
				return runtimeError("r")
			}
			return err
		}
		quiet := func(ctx context.Context) error { return asyncio.Sleep(ctx, seconds(1)) }
		var q asyncio.AnyTask
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			tg.Go(fails)
			tg.Go(badCleanup)
			q = tg.Go(quiet)
			err := asyncio.Sleep(ctx, seconds(1))
			if isCancel(err) {
				say(w, "body cancelled")
			}
			return err
		})
		names, isGroup := groupNames(err)
		if !isGroup {
			return err
		}
		say(w, fmt.Sprintf("ExceptionGroup %d:", len(names)), strings.Join(names, " "), since(l, t0))
		say(w, "quiet cancelled()", q.Cancelled(), "main cancelling()", asyncio.CurrentTask(ctx).Cancelling())
		return nil
	})
}

func scnTimeoutTaskGroupNested(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		l := asyncio.GetEventLoop()
		t0 := l.Time()
		child := func(name string, delay float64) func(context.Context) error {
			return func(ctx context.Context) error {
				err := asyncio.Sleep(ctx, seconds(delay))
				switch {
				case err == nil:
					say(w, name, "finished", since(l, t0))
				case isCancel(err):
					say(w, name, "cancelled", since(l, t0))
				}
				return err
			}
		}
		var quiet asyncio.AnyTask
		err := asyncio.Timeout(ctx, seconds(0.2), func(ctx context.Context) error {
			return asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(child("short", 0.1))
				tg.Go(child("long", 1.0))
				quiet = tg.Go(func(ctx context.Context) error { return asyncio.Sleep(ctx, seconds(1.0)) })
				say(w, "body waiting")
				return nil
			})
		})
		if errors.Is(err, asyncio.ErrTimeout) {
			say(w, "TimeoutError", since(l, t0))
		} else if err != nil {
			return err
		}
		say(w, "quiet cancelled()", quiet.Cancelled())
		say(w, "main cancelling()", asyncio.CurrentTask(ctx).Cancelling())
		return nil
	})
}

// scnWaitModes: Wait's three modes and its timeout. runSyncMain's guard would
// show an unretrieved-error report, which CPython does not make here.
func scnWaitModes(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		l := asyncio.GetEventLoop()
		job := func(delay float64, fail bool) func(context.Context) (float64, error) {
			return func(ctx context.Context) (float64, error) {
				if err := asyncio.Sleep(ctx, seconds(delay)); err != nil {
					return 0, err
				}
				if fail {
					return 0, valueError("b failed")
				}
				return delay, nil
			}
		}
		run := func(label string, mode asyncio.WaitMode, timeout float64) error {
			t0 := l.Time()
			var tasks []*asyncio.Task[float64]
			var anys []asyncio.AnyTask
			for _, s := range []struct {
				n    string
				d    float64
				fail bool
			}{{"a", 0.1, false}, {"b", 0.3, true}, {"c", 0.5, false}} {
				tk := asyncio.CreateTask(ctx, job(s.d, s.fail), s.n)
				tasks, anys = append(tasks, tk), append(anys, tk)
			}
			d := asyncio.Never
			if timeout > 0 {
				d = seconds(timeout)
			}
			done, pending, err := asyncio.Wait(ctx, anys, mode, d)
			if err != nil {
				return err
			}
			var names []string
			for _, tk := range done {
				names = append(names, tk.Name())
			}
			slices.Sort(names)
			anyCancelled := slices.ContainsFunc(pending, asyncio.AnyTask.Cancelled)
			say(w, label+":", "done", len(done), "["+strings.Join(names, " ")+"]", "pending", len(pending),
				since(l, t0), "pending-cancelled", anyCancelled)
			for _, tk := range pending {
				tk.Cancel()
			}
			_, err = asyncio.GatherAllTasks(ctx, tasks...)
			return err
		}
		if err := run("FIRST_COMPLETED", asyncio.FirstCompleted, 0); err != nil {
			return err
		}
		if err := run("FIRST_EXCEPTION", asyncio.FirstException, 0); err != nil {
			return err
		}
		if err := run("ALL_COMPLETED", asyncio.AllCompleted, 0); err != nil {
			return err
		}
		return run("timeout", asyncio.AllCompleted, 0.2)
	})
}

func scnAsCompleted(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		l := asyncio.GetEventLoop()
		t0 := l.Time()
		job := func(name string, delay float64) func(context.Context) (string, error) {
			return func(ctx context.Context) (string, error) {
				return name, asyncio.Sleep(ctx, seconds(delay))
			}
		}
		specs := []struct {
			n string
			d float64
		}{{"slow", 0.5}, {"fast", 0.1}, {"mid", 0.3}}
		spawn := func() []*asyncio.Task[string] {
			var tasks []*asyncio.Task[string]
			for _, s := range specs {
				tasks = append(tasks, asyncio.CreateTask(ctx, job(s.n, s.d)))
			}
			return tasks
		}
		// as_completed wraps the coroutines in tasks when it is called.
		for aw, err := range asyncio.AsCompleted(ctx, spawn(), asyncio.Never) {
			if err != nil {
				return err
			}
			r, err := aw.Await(ctx)
			if err != nil {
				return err
			}
			say(w, r, since(l, t0))
		}
		t0 = l.Time()
		tasks := spawn()
		for aw, err := range asyncio.AsCompleted(ctx, tasks, seconds(0.2)) {
			if errors.Is(err, asyncio.ErrTimeout) {
				say(w, "TimeoutError", since(l, t0))
				break
			} else if err != nil {
				return err
			}
			r, err := aw.Await(ctx)
			if err != nil {
				return err
			}
			say(w, r, since(l, t0))
		}
		running := 0
		for _, tk := range tasks {
			if !tk.Done() {
				running++
			}
		}
		say(w, "still running", running)
		for _, tk := range tasks {
			tk.Cancel()
		}
		_, err := asyncio.GatherAllTasks(ctx, tasks...)
		return err
	})
}

func scnShield(t *testing.T, w io.Writer) {
	runSyncMain(t, w, func(ctx context.Context) error {
		l := asyncio.GetEventLoop()
		t0 := l.Time()
		it := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) { // inner
			if err := asyncio.Sleep(ctx, seconds(0.2)); err != nil {
				return "", err
			}
			say(w, "inner completed", since(l, t0))
			return "inner-value", nil
		})
		ot := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) { // outer
			v, err := asyncio.Shield(ctx, it)
			if isCancel(err) {
				say(w, "outer cancelled", since(l, t0))
			}
			return v, err
		})
		if err := asyncio.Sleep(ctx, seconds(0.1)); err != nil {
			return err
		}
		ot.Cancel()
		if _, err := ot.Await(ctx); isCancel(err) {
			say(w, "main: outer cancelled", ot.Cancelled(), "inner done", it.Done())
		} else if err != nil {
			return err
		}
		v, err := it.Await(ctx)
		if err != nil {
			return err
		}
		say(w, "main: inner result", v, since(l, t0), "inner cancelled", it.Cancelled())
		return nil
	})
}
