package asyncio

import (
	"context"
	"time"

	"github.com/asyncio-go/asyncio/internal/timerheap"
)

// Awaits given a derived context.
//
// Every Go programmer writes
//
//	c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
//	defer cancel()
//	v, err := q.Get(c)
//
// and expects the Get to end when c does. The task's own context needs no
// help: its cancellation is the task's, delivered by the park/wake protocol.
// A derived context ends on its own (a deadline, a cancel function, a parent
// outside the loop), so an await given one watches it while it is parked
// (see ctxWait). When the context ends, the loop detaches the task exactly
// as a cancellation does (the same aborter, so the same no-loss rules: a
// grant made before it is handed on) and the await returns the context's
// error, context.Canceled or context.DeadlineExceeded. An await that forwards
// cancellation (Task.Await, Future.Await, Gather) forwards this one too, as
// a Timeout scope would, and returns the outcome.
//
// The fast path, an await given the task's own context, pays one comparison
// in parkCtx and nothing here.

// ctxWait is one park watched by a derived context.
//
// Three things can end it, whichever comes first:
//   - the context's deadline, as a loop timer at the same distance in the
//     loop's time, so a context.WithTimeout works on a virtual clock too
//     (deterministically) and costs no goroutine on the real one;
//   - a cancellation made on the loop (the context's cancel function called by
//     a task): before the loop blocks or jumps its clock, it looks at every
//     watched context (checkCtxWaits), so the await ends in the next
//     iteration, on any clock;
//   - a cancellation from another goroutine (or a parent outside the loop):
//     context.AfterFunc posts to the loop.
type ctxWait struct {
	t     *task
	a     aborter
	ctx   context.Context
	timer timerheap.Timer // at the context's deadline, if it has one; Value is this ctxWait

	// Loop goroutine only.
	ended bool // the await has returned: a fire that comes later does nothing
	index int  // position in Loop.ctxWaits while parked
}

// parkForeign is parkCtx's slow path: ctx is not t's own context.
func (t *task) parkForeign(ctx context.Context, a aborter) error {
	outer := outerContext(ctx, t)
	var done <-chan struct{}
	if outer != nil {
		done = outer.Done()
	}
	if done == nil || done == t.ctx.sig.done() {
		return t.park(a) // nothing to watch beyond the task's own cancellation
	}
	l := t.loop
	err := outer.Err()
	dl, hasDeadline := outer.Deadline()
	left := time.Until(dl)
	if hasDeadline && err == nil && left <= 0 {
		err = context.DeadlineExceeded
	}
	if err != nil {
		// Ended already: detach now, without suspending.
		t.state, t.parkedOn = stateParked, a
		if t.detach(a) {
			t.state, t.parkedOn, t.granted = stateRunning, nil, false
			return err
		}
		return t.park(a) // forwarded: wait for the outcome
	}
	w := &ctxWait{t: t, a: a, ctx: outer}
	w.index = len(l.ctxWaits)
	l.ctxWaits = append(l.ctxWaits, w)
	if hasDeadline {
		w.timer.When = int64(after(l.clock.Now(), left))
		w.timer.Value = w
		l.timers.Push(&w.timer)
	}
	stop := context.AfterFunc(outer, func() { l.postThreadsafe(w.fireOutside) })
	err = t.park(a)
	w.ended = true
	stop()
	l.timers.Remove(&w.timer)
	l.dropCtxWait(w)
	return err
}

// fire ends the await with err, detaching the task as a cancellation does.
func (w *ctxWait) fire(err error) {
	t := w.t
	if w.ended || t.state != stateParked {
		return // the await is over, or the loop closed and killed the task
	}
	if t.detach(w.a) {
		t.loop.wake(t, err, false)
	}
}

// fireOutside is fire from AfterFunc's goroutine, by way of the inbox.
func (w *ctxWait) fireOutside() { w.fire(w.ctx.Err()) }

// checkCtxWaits ends the awaits whose context has been cancelled: the loop
// calls it before it blocks or jumps a virtual clock, so a cancel function
// called by a task takes effect without waiting for AfterFunc's goroutine.
func (l *Loop) checkCtxWaits() {
	for i := 0; i < len(l.ctxWaits); i++ {
		w := l.ctxWaits[i]
		if err := w.ctx.Err(); err != nil {
			w.fire(err)
		}
	}
}

// dropCtxWait removes w from the loop's list.
func (l *Loop) dropCtxWait(w *ctxWait) {
	last := len(l.ctxWaits) - 1
	moved := l.ctxWaits[last]
	l.ctxWaits[w.index], moved.index = moved, w.index
	l.ctxWaits[last] = nil
	l.ctxWaits = l.ctxWaits[:last]
}

// outerContext returns the context an await given ctx must watch beyond t's
// own cancellation: ctx itself, or for a Timeout scope's context the context
// the scope was entered with, or nil if that is t's own.
func outerContext(ctx context.Context, t *task) context.Context {
	for {
		switch c := ctx.(type) {
		case *taskContext:
			if c.t == t {
				return nil
			}
		case *scopeContext:
			if c.t == t {
				ctx = c.parent // the scope's own expiry is a cancellation of t
				continue
			}
		}
		return ctx
	}
}
