package asynchttp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Server serves Handler over the loop's streams. Its fields are read when a
// connection or request needs them; set them before serving.
type Server struct {
	Handler           http.Handler  // nil: http.DefaultServeMux
	MaxHeaderBytes    int           // request line and headers; 0: http.DefaultMaxHeaderBytes (1 MiB)
	ReadHeaderTimeout time.Duration // to read a request's headers once it began; 0: 10 s
	IdleTimeout       time.Duration // a kept-alive connection's wait for the next request; 0: 2 min
	// WriteTimeout bounds each wait for the client to take response bytes
	// (a handler's Write or Flush past the stream's 64 KiB buffer, and the
	// end of each response): a client that stops reading is dropped. Unlike
	// net/http's it does not bound the handler's own work (use
	// asyncio.Timeout in the handler for that). 0: no bound.
	WriteTimeout time.Duration
	MaxBodyBytes int64 // a request body's limit: reads past it fail with *http.MaxBytesError, the connection closes; 0: none

	// AccessLog, if set, gets one Info record per response: method, path,
	// proto, status, bytes, duration and remote address.
	AccessLog *slog.Logger
	// ErrorLog, if set, gets a Warn record for each connection the server
	// ends because of the client: a malformed request (with the status
	// sent), a header, idle-while-reading or write timeout, a read or write
	// error other than an ordinary close or reset. A panicking handler is
	// always reported to the loop's exception handler, with its stack.
	ErrorLog *slog.Logger

	// The server's state, on the loop goroutine.
	servers []*asyncio.Server  // from ListenAndServe, for Shutdown
	conns   map[*conn]struct{} // the connections being served
	closing bool               // Shutdown began: no new requests, idle connections end
	readers []*bufio.Reader    // free bufio.Readers: only connections reading a request hold one
	date    []byte             // the Date header's value, for dateSec
	dateSec int64              // the Unix second date was made for
}

// getReader returns a bufio.Reader over r, from the free list if it has one.
func (s *Server) getReader(r io.Reader) *bufio.Reader {
	if n := len(s.readers); n > 0 {
		br := s.readers[n-1]
		s.readers = s.readers[:n-1]
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, 4096)
}

// putReader keeps br for another connection's next request.
func (s *Server) putReader(br *bufio.Reader) {
	if len(s.readers) < maxFreeReaders {
		br.Reset(nil)
		s.readers = append(s.readers, br)
	}
}

// maxFreeReaders bounds the free list: readers beyond it go to the
// collector.
const maxFreeReaders = 256

// appendDate appends the Date header's value for now: formatted once a
// second.
func (s *Server) appendDate(b []byte) []byte {
	now := time.Now()
	if sec := now.Unix(); sec != s.dateSec || s.date == nil {
		s.date = now.UTC().AppendFormat(s.date[:0], http.TimeFormat)
		s.dateSec = sec
	}
	return append(b, s.date...)
}

// ListenAndServe starts serving on host:port and returns the listening
// server at once (asyncio.StartServer). Stop it with s.Shutdown (graceful:
// idle connections close, requests in flight finish) or with the returned
// server's Close and CloseClients. It never suspends except to resolve a
// host name. Must be called from a task, with its ctx.
func (s *Server) ListenAndServe(ctx context.Context, host string, port int, opts ...asyncio.ServerOptions) (*asyncio.Server, error) {
	srv, err := asyncio.StartServer(ctx, s.ServeConn, host, port, opts...)
	if err == nil {
		s.servers = append(s.servers, srv)
	}
	return srv, err
}

// ListenAndServeUnix is ListenAndServe on the Unix socket at path
// (asyncio.StartUnixServer: a stale socket file is replaced, Close removes
// it; '@' names an abstract socket). Requests' RemoteAddr is the peer's
// (usually unnamed) address.
func (s *Server) ListenAndServeUnix(ctx context.Context, path string, opts ...asyncio.ServerOptions) (*asyncio.Server, error) {
	srv, err := asyncio.StartUnixServer(ctx, s.ServeConn, path, opts...)
	if err == nil {
		s.servers = append(s.servers, srv)
	}
	return srv, err
}

// Shutdown stops the server gracefully, as net/http's Server.Shutdown does:
// the listeners close at once, idle keep-alive connections close, a request
// being read or served finishes (its response says Connection: close) and
// then its connection closes. It returns nil once every connection is gone.
// Bound it with asyncio.Timeout: when the wait is interrupted, the handlers
// still running are cancelled (asyncio.Server.Shutdown) and the interruption
// is returned. Must be called from a task, with its ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing = true
	for c := range s.conns {
		if c.idle {
			c.expire() // the idle wait ends now
		}
	}
	var first error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ServeConn serves the requests of one connection until it closes or a
// request asks to close it: an asyncio.StreamHandler.
func (s *Server) ServeConn(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	c := &conn{srv: s, ctx: ctx, task: asyncio.CurrentTask(ctx), loop: asyncio.GetEventLoop(), r: r, w: w}
	c.src = &stickyReader{r: r, ctx: ctx}
	if a := w.GetExtraInfo("peername"); a != nil {
		c.remote = fmt.Sprint(a)
	}
	if tc, ok := w.GetExtraInfo("ssl_object").(*tls.Conn); ok {
		st := tc.ConnectionState()
		c.tls = &st // Request.TLS, as net/http sets it
	}
	c.granule = s.readHeaderTimeout()
	if s.WriteTimeout > 0 {
		c.granule = min(c.granule, s.WriteTimeout)
	}
	if s.conns == nil {
		s.conns = map[*conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	defer func() {
		delete(s.conns, c)
		c.stopTimer()
	}()
	limit := s.MaxHeaderBytes
	if limit <= 0 {
		limit = http.DefaultMaxHeaderBytes
	}
	rec := &recorder{r: c.src}
	lr := &io.LimitedReader{R: rec, N: int64(limit)}
	var br *bufio.Reader // from s.readers while a request is read; none while idle
	defer func() {
		if br != nil && (c.resp == nil || !c.resp.hijacked) {
			s.putReader(br)
		}
	}()
	first, lastMethod := true, ""
	for !s.closing {
		// The idle wait for a request's first byte, then its headers.
		wait := orDefault(s.IdleTimeout, 2*time.Minute)
		if first {
			wait = s.readHeaderTimeout()
		}
		// Between requests, as net/http's server, the next one must bring 4
		// bytes (a request line has more) before the client's EOF to be
		// answered; before the first, 1 byte will do.
		peek := 4
		if first {
			peek = 1
		}
		c.idle = true
		err := c.bounded("waiting for a request", wait, func() error {
			if br == nil || br.Buffered() == 0 {
				// Idle with nothing buffered: wait on the stream itself,
				// holding no bufio.Reader (4 KiB a connection) meanwhile.
				if br != nil {
					s.putReader(br)
					br = nil
				}
				if err := c.src.waitByte(); err != nil {
					return err
				}
				br = s.getReader(lr)
			}
			_, err := br.Peek(peek)
			return err
		})
		c.idle = false
		if err != nil {
			if !first || s.closing || !errors.Is(err, asyncio.ErrTimeout) {
				return nil // closed, idle too long, shut down or cancelled while idle: nothing to say
			}
			s.logError(c, "no request before the read-header timeout", err)
			return nil
		}
		if lastMethod == http.MethodPost {
			// Old clients end a POST body with a stray CRLF: net/http's
			// server drops up to 4 CR or LF bytes there, and so do we.
			b, _ := br.Peek(4)
			br.Discard(len(b) - len(bytes.TrimLeft(b, "\r\n")))
		}
		lr.N = int64(limit) + int64(br.Buffered())
		pending, _ := br.Peek(br.Buffered()) // a pipelined request may be here already
		rec.start(pending)
		var req *http.Request
		err = c.bounded("reading the request head", s.readHeaderTimeout(), func() (err error) {
			req, err = http.ReadRequest(br)
			return err
		})
		if err != nil {
			// The answers net/http's server gives.
			code := http.StatusBadRequest
			switch {
			case lr.N <= 0:
				code = http.StatusRequestHeaderFieldsTooLarge
			case strings.HasPrefix(err.Error(), "unsupported transfer encoding"):
				code = http.StatusNotImplemented
			case err == io.EOF || errors.Is(err, asyncio.ErrTimeout) || c.src.failed != nil:
				code = 0 // the client is gone or too slow: nothing to answer
			}
			if code == 0 {
				s.logError(c, "bad request", err)
			} else {
				c.refuse(code, "bad request", err)
			}
			return nil
		}
		if code, why := validate(req, rec); code != 0 {
			c.refuse(code, "bad request: "+why, nil)
			return nil
		}
		lastMethod = req.Method
		lr.N = 1 << 62 // the body is limited by its own framing
		first = false
		mustClose := len(req.TransferEncoding) > 0 && rec.sawContentLength()
		rec.stop()
		req = req.WithContext(ctx)
		req.RemoteAddr, req.TLS = c.remote, c.tls
		// The response and its header map are the connection's, reused:
		// a handler may not use them after it returns (http.Handler's rule).
		if c.resp == nil {
			c.resp = &response{header: http.Header{}}
		}
		resp := c.resp
		*resp = response{conn: c, br: br, req: req, header: resp.header, buf: resp.buf, contentLength: -1, closeAfter: mustClose || s.closing}
		if s.AccessLog != nil {
			resp.start = time.Now()
		}
		if !expectations(req, resp) {
			c.refuse(http.StatusExpectationFailed, "unknown expectation", nil)
			return nil
		}
		if s.MaxBodyBytes > 0 {
			req.Body = &maxBody{ReadCloser: req.Body, left: s.MaxBodyBytes, limit: s.MaxBodyBytes, resp: resp}
		}
		if !s.serve(ctx, resp) {
			c.closeAfterResponse() // the 500 of a panic
			return nil
		}
		if resp.hijacked {
			return nil
		}
		resp.finish()
		if resp.continueWaits() {
			resp.closeAfter = true // the client may or may not send the body we never asked for
		} else if req.Body != http.NoBody && !resp.closeAfter && !resp.failed() {
			// Read what the handler left of the body, so the next request
			// parses; a large or slow remainder closes the connection instead.
			err := c.bounded("reading the rest of the body", s.readHeaderTimeout(), func() error {
				n, err := io.Copy(io.Discard, io.LimitReader(req.Body, maxDiscard+1))
				if n > maxDiscard {
					resp.closeAfter = true
				}
				return err
			})
			if err != nil {
				resp.closeAfter = true
			}
		}
		s.logAccess(resp)
		if err := c.drain(); err != nil || resp.failed() {
			return nil
		}
		if req.Close || resp.closeAfter {
			c.closeAfterResponse()
			return nil
		}
		// While the connection idles, it keeps nothing of this request
		// (and the next one finds c.resp as conn says).
		resp.req = nil
		clear(resp.header)
	}
	return nil
}

// maxDiscard is how much of a request body the handler left unread is read
// and dropped to keep the connection (net/http reads 256 KiB too).
const maxDiscard = 256 << 10

// serve runs the handler; a panic answers 500 (if nothing was sent yet),
// goes to the loop's exception handler with its stack, and closes the
// connection. It reports whether the connection may go on.
func (s *Server) serve(ctx context.Context, resp *response) (ok bool) {
	h := s.Handler
	if h == nil {
		h = http.DefaultServeMux
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				return
			}
			if !resp.headerSent {
				resp.reset()
				resp.WriteHeader(http.StatusInternalServerError)
				resp.closeAfter = true
				resp.finish()
			}
			asyncio.GetEventLoop().CallExceptionHandler(asyncio.ExceptionContext{
				Message: "panic in HTTP handler for " + resp.req.Method + " " + resp.req.URL.Path,
				Err:     &asyncio.PanicError{Value: p, Stack: debug.Stack(), Task: asyncio.CurrentTask(ctx).Name()},
				Task:    asyncio.CurrentTask(ctx),
			})
			ok = false
		}
	}()
	h.ServeHTTP(resp, resp.req)
	return true
}

// readHeaderTimeout is ReadHeaderTimeout or its default.
func (s *Server) readHeaderTimeout() time.Duration {
	return orDefault(s.ReadHeaderTimeout, 10*time.Second)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
