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
	vals, ok := rc.header("content-length")
	return !ok || len(vals) > 0
}

// header returns the values of the recorded head's header lines named name
// (lower case), as textproto reads them: a folded line (obs-fold) joins its
// field after a space, each piece trimmed, and the value is what follows
// the colon, trimmed on the left. ok is false if the head was too long to
// record whole. ReadRequest has parsed the head already, so its lines are
// well-formed.
func (rc *recorder) header(name string) (vals []string, ok bool) {
	rest := rc.buf
	var field []byte // the field being read, while it is one of name's
	for first := true; ; first = false {
		line, after, found := bytes.Cut(rest, []byte("\n"))
		if !found {
			return nil, false
		}
		rest = after
		line = bytes.TrimSuffix(line, []byte("\r"))
		folded := len(line) > 0 && (line[0] == ' ' || line[0] == '\t')
		if folded && field != nil {
			field = append(append(field, ' '), bytes.Trim(line, " \t")...)
			continue
		}
		if field != nil {
			vals = append(vals, string(bytes.TrimLeft(field[len(name)+1:], " \t")))
			field = nil
		}
		switch {
		case len(line) == 0:
			return vals, true
		case first, folded: // the request line; a fold of another field
		case len(line) > len(name) && line[len(name)] == ':' && strings.EqualFold(string(line[:len(name)]), name):
			field = append([]byte(nil), bytes.Trim(line, " \t")...)
		}
	}
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
