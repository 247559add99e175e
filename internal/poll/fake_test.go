package poll

import (
	"errors"
	"os"
	"slices"
	"testing"
	"time"
)

// fakeWait does a non-blocking Wait on f.
func fakeWait(t *testing.T, f *Fake) []Event {
	t.Helper()
	evs, err := f.Wait(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func expect(t *testing.T, got []Event, want ...Event) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestFakeRecordsInterest(t *testing.T) {
	f := NewFake()
	defer f.Close()
	if err := f.Control(3, Readable|Edge|Error); err != nil {
		t.Fatal(err)
	}
	if got := f.Interest(3); got != Readable|Edge {
		t.Fatalf("Interest = %v, want Readable|Edge (Error is never requested)", got)
	}
	f.Control(3, 0)
	if got := f.Interest(3); got != 0 {
		t.Fatalf("Interest after Control(3, 0) = %v", got)
	}
	if err := f.Control(-1, Readable); err == nil {
		t.Fatal("Control(-1) succeeded")
	}
}

func TestFakeLevelStaysUntilClear(t *testing.T) {
	f := NewFake()
	defer f.Close()
	f.Control(4, Readable)
	f.Control(3, Readable|Writable)
	f.Inject(4, Readable)
	f.Inject(3, Writable)
	for range 2 {
		expect(t, fakeWait(t, f), Event{3, Writable}, Event{4, Readable})
	}
	f.Clear(4, Readable)
	expect(t, fakeWait(t, f), Event{3, Writable})
}

func TestFakeEdgeReportedOnce(t *testing.T) {
	f := NewFake()
	defer f.Close()
	f.Control(5, Readable|Edge)
	f.Inject(5, Readable)
	expect(t, fakeWait(t, f), Event{5, Readable})
	expect(t, fakeWait(t, f))
	f.Inject(5, Readable) // new data: a new edge
	expect(t, fakeWait(t, f), Event{5, Readable})
	// Like epoll, (re)arming an edge interest reports readiness that stands.
	f.Control(5, Readable|Writable|Edge)
	expect(t, fakeWait(t, f), Event{5, Readable})
}

func TestFakeReportsOnlyInterest(t *testing.T) {
	f := NewFake()
	defer f.Close()
	f.Inject(6, Readable|Writable)
	expect(t, fakeWait(t, f)) // not watched yet
	f.Control(6, Writable)
	expect(t, fakeWait(t, f), Event{6, Writable})
	f.Inject(6, Error) // reported whatever the interest
	expect(t, fakeWait(t, f), Event{6, Writable | Error})
	f.Control(6, 0)
	expect(t, fakeWait(t, f))
}

func TestFakeInjectWakesBlockedWait(t *testing.T) {
	f := NewFake()
	defer f.Close()
	f.Control(7, Readable)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Inject(8, Readable) // not watched: must not end the Wait
		f.Inject(7, Readable)
	}()
	expect(t, waitForever(t, f, nil), Event{7, Readable})
	<-done
}

func TestFakeTimeoutOnlyWhenIdle(t *testing.T) {
	f := NewFake()
	defer f.Close()
	f.Control(9, Readable)
	f.Inject(9, Readable)
	start := time.Now()
	evs, err := f.Wait(watchdog, nil)
	if err != nil || time.Since(start) >= watchdog {
		t.Fatalf("Wait with pending events blocked or failed: %v", err)
	}
	expect(t, evs, Event{9, Readable})
}

func TestFakeClose(t *testing.T) {
	f := NewFake()
	if f.Closed() {
		t.Fatal("new Fake is closed")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if !f.Closed() {
		t.Fatal("Closed() = false after Close")
	}
	for name, err := range map[string]error{
		"Close":   f.Close(),
		"Wake":    f.Wake(),
		"Control": f.Control(1, Readable),
	} {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s after Close = %v, want os.ErrClosed", name, err)
		}
	}
	if _, err := f.Wait(0, nil); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Wait after Close = %v, want os.ErrClosed", err)
	}
}
