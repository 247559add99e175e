package asyncio

import (
	"context"
	"fmt"

	"github.com/asyncio-go/asyncio/internal/netsim"
	"github.com/asyncio-go/asyncio/internal/poll"
	"github.com/asyncio-go/asyncio/internal/waitq"
)

// A descriptor is watched in one of two modes, never both:
//
//   - task mode (WaitReadable, WaitWritable, and the streams built on them):
//     registered once, edge-triggered, for both directions. An edge that
//     arrives with nobody waiting is remembered in readReady/writeReady, so a
//     task that got EAGAIN and then waits does not miss it. One epoll_ctl per
//     descriptor's lifetime, none per wait.
//   - callback mode (AddReader, AddWriter: CPython's add_reader): level-
//     triggered; the callback runs in every iteration while the descriptor is
//     ready, until removed.
type fdState struct {
	fd         int
	callbacks  bool               // callback mode
	readers    waitq.Queue[*task] // task mode: parked in WaitReadable
	writers    waitq.Queue[*task] // task mode: parked in WaitWritable
	readReady  bool               // task mode: a readable edge nobody has consumed
	writeReady bool
	hungUp     bool       // a Hangup was reported: a read will not block again (sticky)
	flusher    outFlusher // task mode: a writer the kernel refused, queued again on the writable edge
	readCb     *Handle    // callback mode; nil when not watching that direction
	writeCb    *Handle
}

// WaitReadable suspends the calling task until fd is readable (or in error or
// hung up): the await behind stream reads. The protocol is edge-triggered:
// always try the system call first and wait only after it returned EAGAIN; if
// an edge arrived since the last wait, WaitReadable returns at once. The
// descriptor must be non-blocking, and ForgetFD must be called before it is
// closed. It returns the CancelledError if the task is cancelled.
func WaitReadable(ctx context.Context, fd int) error {
	return waitFD(ctx, currentTask(ctx, "WaitReadable"), fd, false)
}

// WaitWritable is WaitReadable for writability.
func WaitWritable(ctx context.Context, fd int) error {
	return waitFD(ctx, currentTask(ctx, "WaitWritable"), fd, true)
}

func waitFD(ctx context.Context, t *task, fd int, write bool) error {
	l := t.loop
	st, err := l.fdFor(fd, false)
	if err != nil {
		return err
	}
	ready, q := &st.readReady, &st.readers
	if write {
		ready, q = &st.writeReady, &st.writers
	}
	if *ready {
		*ready = false
		return nil
	}
	q.PushBack(&t.node)
	if write {
		return t.parkCtx(ctx, (*fdWriteWait)(st))
	}
	return t.parkCtx(ctx, (*fdReadWait)(st))
}

// fdHungUp reports whether the poller has seen fd's peer hang up (or an
// error): after that a read never blocks, so a reader must not wait for an
// edge before reading.
func (l *Loop) fdHungUp(fd int) bool {
	st := l.fds[fd]
	return st != nil && st.hungUp
}

// ForgetFD stops watching fd; call it before closing fd. Tasks waiting on it
// are woken with an error. Loop goroutine only.
func (l *Loop) ForgetFD(fd int) {
	st := l.fds[fd]
	if st == nil {
		return
	}
	delete(l.fds, fd)
	switch {
	case fd >= deviceFDBase && !netsim.IsSim(fd):
		l.osFDs--
	case !netsim.IsSim(fd) || l.net == nil:
		l.poller.Control(fd, 0)
		l.osFDs--
	}
	err := fmt.Errorf("asyncio: file descriptor %d was closed while a task waited on it", fd)
	for _, q := range []*waitq.Queue[*task]{&st.readers, &st.writers} {
		for n := q.PopFront(); n != nil; n = q.PopFront() {
			l.wake(n.Value, err, false)
		}
	}
}

// AddReader calls cb on the loop whenever fd is readable, until RemoveReader
// (loop.add_reader). Loop goroutine only.
func (l *Loop) AddReader(fd int, cb func()) error { return l.addCallback(fd, cb, false) }

// AddWriter calls cb on the loop whenever fd is writable, until RemoveWriter
// (loop.add_writer). Loop goroutine only.
func (l *Loop) AddWriter(fd int, cb func()) error { return l.addCallback(fd, cb, true) }

// RemoveReader stops AddReader's callback and reports whether there was one.
func (l *Loop) RemoveReader(fd int) bool { return l.removeCallback(fd, false) }

// RemoveWriter stops AddWriter's callback and reports whether there was one.
func (l *Loop) RemoveWriter(fd int) bool { return l.removeCallback(fd, true) }

func (l *Loop) addCallback(fd int, cb func(), write bool) error {
	if l.debug {
		l.checkGoroutine("AddReader/AddWriter")
	}
	st, err := l.fdFor(fd, true)
	if err != nil {
		return err
	}
	h := l.newHandle(cb, "AddReader/AddWriter")
	h.repeat = true
	if write {
		if st.writeCb != nil {
			st.writeCb.Cancel()
		}
		st.writeCb = h
	} else {
		if st.readCb != nil {
			st.readCb.Cancel()
		}
		st.readCb = h
	}
	return l.poller.Control(fd, st.interest())
}

func (l *Loop) removeCallback(fd int, write bool) bool {
	st := l.fds[fd]
	if st == nil || !st.callbacks {
		return false
	}
	h := &st.readCb
	if write {
		h = &st.writeCb
	}
	if *h == nil {
		return false
	}
	(*h).Cancel()
	*h = nil
	if st.readCb == nil && st.writeCb == nil {
		delete(l.fds, fd)
		l.osFDs--
	}
	l.poller.Control(fd, st.interest())
	return true
}

func (st *fdState) interest() poll.Events {
	var ev poll.Events
	if st.readCb != nil {
		ev |= poll.Readable
	}
	if st.writeCb != nil {
		ev |= poll.Writable
	}
	return ev
}

// fdFor returns fd's state, registering it in the requested mode.
func (l *Loop) fdFor(fd int, callbacks bool) (*fdState, error) {
	if fd < 0 {
		return nil, fmt.Errorf("asyncio: invalid file descriptor %d", fd)
	}
	if st := l.fds[fd]; st != nil {
		if st.callbacks != callbacks {
			return nil, fmt.Errorf("asyncio: file descriptor %d is already watched by %s; "+
				"use either AddReader/AddWriter or WaitReadable/WaitWritable (streams) on one descriptor, not both",
				fd, map[bool]string{true: "AddReader/AddWriter", false: "a task or stream"}[st.callbacks])
		}
		return st, nil
	}
	st := &fdState{fd: fd, callbacks: callbacks}
	switch {
	case fd >= deviceFDBase && !netsim.IsSim(fd):
		if callbacks {
			return nil, fmt.Errorf("asyncio: descriptor %d is a device stream's; AddReader/AddWriter watch only real descriptors", fd)
		}
		l.osFDs++ // a device's edges come from its Notify, possibly from another goroutine: never a deadlock
	case netsim.IsSim(fd) && l.net != nil:
		if callbacks {
			return nil, fmt.Errorf("asyncio: descriptor %d is a simulated socket; AddReader/AddWriter watch only real descriptors", fd)
		}
		l.simWatch(st)
	case !callbacks:
		if err := l.poller.Control(fd, poll.Readable|poll.Writable|poll.Edge); err != nil {
			return nil, fmt.Errorf("asyncio: cannot watch file descriptor %d: %w", fd, err)
		}
		l.osFDs++
	default:
		l.osFDs++
	}
	if l.fds == nil {
		l.fds = make(map[int]*fdState)
	}
	l.fds[fd] = st
	return st, nil
}

// dispatchIO is the end of phase 1: wake what waits on ready descriptors.
func (l *Loop) dispatchIO(events []poll.Event) {
	if l.sim != nil {
		l.simShuffleEvents(events)
	}
	for _, ev := range events {
		st := l.fds[ev.FD]
		if st == nil {
			continue
		}
		if ev.Events&poll.Hangup != 0 {
			st.hungUp = true
		}
		readable := ev.Events&(poll.Readable|poll.Error) != 0
		writable := ev.Events&(poll.Writable|poll.Error) != 0
		if st.callbacks {
			if readable && st.readCb != nil {
				l.ready.Push(st.readCb)
			}
			if writable && st.writeCb != nil {
				l.ready.Push(st.writeCb)
			}
			continue
		}
		if readable {
			l.signalFD(&st.readers, &st.readReady)
		}
		if writable {
			if st.flusher != nil {
				l.queueFlush(st.flusher)
				st.flusher = nil
			}
			l.signalFD(&st.writers, &st.writeReady)
		}
	}
}

// signalFD hands an edge to every waiter (each retries its system call and
// waits again on EAGAIN), or remembers it if nobody waits.
func (l *Loop) signalFD(q *waitq.Queue[*task], ready *bool) {
	if q.Len() == 0 {
		*ready = true
		return
	}
	for n := q.PopFront(); n != nil; n = q.PopFront() {
		l.wake(n.Value, nil, false)
	}
}
