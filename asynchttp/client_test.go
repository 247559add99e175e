package asynchttp_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// inLoop runs body as the main task of a fresh loop.
func inLoop(t *testing.T, body func(ctx context.Context) error) {
	t.Helper()
	asyncio.NewEventLoop()
	if _, err := asyncio.Run(func(ctx context.Context) (any, error) { return nil, body(ctx) }); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Errorf("reading the body: %v", err)
	}
	return string(b)
}

// netHTTPServer is net/http's server with routes for the client tests; it
// counts the connections it accepted.
func netHTTPServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("Content-Type"), b)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat("x", 1<<20))) })
	mux.HandleFunc("/redirect/{code}", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(r.PathValue("code"), &code)
		http.Redirect(w, r, "/echo", code)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Header.Get("Authorization")) })
	mux.HandleFunc("/setcookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1"})
		http.Redirect(w, r, "/cookie", http.StatusFound)
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			fmt.Fprint(w, "none")
			return
		}
		fmt.Fprint(w, c.Value)
	})
	srv := httptest.NewUnstartedServer(mux)
	conns := new(atomic.Int32)
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, conns
}

// Our client against net/http's server: bodies both ways, chunked and large
// responses, HEAD, keep-alive reuse.
func TestClientWithNetHTTPServer(t *testing.T) {
	srv, conns := netHTTPServer(t)
	c := &asynchttp.Client{}
	inLoop(t, func(ctx context.Context) error {
		defer c.CloseIdleConnections()
		for range 3 {
			resp, err := c.Get(ctx, srv.URL+"/hello")
			if err != nil {
				return err
			}
			if body := readAll(t, resp); resp.StatusCode != 200 || body != "hello" {
				t.Errorf("GET /hello: %d %q", resp.StatusCode, body)
			}
		}
		resp, err := c.Post(ctx, srv.URL+"/echo", "text/plain", strings.NewReader("payload"))
		if err != nil {
			return err
		}
		if body := readAll(t, resp); body != "POST text/plain payload" {
			t.Errorf("POST /echo: %q", body)
		}
		resp, err = c.Get(ctx, srv.URL+"/chunked")
		if err != nil {
			return err
		}
		if body := readAll(t, resp); body != "part0;part1;part2;" || len(resp.TransferEncoding) == 0 {
			t.Errorf("chunked: %q %v", body, resp.TransferEncoding)
		}
		resp, err = c.Get(ctx, srv.URL+"/big")
		if err != nil {
			return err
		}
		if body := readAll(t, resp); len(body) != 1<<20 {
			t.Errorf("big: %d bytes", len(body))
		}
		req, _ := http.NewRequest(http.MethodHead, srv.URL+"/hello", nil)
		resp, err = c.Do(ctx, req)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || resp.ContentLength != 5 || readAll(t, resp) != "" {
			t.Errorf("HEAD: %d length %d", resp.StatusCode, resp.ContentLength)
		}
		return nil
	})
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 7 sequential requests, want 1 (keep-alive)", n)
	}
}

// Redirects as net/http's client follows them.
func TestClientRedirects(t *testing.T) {
	srv, _ := netHTTPServer(t)
	c := &asynchttp.Client{}
	inLoop(t, func(ctx context.Context) error {
		defer c.CloseIdleConnections()
		post := func(path string, rewind bool) (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader("data"))
			req.Header.Set("Content-Type", "text/plain")
			if !rewind {
				req.GetBody = nil
				req.Body = io.NopCloser(strings.NewReader("data"))
			}
			return c.Do(ctx, req)
		}
		for _, tc := range []struct {
			path   string
			rewind bool
			status int
			body   string
		}{
			{"/redirect/301", true, 200, "GET  "},
			{"/redirect/302", true, 200, "GET  "},
			{"/redirect/303", true, 200, "GET  "},
			{"/redirect/307", true, 200, "POST text/plain data"},
			{"/redirect/308", true, 200, "POST text/plain data"},
			{"/redirect/307", false, 307, ""}, // a body that cannot be sent again: the 307 is the answer
		} {
			resp, err := post(tc.path, tc.rewind)
			if err != nil {
				return err
			}
			if body := readAll(t, resp); resp.StatusCode != tc.status || (tc.status == 200 && body != tc.body) {
				t.Errorf("POST %s (rewind %v): %d %q, want %d %q", tc.path, tc.rewind, resp.StatusCode, body, tc.status, tc.body)
			}
		}
		_, err := c.Get(ctx, srv.URL+"/loop")
		var ue *url.Error
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "stopped after 10 redirects") {
			t.Errorf("redirect loop: %v", err)
		}
		last := &asynchttp.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := last.Get(ctx, srv.URL+"/redirect/302")
		if err != nil || resp.StatusCode != 302 || resp.Header.Get("Location") != "/echo" {
			t.Errorf("ErrUseLastResponse: %v %v", err, resp)
		} else {
			resp.Body.Close()
		}
		last.CloseIdleConnections()
		return nil
	})
}

// Authorization goes to the same host across a redirect, not to another;
// a cookie jar sees the cookies set on the way.
func TestClientRedirectHeadersAndCookies(t *testing.T) {
	srv, _ := netHTTPServer(t)
	other := httptest.NewServer(http.RedirectHandler(srv.URL+"/auth", http.StatusFound))
	defer other.Close()
	jar, _ := cookiejar.New(nil)
	c := &asynchttp.Client{Jar: jar}
	inLoop(t, func(ctx context.Context) error {
		defer c.CloseIdleConnections()
		// Same host (127.0.0.1, another port): kept, as net/http keeps it.
		req, _ := http.NewRequest("GET", other.URL+"/", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := c.Do(ctx, req)
		if err != nil {
			return err
		}
		if body := readAll(t, resp); body != "Bearer t" {
			t.Errorf("Authorization on the same host: %q", body)
		}
		// Another host name: dropped.
		req, _ = http.NewRequest("GET", strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/", nil)
		req.Header.Set("Authorization", "Bearer t")
		if resp, err = c.Do(ctx, req); err != nil {
			return err
		}
		if body := readAll(t, resp); body != "" {
			t.Errorf("Authorization sent to another host: %q", body)
		}
		if resp, err = c.Get(ctx, srv.URL+"/setcookie"); err != nil {
			return err
		}
		if body := readAll(t, resp); body != "s1" {
			t.Errorf("cookie through the jar: %q", body)
		}
		return nil
	})
}

// Timeout bounds the exchange and cancellation aborts it: each closes the
// connection it was using, and the error says which it was.
func TestClientTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Write([]byte("start"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	inLoop(t, func(ctx context.Context) error {
		c := &asynchttp.Client{Timeout: 20 * time.Millisecond}
		_, err := c.Get(ctx, slow.URL+"/head")
		if !errors.Is(err, asyncio.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting for headers past Timeout: %v", err)
		}
		// Long enough for the head to arrive on a loaded machine; the body
		// never ends.
		c = &asynchttp.Client{Timeout: time.Second}
		resp, err := c.Get(ctx, slow.URL+"/body")
		if err != nil {
			return err
		}
		if _, err := io.ReadAll(resp.Body); !errors.Is(err, asyncio.ErrTimeout) {
			t.Errorf("reading a body past Timeout: %v", err)
		}
		resp.Body.Close()

		// A cancelled task's request ends with its CancelledError.
		c = &asynchttp.Client{}
		task := asyncio.CreateTask(ctx, func(ctx context.Context) (*http.Response, error) { return c.Get(ctx, slow.URL+"/head") })
		asyncio.Sleep(ctx, 10*time.Millisecond)
		task.Cancel()
		_, err = task.Await(ctx)
		var ce *asyncio.CancelledError
		if !errors.As(err, &ce) || errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("cancelled request: %v, want the CancelledError", err)
		}
		return nil
	})
}

// A kept-alive connection the server closed while it was idle: the next
// idempotent request is sent again on a new connection, as net/http does.
func TestClientRetriesClosedIdleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() { // answers one request per connection, then closes it without saying so
		defer close(served)
		for range 2 {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			http.ReadRequest(bufio.NewReader(c))
			fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			c.Close()
		}
	}()
	inLoop(t, func(ctx context.Context) error {
		c := &asynchttp.Client{}
		defer c.CloseIdleConnections()
		for i := range 2 {
			resp, err := c.Get(ctx, "http://"+ln.Addr().String()+"/")
			if err != nil {
				return fmt.Errorf("request %d: %w", i, err)
			}
			if body := readAll(t, resp); body != "ok" {
				t.Errorf("request %d: %q", i, body)
			}
		}
		return nil
	})
	<-served
}

// Our client and our server on one loop, over the simulated network with
// the virtual clock: a whole web service tested deterministically, under
// many seeded schedules.
func TestClientAndServerOnOneLoop(t *testing.T) {
	asynciotest.Explore(t, func(ctx context.Context, t testing.TB) error {
		srv := &asynchttp.Server{Handler: app()}
		if _, err := srv.ListenAndServe(ctx, "127.0.0.1", 8080); err != nil {
			return err
		}
		c := &asynchttp.Client{}
		results, err := asyncio.Gather(ctx,
			func(ctx context.Context) (string, error) { return fetch(ctx, c, "http://127.0.0.1:8080/hit") },
			func(ctx context.Context) (string, error) { return fetch(ctx, c, "http://127.0.0.1:8080/hit") },
			func(ctx context.Context) (string, error) { return fetch(ctx, c, "http://127.0.0.1:8080/stream") },
		)
		if err != nil {
			return err
		}
		if hits := results[0] + results[1]; hits != "hits=1hits=2" && hits != "hits=2hits=1" {
			t.Errorf("two hits: %q", hits)
		}
		if results[2] != "part 0\npart 1\npart 2\n" {
			t.Errorf("stream: %q", results[2])
		}
		c.CloseIdleConnections()
		return asyncio.Timeout(ctx, time.Second, srv.Shutdown)
	}, asynciotest.Options{Seeds: 20, Network: &asynciotest.NetworkOptions{Latency: time.Millisecond, Jitter: time.Millisecond, MaxSegment: 7}})
}

func fetch(ctx context.Context, c *asynchttp.Client, url string) (string, error) {
	resp, err := c.Get(ctx, url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// HTTPS both ways: our server with the listener's TLS option against
// net/http's client, and our client against net/http's TLS server.
func TestTLS(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "net/http over %s", r.Proto)
	}))
	ts.EnableHTTP2 = false
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())

	// Our client, trusting the test server's certificate.
	inLoop(t, func(ctx context.Context) error {
		c := &asynchttp.Client{TLS: &tls.Config{RootCAs: pool}}
		defer c.CloseIdleConnections()
		for range 2 {
			resp, err := c.Get(ctx, ts.URL+"/")
			if err != nil {
				return err
			}
			if body := readAll(t, resp); body != "net/http over HTTP/1.1" {
				t.Errorf("our client over TLS: %q", body)
			}
		}
		return nil
	})

	// Our server, with the same certificate, against net/http's client.
	serveTLS := &asynchttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "asynchttp over TLS, %s, handshake complete %v", r.Proto, r.TLS != nil && r.TLS.HandshakeComplete)
	})}
	port, stop := inBackground(t, func(ctx context.Context) (*asyncio.Server, error) {
		return serveTLS.ListenAndServe(ctx, "127.0.0.1", 0, asyncio.ServerOptions{TLS: ts.TLS.Clone()})
	})
	defer stop()
	url := fmt.Sprintf("https://127.0.0.1:%d/", port)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for range 2 {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, resp); body != "asynchttp over TLS, HTTP/1.1, handshake complete true" {
			t.Errorf("net/http's client against our TLS server: %q", body)
		}
	}
	client.CloseIdleConnections()
}

// countingReader counts what is read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// Expect: 100-continue from our client: the body goes after the server's
// 100, and not at all when the server answers first (here 401, from a
// handler that never reads it). Both ends are ours, on one loop.
func TestClientExpectContinue(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/echo", app())
	mux.HandleFunc("/deny", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) })
	inLoop(t, func(ctx context.Context) error {
		srv := &asynchttp.Server{Handler: mux}
		ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		c := &asynchttp.Client{ExpectContinueTimeout: time.Minute}
		defer c.CloseIdleConnections()
		base := fmt.Sprintf("http://127.0.0.1:%d", ln.Port())
		for _, tc := range []struct {
			path   string
			status int
			sent   int
		}{{"/echo", 200, 1 << 20}, {"/deny", 401, 0}, {"/echo", 200, 1 << 20}} {
			body := &countingReader{r: strings.NewReader(strings.Repeat("x", 1<<20))}
			req, _ := http.NewRequest("POST", base+tc.path, body)
			req.ContentLength = 1 << 20
			req.Header.Set("Expect", "100-continue")
			resp, err := c.Do(ctx, req)
			if err != nil {
				return err
			}
			got := readAll(t, resp)
			if resp.StatusCode != tc.status || body.n != tc.sent || tc.status == 200 && len(got) != 1<<20 {
				t.Errorf("POST %s: %d, body sent %d bytes, want %d and %d", tc.path, resp.StatusCode, body.n, tc.status, tc.sent)
			}
		}
		return asyncio.Timeout(ctx, 5*time.Second, srv.Shutdown)
	})
}

// Client and server over a network that resets connections and fails
// writes at random, under many seeded schedules: every exchange either
// returns exactly the right answer or fails with an error a program can
// classify (the peer gone, the stream closed, an I/O error), and never
// hangs, panics or mixes up two responses; the server ends with no
// connection left. Requests are idempotent, so the client may retry them
// on a fresh connection.
func TestClientAndServerUnderFaults(t *testing.T) {
	asynciotest.Explore(t, func(ctx context.Context, t testing.TB) error {
		mux := http.NewServeMux()
		mux.HandleFunc("/echo/{word}", func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			fmt.Fprintf(w, "%s:%s", r.PathValue("word"), body)
		})
		srv := &asynchttp.Server{Handler: mux}
		if _, err := srv.ListenAndServe(ctx, "10.0.0.1", 80); err != nil {
			return err
		}
		c := &asynchttp.Client{Timeout: time.Minute}
		var fns []func(context.Context) (any, error)
		for i := range 6 {
			fns = append(fns, func(ctx context.Context) (any, error) {
				for j := range 3 {
					word := fmt.Sprintf("w%d-%d", i, j)
					req, _ := http.NewRequest("PUT", "http://10.0.0.1/echo/"+word, strings.NewReader(strings.Repeat("b", 100*i)))
					resp, err := c.Do(ctx, req)
					var body []byte
					if err == nil {
						body, err = io.ReadAll(resp.Body)
						resp.Body.Close()
					}
					switch {
					case err == nil && string(body) != word+":"+strings.Repeat("b", 100*i):
						t.Errorf("request %s got %q", word, body)
					case err != nil && !classified(err):
						t.Errorf("request %s: an error nobody can classify: %v", word, err)
					}
				}
				return nil, nil
			})
		}
		if _, err := asyncio.Gather(ctx, fns...); err != nil {
			return err
		}
		c.CloseIdleConnections()
		return asyncio.Timeout(ctx, time.Minute, srv.Shutdown)
	}, asynciotest.Options{Seeds: 60, Network: &asynciotest.NetworkOptions{Latency: time.Millisecond, Jitter: time.Millisecond,
		MaxSegment: 40, ResetRate: 0.02, WriteFailRate: 0.01}})
}

// classified reports an error a program can act on: the peer reset or
// closed, the stream closed, an I/O failure. (Not a timeout: nothing here
// should wait a minute.)
func classified(err error) bool {
	for _, target := range []error{syscall.ECONNRESET, syscall.EPIPE, syscall.EIO, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
