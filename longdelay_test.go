package asyncio_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// Deadlines saturate: a delay so long that now + d would overflow is
// "never", not a wrap to the past; a sleep of any length sleeps that long
// and never blocks other tasks.

// On the virtual clock a forever-sleep keeps sleeping while other tasks
// run and their timers fire; the huge Timeout and WaitFor limits do not
// expire at once; SleepMs(math.MaxInt) is a forever-sleep.
func TestHugeDelaysSaturate(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		l := asyncio.GetEventLoop()
		forever := []struct {
			name string
			wait func(ctx context.Context) error
		}{
			{"Sleep(Never)", func(ctx context.Context) error { return asyncio.Sleep(ctx, asyncio.Never) }},
			{"Sleep(MaxInt64-1)", func(ctx context.Context) error { return asyncio.Sleep(ctx, math.MaxInt64-1) }},
			{"SleepMs(MaxInt)", func(ctx context.Context) error { return asyncio.SleepMs(ctx, math.MaxInt) }},
			{"Timeout(MaxInt64-1)", func(ctx context.Context) error {
				return asyncio.Timeout(ctx, math.MaxInt64-1, func(ctx context.Context) error {
					return asyncio.Sleep(ctx, asyncio.Never)
				})
			}},
			{"WaitFor(MaxInt64-1)", func(ctx context.Context) error {
				_, err := asyncio.WaitFor(ctx, math.MaxInt64-1, func(ctx context.Context) (int, error) {
					return 0, asyncio.Sleep(ctx, asyncio.Never)
				})
				return err
			}},
			{"WaitForMs(MaxInt)", func(ctx context.Context) error {
				_, err := asyncio.WaitForMs(ctx, math.MaxInt, func(ctx context.Context) (int, error) {
					return 0, asyncio.Sleep(ctx, asyncio.Never)
				})
				return err
			}},
		}
		var tasks []*asyncio.Task[any]
		errs := make([]error, len(forever))
		for i, f := range forever {
			tasks = append(tasks, syncSpawn(ctx, func(ctx context.Context) { errs[i] = f.wait(ctx) }))
		}
		fired := false
		l.CallLater(time.Hour*24*365, func() { fired = true })
		asyncio.Sleep(ctx, 2*time.Hour*24*365) // other timers fire; the loop is not frozen
		if !fired {
			t.Error("a one-year CallLater did not fire while forever-sleeps were queued")
		}
		for i, tk := range tasks {
			if tk.Done() {
				t.Errorf("%s returned %v after two years", forever[i].name, errs[i])
			}
			tk.Cancel()
		}
		asyncio.GatherAllTasks(ctx, tasks...)
		for i := range tasks {
			if !errors.Is(errs[i], context.Canceled) {
				t.Errorf("%s: %v after Cancel, want the cancellation", forever[i].name, errs[i])
			}
		}
		h := l.CallLater(math.MaxInt64, func() { t.Error("a CallLater(MaxInt64) ran") })
		asyncio.Sleep(ctx, time.Hour)
		h.Cancel()
	})
}

// A program whose only task sleeps forever on the virtual clock is a
// deadlock (nothing can ever wake it), not a jump to the end of time.
func TestSleepNeverAloneIsADeadlock(t *testing.T) {
	asynciotest.NewLoop(t)
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		return nil, asyncio.Sleep(ctx, asyncio.Never)
	})
	if err == nil || !strings.Contains(err.Error(), "deadlock") {
		t.Fatalf("Run = %v, want a deadlock report", err)
	}
}

// On the real clock a forever-sleep does not freeze the loop: another task
// keeps running (here it yields many times, then cancels the sleeper).
func TestSleepNeverRealClockDoesNotBlockOthers(t *testing.T) {
	asyncio.NewEventLoop()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		s := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, asyncio.Sleep(ctx, asyncio.Never)
		})
		for range 1000 {
			if err := asyncio.Sleep(ctx, 0); err != nil {
				return nil, err
			}
		}
		if err := asyncio.Sleep(ctx, time.Millisecond); err != nil { // a real timer fires past it
			return nil, err
		}
		if s.Done() {
			t.Error("Sleep(Never) returned")
		}
		s.Cancel()
		_, err := s.Await(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("sleeper: %v, want cancelled", err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
