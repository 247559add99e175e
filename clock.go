package asyncio

import "time"

// Clock is the loop's source of time: a monotonic reading in nanoseconds from
// an arbitrary origin. The loop reads it at most once per iteration for its
// timers, and Loop.Time returns it. The default is the system's monotonic
// clock; tests install a virtual one (see package asynciotest).
type Clock interface {
	Now() time.Duration
}

// VirtualClock is a Clock the loop may move forward itself. When every task is
// waiting and the next thing that can happen is a timer (no ready task, no
// pending I/O event, no work running on other goroutines), the loop calls
// Jump(deadline) instead of sleeping, so time-based code runs instantly and
// deterministically. While work runs on other goroutines (ToThread, a
// ThreadSafeFlag wait) the loop first waits for it in real time, up to the
// clock's AutojumpThreshold() if it has that method (100 ms otherwise), and
// jumps only if nothing arrived. With a VirtualClock the loop also detects
// deadlock: if
// nothing at all could wake a waiting task, the run fails with an error that
// lists the waiting tasks, instead of hanging.
type VirtualClock interface {
	Clock
	Jump(to time.Duration)
}

// after returns the loop time d after now, saturating at Never: a delay so
// long that now + d would overflow means never (Sleep(ctx, Never) sleeps
// forever, it does not wrap round to the past and return at once).
func after(now, d time.Duration) time.Duration {
	if d > 0 && now > Never-d {
		return Never
	}
	return now + d
}

// msDuration converts MicroPython's milliseconds to a Duration, saturating at
// Never instead of overflowing.
func msDuration(ms int) time.Duration {
	if int64(ms) > int64(Never/time.Millisecond) {
		return Never
	}
	return time.Duration(ms) * time.Millisecond
}

// systemClock reads the monotonic clock relative to the loop's creation.
type systemClock struct{ origin time.Time }

func (c systemClock) Now() time.Duration { return time.Since(c.origin) }
