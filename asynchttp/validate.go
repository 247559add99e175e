package asynchttp

import (
	"net/http"

	"golang.org/x/net/http/httpguts"
)

// validate applies the checks net/http's server makes on a request that
// http.ReadRequest accepted, with the same answers: an HTTP version other
// than 1.x gets 505; an HTTP/1.1 request without exactly one valid Host
// header, or with a header name or value HTTP forbids, gets 400. It
// returns 0 for a request to serve.
//
// http.ReadRequest drops the Host header (keeping req.Host, which an
// absolute request target overrides), so the Host lines are taken from the
// recorded head.
func validate(req *http.Request, rec *recorder) (status int, why string) {
	if req.ProtoMajor != 1 {
		return http.StatusHTTPVersionNotSupported, "unsupported protocol version"
	}
	hosts, ok := rec.header("host")
	if !ok { // a head too long to record: what ReadRequest kept
		hosts = []string{req.Host}
	}
	switch {
	case req.ProtoAtLeast(1, 1) && len(hosts) == 0 && req.Method != http.MethodConnect:
		return http.StatusBadRequest, "missing required Host header"
	case len(hosts) == 1 && !httpguts.ValidHostHeader(hosts[0]):
		return http.StatusBadRequest, "malformed Host header"
	}
	for k, vs := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return http.StatusBadRequest, "invalid header name"
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return http.StatusBadRequest, "invalid header value"
			}
		}
	}
	return 0, ""
}
