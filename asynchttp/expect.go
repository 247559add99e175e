package asynchttp

import (
	"io"
	"net/http"
	"strings"
)

// expectState is where a request's "Expect: 100-continue" stands. A client
// that sends it waits (for a while) before sending the body; the server
// answers "100 Continue" when the handler first reads the body, so a
// handler that refuses the request (401, 413...) without reading saves the
// upload.
type expectState uint8

const (
	expectNone     expectState = iota // no Expect header, or no body to wait for
	expectWaiting                     // 100-continue asked, not sent: the body may not come
	expectContinue                    // "100 Continue" sent (or the response began): the body comes
)

// expectations applies the request's Expect header as net/http does:
// 100-continue on an HTTP/1.1 request with a body defers the "100 Continue"
// to the first body read; any other expectation is refused (417), which it
// reports by returning false.
func expectations(req *http.Request, resp *response) bool {
	e := req.Header.Get("Expect")
	if e == "" {
		return true
	}
	if !hasToken(e, "100-continue") {
		return false
	}
	if req.ProtoAtLeast(1, 1) && req.ContentLength != 0 {
		resp.expect = expectWaiting
		req.Body = &continueReader{ReadCloser: req.Body, resp: resp}
	}
	return true
}

// continueWaits reports whether the client still waits for a "100
// Continue" that was never sent: its body may or may not follow, so the
// connection cannot be reused.
func (r *response) continueWaits() bool { return r.expect == expectWaiting }

// continueReader sends "100 Continue" before the first read of the body,
// unless the final response already began (then the client sends the body
// or closes, as it likes).
type continueReader struct {
	io.ReadCloser
	resp *response
}

func (c *continueReader) Read(p []byte) (int, error) {
	if c.resp.expect == expectWaiting {
		c.resp.expect = expectContinue
		if !c.resp.headerSent && !c.resp.hijacked {
			c.resp.w.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n")) // sent when the read below suspends
		}
	}
	return c.ReadCloser.Read(p)
}

// hasToken reports whether v holds token, in any case, as a word bounded by
// the ends, spaces, tabs or commas: net/http's test for "100-continue".
func hasToken(v, token string) bool {
	bound := func(b byte) bool { return b == ' ' || b == ',' || b == '\t' }
	for i := 0; i+len(token) <= len(v); i++ {
		end := i + len(token)
		if (i == 0 || bound(v[i-1])) && (end == len(v) || bound(v[end])) && strings.EqualFold(v[i:end], token) {
			return true
		}
	}
	return false
}
