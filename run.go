package asyncio

import (
	"context"
	"sync"
	"time"

	"github.com/asyncio-go/asyncio/internal/gid"
)

var (
	globalMu sync.Mutex
	global   *Loop // the program's loop; replaced when closed or by NewEventLoop
)

// GetEventLoop returns the program's event loop, creating it if there is none
// or the last one was closed (asyncio.get_event_loop()). Safe from any
// goroutine.
func GetEventLoop() *Loop {
	globalMu.Lock()
	defer globalMu.Unlock()
	if global == nil || global.closed.Load() {
		global = newLoop()
	}
	return global
}

// NewEventLoop closes the program's loop, discarding its pending tasks and
// callbacks, and installs a fresh one, which it returns
// (asyncio.new_event_loop(); as in MicroPython, it resets the loop's state).
// It panics if the loop is running. Not from inside a task.
func NewEventLoop() *Loop {
	globalMu.Lock()
	old := global
	globalMu.Unlock()
	if old != nil && !old.closed.Load() {
		if err := old.Close(); err != nil {
			misuse("NewEventLoop called while the event loop is running; " +
				"there is one loop per program: await work from tasks instead")
		}
	}
	globalMu.Lock()
	defer globalMu.Unlock()
	global = newLoop()
	return global
}

// Run runs main as the program's top-level task and returns its result
// (asyncio.run). It does exactly this:
//
//  1. create the event loop if it does not exist;
//  2. wrap main in a task, named "main";
//  3. run the loop until that task returns or fails;
//  4. cancel every task still running and run the loop until each has run its
//     cleanup to the end;
//  5. return main's result and error.
//
// While it runs, the first SIGINT (Ctrl-C) cancels main and a second one ends
// the program at once; if main ends cancelled, Run returns its cancellation,
// matching ErrInterrupted. RunOptions{NoInterruptHandler: true} leaves SIGINT alone.
//
// If main itself panics, Run panics with a *PanicError holding the original
// value and main's stack (after step 4). An error main returns is returned,
// even a *PanicError main got from awaiting a task that panicked; a
// runtime.Goexit in main (t.Fatal) ends it with a *GoexitError, which is
// returned too. Calling Run while the loop is running (from
// a task, or from another goroutine) returns ErrLoopRunning at once: there is
// one loop per program.
func Run[T any](main func(ctx context.Context) (T, error), opts ...RunOptions) (_ T, runErr error) {
	var zero T
	if main == nil {
		misuse("Run called with a nil function; pass the function main should run")
	}
	l := GetEventLoop()
	if l.running.Load() {
		return zero, ErrLoopRunning
	}
	t := createTask(l, context.Background(), main, []string{"main"})
	t.retrieved = true // Run is the owner of main's outcome
	// SIGINT cancels main until Run returns (interrupt.go).
	defer watchInterrupts(l, &t.task, opts)(&runErr)
	err := l.RunUntilComplete(t)
	finished := t.Done()
	l.shutdown()
	l.shutdownDefaultExecutor()
	l.Close() // as asyncio.run: nothing posted to this run leaks into the next; the next Run gets a fresh loop
	if err != nil && !finished {
		return zero, err // the loop was stopped or deadlocked
	}
	if pe, ok := t.err.(*PanicError); ok && pe.owner == &t.task { // main's own panic, not one it returned
		panic(pe)
	}
	return t.result, t.err
}

// shutdown is Run's step 4: cancel what is left and let it finish, in rounds,
// since cleanup code may start new tasks. Then release pooled goroutines.
func (l *Loop) shutdown() {
	for round := 0; len(l.liveTasks) > 0 && round < 100; round++ {
		left := l.liveByAge()
		for _, t := range left {
			t.Cancel()
		}
		for _, t := range left {
			if err := l.runUntil(t); err != nil {
				l.killLive() // the loop cannot finish them (deadlock): do not leak them
				break
			}
		}
	}
	l.killLive()
	l.dropIdleCoros()
}

// killLive ends every unfinished task without running it further: a task
// suspended mid-function has its coroutine killed, so its deferred calls run
// and its goroutine exits. Each is reported as destroyed while pending.
func (l *Loop) killLive() {
	for len(l.liveTasks) > 0 { // a completion hook may start a task: kill it too
		l.killTasks(l.liveByAge())
	}
}

func (l *Loop) killTasks(tasks []*task) {
	for _, t := range tasks {
		if t.co != nil {
			l.callHandler(ExceptionContext{Message: "Task was destroyed but it is pending", Task: t.impl})
			// Detach it from what it waits on first, so that a primitive that
			// outlives the loop never hands an item to a dead task. Only the
			// wait queue and the timer are undone here; custom aborters
			// (ThreadSafeFlag, Gather) are not run, which is harmless while
			// such objects are bound to this loop and die with it.
			t.node.Unlink()
			l.timers.Remove(&t.timer)
			t.co.Kill()
			t.co = nil
		}
		t.state = stateDone
		t.cancelled = true
		t.err = &CancelledError{Msg: "event loop closed while the task was pending"}
		l.unlinkLive(t)
		// ConcurrentFuture, Gather, TaskGroup learn of it.
		t.notifyHooks()
	}
}

// RunUntilComplete runs the loop until t finishes and returns t's error
// (loop.run_until_complete). t must come from this loop (CreateTask or
// Loop.CreateTask). It returns ErrLoopRunning if the loop is already running,
// ErrLoopClosed if it is closed, and ErrLoopStopped if Stop ended the run
// first. Loop goroutine only, with the loop not running.
func (l *Loop) RunUntilComplete(t AnyTask) error {
	var b *task
	if t != nil {
		b = t.base()
	}
	if b == nil {
		misuse("RunUntilComplete called with a nil task; pass the task CreateTask returned")
	}
	if b.loop != l {
		misuse("RunUntilComplete given a task of another event loop; create it with this loop's CreateTask")
	}
	if err := l.runUntil(b); err != nil {
		return err
	}
	if !b.Done() {
		return ErrLoopStopped
	}
	b.retrieved = true
	return b.err
}

// RunForever runs the loop until Stop is called (loop.run_forever). Loop
// goroutine only, with the loop not running.
func (l *Loop) RunForever() error { return l.runUntil(nil) }

// runUntil runs iterations until t is done (t != nil) or Stop is called.
func (l *Loop) runUntil(t *task) error {
	if l.closed.Load() {
		return ErrLoopClosed
	}
	if !l.running.CompareAndSwap(false, true) {
		return ErrLoopRunning
	}
	defer l.running.Store(false)
	defer l.startWatchdog()()
	l.coarseNow.Store(int64(l.clock.Now())) // parks record it (task.parkedAt)
	if l.debug {
		l.loopG = gid.Current()
	}
	for t == nil || t.state != stateDone {
		if l.onlyReadyWork() {
			l.runBatch() // runOnce with phases 1-3 skipped: the yield fast path
			if len(l.flushq) > 0 {
				l.flushWrites() // phase 5: a stream written to without ever waiting
			}
			if l.stopping { // Stop during this batch: this iteration was the last
				l.stopping = false
				break
			}
			continue
		}
		if err := l.runOnce(); err != nil {
			return err
		}
		if l.stopping {
			l.stopping = false
			break
		}
	}
	return nil
}

// Stop makes RunForever or RunUntilComplete return at the end of the current
// iteration (loop.stop): the callbacks and tasks of the batch being run
// finish it, and what they schedule (a new task's first step, a task's
// resumption after Sleep(0)) runs the next time the loop runs. If the loop is not
// running, the next run does one iteration and returns. Loop goroutine only.
func (l *Loop) Stop() { l.stopping = true }

// IsRunning reports whether the loop is running. Safe from any goroutine.
func (l *Loop) IsRunning() bool { return l.running.Load() }

// IsClosed reports whether Close was called. Safe from any goroutine.
func (l *Loop) IsClosed() bool { return l.closed.Load() }

// Close shuts the loop down (loop.close): pending callbacks are dropped,
// tasks that have not finished are killed (their deferred calls run, and
// their awaits fail at once), and the poller is released. It returns
// ErrLoopRunning if the loop is running; closing a closed loop does nothing.
// Loop goroutine only.
func (l *Loop) Close() error {
	if l.running.Load() {
		return ErrLoopRunning
	}
	if l.closed.Swap(true) {
		return nil
	}
	l.killLive()
	for s := range l.ownedStreams { // pipes, terminals, devices, a child's streams: released with the loop
		s.close()
	}
	l.removeSignalHandlers()
	l.inboxMu.Lock() // after this no post is accepted (post checks closed under the lock)
	l.inbox = nil
	l.inboxMu.Unlock()
	for l.ready.Len() > 0 {
		l.ready.Pop()
	}
	for l.timers.Pop() != nil {
	}
	l.dropIdleCoros()
	return l.poller.Close()
}

// Time returns the loop's current time on its monotonic clock (loop.time()).
// CallAt and Timeout deadlines use this scale. Safe from any goroutine if the
// clock is.
func (l *Loop) Time() time.Duration { return l.clock.Now() }

// SetClock replaces the loop's clock; tests use asynciotest's virtual clock.
// Loop goroutine only, before the loop has timers.
func (l *Loop) SetClock(c Clock) {
	if l.running.Load() || l.timers.Len() > 0 {
		misuse("SetClock called on a running loop or one with timers; set the clock right after NewEventLoop")
	}
	l.clock = c
}

// SetDebug turns debug mode on or off (loop.set_debug): loop-only methods
// check that they are called from the loop goroutine, and the loop checks its
// invariants after every iteration. The ASYNCIODEBUG environment variable
// turns it on for new loops. Loop goroutine only.
func (l *Loop) SetDebug(on bool) { l.debug = on }

// GetDebug reports whether debug mode is on.
func (l *Loop) GetDebug() bool { return l.debug }
