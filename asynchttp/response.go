package asynchttp

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

// response is the http.ResponseWriter of one request.
type response struct {
	*conn
	br            *bufio.Reader // over the stream: may hold bytes past the request's head
	req           *http.Request
	header        http.Header
	status        int
	wroteHeader   bool
	headerSent    bool
	chunked       bool
	closeAfter    bool
	hijacked      bool // the handler took the connection (hijack): nothing more is written or read here
	expect        expectState
	contentLength int64 // from the handler's Content-Length header, or -1
	written       int64
	buf           bytes.Buffer // the body until the headers go
	start         time.Time    // for the access log
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
	if r.writeErr != nil {
		return 0, r.writeErr
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
	if err := r.drain(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// failed reports whether writing the response failed: the connection is
// done.
func (r *response) failed() bool { return r.writeErr != nil }

// Flush sends the headers and what is buffered now (http.Flusher).
func (r *response) Flush() {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if !r.headerSent {
		r.sendHeader(false)
	}
	r.drain() // below the high-water mark it returns at once: the loop sends it when this task next suspends
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
	if r.srv.closing || r.continueWaits() {
		// Shutting down, or the client may still send a body nobody reads.
		r.closeAfter = true
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
