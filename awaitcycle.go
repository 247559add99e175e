package asyncio

// Await cycles. A task parked in Task.Await records the task it awaits
// (its aborter is the awaited task: task.awaited); a task parked in Gather or at the end of a TaskGroup waits
// for the children its aborter holds. Before an Await parks, it walks what
// the awaited task waits for, transitively; if the walk reaches the caller,
// the await would close a cycle in which no task could ever finish (and which
// WaitFor could not break, since cancellation is forwarded around it), so it
// fails at once. (CPython lets such a cycle hang until a cancellation ends in
// RecursionError.)
//
// The walk costs one step per task on the way: for the common target, which
// waits for no task, that is a couple of loads. It is bounded by
// awaitWalkBudget steps, so a huge fan-out cannot make an Await slow; past
// the budget a cycle goes undetected, as before. Only Await checks: a cycle
// closed by a Gather or a TaskGroup's end is not detected.

// awaitWalkBudget bounds the tasks one cycle check visits.
const awaitWalkBudget = 1024

// checkAwaitCycle returns an *AwaitCycleError if cur awaiting target would
// close a cycle: target, or a task it (transitively) waits for, awaits cur.
func checkAwaitCycle(cur, target *task) error {
	if target.parkedOn == nil {
		return nil // the common case: target is running or ready
	}
	w := cycleWalk{cur: cur, budget: awaitWalkBudget}
	if !w.reaches(target) {
		return nil
	}
	names := []string{cur.Name()}
	for i := len(w.path) - 1; i >= 0; i-- {
		names = append(names, w.path[i].Name())
	}
	names = append(names, cur.Name())
	return &AwaitCycleError{Awaiter: cur.Name(), Awaited: target.Name(), Cycle: names}
}

// cycleWalk is a depth-first search of the tasks that a task waits for.
type cycleWalk struct {
	cur    *task
	budget int
	path   []*task // on success: the tasks from cur's awaited task to cur, last first
}

// reaches reports whether u is cur or waits, directly or through others, for
// cur, recording the way in path.
func (w *cycleWalk) reaches(u *task) bool {
	if u == w.cur {
		return true
	}
	if w.budget == 0 || u.state == stateDone {
		return false
	}
	w.budget--
	found := false
	if a := u.awaited(); a != nil {
		found = w.reaches(a)
	} else {
		switch a := u.parkedOn.(type) {
		case *gathering:
			for _, c := range a.children {
				if found = w.reaches(c); found {
					break
				}
			}
		case *TaskGroup:
			for c := range a.children {
				if found = w.reaches(c); found {
					break
				}
			}
		}
	}
	if found {
		w.path = append(w.path, u)
	}
	return found
}
