package asynchttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/asyncio-go/asyncio"
)

// pool keeps a Client's idle connections, per host, most recently used
// last. Invariants: every pconn in idle is idle (no exchange, no unread
// body) and belongs to loop; a pconn is in idle at most once.
type pool struct {
	loop *asyncio.Loop
	idle map[string][]*pconn
}

// pconn is one client connection.
type pconn struct {
	client   *Client
	key      string
	rd       *asyncio.StreamReader
	w        *asyncio.StreamWriter
	src      *clientReader
	br       *bufio.Reader // over src; survives between exchanges
	idleAt   time.Duration // loop time it went idle
	reused   bool          // this exchange is not the connection's first
	gotBytes bool          // this exchange read something: it cannot be retried
}

func poolKey(u *url.URL) (key, host string, port int, err error) {
	host = u.Hostname()
	p := u.Port()
	if p == "" {
		p = "80"
		if u.Scheme == "https" {
			p = "443"
		}
	}
	port, err = strconv.Atoi(p)
	if err != nil {
		return "", "", 0, errors.New("asynchttp: bad port in URL " + u.String())
	}
	return u.Scheme + "://" + net.JoinHostPort(host, p), host, port, nil
}

// get returns an idle connection to u's host that is still open, or
// connects a new one.
func (p *pool) get(ctx context.Context, c *Client, u *url.URL, deadline time.Duration) (*pconn, error) {
	key, host, port, err := poolKey(u)
	if err != nil {
		return nil, err
	}
	loop := asyncio.GetEventLoop()
	if p.loop != loop {
		p.loop, p.idle = loop, nil // connections of an earlier loop went with it
	}
	maxIdle := orDefault(c.IdleConnTimeout, 90*time.Second)
	for list := p.idle[key]; len(list) > 0; list = p.idle[key] {
		pc := list[len(list)-1]
		p.idle[key] = list[:len(list)-1]
		// A connection the server closed (or wrote to unasked) while it
		// was idle, or one idle too long, is not reused.
		if pc.rd.AtEOF() || pc.rd.Buffered() > 0 || pc.w.IsClosing() || loop.Time()-pc.idleAt > maxIdle {
			pc.close()
			continue
		}
		pc.reused, pc.gotBytes = true, false
		return pc, nil
	}
	var opts asyncio.StreamOptions
	if u.Scheme == "https" {
		cfg := &tls.Config{}
		if c.TLS != nil {
			cfg = c.TLS.Clone()
		}
		cfg.NextProtos = []string{"http/1.1"}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		opts.TLS = cfg
	}
	var rd *asyncio.StreamReader
	var w *asyncio.StreamWriter
	err = within(ctx, deadline, func(ctx context.Context) (err error) {
		rd, w, err = asyncio.OpenConnection(ctx, host, port, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	pc := &pconn{client: c, key: key, rd: rd, w: w, src: &clientReader{r: rd, ctx: ctx, headLeft: -1}}
	pc.br = bufio.NewReaderSize(pc.src, 4096)
	return pc, nil
}

// put keeps pc for reuse, or closes it if the host has enough idle ones.
func (p *pool) put(c *Client, pc *pconn) {
	limit := c.MaxIdleConnsPerHost
	if limit == 0 {
		limit = 8
	}
	if p.loop != asyncio.GetEventLoop() || len(p.idle[pc.key]) >= limit || limit < 0 {
		pc.close()
		return
	}
	if p.idle == nil {
		p.idle = map[string][]*pconn{}
	}
	pc.idleAt = p.loop.Time()
	p.idle[pc.key] = append(p.idle[pc.key], pc)
}

func (p *pool) closeIdle() {
	if p.loop == asyncio.GetEventLoop() {
		for _, list := range p.idle {
			for _, pc := range list {
				pc.close()
			}
		}
	}
	p.idle = nil
}

func (pc *pconn) close() { pc.w.Close() }

// roundTrip sends req and reads the response's head; the body is read
// later, through the returned response's Body.
func (pc *pconn) roundTrip(ctx context.Context, req *http.Request, deadline time.Duration, headerLimit int) (*http.Response, error) {
	var resp *http.Response
	err := within(ctx, deadline, func(ctx context.Context) error {
		pc.src.ctx = ctx
		pc.src.n, pc.src.headLeft = 0, headerLimit
		defer func() { pc.src.headLeft = -1 }()
		wire := req
		var ec *continueBody
		if d := pc.client.ExpectContinueTimeout; d > 0 && req.ContentLength > 0 && hasToken(req.Header.Get("Expect"), "100-continue") {
			ec = &continueBody{pc: pc, req: req, body: req.Body, wait: d, ctx: ctx}
			wire = req.Clone(ctx)
			wire.Body = ec
		}
		if err := wire.Write(pc.w.IO(ctx)); err != nil {
			if ec == nil || ec.final == nil {
				return err
			}
			// The server answered before the body was sent: that is the
			// response, and the connection cannot carry another request.
			resp = ec.final
			resp.Close = true
			return nil
		}
		for {
			var err error
			if resp, err = http.ReadResponse(pc.br, req); err != nil {
				pc.gotBytes = pc.src.n > 0
				if pc.src.headLeft == 0 {
					err = errors.New("asynchttp: the response's headers exceed MaxResponseHeaderBytes")
				}
				return err
			}
			pc.gotBytes = true
			if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
				return nil
			}
			// An interim 1xx answer: the final one follows.
			pc.src.headLeft = headerLimit
		}
	})
	if err != nil {
		return nil, err
	}
	if resp.Body == http.NoBody {
		pc.release(req, resp)
		return resp, nil
	}
	resp.Body = &clientBody{rc: resp.Body, pc: pc, req: req, resp: resp, ctx: ctx, deadline: deadline}
	return resp, nil
}

// release ends an exchange whose response was read to the end: the
// connection goes back to the pool unless either side asked to close it.
func (pc *pconn) release(req *http.Request, resp *http.Response) {
	if req.Close || resp.Close {
		pc.close()
		return
	}
	pc.client.pool.put(pc.client, pc)
}

// clientReader is the io.Reader under a pconn's bufio.Reader: it reads the
// stream with the current exchange's context, counts what it read, and
// while a response's head is read, limits it to headLeft bytes (-1: off).
type clientReader struct {
	r        *asyncio.StreamReader
	ctx      context.Context
	n        int
	headLeft int
}

func (c *clientReader) Read(p []byte) (int, error) {
	if c.headLeft == 0 {
		return 0, errors.New("asynchttp: response headers too long")
	}
	if c.headLeft > 0 && len(p) > c.headLeft {
		p = p[:c.headLeft]
	}
	n, err := c.r.ReadInto(c.ctx, p)
	c.n += n
	if c.headLeft > 0 {
		c.headLeft -= n
	}
	return n, err
}

// clientBody is a response body read by the caller's task. Reading it to
// the end returns the connection to the pool; closing it before the end,
// or a failed read, closes the connection.
type clientBody struct {
	rc       io.ReadCloser
	pc       *pconn // nil once the exchange is over
	req      *http.Request
	resp     *http.Response
	ctx      context.Context
	deadline time.Duration
	err      error
}

func (b *clientBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	var n int
	err := within(b.ctx, b.deadline, func(ctx context.Context) (err error) {
		b.pc.src.ctx = ctx
		n, err = b.rc.Read(p)
		return err
	})
	if err != nil {
		b.err = err
		if err == io.EOF {
			pc := b.pc
			b.pc = nil
			pc.release(b.req, b.resp)
		} else {
			b.end()
		}
	}
	return n, err
}

// Close ends the exchange; a body not read to the end closes the
// connection, as net/http's does.
func (b *clientBody) Close() error {
	if b.err == nil {
		b.err = errors.New("asynchttp: read on a closed response body")
	}
	b.end()
	return nil
}

func (b *clientBody) end() {
	if b.pc != nil {
		b.pc.close()
		b.pc = nil
	}
}

// continueBody is the body of a request sent with "Expect: 100-continue"
// (Client.ExpectContinueTimeout): its first Read, which comes once the
// headers are written, waits for the server's answer first. A "100
// Continue", or no answer within the wait, lets the body go; a final
// response stops it (Read fails with errBodyNotWanted) and becomes the
// exchange's response.
type continueBody struct {
	pc      *pconn
	req     *http.Request
	body    io.ReadCloser
	wait    time.Duration
	ctx     context.Context
	decided bool
	final   *http.Response
}

var errBodyNotWanted = errors.New("asynchttp: the server answered before the request body was sent")

func (e *continueBody) Read(p []byte) (int, error) {
	if !e.decided {
		e.decided = true
		if err := e.pc.w.Drain(e.ctx); err != nil { // the headers go now
			return 0, err
		}
		var resp *http.Response
		err := asyncio.Timeout(e.ctx, e.wait, func(ctx context.Context) (err error) {
			e.pc.src.ctx = ctx
			defer func() { e.pc.src.ctx = e.ctx }()
			resp, err = http.ReadResponse(e.pc.br, e.req)
			return err
		})
		switch {
		case errors.Is(err, asyncio.ErrTimeout) && e.pc.br.Buffered() == 0 && e.pc.src.n == 0:
			// No answer in time: send the body anyway, as net/http does.
		case err != nil:
			return 0, err
		case resp.StatusCode == http.StatusContinue:
		case resp.StatusCode >= 200:
			e.final = resp
			return 0, errBodyNotWanted
		default:
			return 0, fmt.Errorf("asynchttp: unexpected %d while waiting for 100 Continue", resp.StatusCode)
		}
	}
	return e.body.Read(p)
}

func (e *continueBody) Close() error { return e.body.Close() }
