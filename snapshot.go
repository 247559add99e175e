package asyncio

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Snapshots: what every task is doing, as plain data (CPython 3.14's
// `python -m asyncio ps` and `pstree`, for a Go program from the inside).

// TaskInfo is one unfinished task in a Snapshot.
type TaskInfo struct {
	ID         uint64        `json:"id"`
	Name       string        `json:"name"`
	Parent     uint64        `json:"parent,omitempty"` // the task that created it; 0 if none
	State      string        `json:"state"`            // "pending" (not started), "ready", "running" or "waiting"
	Func       string        `json:"func"`             // the function the task runs
	Site       string        `json:"site"`             // file:line where that function is defined
	Waits      string        `json:"waits,omitempty"`  // what it waits on, while waiting
	WaitsFor   []uint64      `json:"waits_for,omitempty"`
	Waited     time.Duration `json:"waited_ns,omitempty"`  // how long it has waited, to within the watchdog's period (half SlowCallbackDuration) while the loop is busy
	Cancelling int           `json:"cancelling,omitempty"` // pending cancel requests
}

// Snapshot is the state of a loop at one moment: see Loop.Snapshot.
type Snapshot struct {
	Time   time.Duration `json:"time_ns"` // the loop's time (Loop.Time) when it was taken
	Tasks  []TaskInfo    `json:"tasks"`   // unfinished tasks, oldest first
	Cycles [][]uint64    `json:"cycles,omitempty"`
	Ready  int           `json:"ready"`  // tasks and callbacks queued to run
	Timers int           `json:"timers"` // sleeping tasks and scheduled callbacks
	FDs    int           `json:"fds"`    // descriptors watched by the poller
	Steps  uint64        `json:"steps"`  // steps run so far (a task's resumption or a callback)

	// With SetLagStats(true): how long each step, and each batch (the steps
	// of one iteration), kept the loop from its poller.
	StepTimes  *Histogram `json:"step_times,omitempty"`
	BatchTimes *Histogram `json:"batch_times,omitempty"`

	SlowSteps     int        `json:"slow_steps"`          // slow steps reported so far (SetSlowCallbackDuration)
	LastSlowSteps []SlowStep `json:"last_slow,omitempty"` // the latest of them, oldest first
}

// SlowStep is a slow step in a Snapshot: who ran it, for how long, and when
// (loop time) it was reported.
type SlowStep struct {
	Who      string        `json:"who"`
	Duration time.Duration `json:"duration_ns"`
	At       time.Duration `json:"at_ns"`
}

// Snapshot returns the state of every unfinished task: its name, parent,
// the function it runs and where that is defined, and what it waits on.
//
// Safe from any goroutine. Called from a task of l (pass its ctx) it is
// taken at once; from another goroutine while l runs it is taken on the
// loop at its next iteration and handed back, and it returns ctx's error if
// ctx ends first (a step blocking the loop delays it: bound ctx with a
// timeout). When l is not running, call it from the goroutine that runs l.
func (l *Loop) Snapshot(ctx context.Context) (*Snapshot, error) {
	if t := taskOf(ctx); (t != nil && t.loop == l) || !l.running.Load() {
		return l.snapshot(), nil
	}
	result := make(chan *Snapshot, 1)
	if _, err := l.TryCallSoonThreadsafe(func() { result <- l.snapshot() }); err != nil {
		return nil, err
	}
	select {
	case s := <-result:
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// snapshot takes a Snapshot on the loop goroutine.
func (l *Loop) snapshot() *Snapshot {
	tasks := l.liveByAge()
	s := &Snapshot{Time: l.clock.Now(), Ready: l.ready.Len(), Timers: l.timers.Len(), FDs: len(l.fds), Steps: l.steps.Load(),
		SlowSteps: l.slowCount, LastSlowSteps: slices.Clone(l.slowSeen)}
	if l.lag != nil {
		st, bt := l.lag.steps.histogram(), l.lag.batches.histogram()
		s.StepTimes, s.BatchTimes = &st, &bt
	}
	sites := map[uintptr][2]string{} // many tasks run the same function: resolve it once
	s.Tasks = make([]TaskInfo, 0, len(tasks))
	for _, t := range tasks {
		info := TaskInfo{ID: t.id, Name: t.Name(), Parent: t.parentID, State: t.stateName(), Cancelling: int(t.cancels)}
		pc := t.impl.fnPC()
		site, ok := sites[pc]
		if !ok {
			site = funcSite(pc)
			sites[pc] = site
		}
		info.Func, info.Site = site[0], site[1]
		if w := t.waitsOn(); w.what != "" {
			info.Waits = w.describe()
			info.Waited = max(0, s.Time-time.Duration(t.parkedAt))
			for _, o := range w.on {
				info.WaitsFor = append(info.WaitsFor, o.id)
			}
		}
		s.Tasks = append(s.Tasks, info)
	}
	edges := map[uint64][]uint64{}
	ids := make([]uint64, len(s.Tasks))
	for i, t := range s.Tasks {
		ids[i], edges[t.ID] = t.ID, t.WaitsFor
	}
	s.Cycles = findCycles(ids, edges)
	return s
}

func (t *task) stateName() string {
	switch t.state {
	case statePending:
		return "pending"
	case stateReady:
		return "ready"
	case stateRunning:
		return "running"
	case stateParked:
		return "waiting"
	}
	return "done"
}

// fnPC is the entry of the task's function, for TaskInfo.Func and Site.
func (t *Task[T]) fnPC() uintptr { return reflect.ValueOf(t.fn).Pointer() }

// funcSite names the function at pc and where it is defined.
func funcSite(pc uintptr) [2]string {
	f := runtime.FuncForPC(pc)
	if f == nil {
		return [2]string{"?", "?"}
	}
	file, line := f.FileLine(pc)
	return [2]string{f.Name(), fmt.Sprintf("%s:%d", file, line)}
}

// PrintTasks writes the tasks as a table, one line each, like
// `python -m asyncio ps`.
func (s *Snapshot) PrintTasks(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPARENT\tSTATE\tWAITS ON\tFUNCTION\tDEFINED AT")
	for _, t := range s.Tasks {
		parent := "-"
		if t.Parent != 0 {
			parent = fmt.Sprint(t.Parent)
		}
		waits := t.Waits
		if waits == "" {
			waits = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, parent, t.State, waits, shortFunc(t.Func), shortSite(t.Site))
	}
	return tw.Flush()
}

// PrintTree writes the tasks as a tree, each under the task that created it
// (a task whose creator has finished is a root), with what it waits on, like
// `python -m asyncio pstree`; tasks in a wait-for cycle are marked, and the
// cycles listed at the end.
func (s *Snapshot) PrintTree(w io.Writer) error {
	var b strings.Builder
	for _, l := range s.Tree() {
		t := l.Task
		line := fmt.Sprintf("%s%s (Task-%d) [%s]", l.Indent, t.Name, t.ID, t.State)
		if t.Waits != "" {
			line += " awaits " + t.Waits
			if t.Waited >= time.Millisecond {
				line += " for " + t.Waited.Round(time.Millisecond).String()
			}
		}
		if l.InCycle {
			line += "  <- in a wait-for cycle"
		}
		b.WriteString(line + "\n")
	}
	name := map[uint64]string{}
	for _, t := range s.Tasks {
		name[t.ID] = t.Name
	}
	for _, c := range s.Cycles {
		b.WriteString("cycle:")
		for _, id := range c {
			b.WriteString(" " + name[id] + " ->")
		}
		b.WriteString(" " + name[c[0]] + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TreeLine is one task in Snapshot.Tree.
type TreeLine struct {
	Task    *TaskInfo
	Depth   int    // 0 for a root
	Indent  string // the tree's drawing before the task: "│   ├── "
	InCycle bool   // the task is in a wait-for cycle
}

// Tree orders the tasks as a tree, depth first: each under the task that
// created it, a task whose creator has finished as a root. PrintTree and
// the debug page draw it.
func (s *Snapshot) Tree() []TreeLine {
	known := map[uint64]bool{}
	inCycle := map[uint64]bool{}
	for _, c := range s.Cycles {
		for _, id := range c {
			inCycle[id] = true
		}
	}
	for _, t := range s.Tasks {
		known[t.ID] = true
	}
	children := map[uint64][]*TaskInfo{}
	var roots []*TaskInfo
	for i := range s.Tasks {
		t := &s.Tasks[i]
		if known[t.Parent] {
			children[t.Parent] = append(children[t.Parent], t)
		} else {
			roots = append(roots, t)
		}
	}
	var out []TreeLine
	var walk func(t *TaskInfo, prefix string, last bool, depth int)
	walk = func(t *TaskInfo, prefix string, last bool, depth int) {
		branch, next := "├── ", "│   "
		if last {
			branch, next = "└── ", "    "
		}
		if depth == 0 {
			branch, next = "", ""
		}
		out = append(out, TreeLine{Task: t, Depth: depth, Indent: prefix + branch, InCycle: inCycle[t.ID]})
		kids := children[t.ID]
		for i, c := range kids {
			walk(c, prefix+next, i == len(kids)-1, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, "", true, 0)
	}
	return out
}

// shortFunc drops the package path: "github.com/x/y.(*T).m" -> "y.(*T).m".
func shortFunc(f string) string {
	if i := strings.LastIndex(f, "/"); i >= 0 {
		return f[i+1:]
	}
	return f
}

// shortSite keeps the file's base name.
func shortSite(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}
