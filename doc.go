// Package asyncio gives Go programs the event-loop model and API of
// MicroPython's and CPython's asyncio: one loop per program, tasks that run
// until their next await, and a loop that sleeps when nothing is ready.
//
// # The model
//
// A task is an ordinary Go function, func(ctx context.Context) (T, error),
// started with Run or CreateTask. Exactly one task runs at a time, on the
// loop; tasks switch only where they await (Sleep, Task.Await, WaitFor,
// Gather, the synchronization primitives, stream reads and writes). State
// shared between tasks therefore needs no mutex, and code between two awaits
// is atomic with respect to other tasks. Each task runs on its own goroutine
// as a coroutine: the loop resumes it with a direct switch, never through the
// Go scheduler's run queue, and waits for it to suspend again.
//
// Run(main) is the one entry point most programs need. It creates the loop
// if it does not exist, wraps main in a task, runs the loop until that task
// returns, cancels every task still running and lets each finish its
// cleanup, and returns main's result or error.
//
// # The rules
//
//   - Await with the ctx your task was given. Awaiting outside a task, or with
//     another task's ctx, panics with a message that says so.
//   - A call that can suspend says so in its doc, and only such calls return
//     the cancellation error. Calls that never suspend (Event.Set,
//     Queue.TryGet, Task.Cancel, CreateTask) never switch tasks.
//   - Cancellation is an error: a *CancelledError matching context.Canceled,
//     delivered at the await where the task is suspended. A timeout is
//     ErrTimeout, matching context.DeadlineExceeded. A task may catch the
//     cancellation, clean up (awaiting as it likes), and return.
//   - A task's ctx is a context.Context that is done when the task is
//     cancelled or finishes, so blocking Go code handed the ctx stops too.
//   - From other goroutines there is one way in: Loop.CallSoonThreadsafe (and
//     what is built on it). Every method's doc says "safe from any goroutine"
//     or "loop goroutine only".
//   - Errors always reach an owner: whoever awaits the task, or else the
//     loop's exception handler, one round after the task ends. A panic in a
//     task becomes a *PanicError with the value and the stack.
//   - A step that runs too long without awaiting (100 ms by default, see
//     Loop.SetSlowCallbackDuration) is reported to the exception handler as
//     a *SlowStepError, with the stack taken while it still blocked the loop.
//
// # Catching a cancellation
//
// A task may catch its CancelledError and carry on, as in asyncio. Each
// Cancel is counted (Task.Cancelling); Uncancel takes one back. Timeout and
// TaskGroup rely on the count: when a Timeout expires it cancels its task, and
// on the way out it converts the cancellation into ErrTimeout only if, after
// taking back its own request, no other request is left. So a cancellation
// from outside that lands while an inner Timeout (or TaskGroup) is unwinding
// is never swallowed: the block returns the CancelledError, not ErrTimeout or
// nil. A task that swallows a cancellation itself should call Uncancel if it
// means to go on for good; otherwise enclosing Timeouts and TaskGroups will
// still see the request as pending and treat their own cancellation as
// someone else's.
//
// Once a waiting task is cancelled, its await returns the CancelledError,
// even if Uncancel comes before it resumes (Uncancel only lowers the count).
// A grant made to it in between (a lock, a permit, a queue item or place, a
// notification, a ThreadSafeFlag Set) is handed on to the next waiter or back
// to the primitive, so nothing is lost and no task reports a success it was
// not granted. Only what a Go channel or a ToThread call has already
// delivered is kept: the await succeeds and the cancellation comes at the
// next await. A TaskGroup with failures returns them as a *GroupError and
// leaves an outside cancellation requested for the next await. An await
// given a context derived from the task's also ends when that context does.
//
// # Telling errors apart
//
// Errors are, or wrap, the ones Go programs already check for. A stream's
// peer that reset the connection gives a *net.OpError wrapping
// syscall.ECONNRESET (EPIPE on a write); a stream closed on this side gives
// net.ErrClosed; an orderly end io.EOF (a short ReadExactly an
// *IncompleteReadError, which matches io.ErrUnexpectedEOF). A timeout is
// ErrTimeout, which matches context.DeadlineExceeded and
// os.ErrDeadlineExceeded; a cancellation is a *CancelledError, which
// matches context.Canceled. So errors.Is(err, syscall.ECONNRESET) is the
// peer gone and errors.As(err, new(*CancelledError)) is this task
// cancelled; the default exception handler does not report a peer's reset
// as an error.
//
// # One iteration of the loop
//
//  1. poll: wait for I/O readiness, the earliest timer or a wake-up from
//     another goroutine; do not wait if anything is ready to run.
//  2. drain the inbox: callbacks from other goroutines become ready.
//  3. fire timers: sleeping tasks and CallLater callbacks whose deadline has
//     passed become ready.
//  4. run the batch: resume every task and run every callback that was ready
//     when the phase began, in FIFO order; what they make ready runs in the
//     next iteration.
//  5. flush writes: every stream written to during the batch sends what it
//     buffered, one system call each.
//
// The same program therefore gives the same trace every time, and with the
// virtual clock of package asynciotest, time-based code runs instantly.
package asyncio
