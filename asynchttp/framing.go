package asynchttp

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

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
