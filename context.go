package asyncio

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// signal is the part of a context that other goroutines may touch: a flag,
// and a Done channel made only if somebody asks for it. It fires once: when
// the task is cancelled from outside or finishes, or when a Timeout scope
// expires. The channel and the children live in ext, allocated on first use,
// so a task nobody asks about carries 16 bytes of it.
//
// Ownership: fire, addChild and removeChild run on the loop goroutine; done and
// isFired are safe from any goroutine.
type signal struct {
	fired atomic.Bool
	ext   atomic.Pointer[signalExt]
}

type signalExt struct {
	mu       sync.Mutex // guards ch, closed and afters
	ch       chan struct{}
	closed   bool
	afters   []*afterFunc // registered by AfterFunc; run once by fire
	children []*signal    // scopes nested in this one; fired with it (loop goroutine only)
}

// afterFunc is one AfterFunc registration; done (under signalExt.mu) once it
// has run or been stopped.
type afterFunc struct {
	f    func()
	done bool
}

func (s *signal) isFired() bool { return s.fired.Load() }

// extension returns ext, making it if needed; safe from any goroutine.
func (s *signal) extension() *signalExt {
	if e := s.ext.Load(); e != nil {
		return e
	}
	s.ext.CompareAndSwap(nil, new(signalExt))
	return s.ext.Load()
}

// done returns the Done channel. The order (make ext visible, then look at
// fired; fire sets fired, then looks at ext) guarantees that one of the two
// sides closes the channel.
func (s *signal) done() <-chan struct{} {
	e := s.extension()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ch == nil {
		e.ch = make(chan struct{})
	}
	if s.fired.Load() && !e.closed {
		close(e.ch)
		e.closed = true
	}
	return e.ch
}

// fire marks the signal and its children fired and closes any Done channel.
func (s *signal) fire() {
	if s.fired.Swap(true) {
		return
	}
	e := s.ext.Load()
	if e == nil {
		return
	}
	e.mu.Lock()
	if e.ch != nil && !e.closed {
		close(e.ch)
		e.closed = true
	}
	afters := e.afters
	e.afters = nil
	for _, a := range afters {
		a.done = true
	}
	e.mu.Unlock()
	for _, a := range afters {
		a.f() // outside the lock: f may stop other registrations
	}
	for _, c := range e.children {
		c.fire()
	}
}

// afterFunc arranges for f to run once the signal fires (at once if it has),
// and returns a stop function with context.AfterFunc's meaning. This is what
// lets the context package tie a derived context (context.WithCancel(ctx),
// WithTimeout) to a task's context without a goroutine per derived context:
// it looks for an AfterFunc method on the parent. f runs on the goroutine
// that fires the signal (the loop's), so it must be short: the context
// package's own functions are. Safe from any goroutine.
func (s *signal) afterFunc(f func()) (stop func() bool) {
	e := s.extension()
	a := &afterFunc{f: f}
	e.mu.Lock()
	if s.fired.Load() {
		e.mu.Unlock()
		go f() // not on the caller's goroutine: it may hold locks f takes
		return func() bool { return false }
	}
	e.afters = append(e.afters, a)
	e.mu.Unlock()
	return func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		if a.done {
			return false
		}
		a.done = true
		for i, x := range e.afters {
			if x == a {
				e.afters = append(e.afters[:i], e.afters[i+1:]...)
				break
			}
		}
		return true
	}
}

func (s *signal) addChild(c *signal) {
	if s.isFired() {
		c.fire()
	}
	e := s.extension()
	e.children = append(e.children, c)
}

func (s *signal) removeChild(c *signal) {
	e := s.ext.Load()
	if e == nil {
		return
	}
	for i, x := range e.children {
		if x == c {
			last := len(e.children) - 1
			e.children[i] = e.children[last]
			e.children[last] = nil
			e.children = e.children[:last]
			return
		}
	}
}

// taskKey is the context key under which a context carries its task, for
// contexts that wrap a task's context (context.WithValue(taskCtx, ...)).
type taskKey struct{}

// taskContext is the context.Context a task's function receives. Done is
// closed when the task is cancelled with Cancel, or when it finishes; Err then
// returns context.Canceled. Values come from the context the task was created
// with (like contextvars, which a new task copies from its creator).
type taskContext struct {
	t      *task
	values context.Context // where Value lookups go; never another taskContext
	sig    signal
}

func (c *taskContext) Deadline() (time.Time, bool) { return time.Time{}, false }

// Run is coro.Body's method: the task's coroutine runs the function through
// the context, which saves a field per task (a body that is not a closure
// must be a pointer with a method). It is not for callers.
func (c *taskContext) Run() { c.t.impl.runFn() }

// AfterFunc is context.AfterFunc's hook: see signal.afterFunc.
func (c *taskContext) AfterFunc(f func()) func() bool { return c.sig.afterFunc(f) }
func (c *taskContext) Done() <-chan struct{}          { return c.sig.done() }
func (c *taskContext) Err() error                     { return errIfFired(&c.sig) }
func (c *taskContext) String() string                 { return "asyncio.Task(" + c.t.Name() + ").Context" }
func (c *taskContext) Value(key any) any {
	if key == (taskKey{}) {
		return c.t
	}
	return c.values.Value(key)
}

// scopeContext is the context a Timeout scope's body receives: done when the
// scope expires or when the task's own context is done.
type scopeContext struct {
	parent context.Context // the context the scope was entered with
	t      *task
	scope  *TimeoutScope
	sig    signal
}

func (c *scopeContext) Deadline() (time.Time, bool) { return c.parent.Deadline() }

// AfterFunc is context.AfterFunc's hook: see signal.afterFunc.
func (c *scopeContext) AfterFunc(f func()) func() bool { return c.sig.afterFunc(f) }
func (c *scopeContext) Done() <-chan struct{}          { return c.sig.done() }
func (c *scopeContext) Err() error                     { return errIfFired(&c.sig) }
func (c *scopeContext) Value(key any) any {
	if key == (timeoutKey{}) {
		return c.scope
	}
	return c.parent.Value(key)
}

type timeoutKey struct{}

func errIfFired(s *signal) error {
	if s.isFired() {
		return context.Canceled
	}
	return nil
}

// taskOf returns the task a context belongs to, or nil. The two direct cases
// cost a type switch; only wrapped contexts pay for a Value lookup.
func taskOf(ctx context.Context) *task {
	if c, ok := ctx.(*taskContext); ok {
		return c.t // the common case, kept inlinable
	}
	return taskOfSlow(ctx)
}

func taskOfSlow(ctx context.Context) *task {
	switch c := ctx.(type) {
	case *scopeContext:
		return c.t
	case nil:
		return nil
	}
	t, _ := ctx.Value(taskKey{}).(*task)
	return t
}

// signalOf returns the signal that a new scope entered with ctx must follow.
func signalOf(ctx context.Context, t *task) *signal {
	if sc, ok := ctx.(*scopeContext); ok {
		return &sc.sig
	}
	return &t.ctx.sig
}

// valuesOf strips task contexts from the chain a new task inherits values
// from, so that a task never keeps its (finished) creator alive.
func valuesOf(ctx context.Context) context.Context {
	switch c := ctx.(type) {
	case *taskContext:
		return c.values
	case *scopeContext:
		return valuesOf(c.parent)
	case nil:
		return context.Background()
	}
	return ctx
}
