package asyncio_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
	"go.uber.org/goleak"
)

// A Set from another goroutine wakes a task waiting while the loop has
// nothing else to do: the loop blocks in its poller (on the virtual clock
// too, since the waiting task counts as waiting for another goroutine, so no
// deadlock is reported) until the Set wakes it. The goroutine sets the flag
// only after the loop has run the waiter into its park and gone on to the
// next iteration (a callback closes the channel).
func TestThreadSafeFlagSetFromGoroutineWakesLoop(t *testing.T) {
	defer goleak.VerifyNone(t)
	var flag asyncio.ThreadSafeFlag
	parked := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-parked
		flag.Set()
	}()
	syncRun(t, func(ctx context.Context) {
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			asyncio.GetEventLoop().CallSoon(func() { close(parked) })
			return nil, flag.Wait(ctx)
		})
		if _, err := w.Await(ctx); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
	<-done
}

// A burst of Sets made while the loop is busy wakes the waiter once, and
// Wait clears the flag: the waiter then waits again until the next Set.
func TestThreadSafeFlagBurstWakesOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	var flag asyncio.ThreadSafeFlag
	syncRun(t, func(ctx context.Context) {
		wakes := 0
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			for {
				if err := flag.Wait(ctx); err != nil {
					return nil, err
				}
				wakes++
			}
		})
		asyncio.Sleep(ctx, 0) // w waits
		burst := make(chan struct{})
		go func() {
			for range 100 {
				flag.Set()
			}
			close(burst)
		}()
		<-burst // blocks the loop on purpose: the whole burst lands before it runs on
		for i := 0; wakes == 0 && i < 1000; i++ {
			asyncio.Sleep(ctx, 0)
		}
		syncYield(ctx, 5)
		if wakes != 1 {
			t.Errorf("a burst of 100 Sets woke the waiter %d times, want 1", wakes)
		}
		flag.Set() // from the loop itself: also allowed
		syncYield(ctx, 5)
		if wakes != 2 {
			t.Errorf("after one more Set: %d wake-ups, want 2", wakes)
		}
		w.Cancel()
		if _, err := w.Await(ctx); !syncCancelled(err) {
			t.Errorf("cancelled waiter: %v", err)
		}
	})
}

// Wait on a set flag returns at once and clears it; Clear makes the next
// Wait block. The zero value is usable before any task has waited on it.
func TestThreadSafeFlagSetBeforeWaitAndClear(t *testing.T) {
	var flag asyncio.ThreadSafeFlag
	flag.Set() // not yet bound to a loop
	syncRun(t, func(ctx context.Context) {
		ran := false
		syncSpawn(ctx, func(context.Context) { ran = true })
		if err := flag.Wait(ctx); err != nil || ran {
			t.Errorf("Wait on a set flag: %v, suspended %v", err, ran)
		}
		flag.Set()
		flag.Clear()
		woke := false
		w := syncSpawn(ctx, func(ctx context.Context) { woke = flag.Wait(ctx) == nil })
		syncYield(ctx, 5)
		if woke {
			t.Error("Wait returned after Clear")
		}
		flag.Set()
		w.Await(ctx)
		if !woke {
			t.Error("Set did not wake the waiter")
		}
	})
}

// A waiter woken by a Set and cancelled before it runs gets the cancellation
// from Wait, and the Set is not lost: the flag is set again for the next Wait.
func TestThreadSafeFlagWokenThenCancelled(t *testing.T) {
	var flag asyncio.ThreadSafeFlag
	syncRun(t, func(ctx context.Context) {
		var err, next error
		w := syncSpawn(ctx, func(ctx context.Context) {
			if err = flag.Wait(ctx); err == nil {
				next = asyncio.Sleep(ctx, 0)
			}
		})
		asyncio.Sleep(ctx, 0) // w waits
		flag.Set()            // queues the wake-up on the loop's inbox
		asyncio.Sleep(ctx, 0) // the loop drains the inbox: the wake-up runs after us
		asyncio.Sleep(ctx, 0) // the wake-up has run: w is ready, not yet resumed
		w.Cancel()
		w.Await(ctx)
		if !syncCancelled(err) || next != nil {
			t.Errorf("Wait %v (want cancelled), next await %v (want none)", err, next)
		}
		if err := flag.Wait(ctx); err != nil { // returns at once: the Set was kept
			t.Errorf("next Wait: %v", err)
		}
	})
}

// A waiter cancelled while waiting stops counting as waiting for another
// goroutine: with nothing else able to wake the loop, the virtual clock
// reports a deadlock again instead of hanging.
func TestThreadSafeFlagCancelledWaiterReleasesLoop(t *testing.T) {
	var flag asyncio.ThreadSafeFlag
	var waitErr error
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		w := syncSpawn(ctx, func(ctx context.Context) { waitErr = flag.Wait(ctx) })
		asyncio.Sleep(ctx, 0)
		w.Cancel()
		w.Await(ctx)
		var never asyncio.Event
		return nil, never.Wait(ctx)
	})
	if !syncCancelled(waitErr) {
		t.Errorf("cancelled waiter: %v", waitErr)
	}
	if err == nil || !strings.Contains(err.Error(), "deadlock") {
		t.Errorf("want a deadlock report, got %v", err)
	}
}

// Only one task may wait at a time (MicroPython's second waiter displaces
// the first; here it is a misuse panic).
func TestThreadSafeFlagSecondWaiterPanics(t *testing.T) {
	var flag asyncio.ThreadSafeFlag
	syncRun(t, func(ctx context.Context) {
		first := syncSpawn(ctx, func(ctx context.Context) { flag.Wait(ctx) })
		asyncio.Sleep(ctx, 0)
		syncMisuse(t, func() { flag.Wait(ctx) }, "ThreadSafeFlag.Wait called by task", "only one task may wait")
		flag.Set()
		first.Await(ctx)
	})
}

// Many goroutines setting the flag at once while the task loops on Wait:
// no race, no lost wake-up (the last Set always wakes the waiter).
func TestThreadSafeFlagConcurrentSets(t *testing.T) {
	defer goleak.VerifyNone(t)
	var flag asyncio.ThreadSafeFlag
	var finished atomic.Bool
	syncRun(t, func(ctx context.Context) {
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			n := 0
			for !finished.Load() {
				if err := flag.Wait(ctx); err != nil {
					return n, err
				}
				n++
			}
			return n, nil
		})
		asyncio.Sleep(ctx, 0)
		go func() {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range 1000 {
						flag.Set()
					}
				})
			}
			wg.Wait()
			finished.Store(true)
			flag.Set()
		}()
		n, err := w.Await(ctx)
		if err != nil || n < 1 || n > 8001 {
			t.Errorf("waiter: %d wake-ups, %v", n, err)
		}
	})
}

func TestThreadSafeFlagSecondLoopPanics(t *testing.T) {
	var flag asyncio.ThreadSafeFlag
	syncRun(t, func(ctx context.Context) { flag.Set(); flag.Wait(ctx) })
	syncRun(t, func(ctx context.Context) {
		syncMisuse(t, func() { flag.Wait(ctx) }, "ThreadSafeFlag.Wait on a second event loop", "new ThreadSafeFlag")
	})
}

// A whole Set-wake-Wait cycle allocates nothing (Set queues a preallocated
// callback). Debug mode is off here: its goroutine checks allocate.
func TestThreadSafeFlagAllocs(t *testing.T) {
	if asyncio.NewEventLoop().GetDebug() {
		t.Skip("debug mode (ASYNCIODEBUG) allocates in its goroutine checks")
	}
	var flag asyncio.ThreadSafeFlag
	asyncio.Run(func(ctx context.Context) (any, error) {
		wakes := 0
		w := syncSpawn(ctx, func(ctx context.Context) {
			for flag.Wait(ctx) == nil {
				wakes++
			}
		})
		cycle := func() {
			before := wakes
			flag.Set()
			for wakes == before {
				asyncio.Sleep(ctx, 0)
			}
		}
		asyncio.Sleep(ctx, 0) // w waits
		cycle()
		cycle() // the loop's inbox slices are allocated by now
		if n := testing.AllocsPerRun(100, cycle); n != 0 {
			t.Errorf("a Set-wake-Wait cycle allocates %v times", n)
		}
		if wakes != 103 {
			t.Errorf("%d wake-ups for 103 Sets", wakes)
		}
		w.Cancel()
		w.Await(ctx)
		return nil, nil
	})
}

// BenchmarkThreadSafeFlagSetWait is a goroutine setting the flag and a task
// waiting for it, one handshake per op: the cost of waking the loop from
// another goroutine.
func BenchmarkThreadSafeFlagSetWait(b *testing.B) {
	benchLoop()
	var flag asyncio.ThreadSafeFlag
	ack := make(chan struct{})
	b.ReportAllocs()
	asyncio.Run(func(ctx context.Context) (any, error) {
		flag.Set()
		flag.Wait(ctx) // bind before the goroutine starts
		go func() {
			for range ack {
				flag.Set()
			}
		}()
		for b.Loop() {
			ack <- struct{}{}
			flag.Wait(ctx)
		}
		close(ack)
		return nil, nil
	})
}

// With a task waiting on a ThreadSafeFlag that nobody sets, the virtual
// clock still reaches the timeout: it jumps after its real-time threshold.
func TestThreadSafeFlagWaitForTimesOutOnVirtualClock(t *testing.T) {
	var flag asyncio.ThreadSafeFlag
	l, clock := asynciotest.NewLoop(t)
	clock.SetAutojumpThreshold(time.Millisecond)
	main := l.CreateTask(func(ctx context.Context) (any, error) {
		return asyncio.WaitFor(ctx, time.Hour, func(ctx context.Context) (any, error) { return nil, flag.Wait(ctx) })
	})
	if err := l.RunUntilComplete(main); err != asyncio.ErrTimeout {
		t.Fatalf("WaitFor on an unset flag: %v", err)
	}
	if l.Time() != time.Hour {
		t.Fatalf("virtual time %v", l.Time())
	}
}
