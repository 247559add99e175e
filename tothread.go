package asyncio

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/asyncio-go/asyncio/internal/ring"
)

// Bridges between the loop and ordinary goroutines. Each one is the park/wake
// protocol with the waker on another goroutine: the task parks, the other
// goroutine reports back through the loop's inbox (CallSoonThreadsafe), and
// the callback wakes the task on the loop goroutine. While a task waits on
// another goroutine, l.external counts it, so that the virtual clock neither
// jumps past the moment the answer may come nor reports a deadlock.
//
//   - ToThread: a blocking function on a bounded pool of goroutines.
//   - RunCoroutineThreadsafe: the other direction; a goroutine starts a task.
//   - Recv, Send: a Go channel operation, done by a helper goroutine.

// ToThread runs fn on a goroutine of the default executor and suspends the
// calling task until fn returns, then returns fn's result and error
// (asyncio.to_thread, loop.run_in_executor(None, ...)). Use it for blocking
// calls (file I/O, cgo, DNS, CPU-heavy work) that would stall every task if
// run on the loop. The executor runs at most SetDefaultExecutorSize functions
// at once; the others wait their turn in FIFO order.
//
// fn receives a context with the values of ctx but not its task: it must not
// await, and it runs on another goroutine, so it must not touch loop state
// (use RunCoroutineThreadsafe or CallSoonThreadsafe to get back). A panic in
// fn becomes a *PanicError with the value and fn's stack.
//
// ToThread always suspends. If the task is cancelled while fn runs, ToThread
// returns the CancelledError at once (as asyncio does) and fn's context is
// cancelled; fn's eventual result is discarded. If fn had not started yet, it
// never starts. A cancellation that arrives after fn returned but before the
// task resumed does not discard the result (CPython would): the task gets it,
// and the cancellation at its next await; if the task returns first, its
// result stands (see park.go). Must be called from a task, with its ctx.
func ToThread[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	t := currentTask(ctx, "ToThread")
	if fn == nil {
		misuse("ToThread called with a nil function; pass the blocking function to run")
	}
	if t.loop.sim != nil {
		return toThreadSim(ctx, t, fn) // deterministic delivery (simulate_tothread.go)
	}
	c := &threadCall[T]{fn: fn, t: t, name: t.Name()}
	c.ctx, c.cancel = context.WithCancel(threadContext{context.WithoutCancel(ctx)})
	defer c.cancel() // also when the loop closes and kills the task
	t.loop.external++
	defaultExecutor.submit(c)
	err := t.parkCtx(ctx, c)
	if c.detached {
		var zero T
		return zero, err
	}
	if t.granted && err != nil && err != c.err { // cancelled after fn returned
		t.keepGrant() // fn has run: its result is not thrown away
		return c.result, c.err
	}
	return c.result, err
}

// threadCall is one ToThread: the job the executor runs, and the aborter of
// the task that waits for it.
type threadCall[T any] struct {
	fn     func(context.Context) (T, error)
	ctx    context.Context // fn's; cancelled by abort
	cancel context.CancelFunc
	t      *task  // the waiting task; t.loop is read by the worker (never changes)
	name   string // t's name, for a PanicError

	// Written by the worker before it posts finish, read on the loop after.
	result T
	err    error

	detached bool // loop goroutine only: the task was cancelled and no longer waits
}

// run is the worker's side.
func (c *threadCall[T]) run() {
	if c.ctx.Err() != nil {
		return // the task was cancelled before fn started: it already has its error
	}
	returned := false
	defer func() {
		if !returned {
			r := recover() // nil if fn called runtime.Goexit
			if r == nil {
				r = "runtime.Goexit called by the function given to ToThread"
			}
			c.err = &PanicError{Value: r, Stack: debug.Stack(), Task: c.name}
		}
		c.cancel()
		c.t.loop.postThreadsafe(c.finish)
	}()
	c.result, c.err = c.fn(c.ctx)
	returned = true
}

// finish runs on the loop: hand fn's outcome to the task, as a grant, so that
// a cancellation arriving before the task resumes does not lose it.
func (c *threadCall[T]) finish() {
	if c.detached {
		return // abort already gave the task its CancelledError
	}
	l := c.t.loop
	l.external--
	if c.t.state == stateParked && c.t.parkedOn == aborter(c) { // not killed by Close
		l.wake(c.t, c.err, true)
	}
}

func (c *threadCall[T]) abort(t *task) bool {
	c.detached = true
	t.loop.external--
	c.cancel()
	return true
}

// threadContext passes a task context's values to another goroutine, hiding
// the task and its Timeout scope: code there cannot await with it (it would
// race with the loop) and gets the usual misuse panic if it tries.
type threadContext struct{ context.Context }

func (c threadContext) Value(key any) any {
	switch key.(type) {
	case taskKey, timeoutKey:
		return nil
	}
	return c.Context.Value(key)
}

// SetDefaultExecutorSize sets how many ToThread functions may run at once and
// returns the previous setting (0 for the default); n <= 0 restores the
// default, min(32, GOMAXPROCS+4), CPython's choice. Functions already running
// are not stopped; lowering the size takes effect as they finish. There is one
// executor per program, as there is one loop. It never suspends; safe from any
// goroutine.
func SetDefaultExecutorSize(n int) int {
	e := defaultExecutor
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.size
	e.size = max(n, 0)
	return old
}

// executor is a bounded pool of goroutines that exist only while there is
// work: submit starts a worker if fewer than the limit are running, and a
// worker that finds the queue empty exits. Nothing lingers between bursts, so
// no loop or test has to stop the pool, at the price of starting a goroutine
// per burst (far cheaper than the wake-up of the loop that follows).
type executor struct {
	mu      sync.Mutex
	idle    chan struct{}        // made by shutdownDefaultExecutor, closed when workers drops to 0; guarded by mu
	queue   ring.Ring[threadJob] // submitted, not yet started; guarded by mu
	workers int                  // goroutines in work; never 0 while queue is not empty; guarded by mu
	size    int                  // SetDefaultExecutorSize; 0 means the default; guarded by mu
}

type threadJob interface{ run() }

var defaultExecutor = new(executor)

// limitLocked is the number of workers allowed now.
func (e *executor) limitLocked() int {
	if e.size > 0 {
		return e.size
	}
	return min(32, runtime.GOMAXPROCS(0)+4)
}

func (e *executor) submit(j threadJob) {
	e.mu.Lock()
	e.queue.Push(j)
	start := e.workers < e.limitLocked()
	if start {
		e.workers++
	}
	e.mu.Unlock()
	if start {
		go e.work()
	}
}

// work runs queued jobs until the queue is empty or the pool is over its limit.
func (e *executor) work() {
	clean := false
	defer func() {
		if !clean { // a job called runtime.Goexit: hand its place to a new worker
			e.mu.Lock()
			e.workers--
			if e.queue.Len() > 0 {
				e.workers++
				go e.work()
			}
			e.idleLocked()
			e.mu.Unlock()
		}
	}()
	for {
		e.mu.Lock()
		if e.queue.Len() == 0 || e.workers > e.limitLocked() {
			e.workers--
			e.idleLocked()
			e.mu.Unlock()
			clean = true
			return
		}
		j, _ := e.queue.Pop()
		e.mu.Unlock()
		j.run()
	}
}

func (e *executor) idleLocked() {
	if e.workers == 0 && e.idle != nil {
		close(e.idle)
		e.idle = nil
	}
}

// executorShutdownTimeout bounds how long Run waits for ToThread functions
// (CPython's asyncio.run waits 300 s too).
const executorShutdownTimeout = 5 * time.Minute

// shutdownDefaultExecutor waits until no ToThread function is queued or
// running (loop.shutdown_default_executor), so that Run leaves no goroutine
// behind. Functions of cancelled tasks have had their context cancelled, so
// well-behaved ones return promptly; after executorShutdownTimeout it gives up
// and tells the exception handler. Run calls it after its step 4. Loop
// goroutine only, with no task running.
func (l *Loop) shutdownDefaultExecutor() {
	e := defaultExecutor
	e.mu.Lock()
	if e.workers == 0 {
		e.mu.Unlock()
		return
	}
	if e.idle == nil {
		e.idle = make(chan struct{})
	}
	idle := e.idle
	e.mu.Unlock()
	timer := time.NewTimer(executorShutdownTimeout)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
		l.callHandler(ExceptionContext{Message: "ToThread functions still running " +
			executorShutdownTimeout.String() + " after the loop shut down; they ignore their ctx"})
	}
}

// postThreadsafe is CallSoonThreadsafe for the helper goroutines of the
// bridges, which may outlive their loop: on a closed loop fn is dropped
// instead of being a misuse. A post that races with Close lands in an inbox
// nobody drains, which drops it the same way. Safe from any goroutine.
func (l *Loop) postThreadsafe(fn func()) {
	if !l.closed.Load() {
		l.post(makeHandle(l, fn))
	}
}
