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

// runBody runs the body, swallowing only the ErrKilled unwinding.
func (c *Coro) runBody() {
	defer func() {
		if c.killed {
			if r := recover(); r != nil && r != ErrKilled {
				panic(r)
			}
		}
	}()
	c.body.Run()
}

// Start makes b the body that the next Resume begins to run. The Coro must be
// idle (new, or its previous body finished).
func (c *Coro) Start(b Body) {
	if c.body != nil {
		panic("coro: Start on a busy coroutine")
	}
	c.body = b
	c.done = false
}

// Resume runs the body until it calls Suspend or returns, and reports whether
// it returned. A panic that escapes the body propagates out of Resume, and the
// Coro is then dead.
func (c *Coro) Resume() (finished bool) {
	c.resume()
	return c.done
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
	c.stop()
}

// Idle reports whether the Coro has no body (new, or its body returned).
func (c *Coro) Idle() bool { return c.body == nil }
