package asynciotest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/internal/netsim"
	"github.com/asyncio-go/asyncio/internal/sim"
)

var (
	flagSeeds   = flag.Int("asyncio.seeds", 0, "asynciotest.Explore: how many seeds to explore (overrides Options.Seeds)")
	flagSeed    = flag.Uint64("asyncio.seed", 0, "asynciotest.Explore: replay this one seed")
	flagChoices = flag.Int("asyncio.choices", -1, "asynciotest.Explore: with -asyncio.seed, take only this many choices from the seed, then FIFO (a shrunk schedule)")
)

// Options configure Explore. The zero value explores seeds 1 to 100, each
// batch in a uniform random order, with no faults, the loop's debug checks on,
// and shrinks a failure.
type Options struct {
	Seeds     int           // how many seeds to run (default 100; the -asyncio.seeds flag overrides it)
	FirstSeed uint64        // the first seed (default 1); seeds are FirstSeed, FirstSeed+1, ...
	Budget    time.Duration // stop exploring after this much real time (0: no limit)

	// ChangePoints > 0 orders batches PCT-style instead of uniformly: every
	// task gets a random priority, the highest-priority ready task runs first
	// in every batch, and at ChangePoints random steps the running task drops
	// below all others. It finds bugs that need one task to stay ahead of
	// another over many iterations.
	ChangePoints int

	// Faults. DelaySteps is the probability that a task resumed without a
	// grant is postponed by up to MaxDelay of virtual time (default 10 ms);
	// SlowThreads is the probability that a ToThread result comes up to
	// MaxThreadDelay late (default 100 ms). Each fault is named in the trace.
	DelaySteps     float64
	MaxDelay       time.Duration
	SlowThreads    float64
	MaxThreadDelay time.Duration

	// Network, if set, gives every run a fresh simulated network with these
	// options (see UseNetwork), seeded with the run's seed (plus
	// Network.Seed): the body reaches it with CurrentNetwork.
	Network *NetworkOptions

	MaxSteps int  // a run that takes more task steps fails as a livelock (default 1,000,000)
	NoDebug  bool // run without the loop's debug checks: faster, for many seeds
	NoShrink bool // report the failing seed's schedule as found
}

// Explore runs main under many schedules, one seed each, and fails t with the
// first seed whose run fails. Each run has a fresh loop on a virtual clock in
// simulation mode: every choice asyncio leaves open (which of the tasks ready
// in one iteration runs first, which ready descriptor or equal-deadline timer
// is served first) is drawn from the seed, and the same seed always gives the
// same schedule. A run fails if main returns an error, panics, deadlocks, takes
// more than MaxSteps steps, leaves an error to the loop's exception handler,
// or calls Error or Fatal on the testing.TB it is given (which is t's, but
// reports per run; Fatal ends the calling task).
//
// Before the seeds, main runs once in plain FIFO order (the order
// asyncio.Run uses); if that fails, Explore reports it as such. The failure
// report gives the seed, the run's trace (every task step, callback, timer
// and fault, in order), and the go test command that replays it
// (-asyncio.seed=S). Unless NoShrink is set the failure is shrunk first: the
// shortest prefix of the seed's choices that, followed by FIFO order, still
// fails, replayed with -asyncio.seed=S -asyncio.choices=K.
//
// Loop goroutine: Explore runs the loop itself; call it from the test, not
// from a task.
func Explore(t testing.TB, main func(ctx context.Context, t testing.TB) error, opts ...Options) {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	e := newExplorer(t, main, o)
	if *flagSeed != 0 {
		e.replay(*flagSeed, *flagChoices)
		return
	}
	base := e.run(e.simOptions(0, 0)) // FIFO: what asyncio.Run does
	if base.failed() {
		t.Fatalf("asynciotest: fails in plain FIFO order, before any exploration:\n%s\ntrace:\n%s",
			base.report(), clip(base.trace))
		return
	}
	if base.skipped {
		t.SkipNow()
		return
	}
	e.steps = base.steps
	seeds := o.Seeds
	if *flagSeeds > 0 {
		seeds = *flagSeeds
	}
	if seeds <= 0 {
		seeds = 100
	}
	first := max(o.FirstSeed, 1)
	start := time.Now()
	for i := range seeds {
		if o.Budget > 0 && time.Since(start) > o.Budget {
			t.Logf("asynciotest: explored %d seeds in the %v budget", i, o.Budget)
			return
		}
		seed := first + uint64(i)
		r := e.run(e.simOptions(seed, -1))
		if r.failed() {
			e.fail(seed, i, r)
			return
		}
	}
}

// explorer runs one Explore.
type explorer struct {
	t     testing.TB
	main  func(ctx context.Context, t testing.TB) error
	o     Options
	sim   *sim.Sim
	steps int // length of the FIFO run, for placing PCT change points

	keepTraces bool // render the trace of passing runs too (replay, tests)
}

func newExplorer(t testing.TB, main func(ctx context.Context, t testing.TB) error, o Options) *explorer {
	if main == nil {
		panic("asynciotest: Explore called with a nil function; pass the test body")
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 10 * time.Millisecond
	}
	if o.MaxThreadDelay <= 0 {
		o.MaxThreadDelay = 100 * time.Millisecond
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = 1_000_000
	}
	return &explorer{t: t, main: main, o: o, sim: sim.New(sim.Options{})}
}

func (e *explorer) simOptions(seed uint64, choices int) sim.Options {
	return sim.Options{
		Seed: seed, Choices: choices,
		ChangePoints: e.o.ChangePoints, Steps: e.steps,
		DelayProb: e.o.DelaySteps, MaxDelay: e.o.MaxDelay,
		SlowProb: e.o.SlowThreads, MaxSlow: e.o.MaxThreadDelay,
		MaxSteps: e.o.MaxSteps,
	}
}

// outcome is what one run did.
type outcome struct {
	msgs     []string // why it failed (empty: it passed), then its log
	failures int
	trace    string
	steps    int
	choices  int
	skipped  bool
}

func (r *outcome) failed() bool { return r.failures > 0 }

func (r *outcome) report() string { return strings.Join(r.msgs, "\n") }

// run runs main once with the simulation options so.
func (e *explorer) run(so sim.Options) *outcome {
	r := &outcome{}
	tb := &runTB{TB: e.t, out: r}
	defer tb.cleanup()
	e.sim.Reset(so)
	l := asyncio.NewEventLoop()
	l.SetClock(NewClock())
	l.SetDebug(!e.o.NoDebug)
	sim.Install(l, e.sim)
	if e.o.Network != nil {
		no := *e.o.Network
		no.Seed += so.Seed
		current = newNetwork(no)
		netsim.Install(l, current.n)
		defer func() { netsim.Install(l, nil); current = nil }()
	}
	l.SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
		msg := c.Message
		if c.Err != nil {
			msg += ": " + c.Err.Error()
		}
		if c.Task != nil {
			msg += " (task " + c.Task.Name() + ")"
		}
		r.fail("unhandled: " + msg)
	})
	func() {
		defer func() {
			if p := recover(); p != nil {
				r.fail(fmt.Sprintf("panic: %v", p))
			}
		}()
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			return nil, e.main(ctx, tb)
		}, asyncio.RunOptions{NoInterruptHandler: true})
		var ge *asyncio.GoexitError
		switch {
		case errors.As(err, &ge) && (tb.fatal || tb.skip):
			// t.Fatal or t.Skip in main: already recorded
		case err != nil:
			r.fail("error: " + err.Error())
		}
	}()
	if e.sim.Limited() {
		r.fail(fmt.Sprintf("the run took more than %d steps (a livelock?)", e.o.MaxSteps))
	}
	r.steps, r.choices = e.sim.Steps(), e.sim.Choices()
	if r.failed() || e.keepTraces {
		r.trace = e.sim.Text() // rendered only when someone will read it
	}
	sim.Install(l, nil)
	return r
}

// fail reports the failing seed, shrunk unless NoShrink.
func (e *explorer) fail(seed uint64, i int, r *outcome) {
	e.t.Helper()
	cmd := replayCommand(e.t.Name(), seed, -1)
	var b strings.Builder
	fmt.Fprintf(&b, "asynciotest: seed %d fails (after %d passing seeds):\n%s\n", seed, i, indent(r.report()))
	fmt.Fprintf(&b, "replay: %s\n", cmd)
	best, k := r, -1
	if !e.o.NoShrink {
		best, k = e.shrink(seed, r)
	}
	if k >= 0 {
		fmt.Fprintf(&b, "shrunk: the first %d of the seed's %d choices, then FIFO, still fail:\n%s\n",
			k, r.choices, indent(best.report()))
		fmt.Fprintf(&b, "replay the shrunk schedule: %s\n", replayCommand(e.t.Name(), seed, k))
	}
	fmt.Fprintf(&b, "trace (%d steps):\n%s", best.steps, clip(best.trace))
	e.t.Fatal(b.String())
}

// shrink looks for the shortest prefix of the seed's choices that still
// fails when FIFO order follows it. The FIFO run (no choices) passed, the
// full run failed: a binary search between them finds a failing prefix whose
// one-shorter neighbour passes. Of the failing runs it saw, it returns the
// one with the shortest trace, and its prefix length (-1: the original).
func (e *explorer) shrink(seed uint64, r *outcome) (*outcome, int) {
	best, bestK := r, -1
	lo, hi := 0, r.choices // lo passes, hi fails
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		m := e.run(e.simOptions(seed, mid))
		if !m.failed() {
			lo = mid
			continue
		}
		hi = mid
		if m.steps <= best.steps {
			best, bestK = m, mid
		}
	}
	return best, bestK
}

// replay runs one seed (from -asyncio.seed) and reports its trace.
func (e *explorer) replay(seed uint64, choices int) {
	e.t.Helper()
	base := e.run(e.simOptions(0, 0))
	e.steps = base.steps
	e.keepTraces = true
	r := e.run(e.simOptions(seed, choices))
	if r.failed() {
		e.t.Fatalf("asynciotest: seed %d fails:\n%s\ntrace (%d steps):\n%s", seed, indent(r.report()), r.steps, r.trace)
	}
	e.t.Logf("asynciotest: seed %d passes; trace (%d steps):\n%s", seed, r.steps, clip(r.trace))
}

// replayCommand is the go test command that runs test name with seed.
func replayCommand(name string, seed uint64, choices int) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	// The package comes first: go test passes everything after a flag it
	// does not know (-asyncio.seed) to the test binary.
	cmd := fmt.Sprintf("go test %s -run '%s' -asyncio.seed=%d", packageDir(), strings.Join(parts, "/"), seed)
	if choices >= 0 {
		cmd += fmt.Sprintf(" -asyncio.choices=%d", choices)
	}
	return cmd
}

// packageDir is the test's package relative to its module root ("./x/y").
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}

// clip keeps the end of a long trace.
func clip(trace string) string {
	const keep = 400
	lines := strings.SplitAfter(trace, "\n")
	if len(lines) <= keep || testing.Verbose() {
		return trace
	}
	return fmt.Sprintf("  ... %d earlier lines (all of them with -v)\n", len(lines)-keep) +
		strings.Join(lines[len(lines)-keep:], "")
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// runTB is the testing.TB a run's main gets: failures and logs are kept for
// the run's report instead of failing the test at once.
type runTB struct {
	testing.TB
	out      *outcome
	fatal    bool
	skip     bool
	cleanups []func()
}

func (r *outcome) fail(msg string) {
	r.failures++
	r.msgs = append(r.msgs, msg)
}

func (tb *runTB) Helper()           {}
func (tb *runTB) Fail()             { tb.out.fail("failed") }
func (tb *runTB) Failed() bool      { return tb.out.failed() }
func (tb *runTB) Error(args ...any) { tb.out.fail(caller() + fmt.Sprint(args...)) }
func (tb *runTB) Errorf(format string, args ...any) {
	tb.out.fail(caller() + fmt.Sprintf(format, args...))
}
func (tb *runTB) Log(args ...any)                 { tb.log(caller() + fmt.Sprint(args...)) }
func (tb *runTB) Logf(format string, args ...any) { tb.log(caller() + fmt.Sprintf(format, args...)) }
func (tb *runTB) FailNow()                        { tb.out.fail("FailNow"); tb.fatal = true; runtime.Goexit() }
func (tb *runTB) Fatal(args ...any) {
	tb.out.fail(caller() + fmt.Sprint(args...))
	tb.fatal = true
	runtime.Goexit()
}
func (tb *runTB) Fatalf(format string, args ...any) {
	tb.out.fail(caller() + fmt.Sprintf(format, args...))
	tb.fatal = true
	runtime.Goexit()
}
func (tb *runTB) Skip(args ...any)                 { tb.SkipNow() }
func (tb *runTB) Skipf(format string, args ...any) { tb.SkipNow() }
func (tb *runTB) SkipNow()                         { tb.skip = true; tb.out.skipped = true; runtime.Goexit() }
func (tb *runTB) Skipped() bool                    { return tb.skip }
func (tb *runTB) Cleanup(f func())                 { tb.cleanups = append(tb.cleanups, f) }

func (tb *runTB) log(msg string) { tb.out.msgs = append(tb.out.msgs, "log: "+msg) }

func (tb *runTB) cleanup() {
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
}

// caller names the file and line that called a runTB method.
func caller() string {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", filepath.Base(file), line)
}
