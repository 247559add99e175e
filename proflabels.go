package asyncio

import (
	"context"
	"runtime/pprof"
)

// Profile labels: with SetProfileLabels(true), the goroutine under each task
// carries the pprof label asyncio.task=<name> while the task's function runs,
// so a CPU profile splits by task (`go tool pprof -tagfocus
// asyncio.task=worker`, `-tags`) and the goroutine profile names the task of
// each suspended coroutine. Off by default: labelling a task allocates a
// label set and a context when it starts.

// ProfileLabelKey is the pprof label key that carries a task's name.
const ProfileLabelKey = "asyncio.task"

// SetProfileLabels turns pprof labels on tasks on or off (see
// ProfileLabelKey). It applies to tasks that start afterwards. Loop
// goroutine only.
func (l *Loop) SetProfileLabels(on bool) { l.profLabels = on }

// ProfileLabels reports whether SetProfileLabels is on. Loop goroutine only.
func (l *Loop) ProfileLabels() bool { return l.profLabels }

// labelGoroutine puts t's name on the current goroutine (the task's
// coroutine) and returns a function that takes it off again (coroutines are
// reused by later tasks).
func (t *task) labelGoroutine() (unlabel func()) {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(ProfileLabelKey, t.Name())))
	return func() { pprof.SetGoroutineLabels(context.Background()) }
}
