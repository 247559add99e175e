package asyncio

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
)

// Streams: asyncio.StreamReader and asyncio.StreamWriter over a raw
// non-blocking socket.
//
// A connection is one sock; its StreamReader and StreamWriter are two views of
// it, allocated with it, as CPython returns them: (reader, writer). Every
// system call is tried first; only EAGAIN makes the task wait, through
// WaitReadable or WaitWritable (the edge-triggered protocol of io.go). No
// goroutine is attached to a connection: a task that reads suspends in its own
// coroutine, and the loop's poller wakes it.
//
// Reading goes through a per-connection buffer (readBuffer) that is allocated
// on the first read and reused, so a read in steady state allocates only the
// slice it returns (ReadInto allocates nothing). Each read method is a loop of
// "step, fill": a step parses what is buffered without I/O and says whether it
// needs more, and fill reads once from the socket. The steps are what the fuzz
// tests drive.
//
// Writing tries the socket directly when nothing is buffered (MicroPython's
// write) and buffers only what the kernel did not take. There is no
// background writer: Drain sends the buffered bytes, suspending while the
// socket refuses them, so a writer that drains holds at most one Write's worth
// of bytes beyond what the kernel holds. Close sends what is left from a short
// task of its own, so closing never loses bytes and never leaks the socket.

// DefaultLimit is the default limit of a StreamReader (CPython's
// asyncio.streams._DEFAULT_LIMIT, 64 KiB): ReadLine and ReadUntil return a
// *LimitOverrunError rather than buffer more than this without finding the
// separator.
const DefaultLimit = 64 << 10

const (
	readBufferMin   = 4 << 10  // a reader's first buffer
	readRoomMin     = 1 << 10  // the least room a fill reads into
	readBufferKeep  = 64 << 10 // an empty buffer larger than this is released
	writeBufferKeep = 64 << 10 // likewise for the writer
)

// errWouldBlock is what the system call wrappers (sockets_*.go) return for
// EAGAIN: the caller waits for the descriptor and tries again.
var errWouldBlock = errors.New("asyncio: operation would block")

// IncompleteReadError is returned by ReadExactly and ReadUntil when the stream
// ends first (asyncio.IncompleteReadError). It matches io.ErrUnexpectedEOF
// with errors.Is.
type IncompleteReadError struct {
	Partial  []byte // the bytes that arrived before the end; they are consumed
	Expected int    // the length ReadExactly wanted, or -1 for ReadUntil
}

func (e *IncompleteReadError) Error() string {
	want := "the separator"
	if e.Expected >= 0 {
		want = strconv.Itoa(e.Expected) + " bytes"
	}
	return fmt.Sprintf("asyncio: stream ended after %d bytes, before %s", len(e.Partial), want)
}

// Is reports true for io.ErrUnexpectedEOF.
func (e *IncompleteReadError) Is(target error) bool { return target == io.ErrUnexpectedEOF }

// LimitOverrunError is returned by ReadUntil and ReadLine when more than the
// reader's limit of bytes would precede the separator
// (asyncio.LimitOverrunError).
type LimitOverrunError struct {
	Found    bool // the separator is buffered, but further than the limit
	Consumed int  // CPython's consumed: how far ReadUntil looked (see ReadUntil)
	Limit    int  // the reader's limit
}

func (e *LimitOverrunError) Error() string {
	if e.Found {
		return fmt.Sprintf("asyncio: separator found %d bytes in, beyond the stream's limit of %d; "+
			"raise it with StreamReader.SetLimit or read the data with Read", e.Consumed, e.Limit)
	}
	return fmt.Sprintf("asyncio: separator not found within the stream's limit of %d bytes; "+
		"raise it with StreamReader.SetLimit or read the data with Read", e.Limit)
}

// sock is the connected socket a StreamReader and StreamWriter share. The
// loop goroutine owns every field.
type sock struct {
	loop       *Loop
	fd         int    // -1 once closed
	network    string // "tcp" or "unix", for errors
	host       string // the host name OpenConnection was given: TLS's default ServerName
	local      net.Addr
	peer       net.Addr
	closing    bool          // StreamWriter.Close was called: reads and writes are refused
	closed     Event         // set when fd has been closed
	tls        *tls.Conn     // non-nil once a TLS handshake succeeded: data goes through it
	raw        *tlsTransport // what tls reads and writes through
	r          StreamReader
	w          StreamWriter
	streak     int   // reads in a row that found data without suspending (fairness)
	drained    bool  // the last read was short: the socket was empty, so wait before reading again
	closeAtEOF bool  // a pipe's read end (OpenFile): the descriptor closes when the end is read
	abortErr   error // the failed send that closed the socket (abort): what reads then return

	tlsLimits tlsLimits // the TLS handshake and shutdown timeouts the options gave
}

// fairReads is how many reads in a row may find data without suspending
// before the reader yields once to the other tasks. Reading a socket that
// always has data would otherwise never suspend and starve the loop; CPython
// and MicroPython suspend on every refill, which costs a switch per read.
const fairReads = 16

func newSock(l *Loop, fd int, network string, limit int) *sock {
	s := &sock{loop: l, fd: fd, network: network}
	s.local, s.peer = sysSockName(fd, network, false), sysSockName(fd, network, true)
	s.r.s, s.w.s = s, s
	s.r.SetLimit(limit)
	return s
}

func (s *sock) isClosed() bool { return s.closing || s.fd < 0 }

// close releases the descriptor: ForgetFD first, so tasks waiting on it wake
// (and see fd < 0), then the system call.
func (s *sock) close() error {
	if s.fd < 0 {
		return nil
	}
	fd := s.fd
	s.fd = -1
	delete(s.loop.ownedStreams, s)
	s.loop.ForgetFD(fd)
	err := sysClose(fd)
	s.closed.Set()
	return err
}

// abort closes the socket after a failed send (StreamWriter.fail): a task
// suspended reading it wakes and gets err, and so does every later read,
// once the bytes already buffered are read.
func (s *sock) abort(err error) {
	if s.fd < 0 {
		return
	}
	s.abortErr = err
	s.close()
}

// opError wraps a failed system call the way package net does, so the message
// names the connection and errors.Is finds the errno (syscall.ECONNRESET).
func (s *sock) opError(op string, err error) error {
	if errno, ok := err.(syscall.Errno); ok {
		err = os.NewSyscallError(op, errno)
	}
	return &net.OpError{Op: op, Net: s.network, Source: s.local, Addr: s.peer, Err: err}
}

// read reads at least one byte into p, suspending until some arrive. At the
// end of the stream it returns io.EOF (possibly with n > 0 under TLS).
func (s *sock) read(ctx context.Context, p []byte) (int, error) {
	if s.isClosed() {
		return 0, s.closedError()
	}
	if s.tls != nil {
		s.raw.ctx = ctx
		n, err := s.tls.Read(p)
		s.raw.ctx = nil
		return n, unwrapInterrupted(err)
	}
	return s.rawRead(ctx, p)
}

// rawRead is read on the socket itself (under TLS: the ciphertext).
func (s *sock) rawRead(ctx context.Context, p []byte) (int, error) {
	if s.streak++; s.streak > fairReads {
		s.streak = 0
		if err := Sleep(ctx, 0); err != nil {
			return 0, err
		}
	}
	for {
		if s.drained && !s.loop.fdHungUp(s.fd) {
			// A short read emptied the socket; any byte (or FIN) that
			// arrived since raised a new edge, so waiting first saves a read
			// that would only say EAGAIN: one system call per request and
			// response. A hang-up the loop already saw raises no new edge,
			// so then we read.
			s.drained = false
			if err := s.waitReadable(ctx); err != nil {
				return 0, err
			}
		}
		n, err := sysRead(s.fd, p)
		switch {
		case err == nil && n == 0:
			if s.closeAtEOF {
				s.close() // nothing more can come: release the pipe
			}
			return 0, io.EOF
		case err == nil:
			s.drained = n < len(p)
			return n, nil
		case err != errWouldBlock:
			return 0, s.opError("read", err)
		}
		s.drained = true
	}
}

func (s *sock) waitReadable(ctx context.Context) error {
	s.streak = 0
	err := WaitReadable(ctx, s.fd)
	if s.isClosed() && !isInterruption(err) {
		return s.closedError() // Close or an abort woke us
	}
	return err
}

// closedError is what a read of a closed socket returns: the failed send
// that aborted it, or net.ErrClosed.
func (s *sock) closedError() error {
	if s.abortErr != nil {
		return s.abortErr
	}
	return s.opError("read", net.ErrClosed)
}

// isInterruption tells a wait that was cut short (cancellation, timeout),
// after which the stream is still usable, from a broken connection.
func isInterruption(err error) bool { return isCancelled(err) || err == ErrTimeout }
