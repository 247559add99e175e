package asyncio

import (
	"context"

	"github.com/asyncio-go/asyncio/internal/waitq"
)

// Lock is a mutual-exclusion lock for tasks (asyncio.Lock). The zero value is
// an unlocked lock, ready to use. The usual pattern is
//
//	if err := mu.Acquire(ctx); err != nil {
//		return err // cancelled while waiting: the lock is not held
//	}
//	defer mu.Release()
//
// A Lock is fair: tasks get it in the order they asked. Release hands the
// lock directly to the longest-waiting task, which holds it from that moment,
// before it even runs; no other task can take it in between. Like asyncio's,
// a Lock has no owner: any task may release it.
//
// Every method is loop goroutine only; a Lock protects state shared between
// tasks, not between goroutines. It must not be copied after first use.
type Lock struct {
	// Both fields are owned by the loop goroutine.
	locked  bool               // held; stays true across a hand-off from Release to a waiter
	holder  uint64             // id of the task that acquired it, for wait-for reports; 0 if unknown (TryAcquire) or free (an id: storing it costs no write barrier)
	waiters waitq.Queue[*task] // tasks parked in Acquire, oldest first; non-empty only while locked
}

// Acquire takes the lock (await lock.acquire()). If the lock is free it
// returns nil at once, without suspending; otherwise it suspends the calling
// task until Release hands the lock to it. It returns the CancelledError only
// if it suspended and the task was cancelled before the lock was handed to
// it, or after but before it resumed: the lock is then not held by the
// caller, and one handed to it passes to the next waiter (as in CPython), so
// the lock is never lost. Given a context derived from the task's, it also
// returns that context's error if the context ends while it waits. Must be
// called from a task, with its ctx; loop goroutine only.
func (lk *Lock) Acquire(ctx context.Context) error {
	t := currentTask(ctx, "Lock.Acquire")
	if !lk.locked {
		lk.locked, lk.holder = true, t.id
		return nil
	}
	lk.waiters.PushBack(&t.node)
	if err := t.parkCtx(ctx, (*lockWait)(lk)); err != nil {
		if t.granted {
			lk.Release() // handed the lock, then cancelled: pass it on
		}
		return err
	}
	return nil
}

// TryAcquire takes the lock if it is free and reports whether it did. It
// never suspends and never takes the lock ahead of waiting tasks (a lock
// with waiters is never free). Loop goroutine only.
func (lk *Lock) TryAcquire() bool {
	if lk.locked {
		return false
	}
	lk.locked, lk.holder = true, 0 // no task known
	return true
}

// Release unlocks the lock (lock.release()). If tasks are waiting, the lock
// stays locked and passes to the one that has waited longest, which resumes
// in a coming iteration. Release never suspends. Releasing an unlocked lock
// is a programming error and panics (CPython raises RuntimeError). Loop
// goroutine only.
func (lk *Lock) Release() {
	if !lk.locked {
		misuse("Release of an unlocked Lock; release a Lock once per successful Acquire " +
			"(when Acquire returns an error the lock is not held)")
	}
	if n := lk.waiters.PopFront(); n != nil {
		t := n.Value
		lk.holder = t.id
		t.loop.wake(t, nil, true) // the lock is t's now
		return
	}
	lk.locked, lk.holder = false, 0
}

// Locked reports whether the lock is held (lock.locked()), including by a
// task it was handed to that has not resumed yet. Loop goroutine only.
func (lk *Lock) Locked() bool { return lk.locked }
