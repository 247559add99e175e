package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// The queue property: random scripts of blocking puts and gets by several
// tasks, TryPut and TryGet, cancellations (often in the same iteration as a
// wake-up), yields and a shutdown, run on the virtual clock with the loop's
// invariant checks, against a model of the queue's contents. Every put and
// every get is logged the moment it happens, and each get must take exactly
// the item the model gives out next (oldest, newest, or smallest with ties
// oldest): so no item is lost, duplicated or invented, and the order holds.
// When every task waits, the sizes must match the model, and tasks may be
// blocked only where the queue says they must be.

const (
	qopPutter = iota // a task that puts N fresh items with Put
	qopGetter        // a task that takes N items with Get
	qopTryPut        // main: TryPut a fresh item
	qopTryGet        // main: TryGet
	qopCancel        // main: cancel the N-th most recent task
	qopYield         // main: Sleep(0), letting the ready tasks run once
	qopSettle        // main: let every task run until all wait; check sizes
	qopCount
)

type qAction struct{ Op, N int }

// queueModel is what the queue must contain: every item logged as put and
// not yet logged as got, in put order.
type queueModel struct {
	kind     int // 0 FIFO, 1 LIFO, 2 priority (by item % 3)
	items    []int
	failures []string
}

func (m *queueModel) fail(format string, args ...any) {
	m.failures = append(m.failures, fmt.Sprintf(format, args...))
}

func qPrioLess(a, b int) bool { return a%3 < b%3 }

// next returns the index of the item the queue must give out next.
func (m *queueModel) next() int {
	switch m.kind {
	case 0:
		return 0
	case 1:
		return len(m.items) - 1
	}
	best := 0
	for i, v := range m.items {
		if qPrioLess(v, m.items[best]) {
			best = i
		}
	}
	return best
}

func (m *queueModel) put(v int) { m.items = append(m.items, v) }

func (m *queueModel) got(v int) {
	if len(m.items) == 0 {
		m.fail("got %d from a queue the model says is empty", v)
		return
	}
	i := m.next()
	if m.items[i] != v {
		m.fail("got %d, want %d (model %v)", v, m.items[i], m.items)
		return
	}
	m.items = slices.Delete(m.items, i, i+1)
}

// keep is Shutdown(true): only the n items handed to woken getters remain,
// the oldest ones, or for a priority queue the n smallest.
func (m *queueModel) keep(n int) {
	if m.kind == 2 {
		slices.SortStableFunc(m.items, func(a, b int) int { return a%3 - b%3 })
	}
	m.items = m.items[:n]
}

func newQueueOfKind(kind, maxsize int) *asyncio.Queue[int] {
	switch kind {
	case 1:
		return asyncio.NewLifoQueue[int](maxsize)
	case 2:
		return asyncio.NewPriorityQueue(maxsize, qPrioLess)
	}
	return asyncio.NewQueue[int](maxsize)
}

func TestQueueProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := &queueModel{kind: rapid.IntRange(0, 2).Draw(rt, "kind")}
		maxsize := rapid.IntRange(0, 3).Draw(rt, "maxsize")
		actions := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) qAction {
			return qAction{rapid.IntRange(0, qopCount-1).Draw(t, "op"), rapid.IntRange(1, 3).Draw(t, "n")}
		}), 1, 80).Draw(rt, "actions")
		shutdownAt := rapid.IntRange(-1, len(actions)).Draw(rt, "shutdownAt")
		immediate := rapid.Bool().Draw(rt, "immediate")
		// Drawing is done: the script runs on the loop with no rapid calls.
		_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
			s := &queueScript{m: m, q: newQueueOfKind(m.kind, maxsize), maxsize: maxsize}
			for i, a := range actions {
				if i == shutdownAt {
					s.shutdown(immediate)
				}
				s.do(ctx, a)
			}
			s.finish(ctx)
			return nil, nil
		})
		if err != nil {
			m.fail("run: %v", err)
		}
		if len(m.failures) > 0 {
			rt.Fatalf("%d failures, first: %s", len(m.failures), m.failures[0])
		}
	})
}

type queueScript struct {
	m        *queueModel
	q        *asyncio.Queue[int]
	maxsize  int
	nextItem int
	tasks    []*asyncio.Task[int]
	inPut    int // tasks suspended (or about to be) in Put
	inGet    int // tasks suspended (or about to be) in Get
	shut     bool
}

func (s *queueScript) fresh() int { s.nextItem++; return s.nextItem }

func (s *queueScript) do(ctx context.Context, a qAction) {
	switch a.Op {
	case qopPutter:
		s.tasks = append(s.tasks, asyncio.CreateTask(ctx, s.putter(a.N)))
	case qopGetter:
		s.tasks = append(s.tasks, asyncio.CreateTask(ctx, s.getter(a.N)))
	case qopTryPut:
		if v := s.fresh(); s.q.TryPut(v) == nil {
			s.m.put(v)
		}
	case qopTryGet:
		if v, err := s.q.TryGet(); err == nil {
			s.m.got(v)
		}
	case qopCancel:
		if n := len(s.tasks); n >= a.N {
			s.tasks[n-a.N].Cancel()
		}
	case qopYield:
		asyncio.Sleep(ctx, 0)
	case qopSettle:
		qSettle(ctx)
		s.check()
	}
}

func (s *queueScript) putter(n int) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		for range n {
			v := s.fresh()
			s.inPut++
			err := s.q.Put(ctx, v)
			s.inPut--
			if err != nil {
				s.expectErr("Put", err)
				return 0, nil
			}
			if s.shut {
				s.m.fail("Put of %d succeeded after Shutdown", v)
			}
			s.m.put(v)
		}
		return 0, nil
	}
}

func (s *queueScript) getter(n int) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		for range n {
			s.inGet++
			v, err := s.q.Get(ctx)
			s.inGet--
			if err != nil {
				s.expectErr("Get", err)
				return 0, nil
			}
			s.m.got(v)
		}
		return 0, nil
	}
}

func (s *queueScript) expectErr(op string, err error) {
	if !errors.Is(err, context.Canceled) && !(s.shut && errors.Is(err, asyncio.ErrQueueShutDown)) {
		s.m.fail("%s: unexpected error %v", op, err)
	}
}

func (s *queueScript) shutdown(immediate bool) {
	s.shut = true
	handed := len(s.m.items) - s.q.Qsize()
	s.q.Shutdown(immediate)
	if immediate {
		s.m.keep(handed)
	}
}

// check runs when every task waits: no item is in transit, so the queue's
// sizes are the model's, and a task may wait only where the queue says so.
func (s *queueScript) check() {
	n, q := len(s.m.items), s.q
	if q.Qsize() != n || q.Empty() != (n == 0) || q.Full() != (s.maxsize > 0 && n >= s.maxsize) ||
		s.maxsize > 0 && n > s.maxsize {
		s.m.fail("settled: qsize %d empty %v full %v, model holds %d of max %d",
			q.Qsize(), q.Empty(), q.Full(), n, s.maxsize)
	}
	if s.inGet > 0 && (n > 0 || s.shut) {
		s.m.fail("settled: %d getters wait, with %d items, shut down %v", s.inGet, n, s.shut)
	}
	if s.inPut > 0 && (!q.Full() || s.shut) {
		s.m.fail("settled: %d putters wait, with %d items of max %d, shut down %v", s.inPut, n, s.maxsize, s.shut)
	}
}

// finish cancels every task, lets them end, and drains the queue: every item
// logged as put must now have been got exactly once.
func (s *queueScript) finish(ctx context.Context) {
	qSettle(ctx)
	s.check()
	for _, tk := range s.tasks {
		tk.Cancel()
	}
	qSettle(ctx)
	for range s.nextItem + 1 { // bounded, in case the queue invents items
		v, tgErr := s.q.TryGet()
		ok := tgErr == nil
		if !ok {
			break
		}
		s.m.got(v)
	}
	if len(s.m.items) != 0 || s.inGet != 0 || s.inPut != 0 {
		s.m.fail("end: model still holds %v; %d in Get, %d in Put", s.m.items, s.inGet, s.inPut)
	}
}
