package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// TestEventSetClear follows testdata/scenarios/event_set_clear.py: Set wakes
// every current waiter even if Clear is called right after, before they run;
// later waiters block again; Wait on a set event returns at once.
func TestEventSetClear(t *testing.T) {
	var lg syncLog
	syncRun(t, func(ctx context.Context) {
		var ev asyncio.Event
		waiter := func(name string) func(context.Context) {
			return func(ctx context.Context) {
				lg.say("%s waiting", name)
				err := ev.Wait(ctx)
				lg.say("%s woke wait returned %s is_set %s", name, syncBool(err == nil), syncBool(ev.IsSet()))
			}
		}
		tasks := []*asyncio.Task[any]{syncSpawn(ctx, waiter("w1")), syncSpawn(ctx, waiter("w2"))}
		asyncio.Sleep(ctx, 0)
		ev.Set()
		ev.Clear()
		lg.say("set then clear done")
		asyncio.GatherTasks(ctx, tasks...)
		late := syncSpawn(ctx, waiter("late"))
		asyncio.Sleep(ctx, 100*time.Millisecond)
		lg.say("late still waiting %s", syncBool(!late.Done()))
		ev.Set()
		late.Await(ctx)
		lg.say("wait on set event: %s", syncBool(ev.Wait(ctx) == nil))
	})
	lg.check(t, syncGolden(t, "event_set_clear")...)
}

// Wait on a set event does not suspend: no other task runs in between, and a
// pending cancellation is not delivered there.
func TestEventWaitOnSetEventDoesNotSuspend(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var ev asyncio.Event
		ev.Set()
		ran := false
		syncSpawn(ctx, func(context.Context) { ran = true })
		asyncio.CurrentTask(ctx).Cancel()
		if err := ev.Wait(ctx); err != nil || ran {
			t.Errorf("Wait on a set event: err %v, other task ran %v", err, ran)
		}
		if err := asyncio.Sleep(ctx, 0); !syncCancelled(err) {
			t.Errorf("the cancellation should come at the next await, got %v", err)
		}
		asyncio.CurrentTask(ctx).Uncancel()
	})
}

// Waiters wake in the order they came; one cancelled while waiting gets the
// CancelledError and leaves the others and the event alone.
func TestEventWaiterOrderAndCancel(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var ev asyncio.Event
		var woke []string
		var errs [3]error
		tasks := make([]*asyncio.Task[any], 3)
		for i := range tasks {
			tasks[i] = syncSpawn(ctx, func(ctx context.Context) {
				errs[i] = ev.Wait(ctx)
				woke = append(woke, fmt.Sprint("w", i))
			})
		}
		asyncio.Sleep(ctx, 0)
		tasks[1].Cancel()
		asyncio.Sleep(ctx, 0)
		if ev.IsSet() || fmt.Sprint(woke) != "[w1]" || !syncCancelled(errs[1]) {
			t.Errorf("after cancelling w1: set %v, woke %v, err %v", ev.IsSet(), woke, errs[1])
		}
		ev.Set()
		asyncio.GatherTasks(ctx, tasks...)
		if fmt.Sprint(woke) != "[w1 w0 w2]" || errs[0] != nil || errs[2] != nil {
			t.Errorf("woke %v errs %v; want [w1 w0 w2], w0 and w2 nil", woke, errs)
		}
	})
}

// A waiter woken by Set and cancelled before it runs gets the cancellation
// (as in asyncio): an event grants nothing that could be lost, it stays set.
func TestEventWokenThenCancelled(t *testing.T) {
	syncRun(t, func(ctx context.Context) {
		var ev asyncio.Event
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, ev.Wait(ctx) })
		asyncio.Sleep(ctx, 0)
		ev.Set()
		w.Cancel()
		if _, err := w.Await(ctx); !syncCancelled(err) || !ev.IsSet() {
			t.Errorf("woken-then-cancelled waiter: %v, set %v", err, ev.IsSet())
		}
	})
}

// Set on a set event and Clear on a clear one change nothing.
func TestEventIdempotent(t *testing.T) {
	var ev asyncio.Event
	ev.Clear()
	if ev.IsSet() {
		t.Fatal("zero Event is set")
	}
	ev.Set()
	ev.Set()
	if !ev.IsSet() {
		t.Fatal("Set did not set")
	}
	ev.Clear()
	if ev.IsSet() {
		t.Fatal("Clear did not clear")
	}
}

func TestEventWaitOutsideTaskPanics(t *testing.T) {
	var ev asyncio.Event
	syncMisuse(t, func() { ev.Wait(context.Background()) }, "Event.Wait called outside a task")
}

// BenchmarkEventRoundTrip is a ping-pong between two tasks through two
// events: each op is one Set and Wait in each direction, two task switches.
// Compare with BenchmarkSleep0 (one switch per op).
func BenchmarkEventRoundTrip(b *testing.B) {
	benchLoop()
	b.ReportAllocs()
	asyncio.Run(func(ctx context.Context) (any, error) {
		var ping, pong asyncio.Event
		done := false
		other := syncSpawn(ctx, func(ctx context.Context) {
			for {
				ping.Wait(ctx)
				ping.Clear()
				if done {
					return
				}
				pong.Set()
			}
		})
		for b.Loop() {
			ping.Set()
			pong.Wait(ctx)
			pong.Clear()
		}
		done = true
		ping.Set()
		other.Await(ctx)
		return nil, nil
	})
}

// Helpers shared by the tests of the synchronization primitives (event,
// lock, semaphore, condition, barrier, threadsafeflag).

// syncRun runs body as the main task on a fresh loop with a virtual clock and
// the debug checks on. body reports problems with t.Errorf (it runs on a
// task's goroutine, where t.Fatal must not be called).
func syncRun(t *testing.T, body func(ctx context.Context)) {
	t.Helper()
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		body(ctx)
		return nil, nil
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
}

// syncLog records a trace and compares it with a golden transcript.
type syncLog struct{ lines []string }

func (lg *syncLog) say(format string, args ...any) {
	lg.lines = append(lg.lines, fmt.Sprintf(format, args...))
}

// check compares the trace with want, one line each.
func (lg *syncLog) check(t *testing.T, want ...string) {
	t.Helper()
	got := strings.Join(lg.lines, "\n")
	if w := strings.Join(want, "\n"); got != w {
		t.Errorf("trace:\n%s\nwant:\n%s", got, w)
	}
}

// syncGolden returns the lines CPython printed for testdata/scenarios/name.py.
func syncGolden(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "scenarios", name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// syncBool prints b as Python does.
func syncBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// syncNow is the loop time in seconds, as the scenarios print it.
func syncNow() string { return fmt.Sprintf("%.1f", asyncio.GetEventLoop().Time().Seconds()) }

// syncMisuse calls f and checks that it panics with an error whose message
// contains every fragment.
func syncMisuse(t *testing.T, f func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		if !ok {
			t.Errorf("want a misuse panic, got %v", r)
			return
		}
		for _, s := range fragments {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("panic %q lacks %q", err, s)
			}
		}
	}()
	f()
}

// syncCancelled reports whether err is a cancellation.
func syncCancelled(err error) bool { return errors.Is(err, context.Canceled) }

// syncSpawn starts fn as a task that returns nothing.
func syncSpawn(ctx context.Context, fn func(ctx context.Context)) *asyncio.Task[any] {
	return asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { fn(ctx); return nil, nil })
}

// syncYield lets every ready task run n times.
func syncYield(ctx context.Context, n int) {
	for range n {
		asyncio.Sleep(ctx, 0)
	}
}
