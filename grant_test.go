package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// The one grant rule (park.go, DESIGN.md), CPython's: once a waiting task is
// cancelled, its await raises the CancelledError, whatever happens before it
// resumes; a grant made to it in between (a lock, a permit, a queue item or
// place, a notification, a Set) goes to the next waiter or back to the
// primitive. These tests pin the edges issue 7 found.

// cancelledErr reports whether err is a task cancellation (not merely some
// error that matches context.Canceled).
func cancelledErr(err error) bool {
	var ce *asyncio.CancelledError
	return errors.As(err, &ce)
}

// A task that is just q.Get, woken with an item and cancelled before it
// resumes, ends cancelled, and the item is still in the queue: the grant is
// not lost with the task.
func TestGrantGetTaskCancelledKeepsItemInQueue(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var q asyncio.Queue[int]
		g := asyncio.CreateTask(ctx, q.Get)
		asyncio.Sleep(ctx, 0) // g waits in Get
		q.TryPut(7)           // handed to g
		g.Cancel()
		v, err := g.Await(ctx)
		if !cancelledErr(err) || !g.Cancelled() {
			t.Errorf("getter: %v %v, want cancelled", v, err)
		}
		if v, err := q.TryGet(); v != 7 || err != nil {
			t.Errorf("item after the cancelled getter: %v %v, want 7 <nil>", v, err)
		}
	})
}

// A task that is just Acquire, handed the lock and cancelled before it
// resumes, does not leave the lock held: the next waiter gets it.
func TestGrantAcquireTaskCancelledDoesNotLeakLock(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var mu asyncio.Lock
		var sem = asyncio.NewSemaphore(1)
		for _, p := range []permits{&mu, sem} {
			p.Acquire(ctx)
			a := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, p.Acquire(ctx) })
			asyncio.Sleep(ctx, 0) // a waits
			p.Release()           // handed to a
			a.Cancel()
			if _, err := a.Await(ctx); !cancelledErr(err) {
				t.Errorf("%T: acquirer ended with %v, want cancelled", p, err)
			}
			if p.Locked() || !p.TryAcquire() {
				t.Errorf("%T: leaked to a task that ended cancelled", p)
			}
			p.Release()
		}
	})
}

// Put granted a place and cancelled before it resumes returns the
// CancelledError and does not add its item, so a retry works (it used to
// report the cancellation with the item in the queue, and a retry blocked
// forever).
func TestGrantPutCancelledAfterPlaceGrantedRetries(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		q := asyncio.NewQueue[int](1)
		q.TryPut(1)
		var first, retry error
		p := syncSpawn(ctx, func(ctx context.Context) {
			first = q.Put(ctx, 2)
			asyncio.CurrentTask(ctx).Uncancel() // the caller decides to retry
			retry = q.Put(ctx, 2)
		})
		asyncio.Sleep(ctx, 0) // p waits in Put
		q.TryGet()            // grants the place to p
		p.Cancel()
		syncYield(ctx, 3)
		if !cancelledErr(first) || retry != nil {
			t.Errorf("put: first %v (want cancelled), retry %v (want nil)", first, retry)
		}
		if v, err := q.TryGet(); v != 2 || err != nil || q.Qsize() != 0 {
			t.Errorf("queue after the retry: %v %v, qsize %d; want exactly the one item 2", v, err, q.Qsize())
		}
	})
}

// Cancel then Uncancel of a parked task: its await still raises (CPython:
// uncancel only decrements the count), and nothing is granted to it.
func TestGrantCancelUncancelParkedStillRaises(t *testing.T) {
	type probe struct {
		name  string
		setup func(ctx context.Context) (wait func(ctx context.Context) error, after func(t *testing.T))
	}
	probes := []probe{
		{"Lock", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			var mu asyncio.Lock
			mu.Acquire(ctx)
			return mu.Acquire, func(t *testing.T) {
				mu.Release()
				if mu.Locked() {
					t.Error("Lock: two holders (still locked after the one holder released)")
				}
			}
		}},
		{"Semaphore", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			s := asyncio.NewSemaphore(1)
			s.Acquire(ctx)
			return s.Acquire, func(t *testing.T) {
				s.Release()
				if !s.TryAcquire() || s.TryAcquire() {
					t.Error("Semaphore: permits changed by a cancel+uncancel")
				}
			}
		}},
		{"Queue.Get", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			var q asyncio.Queue[int]
			return func(ctx context.Context) error {
					v, err := q.Get(ctx)
					if err == nil {
						return fmt.Errorf("got %d from an empty queue", v)
					}
					return err
				}, func(t *testing.T) {
					if q.Qsize() != 0 {
						t.Errorf("Queue.Get: qsize %d", q.Qsize())
					}
				}
		}},
		{"Queue.Put", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			q := asyncio.NewQueue[int](1)
			q.TryPut(1)
			return func(ctx context.Context) error { return q.Put(ctx, 2) }, func(t *testing.T) {
				if q.Qsize() != 1 {
					t.Errorf("Queue.Put: qsize %d of maxsize 1", q.Qsize())
				}
			}
		}},
		{"Event", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			var ev asyncio.Event
			return ev.Wait, func(*testing.T) {}
		}},
		{"Sleep", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			return func(ctx context.Context) error { return asyncio.Sleep(ctx, time.Hour) }, func(*testing.T) {}
		}},
		{"Condition", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			var c asyncio.Condition
			return func(ctx context.Context) error {
					c.Acquire(ctx)
					defer c.Release()
					return c.Wait(ctx)
				}, func(t *testing.T) {
					if c.Locked() {
						t.Error("Condition: lock left held")
					}
				}
		}},
		{"Barrier", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			b := asyncio.NewBarrier(2)
			return func(ctx context.Context) error { _, err := b.Wait(ctx); return err }, func(t *testing.T) {
				if b.NWaiting() != 0 {
					t.Errorf("Barrier: %d waiting", b.NWaiting())
				}
			}
		}},
		{"ThreadSafeFlag", func(ctx context.Context) (func(context.Context) error, func(*testing.T)) {
			var f asyncio.ThreadSafeFlag
			return f.Wait, func(*testing.T) {}
		}},
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			syncRun(t, func(ctx context.Context) {
				wait, after := p.setup(ctx)
				var err error
				w := syncSpawn(ctx, func(ctx context.Context) { err = wait(ctx) })
				asyncio.Sleep(ctx, 0) // w parks
				w.Cancel()
				if n := w.Uncancel(); n != 0 {
					t.Errorf("Uncancel left %d", n)
				}
				syncYield(ctx, 3)
				if !w.Done() || !cancelledErr(err) {
					t.Errorf("await after cancel+uncancel: done %v, %v; want the CancelledError", w.Done(), err)
				}
				after(t)
			})
		})
	}
}

// Cancel then Uncancel of a task that is ready with a grant (not parked)
// rescinds the cancellation before it is delivered (CPython 3.13), and the
// await succeeds with what it was granted.
func TestGrantCancelUncancelReadyKeepsGrant(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var q asyncio.Queue[int]
		g := asyncio.CreateTask(ctx, q.Get)
		asyncio.Sleep(ctx, 0)
		q.TryPut(5) // g is ready with the item
		g.Cancel()
		g.Uncancel()
		if v, err := g.Await(ctx); v != 5 || err != nil {
			t.Errorf("getter: %v %v, want 5 <nil>", v, err)
		}
	})
}

// A Semaphore does not let a newcomer barge past a woken waiter that has not
// run yet: Locked stays true and the newcomer queues behind (CPython).
func TestSemaphoreNoBargingAfterRelease(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		s := asyncio.NewSemaphore(1)
		s.Acquire(ctx)
		var order []string
		for _, name := range []string{"A", "B"} {
			syncSpawn(ctx, func(ctx context.Context) {
				if s.Acquire(ctx) == nil {
					order = append(order, name)
					asyncio.Sleep(ctx, 0)
					s.Release()
				}
			})
		}
		asyncio.Sleep(ctx, 0) // A and B wait
		s.Release()           // A is woken, has not run
		if !s.Locked() || s.TryAcquire() {
			t.Error("a free permit while the woken waiter has not run")
		}
		syncSpawn(ctx, func(ctx context.Context) {
			if s.Acquire(ctx) == nil {
				order = append(order, "C")
				s.Release()
			}
		})
		syncYield(ctx, 8)
		if got := fmt.Sprint(order); got != "[A B C]" {
			t.Errorf("order %s, want [A B C]", got)
		}
	})
}

// A value received by Recv cannot be handed on: a task cancelled after the
// helper received it keeps the value (Recv succeeds) and, if it returns
// before awaiting again, its result stands instead of being lost.
func TestGrantRecvValueKeptWhenTaskReturns(t *testing.T) {
	ch := make(chan int, 1)
	syncRun(t, func(ctx context.Context) {
		r := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			v, _, err := asyncio.Recv(ctx, ch)
			return v, err
		})
		asyncio.Sleep(ctx, 0) // r waits; its helper goroutine waits on ch
		ch <- 9
		for !r.Done() {
			// Cancel once the value is on its way (the helper has it, or
			// will): either Recv is detached first and returns the
			// cancellation with the value left in ch, or it got the value.
			if len(ch) == 0 {
				r.Cancel()
				break
			}
			asyncio.Sleep(ctx, 0)
		}
		v, err := r.Await(ctx)
		left := len(ch)
		if !(err == nil && v == 9 && left == 0) && !(cancelledErr(err) && left == 1) {
			t.Errorf("recv: %v %v with %d left in ch: the value was lost", v, err, left)
		}
	})
}
