package workers

import "time"

// The restart policy, kept free of processes so it can be tested alone.

const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 10 * time.Second
	// A worker that lived at least this long did not fail quickly: its next
	// restart starts the back-off again.
	stableUptime = 10 * time.Second
	// The window of Options.MaxRestarts.
	restartWindow = time.Minute
)

// backoff is the delay before restarting a worker that failed after living
// for uptime, given its consecutive quick failures so far; it returns the new
// count with the delay.
func backoff(quickFailures int, uptime time.Duration) (time.Duration, int) {
	if uptime >= stableUptime {
		quickFailures = 0
	}
	d := firstBackoff
	for i := 0; i < quickFailures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff), quickFailures + 1
}

// restartLimiter allows at most max restarts within any restartWindow.
type restartLimiter struct {
	max   int
	times []time.Time // restarts within the window, oldest first
}

// allow records a restart at now and reports whether it is within the limit.
func (l *restartLimiter) allow(now time.Time) bool {
	keep := l.times[:0]
	for _, t := range l.times {
		if now.Sub(t) < restartWindow {
			keep = append(keep, t)
		}
	}
	l.times = keep
	if len(l.times) >= l.max {
		return false
	}
	l.times = append(l.times, now)
	return true
}
