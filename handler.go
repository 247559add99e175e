package asyncio

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ExceptionContext describes an error that has no other owner
// (asyncio's exception-handler context dict).
type ExceptionContext struct {
	Message string  // what happened, e.g. "Task exception was never retrieved"
	Err     error   // the error, if any (a *PanicError carries the stack)
	Task    AnyTask // the task involved, if any
	Handle  *Handle // the callback involved, if any
}

// ExceptionHandler handles errors that no task awaits: a task that failed
// with nobody to take its error, a panicking callback. It runs on the loop
// goroutine.
type ExceptionHandler func(l *Loop, c ExceptionContext)

// SetExceptionHandler installs h as the loop's exception handler; nil
// restores the default (loop.set_exception_handler). Loop goroutine only.
func (l *Loop) SetExceptionHandler(h ExceptionHandler) { l.handler = h }

// GetExceptionHandler returns the handler installed with SetExceptionHandler,
// or nil for the default. Loop goroutine only.
func (l *Loop) GetExceptionHandler() ExceptionHandler { return l.handler }

// DefaultExceptionHandler writes c to standard error: the message, the task,
// and the error with its stack if it is a panic
// (loop.default_exception_handler). A peer's reset (an error matching
// syscall.ECONNRESET or EPIPE) is an ordinary event on a network, not a
// program error, and is not written. Loop goroutine only.
func (l *Loop) DefaultExceptionHandler(c ExceptionContext) {
	if isPeerReset(c.Err) {
		return
	}
	msg := c.Message
	if msg == "" {
		msg = "Unhandled error in event loop"
	}
	s := "asyncio: " + msg + "\n"
	if c.Task != nil {
		s += "task: " + c.Task.String() + "\n"
	}
	if c.Err != nil {
		s += "error: " + c.Err.Error() + "\n"
	}
	fmt.Fprint(l.errOut, s)
}

// CallExceptionHandler passes c to the installed handler, or to the default
// one (loop.call_exception_handler). A handler that panics does not stop the
// loop: its panic and the original context go to the default handler. Loop
// goroutine only.
func (l *Loop) CallExceptionHandler(c ExceptionContext) { l.callHandler(c) }

func (l *Loop) callHandler(c ExceptionContext) {
	h := l.handler
	if h == nil {
		l.DefaultExceptionHandler(c)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			l.DefaultExceptionHandler(ExceptionContext{
				Message: "Unhandled error in exception handler",
				Err:     &PanicError{Value: r, Stack: debug.Stack(), Task: "exception handler"},
			})
			l.DefaultExceptionHandler(c)
		}
	}()
	h(l, c)
}

// reportUnretrieved hands a failed task's error to the handler if, one round
// after it failed, nobody has taken it.
func (l *Loop) reportUnretrieved(t *task) {
	if t.retrieved {
		return
	}
	t.retrieved = true
	msg := "Task exception was never retrieved"
	var pe *PanicError
	if errors.As(t.err, &pe) {
		msg = "Task panicked and nobody awaited it"
	}
	l.callHandler(ExceptionContext{Message: msg, Err: t.err, Task: t.impl})
}

// recoverCallback turns a panic in a callback into a handler call.
func (l *Loop) recoverCallback(h *Handle) {
	if r := recover(); r != nil {
		l.callHandler(ExceptionContext{
			Message: "Exception in callback",
			Err:     &PanicError{Value: r, Stack: debug.Stack(), Task: "callback"},
			Handle:  h,
		})
	}
}
