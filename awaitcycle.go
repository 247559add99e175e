package asyncio

// A task parked in Task.Await records the task it awaits (task.awaiting), so
// the tasks awaiting each other form chains. Every await checks, before it
// parks, that its own task is not already on the chain that starts at the
// task it is about to await; so the chains never close into a cycle, and the
// walk ends after at most as many steps as the chain is long. (CPython lets
// such a cycle hang until a cancellation ends in RecursionError.)

// checkAwaitCycle returns an *AwaitCycleError if cur awaiting target would
// close a cycle: target, or a task it (transitively) awaits, awaits cur.
func checkAwaitCycle(cur, target *task) error {
	for u := target.awaiting; u != nil; u = u.awaiting {
		if u == cur {
			return newAwaitCycleError(cur, target)
		}
	}
	return nil
}

func newAwaitCycleError(cur, target *task) *AwaitCycleError {
	names := []string{cur.Name()}
	for u := target; u != cur; u = u.awaiting {
		names = append(names, u.Name())
	}
	names = append(names, cur.Name())
	return &AwaitCycleError{Awaiter: cur.Name(), Awaited: target.Name(), Cycle: names}
}
