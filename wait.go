package asyncio

import (
	"context"
	"iter"
	"reflect"
	"time"
)

// WaitMode says when Wait returns (asyncio.FIRST_COMPLETED and friends).
type WaitMode uint8

const (
	AllCompleted   WaitMode = iota // when every task has finished (or the timeout)
	FirstCompleted                 // when any task finishes
	FirstException                 // when any task fails, or all have finished
)

// watcher is the bookkeeping shared by Wait and AsCompleted: it observes
// tasks, collects them as they finish, and wakes the waiter when cond says so.
type watcher struct {
	waiter  *task
	ctx     context.Context // the caller's: a derived context's end ends the wait
	active  bool            // the waiter is parked on it
	done    []*task         // finished, in completion order, not yet taken
	cond    func() bool
	timer   *Handle // the timeout, if any
	expired bool
	over    bool // Wait returned or the AsCompleted loop ended: stop taking errors
}

// taskDone records a finished task. While the caller still waits, the task's
// error is the caller's to read (it will be in done, or yielded), so it is not
// reported as unretrieved.
func (w *watcher) taskDone(c *task) {
	if w.over {
		return
	}
	c.retrieved = true
	w.done = append(w.done, c)
	if w.active && w.cond() {
		w.wakeUp()
	}
}

func (w *watcher) wakeUp() {
	w.active = false
	if w.timer != nil {
		w.timer.Cancel()
		w.timer = nil
	}
	w.waiter.loop.wake(w.waiter, nil, false)
}

// abort detaches the waiter; the tasks are not cancelled (Wait never cancels).
func (w *watcher) abort(t *task) bool {
	w.active = false
	if w.timer != nil {
		w.timer.Cancel()
		w.timer = nil
	}
	return true
}

// park waits until cond holds or the timeout (Never: none) passes.
func (w *watcher) park(timeout time.Duration) error {
	if w.cond() {
		return nil
	}
	l := w.waiter.loop
	if timeout != Never {
		w.timer = l.CallLater(timeout, func() {
			w.timer = nil
			w.expired = true
			w.wakeUp()
		})
	}
	w.active = true
	return w.waiter.parkCtx(w.ctx, w)
}

// Wait waits for the tasks until mode is satisfied or timeout passes (Never:
// no limit), and returns the finished and the unfinished ones, each in
// argument order (asyncio.wait). It does not cancel anything and does not
// report a timeout as an error: on timeout it simply returns what is done so
// far. It suspends unless mode is already satisfied; it returns the
// CancelledError if the calling task is cancelled. Must be called from a task.
func Wait(ctx context.Context, tasks []AnyTask, mode WaitMode, timeout time.Duration) (done, pending []AnyTask, err error) {
	for i, at := range tasks {
		if at == nil || reflect.ValueOf(at).IsNil() {
			misuse("Wait called with a nil task at index %d; pass the tasks returned by CreateTask", i)
		}
	}
	w := &watcher{waiter: currentTask(ctx, "Wait"), ctx: ctx}
	unfinished := 0
	for _, at := range tasks {
		t := at.base()
		if t.state == stateDone {
			w.done = append(w.done, t)
		} else {
			t.addHook(w)
			unfinished++
		}
	}
	w.cond = func() bool {
		switch mode {
		case FirstCompleted:
			return len(w.done) > 0
		case FirstException:
			for _, t := range w.done {
				if t.err != nil && !t.cancelled {
					return true
				}
			}
		}
		return len(w.done) == len(tasks)
	}
	if len(tasks) > 0 {
		err = w.park(timeout)
	}
	w.over = true // later completions are no longer ours
	for _, at := range tasks {
		if at.base().state == stateDone {
			done = append(done, at)
		} else {
			pending = append(pending, at)
		}
	}
	return done, pending, err
}

// AsCompleted yields the tasks as they finish, in completion order (tasks
// already finished come first, in argument order), for use with range
// (asyncio.as_completed). Each step suspends until the next task finishes. If
// timeout (Never: none) passes first, it yields (nil, ErrTimeout) and stops;
// if the calling task is cancelled, it yields (nil, the CancelledError) and
// stops. Must be ranged over from a task.
func AsCompleted[T any](ctx context.Context, tasks []*Task[T], timeout time.Duration) iter.Seq2[*Task[T], error] {
	checkTasks(tasks, "AsCompleted")
	return func(yield func(*Task[T], error) bool) {
		w := &watcher{waiter: currentTask(ctx, "AsCompleted"), ctx: ctx}
		defer func() { w.over = true }()
		w.cond = func() bool { return len(w.done) > 0 }
		byBase := make(map[*task]*Task[T], len(tasks))
		for _, t := range tasks {
			byBase[&t.task] = t
			if t.state == stateDone {
				w.done = append(w.done, &t.task)
			} else {
				t.addHook(w)
			}
		}
		var deadline time.Duration = Never
		if timeout != Never {
			deadline = after(w.waiter.loop.clock.Now(), timeout)
		}
		for taken := 0; taken < len(tasks); taken++ {
			left := Never
			if deadline != Never {
				left = max(deadline-w.waiter.loop.clock.Now(), 0)
			}
			if err := w.park(left); err != nil || (w.expired && len(w.done) == 0) {
				if err == nil {
					err = ErrTimeout
				}
				yield(nil, err)
				return
			}
			t := w.done[0]
			w.done = w.done[1:]
			t.retrieved = true
			if !yield(byBase[t], nil) {
				return
			}
		}
	}
}

// checkTasks panics if a task in tasks is nil, naming op.
func checkTasks[T any](tasks []*Task[T], op string) {
	for i, t := range tasks {
		if t == nil {
			misuse("%s called with a nil task at index %d; pass the tasks returned by CreateTask", op, i)
		}
	}
}

// Shield awaits t but protects it from the caller's cancellation
// (asyncio.shield): if the calling task is cancelled, Shield returns the
// CancelledError at once while t keeps running. Otherwise it returns t's
// outcome. The shielded task is the caller's own t, so it stays reachable:
// after a cancelled Shield, t.Done, t.Cancelled and t.Await tell what became
// of it (CPython's shield hides the inner task behind an outer future). Must
// be called from a task.
func Shield[T any](ctx context.Context, t *Task[T]) (T, error) {
	if t == nil {
		misuse("Shield called with a nil task; pass the task to protect, as returned by CreateTask")
	}
	if t.state != stateDone {
		cur := currentTask(ctx, "Shield")
		t.joiners.PushBack(&cur.node)
		if err := cur.parkCtx(ctx, (*shieldWait)(&t.task)); err != nil {
			var zero T
			return zero, err
		}
	}
	t.retrieved = true
	return t.result, t.err
}
