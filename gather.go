package asyncio

import "context"

// Result is one child's outcome in GatherAll.
type Result[T any] struct {
	Value T
	Err   error
}

// Gather runs each function as a task and waits for all of them
// (asyncio.gather). It returns their results in argument order. If a child
// fails, Gather returns that first error at once (in completion order) and the
// other children keep running. If the calling task is cancelled while it
// waits, every unfinished child is cancelled, and Gather returns the
// CancelledError once they have all finished. Gather with no functions returns
// at once.
func Gather[T any](ctx context.Context, fns ...func(context.Context) (T, error)) ([]T, error) {
	return GatherTasks(ctx, spawnAll(ctx, fns)...)
}

// GatherTasks is Gather for tasks that already exist.
func GatherTasks[T any](ctx context.Context, tasks ...*Task[T]) ([]T, error) {
	checkTasks(tasks, "GatherTasks")
	if err := gather(ctx, tasks, false); err != nil {
		return nil, err
	}
	out := make([]T, len(tasks))
	for i, t := range tasks {
		out[i] = t.result
	}
	return out, nil
}

// GatherAll is Gather with return_exceptions=True: it waits for every child
// and returns each one's value and error; a failing child does not end the
// wait. The error is non-nil only if the calling task was cancelled (the
// children are then cancelled too).
func GatherAll[T any](ctx context.Context, fns ...func(context.Context) (T, error)) ([]Result[T], error) {
	return GatherAllTasks(ctx, spawnAll(ctx, fns)...)
}

// GatherAllTasks is GatherAll for tasks that already exist.
func GatherAllTasks[T any](ctx context.Context, tasks ...*Task[T]) ([]Result[T], error) {
	checkTasks(tasks, "GatherAllTasks")
	if err := gather(ctx, tasks, true); err != nil {
		return nil, err
	}
	out := make([]Result[T], len(tasks))
	for i, t := range tasks {
		out[i] = Result[T]{t.result, t.err}
	}
	return out, nil
}

func spawnAll[T any](ctx context.Context, fns []func(context.Context) (T, error)) []*Task[T] {
	if len(fns) == 0 {
		return nil
	}
	l := currentTask(ctx, "Gather").loop
	tasks := make([]*Task[T], len(fns))
	for i, fn := range fns {
		tasks[i] = createTask(l, ctx, fn, nil)
	}
	return tasks
}

// gathering is one Gather call's bookkeeping: it observes the children and
// parks the caller until they are done (or, without returnAll, one fails).
type gathering struct {
	waiter    *task
	children  []*task
	remaining int   // unfinished children
	returnAll bool  // return_exceptions
	failed    error // the first failure, without returnAll
	finished  bool  // the outcome is decided; later completions are only recorded
	cancelled bool  // the caller was cancelled: children were cancelled
}

func gather[T any](ctx context.Context, tasks []*Task[T], returnAll bool) error {
	if len(tasks) == 0 {
		return nil
	}
	g := &gathering{waiter: currentTask(ctx, "Gather"), returnAll: returnAll}
	for _, t := range tasks {
		c := &t.task
		if c.state == stateDone {
			c.retrieved = true
			if !returnAll && c.err != nil && g.failed == nil {
				g.failed = c.err
			}
			continue
		}
		g.children = append(g.children, c)
		c.addHook(g)
		g.remaining++
	}
	if g.failed != nil || g.remaining == 0 {
		g.finished = true
		return g.failed
	}
	if err := g.waiter.parkCtx(ctx, g); err != nil {
		return err
	}
	if g.cancelled {
		return &CancelledError{Msg: g.waiter.cancelMsg()}
	}
	return g.failed
}

func (g *gathering) taskDone(c *task) {
	c.retrieved = true
	if g.finished {
		return
	}
	g.remaining--
	if !g.returnAll && c.err != nil {
		g.failed = c.err
	} else if g.remaining > 0 {
		return
	}
	g.finished = true
	if g.waiter.state == stateParked && g.waiter.parkedOn == aborter(g) {
		g.waiter.loop.wake(g.waiter, nil, false)
	}
}

// abort forwards the caller's cancellation to every unfinished child; the
// caller keeps waiting until they are done.
func (g *gathering) abort(t *task) bool {
	g.cancelled = true
	for _, c := range g.children {
		if c.state != stateDone {
			c.Cancel(t.cancelMsg())
		}
	}
	return false
}
