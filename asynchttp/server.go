// Package asynchttp serves HTTP/1.x on the event loop: any http.Handler runs
// in the connection's task, so handlers share state with the rest of the
// program without a mutex, r.Context() is the task's context (a handler can
// await), and a connection is a stream, not a goroutine.
//
// Requests are parsed by net/http (http.ReadRequest), which also rejects
// what it judges malformed or ambiguous (conflicting Content-Length and
// Transfer-Encoding, bad chunk sizes, oversize headers): such a request gets
// 400 and the connection is closed. Responses are written here: a body
// written in one piece gets a Content-Length, a longer or flushed one is
// chunked (HTTP/1.1) or ends with the connection (HTTP/1.0); HEAD gets the
// headers only. Keep-alive follows net/http's rules (Request.Close).
//
// This package is the server's first part: keep-alive and pipelining,
// chunked bodies both ways, HEAD, Flusher, a header size limit, read-header
// and idle timeouts, a panicking handler's 500 (reported with its stack)
// are here, and a request with both Content-Length and Transfer-Encoding is
// served by the latter and then closes the connection (RFC 9112 §6.1), so
// nothing can be smuggled behind it; graceful shutdown is the
// asyncio.Server's (Shutdown); MaxBodyBytes limits request bodies.
// WebSockets (RFC 6455) are here too: Upgrade in a handler, Dial for a
// client (websocket.go). Not yet: a write timeout, 100-continue, an HTTP
// client, WebSocket compression (permessage-deflate).
package asynchttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Server serves Handler over the loop's streams.
type Server struct {
	Handler           http.Handler  // nil: http.DefaultServeMux
	MaxHeaderBytes    int           // request line and headers; 0: http.DefaultMaxHeaderBytes (1 MiB)
	ReadHeaderTimeout time.Duration // to read a request's headers once it began; 0: 10 s
	IdleTimeout       time.Duration // a kept-alive connection's wait for the next request; 0: 2 min
	MaxBodyBytes      int64         // a request body's limit: reads past it fail with *http.MaxBytesError, the connection closes; 0: none
}

// ListenAndServe starts serving on host:port and returns the listening
// server at once (asyncio.StartServer; stop it with its Close or Shutdown).
// It never suspends except to resolve a host name. Must be called from a
// task, with its ctx.
func (s *Server) ListenAndServe(ctx context.Context, host string, port int, opts ...asyncio.ServerOptions) (*asyncio.Server, error) {
	return asyncio.StartServer(ctx, s.ServeConn, host, port, opts...)
}

// ServeConn serves the requests of one connection until it closes or a
// request asks to close it: an asyncio.StreamHandler.
func (s *Server) ServeConn(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	src := &phaseReader{r: r, ctx: ctx}
	limit := s.MaxHeaderBytes
	if limit <= 0 {
		limit = http.DefaultMaxHeaderBytes
	}
	rec := &recorder{r: src}
	lr := &io.LimitedReader{R: rec, N: int64(limit)}
	br := bufio.NewReaderSize(lr, 4096)
	first := true
	for {
		// The idle wait for a request's first byte, then its headers.
		wait := orDefault(s.IdleTimeout, 2*time.Minute)
		if first {
			wait = orDefault(s.ReadHeaderTimeout, 10*time.Second)
		}
		if err := within(ctx, src, wait, func() error { _, err := br.Peek(1); return err }); err != nil {
			return nil // closed, timed out or cancelled while idle: nothing to answer
		}
		lr.N = int64(limit) + int64(br.Buffered())
		pending, _ := br.Peek(br.Buffered()) // a pipelined request may be here already
		rec.start(pending)
		var req *http.Request
		err := within(ctx, src, orDefault(s.ReadHeaderTimeout, 10*time.Second), func() (err error) {
			req, err = http.ReadRequest(br)
			return err
		})
		if err != nil {
			code, msg := http.StatusBadRequest, "Bad Request"
			if lr.N <= 0 {
				code, msg = http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"
			}
			if !errors.Is(err, asyncio.ErrTimeout) && !errors.Is(err, io.EOF) {
				fmt.Fprintf(w.IO(ctx), "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n%d %s", code, msg, code, msg)
			}
			return nil
		}
		lr.N = 1 << 62 // the body is limited by its own framing
		first = false
		mustClose := len(req.TransferEncoding) > 0 && rec.sawContentLength()
		rec.stop()
		req = req.WithContext(ctx)
		if a := w.GetExtraInfo("peername"); a != nil {
			req.RemoteAddr = fmt.Sprint(a)
		}
		resp := &response{r: r, br: br, w: w, req: req, header: http.Header{}, contentLength: -1, closeAfter: mustClose}
		if s.MaxBodyBytes > 0 {
			req.Body = &maxBody{ReadCloser: req.Body, left: s.MaxBodyBytes, limit: s.MaxBodyBytes, resp: resp}
		}
		if !s.serve(ctx, resp) || resp.hijacked {
			return nil
		}
		resp.finish()
		io.Copy(io.Discard, io.LimitReader(req.Body, 256<<10)) // what the handler left, so the next request parses
		if err := w.Drain(ctx); err != nil {
			return nil
		}
		if req.Close || resp.closeAfter {
			return nil
		}
	}
}

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
				resp.header = http.Header{}
				resp.buf.Reset()
				resp.status, resp.wroteHeader = 0, false
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

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// phaseReader is the io.Reader under the bufio.Reader: it reads the stream
// with the context of the current phase, so a timeout bounds that phase.
// A failed read (a timeout, a reset) fails every later one too: net/http's
// header reader ignores some errors from Peek and reads again, and a read
// after a phase's timeout must not wait.
type phaseReader struct {
	r      *asyncio.StreamReader
	ctx    context.Context
	failed error
}

func (p *phaseReader) Read(b []byte) (int, error) {
	if p.failed != nil {
		return 0, p.failed
	}
	n, err := p.r.ReadInto(p.ctx, b)
	if err != nil && err != io.EOF {
		p.failed = err
	}
	return n, err
}

// within runs f with src reading under a Timeout of d.
func within(ctx context.Context, src *phaseReader, d time.Duration, f func() error) error {
	return asyncio.Timeout(ctx, d, func(tctx context.Context) error {
		src.ctx = tctx
		defer func() { src.ctx = ctx }()
		return f()
	})
}

// response is the http.ResponseWriter of one request.
type response struct {
	r             *asyncio.StreamReader
	br            *bufio.Reader // over r: may hold bytes past the request's head
	w             *asyncio.StreamWriter
	hijacked      bool // the handler took the connection (hijack): nothing more is written or read here
	req           *http.Request
	header        http.Header
	status        int
	wroteHeader   bool
	headerSent    bool
	chunked       bool
	closeAfter    bool
	contentLength int64 // from the handler's Content-Length header, or -1
	written       int64
	buf           bytes.Buffer // the body until the headers go
}

// bufferLimit is how much body is held back to send with a Content-Length.
const bufferLimit = 4 << 10

func (r *response) Header() http.Header { return r.header }

func (r *response) WriteHeader(code int) {
	if r.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	r.wroteHeader, r.status = true, code
	if cl := r.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			r.contentLength = n
		}
	}
}

func (r *response) Write(p []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(r.status) {
		return 0, http.ErrBodyNotAllowed
	}
	r.written += int64(len(p))
	if !r.headerSent {
		r.buf.Write(p)
		if r.buf.Len() > bufferLimit {
			r.sendHeader(false)
		}
		return len(p), nil
	}
	r.body(p)
	return len(p), nil
}

// Flush sends the headers and what is buffered now (http.Flusher).
func (r *response) Flush() {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if !r.headerSent {
		r.sendHeader(false)
	}
	r.w.Drain(r.req.Context()) // below the high-water mark it returns at once: the loop sends it at the end of this step
}

// sendHeader writes the status line and headers, choosing the framing:
// final means the handler has returned, so a buffered body's length is known.
func (r *response) sendHeader(final bool) {
	r.headerSent = true
	h := r.header
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if h.Get("Content-Type") == "" && r.buf.Len() > 0 && bodyAllowed(r.status) {
		h.Set("Content-Type", http.DetectContentType(r.buf.Bytes()))
	}
	switch {
	case !bodyAllowed(r.status):
	case r.contentLength >= 0:
	case final:
		h.Set("Content-Length", strconv.Itoa(r.buf.Len()))
	case r.req.ProtoAtLeast(1, 1):
		r.chunked = true
		h.Set("Transfer-Encoding", "chunked")
	default:
		r.closeAfter = true // HTTP/1.0 without a length: the body ends with the connection
	}
	if r.req.Close || r.closeAfter {
		h.Set("Connection", "close")
	} else if !r.req.ProtoAtLeast(1, 1) {
		h.Set("Connection", "keep-alive")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/%d.%d %03d %s\r\n", 1, min(r.req.ProtoMinor, 1), r.status, http.StatusText(r.status))
	h.Write(&b)
	b.WriteString("\r\n")
	r.w.Write([]byte(b.String()))
	if r.buf.Len() > 0 {
		body := r.buf.Bytes()
		r.buf = bytes.Buffer{}
		r.body(body)
	}
}

// body sends p with the chosen framing (nothing for HEAD).
func (r *response) body(p []byte) {
	if r.req.Method == http.MethodHead || len(p) == 0 {
		return
	}
	if r.chunked {
		r.w.Write([]byte(strconv.FormatInt(int64(len(p)), 16) + "\r\n"))
		r.w.Write(p)
		r.w.Write([]byte("\r\n"))
		return
	}
	r.w.Write(p)
}

// finish completes the response once the handler has returned.
func (r *response) finish() {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if !r.headerSent {
		r.sendHeader(true)
	}
	if r.chunked && r.req.Method != http.MethodHead {
		r.w.Write([]byte("0\r\n\r\n"))
	}
	if r.contentLength >= 0 && r.written != r.contentLength && r.req.Method != http.MethodHead {
		r.closeAfter = true // the handler lied about the length: the framing is broken
	}
}

func bodyAllowed(status int) bool {
	return !(status >= 100 && status <= 199 || status == http.StatusNoContent || status == http.StatusNotModified)
}

var _ http.Flusher = (*response)(nil)

// hijack hands the connection to the handler (a WebSocket upgrade): it
// returns the bytes the server had read past the request's head, then the
// streams to read and write from there on. The server sends nothing for
// this request and closes the connection when the handler returns. It
// panics if a response was already begun.
func (r *response) hijack() (buffered []byte, rd *asyncio.StreamReader, w *asyncio.StreamWriter) {
	if r.headerSent || r.hijacked {
		panic("asynchttp: hijack after the response was sent or the connection was already taken")
	}
	r.hijacked = true
	b, _ := r.br.Peek(r.br.Buffered())
	return bytes.Clone(b), r.r, r.w
}

// recorder keeps the bytes of a request's head as they are read, because
// net/http's ReadRequest drops a Content-Length that a Transfer-Encoding
// overrides: such a request is served by its Transfer-Encoding (as net/http
// does), and then, as RFC 9112 section 6.1 requires, the connection closes,
// so nothing smuggled behind it is read.
type recorder struct {
	r   io.Reader
	buf []byte
	on  bool
}

const maxRecorded = 64 << 10

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	if rc.on && len(rc.buf) < maxRecorded {
		rc.buf = append(rc.buf, p[:n]...)
	}
	return n, err
}

func (rc *recorder) start(pending []byte) { rc.buf, rc.on = append(rc.buf[:0], pending...), true }
func (rc *recorder) stop()                { rc.on = false }

// sawContentLength reports whether the recorded head has a Content-Length
// header; a head too long to record counts as having one (closing is
// always safe).
func (rc *recorder) sawContentLength() bool {
	end := bytes.Index(rc.buf, []byte("\r\n\r\n"))
	if end < 0 {
		return true
	}
	for _, line := range bytes.Split(rc.buf[:end], []byte("\n")) {
		if len(line) >= 15 && strings.EqualFold(string(line[:15]), "content-length:") {
			return true
		}
	}
	return false
}

// maxBody is http.MaxBytesReader for this server: past the limit reads fail
// with *http.MaxBytesError, and since the rest of the body stays unread the
// connection closes after the response.
type maxBody struct {
	io.ReadCloser
	left, limit int64
	resp        *response
}

func (m *maxBody) Read(p []byte) (int, error) {
	if m.left < 0 {
		return 0, &http.MaxBytesError{Limit: m.limit}
	}
	if int64(len(p)) > m.left+1 {
		p = p[:m.left+1]
	}
	n, err := m.ReadCloser.Read(p)
	if int64(n) > m.left {
		n, m.left = int(m.left), -1
		m.resp.closeAfter = true
		return n, &http.MaxBytesError{Limit: m.limit}
	}
	m.left -= int64(n)
	return n, err
}
