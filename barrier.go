package asyncio

import (
	"context"
	"errors"
	"slices"

	"github.com/asyncio-go/asyncio/internal/waitq"
)

// ErrBrokenBarrier is returned by Barrier.Wait when the barrier is broken by
// Abort, or reset by Reset while the task waits (asyncio.BrokenBarrierError).
var ErrBrokenBarrier = errors.New("asyncio: barrier is broken (aborted or reset); call Reset to use it again")

// Barrier makes a fixed number of tasks wait for each other
// (asyncio.Barrier): each calls Wait, and when the last of the parties
// arrives they all go on together. The barrier then starts over for the next
// round. NewBarrier sets the number of parties; the zero value is a barrier
// for one party, whose Wait never blocks.
//
// Wait returns each party of a round a distinct index from 0 to Parties()-1,
// in the order they arrived. A task cancelled while it waits leaves the
// round, as in CPython: the barrier is not broken, and one more party is
// needed. Once the last party has arrived the round is complete: every party
// of it passes, even if the barrier is reset or aborted before it resumes. A
// party cancelled after the round completed but before it resumed gets the
// CancelledError (as in CPython) and takes no index; the round stays
// complete for the others.
//
// Every method is loop goroutine only. A Barrier must not be copied after
// first use.
type Barrier struct {
	// All fields are owned by the loop goroutine.
	parties int                // tasks needed to pass; < 1 in the zero value, meaning 1
	broken  bool               // Abort was called and Reset was not
	waiters waitq.Queue[*task] // the parties of the current round, in the order they arrived
	round   *barrierRound      // the current round's index counter; nil until a party waits
}

// barrierRound records the parties of a completed round in the order they
// arrived: a woken party's index is its place there, whether or not the
// parties before it are cancelled before they resume. A round stays valid
// after the barrier has moved on to the next one.
type barrierRound struct{ parties []*task }

// NewBarrier returns a barrier for n parties (asyncio.Barrier(n)). It panics
// if n < 1. Safe from any goroutine.
func NewBarrier(n int) *Barrier {
	if n < 1 {
		misuse("NewBarrier(%d): a barrier needs at least one party", n)
	}
	return &Barrier{parties: n}
}

// Parties returns the number of tasks needed to pass the barrier
// (barrier.parties). Loop goroutine only.
func (b *Barrier) Parties() int { return max(b.parties, 1) }

// NWaiting returns the number of tasks waiting in the current round
// (barrier.n_waiting). Loop goroutine only.
func (b *Barrier) NWaiting() int { return b.waiters.Len() }

// Broken reports whether Abort broke the barrier (barrier.broken). Loop
// goroutine only.
func (b *Barrier) Broken() bool { return b.broken }

// Wait arrives at the barrier (await barrier.wait()). The last party to
// arrive completes the round: it wakes the others and returns Parties()-1 at
// once, without suspending. The others suspend until then and return their
// index in order of arrival: 0 for the first. Wait returns ErrBrokenBarrier at
// once, without suspending, if the barrier is broken, and later if Abort or
// Reset is called while the task waits. It returns the CancelledError only
// if it suspended and the task was cancelled before it resumed; if that was
// before the round completed, the task has left the round. With an error
// the index is -1, so that it is never mistaken for the first party's. Must
// be called from a task, with its ctx; loop goroutine only.
func (b *Barrier) Wait(ctx context.Context) (int, error) {
	t := currentTask(ctx, "Barrier.Wait")
	if b.broken {
		return -1, ErrBrokenBarrier
	}
	if b.waiters.Len()+1 >= b.Parties() {
		b.release()
		return b.Parties() - 1, nil
	}
	if b.round == nil {
		b.round = new(barrierRound)
	}
	r := b.round
	b.waiters.PushBack(&t.node)
	if err := t.parkCtx(ctx, (*barrierWait)(b)); err != nil {
		return -1, err
	}
	return slices.Index(r.parties, t), nil
}

// release completes the round: every waiting party is granted passage, and
// the barrier starts over empty.
func (b *Barrier) release() {
	r := b.round
	b.round = nil
	if r != nil {
		r.parties = make([]*task, 0, b.waiters.Len())
	}
	for n := b.waiters.PopFront(); n != nil; n = b.waiters.PopFront() {
		t := n.Value
		r.parties = append(r.parties, t)
		t.loop.wake(t, nil, true)
	}
}

// fail wakes every waiting party with ErrBrokenBarrier.
func (b *Barrier) fail() {
	b.round = nil
	for n := b.waiters.PopFront(); n != nil; n = b.waiters.PopFront() {
		t := n.Value
		t.loop.wake(t, ErrBrokenBarrier, false)
	}
}

// Reset returns the barrier to its initial state, empty and not broken
// (barrier.reset()); the tasks waiting in the current round get
// ErrBrokenBarrier. Tasks may start a new round at once. Reset never suspends
// (it is a coroutine in CPython). Loop goroutine only.
func (b *Barrier) Reset() {
	b.fail()
	b.broken = false
}

// Abort breaks the barrier (barrier.abort()): the tasks waiting get
// ErrBrokenBarrier, and so does every later Wait until Reset is called. Abort
// never suspends (it is a coroutine in CPython). Loop goroutine only.
func (b *Barrier) Abort() {
	b.broken = true
	b.fail()
}
