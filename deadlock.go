package asyncio

import (
	"fmt"
	"strings"
)

// DeadlockError is what Run returns on a virtual clock (package asynciotest)
// when every task waits and nothing can ever wake one: no timer, no
// descriptor, no other goroutine. It names each waiting task and what it
// waits on, and the wait-for cycles among them: task A awaits a Lock held
// by B, which awaits A. A cycle is reported only through waits whose waker
// is known (an awaited task, a Lock's holder, Gather's or a TaskGroup's
// children); who will set an Event or put to a Queue cannot be known, so
// such waits appear without an edge.
type DeadlockError struct {
	Tasks  []DeadlockedTask // every unfinished task, oldest first
	Cycles [][]uint64       // task IDs, each cycle starting at its oldest task
}

// DeadlockedTask is one task in a DeadlockError.
type DeadlockedTask struct {
	ID       uint64
	Name     string
	Waits    string   // what it waits on, e.g. "Lock.Acquire 0xc0000a2000 (held by worker)"; "" if not waiting
	WaitsFor []uint64 // the tasks that could end its wait, where known
}

func (e *DeadlockError) Error() string {
	var b strings.Builder
	b.WriteString("asyncio: deadlock: every task is waiting and no timer, I/O or other goroutine can wake them")
	for _, t := range e.Tasks {
		waits := t.Waits
		if waits == "" {
			waits = "not waiting"
		}
		fmt.Fprintf(&b, "\n  %s (Task-%d) waits on %s", t.Name, t.ID, waits)
	}
	for _, c := range e.Cycles {
		b.WriteString("\n  cycle: ")
		for _, id := range c {
			fmt.Fprintf(&b, "%s -> ", e.name(id))
		}
		b.WriteString(e.name(c[0]))
	}
	return b.String()
}

func (e *DeadlockError) name(id uint64) string {
	for _, t := range e.Tasks {
		if t.ID == id {
			return t.Name
		}
	}
	return fmt.Sprintf("Task-%d", id)
}

// maxCycles bounds the cycles a report lists.
const maxCycles = 10

// newDeadlockError reports the loop's tasks from a snapshot: the same waits
// and cycles a Snapshot shows.
func newDeadlockError(snap *Snapshot) *DeadlockError {
	e := &DeadlockError{Cycles: snap.Cycles}
	for _, t := range snap.Tasks {
		e.Tasks = append(e.Tasks, DeadlockedTask{ID: t.ID, Name: t.Name, Waits: t.Waits, WaitsFor: t.WaitsFor})
	}
	return e
}

// findCycles lists the elementary cycles of the wait-for graph, each once:
// a depth-first search from every task, in id order, that only visits tasks
// with larger ids than its start, so a cycle is found from its oldest task.
func findCycles(ids []uint64, edges map[uint64][]uint64) [][]uint64 {
	var cycles [][]uint64
	for _, start := range ids {
		var path []uint64
		on := map[uint64]bool{}
		var visit func(id uint64)
		visit = func(id uint64) {
			if len(cycles) >= maxCycles {
				return
			}
			path = append(path, id)
			on[id] = true
			for _, next := range edges[id] {
				switch {
				case next == start:
					cycles = append(cycles, append([]uint64(nil), path...))
				case next > start && !on[next]:
					visit(next)
				}
			}
			on[id] = false
			path = path[:len(path)-1]
		}
		visit(start)
	}
	return cycles
}
