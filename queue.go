package asyncio

import (
	"context"
	"errors"

	"github.com/asyncio-go/asyncio/internal/waitq"
)

// ErrQueueShutDown is returned by Queue.Put and Queue.Get once the queue is
// shut down (asyncio.QueueShutDown): by Put at once, by Get when no item is
// left for it. See Queue.Shutdown.
var ErrQueueShutDown = errors.New("asyncio: queue is shut down")

// ErrQueueFull is returned by Queue.TryPut when the queue is full
// (asyncio.QueueFull).
var ErrQueueFull = errors.New("asyncio: queue is full")

// ErrQueueEmpty is returned by Queue.TryGet when no item is available
// (asyncio.QueueEmpty).
var ErrQueueEmpty = errors.New("asyncio: queue is empty")

// Queue is a queue of items of type T between tasks (asyncio.Queue): Put adds
// an item, suspending while the queue is full; Get takes one, suspending
// while it is empty. NewQueue gives it a maximum size; the zero value is an
// empty, unbounded FIFO queue ready to use. NewLifoQueue and NewPriorityQueue
// make queues that give out items in another order.
//
// Every method is loop goroutine only: a Queue is not for passing values
// between goroutines (use a channel, or CallSoonThreadsafe to put from
// another goroutine). Blocked callers are served in the order they blocked.
//
// # Hand-off
//
// A Put that finds a task waiting in Get hands its item to that task, and a
// Get that makes room when a task waits in Put grants that room to it: the
// woken task is granted what it waited for (see park.go), so it resumes
// successfully even if it is cancelled before it runs, and the cancellation
// comes at its next await. So an item is never lost to a cancellation, and a
// woken waiter never has to wait again, or lets the next waiter starve. An
// item handed over is no longer counted by Qsize or Full, and cannot be taken
// by another task, though it stays in the queue's storage until its new
// owner runs; a place granted is counted by Full, so no Put or TryPut can
// take it.
type Queue[T any] struct {
	// All fields are owned by the loop goroutine.
	items   store[T]           // handed items and available items, in the kind's order
	maxsize int                // > 0: Full at maxsize items; 0: unbounded
	getters waitq.Queue[*task] // parked in Get; non-empty only while Qsize() == 0
	putters waitq.Queue[*task] // parked in Put; non-empty only while Full()
	joiners waitq.Queue[*task] // parked in Join; non-empty only while unfinished > 0
	handed  int                // items handed to woken getters that have not yet taken them
	granted int                // places granted to woken putters that have not yet filled them
	// unfinished counts items put and not yet matched by TaskDone.
	unfinished int
	shutDown   bool // Shutdown was called: Put fails; Get fails once nothing is available
}

// NewQueue returns an empty FIFO queue that holds at most maxsize items
// (asyncio.Queue(maxsize)); with maxsize <= 0 it is unbounded.
func NewQueue[T any](maxsize int) *Queue[T] {
	return &Queue[T]{maxsize: max(maxsize, 0)}
}

// Maxsize returns the number of items the queue holds at most, 0 for an
// unbounded queue. Loop goroutine only.
func (q *Queue[T]) Maxsize() int { return q.maxsize }

// Qsize returns the number of items a Get could take now; items already
// handed to woken getters are not counted. Loop goroutine only.
func (q *Queue[T]) Qsize() int { return q.items.len() - q.handed }

// Empty reports whether Qsize is 0, so that TryGet would fail. Loop
// goroutine only.
func (q *Queue[T]) Empty() bool { return q.Qsize() == 0 }

// Full reports whether a Put must wait for room: the queue is bounded and
// holds Maxsize items, counting the items handed to woken getters and the
// places granted to woken putters that have not yet run (for that short
// while Full can be true with Qsize < Maxsize). So the items in the queue
// never exceed Maxsize, even when a woken getter is cancelled and its item
// goes back. Loop goroutine only.
func (q *Queue[T]) Full() bool {
	return q.maxsize > 0 && q.items.len()+q.granted >= q.maxsize
}

// Put adds v to the queue (await queue.put(v)). If the queue is full it
// suspends until a Get makes room; otherwise it returns without suspending.
// It returns ErrQueueShutDown, without adding v, if the queue is shut down
// before v is added; and the CancelledError, without adding v, only if it
// suspended and the task was cancelled before it resumed (a place granted to
// it in between goes to the next waiting Put, as in asyncio). Given a context
// derived from the task's, it also returns that context's error, without
// adding v, if the context ends while it waits. Must be called from a task,
// with its ctx. Loop goroutine only.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	if q.shutDown {
		return ErrQueueShutDown
	}
	if q.Full() {
		t := currentTask(ctx, "Queue.Put")
		q.putters.PushBack(&t.node)
		err := t.parkCtx(ctx, (*queuePutWait[T])(q))
		if t.granted {
			q.granted-- // a Get granted a place to this task
		}
		if err != nil {
			if t.granted {
				q.grantPlaces() // cancelled after the grant: the place goes to the next putter
			}
			return err // cancelled, or ErrQueueShutDown
		}
		if q.shutDown {
			return ErrQueueShutDown // the queue shut down before v went in
		}
	}
	q.add(v)
	return nil
}

// TryPut adds v if the queue is neither full nor shut down
// (queue.put_nowait). It returns ErrQueueShutDown if the queue is shut down
// and ErrQueueFull if it is full, without adding v. It never suspends. Loop
// goroutine only.
func (q *Queue[T]) TryPut(v T) error {
	if q.shutDown {
		return ErrQueueShutDown
	}
	if q.Full() {
		return ErrQueueFull
	}
	q.add(v)
	return nil
}

// add stores v and hands it to the first waiting getter, if any. An item
// handed over still counts for Full until its getter takes it.
func (q *Queue[T]) add(v T) {
	if q.items.kind == kindFIFO {
		q.items.fifo.Push(v) // the common case, without the kind switch
	} else {
		q.items.push(v)
	}
	q.unfinished++
	if q.getters.Len() > 0 {
		q.handOn()
	}
}

// handOn hands an available item to the first waiting getter, if any.
func (q *Queue[T]) handOn() {
	if wakeFirst(&q.getters, nil, true) {
		q.handed++
	}
}

// Get removes and returns the next item (await queue.get()). If no item is
// available it suspends until a Put hands it one; otherwise it returns
// without suspending. It returns ErrQueueShutDown if the queue is shut down
// and no item is left for it (at once after Shutdown(true)); and the
// CancelledError only if it suspended and the task was cancelled before it
// resumed: an item handed to it in between goes to the next waiting Get, or
// stays in the queue, as in asyncio. Given a context derived from the
// task's, it also returns that context's error if the context ends while it
// waits. Must be called from a task, with its ctx. Loop goroutine only.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	if q.Empty() {
		var zero T
		if q.shutDown {
			return zero, ErrQueueShutDown
		}
		t := currentTask(ctx, "Queue.Get")
		q.getters.PushBack(&t.node)
		if err := t.parkCtx(ctx, (*queueGetWait[T])(q)); err != nil {
			if t.granted {
				// Handed an item, then cancelled: the item goes to the
				// next getter, or stays in the queue.
				q.handed--
				q.handOn()
			}
			return zero, err // cancelled, or ErrQueueShutDown
		}
		// A Put handed an item to this task; taking it makes room.
		q.handed--
		v := q.items.pop()
		if q.putters.Len() > 0 {
			q.grantPlaces()
		}
		return v, nil
	}
	return q.take(), nil
}

// TryGet removes and returns the next item if one is available
// (queue.get_nowait). Otherwise it returns ErrQueueShutDown if the queue is
// shut down, or ErrQueueEmpty. It never suspends. Loop goroutine only.
func (q *Queue[T]) TryGet() (T, error) {
	if q.Empty() {
		var zero T
		if q.shutDown {
			return zero, ErrQueueShutDown
		}
		return zero, ErrQueueEmpty
	}
	return q.take(), nil
}

// take removes an available item and grants the place it frees.
func (q *Queue[T]) take() T {
	var v T
	if q.items.kind == kindFIFO {
		v, _ = q.items.fifo.Pop()
	} else {
		v = q.items.pop()
	}
	if q.putters.Len() > 0 {
		q.grantPlaces()
	}
	return v
}

// grantPlaces grants the free places to waiting putters, first come first
// served.
func (q *Queue[T]) grantPlaces() {
	for q.putters.Len() > 0 && !q.Full() && wakeFirst(&q.putters, nil, true) {
		q.granted++
	}
}

// TaskDone tells the queue that the processing of an item taken with Get is
// complete (queue.task_done()); when every item put has been marked done,
// Join returns. It never suspends. It panics if called more times than items
// were put. Loop goroutine only.
func (q *Queue[T]) TaskDone() {
	if q.unfinished <= 0 {
		misuse("Queue.TaskDone called more times than items were put; call it once for each item taken with Get")
	}
	q.unfinished--
	if q.unfinished == 0 {
		q.wakeAll(&q.joiners, nil)
	}
}

// Join suspends until every item put in the queue has been taken and marked
// with TaskDone (await queue.join()); if none is unfinished it returns nil
// without suspending. It returns the CancelledError only if it suspended and
// the task was cancelled. Must be called from a task, with its ctx. Loop
// goroutine only.
func (q *Queue[T]) Join(ctx context.Context) error {
	if q.unfinished == 0 {
		return nil
	}
	t := currentTask(ctx, "Queue.Join")
	q.joiners.PushBack(&t.node)
	return t.parkCtx(ctx, (*queueJoinWait[T])(q))
}

// Shutdown shuts the queue down (queue.shutdown(immediate), Python 3.13).
// From then on Put and TryPut fail, and every task blocked in Put or Get
// resumes with ErrQueueShutDown (a putter granted a place that has not yet
// run fails too, as in asyncio, so its item is never silently dropped). With immediate false the items in the queue
// can still be taken, and Get fails only once none is left; with immediate
// true they are dropped, each counting as done for Join (which returns if
// nothing else is unfinished), so Get fails at once. Items already handed to
// woken getters are theirs and are not dropped. It never suspends; calling
// it again with immediate true drops the items then. Loop goroutine only.
func (q *Queue[T]) Shutdown(immediate bool) {
	q.shutDown = true
	if immediate {
		dropped := q.Qsize()
		q.items.keep(q.handed)
		q.unfinished = max(q.unfinished-dropped, 0)
		if q.unfinished == 0 {
			q.wakeAll(&q.joiners, nil)
		}
	}
	q.wakeAll(&q.getters, ErrQueueShutDown)
	q.wakeAll(&q.putters, ErrQueueShutDown)
}

func (q *Queue[T]) wakeAll(wq *waitq.Queue[*task], err error) {
	for wakeFirst(wq, err, false) {
	}
}

// wakeFirst wakes the first task parked in wq with err and grant, and reports
// whether there was one. It skips tasks that are no longer parked: a loop
// that is closed kills its tasks where they are parked.
func wakeFirst(wq *waitq.Queue[*task], err error, grant bool) bool {
	for n := wq.PopFront(); n != nil; n = wq.PopFront() {
		if t := n.Value; t.state == stateParked {
			t.loop.wake(t, err, grant)
			return true
		}
	}
	return false
}
