// Package asynciotest helps test code that uses asyncio, the way httptest
// helps with net/http: a virtual clock that jumps straight to the next timer
// when every task is waiting, so time-based code runs instantly and
// deterministically, and a Run that sets up a fresh loop with that clock and
// the loop's debug checks.
//
// # Finding interleaving bugs
//
// Run, like asyncio.Run, explores one schedule: FIFO. Explore runs a test
// body under many seeded schedules in simulation mode and reports the first
// seed that fails, with its trace and the command that replays it:
//
//	go test ./pkg -run '^TestName$' -asyncio.seed=S      # replay seed S
//	go test ./pkg -run '^TestName$' -asyncio.seeds=10000 # explore more seeds
//
// What varies from seed to seed is exactly what asyncio leaves open:
//
//   - the order in which the tasks ready in one iteration run: tasks that
//     were just created, resumed after Sleep, Sleep(0), Event.Wait, Task.Await,
//     Gather, Wait, I/O readiness, a context's end, or a fault's delay may run
//     in any order relative to each other and to the rest of the batch;
//   - which of several descriptors found ready by one poll is served first;
//   - which of several timers with the same deadline fires first (also
//     CallLater callbacks, which otherwise run in the order scheduled);
//   - with Options.ChangePoints, PCT-style priorities that keep one task
//     ahead of another over many iterations, with a few random reversals;
//   - with the fault options, postponed task steps (virtual delays) and slow
//     ToThread results.
//
// What stays as asyncio promises:
//
//   - a task's own steps run in order, and each iteration still runs exactly
//     the batch ready when it began;
//   - callbacks (CallSoon, CallSoonThreadsafe, done-callbacks) run in the
//     order they were scheduled;
//   - tasks woken with a grant keep the order they were woken in: a Lock,
//     Semaphore, Queue (Get and Put), Condition (Notify, NotifyAll) or
//     Barrier serves its waiters first come first served, and the first Get
//     woken takes the first item; a grant is never postponed by a fault;
//   - timers with different deadlines fire in deadline order.
//
// So when Event.Set wakes three waiters they may resume in any order, while
// the three waiters NotifyAll wakes resume (and take the lock) in the order
// they waited. ToThread is deterministic in simulation mode: its result is
// delivered at a virtual time drawn from the seed, the loop waiting in real
// time for the function (up to the clock's AutojumpThreshold; a function
// still running then, say one waiting for its ctx's cancellation, is looked
// at again a virtual millisecond later, and is reproducible only as far as
// its timing is). Work
// that other goroutines hand to the loop (CallSoonThreadsafe, Recv and Send
// on channels served by goroutines, real sockets) arrives when it arrives,
// so a program that depends on it replays only as far as that timing does.
package asynciotest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Clock is a virtual asyncio.Clock. It starts at 0 and moves only when the
// loop jumps it to the next timer (all tasks waiting) or Advance is called.
// Safe from any goroutine.
type Clock struct {
	now       atomic.Int64
	threshold atomic.Int64 // real-time wait before jumping while other goroutines work
}

// AutojumpThreshold is how long the loop waits in real time for work on
// other goroutines (ToThread, ThreadSafeFlag.Set) before it jumps to the next
// timer anyway. Default 100 ms.
func (c *Clock) AutojumpThreshold() time.Duration {
	if t := c.threshold.Load(); t > 0 {
		return time.Duration(t)
	}
	return 100 * time.Millisecond
}

// SetAutojumpThreshold changes AutojumpThreshold.
func (c *Clock) SetAutojumpThreshold(d time.Duration) { c.threshold.Store(int64(d)) }

var _ asyncio.VirtualClock = (*Clock)(nil)

// NewClock returns a virtual clock reading 0.
func NewClock() *Clock { return &Clock{} }

// Now returns the virtual time.
func (c *Clock) Now() time.Duration { return time.Duration(c.now.Load()) }

// Jump moves the clock forward to t; it never moves backward.
func (c *Clock) Jump(t time.Duration) {
	for {
		old := c.now.Load()
		if int64(t) <= old || c.now.CompareAndSwap(old, int64(t)) {
			return
		}
	}
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// NewLoop replaces the program's loop with a fresh one that uses a virtual
// clock and debug mode (invariants checked every iteration, loop-only methods
// checked for the right goroutine), and closes it when the test ends.
func NewLoop(tb testing.TB) (*asyncio.Loop, *Clock) {
	tb.Helper()
	l := asyncio.NewEventLoop()
	c := NewClock()
	l.SetClock(c)
	l.SetDebug(true)
	tb.Cleanup(func() { l.Close() })
	return l, c
}

// Run is asyncio.Run on a fresh loop from NewLoop: main runs on virtual time,
// so a test of a one-hour timeout takes microseconds.
func Run[T any](tb testing.TB, main func(ctx context.Context) (T, error)) (T, error) {
	tb.Helper()
	NewLoop(tb)
	return asyncio.Run(main)
}
