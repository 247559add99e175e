//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// kqueueEvents is how many kernel events one Wait can collect; the rest wait
// for the next Wait.
const kqueueEvents = 128

// kqueuePoller is the BSD and macOS Poller: a kqueue plus a pipe for Wake.
// A pipe rather than EVFILT_USER because NetBSD and OpenBSD lack the latter
// in x/sys, and one mechanism is simpler to reason about than two.
//
// kqueue has one filter per direction, so a descriptor ready both ways may
// appear in two Events of the same Wait, one Readable and one Writable.
type kqueuePoller struct {
	// kq is the kqueue descriptor, -1 after Close. Loop goroutine only.
	kq int
	// waker's descriptors are a non-blocking pipe: the read end is
	// registered for EVFILT_READ and consumed inside Wait, never reported;
	// Wake writes one byte to the write end.
	waker
	// interest is the current interest of every watched fd (never 0), which
	// tells Control which filters exist and must be deleted. Loop goroutine
	// only.
	interest map[int]Events
	// changes is Control's scratch changelist, events Wait's reused output
	// buffer and ts its timeout: fields, so waiting does not allocate.
	changes [2]unix.Kevent_t
	events  []unix.Kevent_t
	ts      unix.Timespec
}

var _ Poller = (*kqueuePoller)(nil)

// newKqueue creates the kqueue and registers the wake-up pipe,
// level-triggered so that an undrained wake-up is never missed.
func newKqueue() (*kqueuePoller, error) {
	kq, r, w, err := openKqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	p := &kqueuePoller{kq: kq, waker: waker{readFD: r, writeFD: w, token: []byte{1}},
		interest: make(map[int]Events), events: make([]unix.Kevent_t, kqueueEvents)}
	unix.SetKevent(&p.changes[0], r, unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(kq, p.changes[:1], nil, nil); err != nil {
		closeFDs(kq, r, w)
		return nil, os.NewSyscallError("kevent", err)
	}
	return p, nil
}

// openKqueue creates the kqueue and the non-blocking wake-up pipe, all
// close-on-exec. macOS has no pipe2, so close-on-exec is set afterwards
// under syscall.ForkLock, which keeps a concurrent fork+exec from
// inheriting the descriptors in between (as the standard library does).
func openKqueue() (kq, r, w int, err error) {
	var fds [2]int
	syscall.ForkLock.RLock()
	kq, err = unix.Kqueue()
	if err == nil {
		if err = unix.Pipe(fds[:]); err != nil {
			unix.Close(kq)
		}
	}
	if err == nil {
		for _, fd := range [...]int{kq, fds[0], fds[1]} {
			unix.CloseOnExec(fd)
		}
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, -1, err
	}
	err = errors.Join(unix.SetNonblock(fds[0], true), unix.SetNonblock(fds[1], true))
	if err != nil {
		closeFDs(kq, fds[0], fds[1])
		return -1, -1, -1, err
	}
	return kq, fds[0], fds[1], nil
}

// closeFDs closes descriptors on a failed construction; errors are moot.
func closeFDs(fds ...int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// Control sets fd's interest. An ev without Readable or Writable stops
// watching fd. Filters that are no longer wanted, or whose Edge setting
// changes (EV_CLEAR cannot be changed on a live filter), are deleted first;
// then the wanted ones are added. EV_ADD on an existing filter just updates
// it, so a reused fd number needs no special care.
func (p *kqueuePoller) Control(fd int, ev Events) error {
	if p.kq < 0 {
		return os.ErrClosed
	}
	ev &= Readable | Writable | Edge
	if ev&(Readable|Writable) == 0 {
		ev = 0
	}
	cur := p.interest[fd]
	keep := cur & ev
	if (cur^ev)&Edge != 0 {
		keep = 0 // EV_CLEAR changes: every existing filter must go
	}
	if err := p.deleteFilters(fd, cur&^keep); err != nil {
		return err
	}
	if ev == 0 {
		delete(p.interest, fd)
		return nil
	}
	flags := unix.EV_ADD | unix.EV_ENABLE
	if ev&Edge != 0 {
		flags |= unix.EV_CLEAR
	}
	changes := p.filters(fd, ev, flags)
	if _, err := unix.Kevent(p.kq, changes, nil, nil); err != nil {
		// Most likely fd is not open, and then the kernel holds no filter
		// for it; forgetting it keeps the map from claiming otherwise.
		delete(p.interest, fd)
		return os.NewSyscallError("kevent", err)
	}
	p.interest[fd] = ev
	return nil
}

// deleteFilters removes fd's filters for the directions in gone. ENOENT and
// EBADF mean the kernel already dropped them when fd was closed.
func (p *kqueuePoller) deleteFilters(fd int, gone Events) error {
	changes := p.filters(fd, gone, unix.EV_DELETE)
	if len(changes) == 0 {
		return nil
	}
	_, err := unix.Kevent(p.kq, changes, nil, nil)
	if err == unix.ENOENT || err == unix.EBADF {
		err = nil
	}
	return os.NewSyscallError("kevent", err)
}

// filters fills the scratch changelist with one change per direction in ev.
func (p *kqueuePoller) filters(fd int, ev Events, flags int) []unix.Kevent_t {
	changes := p.changes[:0]
	if ev&Readable != 0 {
		changes = changes[:len(changes)+1]
		unix.SetKevent(&changes[len(changes)-1], fd, unix.EVFILT_READ, flags)
	}
	if ev&Writable != 0 {
		changes = changes[:len(changes)+1]
		unix.SetKevent(&changes[len(changes)-1], fd, unix.EVFILT_WRITE, flags)
	}
	return changes
}

// fromKevent maps a kernel event to Events. EV_EOF on the read filter may be
// a half-close (the peer may still read), so it is only Readable: the reader
// will see EOF. EV_EOF on the write filter, or with a socket error in
// fflags, is Error, which also wakes both sides, like epoll's EPOLLHUP.
func fromKevent(k *unix.Kevent_t) Events {
	var ev Events
	switch k.Filter {
	case unix.EVFILT_READ:
		ev = Readable
	case unix.EVFILT_WRITE:
		ev = Writable
	}
	eof := k.Flags&unix.EV_EOF != 0
	if k.Flags&unix.EV_ERROR != 0 || eof && (ev == Writable || k.Fflags != 0) {
		ev |= Error | Readable | Writable
	}
	if eof || k.Flags&unix.EV_ERROR != 0 {
		ev |= Hangup
	}
	return ev
}

// Wait blocks in kevent; see Poller.Wait. A wake-up is drained here and not
// reported. It does not allocate as long as buf has room.
func (p *kqueuePoller) Wait(timeout time.Duration, buf []Event) ([]Event, error) {
	buf = buf[:0]
	if p.kq < 0 {
		return buf, os.ErrClosed
	}
	n, err := p.wait(timeout)
	if err != nil {
		return buf, os.NewSyscallError("kevent", err)
	}
	for i := range n {
		k := &p.events[i]
		if int(k.Ident) == p.readFD {
			p.drain()
			continue
		}
		buf = append(buf, Event{FD: int(k.Ident), Events: fromKevent(k)})
	}
	return buf, nil
}

// wait calls kevent, retrying on EINTR with the time that remains so that a
// signal neither ends nor extends the wait. kevent takes nanoseconds, so no
// rounding is needed.
func (p *kqueuePoller) wait(timeout time.Duration) (int, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		var ts *unix.Timespec
		if timeout >= 0 {
			p.ts = unix.NsecToTimespec(int64(timeout))
			ts = &p.ts
		}
		n, err := unix.Kevent(p.kq, nil, p.events, ts)
		if err != unix.EINTR {
			return n, err
		}
		if timeout > 0 {
			if timeout = time.Until(deadline); timeout <= 0 {
				return 0, nil
			}
		}
	}
}

// Wake makes the current or next Wait return. Safe from any goroutine. Only
// the first Wake after a drained wake-up writes the pipe (see waker).
func (p *kqueuePoller) Wake() error { return p.wake() }

// Close releases the kqueue and the pipe. Later Wakes return os.ErrClosed
// and never touch the descriptors.
func (p *kqueuePoller) Close() error {
	err := p.waker.close()
	if err == os.ErrClosed {
		return err
	}
	err = errors.Join(err, unix.Close(p.kq))
	p.kq = -1
	p.interest = nil
	return os.NewSyscallError("close", err)
}
