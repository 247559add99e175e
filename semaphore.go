package asyncio

import (
	"context"

	"github.com/asyncio-go/asyncio/internal/waitq"
)

// Semaphore limits how many tasks use something at once (asyncio.Semaphore):
// it holds a number of permits; Acquire takes one, suspending while there are
// none, and Release gives one back. NewSemaphore sets the initial number. The
// zero value holds one permit, like asyncio.Semaphore() with no argument.
//
// A Semaphore is fair: tasks get permits in the order they asked. Release
// hands its permit directly to the longest-waiting task, which holds it from
// that moment, before it even runs, so no task can barge in ahead of a
// waiter, and a cancellation never loses a permit. Permits have no owner: any
// task may release one, and Release beyond the initial number adds permits
// (see BoundedSemaphore for a semaphore that refuses that).
//
// Every method is loop goroutine only. A Semaphore must not be copied after
// first use.
type Semaphore struct {
	// Both fields are owned by the loop goroutine.
	value   int                // available permits minus one, so that the zero value holds one
	waiters waitq.Queue[*task] // tasks parked in Acquire, oldest first; non-empty only while no permit is available
}

// NewSemaphore returns a semaphore holding n permits (asyncio.Semaphore(n)).
// It panics if n is negative. Safe from any goroutine.
func NewSemaphore(n int) *Semaphore {
	if n < 0 {
		misuse("NewSemaphore(%d): the number of permits must be >= 0", n)
	}
	return &Semaphore{value: n - 1}
}

// available returns the number of permits that Acquire could take now.
func (s *Semaphore) available() int { return s.value + 1 }

// Acquire takes a permit (await sem.acquire()). If one is available it
// returns nil at once, without suspending; otherwise it suspends the calling
// task until Release hands a permit to it. It returns the CancelledError only
// if it suspended and the task was cancelled before a permit was handed to
// it, or after but before it resumed: the caller then holds no permit, and
// one handed to it passes to the next waiter (as in CPython), so no permit
// is lost. Given a context derived from the task's, it also returns that
// context's error if the context ends while it waits. Must be called from a
// task, with its ctx; loop goroutine only.
func (s *Semaphore) Acquire(ctx context.Context) error {
	t := currentTask(ctx, "Semaphore.Acquire")
	if s.available() > 0 {
		s.value--
		return nil
	}
	s.waiters.PushBack(&t.node)
	if err := t.parkCtx(ctx, (*semaphoreWait)(s)); err != nil {
		if t.granted {
			s.Release() // handed a permit, then cancelled: pass it on
		}
		return err
	}
	return nil
}

// TryAcquire takes a permit if one is available and reports whether it did.
// It never suspends and never takes a permit ahead of waiting tasks (while
// tasks wait, no permit is available). Loop goroutine only.
func (s *Semaphore) TryAcquire() bool {
	if s.available() == 0 {
		return false
	}
	s.value--
	return true
}

// Release gives back a permit (sem.release()). If tasks are waiting, the
// permit passes to the one that has waited longest, which resumes in a coming
// iteration; otherwise the number of available permits grows by one. Release
// never suspends. Loop goroutine only.
func (s *Semaphore) Release() {
	if n := s.waiters.PopFront(); n != nil {
		t := n.Value
		t.loop.wake(t, nil, true) // the permit is t's now
		return
	}
	s.value++
}

// Locked reports whether Acquire would suspend: no permit is available
// (sem.locked()). Loop goroutine only.
func (s *Semaphore) Locked() bool { return s.available() == 0 }

// BoundedSemaphore is a Semaphore that refuses to hold more permits than it
// started with (asyncio.BoundedSemaphore): a Release that would exceed the
// initial number is a programming error and panics, where CPython raises
// ValueError (like golang.org/x/sync/semaphore's Release, it is a bug in the
// caller, not a condition to handle). NewBoundedSemaphore sets the number; the
// zero value holds one permit and is bounded to one.
//
// Every method is loop goroutine only. A BoundedSemaphore must not be copied
// after first use.
type BoundedSemaphore struct {
	sem   Semaphore // its value never exceeds bound
	bound int       // the initial number of permits minus one, as in sem.value
}

// NewBoundedSemaphore returns a semaphore holding, and bounded to, n permits
// (asyncio.BoundedSemaphore(n)). It panics if n is negative. Safe from any
// goroutine.
func NewBoundedSemaphore(n int) *BoundedSemaphore {
	if n < 0 {
		misuse("NewBoundedSemaphore(%d): the number of permits must be >= 0", n)
	}
	return &BoundedSemaphore{sem: Semaphore{value: n - 1}, bound: n - 1}
}

// Acquire takes a permit; see Semaphore.Acquire. It suspends only if no
// permit is available, and returns the CancelledError only if it suspended.
// Must be called from a task, with its ctx; loop goroutine only.
func (b *BoundedSemaphore) Acquire(ctx context.Context) error { return b.sem.Acquire(ctx) }

// TryAcquire takes a permit if one is available and reports whether it did;
// see Semaphore.TryAcquire. It never suspends. Loop goroutine only.
func (b *BoundedSemaphore) TryAcquire() bool { return b.sem.TryAcquire() }

// Locked reports whether Acquire would suspend. Loop goroutine only.
func (b *BoundedSemaphore) Locked() bool { return b.sem.Locked() }

// Release gives back a permit; see Semaphore.Release. It never suspends. It
// panics if every permit is already available, that is, if it is called more
// often than Acquire. Loop goroutine only.
func (b *BoundedSemaphore) Release() {
	if b.sem.value >= b.bound {
		misuse("BoundedSemaphore released too many times (bound %d, every permit is already available); "+
			"call Release once per successful Acquire, or use a Semaphore if permits may grow", b.bound+1)
	}
	b.sem.Release()
}
