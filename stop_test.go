package asyncio_test

import (
	"context"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// The iteration in which Stop is called is the last one (CPython and
// MicroPython): a task that stops the loop, creates t and yields is left for
// the next RunForever, which runs t first, then the task. CPython 3.11 prints
// ['task start', 'rf1 returned', 't', 'task end', 'cb', 'rf2 returned'].
// Debug mode is off in one run, so the loop's yield fast path is covered too.
func TestStopEndsTheCurrentIteration(t *testing.T) {
	for _, debug := range []bool{false, true} {
		var tr trace
		l, _ := asynciotest.NewLoop(t)
		l.SetDebug(debug)
		l.CreateTask(func(ctx context.Context) (any, error) {
			tr.add("task start")
			l.Stop()
			l.CreateTask(func(ctx context.Context) (any, error) { tr.add("t"); return nil, nil })
			asyncio.Sleep(ctx, 0)
			tr.add("task end")
			return nil, nil
		})
		if err := l.RunForever(); err != nil {
			t.Fatal(err)
		}
		tr.add("rf1 returned")
		l.CallSoon(func() { tr.add("cb") })
		l.CallSoon(l.Stop)
		if err := l.RunForever(); err != nil {
			t.Fatal(err)
		}
		tr.add("rf2 returned")
		tr.expect(t, "task start", "rf1 returned", "t", "task end", "cb", "rf2 returned")
	}
}
