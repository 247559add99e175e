package asyncio

import (
	"context"
	"errors"

	"github.com/asyncio-go/asyncio/internal/waitq"
)

// ErrInvalidState is returned by Future.SetResult and SetErr on a future that
// is already done (asyncio.InvalidStateError).
var ErrInvalidState = errors.New("asyncio: invalid state: the future is already done; set a result only once")

// Future is a result that someone will set later (asyncio.Future): the
// low-level bridge between callback-style code and tasks. Tasks await it;
// callbacks or other tasks complete it with SetResult, SetErr or Cancel. The
// zero value is not usable; make one with NewFuture. Loop goroutine only
// (from another goroutine, complete it inside CallSoonThreadsafe).
type Future[T any] struct {
	done      bool
	cancelled bool
	result    T
	err       error
	waiters   waitq.Queue[*task]
	callbacks []func(*Future[T])
	loop      *Loop
}

// NewFuture returns a pending future on the loop of ctx's task, or the
// program's loop (loop.create_future).
func NewFuture[T any](ctx context.Context) *Future[T] {
	return &Future[T]{loop: loopFor(ctx, "NewFuture")}
}

// Done reports whether the future has a result, an error, or was cancelled.
func (f *Future[T]) Done() bool { return f.done }

// Cancelled reports whether the future was cancelled.
func (f *Future[T]) Cancelled() bool { return f.cancelled }

// Result returns the outcome of a done future, or ErrNotDone.
func (f *Future[T]) Result() (T, error) {
	if !f.done {
		var zero T
		return zero, ErrNotDone
	}
	return f.result, f.err
}

// SetResult completes the future with v and wakes its awaiters. It returns
// ErrInvalidState if the future is already done.
func (f *Future[T]) SetResult(v T) error { return f.complete(v, nil, false) }

// SetErr completes the future with err (set_exception).
func (f *Future[T]) SetErr(err error) error {
	var zero T
	return f.complete(zero, err, false)
}

// Cancel cancels a pending future and reports whether it did; its awaiters
// get a CancelledError carrying msg.
func (f *Future[T]) Cancel(msg ...string) bool {
	m := ""
	if len(msg) > 0 {
		m = msg[0]
	}
	var zero T
	return f.complete(zero, &CancelledError{Msg: m}, true) == nil
}

// AddDoneCallback arranges for fn to run (with CallSoon) when the future is
// done, or soon if it already is.
func (f *Future[T]) AddDoneCallback(fn func(*Future[T])) {
	if fn == nil {
		misuse("Future.AddDoneCallback called with a nil function; pass the callback to run")
	}
	if f.done {
		f.loop.CallSoon(func() { fn(f) })
		return
	}
	f.callbacks = append(f.callbacks, fn)
}

func (f *Future[T]) complete(v T, err error, cancelled bool) error {
	if f.done {
		return ErrInvalidState
	}
	f.done, f.result, f.err, f.cancelled = true, v, err, cancelled
	for _, fn := range f.callbacks {
		f.loop.CallSoon(func() { fn(f) })
	}
	f.callbacks = nil
	for n := f.waiters.PopFront(); n != nil; n = f.waiters.PopFront() {
		f.loop.wake(n.Value, nil, false)
	}
	return nil
}

// Await suspends the calling task until the future is done and returns its
// outcome; a done future returns at once. If the awaiting task is cancelled,
// the future is cancelled too (as in asyncio). Must be called from a task of
// the future's loop: awaiting a pending future of another loop (one closed by
// NewEventLoop, say) panics, since nothing could ever wake the task.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	if f == nil {
		misuse("Future.Await called on a nil *Future; make futures with NewFuture")
	}
	if !f.done {
		cur := currentTask(ctx, "Future.Await")
		if f.loop != cur.loop {
			f.wrongLoop(cur)
		}
		f.waiters.PushBack(&cur.node)
		if err := cur.parkCtx(ctx, futureAbort[T]{f}); err != nil {
			var zero T
			return zero, err
		}
	}
	return f.result, f.err
}

// futureAbort cancels the awaited future, which wakes the task with the
// future's CancelledError.
type futureAbort[T any] struct{ f *Future[T] }

func (a futureAbort[T]) abort(t *task) bool {
	a.f.Cancel(t.cancelMsg())
	return false
}

// wrongLoop panics for an await of a pending future bound to another loop
// than the awaiting task's (asyncio: "Task got Future attached to a different
// loop").
func (f *Future[T]) wrongLoop(cur *task) {
	if f.loop == nil {
		misuse("task %q awaits a zero Future, which belongs to no loop; make futures with NewFuture(ctx)", cur.Name())
	}
	if f.loop.closed.Load() {
		misuse("task %q awaits a future of a closed event loop (closed by NewEventLoop, Close or the end of Run), "+
			"which can never complete it; create the future with NewFuture(ctx) in the running loop", cur.Name())
	}
	misuse("task %q awaits a future attached to a different event loop; create the future with NewFuture(ctx) "+
		"from a task of the loop that awaits it", cur.Name())
}
