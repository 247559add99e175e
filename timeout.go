package asyncio

import (
	"context"
	"math"
	"time"
)

// Never is a deadline that does not expire: Timeout(ctx, Never, ...) opens a
// scope that only a later Reschedule arms (asyncio.timeout(None)).
const Never = time.Duration(math.MaxInt64)

type scopeState uint8

const (
	scopeActive   scopeState = iota // body running, deadline not reached
	scopeExpiring                   // deadline passed, task cancelled, body still unwinding
	scopeExpired                    // exited after expiring
	scopeExited                     // exited before the deadline
)

// TimeoutScope is a running Timeout (asyncio.Timeout): the body can read and
// move its deadline through TimeoutScopeOf(ctx). Loop goroutine only.
type TimeoutScope struct {
	t          *task
	when       time.Duration
	handle     *Handle // the expiry callback; nil when no deadline is armed
	state      scopeState
	cancelling int // the task's Cancelling() at entry: cancels above it are not ours
	ctx        scopeContext
}

// Timeout runs body in the calling task with a deadline d from now
// (async with asyncio.timeout(d)). If the deadline passes, the task is
// cancelled at its current await; when body returns the resulting
// cancellation, Timeout returns ErrTimeout instead (it matches
// context.DeadlineExceeded). A cancellation from outside the scope is never
// turned into a timeout: Timeout counts cancel requests (Cancelling/Uncancel)
// to tell its own from others. body's context is done when the deadline
// passes or the task's context is done. Must be called from a task.
func Timeout(ctx context.Context, d time.Duration, body func(ctx context.Context) error) error {
	if body == nil {
		misuse("Timeout called with a nil body; pass the function to run under the deadline")
	}
	when := after(currentTask(ctx, "Timeout").loop.clock.Now(), d)
	return TimeoutAt(ctx, when, body)
}

// TimeoutAt is Timeout with an absolute deadline on the loop's clock (see
// Loop.Time; asyncio.timeout_at).
func TimeoutAt(ctx context.Context, when time.Duration, body func(ctx context.Context) error) error {
	if body == nil {
		misuse("TimeoutAt called with a nil body; pass the function to run under the deadline")
	}
	t := currentTask(ctx, "Timeout")
	s := &TimeoutScope{t: t, cancelling: int(t.cancels)}
	s.ctx = scopeContext{parent: ctx, t: t, scope: s}
	parent := signalOf(ctx, t)
	parent.addChild(&s.ctx.sig)
	defer parent.removeChild(&s.ctx.sig)
	s.Reschedule(when)
	var err error
	func() {
		defer s.disarm() // even if body panics
		err = body(&s.ctx)
	}()
	return s.exit(err)
}

// TimeoutScopeOf returns the innermost Timeout scope that ctx is in, or nil.
func TimeoutScopeOf(ctx context.Context) *TimeoutScope {
	s, _ := ctx.Value(timeoutKey{}).(*TimeoutScope)
	return s
}

// When returns the scope's deadline on the loop clock, or Never.
func (s *TimeoutScope) When() time.Duration { return s.when }

// Expired reports whether the deadline passed (timeout.expired()).
func (s *TimeoutScope) Expired() bool { return s.state == scopeExpiring || s.state == scopeExpired }

// Reschedule moves the deadline to when (loop time), or removes it with Never
// (timeout.reschedule). A deadline already past fires in the next iteration.
// It panics if the scope has expired or exited.
func (s *TimeoutScope) Reschedule(when time.Duration) {
	if s.state != scopeActive {
		misuse("Reschedule on a timeout scope that has already expired or exited; open a new Timeout")
	}
	s.disarm()
	s.when = when
	if when == Never {
		return
	}
	l := s.t.loop
	if when <= l.clock.Now() {
		s.handle = l.CallSoon(s.expire)
	} else {
		s.handle = l.CallAt(when, s.expire)
	}
}

func (s *TimeoutScope) disarm() {
	if s.handle != nil {
		s.handle.Cancel()
		s.handle = nil
	}
}

// expire cancels the task; the task's own context is not closed, only the
// scope's, since the task goes on after the scope.
func (s *TimeoutScope) expire() {
	s.handle = nil
	s.state = scopeExpiring
	s.ctx.sig.fire()
	s.t.requestCancel("")
}

func (s *TimeoutScope) exit(err error) error {
	if s.state != scopeExpiring {
		s.state = scopeExited
		return err
	}
	s.state = scopeExpired
	if s.t.Uncancel() <= s.cancelling && isCancelled(err) {
		return ErrTimeout
	}
	return err
}

// WaitFor runs fn in the calling task with a time limit (asyncio.wait_for).
// If fn does not return within d, it is cancelled at its current await. Once
// it has returned, WaitFor returns ErrTimeout (matching
// context.DeadlineExceeded) if fn let the cancellation propagate; if fn
// caught the cancellation and returned a value or another error, WaitFor
// returns that instead (CPython 3.12's rule: wait_for is timeout() around the
// await). If the caller is cancelled from outside, that cancellation
// propagates and is not turned into a timeout. With d <= 0, as in asyncio,
// fn does not run at all: WaitFor yields once and returns ErrTimeout (CPython
// cancels the coroutine before it starts). To bound work that may already be
// done, use WaitForTask or WaitForFuture, which return a finished outcome at
// once whatever d is.
func WaitFor[T any](ctx context.Context, d time.Duration, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		misuse("WaitFor called with a nil function; pass the function to run under the time limit")
	}
	var res T
	if d <= 0 {
		if err := currentTask(ctx, "WaitFor").yield(); err != nil {
			return res, err
		}
		return res, ErrTimeout
	}
	err := Timeout(ctx, d, func(ctx context.Context) error {
		var err error
		res, err = fn(ctx)
		return err
	})
	if err == ErrTimeout {
		var zero T
		return zero, err
	}
	return res, err
}

// WaitForTask awaits t for at most d (asyncio.wait_for on a task). On timeout
// t is cancelled and, once it has finished, ErrTimeout is returned. A task
// that has already finished gives its outcome at once, whatever d is.
func WaitForTask[T any](ctx context.Context, d time.Duration, t *Task[T]) (T, error) {
	if t == nil {
		misuse("WaitForTask called with a nil task; pass the task returned by CreateTask")
	}
	if t.state == stateDone {
		return t.Result()
	}
	if d <= 0 {
		t.Cancel()
		t.Await(ctx) // wait for it to finish; our own cancellation wins below
		if t.Cancelled() {
			var zero T
			return zero, ErrTimeout
		}
		return t.Result()
	}
	return WaitFor(ctx, d, t.Await)
}

// WaitForFuture awaits f for at most d (asyncio.wait_for on a future). A
// done future gives its outcome at once, whatever d is. Otherwise, as in
// asyncio, a timeout cancels f and returns ErrTimeout; with d <= 0 f is
// cancelled at once and WaitForFuture yields once before returning
// ErrTimeout. If the caller is cancelled, f is cancelled too and the
// caller's CancelledError is returned.
func WaitForFuture[T any](ctx context.Context, d time.Duration, f *Future[T]) (T, error) {
	if f == nil {
		misuse("WaitForFuture called with a nil future; pass the future made by NewFuture")
	}
	if f.Done() {
		return f.Result()
	}
	if d <= 0 {
		t := currentTask(ctx, "WaitForFuture")
		f.Cancel()
		var zero T
		if err := t.yield(); err != nil {
			return zero, err
		}
		return zero, ErrTimeout
	}
	return WaitFor(ctx, d, f.Await)
}

// WaitForMs is WaitFor with a limit in milliseconds (MicroPython's
// asyncio.wait_for_ms).
func WaitForMs[T any](ctx context.Context, ms int, fn func(context.Context) (T, error)) (T, error) {
	return WaitFor(ctx, msDuration(ms), fn)
}
