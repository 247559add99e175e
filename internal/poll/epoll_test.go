//go:build linux

package poll

// epoll specifics: millisecond rounding, hang-up reporting, the eventfd, and
// descriptor hygiene. The behaviour shared with kqueue is in native_test.go.

import (
	"math"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestMsTimeoutRoundsUp(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want int
	}{
		{-1, -1},
		{-time.Hour, -1},
		{0, 0},
		{1, 1},
		{300 * time.Microsecond, 1},
		{time.Millisecond, 1},
		{time.Millisecond + 1, 2},
		{1500 * time.Millisecond, 1500},
		{math.MaxInt64, math.MaxInt32},
	} {
		if got := msTimeout(tc.in); got != tc.want {
			t.Errorf("msTimeout(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestShortTimeoutBlocks checks that a sub-millisecond timeout really waits
// instead of becoming a non-blocking poll that a loop would spin on.
func TestShortTimeoutBlocks(t *testing.T) {
	p := newNative(t)
	const timeout = 300 * time.Microsecond
	for range 5 {
		start := time.Now()
		evs, err := p.Wait(timeout, nil)
		if err != nil || len(evs) != 0 {
			t.Fatalf("Wait = %v, %v; want no events", evs, err)
		}
		if d := time.Since(start); d < timeout {
			t.Fatalf("Wait(%v) returned after %v", timeout, d)
		}
	}
}

func TestErrorOnHangup(t *testing.T) {
	const all = Error | Readable | Writable | Hangup
	t.Run("socket peer closed", func(t *testing.T) {
		p := newNative(t)
		a, b := newSocketpair(t)
		control(t, p, a, Readable)
		unix.Close(b)
		if got := eventsFor(t, p, a, bound); got != all {
			t.Fatalf("got %v, want %v", got, all)
		}
	})
	t.Run("pipe writer closed", func(t *testing.T) {
		p := newNative(t)
		r, w := newPipe(t)
		control(t, p, r, Readable)
		unix.Close(w)
		if got := eventsFor(t, p, r, bound); got != all {
			t.Fatalf("got %v, want %v", got, all)
		}
	})
	t.Run("pipe reader closed", func(t *testing.T) {
		p := newNative(t)
		r, w := newPipe(t)
		control(t, p, w, Writable)
		unix.Close(r)
		if got := eventsFor(t, p, w, bound); got != all {
			t.Fatalf("got %v, want %v", got, all)
		}
	})
}

func TestWaitDrainsEventfd(t *testing.T) {
	p := newNative(t).(*epollPoller)
	p.Wake()
	if !p.pending.Load() {
		t.Fatal("pending not set by Wake")
	}
	if _, err := p.Wait(bound, nil); err != nil {
		t.Fatal(err)
	}
	if p.pending.Load() {
		t.Fatal("pending still set after Wait consumed the wake-up")
	}
	var b [8]byte
	if _, err := unix.Read(p.readFD, b[:]); err != unix.EAGAIN {
		t.Fatalf("eventfd read after Wait: %v, want EAGAIN (drained)", err)
	}
}

func TestControlTracksRegistrations(t *testing.T) {
	p := newNative(t).(*epollPoller)
	r, _ := newPipe(t)
	control(t, p, r, Readable)
	control(t, p, r, Readable|Writable|Edge) // MOD, not a second ADD
	if _, ok := p.watched[r]; !ok || len(p.watched) != 1 {
		t.Fatalf("watched = %v, want just %d", p.watched, r)
	}
	control(t, p, r, Edge) // no direction: same as 0
	if len(p.watched) != 0 {
		t.Fatalf("watched = %v after removal", p.watched)
	}
}

// openFDs counts this process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

func TestCloseReleasesDescriptors(t *testing.T) {
	openFDs(t) // the first call may start the runtime's own poller
	before := openFDs(t)
	for range 10 {
		p, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := openFDs(t); after != before {
		t.Fatalf("open descriptors: %d before, %d after", before, after)
	}
}
