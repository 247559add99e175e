//go:build linux

package poll

import (
	"errors"
	"math"
	"os"
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
	return &epollPoller{
		epfd:    epfd,
		waker:   waker{readFD: wakefd, writeFD: wakefd, token: eventfdOne[:]},
		watched: make(map[int]struct{}),
		events:  make([]unix.EpollEvent, epollEvents),
	}, nil
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
	n, err := p.wait(timeout)
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
	err = errors.Join(err, unix.Close(p.epfd))
	p.epfd = -1
	p.watched = nil
	return os.NewSyscallError("close", err)
}
