package asynchttp

import (
	"errors"
	"fmt"
	"time"

	"github.com/asyncio-go/asyncio"
)

// A connection's timeouts (read-header, idle, write, linger) bound phases
// that follow each other many times per second on a busy connection. An
// asyncio.Timeout per phase would cost a timer-heap insert and removal and
// two allocations each time; instead every connection has one lazy timer:
//
//   - bounded(d, f) sets the phase's deadline, a field, and runs f; the
//     timer is moved only when it would fire after the new deadline;
//   - the timer fires at most a granule (the shortest configured timeout)
//     after it was armed, so a phase that begins with a deadline a granule
//     away never needs to move it: on firing it re-arms at the deadline or
//     a granule later, whichever is first;
//   - when it fires past the deadline of a bounded phase, it cancels the
//     connection's task (as asyncio.Timeout does) and bounded turns that
//     cancellation into an error matching asyncio.ErrTimeout.
//
// So a request costs no timer operation; an idle connection, one callback
// per granule.

// arm schedules the timer at loop time at, replacing an armed one.
func (c *conn) arm(at time.Duration) {
	if c.timer != nil {
		c.timer.Cancel()
	}
	c.timerAt = at
	c.timer = c.loop.CallAt(at, c.fire)
}

// fire is the timer's callback.
func (c *conn) fire() {
	c.timer = nil // (ServeConn stops the timer before its task can end)
	now := c.loop.Time()
	if c.deadline != 0 && now >= c.deadline {
		c.expired = true
		c.task.Cancel("asynchttp: " + c.phase + " timed out")
		return
	}
	next := now + c.granule
	if c.deadline != 0 && c.deadline < next {
		next = c.deadline
	}
	c.arm(next)
}

// stopTimer disarms the timer when the connection ends.
func (c *conn) stopTimer() {
	if c.timer != nil {
		c.timer.Cancel()
		c.timer = nil
	}
}

// bounded runs f, a phase named phase that must end within d. If it does
// not, f's await is cancelled and bounded returns an error matching
// asyncio.ErrTimeout (and os.ErrDeadlineExceeded).
func (c *conn) bounded(phase string, d time.Duration, f func() error) error {
	if c.expired {
		return c.timeoutError()
	}
	c.phase, c.deadline = phase, c.loop.Time()+d
	if c.timer == nil || c.timerAt > c.deadline {
		c.arm(c.deadline)
	}
	err := f()
	c.deadline = 0
	if !c.expired {
		return err
	}
	var ce *asyncio.CancelledError
	if errors.As(err, &ce) {
		c.task.Uncancel() // the cancellation was ours, and it is spent
	}
	return c.timeoutError()
}

func (c *conn) timeoutError() error {
	return fmt.Errorf("asynchttp: %s: %w", c.phase, asyncio.ErrTimeout)
}

// expire ends the current phase now (Shutdown, on an idle connection).
func (c *conn) expire() {
	if c.deadline != 0 && !c.expired {
		c.deadline = c.loop.Time()
		c.arm(c.deadline)
	}
}
