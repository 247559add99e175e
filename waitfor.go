package asyncio

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The wait-for record: what every parked task waits on, read from the
// aborter it parked with (task.parkedOn). Each aborter is the waited-on
// object itself, or a pointer-shaped view of it (a *lockWait is the *Lock),
// so recording the wait costs nothing beyond the park: no field, no
// allocation, no clock read. Deadlock reports (debug.go), snapshots and the
// task tree (snapshot.go) describe waits through waitsOn.

// waitFor describes what a parked task waits on.
type waitFor struct {
	what   string  // the kind of wait, as a user would name it: "Lock.Acquire", "Sleep", "Task.Await", ...
	object any     // the awaited object, for identity (nil for a sleep)
	detail string  // extra facts: a deadline, a descriptor and direction, a lock's holder
	on     []*task // tasks whose progress can end the wait, where that is known
}

// describe is the human form: "Lock.Acquire 0xc000123456 (held by Task-3)".
func (w waitFor) describe() string {
	s := w.what
	if w.object != nil {
		s += fmt.Sprintf(" %p", w.object)
	}
	if w.detail != "" {
		s += " (" + w.detail + ")"
	}
	return s
}

// waitsOn returns what t waits on; what is "" if t is not parked.
func (t *task) waitsOn() waitFor {
	if t.state != stateParked || t.parkedOn == nil {
		return waitFor{}
	}
	return t.parkedOn.waitsOn(t)
}

// Pointer-shaped aborters for the primitives whose waiters sit in a wait
// queue: each is the primitive, so the record knows which one. Their abort
// unlinks the task from the queue.
type (
	lockWait             Lock
	semaphoreWait        Semaphore
	conditionWait        Condition
	eventWait            Event
	barrierWait          Barrier
	fdReadWait           fdState
	fdWriteWait          fdState
	shieldWait           task // parked in Shield on the shielded task's joiners
	queueGetWait[T any]  Queue[T]
	queuePutWait[T any]  Queue[T]
	queueJoinWait[T any] Queue[T]
)

func unlink(t *task) bool { t.node.Unlink(); return true }

// nodeWait is an aborter whose task waits in a wait queue through its node
// (checked by the debug invariants).
type nodeWait interface {
	aborter
	usesNode()
}

func (*lockWait) usesNode()         {}
func (*semaphoreWait) usesNode()    {}
func (*conditionWait) usesNode()    {}
func (*eventWait) usesNode()        {}
func (*barrierWait) usesNode()      {}
func (*fdReadWait) usesNode()       {}
func (*fdWriteWait) usesNode()      {}
func (*shieldWait) usesNode()       {}
func (*queueGetWait[T]) usesNode()  {}
func (*queuePutWait[T]) usesNode()  {}
func (*queueJoinWait[T]) usesNode() {}

func (w *lockWait) abort(t *task) bool      { return unlink(t) }
func (w *semaphoreWait) abort(t *task) bool { return unlink(t) }
func (w *conditionWait) abort(t *task) bool { return unlink(t) }
func (w *eventWait) abort(t *task) bool     { return unlink(t) }
func (w *barrierWait) abort(t *task) bool   { return unlink(t) }
func (w *fdReadWait) abort(t *task) bool    { return unlink(t) }
func (w *fdWriteWait) abort(t *task) bool   { return unlink(t) }
func (w *shieldWait) abort(t *task) bool    { return unlink(t) }

func (w *lockWait) waitsOn(t *task) waitFor {
	lk := (*Lock)(w)
	wf := waitFor{what: "Lock.Acquire", object: lk}
	if h := t.loop.liveTask(lk.holder); h != nil {
		wf.detail = "held by " + h.Name()
		wf.on = []*task{h}
	}
	return wf
}
func (w *semaphoreWait) waitsOn(*task) waitFor {
	return waitFor{what: "Semaphore.Acquire", object: (*Semaphore)(w)}
}
func (w *conditionWait) waitsOn(*task) waitFor {
	return waitFor{what: "Condition.Wait", object: (*Condition)(w)}
}
func (w *eventWait) waitsOn(*task) waitFor { return waitFor{what: "Event.Wait", object: (*Event)(w)} }
func (w *barrierWait) waitsOn(*task) waitFor {
	b := (*Barrier)(w)
	return waitFor{what: "Barrier.Wait", object: b,
		detail: fmt.Sprintf("%d of %d parties waiting", b.waiters.Len(), b.Parties())}
}
func (w *fdReadWait) waitsOn(*task) waitFor {
	return waitFor{what: "WaitReadable", detail: fmt.Sprintf("fd %d", w.fd)}
}
func (w *fdWriteWait) waitsOn(*task) waitFor {
	return waitFor{what: "WaitWritable", detail: fmt.Sprintf("fd %d", w.fd)}
}
func (w *shieldWait) waitsOn(*task) waitFor {
	s := (*task)(w)
	return waitFor{what: "Shield", detail: "task " + s.Name(), on: []*task{s}}
}

func (sleepAbort) waitsOn(t *task) waitFor {
	if t.timer.When >= int64(Never) {
		return waitFor{what: "Sleep", detail: "forever"}
	}
	return waitFor{what: "Sleep", detail: "until " + time.Duration(t.timer.When).String()}
}

func (j *joinAbort) waitsOn(*task) waitFor {
	a := (*task)(j)
	return waitFor{what: "Task.Await", detail: "task " + a.Name(), on: []*task{a}}
}

func (g *gathering) waitsOn(*task) waitFor {
	wf := waitFor{what: "Gather", object: g, detail: fmt.Sprintf("%d of %d children unfinished", g.remaining, len(g.children))}
	for _, c := range g.children {
		if c.state != stateDone {
			wf.on = append(wf.on, c)
		}
	}
	return wf
}

func (tg *TaskGroup) waitsOn(*task) waitFor {
	wf := waitFor{what: "TaskGroup end", object: tg, detail: fmt.Sprintf("%d children unfinished", len(tg.children))}
	for c := range tg.children {
		wf.on = append(wf.on, c)
	}
	sortByID(wf.on)
	return wf
}

func (w *watcher) waitsOn(*task) waitFor {
	return waitFor{what: "Wait", object: w}
}

func (a futureAbort[T]) waitsOn(*task) waitFor { return waitFor{what: "Future.Await", object: a.f} }

func (a flagAbort) waitsOn(*task) waitFor { return waitFor{what: "ThreadSafeFlag.Wait", object: a.f} }

func (w *chanWait[T]) waitsOn(*task) waitFor {
	return waitFor{what: "channel Recv/Send", detail: "on another goroutine"}
}

func (c *threadCall[T]) waitsOn(*task) waitFor {
	return waitFor{what: "ToThread", detail: "function running on another goroutine"}
}

func (w *queueGetWait[T]) abort(t *task) bool  { return unlink(t) }
func (w *queuePutWait[T]) abort(t *task) bool  { return unlink(t) }
func (w *queueJoinWait[T]) abort(t *task) bool { return unlink(t) }
func (w *queueGetWait[T]) waitsOn(*task) waitFor {
	return waitFor{what: "Queue.Get", object: (*Queue[T])(w), detail: "empty"}
}
func (w *queuePutWait[T]) waitsOn(*task) waitFor {
	q := (*Queue[T])(w)
	return waitFor{what: "Queue.Put", object: q, detail: fmt.Sprintf("full at %d", q.maxsize)}
}
func (w *queueJoinWait[T]) waitsOn(*task) waitFor {
	q := (*Queue[T])(w)
	return waitFor{what: "Queue.Join", object: q, detail: fmt.Sprintf("%d items not done", q.unfinished)}
}

// liveTask finds an unfinished task by id (nil if none): a scan, for reports.
func (l *Loop) liveTask(id uint64) *task {
	if id == 0 {
		return nil
	}
	for _, t := range l.liveTasks {
		if t.id == id {
			return t
		}
	}
	return nil
}

// sortByID orders tasks by creation, so that reports are deterministic.
func sortByID(ts []*task) {
	slices.SortFunc(ts, func(a, b *task) int { return cmp.Compare(a.id, b.id) })
}
