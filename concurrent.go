package asyncio

import (
	"context"
)

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
	t.addHook(f)
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
