//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package poll

// Tests every native poller (epoll, kqueue) must pass, on real pipes and
// socket pairs. Readiness on them is set synchronously by write and close,
// so a Wait right after is deterministic; Waits still carry a bounded
// timeout so a bug fails the test instead of hanging it.

import (
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// bound is the longest a test waits for readiness that should be there.
const bound = 2 * time.Second

// nativePoller is the poller under test plus the counter the coalescing test
// reads.
type nativePoller interface {
	Poller
	wakeCount() uint64
}

func newNative(t testing.TB) nativePoller {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.(nativePoller)
}

// newPipe returns a non-blocking pipe closed at the end of the test (unless
// the test closed an end itself, hence the ignored errors).
func newPipe(t testing.TB) (r, w int) {
	t.Helper()
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	closeLater(t, fds[:]...)
	return fds[0], fds[1]
}

// newSocketpair returns a connected non-blocking stream socket pair.
func newSocketpair(t testing.TB) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, fds[:]...)
	return fds[0], fds[1]
}

func closeLater(t testing.TB, fds ...int) {
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fd) })
	}
}

func write(t testing.TB, fd int, s string) {
	t.Helper()
	if _, err := unix.Write(fd, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func control(t testing.TB, p Poller, fd int, ev Events) {
	t.Helper()
	if err := p.Control(fd, ev); err != nil {
		t.Fatalf("Control(%d, %v): %v", fd, ev, err)
	}
}

// eventsFor waits up to timeout and returns what was reported for fd,
// merging duplicates (kqueue reports each direction separately).
func eventsFor(t testing.TB, p Poller, fd int, timeout time.Duration) Events {
	t.Helper()
	evs, err := p.Wait(timeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got Events
	for _, e := range evs {
		if e.FD == fd {
			got |= e.Events
		}
	}
	return got
}

func TestReadableAfterWrite(t *testing.T) {
	p := newNative(t)
	r, w := newPipe(t)
	control(t, p, r, Readable)
	if got := eventsFor(t, p, r, 0); got != 0 {
		t.Fatalf("empty pipe reported %v", got)
	}
	write(t, w, "x")
	if got := eventsFor(t, p, r, bound); got != Readable {
		t.Fatalf("after write got %v, want Readable", got)
	}
}

func TestWritable(t *testing.T) {
	p := newNative(t)
	a, _ := newSocketpair(t)
	control(t, p, a, Writable)
	if got := eventsFor(t, p, a, bound); got != Writable {
		t.Fatalf("got %v, want Writable", got)
	}
}

func TestLevelReportsAgain(t *testing.T) {
	p := newNative(t)
	r, w := newPipe(t)
	control(t, p, r, Readable)
	write(t, w, "x")
	for i := range 3 {
		if got := eventsFor(t, p, r, bound); got != Readable {
			t.Fatalf("Wait %d: got %v, want Readable until drained", i, got)
		}
	}
}

func TestEdgeReportsOnceUntilNewData(t *testing.T) {
	p := newNative(t)
	r, w := newPipe(t)
	control(t, p, r, Readable|Edge)
	write(t, w, "x")
	if got := eventsFor(t, p, r, bound); got != Readable {
		t.Fatalf("first Wait: got %v, want Readable", got)
	}
	if got := eventsFor(t, p, r, 0); got != 0 {
		t.Fatalf("second Wait without new data: got %v, want nothing", got)
	}
	write(t, w, "y")
	if got := eventsFor(t, p, r, bound); got != Readable {
		t.Fatalf("after new data: got %v, want Readable", got)
	}
}

func TestReadableOnPeerClose(t *testing.T) {
	p := newNative(t)
	a, b := newSocketpair(t)
	control(t, p, a, Readable)
	unix.Close(b)
	if got := eventsFor(t, p, a, bound); got&Readable == 0 {
		t.Fatalf("after peer close got %v, want Readable (EOF)", got)
	}
}

func TestControlZeroRemoves(t *testing.T) {
	p := newNative(t)
	r, w := newPipe(t)
	control(t, p, r, Readable)
	write(t, w, "x")
	control(t, p, r, 0)
	if got := eventsFor(t, p, r, 0); got != 0 {
		t.Fatalf("removed fd reported %v", got)
	}
	control(t, p, r, 0) // removing twice is harmless
	control(t, p, r, Readable)
	if got := eventsFor(t, p, r, bound); got != Readable {
		t.Fatalf("re-added fd: got %v, want Readable", got)
	}
}

func TestControlChangesInterest(t *testing.T) {
	p := newNative(t)
	a, b := newSocketpair(t)
	write(t, b, "x") // a is readable and writable
	control(t, p, a, Readable)
	if got := eventsFor(t, p, a, bound); got != Readable {
		t.Fatalf("Readable interest: got %v", got)
	}
	control(t, p, a, Writable)
	if got := eventsFor(t, p, a, bound); got != Writable {
		t.Fatalf("Writable interest: got %v", got)
	}
	control(t, p, a, Readable|Writable|Edge)
	if got := eventsFor(t, p, a, bound); got != Readable|Writable {
		t.Fatalf("both, edge: got %v", got)
	}
	if got := eventsFor(t, p, a, 0); got != 0 {
		t.Fatalf("both, edge, again: got %v, want nothing", got)
	}
}

// TestControlAfterFDReuse closes a watched fd without Control(fd, 0) and
// puts another file at the same number: the poller must watch the new one.
func TestControlAfterFDReuse(t *testing.T) {
	p := newNative(t)
	r, _ := newPipe(t)
	control(t, p, r, Readable)
	r2, w2 := newPipe(t)
	if err := unix.Dup2(r2, r); err != nil { // closes the old r
		t.Fatal(err)
	}
	control(t, p, r, Readable)
	write(t, w2, "x")
	if got := eventsFor(t, p, r, bound); got != Readable {
		t.Fatalf("reused fd: got %v, want Readable", got)
	}
}

func TestWakeNotReportedAlongsideEvents(t *testing.T) {
	p := newNative(t)
	r, w := newPipe(t)
	control(t, p, r, Readable)
	write(t, w, "x")
	if err := p.Wake(); err != nil {
		t.Fatal(err)
	}
	evs, err := p.Wait(bound, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.FD != r {
			t.Fatalf("unexpected event %+v (internal wake-up descriptor?)", e)
		}
	}
}

func TestWakesAreCoalesced(t *testing.T) {
	p := newNative(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				if err := p.Wake(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := p.wakeCount(); n != 1 {
		t.Fatalf("100 Wakes wrote %d times, want 1", n)
	}
	if evs, err := p.Wait(bound, nil); err != nil || len(evs) != 0 {
		t.Fatalf("Wait after Wakes = %v, %v; want no events", evs, err)
	}
	p.Wake()
	p.Wake()
	if n := p.wakeCount(); n != 2 {
		t.Fatalf("Wakes after a drained wake-up wrote %d times in total, want 2", n)
	}
}

func TestNativeAllocations(t *testing.T) {
	p := newNative(t)
	r, _ := newPipe(t)
	control(t, p, r, Readable)
	buf := make([]Event, 0, 8)
	check := func(name string, f func()) {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
	check("Wait(0)", func() { buf, _ = p.Wait(0, buf) })
	check("Wake", func() { p.Wake() })
	check("Wake+Wait(0)", func() { p.Wake(); buf, _ = p.Wait(0, buf) })
}

// BenchmarkWaitNoEvents measures a non-blocking poll that finds nothing,
// with one idle descriptor registered.
func BenchmarkWaitNoEvents(b *testing.B) {
	p := newNative(b)
	r, _ := newPipe(b)
	control(b, p, r, Readable)
	buf := make([]Event, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = p.Wait(0, buf); err != nil || len(buf) != 0 {
			b.Fatal(buf, err)
		}
	}
}
