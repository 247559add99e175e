package asynchttp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs a loop with the handler in the background and calls client
// with the base URL; the loop stops when client returns.
func serve(t *testing.T, h http.Handler, client func(base string)) {
	t.Helper()
	serveWith(t, &asynchttp.Server{Handler: h}, client)
}

func serveWith(t *testing.T, srvConf *asynchttp.Server, client func(base string)) {
	t.Helper()
	port, stop := inBackground(t, func(ctx context.Context) (*asyncio.Server, error) {
		return srvConf.ListenAndServe(ctx, "127.0.0.1", 0)
	})
	client(fmt.Sprintf("http://127.0.0.1:%d", port))
	stop()
}

// inBackground runs a fresh loop on another goroutine, starts a server
// there with listen, and returns its port (0 on a Unix socket) and a stop
// function that closes it and its connections and waits for the loop to
// end. The test goroutine is then free to be the client.
func inBackground(t *testing.T, listen func(ctx context.Context) (*asyncio.Server, error)) (port int, stop func()) {
	t.Helper()
	asyncio.NewEventLoop().SetExceptionHandler(func(*asyncio.Loop, asyncio.ExceptionContext) {}) // the panic test's report
	ready, quit := make(chan int), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			srv, err := listen(ctx)
			if err != nil {
				close(ready)
				return nil, err
			}
			ready <- srv.Port()
			_, _, err = asyncio.Recv(ctx, quit)
			srv.Close()
			srv.CloseClients()
			return nil, err
		})
		done <- err
	}()
	port, ok := <-ready
	if !ok {
		t.Fatal(<-done)
	}
	return port, func() {
		t.Helper()
		close(quit)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// The handlers share a counter with no mutex: one loop.
func app() http.Handler {
	mux := http.NewServeMux()
	hits := 0
	mux.HandleFunc("/hit", func(w http.ResponseWriter, r *http.Request) {
		hits++
		fmt.Fprintf(w, "hits=%d", hits)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write([]byte(strings.ToUpper(string(body))))
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "part %d\n", i)
			w.(http.Flusher).Flush()
			asyncio.Sleep(r.Context(), 0) // a handler can await
		}
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("handler bug") })
	return mux
}

func get(t *testing.T, c *http.Client, url string) (string, *http.Response) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b), resp
}

// net/http's client against the server: keep-alive reuses the connection,
// bodies both ways, a streamed (chunked) response, HEAD, a panic's 500.
func TestWithNetHTTPClient(t *testing.T) {
	serve(t, app(), func(base string) {
		c := &http.Client{}
		defer c.CloseIdleConnections()
		reused := 0
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
			if i.Reused {
				reused++
			}
		}}
		for i := 1; i <= 3; i++ {
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", base+"/hit", nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != fmt.Sprintf("hits=%d", i) || resp.ContentLength != int64(len(b)) {
				t.Errorf("GET /hit: %q (length %d)", b, resp.ContentLength)
			}
		}
		if reused != 2 {
			t.Errorf("keep-alive: %d of 3 requests reused the connection, want 2", reused)
		}
		resp, err := c.Post(base+"/echo", "text/plain", strings.NewReader("shout"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "SHOUT" {
			t.Errorf("POST /echo: %q", b)
		}
		body, resp := get(t, c, base+"/stream")
		if body != "part 0\npart 1\npart 2\n" || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
			t.Errorf("GET /stream: %q, %v", body, resp.TransferEncoding)
		}
		resp, err = c.Head(base + "/hit")
		if err != nil || resp.StatusCode != 200 || resp.ContentLength <= 0 {
			t.Errorf("HEAD: %v %+v", err, resp)
		}
		resp.Body.Close()
		if _, resp := get(t, c, base+"/panic"); resp.StatusCode != 500 {
			t.Errorf("panic: status %d", resp.StatusCode)
		}
		if body, _ := get(t, c, base+"/hit"); !strings.HasPrefix(body, "hits=") {
			t.Errorf("after a panic the server should go on: %q", body)
		}
	})
}

// Ambiguous framing (two different Content-Lengths) is refused with 400 and
// the connection closed: the request smuggled behind it is never answered.
func TestSmugglingRefused(t *testing.T) {
	serve(t, app(), func(base string) {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 9\r\n\r\nABCDGET /hit HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 {
			t.Errorf("status %d (%s), want 400", resp.StatusCode, rest)
		}
		if more, _ := io.ReadAll(c); len(more) != 0 {
			t.Errorf("the smuggled request was answered: %q", more)
		}
	})
}

// Content-Length and Transfer-Encoding together: served by the
// Transfer-Encoding, as net/http does, and then the connection closes (RFC
// 9112 section 6.1), so the request smuggled behind it is never answered.
func TestLengthAndChunkedClosesAfter(t *testing.T) {
	serve(t, app(), func(base string) {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nGET /hit HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "HI" || !resp.Close {
			t.Errorf("got %d %q close=%v; want 200 \"HI\" and Connection: close", resp.StatusCode, body, resp.Close)
		}
		if more, _ := io.ReadAll(br); len(more) != 0 {
			t.Errorf("the smuggled request was answered: %q", more)
		}
	})
}

// A body over MaxBodyBytes: the handler's read fails with
// *http.MaxBytesError and the connection closes after the answer.
func TestMaxBodyBytes(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprint(w, "fine")
	})
	serveWith(t, &asynchttp.Server{Handler: h, MaxBodyBytes: 10}, func(base string) {
		resp, err := http.Post(base+"/", "text/plain", strings.NewReader("small"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("small body: %d", resp.StatusCode)
		}
		resp, err = http.Post(base+"/", "text/plain", strings.NewReader(strings.Repeat("x", 100)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Errorf("big body: %d, close=%v", resp.StatusCode, resp.Close)
		}
		http.DefaultClient.CloseIdleConnections()
	})
}

// A slowloris client (headers begun, never finished) is dropped after
// ReadHeaderTimeout, and meanwhile others are served.
func TestSlowlorisTimesOut(t *testing.T) {
	// Long enough for the other client's head on a loaded machine (the
	// virtual-clock test checks the limit itself to the millisecond).
	serveWith(t, &asynchttp.Server{Handler: app(), ReadHeaderTimeout: time.Second}, func(base string) {
		slow, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		fmt.Fprint(slow, "GET /hit HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		c := &http.Client{}
		defer c.CloseIdleConnections()
		if body, _ := get(t, c, base+"/hit"); !strings.HasPrefix(body, "hits=") {
			t.Errorf("another client while one is slow: %q", body)
		}
		// Read returns when the server closes the connection (an error here
		// means the server never did; the deadline only keeps a failure short).
		slow.SetReadDeadline(time.Now().Add(30 * time.Second))
		if n, err := slow.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("the slow client was not dropped: %d, %v", n, err)
		}
	})
}
