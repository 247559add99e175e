package asyncio_test

import (
	"context"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// CallLater callbacks run in deadline order, equal deadlines in the order
// scheduled; a cancelled one never runs; CallSoon runs before any of them.
func TestCallLaterOrderAndCancel(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		for _, d := range []int{300, 100, 200} {
			l.CallLater(time.Duration(d)*time.Millisecond, func() { tr.add("later %d at %v", d, l.Time()) })
		}
		l.CallLater(100*time.Millisecond, func() { tr.add("later 100 second") })
		h := l.CallLater(150*time.Millisecond, func() { tr.add("cancelled ran") })
		at := l.CallAt(l.Time()+250*time.Millisecond, func() { tr.add("at 250") })
		if at.When() != 250*time.Millisecond {
			t.Errorf("When = %v", at.When())
		}
		l.CallSoon(func() { tr.add("soon") })
		h.Cancel()
		if !h.Cancelled() {
			t.Error("Cancelled false after Cancel")
		}
		return nil, asyncio.Sleep(ctx, time.Second)
	})
	tr.expect(t, "soon", "later 100 at 100ms", "later 100 second", "later 200 at 200ms", "at 250", "later 300 at 300ms")
}

// CallSoon callbacks and yielding tasks share one FIFO.
func TestCallSoonInterleavesWithTasks(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		l.CallSoon(func() { tr.add("cb1") })
		tr.add("main before yield")
		asyncio.Sleep(ctx, 0)
		tr.add("main after yield")
		l.CallSoon(func() { tr.add("cb2") })
		asyncio.Sleep(ctx, 0)
		return nil, nil
	})
	tr.expect(t, "main before yield", "cb1", "main after yield", "cb2")
}

// CallSoonThreadsafe from another goroutine wakes a loop blocked with nothing
// to do, on the real clock: no polling interval.
func TestCallSoonThreadsafeWakesIdleLoop(t *testing.T) {
	l := asyncio.NewEventLoop()
	defer l.Close()
	started := make(chan struct{})
	l.CallSoon(func() { close(started) })
	go func() {
		<-started
		for i := 0; i < 100; i++ {
			l.CallSoonThreadsafe(func() {})
		}
		l.CallSoonThreadsafe(l.Stop)
	}()
	if err := l.RunForever(); err != nil {
		t.Fatal(err)
	}
}

// A panicking callback reaches the exception handler; the loop goes on.
func TestPanickingCallback(t *testing.T) {
	var got asyncio.ExceptionContext
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		l.SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) { got = c })
		h := l.CallSoon(func() { panic("cb boom") })
		asyncio.Sleep(ctx, 0)
		if got.Handle != h || got.Err == nil {
			t.Errorf("handler got %+v", got)
		}
		return nil, nil
	})
}
