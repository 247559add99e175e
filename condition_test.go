package asyncio_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// TestConditionScenario follows testdata/scenarios/condition.py: Wait
// releases the lock; Notify(1) wakes the longest waiter only; NotifyAll the
// rest, in FIFO order, each holding the lock again when Wait returns; WaitFor
// re-checks its predicate after each wake-up.
func TestConditionScenario(t *testing.T) {
	var lg syncLog
	syncRun(t, func(ctx context.Context) {
		var cond asyncio.Condition
		waiter := func(name string) func(context.Context) {
			return func(ctx context.Context) {
				cond.Acquire(ctx)
				defer cond.Release()
				lg.say("%s waiting", name)
				cond.Wait(ctx)
				lg.say("%s woke, lock held %s", name, syncBool(cond.Locked()))
			}
		}
		tasks := []*asyncio.Task[any]{syncSpawn(ctx, waiter("w1")), syncSpawn(ctx, waiter("w2")), syncSpawn(ctx, waiter("w3"))}
		asyncio.Sleep(ctx, 0)
		cond.Acquire(ctx)
		lg.say("notify(1)")
		cond.Notify(1)
		cond.Release()
		asyncio.Sleep(ctx, 100*time.Millisecond)
		cond.Acquire(ctx)
		lg.say("notify_all")
		cond.NotifyAll()
		cond.Release()
		asyncio.GatherTasks(ctx, tasks...)
		conditionPredicateScenario(ctx, &cond, &lg)
	})
	lg.check(t, syncGolden(t, "condition")...)
}

// conditionPredicateScenario is the WaitFor half of condition.py.
func conditionPredicateScenario(ctx context.Context, cond *asyncio.Condition, lg *syncLog) {
	n := 0
	pt := syncSpawn(ctx, func(ctx context.Context) {
		cond.Acquire(ctx)
		defer cond.Release()
		cond.WaitFor(ctx, func() bool { return n >= 2 })
		lg.say("pred_waiter saw n = %d", n)
	})
	for range 2 {
		asyncio.Sleep(ctx, 0)
		cond.Acquire(ctx)
		n++
		lg.say("n -> %d", n)
		cond.NotifyAll()
		cond.Release()
	}
	pt.Await(ctx)
}

// A waiter cancelled while it waits takes the lock back before it returns the
// CancelledError (as asyncio does), so its deferred Release is right.
func TestConditionCancelledWaitReacquires(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var cond asyncio.Condition
		var err error
		var heldOnReturn bool
		w := syncSpawn(ctx, func(ctx context.Context) {
			cond.Acquire(ctx)
			defer cond.Release()
			err = cond.Wait(ctx)
			heldOnReturn = cond.Locked()
		})
		asyncio.Sleep(ctx, 0)
		cond.Acquire(ctx) // w waits with the lock released; take it
		w.Cancel()
		syncYield(ctx, 3)
		if w.Done() {
			t.Error("Wait returned while another task held the lock")
		}
		cond.Release()
		w.Await(ctx)
		if !syncCancelled(err) || !heldOnReturn || cond.Locked() {
			t.Errorf("Wait returned %v holding the lock %v; locked at the end %v", err, heldOnReturn, cond.Locked())
		}
	})
}

// The notification race: a waiter notified and then cancelled before it
// resumes gets the cancellation from Wait (holding the lock again, as in
// CPython) and passes its notification on, so Notify(1) still wakes somebody,
// whether or not the lock is free when it resumes.
func TestConditionNotifiedThenCancelled(t *testing.T) {
	for _, lockFree := range []bool{false, true} {
		t.Run(fmt.Sprint("lockFree=", lockFree), func(t *testing.T) {
			var errs [2]error
			syncRun(t, func(ctx context.Context) {
				cond := asyncio.NewCondition(nil)
				tasks := make([]*asyncio.Task[any], 2)
				for i := range tasks {
					tasks[i] = syncSpawn(ctx, func(ctx context.Context) {
						cond.Acquire(ctx)
						errs[i] = cond.Wait(ctx)
						cond.Release()
					})
				}
				asyncio.Sleep(ctx, 0)
				cond.Acquire(ctx)
				cond.Notify(1)
				if lockFree {
					cond.Release()
				}
				tasks[0].Cancel()
				asyncio.Sleep(ctx, 0)
				if !lockFree {
					cond.Release()
				}
				syncYield(ctx, 3)
				cond.Acquire(ctx)
				cond.NotifyAll() // whoever still waits
				cond.Release()
				asyncio.GatherAllTasks(ctx, tasks...)
			})
			if !syncCancelled(errs[0]) || errs[1] != nil {
				t.Errorf("notified-then-cancelled waiter: %v (want cancelled); next waiter %v (want nil)", errs[0], errs[1])
			}
		})
	}
}

// The notification passed on by a cancelled waiter is observable: only one
// Notify(1), yet the second waiter wakes without NotifyAll.
func TestConditionCancelledWaiterPassesNotificationOn(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var cond asyncio.Condition
		woke := false
		a := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			cond.Acquire(ctx)
			defer cond.Release()
			return nil, cond.Wait(ctx)
		})
		syncSpawn(ctx, func(ctx context.Context) {
			cond.Acquire(ctx)
			woke = cond.Wait(ctx) == nil
			cond.Release()
		})
		asyncio.Sleep(ctx, 0)
		cond.Acquire(ctx)
		cond.Notify(1)
		a.Cancel()
		asyncio.Sleep(ctx, 0) // a resumes, finds the lock held, gets its cancellation
		cond.Release()
		syncYield(ctx, 4)
		if !woke || !a.Cancelled() {
			t.Errorf("second waiter woke %v (want true); first cancelled %v", woke, a.Cancelled())
		}
	})
}

// WaitFor with a true predicate returns without suspending.
func TestConditionWaitForTrueDoesNotSuspend(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var cond asyncio.Condition
		ran := false
		syncSpawn(ctx, func(context.Context) { ran = true })
		cond.Acquire(ctx)
		if err := cond.WaitFor(ctx, func() bool { return true }); err != nil || ran || !cond.Locked() {
			t.Errorf("WaitFor(true): %v, other task ran %v, locked %v", err, ran, cond.Locked())
		}
		cond.Release()
	})
}

// Two conditions share one lock (NewCondition): a one-slot buffer with
// "not empty" and "not full".
func TestConditionsSharingALock(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var mu asyncio.Lock
		notEmpty, notFull := asyncio.NewCondition(&mu), asyncio.NewCondition(&mu)
		var slot []int
		var got []int
		consumer := syncSpawn(ctx, func(ctx context.Context) {
			for range 5 {
				notEmpty.Acquire(ctx)
				notEmpty.WaitFor(ctx, func() bool { return len(slot) > 0 })
				got = append(got, slot[0])
				slot = slot[:0]
				notFull.Notify(1)
				notEmpty.Release()
			}
		})
		for i := range 5 {
			notFull.Acquire(ctx)
			if !mu.Locked() {
				t.Error("the conditions do not use the shared lock")
			}
			notFull.WaitFor(ctx, func() bool { return len(slot) == 0 })
			slot = append(slot, i)
			notEmpty.Notify(1)
			notFull.Release()
		}
		consumer.Await(ctx)
		if fmt.Sprint(got) != "[0 1 2 3 4]" {
			t.Errorf("got %v", got)
		}
	})
}

func TestConditionMisuse(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var cond asyncio.Condition
		const fix = "call Acquire first"
		syncMisuse(t, func() { cond.Wait(ctx) }, "Condition.Wait called without holding", fix)
		syncMisuse(t, func() { cond.WaitFor(ctx, func() bool { return true }) }, "Condition.WaitFor called without holding", fix)
		syncMisuse(t, func() { cond.Notify(1) }, "Condition.Notify called without holding", fix)
		syncMisuse(t, cond.NotifyAll, "Condition.NotifyAll called without holding", fix)
		syncMisuse(t, cond.Release, "Release of an unlocked Lock")
	})
}
