package asyncio

import (
	"context"

	"github.com/asyncio-go/asyncio/internal/waitq"
)

// Event is a flag that tasks can wait for (asyncio.Event): Set sets it and
// wakes every task waiting for it, Clear resets it, and Wait waits until it
// is set. The zero value is a clear event, ready to use.
//
// Every method is loop goroutine only. To set an event from another
// goroutine, use Loop.CallSoonThreadsafe(ev.Set), or a ThreadSafeFlag. An
// Event must not be copied after first use.
type Event struct {
	// Both fields are owned by the loop goroutine.
	set     bool               // the flag; while it is true, waiters is empty
	waiters waitq.Queue[*task] // tasks parked in Wait, in the order they came
}

// Set sets the flag and wakes every task waiting for it (event.set()). The
// woken tasks resume in the order they began waiting, and their Wait returns
// nil even if Clear is called before they run. Setting a set event does
// nothing. Set never suspends. Loop goroutine only.
func (e *Event) Set() {
	if e.set {
		return
	}
	e.set = true
	for n := e.waiters.PopFront(); n != nil; n = e.waiters.PopFront() {
		t := n.Value
		t.loop.wake(t, nil, false)
	}
}

// Clear resets the flag (event.clear()): later calls to Wait suspend until
// the next Set. Tasks already woken by a Set are not affected. Clear never
// suspends. Loop goroutine only.
func (e *Event) Clear() { e.set = false }

// IsSet reports whether the flag is set (event.is_set()). Loop goroutine
// only.
func (e *Event) IsSet() bool { return e.set }

// Wait returns nil at once, without suspending, if the flag is set; otherwise
// it suspends the calling task until Set is called and returns nil
// (await event.wait()). It returns the CancelledError only if it suspended and
// the task was cancelled before it resumed, even after a Set woke it (as in
// asyncio; the event is not changed, so nothing is lost). Must be called from
// a task, with its ctx; loop goroutine only.
func (e *Event) Wait(ctx context.Context) error {
	t := fastTask(ctx)
	if t == nil {
		t = checkCurrent(ctx, "Event.Wait")
	}
	if e.set {
		return nil
	}
	e.waiters.PushBack(&t.node)
	return t.parkCtx(ctx, (*eventWait)(e))
}
