package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// The group waits for every child; results are available from their tasks.
func TestTaskGroupWaitsForAll(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var a *asyncio.Task[int]
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			a = asyncio.GroupTask(tg, sleeper(200*time.Millisecond, 1))
			tg.Go(func(ctx context.Context) error { return asyncio.Sleep(ctx, 300*time.Millisecond) })
			return nil
		})
		if v, _ := a.Result(); err != nil || v != 1 || asyncio.GetEventLoop().Time() != 300*time.Millisecond {
			t.Errorf("err=%v v=%v at %v", err, v, asyncio.GetEventLoop().Time())
		}
		return nil, nil
	})
}

// The first failure cancels the siblings and the body; failures come back
// joined, reachable with errors.Is.
func TestTaskGroupFailureCancelsSiblingsAndBody(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e1, e2 := errors.New("e1"), errors.New("e2")
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			tg.Go(func(ctx context.Context) error { asyncio.Sleep(ctx, 100*time.Millisecond); return e1 })
			tg.Go(func(ctx context.Context) error {
				err := asyncio.Sleep(ctx, time.Hour)
				tr.add("sibling cancelled: %v", errors.Is(err, context.Canceled))
				return e2 // fails during its cleanup too
			})
			err := asyncio.Sleep(ctx, time.Hour)
			tr.add("body cancelled: %v", errors.Is(err, context.Canceled))
			return err
		})
		tr.add("group: e1=%v e2=%v canceled=%v", errors.Is(err, e1), errors.Is(err, e2), errors.Is(err, context.Canceled))
		if c := asyncio.CurrentTask(ctx).Cancelling(); c != 0 {
			t.Errorf("group left %d cancel requests on its task", c)
		}
		return nil, nil
	})
	tr.expect(t, "sibling cancelled: true", "body cancelled: true", "group: e1=true e2=true canceled=false")
}

// A panic in a child reaches the owner with the child's stack.
func TestTaskGroupChildPanic(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			tg.Go(func(ctx context.Context) error { panic("child blew up") }, "bad-child")
			return nil
		})
		var pe *asyncio.PanicError
		if !errors.As(err, &pe) || pe.Task != "bad-child" || !strings.Contains(string(pe.Stack), "taskgroup_test.go") {
			t.Errorf("group error %v", err)
		}
		return nil, nil
	})
}

// A cancelled owner cancels its children, and the cancellation propagates.
func TestTaskGroupOwnerCancelled(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		owner := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(func(ctx context.Context) error {
					err := asyncio.Sleep(ctx, time.Hour)
					tr.add("child: %v", errors.Is(err, context.Canceled))
					return err
				})
				return nil // the owner now waits for the child
			})
		})
		asyncio.Sleep(ctx, time.Second)
		owner.Cancel()
		_, err := owner.Await(ctx)
		tr.add("owner: %v cancelled=%v", errors.Is(err, context.Canceled), owner.Cancelled())
		return nil, nil
	})
	tr.expect(t, "child: true", "owner: true cancelled=true")
}

// Cancel ends the whole group early, without an error.
func TestTaskGroupCancelAsWhole(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var child asyncio.AnyTask
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			child = tg.Go(func(ctx context.Context) error { return asyncio.Sleep(ctx, time.Hour) })
			asyncio.CreateTask(ctx, func(context.Context) (any, error) { tg.Cancel(); return nil, nil })
			return asyncio.Sleep(ctx, time.Hour)
		})
		if err != nil || !child.Cancelled() || asyncio.GetEventLoop().Time() != 0 {
			t.Errorf("err=%v child cancelled=%v", err, child.Cancelled())
		}
		return nil, nil
	})
}

// Outer cancellation is never swallowed by an inner group or timeout: a
// timeout around a group whose child sleeps expires as a timeout; an outer
// cancel while an inner timeout expires stays a cancellation.
func TestTimeoutAroundTaskGroup(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		err := asyncio.Timeout(ctx, 100*time.Millisecond, func(ctx context.Context) error {
			return asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(func(ctx context.Context) error { return asyncio.Sleep(ctx, time.Hour) })
				return nil
			})
		})
		if err != asyncio.ErrTimeout {
			t.Errorf("timeout around group: %v", err)
		}
		outer := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				return asyncio.Timeout(ctx, time.Second, func(ctx context.Context) error { return asyncio.Sleep(ctx, time.Hour) })
			})
		})
		asyncio.Sleep(ctx, time.Second) // the inner timeout and the outer cancel land together
		outer.Cancel()
		_, err = outer.Await(ctx)
		if !errors.Is(err, context.Canceled) || !outer.Cancelled() {
			t.Errorf("outer cancel swallowed: %v", err)
		}
		return nil, nil
	})
}

func TestTaskGroupMisuse(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var saved *asyncio.TaskGroup
		asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error { saved = tg; return nil })
		mustPanic(t, func() { saved.Go(func(context.Context) error { return nil }) }, "after the group finished")
		return nil, nil
	})
}

// failOnCancel sleeps until cancelled, then fails during its cleanup.
func failOnCancel(err error) func(context.Context) error {
	return func(ctx context.Context) error {
		asyncio.Sleep(ctx, time.Hour)
		return err
	}
}

// Defect 3: a failing inner group is a failure of the outer group, visible
// as a nested GroupError (CPython: ExceptionGroup inside ExceptionGroup).
func TestTaskGroupNestedFailureKept(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e := errors.New("inner failure")
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			tg.Go(func(ctx context.Context) error {
				return asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
					tg.Go(func(ctx context.Context) error { asyncio.Sleep(ctx, time.Millisecond); return e })
					return asyncio.Sleep(ctx, time.Hour)
				})
			})
			return nil
		})
		var outer *asyncio.GroupError
		if !errors.As(err, &outer) || len(outer.Errs) != 1 {
			t.Fatalf("outer group error %#v", err)
		}
		inner, ok := outer.Errs[0].(*asyncio.GroupError)
		if !ok || len(inner.Errs) != 1 || inner.Errs[0] != e || !errors.Is(err, e) || errors.Is(err, context.Canceled) {
			t.Errorf("nested group error lost: %v", err)
		}
		return nil, nil
	})
}

// Defect 3: a Timeout expiring around a group whose child fails while being
// cancelled returns the group's failures, not ErrTimeout (CPython: the
// ExceptionGroup propagates through asyncio.timeout).
func TestTimeoutAroundFailingGroup(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e := errors.New("cleanup failed")
		err := asyncio.Timeout(ctx, 100*time.Millisecond, func(ctx context.Context) error {
			return asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(failOnCancel(e))
				return asyncio.Sleep(ctx, time.Hour)
			})
		})
		var ge *asyncio.GroupError
		if !errors.As(err, &ge) || !errors.Is(err, e) || errors.Is(err, asyncio.ErrTimeout) {
			t.Errorf("timeout around failing group: %v", err)
		}
		if c := asyncio.CurrentTask(ctx).Cancelling(); c != 0 {
			t.Errorf("cancel requests left: %d", c)
		}
		if err := asyncio.Sleep(ctx, 0); err != nil {
			t.Errorf("next await: %v", err)
		}
		return nil, nil
	})
}

// Defect 4: the runner cancelled from outside while children fail gets the
// failures only; the cancellation stays requested and its next await
// returns it (CPython 3.13).
func TestTaskGroupOutsideCancelNotJoined(t *testing.T) {
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e := errors.New("child failed")
		runner := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(failOnCancel(e))
				return asyncio.Sleep(ctx, time.Hour)
			})
			var ge *asyncio.GroupError
			tr.add("group: %T e=%v canceled=%v as=%v", err, errors.Is(err, e), errors.Is(err, context.Canceled), errors.As(err, &ge))
			tr.add("cancelling: %d", asyncio.CurrentTask(ctx).Cancelling())
			serr := asyncio.Sleep(ctx, 0)
			tr.add("next await cancelled: %v", errors.Is(serr, context.Canceled))
			return nil, serr
		})
		asyncio.Sleep(ctx, time.Second)
		runner.Cancel()
		_, err := runner.Await(ctx)
		tr.add("runner cancelled: %v %v", runner.Cancelled(), errors.Is(err, context.Canceled))
		return nil, nil
	})
	tr.expect(t, "group: *asyncio.GroupError e=true canceled=false as=true", "cancelling: 1",
		"next await cancelled: true", "runner cancelled: true true")
}

// Defect 4: the same while the runner already waits for its children (the
// block has returned).
func TestTaskGroupOutsideCancelWhileWaiting(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e := errors.New("child failed")
		var gerr error
		runner := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			gerr = asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				tg.Go(failOnCancel(e))
				return nil
			})
			return nil, asyncio.Sleep(ctx, 0)
		})
		asyncio.Sleep(ctx, time.Second)
		runner.Cancel("stop")
		runner.Await(ctx)
		var ge *asyncio.GroupError
		if !errors.As(gerr, &ge) || len(ge.Errs) != 1 || ge.Errs[0] != e || errors.Is(gerr, context.Canceled) {
			t.Errorf("group: %v", gerr)
		}
		if !runner.Cancelled() {
			t.Errorf("runner not cancelled at its next await: %v", runner.Err())
		}
		return nil, nil
	})
}

func TestGroupErrorMessage(t *testing.T) {
	e := &asyncio.GroupError{Errs: []error{errors.New("a"), &asyncio.GroupError{Errs: []error{errors.New("b\nc")}}}}
	want := "asyncio: unhandled errors in a TaskGroup (2 failures)\n" +
		"  - a\n" +
		"  - asyncio: unhandled errors in a TaskGroup (1 failure)\n" +
		"      - b\n" +
		"        c"
	if e.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", e.Error(), want)
	}
}

// Defect 8: nil bodies panic with a message that names the mistake.
func TestTaskGroupNilBody(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		mustPanic(t, func() { asyncio.WithTaskGroup(ctx, nil) }, "WithTaskGroup called with a nil body")
		asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			mustPanic(t, func() { tg.Go(nil) }, "TaskGroup.Go called with a nil function")
			return nil
		})
		return nil, nil
	})
}

// A failing group returns a *GroupError; a failed inner group is a nested
// GroupError among the outer group's failures.
func ExampleGroupError() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			tg.Go(func(ctx context.Context) error {
				asyncio.Sleep(ctx, time.Hour) // cancelled when the other child fails
				return errors.New("cleanup failed")
			})
			tg.Go(func(ctx context.Context) error {
				return asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
					tg.Go(func(ctx context.Context) error { return errors.New("no route") })
					return nil
				})
			})
			return nil
		})
		var ge *asyncio.GroupError
		fmt.Println(errors.As(err, &ge), len(ge.Errs), errors.Is(err, context.Canceled))
		fmt.Println(err)
		return nil, nil
	})
	// Output:
	// true 2 false
	// asyncio: unhandled errors in a TaskGroup (2 failures)
	//   - asyncio: unhandled errors in a TaskGroup (1 failure)
	//       - no route
	//   - cleanup failed
}
