package asyncio_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// Run's five steps: the loop exists, main runs as a task, the loop runs until
// main returns, leftover tasks are cancelled and finish their cleanup (which
// may await) before Run returns, and main's result comes back.
func TestRunCancelsLeftoversAndWaitsForCleanup(t *testing.T) {
	var tr trace
	v, err := asynciotest.Run(t, func(ctx context.Context) (string, error) {
		for _, name := range []string{"w1", "w2"} {
			asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
				for {
					if err := asyncio.Sleep(ctx, 100*time.Millisecond); err != nil {
						tr.add("%s cancelled", name)
						asyncio.Sleep(ctx, 0) // cleanup may await
						tr.add("%s cleanup done", name)
						return nil, err
					}
				}
			}, name)
		}
		asyncio.Sleep(ctx, 250*time.Millisecond)
		tr.add("main returns")
		return "result", nil
	})
	tr.add("Run returned %s %v", v, err)
	tr.expect(t, "main returns", "w1 cancelled", "w2 cancelled", "w1 cleanup done", "w2 cleanup done", "Run returned result <nil>")
	if n := len(asyncio.AllTasks()); n != 0 {
		t.Errorf("%d tasks left after Run", n)
	}
}

func TestRunReturnsMainError(t *testing.T) {
	boom := errors.New("boom")
	_, err := asynciotest.Run(t, func(ctx context.Context) (int, error) { return 0, boom })
	if err != boom {
		t.Fatalf("Run error = %v", err)
	}
}

// One loop per program: Run from inside a task fails at once with advice.
func TestNestedRunRefused(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		_, err := asyncio.Run(func(ctx context.Context) (int, error) { t.Error("nested main ran"); return 0, nil })
		if err != asyncio.ErrLoopRunning || !strings.Contains(err.Error(), "CreateTask") {
			t.Errorf("nested Run: %v", err)
		}
		l := asyncio.GetEventLoop()
		if l.RunForever() != asyncio.ErrLoopRunning {
			t.Error("RunForever inside a running loop was not refused")
		}
		return nil, nil
	})
}

// A panic in main leaves Run as a panic carrying the value and main's stack,
// after the leftover tasks were cleaned up.
func TestRunPanicsWithMainsPanic(t *testing.T) {
	cleaned := false
	defer func() {
		r := recover()
		pe, ok := r.(*asyncio.PanicError)
		if !ok || pe.Value != "main exploded" || !strings.Contains(string(pe.Stack), "TestRunPanicsWithMainsPanic") {
			t.Fatalf("Run panicked with %#v", r)
		}
		if !cleaned {
			t.Fatal("leftover task not cleaned up before the panic left Run")
		}
	}()
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			err := asyncio.Sleep(ctx, time.Hour)
			cleaned = true
			return nil, err
		})
		asyncio.Sleep(ctx, 0)
		panic("main exploded")
	})
}

// Stop makes RunForever return after the current iteration; what the
// stopping callback scheduled runs on the next run.
func TestStopAndRunForever(t *testing.T) {
	var tr trace
	l, _ := asynciotest.NewLoop(t)
	l.CallSoon(func() { tr.add("first"); l.Stop(); l.CallSoon(func() { tr.add("next run") }) })
	l.CallSoon(func() { tr.add("same batch") })
	if err := l.RunForever(); err != nil {
		t.Fatal(err)
	}
	tr.add("returned")
	l.Stop()
	l.RunForever() // stop before run: one iteration
	tr.expect(t, "first", "same batch", "returned", "next run")
}

func TestRunUntilCompleteAndClose(t *testing.T) {
	l, _ := asynciotest.NewLoop(t)
	tk := l.CreateTask(func(ctx context.Context) (any, error) {
		asyncio.Sleep(ctx, time.Second)
		return "done", nil
	})
	if err := l.RunUntilComplete(tk); err != nil {
		t.Fatal(err)
	}
	if v, _ := tk.Result(); v != "done" {
		t.Fatalf("result %v", v)
	}
	stuck := l.CreateTask(func(ctx context.Context) (any, error) { return nil, asyncio.Sleep(ctx, time.Hour) })
	l.Stop()
	if err := l.RunUntilComplete(stuck); err != asyncio.ErrLoopStopped {
		t.Fatalf("stopped run: %v", err)
	}
	var handled []string
	l.SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) { handled = append(handled, c.Message) })
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if len(handled) != 1 || !strings.Contains(handled[0], "pending") {
		t.Errorf("closing with a pending task: %v", handled)
	}
	if err := l.RunForever(); err != asyncio.ErrLoopClosed {
		t.Errorf("run of closed loop: %v", err)
	}
	if !l.IsClosed() || asyncio.GetEventLoop() == l {
		t.Error("GetEventLoop must replace a closed loop")
	}
}

func TestNewEventLoopResets(t *testing.T) {
	l1, _ := asynciotest.NewLoop(t)
	l1.CreateTask(func(ctx context.Context) (any, error) { return nil, nil })
	l2 := asyncio.NewEventLoop()
	defer l2.Close()
	if l1 == l2 || !l1.IsClosed() || asyncio.GetEventLoop() != l2 {
		t.Fatal("NewEventLoop did not replace the loop")
	}
	if len(asyncio.AllTasks()) != 0 {
		t.Fatal("new loop has tasks")
	}
}
