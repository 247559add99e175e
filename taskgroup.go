package asyncio

import "context"

// TaskGroup holds tasks whose lifetimes are tied to one block of code
// (asyncio.TaskGroup, Trio's nursery). Create it with WithTaskGroup. Loop
// goroutine only.
//
// The rules, as in CPython: the block waits for every task spawned into the
// group. The first task that fails cancels the others and the block itself;
// all the failures come back in one *GroupError, so errors.Is and errors.As
// reach each one (a panic comes back as a *PanicError with the child's
// stack; a child's own failed group comes back as a nested *GroupError).
// Cancellations are never failures. If the task running the block is
// cancelled from outside, the children are cancelled too; with no failures
// the cancellation propagates (it is never swallowed), and with failures the
// group returns the *GroupError while the cancellation stays requested, so
// the task's next await returns it (CPython 3.13). Cancel ends the whole
// group early, without an error.
type TaskGroup struct {
	parent      *task
	ctx         context.Context    // the block's context: children inherit its values
	children    map[*task]struct{} // unfinished children
	errs        []error            // failures of children and of the block, in order
	baseCancels int                // the parent's Cancelling() at entry: more at exit came from outside
	aborting    bool               // children have been cancelled
	exiting     bool               // the block returned; the parent waits for children
	closed      bool               // WithTaskGroup returned: no more spawning
	cancelled   bool               // Cancel was called
	ownCancel   bool               // we cancelled the parent (and must Uncancel)
}

// WithTaskGroup runs body with a new TaskGroup and returns when body and
// every task spawned into the group have finished (async with TaskGroup()).
// It suspends the calling task while children run and returns a *GroupError
// holding the failures, else the CancelledError if the calling task was
// cancelled from outside, else nil. Must be called from a task.
func WithTaskGroup(ctx context.Context, body func(ctx context.Context, tg *TaskGroup) error) (err error) {
	if body == nil {
		misuse("WithTaskGroup called with a nil body; pass the function that spawns the group's tasks")
	}
	t := currentTask(ctx, "WithTaskGroup")
	tg := &TaskGroup{parent: t, ctx: ctx, children: map[*task]struct{}{}, baseCancels: int(t.cancels)}
	panicked := true
	defer func() {
		if panicked { // the block panicked: stop the children, then let the panic go on
			tg.abortChildren()
			tg.waitChildren()
			tg.closed = true
		}
	}()
	bodyErr := body(ctx, tg)
	panicked = false
	tg.exiting = true
	if bodyErr != nil {
		if !isCancelled(bodyErr) {
			tg.errs = append(tg.errs, bodyErr)
		}
		tg.abortChildren()
	}
	tg.waitChildren()
	tg.closed = true
	return tg.result()
}

// Go spawns fn into the group as a new task and returns it (tg.create_task).
// It panics if the group has finished or is shutting down after a failure.
func (tg *TaskGroup) Go(fn func(ctx context.Context) error, name ...string) AnyTask {
	if fn == nil {
		misuse("TaskGroup.Go called with a nil function; pass the function the task should run")
	}
	return GroupTask(tg, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }, name...)
}

// GroupTask is Go for a function with a result: it spawns fn into tg and
// returns its typed task.
func GroupTask[T any](tg *TaskGroup, fn func(ctx context.Context) (T, error), name ...string) *Task[T] {
	if tg.closed {
		misuse("TaskGroup.Go called after the group finished; spawn tasks inside the WithTaskGroup body")
	}
	if tg.aborting && !tg.cancelled {
		misuse("TaskGroup.Go called while the group is shutting down after a failure; check the block's ctx or error first")
	}
	t := createTask(tg.parent.loop, tg.ctx, fn, name)
	t.addHook(tg)
	tg.children[&t.task] = struct{}{}
	if tg.aborting {
		t.Cancel()
	}
	return t
}

// Cancel cancels every task in the group and the block itself; the group
// then ends without an error of its own (the cancellations are the group's,
// not the caller's). Failures that happened before still come back.
func (tg *TaskGroup) Cancel() {
	if tg.closed {
		return
	}
	tg.cancelled = true
	tg.abortChildren()
	tg.cancelParent()
}

// taskDone records a child's outcome; the first failure aborts the group.
func (tg *TaskGroup) taskDone(c *task) {
	c.retrieved = true
	delete(tg.children, c)
	if c.err != nil && !c.cancelled {
		tg.errs = append(tg.errs, c.err)
		tg.abortChildren()
		tg.cancelParent()
	}
	p := tg.parent
	if len(tg.children) == 0 && tg.exiting && p.state == stateParked && p.parkedOn == aborter(tg) {
		p.loop.wake(p, nil, false)
	}
}

// cancelParent cancels the block (not the wait for children after it).
func (tg *TaskGroup) cancelParent() {
	if !tg.exiting && !tg.ownCancel {
		tg.ownCancel = true
		tg.parent.requestCancel("")
	}
}

func (tg *TaskGroup) abortChildren() {
	if tg.aborting {
		return
	}
	tg.aborting = true
	for c := range tg.children {
		c.Cancel()
	}
}

// waitChildren parks the parent until every child has finished. A
// cancellation from outside while waiting cancels the children, but the wait
// goes on: children always finish before the group returns.
func (tg *TaskGroup) waitChildren() {
	for len(tg.children) > 0 {
		tg.parent.park(tg)
	}
}

// abort is the parent's aborter while it waits for the children.
func (tg *TaskGroup) abort(t *task) bool {
	tg.abortChildren()
	return false
}

// result is the group's outcome, as CPython 3.13's TaskGroup.__aexit__ decides
// it: failures win over a cancellation. With failures, a cancellation of the
// parent from outside (any request left after taking back our own) is
// re-requested, so it is delivered at the parent's next await instead of
// being lost or mixed into the failures. Without failures, a cancellation
// from outside (counted with Cancelling, as Timeout does) propagates.
func (tg *TaskGroup) result() error {
	p := tg.parent
	if tg.ownCancel {
		p.Uncancel()
	}
	if len(tg.errs) > 0 {
		if p.cancels > 0 {
			p.Uncancel() // uncancel then cancel: the count stays, the delivery is due again
			p.requestCancel(p.cancelMsg())
		}
		return &GroupError{Errs: tg.errs}
	}
	if int(p.cancels) > tg.baseCancels {
		return &CancelledError{Msg: p.cancelMsg()}
	}
	return nil
}
