//go:build unix

package asyncio_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// sendSignal sends sig to this process.
func sendSignal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

// A handler runs on the loop for each delivery, can be replaced, and stops
// with RemoveSignalHandler.
func TestSignalHandler(t *testing.T) {
	l := realLoop(t)
	var tr trace
	asyncio.Run(func(ctx context.Context) (any, error) {
		var got asyncio.Event
		if err := l.AddSignalHandler(syscall.SIGUSR1, func() { tr.add("first"); got.Set() }); err != nil {
			t.Fatal(err)
		}
		sendSignal(t, syscall.SIGUSR1)
		got.Wait(ctx)
		got.Clear()
		l.AddSignalHandler(syscall.SIGUSR1, func() { tr.add("second"); got.Set() })
		sendSignal(t, syscall.SIGUSR1)
		got.Wait(ctx)
		if !l.RemoveSignalHandler(syscall.SIGUSR1) {
			t.Error("RemoveSignalHandler found no handler")
		}
		if l.RemoveSignalHandler(syscall.SIGUSR1) {
			t.Error("second RemoveSignalHandler found a handler")
		}
		return nil, nil
	})
	tr.expect(t, "first", "second")
}

// A panicking handler reaches the exception handler and the loop goes on.
func TestSignalHandlerPanics(t *testing.T) {
	l := realLoop(t)
	asyncio.Run(func(ctx context.Context) (any, error) {
		var handled asyncio.Event
		var perr error
		l.SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) { perr = c.Err; handled.Set() })
		l.AddSignalHandler(syscall.SIGUSR2, func() { panic("in handler") })
		defer l.RemoveSignalHandler(syscall.SIGUSR2)
		sendSignal(t, syscall.SIGUSR2)
		handled.Wait(ctx)
		var pe *asyncio.PanicError
		if !errors.As(perr, &pe) || pe.Value != "in handler" {
			t.Errorf("exception handler got %v", perr)
		}
		return nil, nil
	})
}

func TestSignalHandlerMisuse(t *testing.T) {
	l := realLoop(t)
	if err := l.AddSignalHandler(os.Kill, func() {}); err == nil {
		t.Error("a handler for SIGKILL was accepted")
	}
	mustPanic(t, func() { l.AddSignalHandler(syscall.SIGUSR1, nil) }, "AddSignalHandler called with a nil signal or callback")
	l.Close()
	mustPanic(t, func() { l.AddSignalHandler(syscall.SIGUSR1, func() {}) }, "closed event loop")
}
