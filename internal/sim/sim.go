// Package sim is the loop's simulation mode: a seeded source for every choice
// asyncio leaves open, the trace of a run, and the faults a test asked for.
// The loop holds a *Sim only in simulation mode (package asynciotest installs
// it with Install); with none, the loop runs in FIFO order and pays one nil
// check per iteration.
//
// Every random draw is a "choice". A run made with Options.Choices = k takes
// its first k choices from the seed and then behaves as plain FIFO (the first
// item of every batch first, no faults), which is how a failing schedule is
// shrunk: the shortest prefix of the seed's choices that still fails.
package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Install attaches s to loop (an *asyncio.Loop), or detaches with s == nil.
// Package asyncio sets it in its init; it is here so that the loop's
// simulation hook needs no public API. Loop goroutine only, before Run.
var Install func(loop any, s *Sim)

// Options choose what a simulated run varies.
type Options struct {
	Seed    uint64
	Choices int // how many choices to draw from the seed before FIFO; < 0: all

	// ChangePoints > 0 selects PCT-style ordering: each task gets a random
	// priority, a batch runs highest priority first, and at ChangePoints
	// random steps among the first Steps the running task drops below all
	// others. 0: every batch is a uniform random interleaving.
	ChangePoints int
	Steps        int // expected length of a run, for placing change points

	DelayProb float64       // probability that a task's resumption is postponed
	MaxDelay  time.Duration // longest such postponement (virtual time)
	SlowProb  float64       // probability that a ToThread result comes late
	MaxSlow   time.Duration // longest such delay (virtual time)
	MaxSteps  int           // steps after which the run is stopped as a livelock; 0: no limit
}

// Kind is what a trace event records.
type Kind uint8

const (
	Step   Kind = iota // a task resumed (or started)
	Call               // a callback ran
	Timer              // a timer fired for a task or callback
	IO                 // a descriptor's readiness was dispatched
	Delay              // fault: a task's resumption was postponed
	Slow               // fault: a ToThread result was delayed
	Thread             // a ToThread result was delivered
	Limit              // the run hit MaxSteps
	Net                // the simulated network: a fault, a refusal, a partition
)

var kindNames = [...]string{"step", "call", "timer", "io", "fault delay", "fault slow-thread", "thread", "limit", "net"}

// Event is one line of the trace.
type Event struct {
	When time.Duration // loop time
	Kind Kind
	ID   uint64        // task id (0 for a callback)
	Name string        // task or callback name
	Arg  time.Duration // the delay of a fault
}

// String renders the event as a trace line.
func (e Event) String() string {
	name := e.Name
	if name == "" && e.ID != 0 {
		name = fmt.Sprintf("Task-%d", e.ID) // a task with its default name
	}
	s := fmt.Sprintf("%10v  %-5s %s", e.When, kindNames[e.Kind], name)
	if e.Kind == Delay || e.Kind == Slow {
		s += fmt.Sprintf(" +%v", e.Arg)
	}
	return s
}

// Sim is one simulated run's state. Loop goroutine only.
type Sim struct {
	opts    Options
	rng     rand.Rand
	pcg     rand.PCG
	choices int     // choices drawn so far
	steps   int     // task steps so far
	trace   []Event // what happened, in order
	limited bool    // MaxSteps was reached

	prio    map[uint64]int // PCT: task id -> priority
	changes []int          // PCT: steps at which the running task is demoted, ascending
	nextLow int            // PCT: the priority given at the next change point

	keys  []uint64 // Order's scratch
	perm  []int32
	slots [3][]int32
}

// New returns a Sim for one run.
func New(o Options) *Sim {
	s := &Sim{}
	s.Reset(o)
	return s
}

// Reset prepares s for another run, reusing its buffers.
func (s *Sim) Reset(o Options) {
	s.opts = o
	s.pcg.Seed(o.Seed, o.Seed^0x9e3779b97f4a7c15)
	s.rng = *rand.New(&s.pcg)
	s.choices, s.steps, s.limited = 0, 0, false
	s.trace = s.trace[:0]
	clear(s.prio)
	s.changes = s.changes[:0]
	s.nextLow = 0
	if o.ChangePoints > 0 {
		if s.prio == nil {
			s.prio = make(map[uint64]int)
		}
		n := max(o.Steps, 1)
		for range o.ChangePoints {
			if r, ok := s.intN(n); ok {
				s.changes = append(s.changes, r)
			}
		}
		slices.Sort(s.changes)
		s.nextLow = o.ChangePoints
	}
}

// Choices returns how many choices the run has drawn.
func (s *Sim) Choices() int { return s.choices }

// Steps returns how many task steps the run has made.
func (s *Sim) Steps() int { return s.steps }

// intN draws a choice in [0, n); false once the prefix of choices is used up
// (the caller then does what FIFO does).
func (s *Sim) intN(n int) (int, bool) {
	if s.opts.Choices >= 0 && s.choices >= s.opts.Choices {
		return 0, false
	}
	s.choices++
	return s.rng.IntN(n), true
}

// Class says what a batch item may be reordered with.
type Class uint8

const (
	Free    Class = iota // a task that may run anywhere in the batch
	Ordered              // a callback: callbacks keep their relative order (call_soon's promise)
	Granted              // a task woken with a grant: these keep their relative order (each primitive's FIFO)
)

// Order returns the order in which to run a batch: perm[i] is the index of
// the item to run i-th. classes[i] and ids[i] describe item i (ids: task id,
// 0 for callbacks). Items of class Ordered keep their relative order, and so
// do items of class Granted; everything else may move anywhere. The result is
// valid until the next call.
func (s *Sim) Order(classes []Class, ids []uint64) []int32 {
	n := len(classes)
	s.perm = s.perm[:0]
	s.keys = s.keys[:0]
	for i := range n {
		s.perm = append(s.perm, int32(i))
		s.keys = append(s.keys, s.key(i, n, ids[i]))
	}
	if n < 2 {
		return s.perm
	}
	keys := s.keys
	slices.SortStableFunc(s.perm, func(a, b int32) int {
		switch {
		case keys[a] > keys[b]:
			return -1
		case keys[a] < keys[b]:
			return 1
		}
		return 0
	})
	// The constrained classes take the positions their members were sorted
	// to, in their original order.
	for c := range s.slots {
		s.slots[c] = s.slots[c][:0]
	}
	for _, i := range s.perm {
		if c := classes[i]; c != Free {
			s.slots[c] = append(s.slots[c], i)
		}
	}
	for c := Ordered; c <= Granted; c++ {
		slices.Sort(s.slots[c])
	}
	var next [3]int
	for p, i := range s.perm {
		if c := classes[i]; c != Free {
			s.perm[p] = s.slots[c][next[c]]
			next[c]++
		}
	}
	return s.perm
}

// key is item i's sort key (higher runs first): a random number, or the task's
// PCT priority; once the choices are used up, FIFO (earlier first).
func (s *Sim) key(i, n int, id uint64) uint64 {
	fifo := uint64(n - i) // below any drawn key
	if s.opts.ChangePoints > 0 && id != 0 {
		p, ok := s.prio[id]
		if !ok {
			r, drawn := s.intN(1 << 20)
			if !drawn {
				return fifo
			}
			p = s.opts.ChangePoints + 1 + r
			s.prio[id] = p
		}
		return uint64(p)<<32 | fifo
	}
	r, ok := s.intN(1 << 30)
	if !ok {
		return fifo
	}
	return uint64(r+1)<<32 | fifo
}

// Shuffle permutes n items (ready descriptors, equal-deadline timers) with
// swap; FIFO once the choices are used up.
func (s *Sim) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		j, ok := s.intN(i + 1)
		if !ok {
			return
		}
		swap(i, j)
	}
}

// Stepped is called before task id takes a step. It applies a PCT change
// point and reports false if the run has reached MaxSteps.
func (s *Sim) Stepped(id uint64) bool {
	s.steps++
	for len(s.changes) > 0 && s.changes[0] < s.steps {
		s.changes = s.changes[1:]
		if s.prio != nil {
			s.prio[id] = s.nextLow
			s.nextLow--
		}
	}
	if m := s.opts.MaxSteps; m > 0 && s.steps > m && (!s.limited || (s.steps-m)%1000 == 0) {
		s.limited = true // and again every 1000 steps, for cleanup that will not end
		return false
	}
	return true
}

// Limited reports whether the run was stopped at MaxSteps.
func (s *Sim) Limited() bool { return s.limited }

// DelayStep decides whether to postpone a task's resumption, and by how much.
func (s *Sim) DelayStep() (time.Duration, bool) { return s.fault(s.opts.DelayProb, s.opts.MaxDelay) }

// SlowThread decides the virtual delay of a ToThread result (0: none).
func (s *Sim) SlowThread() time.Duration {
	d, _ := s.fault(s.opts.SlowProb, s.opts.MaxSlow)
	return d
}

func (s *Sim) fault(p float64, most time.Duration) (time.Duration, bool) {
	if p <= 0 || most <= 0 {
		return 0, false
	}
	r, ok := s.intN(1 << 30)
	if !ok || float64(r) >= p*(1<<30) {
		return 0, false
	}
	d, ok := s.intN(int(min(most, 1<<62)))
	if !ok {
		return 0, false
	}
	return time.Duration(d) + 1, true
}

// Record appends an event to the trace.
func (s *Sim) Record(e Event) { s.trace = append(s.trace, e) }

// Trace returns the events recorded so far; valid until Reset.
func (s *Sim) Trace() []Event { return s.trace }

// Text renders the trace, one event a line.
func (s *Sim) Text() string {
	var b strings.Builder
	for _, e := range s.trace {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}
