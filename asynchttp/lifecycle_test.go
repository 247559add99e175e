package asynchttp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// rawConn dials the server at base; the read deadline only keeps a failing
// test short.
func rawConn(t *testing.T, base string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

func readResponse(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Expect: 100-continue, as net/http's server answers it: "100 Continue"
// when the handler reads the body; a handler that answers without reading
// sends no 100 and the connection closes (the body may or may not follow);
// any other expectation gets 417.
func TestExpectContinue(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/echo", app())
	mux.HandleFunc("/deny", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) })
	serve(t, mux, func(base string) {
		c, br := rawConn(t, base)
		fmt.Fprint(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		if resp, _ := readResponse(t, br); resp.StatusCode != http.StatusContinue {
			t.Fatalf("first answer %d, want 100 Continue", resp.StatusCode)
		}
		fmt.Fprint(c, "hello")
		if resp, body := readResponse(t, br); resp.StatusCode != 200 || body != "HELLO" || resp.Close {
			t.Errorf("after 100: %d %q close=%v", resp.StatusCode, body, resp.Close)
		}

		c, br = rawConn(t, base)
		fmt.Fprint(c, "POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		if resp, _ := readResponse(t, br); resp.StatusCode != http.StatusUnauthorized || !resp.Close {
			t.Errorf("refused without reading: %d close=%v, want 401 and Connection: close", resp.StatusCode, resp.Close)
		}

		c, br = rawConn(t, base)
		fmt.Fprint(c, "GET /echo HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n")
		if resp, _ := readResponse(t, br); resp.StatusCode != http.StatusExpectationFailed || !resp.Close {
			t.Errorf("unknown expectation: %d close=%v, want 417 and close", resp.StatusCode, resp.Close)
		}

		// net/http's client waits for the 100 before sending the body.
		tr := &http.Transport{ExpectContinueTimeout: time.Minute}
		defer tr.CloseIdleConnections()
		req, _ := http.NewRequest("POST", base+"/echo", strings.NewReader("quiet"))
		req.Header.Set("Expect", "100-continue")
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "QUIET" {
			t.Errorf("net/http client with Expect: %q", b)
		}
	})
}

// Shutdown, as net/http's: the listener closes, an idle keep-alive
// connection closes at once, a request in flight finishes with
// "Connection: close", and Shutdown returns when every connection is gone.
func TestShutdownGraceful(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/hit", app())
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		if _, _, err := asyncio.Recv(r.Context(), release); err != nil {
			t.Errorf("the request in flight was cancelled: %v", err)
		}
		fmt.Fprint(w, "finished")
	})
	srv := &asynchttp.Server{Handler: mux}
	ready, shut, shutDone := make(chan string), make(chan struct{}), make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
			if err != nil {
				return nil, err
			}
			ready <- fmt.Sprintf("http://127.0.0.1:%d", ln.Port())
			if _, _, err := asyncio.Recv(ctx, shut); err != nil {
				return nil, err
			}
			shutDone <- asyncio.Timeout(ctx, time.Minute, srv.Shutdown)
			return nil, nil
		})
		done <- err
	}()
	base := <-ready
	idle, idleR := rawConn(t, base)
	fmt.Fprint(idle, "GET /hit HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := readResponse(t, idleR); resp.StatusCode != 200 || resp.Close {
		t.Fatalf("keep-alive request: %d close=%v", resp.StatusCode, resp.Close)
	}
	busy, busyR := rawConn(t, base)
	fmt.Fprint(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-started:
	case <-time.After(30 * time.Second): // a guard only
		t.Fatal("the slow handler never started")
	}
	close(shut)
	if n, err := idleR.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("the idle connection was not closed: %d, %v", n, err)
	}
	if c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://")); err == nil {
		c.Close()
		t.Errorf("the listener still accepts after Shutdown")
	}
	select {
	case err := <-shutDone:
		t.Fatalf("Shutdown returned (%v) with a request in flight", err)
	default:
	}
	close(release)
	if resp, body := readResponse(t, busyR); body != "finished" || !resp.Close {
		t.Errorf("request in flight: %q close=%v, want \"finished\" with Connection: close", body, resp.Close)
	}
	if err := <-shutDone; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// A client that stops reading is dropped after WriteTimeout: the handler's
// Write fails with an error that is ErrTimeout, and ErrorLog says so.
func TestWriteTimeout(t *testing.T) {
	var logBuf bytes.Buffer
	werr := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 1 << 12 { // 256 MiB: more than any socket buffers
			if _, err := w.Write(chunk); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	})
	srv := &asynchttp.Server{Handler: h, WriteTimeout: 50 * time.Millisecond, ErrorLog: slog.New(slog.NewTextHandler(&logBuf, nil))}
	serveWith(t, srv, func(base string) {
		c, _ := rawConn(t, base)
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if err := <-werr; !errors.Is(err, asyncio.ErrTimeout) {
			t.Errorf("Write to a client that does not read: %v, want ErrTimeout", err)
		}
	})
	if !strings.Contains(logBuf.String(), "writing the response") {
		t.Errorf("ErrorLog: %q", logBuf.String())
	}
}

// AccessLog gets one record per response.
func TestAccessLog(t *testing.T) {
	var logBuf bytes.Buffer
	srv := &asynchttp.Server{Handler: app(), AccessLog: slog.New(slog.NewJSONHandler(&logBuf, nil))}
	serveWith(t, srv, func(base string) {
		c := &http.Client{}
		defer c.CloseIdleConnections()
		get(t, c, base+"/hit?x=1")
		get(t, c, base+"/nothing")
	})
	var recs []map[string]any
	for line := range strings.Lines(logBuf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, m)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %s", len(recs), logBuf.String())
	}
	if r := recs[0]; r["method"] != "GET" || r["path"] != "/hit?x=1" || r["status"] != 200.0 || r["bytes"] != 6.0 {
		t.Errorf("first record: %v", r)
	}
	if r := recs[1]; r["status"] != 404.0 {
		t.Errorf("second record: %v", r)
	}
}

// A panicking handler: its client gets 500, the panic reaches the loop's
// exception handler with the handler's stack, and the server goes on.
func TestPanicReportedWithStack(t *testing.T) {
	var reports []asyncio.ExceptionContext
	l := asyncio.NewEventLoop()
	l.SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) { reports = append(reports, c) })
	srv := &asynchttp.Server{Handler: app()}
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		c := &asynchttp.Client{}
		defer c.CloseIdleConnections()
		base := fmt.Sprintf("http://127.0.0.1:%d", ln.Port())
		for _, path := range []string{"/panic", "/hit"} {
			resp, err := c.Get(ctx, base+path)
			if err != nil {
				return nil, err
			}
			body := readAll(t, resp)
			if path == "/panic" && resp.StatusCode != 500 || path == "/hit" && body != "hits=1" {
				t.Errorf("GET %s: %d %q", path, resp.StatusCode, body)
			}
		}
		return nil, asyncio.Timeout(ctx, 5*time.Second, srv.Shutdown)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports, want 1: %+v", len(reports), reports)
	}
	var pe *asyncio.PanicError
	if r := reports[0]; !errors.As(r.Err, &pe) || pe.Value != "handler bug" || !strings.Contains(string(pe.Stack), "server_test.go") ||
		!strings.Contains(r.Message, "GET /panic") {
		t.Errorf("report: %q %v", r.Message, r.Err)
	}
}

// The server's timeouts on the virtual clock, over the simulated network:
// a kept-alive connection closes IdleTimeout after its last response, a
// head that never ends is dropped ReadHeaderTimeout after it began, and a
// head over MaxHeaderBytes gets 431; to the millisecond, in no real time.
func TestTimeoutsOnVirtualClock(t *testing.T) {
	l, _ := asynciotest.NewLoop(t)
	asynciotest.UseNetwork(t, l, asynciotest.NetworkOptions{Latency: time.Millisecond})
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv := &asynchttp.Server{Handler: app(), IdleTimeout: 30 * time.Second, ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 1 << 10}
		if _, err := srv.ListenAndServe(ctx, "10.0.0.1", 80); err != nil {
			return nil, err
		}
		// closedAfter sends req and reports how long after its reply (or
		// after sending, if none) the server closed the connection.
		closedAfter := func(req string) (reply string, after time.Duration) {
			r, w, err := asyncio.OpenConnection(ctx, "10.0.0.1", 80)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Write([]byte(req))
			start := l.Time()
			var got []byte
			for {
				b, err := r.Read(ctx, 4096)
				if len(b) > 0 && len(got) == 0 {
					start = l.Time()
				}
				got = append(got, b...)
				if len(b) == 0 || err != nil {
					return string(got), l.Time() - start
				}
			}
		}
		within := func(d, want time.Duration) bool { return d >= want && d <= want+5*time.Millisecond }

		reply, after := closedAfter("GET /hit HTTP/1.1\r\nHost: x\r\n\r\n")
		if !strings.Contains(reply, "hits=1") || !within(after, 30*time.Second) {
			t.Errorf("idle: closed %v after the reply %q, want 30s", after, reply)
		}
		reply, after = closedAfter("GET /hit HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		if reply != "" || !within(after, 5*time.Second) {
			t.Errorf("unfinished head: closed %v after it began (reply %q), want 5s", after, reply)
		}
		reply, _ = closedAfter("GET /hit HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 2<<10) + "\r\n\r\n")
		if !strings.HasPrefix(reply, "HTTP/1.1 431 ") {
			t.Errorf("head over MaxHeaderBytes: %q, want 431", reply)
		}
		return nil, asyncio.Timeout(ctx, time.Minute, srv.Shutdown)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The server on a Unix socket, with net/http's client dialing it.
func TestUnixSocket(t *testing.T) {
	path := t.TempDir() + "/http.sock"
	srv := &asynchttp.Server{Handler: app()}
	_, stop := inBackground(t, func(ctx context.Context) (*asyncio.Server, error) { return srv.ListenAndServeUnix(ctx, path) })
	defer stop()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i := 1; i <= 2; i++ {
		if body, _ := get(t, c, "http://unix/hit"); body != fmt.Sprintf("hits=%d", i) {
			t.Errorf("over a Unix socket: %q", body)
		}
	}
}

// TimeoutHandler on the virtual clock: a slow handler's client gets 503
// (what the handler began is dropped) unless part of the response was
// already sent, when the connection closes instead; a fast one is served.
func TestTimeoutHandler(t *testing.T) {
	l, _ := asynciotest.NewLoop(t)
	l.SetExceptionHandler(func(*asyncio.Loop, asyncio.ExceptionContext) {})
	asynciotest.UseNetwork(t, l, asynciotest.NetworkOptions{Latency: time.Millisecond})
	var sawTimeout bool
	mux := http.NewServeMux()
	mux.HandleFunc("/fast", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "quick") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Begun", "yes")
		fmt.Fprint(w, "half")
		err := asyncio.Sleep(r.Context(), time.Hour)
		sawTimeout = errors.Is(err, context.Canceled) || errors.Is(err, asyncio.ErrTimeout)
	})
	mux.HandleFunc("/flushed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "half")
		w.(http.Flusher).Flush()
		asyncio.Sleep(r.Context(), time.Hour)
	})
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv := &asynchttp.Server{Handler: asynchttp.TimeoutHandler(mux, time.Second, "too slow")}
		if _, err := srv.ListenAndServe(ctx, "10.0.0.1", 80); err != nil {
			return nil, err
		}
		c := &asynchttp.Client{}
		start := l.Time()
		resp, err := c.Get(ctx, "http://10.0.0.1/slow")
		if err != nil {
			return nil, err
		}
		body := readAll(t, resp)
		if resp.StatusCode != 503 || strings.TrimSpace(body) != "too slow" || resp.Header.Get("X-Begun") != "" || l.Time()-start > 1100*time.Millisecond {
			t.Errorf("slow handler: %d %q %v after %v", resp.StatusCode, body, resp.Header, l.Time()-start)
		}
		if !sawTimeout {
			t.Errorf("the slow handler's await did not end with the timeout")
		}
		if resp, err := c.Get(ctx, "http://10.0.0.1/fast"); err != nil || readAll(t, resp) != "quick" {
			t.Errorf("fast handler: %v", err)
		}
		resp, err = c.Get(ctx, "http://10.0.0.1/flushed")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("a response cut short by the timeout: %v, want the connection closed mid-body", err)
		}
		c.CloseIdleConnections()
		return nil, asyncio.Timeout(ctx, time.Minute, srv.Shutdown)
	})
	if err != nil {
		t.Fatal(err)
	}
}
