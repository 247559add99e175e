package asyncio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
)

// StreamWriter writes to a connection (asyncio.StreamWriter).
//
// Write never suspends and makes no system call: it buffers the bytes, and the
// loop sends everything a connection buffered during an iteration in one
// write before it next polls (writeflush.go), so replies to pipelined
// requests leave together and a lone reply leaves as soon as its task
// suspends. Drain is asyncio's flow control: it returns at once while less
// than 64 KiB is buffered, and otherwise sends the buffer, suspending while
// the socket is full. Call Drain after writing, as asyncio asks. Every method
// is loop goroutine only, and the ones with a ctx must be called from a task
// with its ctx.
type StreamWriter struct {
	s      *sock
	buf    []byte // bytes the socket has not taken yet: buf[off:]
	off    int
	err    error           // the connection error a write met; sticky
	queued bool            // on the loop's flush list (writeflush.go)
	eof    eofState        // WriteEOF's progress
	closer *Task[struct{}] // started by Close to send what is buffered, then close
}

type eofState uint8

const (
	eofNone    eofState = iota
	eofPending          // WriteEOF was called with bytes buffered: Drain shuts down after them
	eofSent             // the sending side is shut down
)

// Write queues b to be sent (writer.write): the loop sends it, with whatever
// else the connection buffers meanwhile, before it next waits for events. It
// never suspends and keeps no reference to b. It returns an error, and sends
// nothing, after Close or WriteEOF (matching net.ErrClosed) or once the
// connection has failed (a failure found by a send the loop made is reported
// by the next Write or Drain). Loop goroutine only.
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

// fail records a failed send and aborts the connection, as an asyncio
// transport does on a write error (_fatal_error): the socket closes, and a
// task waiting to read it wakes with this error instead of waiting for
// bytes that cannot come. The error is kept for the next Write or Drain.
func (w *StreamWriter) fail(err error) {
	w.err = w.s.opError("write", err)
	w.s.abort(w.err)
}

// writeRaw is Write on the socket itself (under TLS: the ciphertext).
func (w *StreamWriter) writeRaw(b []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.off == len(w.buf) && len(b) >= writeHighWater {
		// A large write with nothing queued goes straight to the kernel,
		// without the copy.
		n, err := sysWrite(w.s.fd, b)
		b = b[n:]
		if err != nil && err != errWouldBlock {
			w.fail(err)
			return w.err
		}
		if len(b) == 0 {
			return nil
		}
	}
	if w.off > 0 && w.off >= len(w.buf)/2 {
		w.buf, w.off = w.buf[:copy(w.buf, w.buf[w.off:])], 0
	}
	w.buf = append(w.buf, b...)
	if w.Buffered() >= writeHighWater {
		w.flushOut() // keep the buffer bounded: send now, or wait for writable
		return nil
	}
	w.queue()
	return nil
}

// Buffered returns the number of bytes written and not yet taken by the
// socket (transport.get_write_buffer_size()). Loop goroutine only.
func (w *StreamWriter) Buffered() int { return len(w.buf) - w.off }

// Drain waits until it is appropriate to write again (writer.drain()): with
// less than 64 KiB buffered it returns at once, without suspending (the loop
// sends those bytes before it next polls); otherwise it sends the buffer,
// suspending while the socket is full, and returns the CancelledError if the
// task is cancelled meanwhile (the bytes stay buffered). It returns the connection's error if a write or a read found the
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
	case w.Buffered() < writeHighWater:
		return nil // the loop sends it before it next polls
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
			w.fail(err)
			return w.err
		}
	}
	w.sent()
	return w.err
}

// CanWriteEOF reports whether WriteEOF is possible (writer.can_write_eof()):
// true for TCP and Unix sockets, false under TLS and for OpenFile's streams
// (a pipe ends with Close). Loop goroutine only.
func (w *StreamWriter) CanWriteEOF() bool {
	return w.s.tls == nil && w.s.network != "file" && w.s.network != "device"
}

// WriteEOF shuts down the sending side once the buffered bytes are sent
// (writer.write_eof()): the peer reads the end of the stream and can still
// send. It never suspends: with bytes buffered, the end follows them when the
// loop (or a Drain) has sent them. Writes after it fail. Calling it twice
// does nothing. Loop goroutine only.
func (w *StreamWriter) WriteEOF() error {
	switch {
	case w.s.network == "file" || w.s.network == "device":
		return errors.New("asyncio: StreamWriter.WriteEOF on a file stream (OpenFile); a pipe's reader sees the end when the writer closes: use Close")
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
	if w.Buffered() > 0 && s.fd >= 0 && !s.loop.closed.Load() {
		w.flushOut() // what the kernel takes now needs no closing task
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
	return struct{}{}, w.s.closingFlush(ctx) // tls.go: bounded under TLS
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
