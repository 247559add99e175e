package poll

import (
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// watchdog bounds how long a Wait(-1) may block in a test before it is
// declared stuck. It only elapses when the test is failing.
const watchdog = 5 * time.Second

// implementations lists every Poller of this platform, for the behaviour
// they must share: Wake, timeouts, Close.
var implementations = []struct {
	name string
	new  func() (Poller, error)
}{
	{"native", New},
	{"portable", func() (Poller, error) { return NewPortable(), nil }},
	{"fake", func() (Poller, error) { return NewFake(), nil }},
}

// forEach runs f as a subtest for every implementation and closes the
// poller afterwards.
func forEach(t *testing.T, f func(t *testing.T, p Poller)) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			p, err := impl.new()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			f(t, p)
		})
	}
}

// waitForever calls p.Wait(-1), bounded by a watchdog that wakes p and fails
// the test if nothing else did.
func waitForever(t *testing.T, p Poller, buf []Event) []Event {
	t.Helper()
	var fired atomic.Bool
	dog := time.AfterFunc(watchdog, func() { fired.Store(true); p.Wake() })
	evs, err := p.Wait(-1, buf)
	dog.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if fired.Load() {
		t.Fatal("Wait(-1) was not woken")
	}
	return evs
}

func TestWakeFromOtherGoroutineUnblocksWait(t *testing.T) {
	forEach(t, func(t *testing.T, p Poller) {
		// Many rounds so that some Wakes land while Wait is blocked and some
		// before it starts; both must end the Wait.
		for range 100 {
			done := make(chan error)
			go func() { done <- p.Wake() }()
			if evs := waitForever(t, p, nil); len(evs) != 0 {
				t.Fatalf("wake-up reported as events %v", evs)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestWakeIsConsumed(t *testing.T) {
	forEach(t, func(t *testing.T, p Poller) {
		for range 3 {
			if err := p.Wake(); err != nil {
				t.Fatal(err)
			}
		}
		waitForever(t, p, nil) // returns at once: a wake-up is pending
		start := time.Now()
		if _, err := p.Wait(2*time.Millisecond, nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 2*time.Millisecond {
			t.Fatalf("Wait returned after %v: the coalesced wake-ups were not all consumed", d)
		}
	})
}

func TestWaitZeroDoesNotBlock(t *testing.T) {
	forEach(t, func(t *testing.T, p Poller) {
		evs, err := p.Wait(0, make([]Event, 0, 8))
		if err != nil || len(evs) != 0 {
			t.Fatalf("Wait(0) = %v, %v; want no events", evs, err)
		}
	})
}

func TestWaitHonoursTimeout(t *testing.T) {
	forEach(t, func(t *testing.T, p Poller) {
		const timeout = 3 * time.Millisecond
		start := time.Now()
		evs, err := p.Wait(timeout, nil)
		if err != nil || len(evs) != 0 {
			t.Fatalf("Wait = %v, %v; want no events", evs, err)
		}
		if d := time.Since(start); d < timeout {
			t.Fatalf("Wait(%v) returned after %v", timeout, d)
		}
	})
}

func TestNativeUseAfterClose(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, isPortable := p.(*Portable); isPortable {
		t.Skip("the portable poller has no state to close")
	}
	if err := p.Wake(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Wake after Close = %v, want os.ErrClosed", err)
	}
	if _, err := p.Wait(0, nil); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Wait after Close = %v, want os.ErrClosed", err)
	}
	if err := p.Control(0, Readable); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Control after Close = %v, want os.ErrClosed", err)
	}
	if err := p.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close = %v, want os.ErrClosed", err)
	}
}

// BenchmarkWakeWait measures a wake-up round trip on the loop goroutine:
// Wake, then Wait(0) consuming it.
func BenchmarkWakeWait(b *testing.B) {
	for _, impl := range implementations {
		b.Run(impl.name, func(b *testing.B) {
			p, err := impl.new()
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			buf := make([]Event, 0, 8)
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Wake(); err != nil {
					b.Fatal(err)
				}
				if buf, err = p.Wait(0, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
