//go:build unix

package asyncio_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// sigintIgnored is read before any test subscribes to SIGINT: a test process
// started in the background by a shell ignores SIGINT; Run then leaves it
// ignored, and the child processes would inherit it.
var sigintIgnored = signal.Ignored(os.Interrupt)

func skipIfSIGINTIgnored(t *testing.T) {
	if sigintIgnored {
		t.Skip("SIGINT is ignored in this process (started in the background?)")
	}
}

// Ctrl-C under Run, as CPython 3.11's asyncio.run: the first SIGINT cancels
// main, cleanup runs, and Run returns the cancellation marked ErrInterrupted.
// The signal is sent from a task while main waits forever, on a real-clock
// loop (a virtual one would report the wait as a deadlock).
func TestRunSIGINTCancelsMain(t *testing.T) {
	skipIfSIGINTIgnored(t)
	realLoop(t)
	var tr trace
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		defer tr.add("main cleanup")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			defer tr.add("child cleanup")
			var never asyncio.Event
			return nil, never.Wait(ctx)
		}, "child")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			sendSignal(t, syscall.SIGINT)
			return nil, nil
		}, "interrupter")
		var never asyncio.Event
		err := never.Wait(ctx)
		tr.add("main woke: cancelled=%v", errors.Is(err, context.Canceled))
		return nil, err
	})
	tr.expect(t, "main woke: cancelled=true", "main cleanup", "child cleanup")
	var ce *asyncio.CancelledError
	if !errors.Is(err, asyncio.ErrInterrupted) || !errors.Is(err, context.Canceled) ||
		!errors.As(err, &ce) || !strings.Contains(ce.Msg, "SIGINT") {
		t.Errorf("Run after SIGINT: %v; want main's CancelledError, matching ErrInterrupted", err)
	}
}

// A main that handles the cancellation and returns normally: Run returns its
// result, as asyncio.run does.
func TestRunSIGINTMainRecovers(t *testing.T) {
	skipIfSIGINTIgnored(t)
	realLoop(t)
	got, err := asyncio.Run(func(ctx context.Context) (string, error) {
		sendSignal(t, syscall.SIGINT)
		var never asyncio.Event
		if err := never.Wait(ctx); errors.Is(err, context.Canceled) {
			return "saved", nil
		}
		return "not cancelled", nil
	})
	if got != "saved" || err != nil {
		t.Errorf("Run = %q, %v; want main's own result", got, err)
	}
}

// A program's own SIGINT handler (AddSignalHandler, here from main) takes the
// signal: main is not cancelled.
func TestRunSIGINTProgramHandlerWins(t *testing.T) {
	skipIfSIGINTIgnored(t)
	l := realLoop(t)
	got, err := asyncio.Run(func(ctx context.Context) (string, error) {
		var handled asyncio.Event
		if err := l.AddSignalHandler(os.Interrupt, handled.Set); err != nil {
			return "", err
		}
		defer l.RemoveSignalHandler(os.Interrupt)
		sendSignal(t, syscall.SIGINT)
		if err := handled.Wait(ctx); err != nil {
			return "", err
		}
		return "handled", asyncio.Sleep(ctx, 0)
	})
	if got != "handled" || err != nil {
		t.Errorf("Run = %q, %v; want the program's handler to take SIGINT", got, err)
	}
}

// The rest runs in child processes (the test binary, re-run with
// ASYNCIO_SIGINT_CHILD set), since the outcome is the death of the process.

// TestSIGINTChild is the child's side; it does nothing in a normal run.
func TestSIGINTChild(t *testing.T) {
	mode := os.Getenv("ASYNCIO_SIGINT_CHILD")
	if mode == "" {
		t.Skip("run by the SIGINT tests in a child process")
	}
	say := func(s string) { fmt.Println("child: " + s) }
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		switch mode {
		case "busy": // never yields: only the watcher goroutine can act
			say("ready")
			for {
			}
		case "stubborn": // swallows every cancellation
			say("ready")
			for {
				if err := asyncio.Sleep(ctx, time.Hour); err != nil {
					asyncio.CurrentTask(ctx).Uncancel()
					say("cancelled")
				}
			}
		case "restore": // interrupted, then SIGINT must kill as before Run
			sendSignal(t, syscall.SIGINT)
			var never asyncio.Event
			return nil, never.Wait(ctx)
		}
		return nil, nil
	})
	say(fmt.Sprintf("Run returned: interrupted=%v", errors.Is(err, asyncio.ErrInterrupted)))
	sendSignal(t, syscall.SIGINT)
	time.Sleep(10 * time.Second) // only if SIGINT no longer kills
	say("survived SIGINT")
}

// startChild starts the test binary in mode and returns the process, a
// channel of its "child:" lines, and a wait that returns its exit status.
func startChild(t *testing.T, mode string) (*exec.Cmd, <-chan string, <-chan error) {
	t.Helper()
	skipIfSIGINTIgnored(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGINTChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ASYNCIO_SIGINT_CHILD="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), "child: "); ok {
				lines <- s
			}
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, lines, exited
}

// expectLine waits for the child's next line; the timeout is a safety net
// against a hang, not part of the behaviour tested.
func expectLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	select {
	case got := <-lines:
		if got != want {
			t.Fatalf("child said %q; want %q", got, want)
		}
	case <-time.After(time.Minute):
		t.Fatalf("child did not say %q", want)
	}
}

// diedOfSIGINT checks that the child ended as an unhandled SIGINT ends a
// process: killed by the signal (or exit status 130).
func diedOfSIGINT(t *testing.T, err error) {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() && ws.Signal() == syscall.SIGINT || ws.ExitStatus() == 130 {
			return
		}
	}
	t.Errorf("child ended with %v; want death by SIGINT", err)
}

// A main that never yields: the loop cannot act on the first SIGINT, and the
// second ends the process at once. The signal is resent until the process
// ends (two may merge into one delivery); a hang fails after a minute.
func TestRunSIGINTBusyMain(t *testing.T) {
	cmd, lines, exited := startChild(t, "busy")
	expectLine(t, lines, "ready")
	deadline := time.After(time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-exited:
			diedOfSIGINT(t, err)
			return
		case <-tick.C:
		case <-deadline:
			t.Fatal("a busy program survived repeated SIGINTs")
		}
	}
}

// A main that swallows its cancellation: the first SIGINT cancels it, the
// second ends the process.
func TestRunSIGINTTwice(t *testing.T) {
	cmd, lines, exited := startChild(t, "stubborn")
	expectLine(t, lines, "ready")
	cmd.Process.Signal(syscall.SIGINT)
	expectLine(t, lines, "cancelled")
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		diedOfSIGINT(t, err)
	case <-time.After(time.Minute):
		t.Fatal("the second SIGINT did not end the process")
	}
}

// After Run returns, SIGINT has its default action again: the process that
// Run reported interrupted dies of the next SIGINT.
func TestRunRestoresSIGINT(t *testing.T) {
	_, lines, exited := startChild(t, "restore")
	expectLine(t, lines, "Run returned: interrupted=true")
	select {
	case err := <-exited:
		diedOfSIGINT(t, err)
	case <-time.After(time.Minute):
		t.Fatal("child still running")
	}
}
