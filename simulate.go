package asyncio

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio/internal/poll"
	"github.com/asyncio-go/asyncio/internal/sim"
)

// Simulation mode. Package asynciotest installs a *sim.Sim on a loop that
// has a virtual clock (internal/sim.Install); from then on the loop runs
// the simulation variants of phases 3 and 4, and every choice asyncio leaves open is
// drawn from the Sim's seeded source:
//
//   - the order of the batch ready at the start of phase 4 (tasks may run in
//     any order; callbacks keep their relative order, as call_soon promises;
//     tasks woken with a grant keep theirs, which is what keeps each Lock,
//     Semaphore, Queue, Condition and Barrier first-come first-served: the
//     first Get woken takes the first item);
//   - the order of ready descriptors in phase 1;
//   - the order of timers with equal deadlines (timers with different
//     deadlines still fire in deadline order);
//   - with faults enabled, whether a task resumed without a grant is
//     postponed by a virtual delay, and how late a ToThread result comes.
//
// ToThread is deterministic in simulation mode: its result is delivered at a
// virtual time chosen by the Sim (at once unless the slow-thread fault
// delays it), the loop waiting in real time for the function to return
// (simulate_tothread.go).
// Everything the loop does is recorded in the Sim's trace.
//
// With no Sim (l.sim == nil, the default) none of this code runs:
// fireTimers and runBatch test l.sim once each.

func init() {
	sim.Install = func(loop any, s *sim.Sim) {
		l := loop.(*Loop)
		if l.running.Load() {
			misuse("simulation installed on a running loop; install it before Run")
		}
		if s == nil {
			l.sim = nil
			return
		}
		if _, ok := l.clock.(VirtualClock); !ok {
			misuse("simulation needs a virtual clock; call SetClock first")
		}
		l.sim = &simState{Sim: s}
	}
}

// simState is the loop's side of a simulation: the Sim and its scratch space.
type simState struct {
	*sim.Sim
	batch   []runnable
	classes []sim.Class
	ids     []uint64
	due     []simTimer
}

// simTimer is a due timer, copied out of the heap before it fires.
type simTimer struct {
	when int64
	v    any
}

// fireTimersSim is phase 3: due timers fire in deadline order, equal
// deadlines in an order drawn from the Sim.
func (l *Loop) fireTimersSim() {
	s := l.sim
	now := int64(l.clock.Now())
	due := s.due[:0]
	for {
		tm := l.timers.Peek()
		if tm == nil || tm.When > now || tm.When == int64(Never) {
			break
		}
		l.timers.Pop()
		due = append(due, simTimer{tm.When, tm.Value})
	}
	for i := 0; i < len(due); {
		j := i + 1
		for j < len(due) && due[j].when == due[i].when {
			j++
		}
		group := due[i:j]
		s.Shuffle(len(group), func(a, b int) { group[a], group[b] = group[b], group[a] })
		i = j
	}
	for i, d := range due {
		switch o := d.v.(type) {
		case *task:
			l.simRecord(sim.Timer, o.id, o.Name(), 0)
			l.wake(o, nil, false)
		case *Handle:
			l.simRecord(sim.Timer, 0, handleName(o), 0)
			l.ready.Push(o)
		case *ctxWait:
			l.simRecord(sim.Timer, 0, "context deadline", 0)
			o.fire(context.DeadlineExceeded)
		}
		due[i] = simTimer{}
	}
	s.due = due[:0]
}

// runBatchSim is phase 4: the batch runs in an order drawn from the Sim.
func (l *Loop) runBatchSim() {
	s := l.sim
	n := l.ready.Len()
	if n == 0 {
		return
	}
	s.batch, s.classes, s.ids = s.batch[:0], s.classes[:0], s.ids[:0]
	for range n {
		r := l.ready.Pop()
		c, id := sim.Ordered, uint64(0)
		if t, ok := r.(*task); ok {
			c, id = sim.Free, t.id
			if t.granted {
				c = sim.Granted
			}
		}
		s.batch, s.classes, s.ids = append(s.batch, r), append(s.classes, c), append(s.ids, id)
	}
	for _, i := range s.Order(s.classes, s.ids) {
		r := s.batch[i]
		s.batch[i] = nil
		t, ok := r.(*task)
		if !ok {
			h := r.(*Handle)
			if !h.cancelled {
				l.simRecord(sim.Call, 0, handleName(h), 0)
			}
			l.runStep(r)
			continue
		}
		if !t.granted && t.state != stateDone {
			if d, ok := s.DelayStep(); ok {
				l.simRecord(sim.Delay, t.id, t.Name(), d)
				l.simCallLater(d, func() { l.ready.Push(t) })
				continue
			}
		}
		l.simRecord(sim.Step, t.id, t.ownName(), 0) // "" for a default name, rendered by the trace
		if !s.Stepped(t.id) {
			l.simRecord(sim.Limit, 0, "the run took too many steps; stopping the loop", 0)
			l.Stop()
		}
		l.runStep(t)
		if t.state == stateReady {
			t.granted = false // it yielded: its next resumption grants nothing
		}
	}
}

// simShuffleEvents orders the descriptors found ready in one poll.
func (l *Loop) simShuffleEvents(events []poll.Event) {
	l.sim.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	for _, ev := range events {
		l.simRecord(sim.IO, 0, "fd "+itoa(ev.FD), 0)
	}
}

// simCallLater is CallLater for the loop's own simulation callbacks.
func (l *Loop) simCallLater(d time.Duration, fn func()) *Handle {
	h := makeHandle(l, fn)
	h.timer.When = int64(after(l.clock.Now(), d))
	l.timers.Push(&h.timer)
	return h
}

func (l *Loop) simRecord(k sim.Kind, id uint64, name string, arg time.Duration) {
	l.sim.Record(sim.Event{When: l.clock.Now(), Kind: k, ID: id, Name: name, Arg: arg})
}

// simNote records an event of the simulated network in the trace.
func (l *Loop) simNote(event string) { l.simRecord(sim.Net, 0, event, 0) }

// handleName names a callback in the trace by its function.
func handleName(h *Handle) string {
	if h.fn == nil {
		return "cancelled callback"
	}
	name := runtime.FuncForPC(reflect.ValueOf(h.fn).Pointer()).Name()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
