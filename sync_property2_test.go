package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// Property tests for Event, Condition and Barrier, in the style of
// TestPermitsProperty: random scripts of 15 to 40 operations by main and by
// up to 5 tasks, cancellations (often in the same iteration as a wake-up, since main
// does not yield between two operations unless told to), run on the virtual
// clock with the loop's invariant checks, and compared with a model.
//
// Event (TestEventProperty) checks that
//   - IsSet always matches the model;
//   - Wait on a set event returns nil without suspending;
//   - a waiter parked when a Set happened returns nil, even if Clear follows
//     at once, unless it is cancelled before it resumes: then it returns the
//     CancelledError, as event.go documents (a waiter cancelled before the
//     Set left the queue and is not woken by it);
//   - Wait never returns without a Set or a cancellation, and a woken or
//     cancelled waiter always does return (no lost wake-up).
//
// Condition (TestConditionProperty) checks that
//   - the lock is never held by two tasks, and Locked matches the model;
//   - Wait returns only while holding the lock, also when it is cancelled;
//   - Notify(n) wakes at most n waiters, the longest waiting first among the
//     waiters not cancelled: Wait returns nil only if the model notified it;
//   - a cancelled waiter that was not notified returns the CancelledError;
//   - no notification is lost: a waiter notified and then cancelled either
//     returns nil holding the lock (the cancellation comes at its next
//     await), or returns the CancelledError and passes its notification to
//     the next waiter, as condition.go documents; and when the tasks are
//     quiet, no task that was notified or cancelled is still waiting.
//
// Barrier (TestBarrierProperty) checks that
//   - Broken and NWaiting always match the model;
//   - every completed round passes exactly Parties() tasks, with the distinct
//     indices 0..n-1 in order of arrival, the last arriving at once; even
//     parties cancelled, reset or aborted after the round completed pass;
//   - a task cancelled while it waits leaves the round without breaking it:
//     it gets the CancelledError, and the round needs one more party;
//   - after Abort the barrier is Broken, and every waiter gets
//     ErrBrokenBarrier, at once if it arrives at a broken barrier; Reset
//     sends ErrBrokenBarrier to the waiters and makes the barrier usable.
//
// For all three, a task whose Cancel returned true ends cancelled.

// propBase is what the three models share: the tasks, the problems found,
// and the counters that tell when the tasks are quiet and whether a call
// suspended.
type propBase struct {
	tasks     []*asyncio.Task[any]
	pending   []bool // Cancel returned true and no CancelledError was seen since
	cancelled []bool // Cancel returned true
	events    int    // worker steps, to tell when the tasks are quiet
	ticks     int    // worker steps and main's resumptions, to tell a call did not suspend
	problems  []string
}

// propMaxTasks bounds the tasks of a script.
const propMaxTasks = 5

func (b *propBase) fail(format string, args ...any) {
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// moved records a worker step.
func (b *propBase) moved() { b.events++; b.ticks++ }

// yield is main's Sleep(0). Main awaits only here, so while a worker runs,
// main is always ready: a worker call that suspends lets main run, which
// moves ticks.
func (b *propBase) yield(ctx context.Context) {
	asyncio.Sleep(ctx, 0)
	b.ticks++
}

// settle yields until no worker has made a step for two yields.
func (b *propBase) settle(ctx context.Context) {
	for {
		before := b.events
		b.yield(ctx)
		b.yield(ctx)
		if b.events == before {
			return
		}
	}
}

func (b *propBase) spawn(ctx context.Context, fn func(ctx context.Context, k int) error) {
	if len(b.tasks) >= propMaxTasks {
		return
	}
	k := len(b.tasks)
	b.pending = append(b.pending, false)
	b.cancelled = append(b.cancelled, false)
	b.tasks = append(b.tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
		return nil, fn(ctx, k)
	}))
}

// pick returns the n-th (mod their number) of the unfinished tasks for
// which in returns true, or -1 if there is none.
func (b *propBase) pick(n int, in func(k int) bool) int {
	var ks []int
	for k, t := range b.tasks {
		if !t.Done() && in(k) {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		return -1
	}
	return ks[n%len(ks)]
}

// pickBusy picks, for even n, one of the tasks in a call of the primitive
// (busy), else one of all the unfinished tasks.
func (b *propBase) pickBusy(n int, busy func(k int) bool) int {
	if n%2 == 0 {
		if k := b.pick(n/2, busy); k >= 0 {
			return k
		}
	}
	return b.pick(n/2, func(int) bool { return true })
}

// cancel cancels task k, if k >= 0, and reports whether Cancel returned true.
func (b *propBase) cancel(k int) bool {
	if k < 0 || !b.tasks[k].Cancel() {
		return false
	}
	b.pending[k], b.cancelled[k] = true, true
	return true
}

// cancelledErr is called when an await of task k returned err, a
// CancelledError: it checks that the task was cancelled, and marks the
// cancellation delivered.
func (b *propBase) cancelledErr(k int, what string, err error) {
	if !syncCancelled(err) {
		b.fail("task %d: %s returned %v", k, what, err)
	} else if !b.pending[k] {
		b.fail("task %d: %s returned %v, but no cancellation was pending", k, what, err)
	}
	b.pending[k] = false
}

// sleep is a worker's Sleep(0); it reports whether a cancellation came.
func (b *propBase) sleep(ctx context.Context, k int) error {
	err := asyncio.Sleep(ctx, 0)
	b.moved()
	if err != nil {
		b.cancelledErr(k, "Sleep(0)", err)
	}
	return err
}

// finish cancels every task with cancel, lets them end, and checks that each
// did, cancelled if a Cancel of it returned true.
func (b *propBase) finish(ctx context.Context, cancel func(k int)) {
	for k := range b.tasks {
		cancel(k)
	}
	b.settle(ctx)
	for k, t := range b.tasks {
		if !t.Done() {
			b.fail("end: task %d has not finished after it was cancelled", k)
		} else if b.cancelled[k] && !t.Cancelled() {
			_, err := t.Result()
			b.fail("end: task %d was cancelled but ended with %v", k, err)
		}
	}
}

// propRun runs main on a fresh virtual-clock loop and reports the problems
// found to rt.
func propRun(t *testing.T, rt *rapid.T, b *propBase, main func(ctx context.Context)) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		main(ctx)
		return nil, nil
	})
	if err != nil {
		b.fail("run: %v", err)
	}
	if len(b.problems) > 0 {
		rt.Fatalf("%d problems:\n%s", len(b.problems), strings.Join(b.problems, "\n"))
	}
}

// propOp is one action of main; N picks a task, a count or a script.
type propOp struct{ Kind, N int }

// propOps draws a script of up to 40 operations; kind k is drawn weights[k]
// times as often as a kind of weight 1.
func propOps(rt *rapid.T, weights ...int) []propOp {
	var kinds []int
	for k, w := range weights {
		for range w {
			kinds = append(kinds, k)
		}
	}
	op := rapid.Custom(func(rt *rapid.T) propOp {
		return propOp{rapid.SampledFrom(kinds).Draw(rt, "kind"), rapid.IntRange(0, 11).Draw(rt, "n")}
	})
	return rapid.SliceOfN(op, 15, 40).Draw(rt, "ops")
}

// ---- Event ----

const (
	evSpawn     = iota // a task that waits 1 to 3 times, with a Sleep(0) after each
	evSet              // main: Set
	evClear            // main: Clear
	evSetClear         // main: Set and Clear at once
	evSetCancel        // main: Set, then cancel the N-th of the tasks it woke
	evCancel           // main: cancel the N-th task, or task in Wait
	evYield            // main: Sleep(0)
	evSettle           // main: yield until the tasks are quiet, then check
	evNumOps
)

// evCall is one call of Event.Wait.
type evCall struct {
	seq       int
	atOnce    bool // the event was set: Wait must return nil without suspending
	parked    bool // in the event's queue
	woken     bool // a Set woke it
	detached  bool // cancelled while parked: it left the queue
	cancelled bool // cancelled after a Set woke it, before it resumed
}

type eventModel struct {
	propBase
	ev     asyncio.Event
	set    bool
	seq    int
	cur    [propMaxTasks]*evCall // the call each task is in
	parked []*evCall
}

func (m *eventModel) worker(reps int) func(ctx context.Context, k int) error {
	return func(ctx context.Context, k int) error {
		for range reps {
			c := &evCall{seq: m.seq, atOnce: m.set}
			m.seq++
			switch {
			case m.set:
			case m.pending[k]:
				c.detached = true // cancelled while running: it leaves the queue at once
			default:
				c.parked = true
				m.parked = append(m.parked, c)
			}
			m.cur[k] = c
			m.moved()
			before := m.ticks
			err := m.ev.Wait(ctx)
			suspended := m.ticks != before
			m.cur[k] = nil
			m.moved()
			switch {
			case c.atOnce:
				if err != nil || suspended {
					m.fail("task %d: Wait %d on a set event returned %v, suspended %v", k, c.seq, err, suspended)
				}
			case err == nil:
				if !c.woken || c.detached || c.cancelled {
					m.fail("task %d: Wait %d returned nil; woken by a Set %v, cancelled before %v, after %v",
						k, c.seq, c.woken, c.detached, c.cancelled)
				}
			default:
				if !c.detached && !c.cancelled {
					m.fail("task %d: Wait %d returned %v, but it was not cancelled before it resumed (woken %v)",
						k, c.seq, err, c.woken)
				}
				m.cancelledErr(k, "Event.Wait", err)
			}
			if err != nil {
				return err
			}
			if err := m.sleep(ctx, k); err != nil {
				return err
			}
		}
		return m.sleep(ctx, k)
	}
}

// doSet is Set; it returns the calls it woke.
func (m *eventModel) doSet() []*evCall {
	m.ev.Set()
	if m.set {
		return nil
	}
	m.set = true
	woke := m.parked
	for _, c := range woke {
		c.parked, c.woken = false, true
	}
	m.parked = nil
	return woke
}

func (m *eventModel) busy(k int) bool { return m.cur[k] != nil }

func (m *eventModel) cancel(k int) {
	if !m.propBase.cancel(k) || m.cur[k] == nil {
		return
	}
	c := m.cur[k]
	switch {
	case c.parked:
		c.parked, c.detached = false, true
		for i, p := range m.parked {
			if p == c {
				m.parked = append(m.parked[:i], m.parked[i+1:]...)
				break
			}
		}
	case c.woken:
		c.cancelled = true
	}
}

func (m *eventModel) step(ctx context.Context, op propOp) {
	switch op.Kind {
	case evSpawn:
		m.spawn(ctx, m.worker(1+op.N%3))
	case evSet:
		m.doSet()
	case evClear:
		m.ev.Clear()
		m.set = false
	case evSetClear:
		m.doSet()
		m.ev.Clear()
		m.set = false
	case evSetCancel:
		woke := m.doSet()
		m.cancel(m.pick(op.N, func(k int) bool { return m.cur[k] != nil && slices.Contains(woke, m.cur[k]) }))
	case evCancel:
		m.cancel(m.pickBusy(op.N, m.busy))
	case evYield:
		m.yield(ctx)
	case evSettle:
		m.settle(ctx)
		m.check()
	}
	if m.ev.IsSet() != m.set {
		m.fail("IsSet() = %v, model %v", m.ev.IsSet(), m.set)
	}
}

// check runs when the tasks are quiet: only waiters parked in the queue may
// still wait.
func (m *eventModel) check() {
	for k, c := range m.cur {
		if c != nil && !c.parked {
			m.fail("settled: task %d still in Wait %d; set at call %v, woken %v, cancelled %v/%v",
				k, c.seq, c.atOnce, c.woken, c.detached, c.cancelled)
		}
	}
}

func TestEventProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		// spawn, set, clear, set+clear, set+cancel, cancel, yield, settle
		ops := propOps(rt, 4, 1, 2, 2, 2, 2, 2, 1)
		m := &eventModel{}
		propRun(t, rt, &m.propBase, func(ctx context.Context) {
			for _, op := range ops {
				m.step(ctx, op)
			}
			m.settle(ctx)
			m.check()
			m.finish(ctx, m.cancel)
			m.check()
		})
	})
}

// ---- Condition ----

const (
	cSpawn        = iota // a task that runs script N
	cAcquire             // main: Acquire, which may suspend, and hold the lock
	cRelease             // main: Release the lock if it holds it
	cNotify              // main: Notify(N%4), taking the lock just for it if it does not hold it and it is free
	cNotifyAll           // main: NotifyAll, likewise
	cNotifyCancel        // main: Notify(1) likewise, then cancel the task it notified
	cCancel              // main: cancel the N-th task, or task in Acquire or Wait
	cYield               // main: Sleep(0)
	cSettle              // main: yield until the tasks are quiet, then check
	cNumOps
)

// The actions of a task's script; a task skips Acquire when it holds the
// lock, and turns Release, Wait and the notifies into Acquire when it does not.
const (
	caAcquire = iota
	caRelease
	caWait
	caNotify // Notify(N)
	caNotifyAll
	caYield
)

type condAct struct{ Kind, N int }

// condCall is one call of Condition.Wait.
type condCall struct {
	seq      int
	queued   bool // in the condition's queue, not notified
	notified bool
	detached bool // cancelled before it was notified
}

const (
	noHolder   = -1
	mainHolder = propMaxTasks // main's number as a holder
)

type condModel struct {
	propBase
	c         asyncio.Condition
	scripts   [][]condAct
	holder    int // a task's index, mainHolder, or noHolder
	seq       int
	queue     []*condCall // the condition's queue, oldest first
	cur       [propMaxTasks]*condCall
	inAcquire [propMaxTasks]bool
}

// acquired records that who got the lock.
func (m *condModel) acquired(who int, how string) {
	if m.holder != noHolder {
		m.fail("%s: %d took the lock held by %d", how, who, m.holder)
	}
	if !m.c.Locked() {
		m.fail("%s: %d holds the lock, but Locked() is false", how, who)
	}
	m.holder = who
}

func (m *condModel) released(who int) {
	if m.holder != who {
		m.fail("%d releases the lock held by %d", who, m.holder)
	}
	m.holder = noHolder
}

// notify is the model of Notify(n): the n oldest waiters are notified. It
// returns them.
func (m *condModel) notify(n int) []*condCall {
	n = min(n, len(m.queue))
	woke := m.queue[:n:n]
	m.queue = m.queue[n:]
	for _, c := range woke {
		c.queued, c.notified = false, true
	}
	return woke
}

func (m *condModel) worker(script []condAct) func(ctx context.Context, k int) error {
	return func(ctx context.Context, k int) error {
		holds := false
		quit := func(err error) error {
			if holds {
				m.released(k)
				m.c.Release()
			}
			return err
		}
		for _, a := range script {
			m.moved()
			if !holds && a.Kind != caYield {
				a.Kind = caAcquire
			}
			switch a.Kind {
			case caAcquire:
				if holds {
					continue
				}
				m.inAcquire[k] = true
				err := m.c.Acquire(ctx)
				m.inAcquire[k] = false
				m.moved()
				if err != nil {
					m.cancelledErr(k, "Acquire", err)
					return err
				}
				m.acquired(k, "Acquire")
				holds = true
			case caRelease:
				m.released(k)
				m.c.Release()
				holds = false
			case caWait:
				if err := m.wait(ctx, k); err != nil {
					return quit(err)
				}
			case caNotify:
				m.notify(a.N)
				m.c.Notify(a.N)
			case caNotifyAll:
				m.notify(len(m.queue))
				m.c.NotifyAll()
			case caYield:
				if err := m.sleep(ctx, k); err != nil {
					return quit(err)
				}
			}
		}
		return quit(m.sleep(ctx, k))
	}
}

// wait is a Wait by task k, which holds the lock.
func (m *condModel) wait(ctx context.Context, k int) error {
	c := &condCall{seq: m.seq}
	m.seq++
	m.released(k)
	if m.pending[k] {
		c.detached = true // cancelled while running: it leaves the queue at once
	} else {
		c.queued = true
		m.queue = append(m.queue, c)
	}
	m.cur[k] = c
	err := m.c.Wait(ctx)
	m.cur[k] = nil
	m.moved()
	m.acquired(k, fmt.Sprintf("Wait %d returning %v", c.seq, err))
	switch {
	case err == nil:
		if !c.notified {
			m.fail("task %d: Wait %d returned nil without a notification (cancelled %v, queued %v)",
				k, c.seq, c.detached, c.queued)
		}
	default:
		m.cancelledErr(k, fmt.Sprintf("Condition.Wait %d", c.seq), err)
		if c.notified {
			m.notify(1) // passed on
		}
	}
	return err
}

func (m *condModel) busy(k int) bool { return m.cur[k] != nil || m.inAcquire[k] }

func (m *condModel) cancel(k int) {
	if !m.propBase.cancel(k) || m.cur[k] == nil || !m.cur[k].queued {
		return
	}
	c := m.cur[k]
	c.queued, c.detached = false, true
	for i, q := range m.queue {
		if q == c {
			m.queue = append(m.queue[:i], m.queue[i+1:]...)
			break
		}
	}
}

// mainNotify is main notifying, without suspending: if it does not hold the
// lock, it takes it if it is free, and releases it after. It returns the
// waiters notified.
func (m *condModel) mainNotify(n int, all bool) []*condCall {
	held := m.holder == mainHolder
	if !held {
		if !m.c.TryAcquire() {
			return nil
		}
		m.acquired(mainHolder, "TryAcquire")
	}
	var woke []*condCall
	if all {
		woke = m.notify(len(m.queue))
		m.c.NotifyAll()
	} else {
		woke = m.notify(n)
		m.c.Notify(n)
	}
	if !held {
		m.mainRelease()
	}
	return woke
}

func (m *condModel) mainAcquire(ctx context.Context) {
	if m.holder == mainHolder {
		return
	}
	if err := m.c.Acquire(ctx); err != nil {
		m.fail("main's Acquire: %v", err)
		return
	}
	m.acquired(mainHolder, "main's Acquire")
}

func (m *condModel) mainRelease() {
	if m.holder == mainHolder {
		m.released(mainHolder)
		m.c.Release()
	}
}

func (m *condModel) step(ctx context.Context, op propOp) {
	switch op.Kind {
	case cSpawn:
		m.spawn(ctx, m.worker(m.scripts[op.N%len(m.scripts)]))
	case cAcquire:
		m.mainAcquire(ctx)
	case cRelease:
		m.mainRelease()
	case cNotify:
		m.mainNotify(op.N%4, false)
	case cNotifyAll:
		m.mainNotify(0, true)
	case cNotifyCancel:
		woke := m.mainNotify(1, false)
		m.cancel(m.pick(0, func(k int) bool { return m.cur[k] != nil && slices.Contains(woke, m.cur[k]) }))
	case cCancel:
		m.cancel(m.pickBusy(op.N, m.busy))
	case cYield:
		m.yield(ctx)
	case cSettle:
		m.settle(ctx)
		m.check()
	}
}

// check runs when the tasks are quiet. A task holding the lock always goes
// on running, so only main may hold it now. If nobody does, nobody may wait
// for it, and only waiters in the queue, neither notified nor cancelled, may
// still be in Wait.
func (m *condModel) check() {
	if m.holder != noHolder && m.holder != mainHolder || m.c.Locked() != (m.holder != noHolder) {
		m.fail("settled: Locked() %v, model holder %d", m.c.Locked(), m.holder)
	}
	if m.holder == mainHolder {
		return
	}
	for k := range propMaxTasks {
		if c := m.cur[k]; c != nil && !c.queued {
			m.fail("settled: task %d still in Wait %d; notified %v, cancelled %v: a notification or cancellation was lost",
				k, c.seq, c.notified, c.detached)
		}
		if m.inAcquire[k] {
			m.fail("settled: task %d still in Acquire of a free lock", k)
		}
	}
}

func TestConditionProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		act := rapid.Custom(func(rt *rapid.T) condAct {
			// Wait three times as often as each other action.
			kind := rapid.SampledFrom([]int{caAcquire, caRelease, caWait, caWait, caWait, caNotify, caNotifyAll, caYield}).Draw(rt, "act")
			return condAct{kind, rapid.IntRange(0, 3).Draw(rt, "n")}
		})
		scripts := rapid.SliceOfN(rapid.SliceOfN(act, 3, 8), propMaxTasks, propMaxTasks).Draw(rt, "scripts")
		// spawn, acquire, release, notify, notify all, notify+cancel, cancel, yield, settle
		ops := propOps(rt, 4, 2, 2, 2, 1, 3, 2, 2, 1)
		m := &condModel{scripts: scripts, holder: noHolder}
		propRun(t, rt, &m.propBase, func(ctx context.Context) {
			for _, op := range ops {
				m.step(ctx, op)
			}
			m.settle(ctx)
			m.check()
			m.mainRelease()
			m.finish(ctx, m.cancel)
			m.check()
		})
	})
}

// ---- Barrier ----

const (
	bSpawn        = iota // a task that waits 1 to 3 times, with a Sleep(0) after each
	bReset               // main: Reset
	bAbort               // main: Abort
	bResetCancel         // main: Reset, then cancel the N-th of the tasks it woke
	bCancelPassed        // main: cancel the N-th task that passed and has not resumed
	bCancel              // main: cancel the N-th task, or task in Wait
	bYield               // main: Sleep(0)
	bSettle              // main: yield until the tasks are quiet, then check
	bNumOps
)

// barCall is one call of Barrier.Wait.
type barCall struct {
	seq       int
	atOnce    bool // must return without suspending
	waiting   bool // in the current round
	round     int  // the completed round it passed in, or -1
	index     int  // its index there
	failed    bool // a Reset or Abort broke its round, or the barrier was broken
	left      bool // cancelled before its round completed
	cancelled bool // cancelled after its round completed or a Reset or Abort woke it, before it resumed
}

type barrierModel struct {
	propBase
	b       *asyncio.Barrier
	parties int
	broken  bool
	seq     int
	waiting []*barCall // the current round, in order of arrival
	rounds  [][]int    // per completed round, the indices its parties returned
	cur     [propMaxTasks]*barCall
}

func (m *barrierModel) arrive(k int) *barCall {
	c := &barCall{seq: m.seq, round: -1}
	m.seq++
	switch {
	case m.broken:
		c.atOnce, c.failed = true, true
	case len(m.waiting)+1 >= m.parties:
		r := len(m.rounds)
		m.rounds = append(m.rounds, nil)
		for i, w := range m.waiting {
			w.waiting, w.round, w.index = false, r, i
		}
		c.atOnce, c.round, c.index = true, r, len(m.waiting)
		m.waiting = nil
	case m.pending[k]:
		c.left = true // cancelled while running: it leaves at once
	default:
		c.waiting = true
		m.waiting = append(m.waiting, c)
	}
	return c
}

func (m *barrierModel) worker(reps int) func(ctx context.Context, k int) error {
	return func(ctx context.Context, k int) error {
		for range reps {
			c := m.arrive(k)
			m.cur[k] = c
			m.moved()
			before := m.ticks
			i, err := m.b.Wait(ctx)
			suspended := m.ticks != before
			m.cur[k] = nil
			m.moved()
			if c.atOnce && suspended {
				m.fail("task %d: Wait %d suspended; broken %v, last of round %d", k, c.seq, c.failed, c.round)
			}
			switch {
			case err == nil:
				if c.round < 0 || i != c.index {
					m.fail("task %d: Wait %d returned index %d, want round %d index %d (failed %v, left %v)",
						k, c.seq, i, c.round, c.index, c.failed, c.left)
				}
				if c.round >= 0 {
					m.rounds[c.round] = append(m.rounds[c.round], i)
				}
			case errors.Is(err, asyncio.ErrBrokenBarrier):
				if !c.failed || i != -1 {
					m.fail("task %d: Wait %d returned %d, %v; passed in round %d, left %v",
						k, c.seq, i, err, c.round, c.left)
				}
			default:
				// A task woken by a Reset or Abort, or passed, and cancelled
				// before it resumed gets this (a broken round may instead
				// give ErrBrokenBarrier: barrier.go promises neither).
				if !c.left && !c.cancelled || i != -1 {
					m.fail("task %d: Wait %d returned %d, %v; passed in round %d, failed %v",
						k, c.seq, i, err, c.round, c.failed)
				}
				m.cancelledErr(k, "Barrier.Wait", err)
				return err
			}
			if err := m.sleep(ctx, k); err != nil {
				return err
			}
		}
		return m.sleep(ctx, k)
	}
}

// breakRound is Reset or Abort: the waiting parties get ErrBrokenBarrier.
// It returns them.
func (m *barrierModel) breakRound(abort bool) []*barCall {
	if abort {
		m.b.Abort()
	} else {
		m.b.Reset()
	}
	for _, w := range m.waiting {
		w.waiting, w.failed = false, true
	}
	woke := m.waiting
	m.waiting = nil
	m.broken = abort
	return woke
}

func (m *barrierModel) busy(k int) bool { return m.cur[k] != nil }

func (m *barrierModel) cancel(k int) {
	if !m.propBase.cancel(k) || m.cur[k] == nil {
		return
	}
	c := m.cur[k]
	switch {
	case c.waiting:
		c.waiting, c.left = false, true
		for i, w := range m.waiting {
			if w == c {
				m.waiting = append(m.waiting[:i], m.waiting[i+1:]...)
				break
			}
		}
	case c.failed && !c.atOnce:
		c.cancelled = true
	case c.round >= 0 && !c.atOnce && !c.cancelled:
		// Passed but not resumed: Wait returns the cancellation (CPython's
		// rule); its index stays taken, so the others keep theirs.
		c.cancelled = true
		m.rounds[c.round] = append(m.rounds[c.round], c.index)
	}
}

func (m *barrierModel) step(ctx context.Context, op propOp) {
	switch op.Kind {
	case bSpawn:
		m.spawn(ctx, m.worker(1+op.N%3))
	case bReset:
		m.breakRound(false)
	case bAbort:
		m.breakRound(true)
	case bResetCancel:
		woke := m.breakRound(false)
		m.cancel(m.pick(op.N, func(k int) bool { return m.cur[k] != nil && slices.Contains(woke, m.cur[k]) }))
	case bCancelPassed:
		m.cancel(m.pick(op.N, func(k int) bool { return m.cur[k] != nil && m.cur[k].round >= 0 }))
	case bCancel:
		m.cancel(m.pickBusy(op.N, m.busy))
	case bYield:
		m.yield(ctx)
	case bSettle:
		m.settle(ctx)
		m.check()
	}
	m.checkState()
}

func (m *barrierModel) checkState() {
	if m.b.Broken() != m.broken || m.b.NWaiting() != len(m.waiting) || m.b.Parties() != m.parties {
		m.fail("Broken() %v, NWaiting() %d, Parties() %d; model %v, %d, %d",
			m.b.Broken(), m.b.NWaiting(), m.b.Parties(), m.broken, len(m.waiting), m.parties)
	}
}

// check runs when the tasks are quiet: only parties of the filling round may
// still wait, and every completed round has passed all its parties.
func (m *barrierModel) check() {
	m.checkState()
	for k, c := range m.cur {
		if c != nil && !c.waiting {
			m.fail("settled: task %d still in Wait %d; round %d, failed %v, left %v",
				k, c.seq, c.round, c.failed, c.left)
		}
	}
	for r, idx := range m.rounds {
		seen := make([]bool, m.parties)
		for _, i := range idx {
			if i >= 0 && i < m.parties {
				seen[i] = true
			}
		}
		ok := len(idx) == m.parties
		for _, s := range seen {
			ok = ok && s
		}
		if !ok {
			m.fail("settled: round %d of %d parties passed with indices %v", r, m.parties, idx)
		}
	}
}

func TestBarrierProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		parties := rapid.IntRange(0, 4).Draw(rt, "parties") // 0: the zero Barrier, for one party
		// spawn, reset, abort, reset+cancel, cancel passed, cancel, yield, settle
		ops := propOps(rt, 4, 1, 1, 1, 2, 2, 2, 1)
		m := &barrierModel{parties: max(parties, 1)}
		if parties == 0 {
			m.b = new(asyncio.Barrier)
		} else {
			m.b = asyncio.NewBarrier(parties)
		}
		propRun(t, rt, &m.propBase, func(ctx context.Context) {
			for _, op := range ops {
				m.step(ctx, op)
			}
			m.settle(ctx)
			m.check()
			m.finish(ctx, m.cancel)
			m.check()
		})
	})
}
