package asyncio

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// CancelledError is the error a cancelled task receives at the await where
// the cancellation is delivered (asyncio.CancelledError). It matches
// context.Canceled with errors.Is, and errors.As recovers the message given to
// Cancel. A task that lets it propagate (returns it, possibly wrapped) ends
// cancelled.
type CancelledError struct {
	Msg string // the reason passed to Task.Cancel, or ""
}

func (e *CancelledError) Error() string {
	if e.Msg == "" {
		return "asyncio: cancelled"
	}
	return "asyncio: cancelled: " + e.Msg
}

// Is reports true for context.Canceled, so errors.Is(err, context.Canceled)
// recognizes a cancellation however it was wrapped.
func (e *CancelledError) Is(target error) bool { return target == context.Canceled }

// ErrTimeout is returned by WaitFor, WaitForMs and a Timeout scope when the
// deadline passes (asyncio.TimeoutError). It matches context.DeadlineExceeded
// and, since a timed-out stream read or write is an I/O deadline, the
// os.ErrDeadlineExceeded that Go's network code checks for.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string { return "asyncio: timeout" }
func (timeoutError) Is(target error) bool {
	return target == context.DeadlineExceeded || target == os.ErrDeadlineExceeded
}
func (timeoutError) Timeout() bool                { return true } // like net.Error
func (timeoutError) Temporary() bool              { return true }
func (timeoutError) Unwrap() error                { return nil }
func (e timeoutError) Format(s fmt.State, v rune) { fmt.Fprint(s, e.Error()) }

// ErrNotDone is returned by Task.Result and Task.Err while the task is still
// running (asyncio.InvalidStateError).
var ErrNotDone = errors.New("asyncio: task is not done yet; await it (t.Await(ctx)) or check t.Done() first")

// ErrLoopRunning is returned when Run, RunUntilComplete or RunForever is called
// while the loop is already running: there is one loop per program.
var ErrLoopRunning = errors.New("asyncio: the event loop is already running (one loop per program): " +
	"from inside a task, await the work directly or start it with CreateTask; " +
	"from another goroutine, use RunCoroutineThreadsafe or CallSoonThreadsafe")

// ErrLoopClosed is returned when a closed loop is asked to run.
var ErrLoopClosed = errors.New("asyncio: the event loop is closed; get a new one with NewEventLoop (or use Run, which makes one)")

// ErrLoopStopped is returned by RunUntilComplete (and Run) when Stop ends the
// loop before the awaited task finished.
var ErrLoopStopped = errors.New("asyncio: the event loop stopped before the task completed")

// PanicError is the error a task ends with when its function panics: it keeps
// the panic value and the stack of the panicking goroutine, so nothing is lost
// on the way to whoever awaits the task (or to the exception handler). If the
// panic value is an error, errors.Is and errors.As see through to it.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic (runtime/debug.Stack)
	Task  string // the name of the task that panicked

	owner *task // the task whose function panicked: Run re-panics only main's own
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("asyncio: task %q panicked: %v\n\n%s", e.Task, e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// GoexitError is the error a task ends with when its function calls
// runtime.Goexit, as t.Fatal, t.FailNow and t.SkipNow do in a test. Goexit
// cannot be stopped; it ends the task (its deferred calls run) but not the
// loop, which goes on with the other tasks. Stack shows where Goexit was
// called.
type GoexitError struct {
	Task  string // the name of the task that called runtime.Goexit
	Where string // "function file:line" that called Goexit (or t.Fatal...), if found
	Stack []byte // the task's stack during the Goexit (runtime/debug.Stack)
}

func (e *GoexitError) Error() string {
	where := ""
	if e.Where != "" {
		where = " in " + e.Where
	}
	return fmt.Sprintf("asyncio: task %q called runtime.Goexit%s (for example through t.Fatal, t.FailNow "+
		"or t.SkipNow), which ended it; in a test, report failures from a task with t.Error and return\n\n%s",
		e.Task, where, e.Stack)
}

// AwaitCycleError is returned by the Task.Await that would close a cycle of
// tasks awaiting each other (a awaits b while b awaits a, or a longer chain):
// none of them could ever finish, so the await fails at once instead.
type AwaitCycleError struct {
	Awaiter string   // the task whose await would close the cycle
	Awaited string   // the task it tried to await
	Cycle   []string // the names around the cycle, from Awaiter back to Awaiter
}

func (e *AwaitCycleError) Error() string {
	return fmt.Sprintf("asyncio: await cycle: task %q awaits task %q, which already waits for %q "+
		"(%s), so none of them could ever finish", e.Awaiter, e.Awaited, e.Awaiter, strings.Join(e.Cycle, " -> "))
}

// misuse panics with a message that names the mistake and the fix. It is for
// programming errors that no caller can handle (await outside a task, a task
// awaiting itself), the way the standard library panics on a negative
// WaitGroup counter.
func misuse(format string, args ...any) {
	panic(errors.New("asyncio: " + fmt.Sprintf(format, args...)))
}

// isCancelled reports whether err is (or wraps) a CancelledError.
func isCancelled(err error) bool {
	var ce *CancelledError
	return errors.As(err, &ce)
}
