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
	"golang.org/x/net/http/httpguts"
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
	setLength     bool  // the server sets Content-Length (the body was buffered whole)
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

// reset forgets the response the handler began, while none of it was
// sent: another (a 500, a 503) takes its place.
func (r *response) reset() {
	clear(r.header)
	r.buf.Reset()
	r.status, r.wroteHeader, r.contentLength, r.setLength, r.written = 0, false, -1, false, 0
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
	if v, ok := h["Connection"]; ok && httpguts.HeaderValuesContainsToken(v, "close") {
		r.closeAfter = true // the handler asked for it, as net/http allows
	}
	switch {
	case !bodyAllowed(r.status):
	case r.contentLength >= 0:
	case final:
		r.contentLength = int64(r.buf.Len())
		r.setLength = true
	case r.req.ProtoAtLeast(1, 1):
		r.chunked = true
	default:
		r.closeAfter = true // HTTP/1.0 without a length: the body ends with the connection
	}
	if r.srv.closing || r.continueWaits() {
		// Shutting down, or the client may still send a body nobody reads.
		r.closeAfter = true
	}

	// The head is built in the connection's buffer: the handler's headers
	// (with what HTTP forbids in them dropped or blanked, so nothing can be
	// split), then the server's.
	proto := "HTTP/1.1 "
	if r.req.ProtoMinor == 0 {
		proto = "HTTP/1.0 "
	}
	b := append(r.head[:0], proto...)
	b = strconv.AppendInt(b, int64(r.status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(r.status)...)
	b = append(b, "\r\n"...)
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendHeaderValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	if _, ok := h["Date"]; !ok {
		b = append(b, "Date: "...)
		b = r.srv.appendDate(b)
		b = append(b, "\r\n"...)
	}
	if _, ok := h["Content-Type"]; !ok && r.buf.Len() > 0 && bodyAllowed(r.status) {
		b = append(b, "Content-Type: "...)
		b = append(b, http.DetectContentType(r.buf.Bytes())...)
		b = append(b, "\r\n"...)
	}
	if r.setLength {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, r.contentLength, 10)
		b = append(b, "\r\n"...)
	}
	if r.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if _, ok := h["Connection"]; !ok {
		if r.req.Close || r.closeAfter {
			b = append(b, "Connection: close\r\n"...)
		} else if !r.req.ProtoAtLeast(1, 1) {
			b = append(b, "Connection: keep-alive\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	r.head = b
	r.w.Write(b)
	if r.buf.Len() > 0 {
		r.body(r.buf.Bytes())
		r.buf.Reset()
	}
}

// appendHeaderValue appends v with CR and LF made spaces and the ends
// trimmed, as net/http writes header values.
func appendHeaderValue(b []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// body sends p with the chosen framing (nothing for HEAD).
func (r *response) body(p []byte) {
	if r.req.Method == http.MethodHead || len(p) == 0 {
		return
	}
	if r.chunked {
		r.head = strconv.AppendInt(r.head[:0], int64(len(p)), 16)
		r.head = append(r.head, "\r\n"...)
		r.w.Write(r.head)
		r.w.Write(p)
		r.w.Write(crlf)
		return
	}
	r.w.Write(p)
}

var crlf = []byte("\r\n")

// finish completes the response once the handler has returned.
func (r *response) finish() {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if !r.headerSent {
		r.sendHeader(true)
	}
	if r.chunked && r.req.Method != http.MethodHead {
		r.w.Write(lastChunk)
	}
	if r.contentLength >= 0 && r.written != r.contentLength && r.req.Method != http.MethodHead {
		r.closeAfter = true // the handler lied about the length: the framing is broken
	}
}

var lastChunk = []byte("0\r\n\r\n")

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
