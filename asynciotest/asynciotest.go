// Package asynciotest helps test code that uses asyncio, the way httptest
// helps with net/http: a virtual clock that jumps straight to the next timer
// when every task is waiting, so time-based code runs instantly and
// deterministically, and a Run that sets up a fresh loop with that clock and
// the loop's debug checks.
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
