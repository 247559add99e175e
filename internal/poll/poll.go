// Package poll is the event loop's window onto the operating system: it blocks
// until a file descriptor is ready, a timeout passes, or another goroutine calls
// Wake. There is one implementation per OS family (epoll on Linux, kqueue on the
// BSDs and macOS), a portable fallback that only knows timeouts and wake-ups, and
// a fake for tests.
//
// A Poller is used by exactly one goroutine (the loop's), except Wake, which is
// safe from any goroutine.
package poll

import (
	"errors"
	"time"
)

// Events is a set of readiness conditions.
type Events uint32

const (
	// Readable: a read will not block (data, EOF, or a pending error).
	Readable Events = 1 << iota
	// Writable: a write will not block.
	Writable
	// Error: the descriptor is in error or hung up. Reported, never requested;
	// the loop wakes both readers and writers on it.
	Error
	// Hangup: the peer shut down its side or the descriptor is in error: a
	// read will not block even after data has been consumed (EOF follows).
	// Reported, never requested.
	Hangup
	// Edge asks for edge-triggered reporting: an event is reported once per
	// transition to ready, and the caller must consume until EAGAIN before
	// waiting again. Without it reporting is level-triggered.
	Edge
)

// Event is one ready descriptor returned by Wait.
type Event struct {
	FD     int
	Events Events
}

// ErrNotSupported is returned by Control on a poller that cannot watch
// descriptors (the portable fallback).
var ErrNotSupported = errors.New("poll: watching file descriptors is not supported on this platform")

// Poller waits for readiness, timeouts and wake-ups.
type Poller interface {
	// Control sets the interest of fd to ev (Readable, Writable, optionally
	// Edge). ev == 0 stops watching fd. Loop goroutine only.
	Control(fd int, ev Events) error
	// Wait blocks until at least one watched descriptor is ready, Wake is
	// called, or timeout passes (timeout < 0: no limit; 0: do not block). It
	// appends ready descriptors to buf[:0] and returns the result. A wake-up is
	// consumed and reported as no event. Loop goroutine only.
	Wait(timeout time.Duration, buf []Event) ([]Event, error)
	// Wake makes the current or next Wait return promptly. Safe from any
	// goroutine; calls may be coalesced.
	Wake() error
	// Close releases the poller's resources. Loop goroutine only.
	Close() error
}
