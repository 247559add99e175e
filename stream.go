package asyncio

import (
	"bytes"
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
	loop    *Loop
	fd      int    // -1 once closed
	network string // "tcp" or "unix", for errors
	host    string // the host name OpenConnection was given: TLS's default ServerName
	local   net.Addr
	peer    net.Addr
	closing bool          // StreamWriter.Close was called: reads and writes are refused
	closed  Event         // set when fd has been closed
	tls     *tls.Conn     // non-nil once a TLS handshake succeeded: data goes through it
	raw     *tlsTransport // what tls reads and writes through
	r       StreamReader
	w       StreamWriter
	streak  int  // reads in a row that found data without suspending (fairness)
	drained bool // the last read was short: the socket was empty, so wait before reading again
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
	s.loop.ForgetFD(fd)
	err := sysClose(fd)
	s.closed.Set()
	return err
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
		return 0, s.opError("read", net.ErrClosed)
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
		return s.opError("read", net.ErrClosed) // Close woke us
	}
	return err
}

// isInterruption tells a wait that was cut short (cancellation, timeout),
// after which the stream is still usable, from a broken connection.
func isInterruption(err error) bool { return isCancelled(err) || err == ErrTimeout }

// StreamReader reads from a connection (asyncio.StreamReader). It is made by
// OpenConnection, OpenUnixConnection and the servers, together with the
// StreamWriter of the same connection.
//
// The read methods suspend the calling task only when the bytes buffered so
// far cannot answer them, and only then can they return the CancelledError
// (or ErrTimeout under a Timeout); an interrupted read loses nothing, since
// what has arrived stays buffered. One task reads a stream at a time: a second
// read while one is suspended panics, as CPython raises RuntimeError. Bytes
// that arrived before a connection error are returned before the error. Every
// method is loop goroutine only, and the ones with a ctx must be called from a
// task with its ctx.
type StreamReader struct {
	s     *sock      // nil only in tests that drive the parsing steps directly
	buf   readBuffer // received and not yet returned
	limit int        // see SetLimit
	eof   bool       // the peer has finished sending: nothing follows buf
	err   error      // the connection error a read met; sticky
	busy  string     // the read in progress ("" if none): one reader at a time
}

// SetLimit sets how many bytes ReadLine and ReadUntil may buffer before the
// separator (the limit argument of open_connection); n <= 0 means
// DefaultLimit. Loop goroutine only.
func (r *StreamReader) SetLimit(n int) {
	if n <= 0 {
		n = DefaultLimit
	}
	r.limit = n
}

// Limit returns the limit set with SetLimit.
func (r *StreamReader) Limit() int { return r.limit }

// AtEOF reports whether the peer has finished sending and every byte has been
// read (reader.at_eof()). It never suspends. Loop goroutine only.
func (r *StreamReader) AtEOF() bool { return r.eof && r.buf.len() == 0 }

// Read returns up to n bytes (reader.read(n)). With buffered bytes it returns
// them at once, without suspending; otherwise it suspends until some arrive.
// At the end of the stream it returns io.EOF (CPython returns b"").
//
// With n < 0 it reads until the end of the stream and returns everything,
// with a nil error, like io.ReadAll. With n == 0 it returns an empty slice at
// once. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) Read(ctx context.Context, n int) ([]byte, error) {
	if n == 0 {
		return []byte{}, nil
	}
	return r.run(ctx, "Read", func() ([]byte, bool, error) { return r.stepRead(n) })
}

// ReadExactly returns exactly n bytes (reader.readexactly(n)), suspending
// until they have all arrived. If the stream ends first it returns an
// *IncompleteReadError, which matches io.ErrUnexpectedEOF and holds the
// partial bytes. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) ReadExactly(ctx context.Context, n int) ([]byte, error) {
	if n < 0 {
		misuse("StreamReader.ReadExactly called with n = %d; n must not be negative", n)
	}
	return r.run(ctx, "ReadExactly", func() ([]byte, bool, error) { return r.stepExactly(n) })
}

// ReadLine returns the next line, including its "\n" (reader.readline()).
// At the end of the stream it returns the last bytes without "\n" if there
// are any, then io.EOF. A line longer than the limit yields a
// *LimitOverrunError, and, as in CPython, the line's buffered bytes are
// discarded (up to and including its "\n" if it has arrived), so the stream
// stays usable. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) ReadLine(ctx context.Context) ([]byte, error) {
	offset := 0
	return r.run(ctx, "ReadLine", func() ([]byte, bool, error) { return r.stepLine(&offset) })
}

// ReadUntil returns the bytes up to and including sep (reader.readuntil).
// If the stream ends first it returns an *IncompleteReadError holding what
// was left (consumed). If more than the limit of bytes would come before sep,
// it returns a *LimitOverrunError and, as in CPython, leaves the bytes
// buffered: read them with Read, or raise the limit and try again. Loop
// goroutine only, from a task with its ctx.
func (r *StreamReader) ReadUntil(ctx context.Context, sep []byte) ([]byte, error) {
	if len(sep) == 0 {
		misuse("StreamReader.ReadUntil called with an empty separator; pass at least one byte")
	}
	offset := 0
	return r.run(ctx, "ReadUntil", func() ([]byte, bool, error) { return r.stepUntil(sep, &offset) })
}

// ReadInto reads up to len(p) bytes into p (MicroPython's readinto) and
// returns how many. It copies buffered bytes without suspending; with none
// buffered it reads from the socket straight into p, suspending until some
// arrive. At the end of the stream it returns 0, io.EOF. It allocates
// nothing. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) ReadInto(ctx context.Context, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.enter("ReadInto")
	defer r.exit()
	switch {
	case r.buf.len() > 0:
		n := copy(p, r.buf.bytes())
		r.buf.consume(n)
		return n, nil
	case r.eof:
		return 0, io.EOF
	case r.err != nil:
		return 0, r.err
	}
	n, err := r.readSome(ctx, p)
	if n == 0 && err == nil && r.eof {
		return 0, io.EOF
	}
	return n, err
}

// run is the loop every read method shares: step; if the step needs more
// bytes, fill once and step again.
func (r *StreamReader) run(ctx context.Context, op string, step func() ([]byte, bool, error)) ([]byte, error) {
	r.enter(op)
	defer r.exit()
	for {
		data, more, err := step()
		if !more {
			return data, err
		}
		if err := r.fill(ctx); err != nil {
			return nil, err
		}
	}
}

func (r *StreamReader) enter(op string) {
	if r.busy != "" {
		misuse("StreamReader.%s called while another task is in StreamReader.%s on the same stream; "+
			"only one task may read a stream at a time", op, r.busy)
	}
	r.busy = op
}

func (r *StreamReader) exit() { r.busy = "" }

// fill reads once from the connection into the buffer, suspending until
// something arrives.
func (r *StreamReader) fill(ctx context.Context) error {
	if r.err != nil {
		return r.err
	}
	n, err := r.readSome(ctx, r.buf.free())
	r.buf.commit(n)
	return err
}

// readSome reads into p and records the end of the stream (returning 0, nil)
// and connection errors (sticky; an interrupted wait is not).
func (r *StreamReader) readSome(ctx context.Context, p []byte) (int, error) {
	n, err := r.s.read(ctx, p)
	switch {
	case err == io.EOF:
		r.eof, err = true, nil
	case err != nil && !isInterruption(err):
		r.err = err
	}
	return n, err
}

// The parsing steps. Each looks only at the buffer, the EOF flag and the
// limit, never suspends, and returns more = true when it needs another fill.

func (r *StreamReader) stepRead(n int) ([]byte, bool, error) {
	avail := r.buf.len()
	switch {
	case n < 0 && r.eof:
		return r.buf.take(avail), false, nil
	case n < 0:
		return nil, true, nil
	case avail > 0:
		return r.buf.take(min(n, avail)), false, nil
	case r.eof:
		return nil, false, io.EOF
	}
	return nil, true, nil
}

func (r *StreamReader) stepExactly(n int) ([]byte, bool, error) {
	avail := r.buf.len()
	switch {
	case avail >= n:
		return r.buf.take(n), false, nil
	case r.eof:
		return nil, false, &IncompleteReadError{Partial: r.buf.take(avail), Expected: n}
	}
	return nil, true, nil
}

// stepUntil is CPython's readuntil. offset is where the search resumes: bytes
// before it were searched already and hold no separator.
func (r *StreamReader) stepUntil(sep []byte, offset *int) ([]byte, bool, error) {
	data := r.buf.bytes()
	if len(data)-*offset >= len(sep) {
		isep := bytes.Index(data[*offset:], sep)
		if isep >= 0 {
			isep += *offset
			if isep > r.limit {
				return nil, false, &LimitOverrunError{Found: true, Consumed: isep, Limit: r.limit}
			}
			return r.buf.take(isep + len(sep)), false, nil
		}
		*offset = len(data) + 1 - len(sep)
		if *offset > r.limit {
			return nil, false, &LimitOverrunError{Consumed: *offset, Limit: r.limit}
		}
	}
	if r.eof {
		return nil, false, &IncompleteReadError{Partial: r.buf.take(len(data)), Expected: -1}
	}
	return nil, true, nil
}

var newline = []byte{'\n'}

// stepLine is CPython's readline: readuntil("\n"), with the end of the
// stream giving the partial line and an overrun discarding the line.
func (r *StreamReader) stepLine(offset *int) ([]byte, bool, error) {
	line, more, err := r.stepUntil(newline, offset)
	switch e := err.(type) {
	case *IncompleteReadError:
		if len(e.Partial) == 0 {
			return nil, false, io.EOF
		}
		return e.Partial, false, nil
	case *LimitOverrunError:
		if rest := r.buf.bytes()[e.Consumed:]; len(rest) > 0 && rest[0] == '\n' {
			r.buf.consume(e.Consumed + 1)
		} else {
			r.buf.consume(r.buf.len())
		}
	}
	return line, more, err
}

// readBuffer holds the bytes received and not yet returned: data[start:end].
// The slice is allocated on the first fill and reused; it grows only when a
// line needs it and is released when a large one empties.
type readBuffer struct {
	data       []byte
	start, end int
}

func (b *readBuffer) len() int      { return b.end - b.start }
func (b *readBuffer) bytes() []byte { return b.data[b.start:b.end] }

// take returns a copy of the first n buffered bytes and consumes them.
func (b *readBuffer) take(n int) []byte {
	p := make([]byte, n)
	copy(p, b.data[b.start:])
	b.consume(n)
	return p
}

func (b *readBuffer) consume(n int) {
	b.start += n
	if b.start == b.end {
		b.start, b.end = 0, 0
		if cap(b.data) > readBufferKeep {
			b.data = nil
		}
	}
}

// free returns the space after the buffered bytes, making room first if
// there is less than readRoomMin: moving the bytes down if that frees at
// least half, else doubling.
func (b *readBuffer) free() []byte {
	switch {
	case b.data == nil:
		b.data = make([]byte, readBufferMin)
	case len(b.data)-b.end >= readRoomMin:
	case b.len() <= len(b.data)/2:
		b.end = copy(b.data, b.bytes())
		b.start = 0
	default:
		grown := make([]byte, 2*len(b.data))
		b.end = copy(grown, b.bytes())
		b.start, b.data = 0, grown
	}
	return b.data[b.end:]
}

func (b *readBuffer) commit(n int) { b.end += n }

// feed appends p, as fills would: for tests.
func (b *readBuffer) feed(p []byte) {
	for len(p) > 0 {
		n := copy(b.free(), p)
		b.commit(n)
		p = p[n:]
	}
}

// StreamWriter writes to a connection (asyncio.StreamWriter).
//
// Write never suspends: it hands the bytes to the socket at once when nothing
// is buffered, and buffers what the kernel does not take. Drain sends the
// buffered bytes, suspending while the socket is full. Call Drain after
// writing, as asyncio asks; a task that drains holds at most one Write's worth
// of bytes beyond what the kernel holds. Every method is loop goroutine only,
// and the ones with a ctx must be called from a task with its ctx.
type StreamWriter struct {
	s      *sock
	buf    []byte // bytes the socket has not taken yet: buf[off:]
	off    int
	err    error           // the connection error a write met; sticky
	eof    eofState        // WriteEOF's progress
	closer *Task[struct{}] // started by Close to send what is buffered, then close
}

type eofState uint8

const (
	eofNone    eofState = iota
	eofPending          // WriteEOF was called with bytes buffered: Drain shuts down after them
	eofSent             // the sending side is shut down
)

// Write sends b, buffering what the socket does not take at once
// (writer.write). It never suspends and keeps no reference to b. It returns
// an error, and sends nothing, after Close or WriteEOF (matching
// net.ErrClosed) or once the connection has failed. Loop goroutine only.
func (w *StreamWriter) Write(b []byte) error {
	switch {
	case w.s.closing:
		return w.misuse("Write", "Close", "the stream is closed; open a new connection")
	case w.eof != eofNone:
		return w.misuse("Write", "WriteEOF", "the sending side is shut down")
	case w.s.tls != nil:
		_, err := w.s.tls.Write(b)
		return err
	}
	return w.writeRaw(b)
}

func (w *StreamWriter) misuse(op, after, what string) error {
	return fmt.Errorf("asyncio: StreamWriter.%s called after %s (%s): %w", op, after, what, net.ErrClosed)
}

// writeRaw is Write on the socket itself (under TLS: the ciphertext).
func (w *StreamWriter) writeRaw(b []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.off == len(w.buf) {
		n, err := sysWrite(w.s.fd, b)
		b = b[n:]
		if err != nil && err != errWouldBlock {
			w.err = w.s.opError("write", err)
			return w.err
		}
	}
	if len(b) > 0 {
		if w.off > 0 && w.off >= len(w.buf)/2 {
			w.buf, w.off = w.buf[:copy(w.buf, w.buf[w.off:])], 0
		}
		w.buf = append(w.buf, b...)
	}
	return nil
}

// Buffered returns the number of bytes written and not yet taken by the
// socket (transport.get_write_buffer_size()). Loop goroutine only.
func (w *StreamWriter) Buffered() int { return len(w.buf) - w.off }

// Drain waits until every buffered byte has been handed to the kernel
// (writer.drain()). With nothing buffered it returns at once, without
// suspending; otherwise it suspends while the socket is full, and returns the
// CancelledError if the task is cancelled meanwhile (the bytes stay
// buffered). It returns the connection's error if a write or a read found the
// connection broken (ECONNRESET, EPIPE), and an error after Close (WaitClosed
// is the wait there). Several tasks may drain at once. Loop goroutine only,
// from a task with its ctx.
func (w *StreamWriter) Drain(ctx context.Context) error {
	switch {
	case w.s.closing:
		return w.misuse("Drain", "Close", "use WaitClosed to wait until buffered bytes are sent")
	case w.err != nil:
		return w.err
	case w.s.r.err != nil:
		return w.s.r.err
	}
	return w.flush(ctx)
}

func (w *StreamWriter) flush(ctx context.Context) error {
	for w.off < len(w.buf) {
		if w.err != nil {
			return w.err
		}
		n, err := sysWrite(w.s.fd, w.buf[w.off:])
		w.off += n
		switch {
		case err == errWouldBlock:
			err = WaitWritable(ctx, w.s.fd)
			if w.s.fd < 0 || (err != nil && w.s.closing && !isInterruption(err)) {
				return w.s.opError("write", net.ErrClosed) // Close woke us
			}
			if err != nil {
				return err
			}
		case err != nil:
			w.err = w.s.opError("write", err)
			return w.err
		}
	}
	w.buf, w.off = w.buf[:0], 0
	if cap(w.buf) > writeBufferKeep {
		w.buf = nil
	}
	if w.eof == eofPending {
		w.eof = eofSent
		if err := sysShutdownWrite(w.s.fd); err != nil {
			w.err = w.s.opError("shutdown", err)
		}
	}
	return w.err
}

// CanWriteEOF reports whether WriteEOF is possible (writer.can_write_eof()):
// true for TCP and Unix sockets, false under TLS. Loop goroutine only.
func (w *StreamWriter) CanWriteEOF() bool { return w.s.tls == nil }

// WriteEOF shuts down the sending side once the buffered bytes are sent
// (writer.write_eof()): the peer reads the end of the stream and can still
// send. It never suspends: with bytes buffered, the next Drain sends the end
// after them. Writes after it fail. Calling it twice does nothing. Loop
// goroutine only.
func (w *StreamWriter) WriteEOF() error {
	switch {
	case !w.CanWriteEOF():
		return errors.New("asyncio: StreamWriter.WriteEOF on a TLS stream; TLS cannot half-close, use Close")
	case w.s.closing:
		return w.misuse("WriteEOF", "Close", "the stream is closed")
	case w.eof != eofNone:
		return nil
	case w.Buffered() > 0:
		w.eof = eofPending
		return nil
	}
	w.eof = eofSent
	if err := sysShutdownWrite(w.s.fd); err != nil {
		return w.s.opError("shutdown", err)
	}
	return nil
}

// Close closes the connection (writer.close()). It never suspends. Bytes
// still buffered are sent first, by a short task of the writer's own, and the
// socket closes after them (or at once if the connection has failed);
// WaitClosed waits for that. Afterwards reads and writes return an error
// matching net.ErrClosed, and tasks suspended in them wake with it. Closing a
// closed writer does nothing. Loop goroutine only.
func (w *StreamWriter) Close() error {
	s := w.s
	if s.closing {
		return nil
	}
	if s.tls != nil {
		s.tls.Close() // queues the close_notify alert; the socket stays ours
	}
	s.closing = true
	if w.Buffered() == 0 || w.err != nil || s.fd < 0 || s.loop.closed.Load() {
		return s.close()
	}
	s.loop.ForgetFD(s.fd) // wake the tasks suspended on the stream; the closer watches it anew
	w.closer = createTask(s.loop, context.Background(), w.flushAndClose, []string{"close " + s.name()})
	w.closer.retrieved = true // its error goes to WaitClosed, or nowhere
	return nil
}

func (w *StreamWriter) flushAndClose(ctx context.Context) (struct{}, error) {
	defer w.s.close()
	return struct{}{}, w.flush(ctx)
}

// WaitClosed waits until the connection is closed (writer.wait_closed()). It
// returns at once if it is. Otherwise it suspends until Close has sent the
// buffered bytes and closed the socket, and returns the error sending met; if
// the task is cancelled meanwhile, it returns the CancelledError and the
// socket closes at once, dropping what was left. Before Close, it waits for
// some task to call it. Loop goroutine only, from a task with its ctx.
func (w *StreamWriter) WaitClosed(ctx context.Context) error {
	if w.closer != nil {
		_, err := w.closer.Await(ctx)
		return err
	}
	return w.s.closed.Wait(ctx)
}

// IsClosing reports whether Close has been called (writer.is_closing()).
// Loop goroutine only.
func (w *StreamWriter) IsClosing() bool { return w.s.closing }

// GetExtraInfo returns information about the connection
// (writer.get_extra_info(name)), or nil for an unknown name:
//
//   - "peername", "sockname": the remote and local address, a net.Addr
//     (*net.TCPAddr or *net.UnixAddr);
//   - "socket": the file descriptor, an int (-1 once closed);
//   - "ssl_object": the *tls.Conn, and "peercert": the peer's leaf
//     *x509.Certificate, under TLS.
//
// Loop goroutine only.
func (w *StreamWriter) GetExtraInfo(name string) any {
	s := w.s
	switch name {
	case "peername":
		return s.peer
	case "sockname":
		return s.local
	case "socket":
		return s.fd
	case "ssl_object":
		if s.tls != nil {
			return s.tls
		}
	case "peercert":
		if s.tls != nil {
			if certs := s.tls.ConnectionState().PeerCertificates; len(certs) > 0 {
				return certs[0]
			}
		}
	}
	return nil
}

// name describes the connection for task names: the peer's address, or the
// local one for an unnamed Unix peer.
func (s *sock) name() string {
	for _, a := range []net.Addr{s.peer, s.local} {
		if a != nil && a.String() != "" {
			return a.String()
		}
	}
	return s.network
}

// IO returns an io.Reader over the stream, for code written against
// io.Reader (bufio, encoding/json, io.Copy): each Read is ReadInto with ctx,
// so it suspends the task, never the loop. Loop goroutine only: use it from
// the task ctx belongs to.
func (r *StreamReader) IO(ctx context.Context) io.Reader { return &readerIO{ctx, r} }

// IO returns an io.Writer over the stream: each Write is Write then Drain
// with ctx, so a slow peer suspends the task instead of growing the buffer.
// Loop goroutine only: use it from the task ctx belongs to.
func (w *StreamWriter) IO(ctx context.Context) io.Writer { return &writerIO{ctx, w} }

type readerIO struct {
	ctx context.Context
	r   *StreamReader
}

func (x *readerIO) Read(p []byte) (int, error) { return x.r.ReadInto(x.ctx, p) }

type writerIO struct {
	ctx context.Context
	w   *StreamWriter
}

func (x *writerIO) Write(p []byte) (int, error) {
	if err := x.w.Write(p); err != nil {
		return 0, err
	}
	if err := x.w.Drain(x.ctx); err != nil {
		return len(p), err
	}
	return len(p), nil
}
