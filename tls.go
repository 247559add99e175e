package asyncio

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// TLS on streams, through crypto/tls, and the net.Conn adapter.
//
// A tls.Conn needs a net.Conn under it: tlsTransport, the socket seen from
// inside a stream. tls.Conn guards its reading and writing halves with
// sync.Mutexes, and a task must never block its goroutine on a mutex that a
// suspended task holds (the loop would wait for it forever). The transport
// is built so that cannot happen:
//
//   - its Write never suspends (it is StreamWriter.writeRaw: to the socket,
//     or into the buffer that Drain sends), so tls holds its write mutex only
//     while the task runs, never across a switch;
//   - its Read suspends the task reading through tls, and one task reads a
//     stream at a time, so nobody else wants tls's read mutex meanwhile;
//   - the handshake completes before anyone else has the stream.
//
// The ctx tls reads with is set around each call into tls that can read.
// A cancellation that interrupts a read reaches tls as a temporary net.Error
// (ErrTimeout already is one), which tls does not record as the connection's
// permanent error: the partial record stays in tls's buffer and the next read
// goes on from it, as after a cancelled read on a plain stream.

type tlsTransport struct {
	s           *sock
	ctx         context.Context // the task reading through tls; nil between calls
	handshaking bool            // send what the handshake buffered before reading
}

func (t *tlsTransport) Read(p []byte) (int, error) {
	if t.handshaking {
		if err := t.s.w.flush(t.ctx); err != nil {
			return 0, interrupted(err)
		}
	}
	n, err := t.s.rawRead(t.ctx, p)
	return n, interrupted(err)
}

func (t *tlsTransport) Write(p []byte) (int, error) {
	if err := t.s.w.writeRaw(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (t *tlsTransport) Close() error         { return nil } // the stream closes the socket
func (t *tlsTransport) LocalAddr() net.Addr  { return t.s.local }
func (t *tlsTransport) RemoteAddr() net.Addr { return t.s.peer }

// Deadlines: tls sets one around its close_notify; writes here never block.
func (t *tlsTransport) SetDeadline(time.Time) error      { return nil }
func (t *tlsTransport) SetReadDeadline(time.Time) error  { return nil }
func (t *tlsTransport) SetWriteDeadline(time.Time) error { return nil }

// interruptedError carries a cancellation through tls as a temporary error.
type interruptedError struct{ err error }

func (e interruptedError) Error() string   { return e.err.Error() }
func (e interruptedError) Unwrap() error   { return e.err }
func (e interruptedError) Timeout() bool   { return false }
func (e interruptedError) Temporary() bool { return true }

func interrupted(err error) error {
	if err != nil && isCancelled(err) {
		return interruptedError{err}
	}
	return err
}

func unwrapInterrupted(err error) error {
	var ie interruptedError
	if errors.As(err, &ie) {
		return ie.err
	}
	return err
}

// StartTLS upgrades the connection to TLS, as the client (writer.start_tls):
// it sends what is buffered, then shakes hands, and from then on the same
// reader and writer carry the encrypted stream. If cfg.ServerName is empty,
// the host given to OpenConnection is used. The reader must hold no unread
// bytes. It suspends until the handshake completes and returns the
// CancelledError if the task is cancelled meanwhile. The handshake is bounded
// by the HandshakeTimeout of the StreamOptions the connection was opened with
// (DefaultHandshakeTimeout, 60 s, by default; the ServerOptions' for an
// accepted connection); past it StartTLS returns an error matching ErrTimeout.
// If it fails, the connection is closed. Loop goroutine only, from a task
// with its ctx.
func (w *StreamWriter) StartTLS(ctx context.Context, cfg *tls.Config) error {
	currentTask(ctx, "StreamWriter.StartTLS")
	if w.s.closing {
		return w.misuse("StartTLS", "Close", "the stream is closed")
	}
	return w.s.startTLS(ctx, cfg, false)
}

// DefaultHandshakeTimeout is how long a TLS handshake may take when the
// options leave HandshakeTimeout 0 (CPython's ssl_handshake_timeout).
const DefaultHandshakeTimeout = 60 * time.Second

// DefaultShutdownTimeout is how long closing a TLS stream may take when the
// options leave ShutdownTimeout 0 (CPython's ssl_shutdown_timeout).
const DefaultShutdownTimeout = 30 * time.Second

// tlsLimits are a connection's TLS timeouts as the options gave them (0: the
// default, Never: no bound).
type tlsLimits struct{ handshake, shutdown time.Duration }

func newTLSLimits(handshake, shutdown time.Duration) tlsLimits {
	if handshake < 0 || shutdown < 0 {
		misuse("negative TLS HandshakeTimeout or ShutdownTimeout (%v, %v); use 0 for the default or Never for no bound",
			handshake, shutdown)
	}
	return tlsLimits{handshake, shutdown}
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// tlsTimeout is the error of a handshake or a close that ran out of time.
func (s *sock) tlsTimeout(what string, d time.Duration) error {
	return fmt.Errorf("asyncio: TLS %s with %v did not complete within %v; the connection is closed: %w",
		what, s.name(), d, ErrTimeout)
}

// startTLS shakes hands over s, within the handshake timeout, and closes s on
// failure. Like CPython, the timeout ends the handshake with a timeout error
// (matching ErrTimeout), not a cancellation.
func (s *sock) startTLS(ctx context.Context, cfg *tls.Config, server bool) error {
	if cfg == nil {
		misuse("TLS requested with a nil *tls.Config; pass a config (tls.Config{} at least)")
	}
	d := orDefault(s.tlsLimits.handshake, DefaultHandshakeTimeout)
	err := Timeout(ctx, d, func(ctx context.Context) error { return s.handshake(ctx, cfg, server) })
	if err == ErrTimeout {
		err = s.tlsTimeout("handshake", d)
	}
	if err != nil {
		s.closing = true
		s.close()
	}
	return err
}

func (s *sock) handshake(ctx context.Context, cfg *tls.Config, server bool) error {
	switch {
	case s.tls != nil:
		return errors.New("asyncio: StartTLS on a stream that already uses TLS")
	case s.r.buf.len() > 0:
		return errors.New("asyncio: StartTLS with unread bytes in the StreamReader; " +
			"the peer must wait for the handshake before sending TLS data")
	}
	if err := s.w.flush(ctx); err != nil {
		return err
	}
	if !server && cfg.ServerName == "" && s.host != "" {
		cfg = cfg.Clone()
		cfg.ServerName = s.host
	}
	s.raw = &tlsTransport{s: s, ctx: ctx, handshaking: true}
	tc := tls.Client(s.raw, cfg)
	if server {
		tc = tls.Server(s.raw, cfg)
	}
	err := tc.Handshake() // not HandshakeContext: it would close the conn from another goroutine
	s.raw.handshaking = false
	if err == nil {
		err = s.w.flush(ctx) // the last flight: the peer may wait for it before speaking
	}
	s.raw.ctx = nil
	if err != nil {
		return unwrapInterrupted(err)
	}
	s.tls = tc
	return nil
}

// closingFlush is the flush of the task Close starts. Under TLS it is bounded
// by the shutdown timeout, since the peer may never read the bytes and the
// close_notify (CPython aborts the connection after ssl_shutdown_timeout);
// the socket closes when it returns either way.
func (s *sock) closingFlush(ctx context.Context) error {
	if s.tls == nil {
		return s.w.flush(ctx)
	}
	d := orDefault(s.tlsLimits.shutdown, DefaultShutdownTimeout)
	err := Timeout(ctx, d, s.w.flush)
	if err == ErrTimeout {
		err = s.tlsTimeout("shutdown", d)
	}
	return err
}

// NetConn returns a net.Conn over a connection's reader and writer, for code
// written against net.Conn. Read is ReadInto and Write is Write then Drain,
// both with ctx, so they suspend the task, never the loop; Close is the
// writer's Close. Deadlines work, measured on the loop's clock from each
// call; an expired one gives an error matching os.ErrDeadlineExceeded.
//
// Unlike most net.Conns it is not safe for concurrent use: every method is
// loop goroutine only, called from the task ctx belongs to. For TLS, prefer
// StreamOptions.TLS and StartTLS to tls.Client(NetConn(...)): a tls.Conn over
// NetConn is safe only while a single task uses it, since its Write suspends
// inside tls.
func NetConn(ctx context.Context, r *StreamReader, w *StreamWriter) net.Conn {
	if r.s != w.s {
		misuse("NetConn called with the reader of one connection and the writer of another")
	}
	return &streamConn{ctx: ctx, r: r, w: w}
}

type streamConn struct {
	ctx                  context.Context
	r                    *StreamReader
	w                    *StreamWriter
	rDeadline, wDeadline time.Time
}

func (c *streamConn) Read(p []byte) (n int, err error) {
	err = c.within(c.rDeadline, "read", func(ctx context.Context) error {
		n, err = c.r.ReadInto(ctx, p)
		return err
	})
	return n, err
}

func (c *streamConn) Write(p []byte) (int, error) {
	err := c.within(c.wDeadline, "write", func(ctx context.Context) error {
		if err := c.w.Write(p); err != nil {
			return err
		}
		return c.w.Drain(ctx)
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// within runs op under the deadline, if there is one.
func (c *streamConn) within(deadline time.Time, op string, fn func(context.Context) error) error {
	if deadline.IsZero() {
		return fn(c.ctx)
	}
	d := time.Until(deadline)
	err := ErrTimeout
	if d > 0 {
		err = Timeout(c.ctx, d, fn)
	}
	if err == ErrTimeout {
		return c.r.s.opError(op, os.ErrDeadlineExceeded)
	}
	return err
}

func (c *streamConn) Close() error                       { return c.w.Close() }
func (c *streamConn) LocalAddr() net.Addr                { return c.r.s.local }
func (c *streamConn) RemoteAddr() net.Addr               { return c.r.s.peer }
func (c *streamConn) SetReadDeadline(t time.Time) error  { c.rDeadline = t; return nil }
func (c *streamConn) SetWriteDeadline(t time.Time) error { c.wDeadline = t; return nil }
func (c *streamConn) SetDeadline(t time.Time) error {
	c.rDeadline, c.wDeadline = t, t
	return nil
}
