package asynchttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Client sends HTTP/1.1 requests from a task: every wait (connecting,
// sending, reading the response and its body) is an await on the caller's
// task, so cancelling the task or a Timeout around the call aborts the
// request wherever it is, and the connection it was using is closed.
// Connections are kept alive and reused per host (scheme, host and port).
//
// A Client holds connections of the loop that made them; its methods are
// loop goroutine only, from a task with its ctx. The zero value is ready to
// use. Unlike net/http's client it does not ask for gzip, use a proxy or
// speak HTTP/2.
type Client struct {
	// TLS configures https connections; nil means the defaults. Its
	// NextProtos is replaced by "http/1.1".
	TLS *tls.Config
	// Timeout bounds a whole exchange, from connecting to the end of the
	// body, redirects included; 0 means none (bound a call with
	// asyncio.Timeout instead, or as well). A body read past it fails with
	// an error that is asyncio.ErrTimeout.
	Timeout time.Duration
	// CheckRedirect decides on each redirect as net/http's does: nil
	// follows up to 10; an error stops and is returned (wrapped), except
	// http.ErrUseLastResponse, which returns the redirect response itself.
	CheckRedirect func(req *http.Request, via []*http.Request) error
	// Jar, if set, gets the cookies of every response and adds its cookies
	// to every request, redirects included.
	Jar http.CookieJar
	// MaxIdleConnsPerHost is how many idle connections are kept per host;
	// 0 means 8, a negative value none.
	MaxIdleConnsPerHost int
	// IdleConnTimeout is how long an idle connection may wait to be reused;
	// 0 means 90 s.
	IdleConnTimeout time.Duration
	// MaxResponseHeaderBytes limits the status line and headers of a
	// response; 0 means 1 MiB.
	MaxResponseHeaderBytes int
	// ExpectContinueTimeout, if positive, is how long a request with a
	// body and "Expect: 100-continue" waits for the server's "100
	// Continue" before sending the body anyway; a final answer in the
	// meantime (401, 413...) is the response and the body is never sent.
	// 0 sends the body at once, as net/http's Transport does.
	ExpectContinueTimeout time.Duration

	pool pool
}

// DefaultClient is the Client of Get, Post and Do.
var DefaultClient = &Client{}

// Get fetches url with DefaultClient.
func Get(ctx context.Context, url string) (*http.Response, error) { return DefaultClient.Get(ctx, url) }

// Post sends body to url with DefaultClient.
func Post(ctx context.Context, url, contentType string, body io.Reader) (*http.Response, error) {
	return DefaultClient.Post(ctx, url, contentType, body)
}

// Do sends req with DefaultClient.
func Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	return DefaultClient.Do(ctx, req)
}

// Get fetches url (net/http's Client.Get).
func (c *Client) Get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, req)
}

// Post sends body to url with the given Content-Type (net/http's
// Client.Post).
func (c *Client) Post(ctx context.Context, url, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return c.Do(ctx, req)
}

// Do sends req and returns the response once its headers have arrived,
// following redirects as net/http does (301, 302 and 303 become GET
// without a body, 307 and 308 resend the body if req.GetBody can rewind
// it). The body is read by the caller's task: read it to the end and close
// it, and the connection goes back to the pool; close it early and the
// connection closes. Awaits use ctx (req's own context is not consulted).
// Errors are *url.Error, as net/http's are, wrapping the stream's error
// (io.EOF, syscall.ECONNRESET, a *net.OpError), asyncio.ErrTimeout or the
// task's *asyncio.CancelledError.
func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	var deadline time.Duration
	if c.Timeout > 0 {
		deadline = asyncio.GetEventLoop().Time() + c.Timeout
	}
	var via []*http.Request
	for {
		resp, err := c.send(ctx, req, deadline)
		if err != nil {
			return nil, &url.Error{Op: urlOp(req.Method), URL: req.URL.String(), Err: err}
		}
		next, err := c.redirect(req, resp, via)
		if next == nil || err != nil {
			if err != nil {
				resp.Body.Close()
				if errors.Is(err, http.ErrUseLastResponse) {
					return resp, nil // net/http returns the redirect itself, body unread
				}
				return nil, &url.Error{Op: urlOp(req.Method), URL: resp.Request.URL.String(), Err: err}
			}
			return resp, nil
		}
		// The body of a redirect is not wanted: reading a little of it keeps
		// the connection, as net/http does.
		io.CopyN(io.Discard, resp.Body, 2<<10)
		resp.Body.Close()
		via = append(via, req)
		req = next
	}
}

func urlOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// send makes one exchange: a connection from the pool (or a new one), the
// request, the response's head. A reused connection that turns out closed
// before any of the response arrived is retried once on a new one, when
// the request can be sent again (net/http does the same).
func (c *Client) send(ctx context.Context, req *http.Request, deadline time.Duration) (*http.Response, error) {
	if req.URL == nil {
		return nil, errors.New("asynchttp: the request has no URL")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("asynchttp: unsupported protocol scheme %q (http and https are)", req.URL.Scheme)
	}
	if req.URL.Host == "" {
		return nil, errors.New("asynchttp: no host in the request URL")
	}
	if c.Jar != nil {
		for _, ck := range c.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
	}
	for attempt := 0; ; attempt++ {
		pc, err := c.pool.get(ctx, c, req.URL, deadline)
		if err != nil {
			return nil, err
		}
		resp, err := pc.roundTrip(ctx, req, deadline, c.headerLimit())
		if err == nil {
			if c.Jar != nil {
				if rc := resp.Cookies(); len(rc) > 0 {
					c.Jar.SetCookies(req.URL, rc)
				}
			}
			return resp, nil
		}
		pc.close()
		if attempt > 0 || !pc.reused || pc.gotBytes || !replayable(req) || !isPeerGone(err) {
			return nil, err
		}
		if req.Body != nil && req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}

func (c *Client) headerLimit() int {
	if c.MaxResponseHeaderBytes > 0 {
		return c.MaxResponseHeaderBytes
	}
	return 1 << 20
}

// replayable reports whether req may be sent a second time after a
// connection failed under it: idempotent, and its body can be had again.
func replayable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
	default:
		if req.Header.Get("Idempotency-Key") == "" && req.Header.Get("X-Idempotency-Key") == "" {
			return false
		}
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// CloseIdleConnections closes the connections kept for reuse.
func (c *Client) CloseIdleConnections() { c.pool.closeIdle() }

// within runs f bounded by the exchange's deadline (0: none).
func within(ctx context.Context, deadline time.Duration, f func(ctx context.Context) error) error {
	if deadline == 0 {
		return f(ctx)
	}
	return asyncio.TimeoutAt(ctx, deadline, f)
}
