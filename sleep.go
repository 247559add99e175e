package asyncio

import (
	"context"
	"time"
)

// Sleep suspends the calling task for d (asyncio.sleep). Sleep with d <= 0
// still suspends: the task goes behind every task and callback that is ready,
// which is how a long computation lets others run. It returns nil, or the
// CancelledError if the task is cancelled while it sleeps. Must be called
// from a task, with its ctx.
func Sleep(ctx context.Context, d time.Duration) error {
	t := fastTask(ctx)
	if t == nil {
		t = checkCurrent(ctx, "Sleep")
	}
	if d <= 0 {
		return t.yield()
	}
	l := t.loop
	t.timer.When = int64(after(l.clock.Now(), d)) // Never: a timer that never fires
	l.timers.Push(&t.timer)
	return t.parkCtx(ctx, sleepAbort{})
}

// SleepMs is Sleep for ms milliseconds (MicroPython's asyncio.sleep_ms).
func SleepMs(ctx context.Context, ms int) error {
	return Sleep(ctx, msDuration(ms))
}
