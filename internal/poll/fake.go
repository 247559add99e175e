package poll

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Fake is a deterministic Poller for tests. It touches no descriptor: the
// test says what is ready with Inject and Clear, and checks what the code
// under test asked for with Interest.
//
// Readiness model, mirroring the native pollers:
//
//   - Inject(fd, ev) makes fd ready for ev. Wait reports the part of that
//     readiness that fd's interest asks for; Error is reported whenever fd
//     is watched at all, as the kernel does. Readiness outside the interest
//     is kept and reported once the interest includes it.
//   - Without Edge (level-triggered), readiness is reported by every Wait
//     until the test calls Clear(fd, ev), as a real fd stays readable until
//     drained.
//   - With Edge, each Inject is reported once. Setting an Edge interest on an
//     fd that is already ready reports that readiness once, as epoll does on
//     EPOLL_CTL_ADD/MOD.
//
// Wait reports events in increasing fd order. It returns without waiting
// while anything is reportable; otherwise it blocks, like Portable, until
// Wake, an Inject that makes something reportable, or the timeout in real
// time. Inject, Clear, Interest and Wake are safe from any goroutine;
// Control, Wait and Close belong to the loop goroutine as for any Poller.
type Fake struct {
	wake   chan struct{} // capacity 1: one pending Wake at most, as in Portable
	kick   chan struct{} // capacity 1: set by Inject so a blocked Wait looks again
	timer  *time.Timer   // reused across Waits; stopped when not waiting
	closed atomic.Bool

	mu sync.Mutex
	// interest is what Control set, Readable|Writable plus maybe Edge; fds
	// that are not watched are absent (never a 0 value). Guarded by mu.
	interest map[int]Events
	// ready is injected, not yet cleared readiness (Readable, Writable,
	// Error); never a 0 value. Guarded by mu.
	ready map[int]Events
	// edge is readiness not yet reported to an Edge watcher; always a subset
	// of ready; never a 0 value. Guarded by mu.
	edge map[int]Events
}

var _ Poller = (*Fake)(nil)

// NewFake returns a Fake with nothing watched and nothing ready.
func NewFake() *Fake {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Fake{
		wake:     make(chan struct{}, 1),
		kick:     make(chan struct{}, 1),
		timer:    t,
		interest: make(map[int]Events),
		ready:    make(map[int]Events),
		edge:     make(map[int]Events),
	}
}

// Control records fd's interest. As with the native pollers, an ev without
// Readable or Writable stops watching fd; Error in ev is ignored.
func (f *Fake) Control(fd int, ev Events) error {
	if f.closed.Load() {
		return os.ErrClosed
	}
	if fd < 0 {
		return fmt.Errorf("poll: Fake.Control(%d): %w", fd, os.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ev &= Readable | Writable | Edge
	if ev&(Readable|Writable) == 0 {
		delete(f.interest, fd)
		return nil
	}
	f.interest[fd] = ev
	if ev&Edge != 0 {
		setOrDelete(f.edge, fd, f.ready[fd])
	}
	return nil
}

// Interest reports fd's current interest as set by Control (0: not watched).
func (f *Fake) Interest(fd int) Events {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.interest[fd]
}

// Inject makes fd ready for ev (Readable, Writable, Error; other bits are
// ignored) and wakes a blocked Wait if that becomes reportable.
func (f *Fake) Inject(fd int, ev Events) {
	ev &= Readable | Writable | Error
	if ev == 0 {
		return
	}
	f.mu.Lock()
	f.ready[fd] |= ev
	f.edge[fd] |= ev
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Clear withdraws readiness ev from fd, as draining a real fd would.
func (f *Fake) Clear(fd int, ev Events) {
	f.mu.Lock()
	defer f.mu.Unlock()
	setOrDelete(f.ready, fd, f.ready[fd]&^ev)
	setOrDelete(f.edge, fd, f.edge[fd]&^ev)
}

// setOrDelete keeps the "never a 0 value" invariant of Fake's maps.
func setOrDelete(m map[int]Events, fd int, ev Events) {
	if ev == 0 {
		delete(m, fd)
	} else {
		m[fd] = ev
	}
}

// Wait reports what is reportable now, or blocks as described on Fake.
func (f *Fake) Wait(timeout time.Duration, buf []Event) ([]Event, error) {
	if f.closed.Load() {
		return buf[:0], os.ErrClosed
	}
	var expired <-chan time.Time // nil, never ready, unless timeout > 0
	if timeout > 0 {
		f.timer.Reset(timeout)
		defer f.timer.Stop()
		expired = f.timer.C
	}
	for {
		select { // consume the kick before looking, so a later Inject re-kicks
		case <-f.kick:
		default:
		}
		buf = f.collect(buf[:0])
		if len(buf) > 0 || timeout == 0 {
			select { // returning satisfies a pending Wake, as in the kernel
			case <-f.wake:
			default:
			}
			return buf, nil
		}
		select {
		case <-f.wake:
			return f.collect(buf[:0]), nil
		case <-f.kick:
		case <-expired:
			return buf, nil
		}
	}
}

// collect appends every reportable event to buf in fd order and marks Edge
// readiness as reported.
func (f *Fake) collect(buf []Event) []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	for fd, in := range f.interest {
		want := in&(Readable|Writable) | Error
		var ev Events
		if in&Edge == 0 {
			ev = f.ready[fd] & want
		} else {
			ev = f.edge[fd] & want
			setOrDelete(f.edge, fd, f.edge[fd]&^ev)
		}
		if ev != 0 {
			buf = append(buf, Event{FD: fd, Events: ev})
		}
	}
	slices.SortFunc(buf, func(a, b Event) int { return cmp.Compare(a.FD, b.FD) })
	return buf
}

// Wake makes the current or next Wait return. Safe from any goroutine.
func (f *Fake) Wake() error {
	if f.closed.Load() {
		return os.ErrClosed
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
	return nil
}

// Close marks the Fake closed: later calls other than Inject, Clear,
// Interest and Closed return os.ErrClosed.
func (f *Fake) Close() error {
	if f.closed.Swap(true) {
		return os.ErrClosed
	}
	f.timer.Stop()
	return nil
}

// Closed reports whether Close has been called, so tests can check that the
// code under test releases its poller.
func (f *Fake) Closed() bool { return f.closed.Load() }
