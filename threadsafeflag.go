package asyncio

import (
	"context"
	"sync/atomic"
)

// ThreadSafeFlag is a flag that any goroutine may set and one task waits for
// (MicroPython's asyncio.ThreadSafeFlag): the way for code outside the loop
// (a goroutine doing blocking work, a signal handler, a C callback) to wake a
// task, as an interrupt handler does in MicroPython. Set is safe from any
// goroutine and wakes the loop if it is idle; Wait suspends until the flag is
// set, and clears it. A burst of Sets before the task runs wakes it once. The
// zero value is a clear flag, ready to use.
//
// Only one task may wait at a time. The flag is bound to the loop of the
// first task that waits on it and cannot be used with another loop. While a
// task waits on it, the loop counts as waiting for another goroutine: with
// the virtual clock of package asynciotest, time does not jump and a deadlock
// is not reported, since a Set may still come.
//
// A ThreadSafeFlag must not be copied after first use.
type ThreadSafeFlag struct {
	// Safe from any goroutine.
	set    atomic.Bool          // the flag
	queued atomic.Bool          // fire is queued on the loop: in its inbox or ready queue
	loop   atomic.Pointer[Loop] // bound at the first Wait; never changes after

	// Loop goroutine only. Set only takes fire's address: the handle's fields
	// are written by bind, by the loop when it runs the handle, and by fire.
	fire   Handle // calls onFire; queued again by Set after each run
	onFire func() // fire's function, kept to re-arm it without allocating
	waiter *task  // the task parked in Wait
}

// Why no Set is lost. The invariant is: whenever the flag is set and a task
// waits, fire is queued (queued is true and wakeWaiter has not yet cleared
// it). A task starts waiting only on the loop, after Wait found the flag
// clear, so the flag can become set while it waits only through a Set that
// swaps it from clear to set; that Set then either queues fire itself or finds
// queued true. In the second case wakeWaiter has not yet cleared queued, and
// since it clears queued before it reads the flag (all these atomics are
// sequentially consistent), it will see the flag set. A Set before the first
// Wait finds no loop, and leaves the flag for that Wait, which binds the loop
// before it looks at the flag.

// Set sets the flag and, if a task waits, wakes it. It never suspends and
// never waits for the loop. Safe from any goroutine (and from the loop).
//
// Only the Set that finds the flag clear does any work: it queues one
// preallocated callback on the loop, so setting the flag allocates nothing
// and a burst of Sets queues the callback once.
func (f *ThreadSafeFlag) Set() {
	if f.set.Swap(true) {
		return // already set: a queued fire, or the next Wait, will see it
	}
	l := f.loop.Load()
	if l == nil || l.closed.Load() || !f.queued.CompareAndSwap(false, true) {
		return // nobody waited yet, or the loop has gone, or fire is queued
	}
	l.post(&f.fire)
}

// Clear clears the flag, so that the next Wait suspends until a later Set.
// It never suspends. Safe from any goroutine.
func (f *ThreadSafeFlag) Clear() { f.set.Store(false) }

// Wait returns nil at once, without suspending, if the flag is set; otherwise
// it suspends the calling task until a Set and returns nil. Either way it
// clears the flag (await flag.wait()). It returns the CancelledError only if
// it suspended and the task was cancelled before it resumed; a Set that woke
// it in between is not lost: the flag is left set for the next Wait. Only
// one task may wait at a time: a second concurrent Wait panics.
// Must be called from a task, with its ctx; loop goroutine only.
func (f *ThreadSafeFlag) Wait(ctx context.Context) error {
	t := currentTask(ctx, "ThreadSafeFlag.Wait")
	f.bind(t.loop)
	if f.waiter != nil {
		misuse("ThreadSafeFlag.Wait called by task %q while task %q already waits on it; "+
			"only one task may wait on a ThreadSafeFlag: use one flag per waiter, "+
			"or have the waiter set an Event for the others", t.Name(), f.waiter.Name())
	}
	if f.set.Swap(false) {
		return nil
	}
	f.waiter = t
	t.loop.external++
	if err := t.parkCtx(ctx, flagAbort{f}); err != nil {
		if t.granted {
			f.set.Store(true) // a Set consumed for t, then cancelled: leave it for the next Wait
		}
		return err
	}
	return nil
}

// bind ties f to l at its first Wait.
func (f *ThreadSafeFlag) bind(l *Loop) {
	switch f.loop.Load() {
	case l:
		return
	case nil:
		f.onFire = f.wakeWaiter
		f.fire = Handle{loop: l, fn: f.onFire}
		f.loop.Store(l)
	default:
		misuse("ThreadSafeFlag.Wait on a second event loop; a ThreadSafeFlag belongs to the loop " +
			"of its first Wait: make a new ThreadSafeFlag for each loop")
	}
}

// wakeWaiter runs on the loop when a Set has queued fire. It re-arms fire and
// clears queued before it looks at the flag, so a Set that comes after that
// look queues fire again: no Set is missed.
func (f *ThreadSafeFlag) wakeWaiter() {
	f.fire.fn, f.fire.cancelled = f.onFire, false // Handle.step consumed them
	f.queued.Store(false)
	t := f.waiter
	if t == nil || !f.set.Swap(false) {
		return // nobody waits: the flag stays set for the next Wait
	}
	f.waiter = nil
	t.loop.external--
	t.loop.wake(t, nil, true) // the flag was consumed for t
}

// flagAbort detaches a task cancelled while it waits on a ThreadSafeFlag.
type flagAbort struct{ f *ThreadSafeFlag }

func (a flagAbort) abort(t *task) bool {
	a.f.waiter = nil
	t.loop.external--
	return true
}
