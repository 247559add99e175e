package asyncio

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/asyncio-go/asyncio/internal/sim"
)

// toThreadSim is ToThread in simulation mode. fn runs on the executor as
// usual, but its result is delivered by a loop timer at a virtual time the
// Sim chooses (now, unless the slow-thread fault delays it): the timer's
// callback waits in real time for fn to return. So when a task resumes from
// ToThread depends on the seed only, never on how fast fn ran. A function
// that does not return within the clock's AutojumpThreshold of real time
// (one that waits for its ctx to be cancelled, or for the loop) is looked at
// again a virtual millisecond later, so the loop goes on; such a run is
// reproducible only as far as fn's timing is.
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
	var deliver func()
	deliver = func() {
		if !j.wait(autojumpThreshold(l.clock)) {
			// fn waits for something the loop has yet to do (its ctx's
			// cancellation, a channel another task feeds): let the loop go
			// on and look again a virtual millisecond later. From here on
			// the run is only as reproducible as fn's timing.
			l.simRecord(sim.Thread, t.id, t.Name()+" still running after the real-time wait; retrying", 0)
			w.h = l.simCallLater(time.Millisecond, deliver)
			return
		}
		l.simRecord(sim.Thread, t.id, t.Name(), 0)
		if t.state == stateParked && t.parkedOn == aborter(w) {
			l.wake(t, c.err, true) // a grant, as in ToThread: fn has run
		}
	}
	w.h = l.simCallLater(d, deliver)
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

// wait waits up to d of real time for fn to return and reports whether it has.
func (j *simThreadJob[T]) wait(d time.Duration) bool {
	select {
	case <-j.done:
		return true
	default:
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-j.done:
		return true
	case <-tm.C:
		return false
	}
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

func (w *simThreadWait) waitsOn(*task) waitFor {
	return waitFor{what: "ToThread", detail: "simulated: result due at a seeded virtual time"}
}
