package asyncio_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Every await honours the context it is given: a context derived from the
// task's (context.WithCancel, WithTimeout, ...) ends the await when it ends,
// and the await returns that context's error.

// A derived context cancelled by another task ends each kind of await, which
// returns context.Canceled, and the primitive is left as it was.
func TestDerivedContextCancelEndsAwait(t *testing.T) {
	type probe struct {
		name string
		wait func(ctx context.Context) error
	}
	var mu asyncio.Lock
	sem := asyncio.NewSemaphore(0)
	var q asyncio.Queue[int]
	full := asyncio.NewQueue[int](1)
	var ev asyncio.Event
	var cond asyncio.Condition
	bar := asyncio.NewBarrier(2)
	var flag asyncio.ThreadSafeFlag
	var fut *asyncio.Future[int]
	probes := []probe{
		{"Sleep", func(ctx context.Context) error { return asyncio.Sleep(ctx, time.Hour) }},
		{"Lock", mu.Acquire},
		{"Semaphore", sem.Acquire},
		{"Queue.Get", func(ctx context.Context) error { _, err := q.Get(ctx); return err }},
		{"Queue.Put", func(ctx context.Context) error { return full.Put(ctx, 2) }},
		{"Event", ev.Wait},
		{"Condition", func(ctx context.Context) error {
			if err := cond.Acquire(ctx); err != nil {
				return err
			}
			defer cond.Release()
			return cond.Wait(ctx)
		}},
		{"Barrier", func(ctx context.Context) error { _, err := bar.Wait(ctx); return err }},
		{"ThreadSafeFlag", flag.Wait},
		{"Future", func(ctx context.Context) error { _, err := fut.Await(ctx); return err }},
	}
	// The real clock: the cancellation reaches the loop from the context
	// package's goroutine, and a virtual clock could jump past it to the
	// hour-long sleep.
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		mu.Acquire(ctx)
		full.TryPut(1)
		fut = asyncio.NewFuture[int](ctx)
		for _, p := range probes {
			var cancel context.CancelFunc
			var err error
			w := syncSpawn(ctx, func(ctx context.Context) {
				var c context.Context
				c, cancel = context.WithCancel(ctx)
				err = p.wait(c)
			})
			asyncio.Sleep(ctx, 0) // w parks
			cancel()              // the watcher posts back to the loop
			w.Await(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v; want context.Canceled", p.name, err)
			}
		}
		if !mu.Locked() || !sem.Locked() || q.Qsize() != 0 || full.Qsize() != 1 || bar.NWaiting() != 0 || cond.Locked() {
			t.Error("a primitive was changed by an await that its context ended")
		}
		return nil, nil
	})
}

// The task's context with a value attached (context.WithValue) is still the
// task's: awaits with it are cancelled with the task and otherwise wait.
func TestValueContextAwaitsLikeTaskContext(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		type key struct{}
		vctx := context.WithValue(ctx, key{}, 1)
		var ev asyncio.Event
		var err error
		w := syncSpawn(ctx, func(ctx context.Context) {
			err = ev.Wait(context.WithValue(ctx, key{}, 2))
		})
		asyncio.Sleep(vctx, 0)
		ev.Set()
		w.Await(ctx)
		if err != nil {
			t.Errorf("wait with a value context: %v", err)
		}
	})
}

// A derived context that has already ended ends a suspending await at once,
// without suspending; an await that would not suspend still succeeds.
func TestDerivedContextAlreadyDone(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		var q asyncio.Queue[int]
		ran := false
		syncSpawn(ctx, func(context.Context) { ran = true })
		if _, err := q.Get(c); !errors.Is(err, context.Canceled) {
			t.Errorf("Get with a done context: %v", err)
		}
		if ran {
			t.Error("Get with a done context suspended")
		}
		var mu asyncio.Lock
		if err := mu.Acquire(c); err != nil {
			t.Errorf("Acquire of a free lock with a done context: %v", err)
		}
	})
}

// A deadline of a derived context on the real clock ends a Sleep that is far
// longer, with context.DeadlineExceeded; the loop does not wait for the sleep.
func TestDerivedContextDeadlineRealClock(t *testing.T) {
	asyncio.NewEventLoop()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		c, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
		defer cancel()
		return nil, asyncio.Sleep(c, time.Hour)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sleep(hour) under a 5 ms context: %v, want context.DeadlineExceeded", err)
	}
}

// No item is lost when a derived context ends in the same iteration as a Put
// hands the item over: the Get returns the context's error and the item stays
// in the queue, or the Get returns the item.
func TestDerivedContextEndsWhileItemArrives(t *testing.T) {
	for _, cancelFirst := range []bool{false, true} {
		syncRun(t, func(ctx context.Context) {
			var q asyncio.Queue[int]
			var cancel context.CancelFunc
			var v int
			var err error
			g := syncSpawn(ctx, func(ctx context.Context) {
				var c context.Context
				c, cancel = context.WithCancel(ctx)
				v, err = q.Get(c)
			})
			asyncio.Sleep(ctx, 0)
			if cancelFirst {
				cancel()
				q.TryPut(3)
			} else {
				q.TryPut(3)
				cancel()
			}
			g.Await(ctx)
			left := q.Qsize()
			if !(err == nil && v == 3 && left == 0) && !(errors.Is(err, context.Canceled) && left == 1) {
				t.Errorf("cancelFirst %v: Get %v %v with %d left: an item was lost or made", cancelFirst, v, err, left)
			}
		})
	}
}

// A context derived from a task's is tied to it through the task context's
// AfterFunc hook, not a goroutine per derived context: cancelling the task
// cancels it at once, and stopping it (its cancel function) unregisters it.
func TestDerivedContextFollowsTaskWithoutGoroutine(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var c context.Context
		var cancelC context.CancelFunc
		goroutines := 0
		w := syncSpawn(ctx, func(ctx context.Context) {
			before := runtime.NumGoroutine()
			c, cancelC = context.WithCancel(ctx)
			goroutines = runtime.NumGoroutine() - before
			asyncio.Sleep(ctx, time.Hour)
		})
		asyncio.Sleep(ctx, 0)
		if goroutines != 0 {
			t.Errorf("deriving a context from a task's started %d goroutines", goroutines)
		}
		w.Cancel()
		if c.Err() == nil {
			t.Error("the derived context was not cancelled with its task")
		}
		cancelC()
		w.Await(ctx)
		_, stop := context.WithCancel(ctx)
		stop() // unregisters from main's context
	})
}

// On a virtual clock a derived context's deadline is a loop timer: an hour
// of context.WithTimeout ends a two-hour Sleep after one virtual hour, at
// once in real time.
func TestDerivedContextDeadlineVirtualClock(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		l := asyncio.GetEventLoop()
		start := l.Time()
		c, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		err := asyncio.Sleep(c, 2*time.Hour)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Sleep(2h) under WithTimeout(1h): %v, want context.DeadlineExceeded", err)
		}
		// The deadline is real time; what is left of it when the Sleep
		// begins (a few real microseconds less than an hour) is what the
		// loop waits.
		if got := l.Time() - start; got > time.Hour || got < time.Hour-time.Second {
			t.Errorf("ended after %v of loop time, want 1h", got)
		}
	})
}

// A cancel function called by another task ends the await in the next
// iteration, deterministically, even with nothing else to do and a virtual
// clock that would otherwise jump (or report a deadlock).
func TestDerivedContextCancelledByTaskIsDeterministic(t *testing.T) {
	for range 20 {
		syncRun(t, func(ctx context.Context) {
			var cancel context.CancelFunc
			var err error
			var q asyncio.Queue[int]
			w := syncSpawn(ctx, func(ctx context.Context) {
				var c context.Context
				c, cancel = context.WithCancel(ctx)
				_, err = q.Get(c)
			})
			syncSpawn(ctx, func(ctx context.Context) {
				asyncio.Sleep(ctx, time.Minute)
				cancel()
			})
			w.Await(ctx)
			if !errors.Is(err, context.Canceled) || asyncio.GetEventLoop().Time() != time.Minute {
				t.Errorf("Get: %v at %v; want context.Canceled at 1m", err, asyncio.GetEventLoop().Time())
			}
		})
	}
}

// Gather, Wait and Shield given a derived context end with it too: Gather
// forwards it to its children as a cancellation would; Wait and Shield stop
// waiting and leave the tasks running.
func TestDerivedContextEndsGatherWaitShield(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var ev asyncio.Event
		long := func(ctx context.Context) (int, error) { return 0, ev.Wait(ctx) }
		for _, name := range []string{"Gather", "Wait", "Shield"} {
			c, cancel := context.WithTimeout(ctx, time.Minute)
			tk := asyncio.CreateTask(ctx, long)
			var err error
			switch name {
			case "Gather":
				_, err = asyncio.GatherTasks(c, tk)
			case "Wait":
				_, _, err = asyncio.Wait(c, []asyncio.AnyTask{tk}, asyncio.AllCompleted, asyncio.Never)
			case "Shield":
				_, err = asyncio.Shield(c, tk)
			}
			cancel()
			if err == nil {
				t.Errorf("%s under an ended context returned nil", name)
			}
			if name != "Gather" && tk.Done() {
				t.Errorf("%s: the awaited task was cancelled", name)
			}
			tk.Cancel()
			tk.Await(ctx)
		}
	})
}
