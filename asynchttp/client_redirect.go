package asynchttp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// redirect decides whether resp, the answer to req, is followed, as
// net/http's client decides, and builds the next request. A nil request
// and nil error mean resp is the final response.
func (c *Client) redirect(req *http.Request, resp *http.Response, via []*http.Request) (*http.Request, error) {
	method, keepBody := req.Method, false
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		if method != http.MethodGet && method != http.MethodHead {
			method = http.MethodGet
		}
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		keepBody = true
		if req.GetBody == nil && req.Body != nil && req.Body != http.NoBody {
			return nil, nil // the body cannot be sent again: the redirect is the answer
		}
	default:
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil // a 3xx without a Location is an answer, as net/http treats it
	}
	u, err := req.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("failed to parse Location header %q: %w", loc, err)
	}
	first := req
	if len(via) > 0 {
		first = via[0]
	}
	next := &http.Request{Method: method, URL: u, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	if req.Host != "" && req.Host != req.URL.Host && u.Host == req.URL.Host {
		next.Host = req.Host // an explicit Host is kept on the same server only
	}
	for k, vs := range first.Header {
		if !keepBody && (k == "Content-Type" || k == "Content-Length" || k == "Transfer-Encoding") {
			continue
		}
		if isSensitiveHeader(k) && !sameOrSubdomain(u.Hostname(), first.URL.Hostname()) {
			continue
		}
		if k == "Cookie" && c.Jar != nil {
			continue // the jar adds the cookies for the new URL
		}
		next.Header[k] = append([]string(nil), vs...)
	}
	if keepBody && req.GetBody != nil {
		if next.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
		next.GetBody, next.ContentLength = req.GetBody, req.ContentLength
	}
	if ref := referer(req, u.Scheme); ref != "" {
		next.Header.Set("Referer", ref)
	}
	via = append(via, req)
	if c.CheckRedirect != nil {
		err = c.CheckRedirect(next, via)
	} else if len(via) >= 10 {
		err = errors.New("stopped after 10 redirects")
	}
	return next, err
}

// isSensitiveHeader reports the headers that are not sent on to another
// domain.
func isSensitiveHeader(k string) bool {
	switch k {
	case "Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization":
		return true
	}
	return false
}

func sameOrSubdomain(sub, parent string) bool {
	sub, parent = strings.ToLower(sub), strings.ToLower(parent)
	return sub == parent || strings.HasSuffix(sub, "."+parent)
}

// referer is the Referer for a redirect from req to a URL of the given
// scheme: none from https to http, and never the user's password.
func referer(req *http.Request, scheme string) string {
	if req.URL.Scheme == "https" && scheme == "http" {
		return ""
	}
	u := *req.URL
	u.User, u.Fragment = nil, ""
	return u.String()
}
