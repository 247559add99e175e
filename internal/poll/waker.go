//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// waker is the coalesced wake-up both native pollers use: a descriptor the
// poller watches for readability (an eventfd, or a pipe's read end), and the
// descriptor Wake writes to (the same eventfd, or the pipe's write end).
type waker struct {
	readFD, writeFD int    // equal for an eventfd; -1 after close
	token           []byte // what one wake-up writes
	drainBuf        [8]byte

	// pending is true from the Wake that writes until the Wait that drains.
	// While it is true further Wakes are no-ops: the descriptor is (or is
	// about to be) readable, so one write serves the whole burst. drain
	// clears it only after reading, never before, or a Wake landing between
	// the two would be swallowed and the flag stuck at true.
	pending atomic.Bool
	writes  atomic.Uint64 // writes to the kernel; tests check coalescing

	// mu serialises the write in wake with close, so that a late Wake never
	// writes to a closed descriptor whose number may have been reused. Only
	// the slow path of wake (flag was false) takes it.
	mu     sync.Mutex
	closed bool // guarded by mu
}

// wake makes the current or next Wait return; safe from any goroutine.
func (w *waker) wake() error {
	if w.pending.Load() {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return os.ErrClosed
	}
	if w.pending.Swap(true) {
		return nil
	}
	w.writes.Add(1)
	_, err := unix.Write(w.writeFD, w.token)
	if err == unix.EAGAIN { // counter saturated or pipe full: already readable
		err = nil
	}
	if err != nil {
		w.pending.Store(false)
		return os.NewSyscallError("write", err)
	}
	return nil
}

// drain consumes a wake-up (Wait, when readFD is reported), then clears the
// pending flag, in that order.
func (w *waker) drain() {
	_, _ = unix.Read(w.readFD, w.drainBuf[:])
	w.pending.Store(false)
}

// wakeCount reports how many times Wake wrote to the kernel (for tests).
func (w *waker) wakeCount() uint64 { return w.writes.Load() }

// close closes the wake-up descriptors; later wakes return os.ErrClosed.
func (w *waker) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return os.ErrClosed
	}
	w.closed = true
	err := unix.Close(w.readFD)
	if w.writeFD != w.readFD {
		err = errors.Join(err, unix.Close(w.writeFD))
	}
	w.readFD, w.writeFD = -1, -1
	return err
}
