package asyncio_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// The permit property: random scripts of Acquire calls by several tasks,
// Releases, TryAcquires, cancellations (often in the same iteration as a
// hand-off) and yields, run against Lock, Semaphore and BoundedSemaphore on
// the virtual clock with the loop's invariant checks, and compared with a
// model that counts holders. It checks that
//   - there are never more holders than permits;
//   - whenever the tasks are quiet, Locked says whether every permit is held,
//     and no task waits while a permit is free (no permit lost);
//   - nobody gets a permit ahead of a task still waiting that asked before
//     (FIFO among waiters that were not cancelled; no barging);
//   - a cancelled task ends cancelled, whether or not it was handed a permit;
//   - at the end, with every holder released, exactly n permits are left.

// permits is what Lock, Semaphore and BoundedSemaphore have in common.
type permits interface {
	Acquire(ctx context.Context) error
	TryAcquire() bool
	Release()
	Locked() bool
}

const (
	permSpawn   = iota // a task that calls Acquire, then awaits once more
	permRelease        // main: release the permit of the N-th holder
	permCancel         // main: cancel the N-th task
	permTry            // main: TryAcquire
	permYield          // main: Sleep(0)
	permSettle         // main: yield until the tasks are quiet, then check
	permNumOps
)

type permOp struct{ Kind, N int }

// permModel is the expected state. Every acquire call gets a sequence
// number when it is made; main's TryAcquires get one too.
type permModel struct {
	n        int
	holders  []int        // sequence numbers of the calls holding a permit
	waiting  map[int]bool // calls in Acquire that have not returned
	granted  map[int]bool // calls that got a permit (held or released since)
	seq      int          // the next sequence number
	events   int          // worker steps, to tell when the tasks are quiet
	problems []string
}

func (m *permModel) fail(format string, args ...any) {
	m.problems = append(m.problems, fmt.Sprintf(format, args...))
}

func (m *permModel) grant(s int) {
	m.granted[s] = true
	m.holders = append(m.holders, s)
	if len(m.holders) > m.n {
		m.fail("%d holders of %d permits: %v", len(m.holders), m.n, m.holders)
	}
}

// worker is a task body: one Acquire, then one more await, which is where a
// cancellation that came after the hand-off is delivered.
func (m *permModel) worker(p permits) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		s := m.seq
		m.seq++
		m.waiting[s] = true
		m.events++
		err := p.Acquire(ctx)
		delete(m.waiting, s)
		m.events++
		if err != nil {
			if !syncCancelled(err) {
				m.fail("Acquire returned %v", err)
			}
			return nil, err
		}
		m.grant(s)
		err = asyncio.Sleep(ctx, 0)
		m.events++
		return nil, err
	}
}

// check runs when the tasks are quiet.
func (m *permModel) check(p permits) {
	full := len(m.holders) == m.n
	if p.Locked() != full {
		m.fail("Locked() = %v with %d of %d permits held", p.Locked(), len(m.holders), m.n)
	}
	if len(m.waiting) > 0 && !full {
		m.fail("%d tasks wait while only %d of %d permits are held: a permit was lost", len(m.waiting), len(m.holders), m.n)
	}
	first := m.seq
	for s := range m.waiting {
		first = min(first, s)
	}
	for s := range m.granted {
		if s > first {
			m.fail("call %d got a permit ahead of call %d, still waiting", s, first)
		}
	}
}

// settle yields until no worker has made a step for two yields.
func (m *permModel) settle(ctx context.Context) {
	for {
		before := m.events
		syncYield(ctx, 2)
		if m.events == before {
			return
		}
	}
}

func (m *permModel) step(ctx context.Context, p permits, tasks *[]*asyncio.Task[any], cancelled map[int]bool, op permOp) {
	switch op.Kind {
	case permSpawn:
		if len(*tasks) < 12 {
			*tasks = append(*tasks, asyncio.CreateTask(ctx, m.worker(p)))
		}
	case permRelease:
		if len(m.holders) > 0 {
			k := op.N % len(m.holders)
			m.holders = append(m.holders[:k], m.holders[k+1:]...)
			p.Release()
		}
	case permCancel:
		if len(*tasks) > 0 {
			k := op.N % len(*tasks)
			if (*tasks)[k].Cancel() {
				cancelled[k] = true
			}
		}
	case permTry:
		if p.TryAcquire() {
			m.grant(m.seq)
		}
		m.seq++
	case permYield:
		asyncio.Sleep(ctx, 0)
	case permSettle:
		m.settle(ctx)
		m.check(p)
	}
}

// runPermitScript runs ops against p, which holds n permits, and returns
// the problems found.
func runPermitScript(t *testing.T, n int, p permits, ops []permOp) []string {
	m := &permModel{n: n, waiting: map[int]bool{}, granted: map[int]bool{}}
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var tasks []*asyncio.Task[any]
		cancelled := map[int]bool{}
		for _, op := range ops {
			m.step(ctx, p, &tasks, cancelled, op)
		}
		m.settle(ctx)
		m.check(p)
		for _, task := range tasks {
			task.Cancel()
		}
		m.settle(ctx)
		for k, task := range tasks {
			if cancelled[k] && !task.Cancelled() {
				m.fail("task %d was cancelled but ended %v", k, task)
			}
		}
		m.drain(p)
		return nil, nil
	})
	if err != nil {
		m.fail("run: %v", err)
	}
	return m.problems
}

// drain releases every holder, then counts the permits left.
func (m *permModel) drain(p permits) {
	for range m.holders {
		p.Release()
	}
	m.holders = nil
	free := 0
	for free <= m.n && p.TryAcquire() {
		free++
	}
	if free != m.n {
		m.fail("%d permits left at the end, want %d", free, m.n)
	}
	for range free {
		p.Release()
	}
}

func TestPermitsProperty(t *testing.T) {
	cases := []struct {
		name string
		n    int
		make func() permits
	}{
		{"Lock", 1, func() permits { return new(asyncio.Lock) }},
		{"Semaphore", 3, func() permits { return asyncio.NewSemaphore(3) }},
		{"ZeroSemaphore", 1, func() permits { return new(asyncio.Semaphore) }},
		{"BoundedSemaphore", 2, func() permits { return asyncio.NewBoundedSemaphore(2) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				op := rapid.Custom(func(rt *rapid.T) permOp {
					return permOp{rapid.IntRange(0, permNumOps-1).Draw(rt, "kind"), rapid.IntRange(0, 11).Draw(rt, "n")}
				})
				ops := rapid.SliceOfN(op, 1, 80).Draw(rt, "ops")
				if problems := runPermitScript(t, c.n, c.make(), ops); len(problems) > 0 {
					rt.Fatalf("%s", strings.Join(problems, "\n"))
				}
			})
		})
	}
}
