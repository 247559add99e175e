package asyncio

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/asyncio-go/asyncio/internal/poll"
)

// Streams over a Device: any Go value that reads and writes without
// blocking and says when it may have become ready (MicroPython's stream
// protocol, whose ioctl reports readiness). Protocols can then be tested
// over in-memory transports, or driven over a device a Go library exposes,
// with the same StreamReader and StreamWriter as sockets.

// Device is a non-blocking byte stream the loop can drive.
type Device interface {
	// Read reads what is available into p; with nothing available it
	// returns ErrWouldBlock, at the end of the stream 0, io.EOF (or 0, nil).
	Read(p []byte) (int, error)
	// Write writes what the device takes now, possibly a prefix of p; when
	// it takes nothing it returns ErrWouldBlock.
	Write(p []byte) (int, error)
	// Close releases the device.
	Close() error
	// Notify registers fn, to be called each time the device may have
	// become readable or writable (a spurious call is harmless). fn is safe
	// from any goroutine; Notify is called once, on the loop goroutine.
	Notify(fn func())
}

// ErrWouldBlock is what a Device returns from Read or Write when the call
// would have to wait.
var ErrWouldBlock = errors.New("asyncio: device would block")

// deviceFDBase numbers device streams: above what a process opens and
// below the simulated network's descriptors.
const deviceFDBase = 1 << 27

// deviceState is a Device under a stream. Loop goroutine only.
type deviceState struct {
	d    Device
	loop *Loop
}

// devices maps device descriptors to their devices: the program's one loop
// uses them, from its goroutine.
var devices = struct {
	m    map[int]*deviceState
	next int
}{m: map[int]*deviceState{}, next: deviceFDBase}

// OpenDevice returns a StreamReader and StreamWriter over d: reads, writes,
// Drain and Close behave as on a socket, suspending the task until d
// notifies readiness. WriteEOF is not available (CanWriteEOF is false);
// Close closes d after sending what is buffered. It never suspends. Must be
// called from a task, with its ctx.
func OpenDevice(ctx context.Context, d Device) (*StreamReader, *StreamWriter, error) {
	l := currentTask(ctx, "OpenDevice").loop
	if d == nil {
		misuse("OpenDevice called with a nil Device")
	}
	fd := devices.next
	devices.next++
	devices.m[fd] = &deviceState{d: d, loop: l}
	if _, err := l.fdFor(fd, false); err != nil {
		delete(devices.m, fd)
		return nil, nil, err
	}
	st := l.fds[fd]
	st.readReady, st.writeReady = true, true // try first; the device says when to try again
	d.Notify(func() {
		l.CallSoonThreadsafe(func() {
			if devices.m[fd] != nil {
				l.events = append(l.events[:0], poll.Event{FD: fd, Events: poll.Readable | poll.Writable})
				l.dispatchIO(l.events)
			}
		})
	})
	s := newSock(l, fd, "device", DefaultLimit)
	l.own(s)
	return &s.r, &s.w, nil
}

func deviceOf(fd int) (*deviceState, error) {
	if d := devices.m[fd]; d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("asyncio: device descriptor %d is closed", fd)
}

func deviceRead(fd int, p []byte) (int, error) {
	d, err := deviceOf(fd)
	if err != nil {
		return 0, err
	}
	n, err := d.d.Read(p)
	switch {
	case err == ErrWouldBlock:
		return 0, errWouldBlock
	case err != nil && n == 0:
		if errors.Is(err, io.EOF) {
			return 0, nil // the stream's end, as read(2) says it
		}
		return 0, err
	}
	return n, nil
}

func deviceWrite(fd int, p []byte) (int, error) {
	d, err := deviceOf(fd)
	if err != nil {
		return 0, err
	}
	done := 0
	for done < len(p) {
		n, err := d.d.Write(p[done:])
		done += n
		if err == ErrWouldBlock || (err == nil && n == 0) {
			return done, errWouldBlock
		}
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

func deviceClose(fd int) error {
	d, err := deviceOf(fd)
	if err != nil {
		return err
	}
	delete(devices.m, fd)
	return d.d.Close()
}

// own registers s to be closed with the loop (Loop.Close) if nobody closes
// it first: a pipe or device stream left open must not outlive its loop.
func (l *Loop) own(s *sock) {
	if l.ownedStreams == nil {
		l.ownedStreams = map[*sock]struct{}{}
	}
	l.ownedStreams[s] = struct{}{}
}
