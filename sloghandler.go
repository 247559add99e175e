package asyncio

import (
	"context"
	"errors"
	"log/slog"
	"syscall"
)

// SlogExceptionHandler returns an exception handler (SetExceptionHandler)
// that logs through logger: the message at level Error, with the task's
// name, the error, and the stack where there is one (a *PanicError, a
// *SlowStepError, a *GoexitError) as attributes. A peer's reset (ECONNRESET,
// EPIPE) is an ordinary event on a network, not a program error: it is
// logged at level Debug. Safe to install from any goroutine before the
// loop runs; it runs on the loop goroutine.
func SlogExceptionHandler(logger *slog.Logger) ExceptionHandler {
	if logger == nil {
		misuse("SlogExceptionHandler called with a nil logger; pass slog.Default() or your own")
	}
	return func(l *Loop, c ExceptionContext) {
		msg := c.Message
		if msg == "" {
			msg = "Unhandled error in event loop"
		}
		level := slog.LevelError
		if isPeerReset(c.Err) {
			level = slog.LevelDebug
		}
		var attrs []slog.Attr
		if c.Task != nil {
			attrs = append(attrs, slog.String("task", c.Task.Name()))
		}
		if c.Err != nil {
			attrs = append(attrs, slog.String("error", firstLine(c.Err)))
			if stack := stackOf(c.Err); stack != "" {
				attrs = append(attrs, slog.String("stack", stack))
			}
		}
		logger.LogAttrs(context.Background(), level, "asyncio: "+msg, attrs...)
	}
}

// isPeerReset reports an error that only says the peer went away.
func isPeerReset(err error) bool {
	return err != nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}

// stackOf returns the stack an error carries, if any.
func stackOf(err error) string {
	var pe *PanicError
	var se *SlowStepError
	var ge *GoexitError
	switch {
	case errors.As(err, &pe):
		return string(pe.Stack)
	case errors.As(err, &se):
		return string(se.Stack)
	case errors.As(err, &ge):
		return string(ge.Stack)
	}
	return ""
}
