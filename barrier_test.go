package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// TestBarrierScenario follows testdata/scenarios/barrier.py: Barrier(3)
// blocks until three parties arrive, each gets a distinct index in arrival
// order; Abort breaks the barrier for current and later waiters.
func TestBarrierScenario(t *testing.T) {
	var lg syncLog
	syncRun(t, func(ctx context.Context) {
		party := func(name string, b *asyncio.Barrier, delay time.Duration) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				asyncio.Sleep(ctx, delay)
				lg.say("%s arrives %s", name, syncNow())
				idx, err := b.Wait(ctx)
				switch {
				case errors.Is(err, asyncio.ErrBrokenBarrier):
					lg.say("%s BrokenBarrierError", name)
				case err == nil:
					lg.say("%s passed index %d %s", name, idx, syncNow())
				}
				return nil, err
			}
		}
		b := asyncio.NewBarrier(3)
		asyncio.Gather(ctx, party("A", b, 200*time.Millisecond), party("B", b, 100*time.Millisecond),
			party("C", b, 300*time.Millisecond))
		lg.say("n_waiting %d broken %s", b.NWaiting(), syncBool(b.Broken()))
		b2 := asyncio.NewBarrier(3)
		d := asyncio.CreateTask(ctx, party("D", b2, 0))
		asyncio.Sleep(ctx, 100*time.Millisecond)
		lg.say("n_waiting %d", b2.NWaiting())
		b2.Abort()
		d.Await(ctx)
		lg.say("broken %s", syncBool(b2.Broken()))
		party("E", b2, 0)(ctx)
	})
	lg.check(t, syncGolden(t, "barrier")...)
}

// barrierWaitAll starts one task per name that waits on b and records its index.
func barrierWaitAll(ctx context.Context, b *asyncio.Barrier, idx map[string]int, errs map[string]error, names ...string) []*asyncio.Task[any] {
	var tasks []*asyncio.Task[any]
	for _, n := range names {
		tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			i, err := b.Wait(ctx)
			idx[n], errs[n] = i, err
			return nil, err
		}, n))
	}
	return tasks
}

// A party cancelled while the barrier fills leaves the round without
// breaking it (as in CPython); one more party is then needed, and the indices
// stay distinct and in arrival order (CPython's would repeat one here).
func TestBarrierCancelWhileFilling(t *testing.T) {
	idx, errs := map[string]int{}, map[string]error{}
	syncRun(t, func(ctx context.Context) {
		b := asyncio.NewBarrier(3)
		tasks := barrierWaitAll(ctx, b, idx, errs, "A", "B")
		asyncio.Sleep(ctx, 0)
		tasks[0].Cancel()
		asyncio.Sleep(ctx, 0)
		if b.NWaiting() != 1 || b.Broken() {
			t.Errorf("after cancelling a party: n_waiting %d broken %v; want 1 false", b.NWaiting(), b.Broken())
		}
		tasks = append(tasks, barrierWaitAll(ctx, b, idx, errs, "C")...)
		asyncio.Sleep(ctx, 0)
		if b.NWaiting() != 2 {
			t.Errorf("n_waiting %d, want 2", b.NWaiting())
		}
		tasks = append(tasks, barrierWaitAll(ctx, b, idx, errs, "D")...)
		asyncio.GatherAllTasks(ctx, tasks...)
	})
	if !syncCancelled(errs["A"]) || idx["A"] != -1 {
		t.Errorf("cancelled party: %d %v", idx["A"], errs["A"])
	}
	if got := fmt.Sprint(idx["B"], idx["C"], idx["D"]); got != "0 1 2" {
		t.Errorf("indices of B C D: %s, want 0 1 2", got)
	}
}

// Once the last party arrives the round is complete. A party cancelled
// before it resumes gets the cancellation from Wait (as in CPython) and no
// index; an Abort at that moment does not undo the round for the others.
func TestBarrierPartyCancelledAfterRelease(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		b := asyncio.NewBarrier(2)
		var idx int
		var err, next error
		w := syncSpawn(ctx, func(ctx context.Context) {
			if idx, err = b.Wait(ctx); err == nil {
				next = asyncio.Sleep(ctx, 0)
			}
		})
		asyncio.Sleep(ctx, 0)
		if i, err := b.Wait(ctx); i != 1 || err != nil {
			t.Errorf("last party: %d %v, want 1 nil", i, err)
		}
		w.Cancel()
		b.Abort()
		w.Await(ctx)
		if idx != -1 || !syncCancelled(err) || next != nil {
			t.Errorf("released then cancelled party: %d %v, next await %v; want -1, cancelled", idx, err, next)
		}
		if !b.Broken() {
			t.Error("Abort did not break the barrier")
		}
	})
}

// The barrier is reusable: rounds follow each other, even when the party that
// completes a round arrives again before the others of its round resume.
func TestBarrierRounds(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		b := asyncio.NewBarrier(3)
		var got [][]int
		var rounds [3][]int
		tasks := make([]*asyncio.Task[any], 3)
		for p := range tasks {
			tasks[p] = syncSpawn(ctx, func(ctx context.Context) {
				for r := range rounds {
					i, err := b.Wait(ctx)
					if err != nil {
						t.Errorf("party %d round %d: %v", p, r, err)
						return
					}
					rounds[r] = append(rounds[r], i)
				}
			})
		}
		asyncio.GatherTasks(ctx, tasks...)
		for _, r := range rounds {
			got = append(got, slices.Sorted(slices.Values(r)))
		}
		if fmt.Sprint(got) != "[[0 1 2] [0 1 2] [0 1 2]]" || b.NWaiting() != 0 {
			t.Errorf("indices per round %v, n_waiting %d", got, b.NWaiting())
		}
	})
}

// The party that completes a round does not suspend: it returns
// Parties()-1 before any other task runs.
func TestBarrierLastPartyDoesNotSuspend(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		b := asyncio.NewBarrier(2)
		other := syncSpawn(ctx, func(ctx context.Context) { b.Wait(ctx) })
		asyncio.Sleep(ctx, 0)
		ran := false
		syncSpawn(ctx, func(context.Context) { ran = true })
		if i, err := b.Wait(ctx); i != 1 || err != nil || ran || other.Done() {
			t.Errorf("last party: %d %v; suspended: %v", i, err, ran || other.Done())
		}
	})
}

// Reset wakes the waiting parties with ErrBrokenBarrier and leaves the
// barrier usable at once; Abort breaks it until Reset.
func TestBarrierResetAndAbort(t *testing.T) {
	idx, errs := map[string]int{}, map[string]error{}
	syncRun(t, func(ctx context.Context) {
		b := asyncio.NewBarrier(3)
		tasks := barrierWaitAll(ctx, b, idx, errs, "A", "B")
		asyncio.Sleep(ctx, 0)
		b.Reset()
		asyncio.GatherAllTasks(ctx, tasks...)
		if b.Broken() || b.NWaiting() != 0 {
			t.Errorf("after Reset: broken %v n_waiting %d", b.Broken(), b.NWaiting())
		}
		tasks = barrierWaitAll(ctx, b, idx, errs, "C", "D", "E")
		asyncio.GatherAllTasks(ctx, tasks...)
		b.Abort()
		if i, err := b.Wait(ctx); i != -1 || !errors.Is(err, asyncio.ErrBrokenBarrier) {
			t.Errorf("Wait on a broken barrier: %d %v", i, err)
		}
		b.Reset()
		if b.Broken() || b.Parties() != 3 {
			t.Errorf("Reset after Abort: broken %v parties %d", b.Broken(), b.Parties())
		}
	})
	for _, n := range []string{"A", "B"} {
		if !errors.Is(errs[n], asyncio.ErrBrokenBarrier) || idx[n] != -1 {
			t.Errorf("%s after Reset: %d %v", n, idx[n], errs[n])
		}
	}
	if got := fmt.Sprint(idx["C"], idx["D"], idx["E"], errs["C"], errs["D"], errs["E"]); got != "0 1 2 <nil> <nil> <nil>" {
		t.Errorf("round after Reset: %s", got)
	}
}

// The zero Barrier is a barrier for one party: Wait never blocks.
func TestBarrierZeroValue(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var b asyncio.Barrier
		for range 2 {
			if i, err := b.Wait(ctx); i != 0 || err != nil {
				t.Errorf("zero Barrier Wait: %d %v", i, err)
			}
		}
		if b.Parties() != 1 || b.NWaiting() != 0 || b.Broken() {
			t.Errorf("zero Barrier: parties %d n_waiting %d broken %v", b.Parties(), b.NWaiting(), b.Broken())
		}
	})
}

func TestBarrierMisuse(t *testing.T) {
	syncMisuse(t, func() { asyncio.NewBarrier(0) }, "NewBarrier(0)", "at least one party")
	b := asyncio.NewBarrier(2)
	syncMisuse(t, func() { b.Wait(context.Background()) }, "Barrier.Wait called outside a task")
}
