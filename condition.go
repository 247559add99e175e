package asyncio

import (
	"context"

	"github.com/asyncio-go/asyncio/internal/waitq"
)

// Condition lets tasks wait until another task tells them that something has
// changed (asyncio.Condition). It is tied to a Lock that guards the state the
// waiters test: a task holds the lock, checks the state and calls Wait, which
// releases the lock while it waits and takes it back before it returns.
// A task that changes the state calls Notify or NotifyAll while holding the
// lock. The zero value is ready to use, with a lock of its own; NewCondition
// ties a condition to an existing lock.
//
//	if err := cond.Acquire(ctx); err != nil {
//		return err
//	}
//	defer cond.Release()
//	err := cond.WaitFor(ctx, func() bool { return len(items) > 0 })
//
// Acquire, Release, TryAcquire and Locked act on the condition's lock.
// Every method is loop goroutine only. A Condition must not be copied after
// first use.
type Condition struct {
	// All fields are owned by the loop goroutine.
	lock    *Lock              // the lock given to NewCondition; nil means own
	own     Lock               // the lock used when lock is nil
	waiters waitq.Queue[*task] // tasks parked in Wait, oldest first
}

// NewCondition returns a condition tied to lock (asyncio.Condition(lock)),
// or with a lock of its own if lock is nil. Safe from any goroutine.
func NewCondition(lock *Lock) *Condition { return &Condition{lock: lock} }

func (c *Condition) l() *Lock {
	if c.lock != nil {
		return c.lock
	}
	return &c.own
}

// Acquire takes the condition's lock; see Lock.Acquire. It suspends only if
// the lock is held, and returns the CancelledError only if it suspended. Must
// be called from a task, with its ctx; loop goroutine only.
func (c *Condition) Acquire(ctx context.Context) error { return c.l().Acquire(ctx) }

// TryAcquire takes the condition's lock if it is free; see Lock.TryAcquire.
// It never suspends. Loop goroutine only.
func (c *Condition) TryAcquire() bool { return c.l().TryAcquire() }

// Release unlocks the condition's lock; see Lock.Release. It never suspends.
// Loop goroutine only.
func (c *Condition) Release() { c.l().Release() }

// Locked reports whether the condition's lock is held. Loop goroutine only.
func (c *Condition) Locked() bool { return c.l().Locked() }

// Wait releases the lock, suspends the calling task until Notify or NotifyAll
// wakes it, then takes the lock back and returns nil (await cond.wait()). It
// always suspends. The caller must hold the lock; Wait panics if the lock is
// not held.
//
// If the task is cancelled, Wait still takes the lock back before it returns
// the CancelledError, as in asyncio, so the caller holds the lock whatever Wait
// returns. A task that was notified and then cancelled before it resumed
// returns the CancelledError and passes the notification on to the next
// waiter, so a cancellation never loses a notification. Given a context
// derived from the task's, Wait also ends when that context does, and
// returns its error, holding the lock. Must be called from a task, with its
// ctx; loop goroutine only.
func (c *Condition) Wait(ctx context.Context) error {
	t := currentTask(ctx, "Condition.Wait")
	lk := c.l()
	if !lk.locked {
		misuse("Condition.Wait called without holding the condition's lock; call Acquire first")
	}
	lk.Release()
	c.waiters.PushBack(&t.node)
	err := t.parkCtx(ctx, (*conditionWait)(c))
	notified := t.granted
	for {
		// The task's own context: a derived context that has ended must
		// not stop Wait from taking the lock back.
		aerr := lk.Acquire(&t.ctx)
		if aerr == nil {
			break
		}
		err = aerr // keep waiting for the lock; report the latest cancellation
	}
	if notified && err != nil {
		c.notify(1)
	}
	return err
}

// WaitFor waits until predicate returns true (await cond.wait_for(pred)): it
// calls predicate, and Wait while it returns false. It returns nil, holding
// the lock, once predicate is true; it does not suspend if predicate is true
// from the start. It returns the CancelledError, still holding the lock, if
// the task is cancelled while it waits. The caller must hold the lock; WaitFor
// panics if the lock is not held. Must be called from a task, with its ctx;
// loop goroutine only.
func (c *Condition) WaitFor(ctx context.Context, predicate func() bool) error {
	currentTask(ctx, "Condition.WaitFor")
	if !c.l().locked {
		misuse("Condition.WaitFor called without holding the condition's lock (it needs the lock " +
			"even when the predicate is already true, as in asyncio); call Acquire first")
	}
	for !predicate() {
		if err := c.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Notify wakes up to n of the tasks waiting in Wait, longest-waiting first
// (cond.notify(n)); each takes the lock back, one at a time, after the caller
// releases it. It does nothing if no task waits. It never suspends. The caller
// must hold the lock; Notify panics if the lock is not held. Loop goroutine
// only.
func (c *Condition) Notify(n int) {
	if !c.l().locked {
		misuse("Condition.Notify called without holding the condition's lock; call Acquire first")
	}
	c.notify(n)
}

// NotifyAll wakes every task waiting in Wait (cond.notify_all()); see Notify.
// It never suspends. The caller must hold the lock; NotifyAll panics if the
// lock is not held. Loop goroutine only.
func (c *Condition) NotifyAll() {
	if !c.l().locked {
		misuse("Condition.NotifyAll called without holding the condition's lock; call Acquire first")
	}
	c.notify(c.waiters.Len())
}

// notify wakes up to n waiters. The wake-up is a grant: a notified task
// resumes from its park successfully even if it is cancelled in between, so
// Wait knows it consumed a notification.
func (c *Condition) notify(n int) {
	for ; n > 0; n-- {
		node := c.waiters.PopFront()
		if node == nil {
			return
		}
		t := node.Value
		t.loop.wake(t, nil, true)
	}
}
