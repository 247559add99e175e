package asyncio

import (
	"context"
	"fmt"
	"runtime/debug"
	"runtime/trace"
	"strconv"

	"github.com/asyncio-go/asyncio/internal/coro"
	"github.com/asyncio-go/asyncio/internal/timerheap"
	"github.com/asyncio-go/asyncio/internal/waitq"
)

// taskState is where a task is in its life. The transitions are:
//
//	pending -> running  (its first step)      pending -> done (cancelled before it ran)
//	running -> parked   (park: it awaits something)
//	running -> ready    (yield: Sleep(0))     running -> done (its function returned)
//	parked  -> ready    (wake: what it awaited happened, or it was cancelled)
//	ready   -> running  (the loop resumes it)
type taskState uint8

const (
	statePending taskState = iota // created and queued; its function has not started
	stateReady                    // queued to resume after a yield or a wake-up
	stateRunning                  // executing: the loop is inside its Resume
	stateParked                   // suspended; parkedOn says what it waits on and how to detach it
	stateDone                     // finished; the outcome is stored
)

// task is the non-generic heart of a Task. Every field is owned by the loop
// goroutine; the only state other goroutines may read is ctx's signal.
//
// The layout is part of the per-task cost (issue 8): fields every task uses
// sit here, packed so that a Task[T] with a small T fits a 288-byte size
// class; what few tasks use (a name, a cancel message, completion observers)
// lives in ext, allocated on first use.
type task struct {
	loop *Loop
	impl taskImpl    // the *Task[T] embedding this task
	co   *coro.Coro  // set from the first step until the function returns
	ctx  taskContext // the context the function receives; also the coro.Body that runs it
	id   uint64      // creation number, for the default name "Task-<id>"

	// The flags and the cancel count, packed in one word.
	state      taskState
	granted    bool  // the last wake-up granted something; read by the await after park (park.go)
	mustCancel bool  // a CancelledError is due at the next resume
	keepResult bool  // with mustCancel, set by keepGrant: a return before the next await keeps its result
	forwarding bool  // inside its aborter: stops cancel cycles between tasks awaiting each other
	cancelled  bool  // err is a cancellation
	retrieved  bool  // someone has taken the outcome, so an error is not reported
	cancels    int32 // cancel requests not yet matched by Uncancel; the message is ext.cancelMsg
	liveIndex  int32 // position in Loop.liveTasks while unfinished, else -1

	// Parking (park.go).
	parkedOn aborter           // what the task waits on, and how to detach it on cancellation; non-nil only while parked
	parkedAt int64             // Loop.coarseNow when it parked: how long it has waited, to within the watchdog's period
	wakeErr  error             // the outcome handed over by wake, read once on resume
	timer    timerheap.Timer   // the timer Sleep parks on; Value is this task
	node     waitq.Node[*task] // this task's place in the one wait queue it is parked on

	// Completion.
	err     error              // the outcome: the function's error, a *CancelledError or *PanicError
	joiners waitq.Queue[*task] // tasks parked in Await on this one

	parentID uint64 // id of the task that created this one, 0 if none (created outside a task)

	ext *taskExt // nil until a field in it is first set
}

// taskExt holds a task's rarely set fields (see task).
type taskExt struct {
	name      string         // set by the creator or SetName; "" means the default
	cancelMsg string         // message of the latest Cancel
	hook      completionHook // told at completion: one observer, or a hookList of several
	trace     *taskTrace     // while an execution trace is recorded (tracing.go)
}

// hookList is the completion hook of a task observed more than once: it
// tells each observer in the order they registered.
type hookList []completionHook

func (hs hookList) taskDone(t *task) {
	for _, h := range hs {
		h.taskDone(t)
	}
}

// extension returns t.ext, allocating it on first use.
func (t *task) extension() *taskExt {
	if t.ext == nil {
		t.ext = new(taskExt)
	}
	return t.ext
}

// cancelMsg is the message of the latest Cancel ("" if none).
func (t *task) cancelMsg() string {
	if t.ext == nil {
		return ""
	}
	return t.ext.cancelMsg
}

// addHook registers h to be told when t completes, after those already
// registered. Most tasks have one observer at most (a TaskGroup, Gather, a
// done-callback): it costs no allocation beyond ext.
func (t *task) addHook(h completionHook) {
	x := t.extension()
	switch hs := x.hook.(type) {
	case nil:
		x.hook = h
	case hookList:
		x.hook = append(hs, h)
	default:
		x.hook = hookList{hs, h}
	}
}

// notifyHooks tells each completion hook, in registration order, that t
// has completed, and forgets them.
func (t *task) notifyHooks() {
	if t.ext != nil && t.ext.hook != nil {
		h := t.ext.hook
		t.ext.hook = nil
		h.taskDone(t)
	}
}

// taskImpl is implemented only by *Task[T]: what the loop needs from the
// generic wrapper.
type taskImpl interface {
	AnyTask
	runFn()
	fnPC() uintptr // the function's entry (snapshot.go)
}

// completionHook is an internal observer of a task's completion.
type completionHook interface{ taskDone(t *task) }

// AnyTask is the part of a Task that does not depend on its result type:
// what AllTasks and CurrentTask return and what done-callbacks receive. Only
// *Task[T] implements it. Unless a method says otherwise it must be called on
// the loop goroutine (from a task or a callback).
type AnyTask interface {
	Name() string
	SetName(name string)
	Done() bool
	Cancelled() bool
	Cancel(msg ...string) bool
	Cancelling() int
	Uncancel() int
	Err() error
	AddDoneCallback(fn func(AnyTask))
	String() string
	base() *task
}

// Task is a function running on the loop (asyncio.Task): it runs until its
// next await, then the loop runs others. The loop holds every task until it
// finishes, so a task nobody references still runs to the end.
type Task[T any] struct {
	task
	result T // before fn: a trailing zero-size field would be padded
	fn     func(context.Context) (T, error)
}

func (t *Task[T]) base() *task {
	if t == nil {
		return nil // a nil *Task in an AnyTask: callers report the misuse
	}
	return &t.task
}

// runFn runs the task's function on its coroutine and stores the outcome; a
// panic becomes a *PanicError carrying the value and the stack, a
// runtime.Goexit (t.Fatal) a *GoexitError.
func (t *Task[T]) runFn() {
	returned := false
	var unlabel func()
	defer func() {
		if !returned {
			t.recoverPanic(recover()) // nil: the function called runtime.Goexit
		}
		t.traceDone()
		if unlabel != nil {
			unlabel()
		}
	}()
	if t.loop.profLabels {
		unlabel = t.labelGoroutine()
	}
	if t.loop.debug {
		t.loop.noteTaskGoroutine(&t.task)
	}
	t.traceStepBegin()
	t.result, t.err = t.fn(&t.ctx)
	returned = true
}

// recoverPanic records why the function did not return: r is the recovered
// panic value, or nil for a runtime.Goexit, which nothing can stop (the
// coroutine ends the goroutine without disturbing the loop).
func (t *task) recoverPanic(r any) {
	switch {
	case r == nil:
		t.err = newGoexitError(t)
	case r == coro.ErrKilled:
		t.err = &CancelledError{Msg: "event loop closed while the task was pending"}
	default:
		t.err = &PanicError{Value: r, Stack: debug.Stack(), Task: t.Name(), owner: t}
	}
}

// CreateTask schedules fn to run as a new task and returns the task
// (asyncio.create_task). It does not suspend the caller: the task first runs
// when the caller next awaits. The optional name labels the task in
// AllTasks, errors and the exception handler (default "Task-<n>").
//
// ctx is the calling task's context; values are inherited from it, its
// cancellation is not (asyncio tasks are independent: use a TaskGroup to tie
// lifetimes). Outside a running loop, a context without a task schedules on
// the program's loop, to be run by RunUntilComplete or RunForever.
// Loop goroutine only.
func CreateTask[T any](ctx context.Context, fn func(context.Context) (T, error), name ...string) *Task[T] {
	l := loopFor(ctx, "CreateTask")
	return createTask(l, ctx, fn, name)
}

func createTask[T any](l *Loop, ctx context.Context, fn func(context.Context) (T, error), name []string) *Task[T] {
	if fn == nil {
		misuse("CreateTask called with a nil function; pass the function the task should run")
	}
	if l.closed.Load() {
		misuse("CreateTask on a closed event loop; use NewEventLoop or Run to get a fresh one")
	}
	t := &Task[T]{fn: fn}
	b := &t.task
	b.loop, b.impl, b.state = l, t, statePending
	b.ctx.t, b.ctx.values = b, valuesOf(ctx)
	b.timer.Value, b.node.Value = b, b
	l.taskSeq++
	b.id = l.taskSeq
	if p := taskOf(ctx); p != nil {
		b.parentID = p.id
	}
	if len(name) > 0 && name[0] != "" {
		b.extension().name = name[0]
	}
	if trace.IsEnabled() {
		b.startTrace(ctx)
	}
	l.linkLive(b)
	l.ready.Push(b)
	return t
}

// Await suspends the calling task until t finishes and returns t's result and
// error (await task). If t has already finished it returns at once without
// suspending, as often as it is called. If the caller is cancelled while it
// waits, the cancellation is forwarded to t (as in asyncio), and the caller
// gets t's outcome, normally the CancelledError. An await that would close a
// cycle of tasks awaiting each other (a awaits b, b awaits a; or through
// Gather or a TaskGroup's end) returns an *AwaitCycleError at once instead of
// waiting forever. Must be called from a
// task, with its ctx.
func (t *Task[T]) Await(ctx context.Context) (T, error) {
	if t == nil {
		misuse("Task.Await called on a nil *Task; await the task CreateTask returned")
	}
	if t.state != stateDone {
		cur := currentTask(ctx, "Task.Await")
		if cur == &t.task {
			misuse("task %q awaits itself, which can never finish; await another task, or return instead", t.Name())
		}
		if err := checkAwaitCycle(cur, &t.task); err != nil {
			var zero T
			return zero, err
		}
		t.joiners.PushBack(&cur.node)
		err := cur.parkCtx(ctx, (*joinAbort)(&t.task))
		if err != nil {
			var zero T
			return zero, err
		}
	}
	t.retrieved = true
	return t.result, t.err
}

// Result returns the outcome of a finished task without waiting
// (task.result()); ErrNotDone while it runs.
func (t *Task[T]) Result() (T, error) {
	if t.state != stateDone {
		var zero T
		return zero, ErrNotDone
	}
	t.retrieved = true
	return t.result, t.err
}

// Err returns the error of a finished task (nil if it succeeded, a
// *CancelledError if it was cancelled), or ErrNotDone (task.exception()).
func (t *task) Err() error {
	if t.state != stateDone {
		return ErrNotDone
	}
	t.retrieved = true
	return t.err
}

// ownName is the name given by the creator or SetName, "" for the default.
func (t *task) ownName() string {
	if t.ext == nil {
		return ""
	}
	return t.ext.name
}

// Name returns the task's name.
func (t *task) Name() string {
	if t.ext == nil || t.ext.name == "" {
		return "Task-" + strconv.FormatUint(t.id, 10)
	}
	return t.ext.name
}

// SetName renames the task.
func (t *task) SetName(name string) {
	if name != "" || t.ext != nil {
		t.extension().name = name
	}
}

// Done reports whether the task has finished (returned, failed or cancelled).
func (t *task) Done() bool { return t.state == stateDone }

// Cancelled reports whether the task finished by cancellation.
func (t *task) Cancelled() bool { return t.state == stateDone && t.cancelled }

// Cancelling returns the number of pending cancel requests: Cancel calls not
// matched by Uncancel (task.cancelling()).
func (t *task) Cancelling() int { return int(t.cancels) }

// Uncancel takes back one cancel request and returns how many remain
// (task.uncancel()). A Timeout scope uses it to tell its own cancellation
// from one that came from outside; when none remain, a cancellation that was
// requested but not yet delivered is withdrawn.
func (t *task) Uncancel() int {
	if t.cancels > 0 {
		t.cancels--
		if t.cancels == 0 {
			t.mustCancel, t.keepResult = false, false
		}
	}
	return int(t.cancels)
}

// AddDoneCallback arranges for fn to be called, with CallSoon, when the task
// finishes; if it has already finished, fn is scheduled at once. Callbacks run
// in the order they were added.
func (t *task) AddDoneCallback(fn func(AnyTask)) {
	if t.state == stateDone {
		t.loop.CallSoon(func() { fn(t.impl) })
		return
	}
	t.addHook(doneCallback(fn))
}

// doneCallback is a user's done-callback among the completion hooks: it is
// scheduled with CallSoon, as asyncio schedules done-callbacks.
type doneCallback func(AnyTask)

func (fn doneCallback) taskDone(t *task) {
	if !t.loop.closed.Load() { // a task killed by Close: its callbacks are dropped with the loop's
		t.loop.CallSoon(func() { fn(t.impl) })
	}
}

// String describes the task for logs: name and state.
func (t *task) String() string {
	state := [...]string{"pending", "pending", "running", "pending", "done"}[t.state]
	if t.state == stateDone {
		switch {
		case t.cancelled:
			state = "cancelled"
		case t.err != nil:
			state = fmt.Sprintf("failed: %v", firstLine(t.err))
		}
	}
	return fmt.Sprintf("<Task %s %s>", t.Name(), state)
}

// CurrentTask returns the task that ctx belongs to, or nil outside a task
// (asyncio.current_task()).
func CurrentTask(ctx context.Context) AnyTask {
	if t := taskOf(ctx); t != nil {
		return t.impl
	}
	return nil
}

// AllTasks returns the unfinished tasks of the program's loop
// (asyncio.all_tasks()), oldest first. Loop goroutine only.
func AllTasks() []AnyTask {
	l := GetEventLoop()
	var out []AnyTask
	for _, t := range l.liveByAge() {
		out = append(out, t.impl)
	}
	return out
}

// currentTask returns the running task that ctx belongs to, or panics with a
// message that names op and the fix. The check is inlined; the messages are not.
func currentTask(ctx context.Context, op string) *task {
	if c, ok := ctx.(*taskContext); ok && c.t.loop.unchecked == c.t {
		return c.t
	}
	return checkCurrent(ctx, op)
}

// fastTask is currentTask's inlinable half: the running task of ctx, or nil
// if anything needs checking. Hot awaits call it and fall back to
// checkCurrent.
func fastTask(ctx context.Context) *task {
	if c, ok := ctx.(*taskContext); ok && c.t.loop.unchecked == c.t {
		return c.t
	}
	return nil
}

func checkCurrent(ctx context.Context, op string) *task {
	t := taskOf(ctx)
	if t == nil {
		misuse("%s called outside a task (its context carries no task); call it from a function "+
			"run by Run or CreateTask, passing the ctx that function was given", op)
	}
	if t.loop.current != t {
		misuse("%s called with the context of task %q, which is not the running task; "+
			"each task must await with its own ctx (was the ctx captured by a goroutine or another task?)", op, t.Name())
	}
	if t.loop.debug {
		t.loop.checkGoroutine(op)
	}
	return t
}

// loopFor finds the loop an operation on ctx belongs to.
func loopFor(ctx context.Context, op string) *Loop {
	if t := taskOf(ctx); t != nil {
		if t.loop.debug {
			t.loop.checkGoroutine(op)
		}
		return t.loop
	}
	l := GetEventLoop()
	if l.running.Load() {
		misuse("%s called with a context that carries no task while the loop is running; from a task pass "+
			"its ctx, from another goroutine use RunCoroutineThreadsafe or CallSoonThreadsafe", op)
	}
	return l
}

func firstLine(err error) string {
	s := err.Error()
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// CreateTask schedules fn as a new task on this loop (loop.create_task; the
// same operation as the package-level CreateTask, with the result typed as
// any). It can be called before the loop runs, to start it with
// RunUntilComplete. Loop goroutine only.
func (l *Loop) CreateTask(fn func(context.Context) (any, error), name ...string) *Task[any] {
	if l.debug {
		l.checkGoroutine("Loop.CreateTask")
	}
	ctx := context.Background()
	if l.current != nil {
		ctx = &l.current.ctx
	}
	return createTask(l, ctx, fn, name)
}
