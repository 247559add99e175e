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
// task resumed does not discard the result: the task gets it, and the
// cancellation at its next await. Must be called from a task, with its ctx.
func ToThread[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	t := currentTask(ctx, "ToThread")
	if fn == nil {
		misuse("ToThread called with a nil function; pass the blocking function to run")
	}
	c := &threadCall[T]{fn: fn, t: t, name: t.Name()}
	c.ctx, c.cancel = context.WithCancel(threadContext{context.WithoutCancel(ctx)})
	defer c.cancel() // also when the loop closes and kills the task
	t.loop.external++
	defaultExecutor.submit(c)
	err := t.park(c)
	if c.detached {
		var zero T
		return zero, err
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
	if c.t.state == stateParked && c.t.abort == aborter(c) { // not killed by Close
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
// and tells the exception handler. Meant for Run, after its step 4 (Run does
// not call it yet). Loop goroutine only, with no task running.
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

// postThreadsafe is CallSoonThreadsafe for the helper goroutines of this file, which may
// outlive their loop: on a closed loop, fn is dropped instead of panicking.
// Safe from any goroutine.
func (l *Loop) postThreadsafe(fn func()) {
	defer func() {
		if r := recover(); r != nil && !l.closed.Load() {
			panic(r)
		}
	}()
	if !l.closed.Load() {
		l.CallSoonThreadsafe(fn)
	}
}

// ConcurrentFuture is the outcome of a task started from another goroutine by
// RunCoroutineThreadsafe (concurrent.futures.Future): other goroutines wait for
// it with Wait or Done. Every method is safe from any goroutine.
type ConcurrentFuture[T any] struct {
	loop *Loop
	done chan struct{} // closed once result and err are set

	task     *Task[T] // loop goroutine only; set when the task is created
	resolved bool     // loop goroutine only
	result   T        // written once, before done is closed
	err      error
}

// RunCoroutineThreadsafe schedules fn to run as a task on loop l and returns a
// ConcurrentFuture for its outcome (asyncio.run_coroutine_threadsafe). It is
// how a goroutine that is not the loop's, such as a ToThread function or an
// HTTP handler, gets work done on the loop. The task is created in a coming
// iteration of the loop, which must be running or run later; the name, if
// given, labels it. The task's error goes to the future, not to the loop's
// exception handler. It never suspends and is safe from any goroutine, the
// loop goroutine included (but see Wait). It panics if l is closed.
func RunCoroutineThreadsafe[T any](l *Loop, fn func(ctx context.Context) (T, error), name ...string) *ConcurrentFuture[T] {
	if l == nil || fn == nil {
		misuse("RunCoroutineThreadsafe called with a nil loop or function; pass GetEventLoop() and the function to run")
	}
	if l.closed.Load() {
		misuse("RunCoroutineThreadsafe on a closed event loop; submit work while the loop exists (Run, NewEventLoop)")
	}
	f := &ConcurrentFuture[T]{loop: l, done: make(chan struct{})}
	l.CallSoonThreadsafe(func() { f.start(fn, name) })
	return f
}

// start creates the task on the loop.
func (f *ConcurrentFuture[T]) start(fn func(context.Context) (T, error), name []string) {
	var t *Task[T]
	t = createTask(f.loop, context.Background(), func(ctx context.Context) (v T, err error) {
		returned := false
		defer func() {
			// Close killed the task while it was suspended: completion hooks
			// will not run, so resolve here. (A panic leaves the task running;
			// the hook reports it as a *PanicError.)
			if !returned && t.state != stateRunning {
				f.resolve(v, &CancelledError{Msg: "event loop closed while the task was pending"})
			}
		}()
		v, err = fn(ctx)
		returned = true
		return v, err
	}, name)
	t.retrieved = true // the future owns the outcome
	t.hooks = append(t.hooks, f)
	f.task = t
}

// taskDone is the completion hook: called on the loop when the task finishes.
func (f *ConcurrentFuture[T]) taskDone(t *task) { f.resolve(f.task.result, t.err) }

func (f *ConcurrentFuture[T]) resolve(v T, err error) {
	if f.resolved {
		return
	}
	f.resolved = true
	f.result, f.err = v, err
	close(f.done)
}

// Wait blocks the calling goroutine until the task finishes and returns its
// result and error (future.result(timeout)), or until ctx is done and returns
// ctx.Err(). It blocks a goroutine, not a task: calling it from a task of the
// same loop would stop the loop forever, and panics if ctx shows it (from a
// task, create the task with CreateTask and Await it instead). If the loop is
// closed before the task starts, or never runs again, only ctx ends the wait.
// Safe from any goroutine.
func (f *ConcurrentFuture[T]) Wait(ctx context.Context) (T, error) {
	if t := taskOf(ctx); t != nil && t.loop == f.loop {
		misuse("ConcurrentFuture.Wait called from a task of the loop that must run the coroutine, which would " +
			"block that loop forever; from a task use CreateTask and Task.Await, Wait is for other goroutines")
	}
	select {
	case <-f.done:
		return f.result, f.err
	default:
	}
	select {
	case <-f.done:
		return f.result, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Done returns a channel closed when the outcome is available. Safe from any
// goroutine.
func (f *ConcurrentFuture[T]) Done() <-chan struct{} { return f.done }

// Result returns the outcome if the task has finished, or ErrNotDone, without
// blocking (future.result(timeout=0)). Safe from any goroutine.
func (f *ConcurrentFuture[T]) Result() (T, error) {
	select {
	case <-f.done:
		return f.result, f.err
	default:
		var zero T
		return zero, ErrNotDone
	}
}

// Cancel asks the loop to cancel the task, with an optional message
// (future.cancel()); the task gets the CancelledError at its await, may clean
// up, and its outcome (normally the CancelledError) then completes the
// future. It returns false if the future was already done. It does not wait;
// safe from any goroutine.
func (f *ConcurrentFuture[T]) Cancel(msg ...string) bool {
	select {
	case <-f.done:
		return false
	default:
	}
	f.loop.postThreadsafe(func() {
		if f.task != nil { // always set: the inbox is FIFO and start came first
			f.task.Cancel(msg...)
		}
	})
	return true
}

// Recv suspends the calling task until a value can be received from ch and
// returns it, with ok false if ch is closed (v, ok := <-ch). If a value is
// ready, or ch is closed, it returns at once without suspending. Otherwise a
// helper goroutine waits on ch and the other tasks run meanwhile.
//
// It returns the CancelledError if the task is cancelled while it waits; no
// value is lost then: either the helper stops before receiving, or the value
// it received is returned and the cancellation is delivered at the task's next
// await. Must be called from a task, with its ctx.
func Recv[T any](ctx context.Context, ch <-chan T) (v T, ok bool, err error) {
	t := currentTask(ctx, "Recv")
	select {
	case v, ok = <-ch:
		return v, ok, nil
	default:
	}
	w := newChanWait[T](t)
	defer w.stopHelper()
	go func() {
		select {
		case w.v, w.ok = <-ch:
			w.got = true
		case <-w.stop:
		}
		t.loop.postThreadsafe(w.finish)
	}()
	if err := t.park(w); err != nil {
		return v, false, err
	}
	return w.v, w.ok, nil
}

// Send suspends the calling task until v is sent on ch (ch <- v). If a
// receiver is ready or ch has buffer room, it returns at once without
// suspending. Sending on a closed channel panics in the task, as ch <- v does.
//
// It returns the CancelledError if the task is cancelled while it waits; v is
// then not sent. If v was sent before the cancellation reached the helper
// goroutine, Send returns nil and the cancellation is delivered at the task's
// next await. Must be called from a task, with its ctx.
func Send[T any](ctx context.Context, ch chan<- T, v T) error {
	t := currentTask(ctx, "Send")
	select {
	case ch <- v:
		return nil
	default:
	}
	w := newChanWait[T](t)
	defer w.stopHelper()
	go func() {
		w.got, w.panicked = sendOrStop(ch, v, w.stop)
		t.loop.postThreadsafe(w.finish)
	}()
	err := t.park(w)
	if w.panicked != nil {
		panic(w.panicked)
	}
	return err
}

func sendOrStop[T any](ch chan<- T, v T, stop <-chan struct{}) (sent bool, panicked any) {
	defer func() { panicked = recover() }()
	select {
	case ch <- v:
		return true, nil
	case <-stop:
		return false, nil
	}
}

// chanWait is a task parked in Recv or Send and the helper goroutine doing the
// channel operation for it. Cancellation is forwarded: abort tells the helper
// to stop, and the task keeps waiting for the helper's answer, which is either
// the completed operation or that it gave up.
type chanWait[T any] struct {
	t    *task
	stop chan struct{} // closed to make the helper give up

	// Written by the helper before it posts finish, read on the loop after.
	v        T
	ok       bool
	got      bool // the operation happened
	panicked any  // Send: the send panicked (closed channel) with this value

	stopped   bool // loop goroutine only: stop is closed
	cancelled bool // loop goroutine only: the task was cancelled while waiting
}

func newChanWait[T any](t *task) *chanWait[T] {
	t.loop.external++
	return &chanWait[T]{t: t, stop: make(chan struct{})}
}

func (w *chanWait[T]) stopHelper() {
	if !w.stopped {
		w.stopped = true
		close(w.stop)
	}
}

func (w *chanWait[T]) abort(t *task) bool {
	w.cancelled = true
	w.stopHelper()
	return false // the helper's answer decides
}

// finish runs on the loop with the helper's answer.
func (w *chanWait[T]) finish() {
	t, l := w.t, w.t.loop
	l.external--
	if t.state != stateParked || t.abort != aborter(w) {
		return // killed by Close
	}
	if w.got || w.panicked != nil {
		if w.cancelled {
			t.mustCancel = true // the operation is a grant: cancel at the next await
		}
		l.wake(t, nil, true)
		return
	}
	l.wake(t, &CancelledError{Msg: t.cancelMsg}, false)
}
