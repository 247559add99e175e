package asyncio_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// TestSemaphoreScenario follows testdata/scenarios/semaphore.py: Semaphore(2)
// lets two tasks in at once, the others enter in FIFO order; releasing a
// BoundedSemaphore too often is refused (a misuse panic here, ValueError in
// CPython); a plain Semaphore just grows.
func TestSemaphoreScenario(t *testing.T) {
	var lg syncLog
	syncRun(t, func(ctx context.Context) {
		sem := asyncio.NewSemaphore(2)
		worker := func(name string) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				sem.Acquire(ctx)
				defer sem.Release()
				lg.say("%s enter %s", name, syncNow())
				asyncio.Sleep(ctx, 100*time.Millisecond)
				lg.say("%s exit %s", name, syncNow())
				return nil, nil
			}
		}
		asyncio.Gather(ctx, worker("A"), worker("B"), worker("C"), worker("D"))
		lg.say("locked %s", syncBool(sem.Locked()))
		bs := asyncio.NewBoundedSemaphore(1)
		bs.Acquire(ctx)
		bs.Release()
		syncMisuse(t, bs.Release, "BoundedSemaphore released too many times")
		lg.say("BoundedSemaphore over-release: ValueError")
		s := asyncio.NewSemaphore(1)
		s.Release()
		s.Acquire(ctx)
		s.Acquire(ctx)
		lg.say("plain Semaphore over-release allowed, locked %s", syncBool(s.Locked()))
	})
	lg.check(t, syncGolden(t, "semaphore")...)
}

// The zero value holds one permit, like asyncio.Semaphore().
func TestSemaphoreZeroValue(t *testing.T) {
	var s asyncio.Semaphore
	if s.Locked() || !s.TryAcquire() || s.TryAcquire() || !s.Locked() {
		t.Fatal("zero Semaphore should hold exactly one permit")
	}
	s.Release()
	s.Release()
	first, second, third := s.TryAcquire(), s.TryAcquire(), s.TryAcquire()
	if !first || !second || third {
		t.Fatal("two Releases should make two permits")
	}
}

func TestNewSemaphore(t *testing.T) {
	s := asyncio.NewSemaphore(0)
	if !s.Locked() || s.TryAcquire() {
		t.Error("NewSemaphore(0) should hold no permit")
	}
	s.Release()
	if !s.TryAcquire() {
		t.Error("Release on NewSemaphore(0) should add a permit")
	}
	syncMisuse(t, func() { asyncio.NewSemaphore(-1) }, "NewSemaphore(-1)", ">= 0")
	syncMisuse(t, func() { asyncio.NewBoundedSemaphore(-2) }, "NewBoundedSemaphore(-2)", ">= 0")
}

// Release hands its permit to the longest waiter; TryAcquire cannot barge in
// ahead of the woken waiter; a waiter cancelled while queued gets nothing and
// loses nothing.
func TestSemaphoreFIFOAndCancel(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		s := asyncio.NewSemaphore(0)
		var order []string
		var errs [4]error
		tasks := make([]*asyncio.Task[any], 4)
		for i := range tasks {
			tasks[i] = syncSpawn(ctx, func(ctx context.Context) {
				if errs[i] = s.Acquire(ctx); errs[i] == nil {
					order = append(order, fmt.Sprint("w", i))
				}
			})
		}
		asyncio.Sleep(ctx, 0)
		tasks[1].Cancel()
		asyncio.Sleep(ctx, 0)
		s.Release()
		if s.TryAcquire() || !s.Locked() {
			t.Error("TryAcquire barged ahead of a woken waiter")
		}
		s.Release()
		s.Release()
		asyncio.GatherAllTasks(ctx, tasks...)
		if fmt.Sprint(order) != "[w0 w2 w3]" || !syncCancelled(errs[1]) {
			t.Errorf("order %v, cancelled waiter %v; want [w0 w2 w3] and a cancellation", order, errs[1])
		}
		if s.TryAcquire() {
			t.Error("three permits for three waiters, but one is left over")
		}
	})
}

// The hand-off race: a waiter given a permit and cancelled in the same
// iteration gets the cancellation from Acquire and the permit passes to the
// next waiter (CPython's rule): no permit is lost or made.
func TestSemaphoreWokenWaiterCancelledPassesPermitOn(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		s := asyncio.NewBoundedSemaphore(1)
		s.Acquire(ctx)
		var acqErr error
		w := syncSpawn(ctx, func(ctx context.Context) {
			if acqErr = s.Acquire(ctx); acqErr == nil {
				s.Release()
			}
		})
		got := false
		x := syncSpawn(ctx, func(ctx context.Context) { got = s.Acquire(ctx) == nil; s.Release() })
		asyncio.Sleep(ctx, 0)
		s.Release() // the permit is w's
		w.Cancel()
		asyncio.GatherAllTasks(ctx, w, x)
		if !syncCancelled(acqErr) || !got {
			t.Errorf("Acquire %v (want cancelled), x got a permit %v", acqErr, got)
		}
		if !s.TryAcquire() || s.TryAcquire() {
			t.Error("the bounded semaphore should hold exactly its one permit at the end")
		}
	})
}

// The zero BoundedSemaphore holds one permit and is bounded to one.
func TestBoundedSemaphoreZeroValue(t *testing.T) {
	var b asyncio.BoundedSemaphore
	syncMisuse(t, b.Release, "BoundedSemaphore released too many times", "bound 1")
	if !b.TryAcquire() || b.TryAcquire() || !b.Locked() {
		t.Fatal("zero BoundedSemaphore should hold one permit")
	}
	b.Release()
	if b.Locked() {
		t.Fatal("Release should make the permit available")
	}
}

func TestBoundedSemaphoreBound(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		b := asyncio.NewBoundedSemaphore(3)
		for range 3 {
			if err := b.Acquire(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if !b.Locked() {
			t.Error("three acquired permits of three: should be locked")
		}
		b.Release()
		b.Release()
		b.Release()
		syncMisuse(t, b.Release, "released too many times", "bound 3")
	})
}

func TestSemaphoreAcquireOutsideTaskPanics(t *testing.T) {
	s := asyncio.NewSemaphore(1)
	syncMisuse(t, func() { s.Acquire(context.Background()) }, "Semaphore.Acquire called outside a task")
}

// BenchmarkSemaphoreUncontended is Acquire and Release with a permit free.
func BenchmarkSemaphoreUncontended(b *testing.B) {
	benchLoop()
	b.ReportAllocs()
	asyncio.Run(func(ctx context.Context) (any, error) {
		s := asyncio.NewSemaphore(4)
		for b.Loop() {
			s.Acquire(ctx)
			s.Release()
		}
		return nil, nil
	})
}
