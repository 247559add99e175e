package asyncio

import "context"

// The one park/wake protocol. A task that must wait registers itself with
// whatever it waits on (a timer, a wait queue, another task), then parks with
// an aborter. Whoever completes the wait calls wake, handing over an error (nil
// for success) and saying whether the wake-up grants something (a lock, a
// permit, a queue item or place, a notification). Cancellation is written
// here once, and follows CPython's rule:
//
//   - A parked task is detached by its aborter. abort returns true when the task
//     no longer waits: it is woken at once with the CancelledError as its
//     outcome, so an Uncancel before it resumes cannot turn the await into a
//     success it was never granted. abort returns false when it forwarded the
//     cancellation and the task keeps waiting for the outcome (awaiting another
//     task forwards the cancel to it; Gather cancels its children).
//   - A task that is running or queued to run gets mustCancel: the
//     CancelledError is delivered when it next resumes from a park or yield,
//     unless Uncancel takes the request back first (CPython 3.13).
//   - A task queued to run with a grant and then cancelled resumes with the
//     CancelledError too, and t.granted still true: the primitive that granted
//     it hands the grant on (to the next waiter, or back to itself) before the
//     await returns the error. So no lock, permit, item or notification is
//     ever lost or kept by a task that reports a cancellation, and a task never
//     reports a success it was not granted.
//   - A few grants cannot be handed on (a value received from or sent on a Go
//     channel, a ToThread result). Those awaits call keepGrant: the await
//     succeeds, the cancellation stays pending for the next await, and if the
//     task's function returns before it awaits again, the task keeps its
//     result instead of ending cancelled, so the value is not lost.

// aborter detaches a parked task that is being cancelled.
type aborter interface {
	// abort is called on the loop goroutine while t is parked; t.cancelMsg()
	// holds the message. It reports whether t was detached.
	abort(t *task) bool
	// waitsOn describes what t waits on (waitfor.go).
	waitsOn(t *task) waitFor
}

// park suspends the running task t until wake, and returns the error wake
// handed over, or the CancelledError if t was cancelled. The caller has already
// registered t where a waker will find it; a must detach it from there.
//
// After an error, t.granted tells whether the wake-up had granted something
// that the caller must now hand on; park clears it otherwise.
func (t *task) park(a aborter) error {
	t.state = stateParked
	t.parkedOn = a
	t.parkedAt = t.loop.coarseNow.Load()
	if t.mustCancel {
		// Cancelled while running: deliver at this await, as asyncio does
		// (CPython cancels the future the task is about to wait on).
		t.mustCancel, t.keepResult = false, false
		if t.detach(a) {
			t.loop.wake(t, t.cancelError(), false)
		}
	}
	t.traceStepEnd()
	t.co.Suspend()
	t.traceStepBegin()
	return t.resumed()
}

// parkCtx is park for an await given ctx: if ctx is not the task's own
// context (a context derived from it with context.WithTimeout, WithCancel,
// ...), the end of ctx ends the await too (ctxwait.go). The task's own
// context costs one comparison.
func (t *task) parkCtx(ctx context.Context, a aborter) error {
	if c, ok := ctx.(*taskContext); ok && c.t == t {
		return t.park(a)
	}
	return t.parkForeign(ctx, a)
}

// detach runs a's abort for t, guarding against cycles of tasks that await
// each other and forward a cancellation round the cycle.
func (t *task) detach(a aborter) bool {
	if t.forwarding {
		return false // already on its way round a cycle
	}
	t.forwarding = true
	detached := a.abort(t)
	t.forwarding = false
	return detached
}

// cancelError is the error a cancellation delivers.
func (t *task) cancelError() error { return &CancelledError{Msg: t.cancelMsg()} }

// yield suspends t behind every task that is ready now (Sleep(0)).
func (t *task) yield() error {
	t.state = stateReady
	if q := &t.loop.ready; q.n < len(q.buf) {
		q.buf[(q.head+q.n)&(len(q.buf)-1)] = t // Push, inlined by hand: the hottest path
		q.n++
	} else {
		q.Push(t)
	}
	t.traceStepEnd()
	t.co.Suspend()
	t.traceStepBegin()
	return t.resumed()
}

// resumed takes the outcome of the wake-up, turning it into the pending
// cancellation if there is one.
func (t *task) resumed() error {
	err := t.wakeErr
	t.wakeErr = nil
	if t.mustCancel {
		t.mustCancel, t.keepResult = false, false
		err = t.cancelError() // the caller hands on what t.granted says
	}
	return err
}

// keepGrant is called by an await whose grant cannot be handed on (a value
// received from a Go channel, a ToThread result) when it resumed with a
// cancellation: the await returns what it got, and the cancellation is due
// at the next await; if the function returns first, its result stands.
func (t *task) keepGrant() {
	t.mustCancel, t.keepResult = true, true
}

// wake makes the parked task t ready to resume with err. Loop goroutine only.
func (l *Loop) wake(t *task, err error, granted bool) {
	t.parkedOn = nil
	t.wakeErr = err
	t.granted = granted
	t.state = stateReady
	l.ready.Push(t)
}

// requestCancel is Task.Cancel: see the protocol above.
func (t *task) requestCancel(msg string) bool {
	if t.state == stateDone {
		return false
	}
	t.cancels++
	if msg != "" || t.ext != nil {
		t.extension().cancelMsg = msg
	}
	if t.state == stateParked {
		if t.detach(t.parkedOn) {
			t.loop.wake(t, t.cancelError(), false)
		}
		return true
	}
	t.mustCancel = true
	return true
}

// Cancel requests that the task be cancelled (task.cancel(msg)): a
// CancelledError carrying msg is delivered at the await where the task is
// suspended, or at its next await if it is running; a task that has not started
// never runs its function. If the task is awaiting another task, the
// cancellation is forwarded to that one. Cancel also closes the task's
// context. It returns false, and does nothing, if the task has already finished.
// Loop goroutine only.
func (t *task) Cancel(msg ...string) bool {
	m := ""
	if len(msg) > 0 {
		m = msg[0]
	}
	if t.state == stateDone {
		return false
	}
	t.ctx.sig.fire()
	return t.requestCancel(m)
}

// The aborters of the core: a sleep, a wait queue, an awaited task.

type sleepAbort struct{}

func (sleepAbort) abort(t *task) bool { t.loop.timers.Remove(&t.timer); return true }

// joinAbort is the aborter of a task parked in Await: the awaited task
// itself, so that what a parked task waits on names the task (awaited).
type joinAbort task

func (j *joinAbort) abort(t *task) bool {
	(*task)(j).Cancel(t.cancelMsg())
	return false
}

// awaited returns the task t is parked awaiting in Await, or nil.
func (t *task) awaited() *task {
	if j, ok := t.parkedOn.(*joinAbort); ok {
		return (*task)(j)
	}
	return nil
}
