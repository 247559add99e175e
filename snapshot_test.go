package asyncio_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

var pointers = regexp.MustCompile(`0x[0-9a-f]+`)

// snapshotOf runs build on a virtual-clock loop, lets the tasks it starts
// settle into their waits, takes a snapshot from inside the main task and
// returns it; then it cancels everything.
func snapshotOf(t *testing.T, build func(ctx context.Context)) *asyncio.Snapshot {
	t.Helper()
	var snap *asyncio.Snapshot
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		build(ctx)
		for range 3 {
			asyncio.Sleep(ctx, 0)
		}
		var err error
		snap, err = asyncio.GetEventLoop().Snapshot(ctx)
		return nil, err
	})
	if snap == nil {
		t.Fatal("no snapshot")
	}
	return snap
}

func TestSnapshotTreeNamesEveryWait(t *testing.T) {
	snap := snapshotOf(t, func(ctx context.Context) {
		var lk asyncio.Lock
		var ev asyncio.Event
		q := asyncio.NewQueue[int](0)
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			lk.Acquire(ctx)
			return nil, ev.Wait(ctx)
		}, "holder")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			asyncio.Sleep(ctx, 0)
			return nil, lk.Acquire(ctx)
		}, "blocked")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(func(ctx context.Context) error { _, err := q.Get(ctx); return err })
				return nil
			})
		}, "supervisor")
	})
	var b bytes.Buffer
	snap.PrintTree(&b)
	got := pointers.ReplaceAllString(b.String(), "0x…")
	want := `main (Task-1) [running]
├── holder (Task-2) [waiting] awaits Event.Wait 0x…
├── blocked (Task-3) [waiting] awaits Lock.Acquire 0x… (held by holder)
└── supervisor (Task-4) [waiting] awaits TaskGroup end 0x… (1 children unfinished)
    └── Task-5 (Task-5) [waiting] awaits Queue.Get 0x… (empty)
`
	if got != want {
		t.Errorf("PrintTree:\n%s\nwant:\n%s", got, want)
	}
	blocked := snap.Tasks[2]
	if blocked.Name != "blocked" || len(blocked.WaitsFor) != 1 || blocked.WaitsFor[0] != 2 || blocked.Parent != 1 {
		t.Errorf("blocked: %+v", blocked)
	}
	if !strings.HasSuffix(blocked.Func, "TestSnapshotTreeNamesEveryWait.func1.2") || !strings.Contains(blocked.Site, "snapshot_test.go:") {
		t.Errorf("blocked runs %s at %s", blocked.Func, blocked.Site)
	}
	b.Reset()
	snap.PrintTasks(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[3], "Lock.Acquire") || !strings.Contains(lines[3], "snapshot_test.go:") {
		t.Errorf("PrintTasks:\n%s", b.String())
	}
}

func TestSnapshotMarksCycles(t *testing.T) {
	snap := snapshotOf(t, func(ctx context.Context) {
		var a, b asyncio.Lock
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			a.Acquire(ctx)
			asyncio.Sleep(ctx, 0)
			return nil, b.Acquire(ctx)
		}, "left")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			b.Acquire(ctx)
			asyncio.Sleep(ctx, 0)
			return nil, a.Acquire(ctx)
		}, "right")
	})
	var buf bytes.Buffer
	snap.PrintTree(&buf)
	out := buf.String()
	if len(snap.Cycles) != 1 || !strings.Contains(out, "cycle: left -> right -> left") || strings.Count(out, "in a wait-for cycle") != 2 {
		t.Errorf("cycles %v, tree:\n%s", snap.Cycles, out)
	}
}

// 10,000 tasks in mixed waits: every one appears, with the right wait.
func TestSnapshotTenThousandTasks(t *testing.T) {
	const n = 10_000
	snap := snapshotOf(t, func(ctx context.Context) {
		var ev asyncio.Event
		var lk asyncio.Lock
		q := asyncio.NewQueue[int](0)
		for i := range n {
			switch i % 4 {
			case 0:
				asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, ev.Wait(ctx) }, fmt.Sprint("ev-", i))
			case 1:
				asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, lk.Acquire(ctx) }, fmt.Sprint("lk-", i))
			case 2:
				asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { _, err := q.Get(ctx); return nil, err }, fmt.Sprint("q-", i))
			case 3:
				asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, asyncio.Sleep(ctx, asyncio.Never) }, fmt.Sprint("sl-", i))
			}
		}
	})
	if len(snap.Tasks) != n { // main and every task but lk-1, which took the lock and returned
		t.Fatalf("%d tasks, want %d", len(snap.Tasks), n)
	}
	want := map[string]string{"ev": "Event.Wait", "lk": "Lock.Acquire", "q": "Queue.Get", "sl": "Sleep"}
	for _, ti := range snap.Tasks[1:] {
		kind, _, _ := strings.Cut(ti.Name, "-")
		if ti.State != "waiting" || !strings.HasPrefix(ti.Waits, want[kind]) {
			t.Fatalf("%s is %s on %q, want waiting on %s", ti.Name, ti.State, ti.Waits, want[kind])
		}
	}
}

// From another goroutine, the snapshot is taken on the loop and handed back.
// The waiter signals from the step in which it parks, and the loop takes
// posted work only between steps, so the snapshot sees it waiting.
func TestSnapshotFromAnotherGoroutine(t *testing.T) {
	l := asyncio.NewEventLoop()
	started, release := make(chan struct{}), make(chan struct{})
	taken := make(chan *asyncio.Snapshot, 1)
	go func() {
		<-started
		s, err := l.Snapshot(context.Background())
		if err != nil {
			t.Error(err)
		}
		taken <- s
		close(release)
	}()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			close(started)
			_, _, err := asyncio.Recv(ctx, release)
			return nil, err
		}, "waiter")
		return w.Await(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := <-taken
	if len(s.Tasks) != 2 || s.Tasks[1].Name != "waiter" || !strings.HasPrefix(s.Tasks[1].Waits, "channel") ||
		!strings.HasPrefix(s.Tasks[0].Waits, "Task.Await") {
		t.Fatalf("snapshot %+v", s.Tasks)
	}
}

func BenchmarkSnapshot10000Tasks(b *testing.B) {
	benchLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		var ev asyncio.Event
		for range 10_000 {
			asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, ev.Wait(ctx) })
		}
		asyncio.Sleep(ctx, 0)
		for b.Loop() {
			asyncio.GetEventLoop().Snapshot(ctx)
		}
		ev.Set()
		return nil, nil
	})
}

// How long each task has waited, on virtual time: the record is the loop's
// time at the park, read when the loop last looked at its clock.
func TestSnapshotWaited(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var ev asyncio.Event
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, ev.Wait(ctx) }, "early")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			asyncio.Sleep(ctx, time.Second)
			return nil, ev.Wait(ctx)
		}, "late")
		asyncio.Sleep(ctx, 1500*time.Millisecond)
		snap, err := asyncio.GetEventLoop().Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		got := map[string]time.Duration{}
		for _, ti := range snap.Tasks {
			got[ti.Name] = ti.Waited
		}
		if got["early"] != 1500*time.Millisecond || got["late"] != 500*time.Millisecond {
			t.Errorf("waited: %v; want early 1.5s, late 500ms", got)
		}
		var b bytes.Buffer
		snap.PrintTree(&b)
		if !strings.Contains(b.String(), "awaits Event.Wait") || !strings.Contains(b.String(), "for 1.5s") {
			t.Errorf("tree:\n%s", b.String())
		}
		ev.Set()
		return nil, nil
	})
}
