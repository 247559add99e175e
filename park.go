package asyncio

// The one park/wake protocol. A task that must wait registers itself with
// whatever it waits on (a timer, a wait queue, another task), then parks with
// an aborter. Whoever completes the wait calls wake, handing over an error (nil
// for success) and saying whether the wake-up grants something that must not
// be lost (a lock, a queue item). Cancellation is written here once:
//
//   - A parked task is detached by its aborter. abort returns true when the task
//     no longer waits (it is woken at once with a CancelledError), or false when
//     it forwarded the cancellation and keeps waiting for the outcome (awaiting
//     another task forwards the cancel to it; Gather cancels its children).
//   - A task that is running or queued to run gets mustCancel: the
//     CancelledError is delivered when it next resumes from a park or yield.
//   - A task queued to run with a grant keeps what it was granted; its
//     cancellation is delivered at its next await instead, so a cancellation
//     never loses an item, a permit or a lock.

// aborter detaches a parked task that is being cancelled.
type aborter interface {
	// abort is called on the loop goroutine while t is parked; t.cancelMsg
	// holds the message. It reports whether t was detached.
	abort(t *task) bool
}

// park suspends the running task t until wake, and returns the error wake
// handed over, or the CancelledError if t was cancelled. The caller has already
// registered t where a waker will find it; a must detach it from there.
func (t *task) park(a aborter) error {
	if t.mustCancel {
		// Cancelled while running: deliver at this await, as asyncio does.
		if a.abort(t) {
			return t.yield()
		}
		t.mustCancel = false // forwarded: wait for the outcome
	}
	t.state = stateParked
	t.abort = a
	t.co.Suspend()
	return t.resumed()
}

// yield suspends t behind every task that is ready now (Sleep(0)).
func (t *task) yield() error {
	t.state = stateReady
	if q := &t.loop.ready; q.n < len(q.buf) {
		q.buf[(q.head+q.n)&(len(q.buf)-1)] = t // Push, inlined by hand: the hottest path
		q.n++
	} else {
		q.Push(t)
	}
	t.co.Suspend()
	return t.resumed()
}

// resumed takes the outcome of the wake-up, turning it into the pending
// cancellation unless the wake-up granted something.
func (t *task) resumed() error {
	err := t.wakeErr
	t.wakeErr = nil
	if t.mustCancel && !t.granted {
		t.mustCancel = false
		err = &CancelledError{Msg: t.cancelMsg}
	}
	t.granted = false
	return err
}

// wake makes the parked task t ready to resume with err. Loop goroutine only.
func (l *Loop) wake(t *task, err error, granted bool) {
	t.abort = nil
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
	t.cancelMsg = msg
	if t.state == stateParked {
		if t.forwarding {
			return true // a cycle of tasks awaiting each other: already on its way
		}
		t.forwarding = true
		detached := t.abort.abort(t)
		t.forwarding = false
		if detached {
			t.mustCancel = true
			t.loop.wake(t, nil, false)
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

type queueAbort struct{}

func (queueAbort) abort(t *task) bool { t.node.Unlink(); return true }

type joinAbort struct{}

func (joinAbort) abort(t *task) bool {
	t.awaiting.Cancel(t.cancelMsg)
	return false
}
