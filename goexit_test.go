package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// A task that calls runtime.Goexit (what t.Fatal does) ends with a
// *GoexitError saying so and where; its deferred calls run, the loop and
// the other tasks go on, and Run returns.
func TestGoexitEndsOnlyThatTask(t *testing.T) {
	var tr trace
	v, err := asynciotest.Run(t, func(ctx context.Context) (string, error) {
		ticker := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			for i := 0; i < 3; i++ {
				asyncio.Sleep(ctx, 10*time.Millisecond)
				tr.add("tick %d", i)
			}
			return 3, nil
		}, "ticker")
		quitter := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			defer tr.add("quitter's defer")
			asyncio.Sleep(ctx, 15*time.Millisecond)
			runtime.Goexit()
			return 0, nil
		}, "quitter")
		_, err := quitter.Await(ctx)
		var ge *asyncio.GoexitError
		if !errors.As(err, &ge) || ge.Task != "quitter" {
			t.Fatalf("quitter's error = %v, want a *GoexitError of quitter", err)
		}
		if !strings.Contains(ge.Where, "TestGoexitEndsOnlyThatTask") || !strings.Contains(ge.Where, "goexit_test.go:") {
			t.Errorf("Where = %q, want the function and line that called Goexit", ge.Where)
		}
		for _, want := range []string{"runtime.Goexit in ", "t.Fatal", "goexit_test.go"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
		}
		tr.add("quitter ended")
		n, err := ticker.Await(ctx)
		return fmt.Sprint(n, err), nil
	})
	tr.add("Run returned %s %v", v, err)
	tr.expect(t, "tick 0", "quitter's defer", "quitter ended", "tick 1", "tick 2", "Run returned 3 <nil> <nil>")
}

// Goexit in main: Run returns the *GoexitError (it does not hang, panic or
// end the caller's goroutine), and the loop can run again.
func TestGoexitInMainIsReturnedByRun(t *testing.T) {
	for i := 0; i < 2; i++ {
		_, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
			asyncio.Sleep(ctx, 0)
			runtime.Goexit()
			return 0, nil
		})
		var ge *asyncio.GoexitError
		if !errors.As(err, &ge) || ge.Task != "main" {
			t.Fatalf("Run error = %v, want main's *GoexitError", err)
		}
	}
	if v, err := asynciotest.Run(t, func(ctx context.Context) (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Fatalf("next Run = %v %v", v, err)
	}
}

// A Goexit nobody awaits reaches the exception handler as the task's error,
// not as "Task was destroyed but it is pending".
func TestGoexitUnawaitedIsReported(t *testing.T) {
	var got []string
	asynciotest.Run(t, func(ctx context.Context) (int, error) {
		asyncio.GetEventLoop().SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
			got = append(got, c.Message+" | "+fmt.Sprint(c.Err))
		})
		asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { runtime.Goexit(); return 0, nil }, "lost")
		asyncio.Sleep(ctx, time.Millisecond)
		return 0, nil
	})
	if len(got) != 1 || !strings.Contains(got[0], `task "lost" called runtime.Goexit`) || strings.Contains(got[0], "destroyed") {
		t.Fatalf("handler got %q", got)
	}
}

// t.Fatal inside a task, run in a child process (t.Fatal fails the test that
// calls it): the task ends with an error naming Goexit, t.Fatal and the line,
// and Run returns instead of hanging.
func TestTFatalInTask(t *testing.T) {
	if os.Getenv("ASYNCIO_TFATAL_CHILD") != "" {
		_, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
			child := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				asyncio.Sleep(ctx, time.Millisecond)
				t.Fatal("fatal inside a task")
				return 0, nil
			}, "fataler")
			return child.Await(ctx)
		})
		fmt.Printf("RUN RETURNED: %v\n", err)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTFatalInTask$", "-test.v")
	cmd.Env = append(os.Environ(), "ASYNCIO_TFATAL_CHILD=1")
	out, _ := cmd.CombinedOutput() // the child fails: t.Fatal marks it so
	for _, want := range []string{"fatal inside a task", "RUN RETURNED: asyncio: task \"fataler\" called runtime.Goexit in ",
		"TestTFatalInTask", "t.Fatal", "goexit_test.go"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}
