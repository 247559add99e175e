package asyncio

import (
	"context"
	"runtime/debug"

	"github.com/asyncio-go/asyncio/internal/sim"
)

// toThreadSim is ToThread in simulation mode. fn runs on the executor as
// usual, but its result is delivered by a loop timer at a virtual time the
// Sim chooses (now, unless the slow-thread fault delays it): the timer's
// callback waits in real time for fn to return. So when a task resumes from
// ToThread depends on the seed only, never on how fast fn ran. A function that
// waits for the loop (CallSoonThreadsafe and then blocks on the answer) would
// wait forever: in simulation mode ToThread functions must not depend on the
// loop.
func toThreadSim[T any](ctx context.Context, t *task, fn func(ctx context.Context) (T, error)) (T, error) {
	l := t.loop
	c := &threadCall[T]{fn: fn, t: t, name: t.Name()}
	c.ctx, c.cancel = context.WithCancel(threadContext{context.WithoutCancel(ctx)})
	defer c.cancel()
	j := &simThreadJob[T]{c: c, done: make(chan struct{})}
	defaultExecutor.submit(j)
	d := l.sim.SlowThread()
	if d > 0 {
		l.simRecord(sim.Slow, t.id, t.Name(), d)
	}
	w := &simThreadWait{cancel: c.cancel}
	w.h = l.simCallLater(d, func() {
		<-j.done
		l.simRecord(sim.Thread, t.id, t.Name(), 0)
		if t.state == stateParked && t.abort == aborter(w) {
			l.wake(t, c.err, true) // a grant, as in ToThread: fn has run
		}
	})
	err := t.parkCtx(ctx, w)
	if w.detached {
		var zero T
		return zero, err
	}
	if t.granted && err != nil && err != c.err { // cancelled after the result came
		t.keepGrant()
		return c.result, c.err
	}
	return c.result, err
}

// simThreadJob runs fn like threadCall.run, but reports by closing done
// instead of posting to the loop.
type simThreadJob[T any] struct {
	c    *threadCall[T]
	done chan struct{}
}

func (j *simThreadJob[T]) run() {
	defer close(j.done)
	c := j.c
	if c.ctx.Err() != nil {
		return // the task was cancelled before fn started
	}
	returned := false
	defer func() {
		if !returned {
			r := recover()
			if r == nil {
				r = "runtime.Goexit called by the function given to ToThread"
			}
			c.err = &PanicError{Value: r, Stack: debug.Stack(), Task: c.name}
		}
		c.cancel()
	}()
	c.result, c.err = c.fn(c.ctx)
	returned = true
}

// simThreadWait is the aborter of a task waiting in toThreadSim.
type simThreadWait struct {
	h        *Handle
	cancel   context.CancelFunc
	detached bool
}

func (w *simThreadWait) abort(t *task) bool {
	w.detached = true
	w.h.Cancel()
	w.cancel()
	return true
}
