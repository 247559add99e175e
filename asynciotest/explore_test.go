package asynciotest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/internal/sim"
)

// recorder is a testing.TB that keeps Explore's verdict instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper()                         {}
func (r *recorder) Name() string                    { return "TestSomething/sub case" }
func (r *recorder) Logf(format string, args ...any) {}
func (r *recorder) Fatal(args ...any)               { r.failed, r.msg = true, fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}

// spawn3 starts three tasks that each log their name twice around a yield:
// a program whose trace depends on the order of each batch.
func spawn3(log *[]string) func(ctx context.Context, t testing.TB) error {
	return func(ctx context.Context, t testing.TB) error {
		var tasks []*asyncio.Task[int]
		for _, name := range []string{"a", "b", "c"} {
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				*log = append(*log, name)
				asyncio.Sleep(ctx, 0)
				*log = append(*log, name)
				return 0, nil
			}, name))
		}
		for _, tk := range tasks {
			tk.Await(ctx)
		}
		return nil
	}
}

func runOnce(t *testing.T, body func(ctx context.Context, t testing.TB) error, so sim.Options) *outcome {
	t.Helper()
	e := newExplorer(t, body, Options{})
	e.keepTraces = true
	return e.run(so)
}

// The same seed gives a byte-identical trace; different seeds give
// different orders of a batch.
func TestSameSeedSameTrace(t *testing.T) {
	var log []string
	body := spawn3(&log)
	first := runOnce(t, body, sim.Options{Seed: 7, Choices: -1})
	second := runOnce(t, body, sim.Options{Seed: 7, Choices: -1})
	if first.trace == "" || first.trace != second.trace {
		t.Fatalf("seed 7 twice gave different traces:\n%s\n---\n%s", first.trace, second.trace)
	}
	orders := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		log = nil
		runOnce(t, body, sim.Options{Seed: seed, Choices: -1})
		orders[strings.Join(log, "")] = true
	}
	if len(orders) < 4 {
		t.Errorf("20 seeds gave only %d orders of three tasks: %v", len(orders), orders)
	}
	log = nil
	runOnce(t, body, sim.Options{Choices: 0})
	if got := strings.Join(log, ""); got != "abcabc" {
		t.Errorf("no choices: order %s, want FIFO abcabc", got)
	}
}

// The trace names every step, in order, with the loop time.
func TestTraceContents(t *testing.T) {
	r := runOnce(t, func(ctx context.Context, t testing.TB) error {
		asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, asyncio.Sleep(ctx, time.Second) }, "sleeper").Await(ctx)
		return nil
	}, sim.Options{Choices: 0})
	want := "" +
		"        0s  step  main\n" +
		"        0s  step  sleeper\n" +
		"        1s  timer sleeper\n" +
		"        1s  step  sleeper\n" +
		"        1s  step  main\n"
	if r.trace != want {
		t.Errorf("trace:\n%s\nwant:\n%s", r.trace, want)
	}
}

// An order bug: b must not run before a ever took its first step. FIFO
// passes; Explore finds it, reports seed, trace and command, and shrinks.
func TestExploreFindsOrderBug(t *testing.T) {
	body := func(ctx context.Context, t testing.TB) error {
		started := false
		a := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { started = true; return 0, nil }, "a")
		b := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			if !started {
				t.Errorf("b ran before a")
			}
			return 0, nil
		}, "b")
		a.Await(ctx)
		b.Await(ctx)
		return nil
	}
	var rec recorder
	rec.TB = t
	Explore(&rec, body)
	if !rec.failed {
		t.Fatal("Explore did not find the order bug in 100 seeds")
	}
	for _, want := range []string{
		"seed ", "b ran before a",
		"replay: go test ./asynciotest -run '^TestSomething$/^sub case$' -asyncio.seed=",
		"step  b", "shrunk:", "-asyncio.choices=",
	} {
		if !strings.Contains(rec.msg, want) {
			t.Errorf("report lacks %q:\n%s", want, rec.msg)
		}
	}
}

// Every way a run can fail is caught.
func TestExploreFailures(t *testing.T) {
	cases := map[string]func(ctx context.Context, t testing.TB) error{
		"error": func(ctx context.Context, t testing.TB) error { return errors.New("boom") },
		"panic": func(ctx context.Context, t testing.TB) error { panic("boom") },
		"fatal": func(ctx context.Context, t testing.TB) error { t.Fatal("boom"); return nil },
		"deadlock": func(ctx context.Context, t testing.TB) error {
			var ev asyncio.Event
			ev.Wait(ctx)
			return errors.New("boom")
		},
		"child": func(ctx context.Context, t testing.TB) error {
			asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, errors.New("boom") })
			return asyncio.Sleep(ctx, time.Second)
		},
		"livelock": func(ctx context.Context, t testing.TB) error {
			for ctx.Err() == nil {
				asyncio.Sleep(ctx, 0)
			}
			return nil
		},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			var rec recorder
			rec.TB = t
			Explore(&rec, body, Options{MaxSteps: 1000})
			if !rec.failed || !strings.Contains(rec.msg, "FIFO") {
				t.Errorf("failed %v, report:\n%s", rec.failed, rec.msg)
			}
			if name != "livelock" && !strings.Contains(rec.msg, "boom") && name != "deadlock" {
				t.Errorf("report does not say boom:\n%s", rec.msg)
			}
		})
	}
}

// A passing body passes every seed, and t.Log output does not fail it.
func TestExplorePasses(t *testing.T) {
	runs := 0
	Explore(t, func(ctx context.Context, t testing.TB) error {
		runs++
		t.Log("fine")
		return spawn3(new([]string))(ctx, t)
	}, Options{Seeds: 30})
	if runs != 31 {
		t.Errorf("%d runs, want the FIFO run and 30 seeds", runs)
	}
}

// What asyncio promises survives every schedule: the first waiter of a Queue
// gets the first item, of a Lock the lock first, of a Semaphore the permit
// first; callbacks run in the order they were scheduled; timers in deadline
// order. (The order in which the waiters arrive varies: they are recorded.)
func TestExploreKeepsFIFOGuarantees(t *testing.T) {
	Explore(t, func(ctx context.Context, t testing.TB) error {
		q := asyncio.NewQueue[int](0)
		var lk asyncio.Lock
		sem := asyncio.NewSemaphore(0)
		var qWait, lWait, sWait, got, locked, permits, calls, timers []int
		var tasks []*asyncio.Task[int]
		lk.Acquire(ctx)
		for i := range 5 {
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				qWait = append(qWait, i)
				v, _ := q.Get(ctx)
				got = append(got, v*10+i)
				return 0, nil
			}))
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				lWait = append(lWait, i)
				lk.Acquire(ctx)
				locked = append(locked, i)
				asyncio.Sleep(ctx, 0)
				lk.Release()
				return 0, nil
			}))
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				sWait = append(sWait, i)
				sem.Acquire(ctx)
				permits = append(permits, i)
				return 0, nil
			}))
		}
		asyncio.Sleep(ctx, time.Millisecond) // everyone is waiting
		l := asyncio.GetEventLoop()
		for i := range 5 {
			q.TryPut(i)
			sem.Release()
			l.CallSoon(func() { calls = append(calls, i) })
			l.CallLater(time.Duration(5-i)*time.Millisecond, func() { timers = append(timers, i) })
		}
		lk.Release()
		for _, tk := range tasks {
			tk.Await(ctx)
		}
		asyncio.Sleep(ctx, time.Second)
		var wantGot []int
		for item, waiter := range qWait {
			wantGot = append(wantGot, item*10+waiter)
		}
		slices.Sort(got)
		slices.Sort(wantGot)
		if !slices.Equal(got, wantGot) {
			t.Errorf("queue getters got (item*10+waiter) %v, want %v (waiters came %v)", got, wantGot, qWait)
		}
		if !slices.Equal(locked, lWait) || !slices.Equal(permits, sWait) {
			t.Errorf("lock %v (waited %v), semaphore %v (waited %v): want FIFO", locked, lWait, permits, sWait)
		}
		if !slices.Equal(calls, []int{0, 1, 2, 3, 4}) {
			t.Errorf("callbacks ran %v, want the order they were scheduled", calls)
		}
		if !slices.Equal(timers, []int{4, 3, 2, 1, 0}) {
			t.Errorf("timers fired %v, want deadline order", timers)
		}
		return nil
	}, Options{Seeds: 200})
}

// What asyncio leaves open does vary: the order in which the waiters of an
// Event resume, and which of two equal-deadline callbacks runs first.
func TestExploreVariesOpenChoices(t *testing.T) {
	events, timers := map[string]bool{}, map[string]bool{}
	Explore(t, func(ctx context.Context, t testing.TB) error {
		var ev asyncio.Event
		var order, fired string
		var tasks []*asyncio.Task[int]
		for _, name := range []string{"a", "b", "c"} {
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				ev.Wait(ctx)
				order += name
				return 0, nil
			}))
		}
		l := asyncio.GetEventLoop()
		l.CallLater(time.Millisecond, func() { fired += "x" })
		l.CallLater(time.Millisecond, func() { fired += "y" })
		asyncio.Sleep(ctx, 0)
		ev.Set()
		for _, tk := range tasks {
			tk.Await(ctx)
		}
		asyncio.Sleep(ctx, time.Second)
		events[order], timers[fired] = true, true
		return nil
	}, Options{Seeds: 50})
	if len(events) < 4 || len(timers) != 2 {
		t.Errorf("orders seen: event waiters %v, equal timers %v", events, timers)
	}
}

// Faults are drawn from the seed and named in the trace: a postponed step,
// a slow ToThread. The program still gets its results.
func TestExploreFaults(t *testing.T) {
	var traces []string
	body := func(ctx context.Context, t testing.TB) error {
		for i := range 20 {
			v, err := asyncio.ToThread(ctx, func(context.Context) (int, error) { return i * 2, nil })
			if v != i*2 || err != nil {
				t.Errorf("ToThread: %v, %v", v, err)
			}
			asyncio.Sleep(ctx, 0)
		}
		return nil
	}
	o := Options{DelaySteps: 0.3, SlowThreads: 0.3}
	e := newExplorer(t, body, o)
	e.keepTraces = true
	for range 2 {
		r := e.run(e.simOptions(3, -1))
		if r.failed() {
			t.Fatal(r.report())
		}
		traces = append(traces, r.trace)
	}
	if traces[0] != traces[1] {
		t.Errorf("same seed, different traces with faults and ToThread:\n%s\n---\n%s", traces[0], traces[1])
	}
	for _, want := range []string{"fault delay main +", "fault slow-thread main +", "thread main"} {
		if !strings.Contains(traces[0], want) {
			t.Errorf("trace lacks %q:\n%s", want, traces[0])
		}
	}
	Explore(t, body, o)
}

func TestReplayCommand(t *testing.T) {
	got := replayCommand("TestA/b.c", 42, -1)
	if want := `go test ./asynciotest -run '^TestA$/^b\.c$' -asyncio.seed=42`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := replayCommand("TestA", 1, 3); !strings.HasSuffix(got, "-asyncio.seed=1 -asyncio.choices=3") {
		t.Errorf("got %s", got)
	}
}

// The package example's bug is found, and passes under FIFO.
func TestExampleBankBug(t *testing.T) {
	body := func(ctx context.Context, t testing.TB) error {
		balance := 100
		withdraw := func(ctx context.Context) (int, error) {
			if balance < 80 {
				return 0, nil
			}
			asyncio.Sleep(ctx, 0)
			balance -= 80
			return 80, nil
		}
		a := asyncio.CreateTask(ctx, withdraw)
		b := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { asyncio.Sleep(ctx, 0); return withdraw(ctx) })
		a.Await(ctx)
		b.Await(ctx)
		if balance < 0 {
			t.Errorf("balance %d: overdrawn", balance)
		}
		return nil
	}
	if r := runOnce(t, body, sim.Options{Choices: 0}); r.failed() {
		t.Fatalf("fails under FIFO: %s", r.report())
	}
	var rec recorder
	rec.TB = t
	Explore(&rec, body, Options{Seeds: 100})
	if !rec.failed || !strings.Contains(rec.msg, "overdrawn") {
		t.Errorf("not found: %s", rec.msg)
	}
}

// -asyncio.seed=S replays exactly seed S, with its full trace; with
// -asyncio.choices=K only K of its choices.
func TestReplayFlag(t *testing.T) {
	var log []string
	body := spawn3(&log)
	want := runOnce(t, body, sim.Options{Seed: 5, Choices: -1})
	wantOrder := strings.Join(log, "")
	defer func(s uint64, c int) { *flagSeed, *flagChoices = s, c }(*flagSeed, *flagChoices)
	*flagSeed = 5
	var rec logRecorder
	rec.TB = t
	log = nil
	Explore(&rec, body, Options{Seeds: 1000})
	if got := strings.Join(log, ""); !strings.HasSuffix(got, wantOrder) || len(got) != 2*len(wantOrder) {
		t.Errorf("replay ran %q, want the FIFO run and then seed 5's %q", got, wantOrder)
	}
	if !strings.Contains(rec.logs, "seed 5 passes") || !strings.Contains(rec.logs, want.trace) {
		t.Errorf("replay log:\n%s\nwant seed 5's trace:\n%s", rec.logs, want.trace)
	}
	*flagChoices = 0
	log = nil
	Explore(&rec, body)
	if got := strings.Join(log, ""); got != "abcabcabcabc" {
		t.Errorf("seed 5 with 0 choices ran %q, want FIFO twice", got)
	}
}

// Budget stops exploring when the time is up.
func TestExploreBudget(t *testing.T) {
	var rec logRecorder
	rec.TB = t
	Explore(&rec, spawn3(new([]string)), Options{Seeds: 1 << 30, Budget: time.Millisecond})
	if !strings.Contains(rec.logs, "budget") {
		t.Errorf("log: %q", rec.logs)
	}
}

type logRecorder struct {
	testing.TB
	logs string
}

func (r *logRecorder) Helper() {}
func (r *logRecorder) Logf(format string, args ...any) {
	r.logs += fmt.Sprintf(format, args...) + "\n"
}

// A ToThread function that returns only when its task is cancelled does not
// hang the simulated loop: the cancellation reaches it, and the await
// returns the CancelledError.
func TestExploreToThreadCancelled(t *testing.T) {
	Explore(t, func(ctx context.Context, t testing.TB) error {
		tk := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			return asyncio.ToThread(ctx, func(c context.Context) (int, error) { <-c.Done(); return 1, nil })
		})
		asyncio.Sleep(ctx, time.Millisecond) // tk waits in ToThread; the loop must not wait for fn forever
		tk.Cancel()
		if _, err := tk.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled ToThread returned %v", err)
		}
		return nil
	}, Options{Seeds: 3})
}
