package asyncio_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	rtrace "runtime/trace"
	"testing"

	"github.com/asyncio-go/asyncio"
	exptrace "golang.org/x/exp/trace"
)

// While an execution trace is recorded, each task is a trace task named like
// it, nested under its creator, and each step is an "asyncio.step" region.
func TestTraceHasTasksAndSteps(t *testing.T) {
	if rtrace.IsEnabled() {
		t.Skip("a trace is already being recorded (go test -trace)")
	}
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	asyncio.NewEventLoop()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		parent := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			a := asyncio.CreateTask(ctx, stepTwice, "child-a")
			b := asyncio.CreateTask(ctx, stepTwice, "child-b")
			if _, err := a.Await(ctx); err != nil {
				return 0, err
			}
			return b.Await(ctx)
		}, "parent")
		return parent.Await(ctx)
	})
	rtrace.Stop()
	if err != nil {
		t.Fatal(err)
	}

	r, err := exptrace.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]exptrace.TaskID{}
	parents := map[string]exptrace.TaskID{}
	steps := map[exptrace.TaskID]int{}
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch ev.Kind() {
		case exptrace.EventTaskBegin:
			tk := ev.Task()
			ids[tk.Type], parents[tk.Type] = tk.ID, tk.Parent
		case exptrace.EventRegionBegin:
			if rg := ev.Region(); rg.Type == "asyncio.step" {
				steps[rg.Task]++
			}
		}
	}
	for _, name := range []string{"parent", "child-a", "child-b"} {
		if _, ok := ids[name]; !ok {
			t.Fatalf("no trace task %q in %v", name, ids)
		}
	}
	for _, child := range []string{"child-a", "child-b"} {
		if parents[child] != ids["parent"] {
			t.Errorf("%s's parent task is %v, want parent's %v", child, parents[child], ids["parent"])
		}
		if n := steps[ids[child]]; n != 3 { // start; after the first Sleep(0); after the second
			t.Errorf("%s has %d step regions, want 3", child, n)
		}
	}
	// The parent suspends once: b finishes in the iteration a does, so
	// awaiting b returns at once.
	if n := steps[ids["parent"]]; n != 2 {
		t.Errorf("parent has %d step regions, want 2", n)
	}
}

func stepTwice(ctx context.Context) (int, error) {
	if err := asyncio.Sleep(ctx, 0); err != nil {
		return 0, err
	}
	return 1, asyncio.Sleep(ctx, 0)
}
