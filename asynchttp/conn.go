package asynchttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/asyncio-go/asyncio"
)

// conn is one connection's state, on its task.
type conn struct {
	srv      *Server
	ctx      context.Context // the connection task's
	task     asyncio.AnyTask
	loop     *asyncio.Loop
	r        *asyncio.StreamReader
	w        *asyncio.StreamWriter
	src      *stickyReader
	remote   string               // the peer's address, for Request.RemoteAddr and logs
	tls      *tls.ConnectionState // for Request.TLS; nil without TLS
	idle     bool                 // waiting for the next request: Shutdown ends this wait
	writeErr error                // the first failed drain: the connection is done
	head     []byte               // a response's head (or a chunk's size line) as it is built
	resp     *response            // the current request's, reused by the next; between requests its req is nil and its header and buf are empty

	// The lazy timer (deadline.go). Invariant: while a phase is bounded
	// (deadline != 0), a timer is armed at or before deadline, unless
	// expired.
	deadline time.Duration // loop time the current phase must end by; 0: none
	phase    string        // the bounded phase, for the timeout's error
	granule  time.Duration // the longest the timer is armed ahead
	timer    *asyncio.Handle
	timerAt  time.Duration
	expired  bool // the timer cancelled the task: the connection ends
}

// drain waits until the client has taken what is buffered beyond the
// stream's high-water mark, bounded by WriteTimeout.
func (c *conn) drain() error {
	if c.writeErr != nil {
		return c.writeErr
	}
	var err error
	if d := c.srv.WriteTimeout; d > 0 {
		err = c.bounded("writing the response", d, func() error { return c.w.Drain(c.ctx) })
	} else {
		err = c.w.Drain(c.ctx)
	}
	if err != nil {
		c.writeErr = err
		c.srv.logError(c, "writing the response", err)
	}
	return err
}

// lingerTimeout bounds closeAfterResponse's wait for the client's end.
const lingerTimeout = 500 * time.Millisecond

// closeAfterResponse ends a connection the server closes right after a
// response, in a way that lets the client read that response. TCP answers
// bytes that reach a closed socket with a reset, and a client that gets the
// reset may lose the response still unread in its buffer; a client that
// pipelined requests, or sent a body nobody read, does send such bytes. So
// the response is sent, then a FIN (half-close), then what the client still
// sends is read and dropped until it closes its end, for at most
// lingerTimeout (net/http waits 500 ms after its half-close, for the same
// reason). The caller then returns, and the stream closes.
func (c *conn) closeAfterResponse() {
	if c.drain() != nil || !c.w.CanWriteEOF() || c.w.WriteEOF() != nil {
		return
	}
	c.bounded("closing", lingerTimeout, func() error {
		for {
			b, err := c.r.Read(c.ctx, 64<<10)
			if len(b) == 0 || err != nil {
				return err
			}
		}
	})
}

// refuse answers a request that cannot be served with code and no body
// beyond the status text, logs why, and closes the connection the way
// closeAfterResponse does; the caller then returns.
func (c *conn) refuse(code int, why string, err error) {
	msg := http.StatusText(code)
	fmt.Fprintf(c.w.IO(c.ctx), "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n%d %s", code, msg, code, msg)
	c.srv.logError(c, why, err, slog.Int("status", code))
	c.closeAfterResponse()
}

func (s *Server) logError(c *conn, msg string, err error, attrs ...slog.Attr) {
	if s.ErrorLog == nil || err != nil && isPeerGone(err) {
		return
	}
	attrs = append(attrs, slog.String("remote", c.remote))
	if err != nil {
		attrs = append(attrs, slog.Any("error", err))
	}
	s.ErrorLog.LogAttrs(c.ctx, slog.LevelWarn, "asynchttp: "+msg, attrs...)
}

func (s *Server) logAccess(r *response) {
	if s.AccessLog == nil {
		return
	}
	s.AccessLog.LogAttrs(r.conn.ctx, slog.LevelInfo, "request",
		slog.String("method", r.req.Method), slog.String("path", r.req.URL.RequestURI()),
		slog.String("proto", r.req.Proto), slog.Int("status", r.status),
		slog.Int64("bytes", r.written), slog.Duration("duration", time.Since(r.start)),
		slog.String("remote", r.req.RemoteAddr))
}

// isPeerGone reports an ordinary end of a connection by the client: EOF,
// reset, broken pipe, or the stream already closed.
func isPeerGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// stickyReader is the io.Reader under the bufio.Reader: the stream, read
// with the connection task's ctx. A failed read (a timeout, a reset) fails
// every later one too: net/http's header reader ignores some errors from
// Peek and reads again, and a read after a phase's timeout must not wait.
type stickyReader struct {
	r      *asyncio.StreamReader
	ctx    context.Context
	failed error
	one    [1]byte // the byte waitByte read, while held
	held   bool
}

// waitByte waits for the stream's next byte and holds it for the next
// Read: an idle connection waits on the stream itself.
func (p *stickyReader) waitByte() error {
	if p.failed != nil {
		return p.failed
	}
	n, err := p.r.ReadInto(p.ctx, p.one[:])
	if n == 1 {
		p.held = true
		return nil
	}
	if err != io.EOF {
		p.failed = err
	}
	return err
}

func (p *stickyReader) Read(b []byte) (int, error) {
	if p.held && len(b) > 0 {
		b[0], p.held = p.one[0], false
		n := 1
		if p.r.Buffered() > 0 && len(b) > 1 { // what came with it, without waiting
			m, _ := p.r.ReadInto(p.ctx, b[1:])
			n += m
		}
		return n, nil
	}
	if p.failed != nil {
		return 0, p.failed
	}
	n, err := p.r.ReadInto(p.ctx, b)
	if err != nil && err != io.EOF {
		p.failed = err
	}
	return n, err
}
