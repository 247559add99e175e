package asyncio

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// blockingWork stands for code that blocks the loop: it spins until released.
//
//go:noinline
func blockingWork(entered, release *atomic.Bool) {
	entered.Store(true)
	for !release.Load() {
		runtime.Gosched()
	}
}

// slowHarness runs main on a fresh real-clock loop whose watchdog goroutine
// never looks by itself (a one-hour threshold): the test drives watchdog.look
// with chosen times instead, so what is reported does not depend on timing.
func slowHarness(t *testing.T, main func(ctx context.Context) (any, error)) (l *Loop, reports *[]ExceptionContext, wait func()) {
	t.Helper()
	l = NewEventLoop()
	l.SetSlowCallbackDuration(time.Hour)
	var got []ExceptionContext
	l.SetExceptionHandler(func(_ *Loop, c ExceptionContext) { got = append(got, c) })
	done := make(chan error, 1)
	go func() {
		_, err := Run(main)
		done <- err
	}()
	return l, &got, func() {
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func TestSlowTaskReportedOnceWithItsStack(t *testing.T) {
	var entered, release atomic.Bool
	l, reports, wait := slowHarness(t, func(ctx context.Context) (any, error) {
		tk := CreateTask(ctx, func(ctx context.Context) (int, error) {
			blockingWork(&entered, &release)
			return 1, nil
		}, "spinner")
		return tk.Await(ctx)
	})
	for !entered.Load() {
		runtime.Gosched()
	}
	w := l.watch // set before the loop ran the step that set entered
	t0 := time.Now()
	w.look(t0, 100*time.Millisecond)                          // first sight of this step
	w.look(t0.Add(50*time.Millisecond), 100*time.Millisecond) // not yet too long
	if l.slow.Load() != nil {
		t.Fatal("reported after 50 ms with a 100 ms threshold")
	}
	w.look(t0.Add(150*time.Millisecond), 100*time.Millisecond) // too long: the stack is taken now
	w.look(t0.Add(300*time.Millisecond), 100*time.Millisecond) // the same step: not again
	release.Store(true)
	wait()

	if len(*reports) != 1 {
		t.Fatalf("got %d reports, want 1: %+v", len(*reports), *reports)
	}
	c := (*reports)[0]
	var e *SlowStepError
	if !errors.As(c.Err, &e) {
		t.Fatalf("Err = %v, want a *SlowStepError", c.Err)
	}
	if e.Task != "spinner" || c.Task == nil || c.Task.Name() != "spinner" || !strings.Contains(c.Message, "spinner") {
		t.Errorf("report names %q / %v / %q, want the task spinner", e.Task, c.Task, c.Message)
	}
	if !bytes.Contains(e.Stack, []byte("asyncio.blockingWork(")) {
		t.Errorf("stack does not show the blocking function:\n%s", e.Stack)
	}
	if e.Duration <= 0 {
		t.Errorf("Duration = %v", e.Duration)
	}
	if !strings.Contains(e.Error(), "blocking the loop") {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestSlowCallbackReported(t *testing.T) {
	var entered, release atomic.Bool
	l, reports, wait := slowHarness(t, func(ctx context.Context) (any, error) {
		GetEventLoop().CallSoon(func() { blockingWork(&entered, &release) })
		return nil, Sleep(ctx, 0)
	})
	for !entered.Load() {
		runtime.Gosched()
	}
	w := l.watch
	t0 := time.Now()
	w.look(t0, 100*time.Millisecond)
	w.look(t0.Add(time.Second), 100*time.Millisecond)
	release.Store(true)
	wait()
	if len(*reports) != 1 {
		t.Fatalf("got %d reports, want 1", len(*reports))
	}
	var e *SlowStepError
	if !errors.As((*reports)[0].Err, &e) || e.Task != "" || !strings.Contains(e.Callback, "TestSlowCallbackReported") {
		t.Fatalf("report %+v does not name the callback", (*reports)[0])
	}
	if !bytes.Contains(e.Stack, []byte("asyncio.blockingWork(")) || (*reports)[0].Handle == nil {
		t.Errorf("stack or handle missing:\n%s", e.Stack)
	}
}

// A step that ends while the watchdog takes its stack is not reported: the
// stack would show a later moment.
func TestSlowStepEndedBeforeCaptureNotReported(t *testing.T) {
	l := NewEventLoop()
	defer l.Close()
	w := &watchdog{l: l}
	l.steps.Store(1) // a step runs
	now := time.Now()
	w.look(now, time.Millisecond)
	l.steps.Store(2) // it ended, the next began
	w.look(now.Add(time.Second), time.Millisecond)
	if l.slow.Load() != nil {
		t.Fatal("a step that had ended was reported")
	}
	l.polling.Store(true) // the loop waits for I/O: not a step
	w.look(now.Add(2*time.Second), time.Millisecond)
	if l.slow.Load() != nil {
		t.Fatal("a loop blocked in its poller was reported")
	}
	l.polling.Store(false)
	l.steps.Store(3)
	w.look(now.Add(3*time.Second), time.Millisecond)
	w.look(now.Add(4*time.Second), time.Millisecond)
	if s := l.slow.Load(); s == nil || s.step != 3 {
		t.Fatalf("the running step 3 was not caught: %+v", s)
	}
}

// Detection is off with a threshold <= 0 and on a virtual clock; the
// watchdog stops with the loop, leaving no goroutine behind.
func TestSlowWatchdogLifetime(t *testing.T) {
	l := NewEventLoop()
	if l.SlowCallbackDuration() != DefaultSlowCallbackDuration {
		t.Errorf("default threshold %v", l.SlowCallbackDuration())
	}
	l.SetSlowCallbackDuration(0)
	if l.SlowCallbackDuration() != 0 {
		t.Errorf("threshold after SetSlowCallbackDuration(0) = %v, want 0 (off)", l.SlowCallbackDuration())
	}
	var watched bool
	Run(func(ctx context.Context) (any, error) { watched = GetEventLoop().watch != nil; return nil, nil })
	if watched {
		t.Error("a watchdog ran with detection off")
	}
	l = NewEventLoop()
	Run(func(ctx context.Context) (any, error) { watched = GetEventLoop().watch != nil; return nil, nil })
	if !watched {
		t.Error("no watchdog with the default threshold")
	}
	if l.watch != nil {
		t.Error("the watchdog outlived the run")
	}
}

// While the loop blocks in its poller the watchdog sleeps, and the loop's
// poke after the poll wakes it.
func TestSlowWatchdogSleepsWhileLoopPolls(t *testing.T) {
	l := NewEventLoop()
	defer l.Close()
	w := &watchdog{l: l, stop: make(chan struct{}), wake: make(chan struct{}, 1)}
	l.polling.Store(true)
	woke := make(chan bool)
	go func() { woke <- w.sleep() }()
	for !w.parked.Load() {
		runtime.Gosched()
	}
	l.polling.Store(false)
	w.polled()
	if !<-woke {
		t.Fatal("sleep reported a stop")
	}
	l.polling.Store(true)
	go func() { woke <- w.sleep() }()
	for !w.parked.Load() {
		runtime.Gosched()
	}
	close(w.stop)
	if <-woke {
		t.Fatal("sleep did not report the stop")
	}
}

// spinUntilCaught blocks the loop until the watchdog has caught the step.
//
//go:noinline
func spinUntilCaught(l *Loop) {
	for l.slow.Load() == nil {
		runtime.Gosched()
	}
}

// End to end with the watchdog's own goroutine and the real clock: the task
// blocks until it is caught (however long that takes on a loaded machine),
// and is reported once, by name, with its stack.
func TestSlowStepCaughtByWatchdogGoroutine(t *testing.T) {
	l := NewEventLoop()
	l.SetSlowCallbackDuration(20 * time.Millisecond)
	var got []ExceptionContext
	l.SetExceptionHandler(func(_ *Loop, c ExceptionContext) { got = append(got, c) })
	_, err := Run(func(ctx context.Context) (any, error) {
		return CreateTask(ctx, func(ctx context.Context) (int, error) {
			spinUntilCaught(GetEventLoop())
			return 1, nil
		}, "blocker").Await(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d reports, want 1", len(got))
	}
	var e *SlowStepError
	if !errors.As(got[0].Err, &e) || e.Task != "blocker" || !bytes.Contains(e.Stack, []byte("asyncio.spinUntilCaught(")) {
		t.Fatalf("report %v", got[0].Err)
	}
	if e.Duration < 20*time.Millisecond {
		t.Errorf("Duration %v is under the threshold", e.Duration)
	}
	if snap := l.snapshot(); snap.SlowSteps != 1 || len(snap.LastSlowSteps) != 1 || snap.LastSlowSteps[0].Who != "blocker" {
		t.Errorf("snapshot's slow steps: %d %+v", snap.SlowSteps, snap.LastSlowSteps)
	}
}
