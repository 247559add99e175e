//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Streams over any pollable descriptor: pipes, FIFOs, terminals, character
// devices (CPython's connect_read_pipe / connect_write_pipe, MicroPython's
// streams over a UART). The stream code is the sockets' own; only the
// descriptor differs.

// OpenFile takes f over and returns a StreamReader and StreamWriter on its
// descriptor, set non-blocking and watched by the loop (CPython's
// connect_read_pipe and connect_write_pipe take the pipe over too): f may
// be a pipe (either end), a FIFO, a terminal, a character device or a
// socket. Use the reader of a read end and the writer of a write end; the
// other one's operations fail. f is closed at once (the streams hold a
// duplicate of its descriptor, which is then the only one), so
// StreamWriter.Close, after sending what is buffered, is the pipe reader's
// end of file. A pipe's read end closes its descriptor when the reader
// reaches the end; to give it up earlier, call Close on the returned
// writer (which is the stream's Close). On an error f is left open.
//
// A regular file or a directory cannot be watched (it is always "ready", and
// epoll refuses it): OpenFile returns an error that says to read it with
// ToThread instead. It never suspends. Must be called from a task, with its
// ctx.
func OpenFile(ctx context.Context, f *os.File) (*StreamReader, *StreamWriter, error) {
	l := currentTask(ctx, "OpenFile").loop
	if f == nil {
		misuse("OpenFile called with a nil *os.File; pass an open pipe, terminal or device")
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, nil, fmt.Errorf("asyncio: OpenFile(%s): %w", f.Name(), err)
	}
	fd, fifo := -1, false
	var opErr error
	if err := rc.Control(func(raw uintptr) {
		var st unix.Stat_t
		if opErr = unix.Fstat(int(raw), &st); opErr != nil {
			return
		}
		mode := st.Mode & unix.S_IFMT
		if mode == unix.S_IFREG || mode == unix.S_IFDIR {
			opErr = errNotPollable
			return
		}
		fifo = mode == unix.S_IFIFO
		fd, opErr = unix.Dup(int(raw))
	}); err != nil {
		return nil, nil, fmt.Errorf("asyncio: OpenFile(%s): %w", f.Name(), err)
	}
	if opErr != nil {
		return nil, nil, fmt.Errorf("asyncio: OpenFile(%s): %w", f.Name(), opErr)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("asyncio: OpenFile(%s): %w", f.Name(), err)
	}
	if _, err := l.fdFor(fd, false); err != nil { // watchable? (epoll refuses some descriptors)
		unix.Close(fd)
		return nil, nil, fmt.Errorf("asyncio: OpenFile(%s): %w", f.Name(), err)
	}
	f.Close() // the duplicate is the descriptor now: the writer's Close ends the pipe
	s := newSock(l, fd, "file", DefaultLimit)
	l.own(s)
	s.closeAtEOF = fifo // nothing can follow a pipe's end: its descriptor closes there
	return &s.r, &s.w, nil
}

// errNotPollable explains why a regular file cannot be a stream.
var errNotPollable = errors.New("a regular file or directory cannot be watched for readiness (it is always ready); " +
	"read it with ToThread (for example os.ReadFile) instead")
