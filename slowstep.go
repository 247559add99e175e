package asyncio

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// Slow steps: always-on detection of a task or callback that blocks the loop.
//
// A step is what the loop runs between two awaits: a task's resumption, or a
// callback. While one runs nothing else on the loop can, so a step that
// computes for a long time, or calls blocking Go code (a mutex, a channel, a
// blocking system call) instead of awaiting, stalls every task. CPython logs
// such steps after the fact, in debug mode only; here a watchdog goroutine
// sees them while they still block and takes the stack then, so the report
// shows where the step was stuck, not where it ended.
//
// The protocol, in three parts:
//   - the loop counts the steps it begins in Loop.steps. That is the cost on
//     the hot path: one uncontended atomic add per step, and one load of
//     Loop.slow after it.
//   - the watchdog (one goroutine per running loop) looks at the count every
//     half threshold. A count unchanged for a threshold while the loop is not
//     blocked in its poller is a slow step (between steps the loop only runs
//     its own short phases): it takes the stack of the goroutine running the
//     step and leaves it in Loop.slow. While the loop blocks in its poller the
//     watchdog sleeps too (Loop.polling, watchdog.parked), so an idle program
//     is not woken.
//   - when the step ends, the loop finds Loop.slow set and reports it through
//     the exception handler: a *SlowStepError with the task's name, the stack
//     taken while it blocked, and how long the step lasted.

// DefaultSlowCallbackDuration is the threshold a loop starts with: a step
// that runs longer is reported (CPython's loop.slow_callback_duration).
const DefaultSlowCallbackDuration = 100 * time.Millisecond

// SlowStepError is the error in the exception handler's context when a task
// or callback ran longer than the loop's SlowCallbackDuration without
// awaiting, so that nothing else could run meanwhile.
type SlowStepError struct {
	Task     string        // the task's name, or "" for a callback
	Callback string        // the callback's description, or "" for a task
	Duration time.Duration // how long the step ran, measured to within half the threshold
	Stack    []byte        // the goroutine's stack, taken while the step was still running
}

func (e *SlowStepError) Error() string {
	what := "callback " + e.Callback
	if e.Task != "" {
		what = fmt.Sprintf("task %q", e.Task)
	}
	stack := e.Stack
	if len(stack) == 0 {
		stack = []byte("(stack not found)")
	}
	return fmt.Sprintf("asyncio: %s ran %v without awaiting, blocking the loop; stack while it blocked:\n\n%s",
		what, e.Duration.Round(time.Millisecond), stack)
}

// SetSlowCallbackDuration sets how long a step (a task running between two
// awaits, or a callback) may run before it is reported as blocking the loop;
// d <= 0 turns the detection off. The default is DefaultSlowCallbackDuration.
// Safe from any goroutine; a running loop applies it within one old threshold.
func (l *Loop) SetSlowCallbackDuration(d time.Duration) {
	if d <= 0 {
		d = -1 // zero means "never set": the default
	}
	l.slowThreshold.Store(int64(d))
}

// SlowCallbackDuration returns the threshold set with SetSlowCallbackDuration
// (0: detection is off). Safe from any goroutine.
func (l *Loop) SlowCallbackDuration() time.Duration {
	switch d := l.slowThreshold.Load(); {
	case d == 0:
		return DefaultSlowCallbackDuration
	case d < 0:
		return 0
	default:
		return time.Duration(d)
	}
}

// slowStep is what the watchdog found, handed to the loop in Loop.slow.
type slowStep struct {
	step  uint64    // the value of Loop.steps while the step ran
	since time.Time // when the watchdog first saw that value
	stack []byte
}

// watchdog watches one running loop. Its fields are its goroutine's, except
// the channels and parked.
type watchdog struct {
	l      *Loop
	start  *time.Timer   // starts the goroutine half a threshold after the loop starts
	stop   chan struct{} // closed when the loop stops running
	done   chan struct{} // closed when the goroutine has returned
	wake   chan struct{} // the loop's poke after a blocking poll (capacity 1)
	parked atomic.Bool   // waiting for wake while the loop polls

	seen     uint64    // the step count at the last look
	seenAt   time.Time // when it was first seen
	reported uint64    // the step last captured, so a step is reported once
}

// startWatchdog starts the loop's watchdog, unless detection is off or the
// clock is virtual (tests and simulations: a slow step there is a slow
// machine, not a bug). It returns a function that stops it.
func (l *Loop) startWatchdog() func() {
	if l.SlowCallbackDuration() <= 0 {
		return func() {}
	}
	if _, virtual := l.clock.(VirtualClock); virtual {
		return func() {}
	}
	w := &watchdog{l: l, stop: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	l.watch = w
	// No goroutine until the first look is due: a short run, or a program
	// that goes straight to sleep, wakes no other thread at start.
	w.start = time.AfterFunc(l.SlowCallbackDuration()/2, w.run)
	return func() {
		if !w.start.Stop() { // it started: stop it and wait
			close(w.stop)
			<-w.done
		}
		l.watch = nil
	}
}

// run is the watchdog's goroutine: a look every half threshold, asleep while
// the loop is.
func (w *watchdog) run() {
	defer close(w.done)
	for {
		if w.l.polling.Load() && !w.sleep() {
			return
		}
		w.l.coarseNow.Store(int64(w.l.clock.Now())) // the clock is safe from any goroutine
		w.look(time.Now(), w.l.SlowCallbackDuration())
		d := w.l.SlowCallbackDuration()
		if d <= 0 {
			d = DefaultSlowCallbackDuration // off for now: look again later
		}
		timer := time.NewTimer(d / 2)
		select {
		case <-w.stop:
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// sleep waits while the loop blocks in its poller; it reports false if the
// loop stopped meanwhile. The loop clears polling and then pokes wake if
// parked is set; setting parked before looking at polling again means that
// one of the two always sees the other.
func (w *watchdog) sleep() bool {
	w.parked.Store(true)
	defer w.parked.Store(false)
	if !w.l.polling.Load() {
		return true
	}
	select {
	case <-w.stop:
		return false
	case <-w.wake:
		return true
	}
}

// look is one observation of the step count at time now, with threshold d.
func (w *watchdog) look(now time.Time, d time.Duration) {
	l := w.l
	n := l.steps.Load()
	if n != w.seen {
		w.seen, w.seenAt = n, now
		return
	}
	if l.polling.Load() || n == w.reported || d <= 0 || now.Sub(w.seenAt) < d {
		return
	}
	stack := stepStack()
	if l.steps.Load() != n {
		return // the step ended while the stack was taken: it is not its stack
	}
	w.reported = n
	l.slow.Store(&slowStep{step: n, since: w.seenAt, stack: stack})
}

// polled is called by the loop after a blocking poll: it wakes a watchdog
// that slept through it.
func (w *watchdog) polled() {
	if w.parked.Load() {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// reportSlow is called by the loop when a step has ended and the watchdog
// left a report: it goes to the exception handler, with the task or callback
// that ran and how long it took.
func (l *Loop) reportSlow(r runnable) {
	s := l.slow.Swap(nil)
	if s == nil || s.step != l.steps.Load() {
		return // not this step's (stale, from a step whose end raced the capture)
	}
	e := &SlowStepError{Duration: time.Since(s.since), Stack: s.stack}
	defer l.rememberSlow(e)
	c := ExceptionContext{Err: e}
	switch r := r.(type) {
	case *task:
		e.Task = r.Name()
		c.Task = r.impl
		c.Message = "task " + r.Name() + " blocked the event loop"
	case *Handle:
		e.Callback = callbackName(s.stack) // r.fn is cleared once it has run
		c.Handle = r
		c.Message = "callback " + e.Callback + " blocked the event loop"
	}
	l.callHandler(c)
}

// maxSlowSeen is how many slow steps a loop remembers for snapshots.
const maxSlowSeen = 8

// rememberSlow keeps the latest slow steps for Snapshot (and the debug
// page), without their stacks.
func (l *Loop) rememberSlow(e *SlowStepError) {
	who := e.Task
	if who == "" {
		who = "callback " + e.Callback
	}
	if len(l.slowSeen) == maxSlowSeen {
		copy(l.slowSeen, l.slowSeen[1:])
		l.slowSeen = l.slowSeen[:maxSlowSeen-1]
	}
	l.slowSeen = append(l.slowSeen, SlowStep{Who: who, Duration: e.Duration, At: l.clock.Now()})
	l.slowCount++
}

// callbackName finds the callback's function in the stack of the loop
// goroutine running it: the frame that (*Handle).step called.
func callbackName(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "github.com/asyncio-go/asyncio.(*Handle).step(") && i >= 2 {
			if j := strings.LastIndex(lines[i-2], "("); j > 0 {
				return lines[i-2][:j] // the last "(" opens the arguments; receivers such as (*T).m stay
			}
		}
	}
	return "(unknown function)"
}

// stepStack returns the stack of the goroutine running the loop's step: a
// task's coroutine that is not suspended, or the loop goroutine inside a
// callback. It dumps every goroutine (the only way to read another one's
// stack), so it runs only when a step is already too slow; the dump is
// capped at 16 MiB, and nil is returned if the step's goroutine is not in it.
func stepStack() []byte {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 16<<20 {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		header, _, _ := bytes.Cut(g, []byte("\n"))
		if bytes.Contains(header, []byte("[coroutine")) {
			continue // a suspended task, or the loop goroutine while a task runs
		}
		if bytes.Contains(g, []byte("github.com/asyncio-go/asyncio.(*Task[")) && bytes.Contains(g, []byte(").runFn(")) ||
			bytes.Contains(g, []byte("github.com/asyncio-go/asyncio.(*Loop).runBatch(")) {
			return bytes.Clone(g)
		}
	}
	return nil
}
