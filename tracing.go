package asyncio

import (
	"context"
	"runtime/trace"
)

// Tracing: while an execution trace is being recorded (go test -trace,
// trace.Start, net/http/pprof's /debug/pprof/trace), every task created is
// a runtime/trace task named like the task, nested under the task that
// created it, and each of its steps (from a resumption to its next await) is
// a region "asyncio.step" on the coroutine that runs it. `go tool trace`
// then shows what ran when, by task name ("User-defined tasks"), and how long
// each step took ("User-defined regions").
//
// It costs nothing when no trace is recorded: creating a task reads one
// flag (trace.IsEnabled), and an await tests one pointer (task.ext). Tasks
// created before the trace started are not traced.

// stepRegion is the region type of a task's steps.
const stepRegion = "asyncio.step"

// taskTrace is a traced task's part of the trace: its trace task, the
// context that carries it (for regions and for the tasks it creates), and
// the region of the step in progress.
type taskTrace struct {
	ctx    context.Context
	task   *trace.Task
	region *trace.Region
}

// startTrace makes t a trace task, a child of its creator's if the creator
// is traced. Called by createTask while a trace is being recorded.
func (t *task) startTrace(creator context.Context) {
	parent := context.Background()
	if c := taskOf(creator); c != nil && c.ext != nil && c.ext.trace != nil {
		parent = c.ext.trace.ctx
	}
	tr := &taskTrace{}
	tr.ctx, tr.task = trace.NewTask(parent, t.Name())
	t.extension().trace = tr
}

// traceStepBegin opens the region of a step; called on the task's coroutine
// when the step begins (the function starts, or an await returns).
func (t *task) traceStepBegin() {
	if x := t.ext; x != nil && x.trace != nil {
		x.trace.region = trace.StartRegion(x.trace.ctx, stepRegion)
	}
}

// traceStepEnd closes the region of the step; called on the task's coroutine
// before it suspends.
func (t *task) traceStepEnd() {
	if x := t.ext; x != nil && x.trace != nil && x.trace.region != nil {
		x.trace.region.End()
		x.trace.region = nil
	}
}

// traceDone ends the trace task when the function has returned (or
// panicked, or was killed).
func (t *task) traceDone() {
	if x := t.ext; x != nil && x.trace != nil {
		t.traceStepEnd()
		x.trace.task.End()
		x.trace = nil
	}
}
