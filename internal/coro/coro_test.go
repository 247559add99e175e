package coro

import (
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

type steps struct {
	c   *Coro
	log *[]int
	n   int
}

func (s *steps) Run() {
	for i := 0; i < s.n; i++ {
		*s.log = append(*s.log, i)
		s.c.Suspend()
	}
}

func TestResumeSuspendOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := New()
	var log []int
	c.Start(&steps{c: c, log: &log, n: 3})
	for i := 0; i < 3; i++ {
		if c.Resume() {
			t.Fatalf("finished early at %d", i)
		}
		if len(log) != i+1 || log[i] != i {
			t.Fatalf("after resume %d log=%v", i, log)
		}
	}
	if !c.Resume() {
		t.Fatal("body should have finished")
	}
	if !c.Idle() {
		t.Fatal("finished coro should be idle")
	}
	// Reuse for a second body.
	log = nil
	c.Start(&steps{c: c, log: &log, n: 1})
	if c.Resume() || !c.Resume() || len(log) != 1 {
		t.Fatalf("reuse failed: %v", log)
	}
	c.Kill()
}

type deferred struct {
	c       *Coro
	cleaned *bool
}

func (d *deferred) Run() {
	defer func() { *d.cleaned = true }()
	d.c.Suspend()
	panic("unreachable: killed coroutine resumed")
}

func TestKillSuspendedRunsDefers(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := New()
	cleaned := false
	c.Start(&deferred{c: c, cleaned: &cleaned})
	if c.Resume() {
		t.Fatal("should be suspended")
	}
	c.Kill()
	if !cleaned {
		t.Fatal("deferred cleanup did not run on Kill")
	}
}

func TestKillIdleAndNeverStarted(t *testing.T) {
	defer goleak.VerifyNone(t)
	New().Kill()
	c := New()
	var log []int
	c.Start(&steps{c: c, log: &log, n: 0})
	if !c.Resume() {
		t.Fatal("empty body should finish")
	}
	c.Kill()
}

type panicker struct{}

func (panicker) Run() { panic("boom") }

func TestPanicPropagatesToResume(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := New()
	c.Start(panicker{})
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
	}()
	c.Resume()
}

type spinner struct{ c *Coro }

func (s *spinner) Run() {
	for {
		s.c.Suspend()
	}
}

func TestSwitchDoesNotAllocate(t *testing.T) {
	c := New()
	defer c.Kill()
	c.Start(&spinner{c: c})
	c.Resume()
	if n := testing.AllocsPerRun(1000, func() { c.Resume() }); n != 0 {
		t.Fatalf("Resume+Suspend allocates %v times", n)
	}
}

// BenchmarkSwitch measures one round trip: resumer -> body -> resumer.
func BenchmarkSwitch(b *testing.B) {
	c := New()
	defer c.Kill()
	c.Start(&spinner{c: c})
	b.ReportAllocs()
	for b.Loop() {
		c.Resume()
	}
}

// BenchmarkNew measures creating, running once and killing a coroutine: the
// cost a task pays when the pool is empty.
func BenchmarkNew(b *testing.B) {
	var log []int
	b.ReportAllocs()
	for b.Loop() {
		c := New()
		c.Start(&steps{c: c, log: &log, n: 0})
		c.Resume()
		c.Kill()
		log = log[:0]
	}
}

type goexiter struct {
	c       *Coro
	suspend bool
	ran     *bool
}

func (g goexiter) Run() {
	defer func() { *g.ran = true }()
	if g.suspend {
		g.c.Suspend()
	}
	runtime.Goexit()
}

// A body that calls runtime.Goexit (what t.Fatal does) finishes: its deferred
// calls run, the resumer's goroutine carries on, and the Coro stays usable.
func TestGoexitFinishesBody(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := New()
	for _, suspend := range []bool{false, true, false} {
		ran := false
		c.Start(goexiter{c: c, suspend: suspend, ran: &ran})
		if suspend && c.Resume() {
			t.Fatal("finished before its Suspend")
		}
		if !c.Resume() || !ran || !c.Idle() {
			t.Fatalf("suspend=%v: body did not finish by Goexit (ran=%v)", suspend, ran)
		}
	}
	var log []int
	c.Start(&steps{c: c, log: &log, n: 1})
	if c.Resume() || !c.Resume() || len(log) != 1 {
		t.Fatalf("Coro not usable after Goexit: log=%v", log)
	}
	c.Kill()
}

type goexitInDefer struct{ c *Coro }

func (g goexitInDefer) Run() {
	defer runtime.Goexit()
	g.c.Suspend()
}

// A body killed while suspended whose deferred call calls runtime.Goexit
// ends without taking the killer's goroutine with it.
func TestKillWithGoexitInDefer(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := New()
	c.Start(goexitInDefer{c})
	if c.Resume() {
		t.Fatal("finished early")
	}
	c.Kill()
}

// A Coro whose last body called runtime.Goexit is killed cleanly.
func TestKillAfterGoexit(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := New()
	ran := false
	c.Start(goexiter{c: c, ran: &ran})
	if !c.Resume() || !ran {
		t.Fatal("body did not finish by Goexit")
	}
	c.Kill()
}
