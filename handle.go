package asyncio

import (
	"time"

	"github.com/asyncio-go/asyncio/internal/timerheap"
)

// Handle is a scheduled callback (asyncio.Handle and TimerHandle), returned by
// CallSoon, CallLater, CallAt and CallSoonThreadsafe.
type Handle struct {
	loop      *Loop
	fn        func()
	timer     timerheap.Timer // queued for CallLater and CallAt; Value is the Handle
	cancelled bool
	repeat    bool // AddReader/AddWriter: runs each time it is queued, until cancelled
}

// Cancel stops the callback from running if it has not run yet
// (handle.cancel()). Loop goroutine only.
func (h *Handle) Cancel() {
	if h.cancelled {
		return
	}
	h.cancelled = true
	h.loop.timers.Remove(&h.timer)
	h.fn = nil // release what the callback holds
}

// Cancelled reports whether Cancel was called (handle.cancelled()).
func (h *Handle) Cancelled() bool { return h.cancelled }

// When returns the loop time the callback is scheduled for; 0 for CallSoon.
func (h *Handle) When() time.Duration { return time.Duration(h.timer.When) }

// step runs the callback; a panic reaches the exception handler and the loop
// goes on.
func (h *Handle) step() {
	if h.cancelled {
		return
	}
	fn := h.fn
	if !h.repeat {
		h.fn = nil
		h.cancelled = true // a handle runs once
	}
	defer h.loop.recoverCallback(h)
	fn()
}

func (l *Loop) newHandle(fn func(), op string) *Handle {
	if fn == nil {
		misuse("%s called with a nil function", op)
	}
	if l.closed.Load() {
		misuse("%s on a closed event loop; use NewEventLoop or Run to get a fresh one", op)
	}
	return makeHandle(l, fn)
}

func makeHandle(l *Loop, fn func()) *Handle {
	h := &Handle{loop: l, fn: fn}
	h.timer.Value = h
	return h
}

// CallSoon schedules fn to run in the next iteration of the loop, after the
// callbacks and tasks already ready (loop.call_soon). Loop goroutine only.
func (l *Loop) CallSoon(fn func()) *Handle {
	if l.debug {
		l.checkGoroutine("CallSoon")
	}
	h := l.newHandle(fn, "CallSoon")
	l.ready.Push(h)
	return h
}

// CallLater schedules fn to run after delay d (loop.call_later). Callbacks
// with equal deadlines run in the order they were scheduled. Loop goroutine
// only.
func (l *Loop) CallLater(d time.Duration, fn func()) *Handle {
	return l.CallAt(after(l.clock.Now(), d), fn)
}

// CallAt schedules fn to run at loop time when (see Time; loop.call_at). Loop
// goroutine only.
func (l *Loop) CallAt(when time.Duration, fn func()) *Handle {
	if l.debug {
		l.checkGoroutine("CallAt")
	}
	h := l.newHandle(fn, "CallAt")
	h.timer.When = int64(when)
	l.timers.Push(&h.timer)
	return h
}

// CallSoonThreadsafe schedules fn to run on the loop in a coming iteration
// and wakes the loop if it is waiting (loop.call_soon_threadsafe). It is the
// one way into the loop from other goroutines. Safe from any goroutine; the
// returned Handle's Cancel is loop goroutine only. A burst of calls wakes the
// loop once.
//
// On a closed loop (or one closing while it is called) it never panics: fn
// is dropped and it returns nil. Use TryCallSoonThreadsafe to learn that.
func (l *Loop) CallSoonThreadsafe(fn func()) *Handle {
	h, _ := l.TryCallSoonThreadsafe(fn)
	return h
}

// TryCallSoonThreadsafe is CallSoonThreadsafe that reports a closed loop: it
// returns ErrLoopClosed, and fn never runs, if the loop is closed or closes
// while it is called (CPython raises "Event loop is closed"). A callback it
// accepted runs on this loop before Close returns, or is dropped with the
// loop; never in a later, unrelated run. Safe from any goroutine.
func (l *Loop) TryCallSoonThreadsafe(fn func()) (*Handle, error) {
	if fn == nil {
		misuse("CallSoonThreadsafe called with a nil function")
	}
	h := makeHandle(l, fn)
	if !l.post(h) {
		return nil, ErrLoopClosed
	}
	return h, nil
}

// post queues h from any goroutine and wakes the loop if this is the first
// item since the loop last looked (one wake-up per burst). It reports false,
// queueing nothing, if the loop is closed: closed is checked under inboxMu,
// which Close takes after setting it, so no post lands in a dead inbox.
func (l *Loop) post(h *Handle) bool {
	l.inboxMu.Lock()
	if l.closed.Load() {
		l.inboxMu.Unlock()
		return false
	}
	l.inbox = append(l.inbox, h)
	l.inboxMu.Unlock()
	if !l.pending.Swap(true) {
		l.poller.Wake()
	}
	return true
}
