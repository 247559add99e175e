//go:build linux

package poll

import (
	"errors"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// epollEvents is how many kernel events one Wait can collect. More ready
// descriptors are not lost: the next Wait reports them.
const epollEvents = 128

// wakeOne is what Wake writes to the eventfd. Any non-zero 8-byte value adds
// to the counter and makes it readable; the byte order does not matter
// because at most one write is outstanding, so the counter cannot overflow.
var wakeOne = [8]byte{1}

// epollPoller is the Linux Poller: an epoll instance plus an eventfd for Wake.
type epollPoller struct {
	// epfd is the epoll descriptor, -1 after Close. Loop goroutine only.
	epfd int
	// wakefd is a non-blocking eventfd registered in epfd for EPOLLIN. It is
	// consumed inside Wait and never reported to the caller.
	wakefd int
	// watched holds every fd currently added to epfd (besides wakefd), so
	// Control can choose between EPOLL_CTL_ADD, MOD and DEL. Loop goroutine
	// only.
	watched map[int]struct{}
	// events is the kernel's output buffer, reused by every Wait so that
	// waiting does not allocate. Loop goroutine only.
	events []unix.EpollEvent
	// drain receives the eventfd counter when Wait consumes a wake-up.
	drain [8]byte

	// wakePending is true from the Wake that writes the eventfd until the
	// Wait that drains it. While it is true further Wakes are no-ops: the
	// eventfd is (or is about to be) readable, so one write serves the whole
	// burst. Wait clears it only after draining, never before, or a Wake
	// landing between the two would be swallowed and the flag stuck at true.
	wakePending atomic.Bool
	// wakeWrites counts eventfd writes; tests use it to check coalescing.
	wakeWrites atomic.Uint64

	// mu serialises the eventfd write in Wake with Close, so that a late Wake
	// never writes to a closed descriptor whose number may have been reused.
	// Only the slow path of Wake (flag was false) takes it.
	mu     sync.Mutex
	closed bool // guarded by mu
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
		wakefd:  wakefd,
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
		if int(e.Fd) == p.wakefd {
			p.drainWake()
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

// drainWake consumes a wake-up. Reading resets the eventfd counter; EAGAIN
// cannot happen as only Wait reads, but would be harmless. The flag is
// cleared after the read (see wakePending).
func (p *epollPoller) drainWake() {
	_, _ = unix.Read(p.wakefd, p.drain[:])
	p.wakePending.Store(false)
}

// Wake makes the current or next Wait return. Safe from any goroutine. Only
// the first Wake after a drained wake-up writes the eventfd; the others
// return after one atomic load.
func (p *epollPoller) Wake() error {
	if p.wakePending.Load() {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return os.ErrClosed
	}
	if p.wakePending.Swap(true) {
		return nil
	}
	p.wakeWrites.Add(1)
	_, err := unix.Write(p.wakefd, wakeOne[:])
	if err == unix.EAGAIN { // counter saturated: already readable
		err = nil
	}
	if err != nil {
		p.wakePending.Store(false)
		return os.NewSyscallError("write", err)
	}
	return nil
}

// wakeCount reports how many times Wake wrote to the kernel (for tests).
func (p *epollPoller) wakeCount() uint64 { return p.wakeWrites.Load() }

// Close releases the epoll instance and the eventfd. Later Wakes return
// os.ErrClosed and never touch the descriptors.
func (p *epollPoller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return os.ErrClosed
	}
	p.closed = true
	err := errors.Join(unix.Close(p.wakefd), unix.Close(p.epfd))
	p.epfd, p.wakefd = -1, -1
	p.watched = nil
	return os.NewSyscallError("close", err)
}
