package asyncio

import "context"

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
// outside the loop), on any goroutine, so an await given one watches it with
// context.AfterFunc while it is parked. When the context ends, the watcher
// posts to the loop, which detaches the task exactly as a cancellation does
// (the same aborter, so the same no-loss rules: a grant made before it is
// handed on) and the await returns the context's error, ctx.Err(), which is
// context.Canceled or context.DeadlineExceeded. An await that forwards
// cancellation (Task.Await, Future.Await, Gather) forwards this one too, as
// a Timeout scope would, and returns the outcome.
//
// The fast path, an await given the task's own context, pays one comparison
// in parkCtx and nothing here.

// ctxWait is one park watched by a derived context.
type ctxWait struct {
	t   *task
	a   aborter
	ctx context.Context

	// Loop goroutine only.
	ended bool // the await has returned: a fire that comes later does nothing
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
	select {
	case <-done:
		// Ended already: detach now, without suspending.
		t.state, t.abort = stateParked, a
		if t.detach(a) {
			t.state, t.abort, t.granted = stateRunning, nil, false
			return outer.Err()
		}
		return t.park(a) // forwarded: wait for the outcome
	default:
	}
	w := &ctxWait{t: t, a: a, ctx: outer}
	l := t.loop
	l.external++ // the context may end on another goroutine: a virtual clock must not jump past it
	stop := context.AfterFunc(outer, func() { l.postThreadsafe(w.fire) })
	err := t.park(a)
	w.ended = true
	if stop() {
		l.external-- // the watcher never ran, so fire will not run either
	}
	return err
}

// fire runs on the loop when the watched context has ended.
func (w *ctxWait) fire() {
	t := w.t
	t.loop.external--
	if w.ended || t.state != stateParked {
		return // the await is over, or the loop closed and killed the task
	}
	if t.detach(w.a) {
		t.loop.wake(t, w.ctx.Err(), false)
	}
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
