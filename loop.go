package asyncio

import (
	"cmp"
	"context"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asyncio-go/asyncio/internal/coro"
	"github.com/asyncio-go/asyncio/internal/netsim"
	"github.com/asyncio-go/asyncio/internal/poll"
	"github.com/asyncio-go/asyncio/internal/timerheap"
)

// Loop is the event loop (asyncio's Loop). There is one per program: Run and
// GetEventLoop use it, and NewEventLoop replaces it. Most programs never touch
// it; it is here for exception handlers, callbacks and the rare direct uses.
//
// Unless a method's doc says "safe from any goroutine", it must be called on
// the loop goroutine: from a task, from a callback, or from the goroutine that
// runs the loop while it is not running.
type Loop struct {
	// Loop goroutine only.
	ready        readyQueue     // tasks and callbacks to run, FIFO
	flushq       []outFlusher   // writers with bytes to send before the next poll (writeflush.go)
	spareFlushq  []outFlusher   // flushq's previous backing array, reused
	ctxWaits     []*ctxWait     // awaits watching a derived context (ctxwait.go)
	timers       timerheap.Heap // sleeping tasks and CallLater handles
	clock        Clock
	poller       poll.Poller
	events       []poll.Event // Wait's result buffer, reused
	current      *task        // the task being resumed, or nil
	unchecked    *task        // == current, but nil in debug mode: the awaits' fast path checks this
	liveTasks    []*task      // unfinished tasks, in no order (liveByAge sorts them); task.liveIndex is the position
	taskSeq      uint64
	idle         []*coro.Coro     // finished coroutines kept for reuse
	stopping     bool             // Stop was called: finish this iteration and return
	external     int              // operations running on other goroutines (ToThread, ...)
	fds          map[int]*fdState // descriptors registered with the poller (io.go)
	handler      ExceptionHandler
	watch        *watchdog  // while running with slow-step detection on (slowstep.go)
	slowSeen     []SlowStep // the latest slow steps reported, oldest first (at most maxSlowSeen)
	slowCount    int        // slow steps reported since the loop was made
	debug        bool
	profLabels   bool               // SetProfileLabels (proflabels.go)
	lag          *lagStats          // SetLagStats (lagstats.go): nil when off
	ownedStreams map[*sock]struct{} // OpenFile's and OpenDevice's streams not yet closed: Close closes them
	loopG        uintptr            // in debug mode: the goroutine running the loop (internal/gid)
	taskGs       map[*task]uintptr  // in debug mode: the goroutine of each started, unfinished task
	errOut       io.Writer

	// Safe from any goroutine.
	running atomic.Bool
	closed  atomic.Bool
	inboxMu sync.Mutex
	inbox   []*Handle   // CallSoonThreadsafe callbacks, swapped out by the loop
	spare   []*Handle   // the previous inbox slice, reused (loop goroutine only)
	pending atomic.Bool // inbox may be non-empty and the loop must look

	// Slow-step detection (slowstep.go).
	steps         atomic.Uint64            // steps begun: a task's resumption or a callback
	polling       atomic.Bool              // the loop is blocked in its poller
	slow          atomic.Pointer[slowStep] // a slow step the watchdog caught, for the loop to report
	slowThreshold atomic.Int64             // SetSlowCallbackDuration: 0 default, < 0 off
	// coarseNow is the loop's time as last read: when a run starts, by
	// fireTimers, after each blocking poll, and by the watchdog every half
	// threshold while the loop is busy. A park records it (task.parkedAt) without reading the clock.
	coarseNow atomic.Int64

	// Loop goroutine only: simulation mode (simulate.go), nil unless package
	// asynciotest installed one.
	sim   *simState
	net   *netsim.Network // the simulated network (sockets_sim.go), nil unless asynciotest installed one
	osFDs int             // entries of fds watched by the poller: all but the simulated network's
}

// runnable is what the ready queue holds: a task to resume or a callback.
type runnable interface{ step() }

// maxIdleCoros is how many finished coroutines an idle loop keeps for reuse.
const maxIdleCoros = 1024

func newLoop() *Loop {
	p, err := poll.New()
	if err != nil {
		p = poll.NewPortable()
	}
	return &Loop{
		clock:  systemClock{origin: time.Now()},
		poller: p,
		errOut: os.Stderr,
		debug:  os.Getenv("ASYNCIODEBUG") != "",
	}
}

// runOnce is one iteration of the loop. Its phases, in order:
//
//  1. poll: wait for I/O readiness, the earliest timer or a wake-up from
//     another goroutine; do not wait at all if anything is ready to run.
//  2. drain the inbox: callbacks sent by other goroutines become ready.
//  3. fire timers: tasks and callbacks whose deadline has passed become ready.
//  4. run the batch: resume every task and run every callback that was ready
//     when this phase began, in FIFO order; what they make ready runs in the
//     next iteration.
//  5. flush writes: every stream that was written to sends what it buffered,
//     one system call each, before the loop polls again.
func (l *Loop) runOnce() error {
	// Each phase is skipped with one cheap test when it has nothing to do, so
	// an iteration that only resumes a yielding task costs a few loads. In
	// simulation mode (simulate.go) phases 3 and 4 draw their open choices
	// from the Sim.
	if l.ready.Len() == 0 || l.osFDs > 0 || l.stopping {
		if err := l.poll(); err != nil {
			return err
		}
	}
	if l.pending.Load() {
		l.drainInbox()
	}
	if l.timers.Len() > 0 {
		l.fireTimers()
	}
	l.runBatch()
	if len(l.flushq) > 0 {
		l.flushWrites()
	}
	if l.debug {
		l.checkInvariants()
	}
	return nil
}

// onlyReadyWork reports whether an iteration would do nothing but run the
// ready batch: no descriptor to poll, no wake-up, no timer, no stop, no debug
// checks. The loop then runs the batch directly.
func (l *Loop) onlyReadyWork() bool {
	return l.ready.n > 0 && len(l.fds) == 0 && len(l.flushq) == 0 && l.timers.Len() == 0 && !l.stopping && !l.debug && l.sim == nil && !l.pending.Load()
}

// poll is phase 1: block in the poller for as long as pollTimeout allows.
// With a virtual clock, time jumps to the next timer instead, unless the poll
// found something to do.
func (l *Loop) poll() error {
	timeout, jump, err := l.pollTimeout()
	if err != nil {
		return err
	}
	if timeout != 0 || l.osFDs > 0 {
		if timeout != 0 {
			l.trimIdle()
			if l.external > 0 && l.spinForInbox() {
				timeout = 0
			}
		}
		blocking := timeout != 0
		if blocking {
			l.polling.Store(true) // the watchdog sleeps meanwhile (slowstep.go)
		}
		events, err := l.poller.Wait(timeout, l.events)
		if blocking {
			l.polled()
		}
		if err != nil {
			return err
		}
		if l.events = events; len(events) > 0 {
			l.dispatchIO(events)
			return nil // something happened: no jump
		}
	}
	if jump >= 0 && !l.pending.Load() {
		l.clock.(VirtualClock).Jump(jump)
	}
	return nil
}

// polled is the end of a blocking wait: the watchdog may look again, and the
// time is read for the parks that follow (task.parkedAt).
func (l *Loop) polled() {
	l.polling.Store(false)
	l.coarseNow.Store(int64(l.clock.Now()))
	if l.watch != nil {
		l.watch.polled()
	}
}

// pollTimeout decides how long phase 1 may block: 0 if anything is ready,
// until the earliest timer, or without limit (-1). With a VirtualClock it
// returns 0 and the deadline to jump to instead of sleeping (jump < 0: none).
func (l *Loop) pollTimeout() (timeout, jump time.Duration, err error) {
	if len(l.ctxWaits) > 0 {
		l.checkCtxWaits() // before deciding to block: a task may have cancelled one
	}
	if l.ready.Len() > 0 || l.stopping || l.pending.Load() || len(l.flushq) > 0 {
		return 0, -1, nil
	}
	_, virtual := l.clock.(VirtualClock)
	next := l.timers.Peek()
	if next != nil && next.When == int64(Never) {
		next = nil // only timers that never fire (Sleep(ctx, Never)): as good as none
	}
	if next == nil {
		if virtual && l.external == 0 && l.osFDs == 0 && len(l.liveTasks) > 0 {
			return 0, -1, l.deadlockError()
		}
		return -1, -1, nil
	}
	d := time.Duration(next.When) - l.clock.Now()
	if d <= 0 {
		return 0, -1, nil
	}
	if virtual {
		if l.external == 0 {
			return 0, time.Duration(next.When), nil
		}
		// Work on other goroutines may still wake a task: wait for it a
		// little in real time, then jump (Trio's autojump threshold).
		return min(d, autojumpThreshold(l.clock)), time.Duration(next.When), nil
	}
	return d, -1, nil
}

// autojumpThreshold is how long in real time a virtual clock waits for other
// goroutines before jumping to the next timer.
func autojumpThreshold(c Clock) time.Duration {
	if t, ok := c.(interface{ AutojumpThreshold() time.Duration }); ok {
		return t.AutojumpThreshold()
	}
	return 100 * time.Millisecond
}

// drainInbox is phase 2: callbacks queued by CallSoonThreadsafe become ready.
// pending is cleared before the swap, so a callback queued after the swap
// sets it again and is seen next iteration.
func (l *Loop) drainInbox() {
	l.pending.Store(false)
	l.inboxMu.Lock()
	batch := l.inbox
	l.inbox = l.spare[:0]
	l.inboxMu.Unlock()
	for i, h := range batch {
		l.ready.Push(h)
		batch[i] = nil
	}
	l.spare = batch
}

// fireTimers is phase 3. The clock is read only if a timer is queued.
func (l *Loop) fireTimers() {
	if l.sim != nil {
		l.fireTimersSim()
		return
	}
	now := int64(l.clock.Now())
	l.coarseNow.Store(now)
	for {
		tm := l.timers.Peek()
		if tm == nil || tm.When > now || tm.When == int64(Never) {
			return
		}
		l.timers.Pop()
		switch o := tm.Value.(type) {
		case *task:
			l.wake(o, nil, false)
		case *Handle:
			l.ready.Push(o)
		case *ctxWait:
			o.fire(context.DeadlineExceeded)
		}
	}
}

// runBatch is phase 4.
func (l *Loop) runBatch() {
	switch {
	case l.sim != nil:
		l.runBatchSim() // the order drawn from the Sim (simulate.go)
	case l.lag != nil:
		l.runBatchTimed() // every step timed (lagstats.go)
	default:
		// runStep, expanded by hand: it is too big to inline, and a call
		// per step costs Sleep(0) 7% (benchstat).
		for n := l.ready.Len(); n > 0; n-- {
			r := l.ready.Pop()
			l.steps.Add(1)
			if t, ok := r.(*task); ok {
				t.step() // the common case, called directly
			} else {
				r.step()
			}
			if l.slow.Load() != nil {
				l.reportSlow(r)
			}
		}
	}
}

// runStep is one step of phase 4 in the simulated and timed batches (the
// plain batch expands it): the count the watchdog watches (slowstep.go), the
// step, and the report of a step the watchdog caught.
func (l *Loop) runStep(r runnable) {
	l.steps.Add(1)
	if t, ok := r.(*task); ok {
		t.step() // the common case, called directly
	} else {
		r.step()
	}
	if l.slow.Load() != nil {
		l.reportSlow(r)
	}
}

// step resumes the task until its next await or until its function returns.
func (t *task) step() {
	l := t.loop
	if t.state == statePending && t.mustCancel {
		t.err = &CancelledError{Msg: t.cancelMsg()} // cancelled before it ran: never start it
		l.complete(t)
		return
	}
	if t.co == nil {
		t.co = l.takeCoro()
		t.co.Start(&t.ctx)
	}
	t.state = stateRunning
	l.current = t
	if !l.debug {
		l.unchecked = t
	}
	finished := t.co.Resume()
	l.current, l.unchecked = nil, nil
	if finished {
		l.releaseCoro(t.co)
		t.co = nil
		l.complete(t)
	}
}

// complete records that t finished, wakes whoever waits for it, and makes
// sure an error nobody takes reaches the exception handler.
func (l *Loop) complete(t *task) {
	t.state = stateDone
	if t.mustCancel && t.err == nil && !t.keepResult {
		// Cancelled after its last await and returned normally: as in
		// asyncio, the pending cancellation wins over the result, unless
		// the last await got something it could not hand on (park.go).
		t.err = &CancelledError{Msg: t.cancelMsg()}
	}
	t.mustCancel, t.keepResult = false, false
	if t.err != nil {
		t.cancelled = isCancelled(t.err)
	}
	l.unlinkLive(t)
	if l.taskGs != nil {
		delete(l.taskGs, t)
	}
	t.ctx.sig.fire()
	// Observers in the order they registered, as asyncio's done-callbacks:
	// Gather, TaskGroup and Wait take note at once; user callbacks are
	// scheduled with CallSoon. Awaiters resume after them.
	t.notifyHooks()
	for n := t.joiners.PopFront(); n != nil; n = t.joiners.PopFront() {
		t.retrieved = true
		l.wake(n.Value, nil, false)
	}
	if t.err != nil && !t.cancelled && !t.retrieved {
		// One round later, as MicroPython does, so that an await in the same
		// iteration still counts as taking the error.
		l.CallSoon(func() { l.reportUnretrieved(t) })
	}
}

func (l *Loop) takeCoro() *coro.Coro {
	if n := len(l.idle); n > 0 {
		c := l.idle[n-1]
		l.idle[n-1] = nil
		l.idle = l.idle[:n-1]
		return c
	}
	return coro.New()
}

// releaseCoro keeps a finished coroutine for the next task. The pool grows to
// the peak number of running tasks, so a burst of tasks pays for goroutines
// once; trimIdle gives the excess back when the loop goes idle.
func (l *Loop) releaseCoro(c *coro.Coro) { l.idle = append(l.idle, c) }

// trimIdle ends pooled coroutines beyond maxIdleCoros; the loop calls it
// before it blocks, when there is time to spare.
func (l *Loop) trimIdle() {
	for len(l.idle) > maxIdleCoros {
		n := len(l.idle) - 1
		l.idle[n].Kill()
		l.idle[n] = nil
		l.idle = l.idle[:n]
	}
}

// dropIdleCoros ends the goroutines of the pooled coroutines.
func (l *Loop) dropIdleCoros() {
	for i, c := range l.idle {
		c.Kill()
		l.idle[i] = nil
	}
	l.idle = l.idle[:0]
}

func (l *Loop) linkLive(t *task) {
	t.liveIndex = int32(len(l.liveTasks))
	l.liveTasks = append(l.liveTasks, t)
}

// unlinkLive removes t from liveTasks by moving the last task into its place.
func (l *Loop) unlinkLive(t *task) {
	i, last := int(t.liveIndex), len(l.liveTasks)-1
	moved := l.liveTasks[last]
	l.liveTasks[i], moved.liveIndex = moved, int32(i)
	l.liveTasks[last] = nil
	l.liveTasks = l.liveTasks[:last]
	t.liveIndex = -1
}

// liveByAge returns the unfinished tasks, oldest first: the order AllTasks,
// shutdown and reports use, so that they are deterministic.
func (l *Loop) liveByAge() []*task {
	out := slices.Clone(l.liveTasks)
	slices.SortFunc(out, func(a, b *task) int { return cmp.Compare(a.id, b.id) })
	return out
}

// inboxSpin is how long the loop, about to block while work runs on other
// goroutines (ToThread, Recv), first yields the CPU waiting for the answer:
// a reply that comes within it costs no epoll_wait and eventfd round trip
// (measured: a ToThread round trip 40 us -> 4 us). Bounded by time, so busy
// goroutines cannot stretch it.
const inboxSpin = 20 * time.Microsecond

func (l *Loop) spinForInbox() bool {
	for end := time.Now().Add(inboxSpin); time.Now().Before(end); {
		if l.pending.Load() {
			return true
		}
		runtime.Gosched()
	}
	return l.pending.Load()
}
