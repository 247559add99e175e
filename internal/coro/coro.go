// Package coro runs Go functions as coroutines: each runs on its own goroutine
// but only while its resumer waits, and control passes between the two with
// the runtime's direct coroutine switch (the mechanism behind iter.Pull), never
// through the scheduler's run queue or a channel.
//
// A Coro is reusable: when its function returns, the goroutine parks and can
// be handed the next function, so a pool of Coros saves creating a goroutine
// per task. This is the one unusual mechanism in the module, isolated here so
// that it can be replaced.
package coro

import (
	"errors"
	"iter"
)

// Body is the function a Coro runs. It is an interface, not a func, so that a
// task can hand itself over without allocating a closure.
type Body interface{ Run() }

// ErrKilled is the panic value Suspend raises inside a coroutine that is being
// killed (see Kill), so that the body's deferred calls run and the goroutine
// exits. Bodies that recover panics must re-panic or return when they see it.
var ErrKilled = errors.New("coro: coroutine killed while suspended")

// errGoexit is the panic into which a coroutine turns the end of a body's
// runtime.Goexit (see goexit); renew recovers it.
var errGoexit = errors.New("coro: body called runtime.Goexit")

// Coro is a reusable coroutine. All methods except Suspend are called by the
// resumer; Suspend is called by the body, on the coroutine's goroutine. The two
// never run at the same time, so no field needs a lock.
type Coro struct {
	resume func() (struct{}, bool) // iter.Pull's next: switch into the coroutine
	stop   func()                  // iter.Pull's stop: make the pending yield return false
	yield  func(struct{}) bool     // set on the coroutine's first run; switch back out
	body   Body                    // the function to run; nil when idle
	done   bool                    // body returned (or was killed) during the last Resume
	killed bool                    // Kill was called: every Suspend panics with ErrKilled
	exited bool                    // the body called runtime.Goexit; its goroutine waits in goexit to be stopped
}

// New returns an idle Coro. Its goroutine starts on the first Resume.
func New() *Coro {
	c := &Coro{}
	c.resume, c.stop = iter.Pull(c.loop)
	return c
}

// loop is the goroutine's whole life: run one body, report it finished, wait
// for the next, until stopped.
func (c *Coro) loop(yield func(struct{}) bool) {
	c.yield = yield
	for {
		c.runBody()
		c.body = nil
		c.done = true
		if c.killed || !yield(struct{}{}) {
			return
		}
	}
}

// runBody runs the body, swallowing only the ErrKilled unwinding, and turns
// a runtime.Goexit in the body into a finished body (goexit).
func (c *Coro) runBody() {
	returned := false
	defer func() {
		if returned {
			return
		}
		switch r := recover(); {
		case r == nil: // the body called runtime.Goexit: recover sees nothing
			c.goexit()
		case c.killed && r == ErrKilled:
		default:
			panic(r)
		}
	}()
	c.body.Run()
	returned = true
}

// goexit runs inside the unwinding of a runtime.Goexit called by the body.
// A Goexit cannot be stopped, and when the goroutine of an iter.Pull ends by
// Goexit, iter.Pull's next calls runtime.Goexit on the resumer too: the loop
// goroutine would die and its caller hang. So the goroutine reports the body
// finished and waits here, parked mid-unwinding, until the next Start (renew)
// or Kill stops it. Then it turns the rest of the Goexit into a panic with errGoexit:
// iter.Pull's own deferred recover takes it, the runtime goes on with the
// Goexit (a recover cannot skip past one), the goroutine ends, and stop
// raises errGoexit on the resumer, where renew or Kill recovers it.
func (c *Coro) goexit() {
	if !c.killed {
		c.body = nil
		c.done = true
		c.exited = true
		c.yield(struct{}{}) // returns (false) only when stop is called
	}
	panic(errGoexit)
}

// Start makes b the body that the next Resume begins to run. The Coro must be
// idle (new, or its previous body finished).
func (c *Coro) Start(b Body) {
	if c.body != nil {
		panic("coro: Start on a busy coroutine")
	}
	if c.exited {
		c.renew() // the previous body called runtime.Goexit
	}
	c.body = b
	c.done = false
}

// Resume runs the body until it calls Suspend or returns, and reports whether
// it returned. A panic that escapes the body propagates out of Resume, and the
// Coro is then dead.
//
// A body that calls runtime.Goexit finishes (Resume reports true, and its
// deferred calls have run) without affecting the resumer's goroutine; the
// Coro replaces its goroutine at the next Start, so it stays usable.
func (c *Coro) Resume() (finished bool) {
	c.resume()
	return c.done
}

// renew ends the goroutine left waiting in goexit and gives the Coro a fresh
// one.
func (c *Coro) renew() {
	c.exited = false
	c.stopExited()
	c.yield = nil
	c.resume, c.stop = iter.Pull(c.loop)
}

// stopExited calls stop on a goroutine ending a Goexit, which raises errGoexit
// on the caller (see goexit).
func (c *Coro) stopExited() {
	defer func() {
		if r := recover(); r != errGoexit {
			panic(r)
		}
	}()
	c.stop()
}

// Suspend switches from the body back to its resumer; it returns when the
// resumer calls Resume again. Called only from inside the body.
func (c *Coro) Suspend() {
	if c.killed || !c.yield(struct{}{}) {
		c.killed = true
		panic(ErrKilled)
	}
}

// Kill ends the coroutine's goroutine. An idle Coro just exits; a suspended
// body is unwound: its pending Suspend panics with ErrKilled, its deferred
// calls run (any Suspend they make panics again at once), and the goroutine
// exits. After Kill the Coro must not be used.
func (c *Coro) Kill() {
	c.killed = true
	// A body that called runtime.Goexit, earlier or while being unwound now,
	// ends its goroutine with errGoexit (see goexit).
	defer func() {
		if r := recover(); r != nil && r != errGoexit {
			panic(r)
		}
	}()
	c.stop()
}

// Idle reports whether the Coro has no body (new, or its body returned).
func (c *Coro) Idle() bool { return c.body == nil }
