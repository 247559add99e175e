//go:build linux

package poll

import (
	"errors"
	"math"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// epollEvents is how many kernel events one Wait can collect. More ready
// descriptors are not lost: the next Wait reports them.
const epollEvents = 128

// epollPoller is the Linux Poller: an epoll instance plus an eventfd for Wake.
type epollPoller struct {
	// epfd is the epoll descriptor, -1 after Close. Loop goroutine only.
	epfd int
	// waker's descriptor is a non-blocking eventfd registered in epfd for
	// EPOLLIN, consumed inside Wait and never reported to the caller.
	waker
	// watched holds every fd currently added to epfd (besides wakefd), so
	// Control can choose between EPOLL_CTL_ADD, MOD and DEL. Loop goroutine
	// only.
	watched map[int]struct{}
	// events is the kernel's output buffer, reused by every Wait so that
	// waiting does not allocate. Loop goroutine only.
	events []unix.EpollEvent

	// The blocking wait goes through the Go runtime's own netpoller (see
	// waitNetpoll): file is epfd registered with it, rc its raw access.
	// Both nil if the runtime would not take epfd; Wait then blocks in
	// epoll_wait itself. Loop goroutine only, like the fields below.
	file        *os.File
	rc          syscall.RawConn
	deadlineSet bool // file has a read deadline from the last blocking wait
	n           int  // the netpoll callback's results
	waitErr     error
	look        func(uintptr) bool // the netpoll callback, made once
}

var _ Poller = (*epollPoller)(nil)

// newEpoll creates the epoll instance and its wake-up eventfd, both
// close-on-exec so they do not leak into child processes.
func newEpoll() (*epollPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	p := &epollPoller{
		epfd:    epfd,
		waker:   waker{readFD: wakefd, writeFD: wakefd, token: eventfdOne[:]},
		watched: make(map[int]struct{}),
		events:  make([]unix.EpollEvent, epollEvents),
	}
	p.attachNetpoll()
	return p, nil
}

// attachNetpoll hands epfd to the Go runtime's netpoller, which watches it
// like a socket: an epoll descriptor is readable while any descriptor it
// watches is ready (Linux allows nesting). O_NONBLOCK on epfd changes nothing
// for epoll_wait, but it is how os.NewFile knows the descriptor is pollable.
// If the runtime does not take it, the poller keeps blocking in epoll_wait.
func (p *epollPoller) attachNetpoll() {
	if err := unix.SetNonblock(p.epfd, true); err != nil {
		return
	}
	f := os.NewFile(uintptr(p.epfd), "asyncio-epoll")
	rc, err := f.SyscallConn()
	if err != nil || f.SetReadDeadline(time.Time{}) != nil { // no deadline support: not in the netpoller
		f.Close()
		return
	}
	p.file, p.rc = f, rc
	p.look = p.lookOnce
}

// Control sets fd's interest. An ev without Readable or Writable stops
// watching fd. Removing an fd that the kernel already dropped (because it
// was closed) is not an error; neither is re-adding a number that was closed
// and reused without a Control(fd, 0) in between.
func (p *epollPoller) Control(fd int, ev Events) error {
	if p.epfd < 0 {
		return os.ErrClosed
	}
	_, watched := p.watched[fd]
	if ev&(Readable|Writable) == 0 {
		if !watched {
			return nil
		}
		delete(p.watched, fd)
		err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
		if err == unix.ENOENT || err == unix.EBADF {
			err = nil
		}
		return os.NewSyscallError("epoll_ctl", err)
	}
	e := unix.EpollEvent{Events: toEpoll(ev), Fd: int32(fd)}
	op := unix.EPOLL_CTL_ADD
	if watched {
		op = unix.EPOLL_CTL_MOD
	}
	err := unix.EpollCtl(p.epfd, op, fd, &e)
	if err == unix.ENOENT && op == unix.EPOLL_CTL_MOD {
		err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &e)
	}
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	p.watched[fd] = struct{}{}
	return nil
}

// toEpoll maps requested Events to epoll flags. EPOLLRDHUP makes a peer's
// shutdown of its write side wake readers, who will read EOF.
func toEpoll(ev Events) uint32 {
	var e uint32
	if ev&Readable != 0 {
		e |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if ev&Writable != 0 {
		e |= unix.EPOLLOUT
	}
	if ev&Edge != 0 {
		e |= unix.EPOLLET
	}
	return e
}

// fromEpoll maps reported epoll flags to Events. Errors and hang-ups also
// set Readable and Writable so that whoever waits on fd wakes and sees the
// failure on its next read or write.
func fromEpoll(e uint32) Events {
	var ev Events
	if e&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0 {
		ev |= Readable
	}
	if e&unix.EPOLLOUT != 0 {
		ev |= Writable
	}
	if e&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		ev |= Error | Readable | Writable
	}
	if e&(unix.EPOLLRDHUP|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		ev |= Hangup
	}
	return ev
}

// Wait blocks in epoll_wait; see Poller.Wait. A wake-up is drained here and
// not reported. It does not allocate as long as buf has room.
func (p *epollPoller) Wait(timeout time.Duration, buf []Event) ([]Event, error) {
	buf = buf[:0]
	if p.epfd < 0 {
		return buf, os.ErrClosed
	}
	var n int
	var err error
	if timeout != 0 && p.rc != nil {
		n, err = p.waitNetpoll(timeout)
	} else {
		n, err = p.wait(timeout)
	}
	if err != nil {
		return buf, os.NewSyscallError("epoll_wait", err)
	}
	for i := range n {
		e := &p.events[i]
		if int(e.Fd) == p.readFD {
			p.drain()
			continue
		}
		buf = append(buf, Event{FD: int(e.Fd), Events: fromEpoll(e.Events)})
	}
	return buf, nil
}

// wait calls epoll_wait, retrying on EINTR (the Go runtime signals threads
// for preemption, and epoll_wait is never restarted) with the time that
// remains, so a signal neither ends nor extends the wait.
func (p *epollPoller) wait(timeout time.Duration) (int, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		n, err := unix.EpollWait(p.epfd, p.events, msTimeout(timeout))
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

// waitNetpoll is the blocking wait, done the way the Go runtime waits for
// sockets: the loop's goroutine parks in the runtime's netpoller until epfd
// is readable (or the deadline passes), and epoll_wait is only ever called
// with a zero timeout, to collect what is ready. A goroutine blocked in a
// system call instead holds its thread, makes sysmon take its P away and wake
// another thread, and costs futex calls and context switches on every wait;
// a parked goroutine costs what a goroutine server's idle connection costs.
//
// The callback always looks before it waits, as every Go read does: the
// runtime forgets a readiness edge that came before the wait began, so only
// a look can see what arrived since the loop's last poll. A blocking wait
// thus costs two epoll_wait(0) calls, one before parking and one after the
// wake-up, and the runtime's own epoll_wait, which it shares with every
// goroutine waiting for I/O.
func (p *epollPoller) waitNetpoll(timeout time.Duration) (int, error) {
	switch {
	case timeout > 0 && timeout < maxDeadline:
		p.file.SetReadDeadline(time.Now().Add(timeout))
		p.deadlineSet = true
	case p.deadlineSet:
		p.file.SetReadDeadline(time.Time{})
		p.deadlineSet = false
	}
	p.n, p.waitErr = 0, nil
	if err := p.rc.Read(p.look); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, nil // the timeout passed
		}
		return 0, err
	}
	return p.n, p.waitErr
}

// maxDeadline is the longest timeout waitNetpoll turns into a deadline; a
// longer one (a timer centuries away) waits without one.
const maxDeadline = 100 * 365 * 24 * time.Hour

// lookOnce is waitNetpoll's callback: it reports true when it has events (or
// an error) for Wait, false to wait for the next readiness edge.
func (p *epollPoller) lookOnce(uintptr) bool {
	n, err := unix.EpollWait(p.epfd, p.events, 0)
	switch {
	case err == unix.EINTR:
		return false
	case err != nil:
		p.waitErr = err
		return true
	}
	p.n = n
	return n > 0
}

// msTimeout converts a Wait timeout to epoll_wait's milliseconds. It rounds
// up: rounding 300µs down to 0 would turn a short timer wait into a busy
// loop of non-blocking polls. Negative means forever (-1).
func msTimeout(d time.Duration) int {
	switch {
	case d < 0:
		return -1
	case d >= math.MaxInt32*time.Millisecond:
		return math.MaxInt32
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// eventfdOne is what a wake-up writes to the eventfd: any non-zero 8-byte
// value makes it readable.
var eventfdOne = [8]byte{1}

// Wake makes the current or next Wait return. Safe from any goroutine. Only
// the first Wake after a drained wake-up writes the eventfd (see waker).
func (p *epollPoller) Wake() error { return p.wake() }

// Close releases the epoll instance and the eventfd. Later Wakes return
// os.ErrClosed and never touch the descriptors.
func (p *epollPoller) Close() error {
	err := p.waker.close()
	if err == os.ErrClosed {
		return err
	}
	if p.file != nil {
		err = errors.Join(err, p.file.Close()) // leaves the netpoller, then closes epfd
		p.file, p.rc = nil, nil
	} else {
		err = errors.Join(err, unix.Close(p.epfd))
	}
	p.epfd = -1
	p.watched = nil
	return os.NewSyscallError("close", err)
}
