//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// Streams are tested on real sockets (127.0.0.1 and Unix sockets in
// t.TempDir()), on a fresh loop with the real clock and debug checks, with
// every descriptor accounted for. Peers are tasks on the same loop, or plain
// Go code run with ToThread.

// runStreams runs main as the program's task on a fresh real-clock loop in
// debug mode. Anything reaching the exception handler fails the test unless
// main installs its own handler.
func runStreams(t *testing.T, main func(ctx context.Context) error) {
	t.Helper()
	checkFDs(t) // before the loop: its own descriptors are gone when Run returns
	l := asyncio.NewEventLoop()
	l.SetDebug(true)
	t.Cleanup(func() { l.Close() })
	if streamNetwork != nil { // stream_sim_test.go: the same test on the simulated network
		l.SetClock(asynciotest.NewClock())
		asynciotest.UseNetwork(t, l, *streamNetwork)
		// Megabytes cross as thousands of timed segments: the per-iteration
		// invariant checks (O(timers) each) would make it quadratic.
		l.SetDebug(false)
	}
	l.SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
		t.Errorf("exception handler: %s: %v", c.Message, c.Err)
	})
	if _, err := asyncio.Run(func(ctx context.Context) (any, error) { return nil, main(ctx) }); err != nil {
		t.Fatal(err)
	}
}

// checkFDs fails the test if it ends with more open descriptors than it
// began with (Linux: /proc/self/fd).
func checkFDs(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	before := countFDs(t)
	t.Cleanup(func() {
		if after := countFDs(t); after > before {
			t.Errorf("descriptors leaked: %d open before the test, %d after", before, after)
		}
	})
}

func countFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

type endpoint struct {
	r *asyncio.StreamReader
	w *asyncio.StreamWriter
}

// tcpPair connects a client to a one-shot server on 127.0.0.1 and returns
// both ends. The server's handler holds its end until the test's main task
// returns (Run then cancels it, which closes it); the test closes the client.
func tcpPair(ctx context.Context, t *testing.T, opts ...asyncio.StreamOptions) (client, server endpoint) {
	t.Helper()
	var accepted, hold asyncio.Event
	s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
		server = endpoint{r, w}
		accepted.Set()
		return hold.Wait(ctx)
	}, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := accepted.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	return endpoint{r, w}, server
}

// upperEcho answers each line with the line in upper case, until EOF.
func upperEcho(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	for {
		line, err := r.ReadLine(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := w.Write(bytes.ToUpper(line)); err != nil {
			return err
		}
		if err := w.Drain(ctx); err != nil {
			return err
		}
	}
}

// Lines go back and forth over TCP and Unix sockets; WriteEOF ends the
// client's side, the server's handler returns, and the client reads the end.
func TestStreamEcho(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			runStreams(t, func(ctx context.Context) error {
				var s *asyncio.Server
				var r *asyncio.StreamReader
				var w *asyncio.StreamWriter
				var err error
				if network == "tcp" {
					if s, err = asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0); err == nil {
						r, w, err = asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
					}
				} else {
					path := filepath.Join(t.TempDir(), "echo.sock")
					if s, err = asyncio.StartUnixServer(ctx, upperEcho, path); err == nil {
						r, w, err = asyncio.OpenUnixConnection(ctx, path)
					}
				}
				if err != nil {
					return err
				}
				defer s.Close()
				defer w.Close()
				for _, msg := range []string{"hello\n", "streams\n"} {
					w.Write([]byte(msg))
					if err := w.Drain(ctx); err != nil {
						return err
					}
					got, err := r.ReadLine(ctx)
					if string(got) != strings.ToUpper(msg) || err != nil {
						t.Errorf("ReadLine = %q, %v; want %q", got, err, strings.ToUpper(msg))
					}
				}
				if !w.CanWriteEOF() {
					t.Error("CanWriteEOF = false on a plain socket")
				}
				if err := w.WriteEOF(); err != nil {
					return err
				}
				if got, err := r.ReadLine(ctx); err != io.EOF || !r.AtEOF() {
					t.Errorf("after WriteEOF: ReadLine = %q, %v, AtEOF %v; want io.EOF, true", got, err, r.AtEOF())
				}
				if _, ok := w.GetExtraInfo("peername").(net.Addr); !ok {
					t.Errorf("peername = %#v, want a net.Addr", w.GetExtraInfo("peername"))
				}
				if fd, ok := w.GetExtraInfo("socket").(int); !ok || fd < 0 {
					t.Errorf("socket = %#v, want a descriptor", w.GetExtraInfo("socket"))
				}
				return nil
			})
		})
	}
}

// Each read method against one script from the peer.
func TestStreamReadMethods(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		s.w.Write([]byte("line one\nXYZabc--rest of it"))
		s.w.Close()
		expect := func(what string, got []byte, err error, want string) {
			t.Helper()
			if string(got) != want || err != nil {
				t.Errorf("%s = %q, %v; want %q", what, got, err, want)
			}
		}
		got, err := c.r.ReadLine(ctx)
		expect("ReadLine", got, err, "line one\n")
		got, err = c.r.ReadExactly(ctx, 3)
		expect("ReadExactly(3)", got, err, "XYZ")
		got, err = c.r.ReadUntil(ctx, []byte("--"))
		expect("ReadUntil(--)", got, err, "abc--")
		buf := make([]byte, 4)
		n, err := c.r.ReadInto(ctx, buf)
		expect("ReadInto", buf[:n], err, "rest")
		got, err = c.r.Read(ctx, 3)
		expect("Read(3)", got, err, " of")
		got, err = c.r.Read(ctx, -1)
		expect("Read(-1)", got, err, " it")
		if got, err := c.r.Read(ctx, 10); err != io.EOF || len(got) != 0 {
			t.Errorf("Read at EOF = %q, %v; want io.EOF", got, err)
		}
		if n, err := c.r.ReadInto(ctx, buf); n != 0 || err != io.EOF {
			t.Errorf("ReadInto at EOF = %d, %v; want io.EOF", n, err)
		}
		if !c.r.AtEOF() {
			t.Error("AtEOF = false after the end")
		}
		return nil
	})
}

// A peer that closes in the middle of ReadExactly: IncompleteReadError with
// the bytes that came, matching io.ErrUnexpectedEOF.
func TestStreamReadExactlyPeerCloses(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return c.r.ReadExactly(ctx, 10) })
		asyncio.Sleep(ctx, 0)
		s.w.Write([]byte("12345"))
		s.w.Close()
		_, err := reader.Await(ctx)
		var ie *asyncio.IncompleteReadError
		if !errors.As(err, &ie) || string(ie.Partial) != "12345" || ie.Expected != 10 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("ReadExactly = %v; want IncompleteReadError with partial 12345 of 10", err)
		}
		return nil
	})
}

// An over-long line: LimitOverrunError, and the stream stays usable. As in
// CPython, ReadLine discards the long line's bytes and ReadUntil keeps them.
func TestStreamLimitOverrun(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t, asyncio.StreamOptions{Limit: 16})
		defer c.w.Close()
		s.w.Write([]byte(strings.Repeat("a", 40) + "\nshort\n" + "0123456789ABCDEFGHIJ|tail"))
		s.w.Close()
		var le *asyncio.LimitOverrunError
		if _, err := c.r.ReadLine(ctx); !errors.As(err, &le) || le.Limit != 16 {
			t.Fatalf("long line: %v; want a LimitOverrunError", err)
		}
		for { // the rest of the long line may come as a line of its own
			line, err := c.r.ReadLine(ctx)
			if string(line) == "short\n" {
				break
			}
			if err != nil && !errors.As(err, &le) {
				t.Fatalf("after the overrun: %q, %v; want the next line", line, err)
			}
		}
		if _, err := c.r.ReadUntil(ctx, []byte("|")); !errors.As(err, &le) {
			t.Fatalf("ReadUntil past the limit: %v; want a LimitOverrunError", err)
		}
		c.r.SetLimit(64)
		got, err := c.r.ReadUntil(ctx, []byte("|"))
		if string(got) != "0123456789ABCDEFGHIJ|" || err != nil {
			t.Errorf("ReadUntil after raising the limit = %q, %v; the bytes should have stayed buffered", got, err)
		}
		_, err = c.r.ReadUntil(ctx, []byte("|"))
		if ie := (*asyncio.IncompleteReadError)(nil); !errors.As(err, &ie) || string(ie.Partial) != "tail" || ie.Expected != -1 {
			t.Errorf("ReadUntil at the end = %v; want IncompleteReadError with partial tail", err)
		}
		return nil
	})
}

// A peer that resets the connection (SO_LINGER 0): reads and Drain return
// ECONNRESET, not a panic, and not EOF.
func TestStreamPeerReset(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		var readErr, drainErr error
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			for readErr == nil {
				_, readErr = r.Read(ctx, 100)
			}
			w.Write([]byte("too late"))
			drainErr = w.Drain(ctx)
			return nil
		}, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		defer s.Close()
		_, err = asyncio.ToThread(ctx, func(context.Context) (any, error) {
			c, err := net.Dial("tcp", s.Addrs()[0].String())
			if err != nil {
				return nil, err
			}
			c.Write([]byte("x"))
			c.(*net.TCPConn).SetLinger(0)
			return nil, c.Close()
		})
		if err != nil {
			return err
		}
		s.Close()
		if err := s.WaitClosed(ctx); err != nil {
			return err
		}
		var opErr *net.OpError
		if !errors.Is(readErr, syscall.ECONNRESET) || !errors.As(readErr, &opErr) || opErr.Op != "read" {
			t.Errorf("read after a reset: %v; want a *net.OpError (read) wrapping ECONNRESET", readErr)
		}
		if errors.As(readErr, new(*asyncio.CancelledError)) || errors.Is(readErr, io.EOF) {
			t.Errorf("a reset should not look like a cancellation or an end of stream: %v", readErr)
		}
		if !errors.Is(drainErr, syscall.ECONNRESET) && !errors.Is(drainErr, syscall.EPIPE) {
			t.Errorf("drain after a reset: %v; want ECONNRESET or EPIPE", drainErr)
		}
		return nil
	})
}

// A peer that stops reading: Drain suspends (here until a timeout), the
// writer buffers at most one Write beyond what the kernel holds, and once the
// peer reads again Drain completes and every byte arrives.
func TestStreamDrainBackpressure(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		const highWater = 64 << 10
		chunk := bytes.Repeat([]byte("z"), 32<<10)
		total := 0
		for {
			if err := c.w.Write(chunk); err != nil {
				return err
			}
			total += len(chunk)
			if b := c.w.Buffered(); b > highWater+len(chunk) {
				t.Fatalf("writer buffers %d bytes, more than high water %d + one write %d", b, highWater, len(chunk))
			}
			err := asyncio.Timeout(ctx, 20*time.Millisecond, c.w.Drain)
			if errors.Is(err, asyncio.ErrTimeout) {
				break // Drain suspended: the kernel's buffers are full
			}
			if err != nil {
				return err
			}
		}
		if c.w.Buffered() == 0 {
			t.Error("Drain timed out with nothing buffered")
		}
		peer := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return s.r.ReadExactly(ctx, total) })
		if err := c.w.Drain(ctx); err != nil || c.w.Buffered() != 0 {
			t.Errorf("Drain once the peer reads: %v, %d bytes left", err, c.w.Buffered())
		}
		got, err := peer.Await(ctx)
		if len(got) != total || err != nil {
			t.Errorf("peer read %d bytes, %v; want %d", len(got), err, total)
		}
		return nil
	})
}

// After Close, every operation says what went wrong.
func TestStreamUseAfterClose(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, _ := tcpPair(ctx, t)
		if err := c.w.Close(); err != nil {
			return err
		}
		if !c.w.IsClosing() {
			t.Error("IsClosing = false after Close")
		}
		err := c.w.Write([]byte("x"))
		if !errors.Is(err, net.ErrClosed) || !strings.Contains(err.Error(), "Write called after Close") {
			t.Errorf("Write after Close: %v", err)
		}
		if err := c.w.Drain(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Drain after Close: %v", err)
		}
		if _, err := c.r.ReadLine(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadLine after Close: %v", err)
		}
		if err := c.w.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		return c.w.WaitClosed(ctx)
	})
}

// A task suspended in a read when another task closes the stream wakes with
// net.ErrClosed.
func TestStreamCloseWakesReader(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, _ := tcpPair(ctx, t)
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return c.r.ReadLine(ctx) })
		asyncio.Sleep(ctx, 0)
		c.w.Close()
		if _, err := reader.Await(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("reader woken by Close: %v; want net.ErrClosed", err)
		}
		return nil
	})
}

// Close with bytes still buffered sends them before closing: WaitClosed
// waits for that, and the peer gets everything, then EOF. A task suspended
// in a read wakes at Close, not when the sending is over.
func TestStreamCloseFlushes(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB: more than the kernel takes at once
		c.w.Write(payload)
		if c.w.Buffered() == 0 {
			t.Skip("the kernel took 8 MiB at once; nothing to flush")
		}
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return c.r.ReadLine(ctx) })
		asyncio.Sleep(ctx, 0)
		c.w.Close()
		if _, err := reader.Await(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("reader suspended when Close left bytes to send: %v; want net.ErrClosed at once", err)
		}
		peer := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return s.r.Read(ctx, -1) })
		if err := c.w.WaitClosed(ctx); err != nil {
			return err
		}
		got, err := peer.Await(ctx)
		if !bytes.Equal(got, payload) || err != nil {
			t.Errorf("peer read %d bytes, %v; want %d", len(got), err, len(payload))
		}
		return nil
	})
}

// Two tasks reading one stream at once is a mistake, reported as CPython
// does (RuntimeError): the second read panics with a message.
func TestStreamConcurrentReadersPanic(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, _ := tcpPair(ctx, t)
		defer c.w.Close()
		first := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return c.r.ReadLine(ctx) })
		asyncio.Sleep(ctx, 0)
		second := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return c.r.Read(ctx, 1) })
		_, err := second.Await(ctx)
		var pe *asyncio.PanicError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "only one task may read a stream at a time") {
			t.Errorf("second reader: %v; want a panic naming the mistake", err)
		}
		first.Cancel()
		first.Await(ctx)
		return nil
	})
}

// A read cut short by cancellation or a timeout loses nothing: the bytes
// that came stay buffered, and the next read gets them all.
func TestStreamReadCancelKeepsData(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		s.w.Write([]byte("01234"))
		_, err := asyncio.WaitFor(ctx, 10*time.Millisecond, func(ctx context.Context) ([]byte, error) {
			return c.r.ReadExactly(ctx, 10)
		})
		if !errors.Is(err, asyncio.ErrTimeout) {
			t.Fatalf("ReadExactly with too few bytes: %v; want a timeout", err)
		}
		s.w.Write([]byte("56789"))
		got, err := c.r.ReadExactly(ctx, 10)
		if string(got) != "0123456789" || err != nil {
			t.Errorf("ReadExactly after the timeout = %q, %v", got, err)
		}
		return nil
	})
}

// A refused connection is an error matching ECONNREFUSED, and leaves no
// descriptor open.
func TestOpenConnectionRefused(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		port := s.Port()
		s.Close()
		if _, _, err := asyncio.OpenConnection(ctx, "127.0.0.1", port); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("OpenConnection to a closed port: %v; want ECONNREFUSED", err)
		}
		return nil
	})
}

// Host names: "localhost" without a lookup; other names through the
// resolver, off the loop.
func TestOpenConnectionNames(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		s, err := asyncio.StartServer(ctx, upperEcho, "localhost", 0)
		if err != nil {
			return err
		}
		defer s.Close()
		for _, host := range []string{"localhost", "localhost."} {
			r, w, err := asyncio.OpenConnection(ctx, host, s.Port())
			if err != nil {
				var dnsErr *net.DNSError
				if errors.As(err, &dnsErr) {
					t.Logf("%s does not resolve here: %v", host, err)
					continue
				}
				t.Errorf("OpenConnection(%q): %v", host, err)
				continue
			}
			w.Write([]byte("hi\n"))
			if got, err := r.ReadLine(ctx); string(got) != "HI\n" || err != nil {
				t.Errorf("via %q: %q, %v", host, got, err)
			}
			w.Close()
		}
		return nil
	})
}

// encoding/json and bufio work over a stream through IO and NetConn,
// suspending the task rather than blocking the loop.
func TestStreamJSON(t *testing.T) {
	type msg struct{ N int }
	runStreams(t, func(ctx context.Context) error {
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			dec, enc := json.NewDecoder(r.IO(ctx)), json.NewEncoder(w.IO(ctx))
			for {
				var m msg
				if err := dec.Decode(&m); err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
				m.N *= 2
				if err := enc.Encode(m); err != nil {
					return err
				}
			}
		}, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		defer s.Close()
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
		if err != nil {
			return err
		}
		defer w.Close()
		conn := asyncio.NetConn(ctx, r, w)
		enc, dec := json.NewEncoder(conn), json.NewDecoder(bufio.NewReader(conn))
		for i := 1; i <= 3; i++ {
			if err := enc.Encode(msg{i}); err != nil {
				return err
			}
			var m msg
			if err := dec.Decode(&m); err != nil || m.N != 2*i {
				t.Errorf("round %d: %+v, %v", i, m, err)
			}
		}
		return nil
	})
}

// NetConn's deadlines: an expired read gives os.ErrDeadlineExceeded, a
// timeout net.Error, and the connection stays usable.
func TestNetConnDeadline(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		conn := asyncio.NetConn(ctx, c.r, c.w)
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		_, err := conn.Read(make([]byte, 10))
		var ne net.Error
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("read past the deadline: %v", err)
		}
		conn.SetReadDeadline(time.Time{})
		s.w.Write([]byte("ok"))
		buf := make([]byte, 10)
		if n, err := conn.Read(buf); string(buf[:n]) != "ok" || err != nil {
			t.Errorf("read after clearing the deadline: %q, %v", buf[:n], err)
		}
		return nil
	})
}

// rawEcho sends back whatever arrives, with ReadInto and Write: no
// allocation per message.
func rawEcho(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	buf := make([]byte, 4096)
	for {
		n, err := r.ReadInto(ctx, buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := w.Write(buf[:n]); err != nil {
			return err
		}
		if err := w.Drain(ctx); err != nil {
			return err
		}
	}
}

// In steady state a round trip through the loop allocates nothing: Write
// with nothing buffered, Drain with nothing to send, ReadInto, and the
// suspensions and wake-ups between them (both ends are tasks here).
func TestStreamSteadyStateAllocs(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		path := filepath.Join(t.TempDir(), "allocs.sock")
		s, err := asyncio.StartUnixServer(ctx, rawEcho, path)
		if err != nil {
			return err
		}
		defer s.Close()
		r, w, err := asyncio.OpenUnixConnection(ctx, path)
		if err != nil {
			return err
		}
		defer w.Close()
		msg, buf := []byte("ping\n"), make([]byte, 64)
		var failed error
		round := func() {
			if err := w.Write(msg); err != nil {
				failed = err
			}
			if _, err := r.ReadInto(ctx, buf); err != nil {
				failed = err
			}
		}
		round() // the first round allocates the buffers
		// Debug mode's checks allocate; measure without them.
		asyncio.GetEventLoop().SetDebug(false)
		defer asyncio.GetEventLoop().SetDebug(true)
		allocs := testing.AllocsPerRun(200, round)
		if failed != nil {
			return failed
		}
		if allocs != 0 {
			t.Errorf("a round trip allocates %.1f times, want 0", allocs)
		}
		return nil
	})
}

// The virtual clock works with sockets: it jumps only when a non-blocking
// poll finds nothing, so an hour-long sleep beside a live connection takes
// no time.
func TestStreamVirtualClock(t *testing.T) {
	checkFDs(t)
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
		if err != nil {
			return nil, err
		}
		defer w.Close()
		start := asyncio.GetEventLoop().Time()
		if err := asyncio.Sleep(ctx, time.Hour); err != nil {
			return nil, err
		}
		w.Write([]byte("late\n"))
		if got, err := r.ReadLine(ctx); string(got) != "LATE\n" || err != nil {
			t.Errorf("after an hour: %q, %v", got, err)
		}
		if d := asyncio.GetEventLoop().Time() - start; d < time.Hour {
			t.Errorf("virtual time moved %v, want an hour", d)
		}
		return nil, nil
	})
}

// A task reading a socket that always has data still lets the other tasks
// run: the reader yields after a bounded number of reads that did not
// suspend (CPython suspends on every refill).
func TestFastReaderDoesNotStarveOthers(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		client, server := tcpPair(ctx, t)
		defer client.w.Close()
		const total = 8 << 20
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for sent := 0; sent < total; sent += len(chunk) {
			client.w.Write(chunk) // buffered; flushed as the reader drains the socket
		}
		writer := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, client.w.Drain(ctx) })
		ticks, reads := 0, 0
		done := false
		ticker := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			for !done {
				ticks++
				if err := asyncio.Sleep(ctx, 0); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		buf := make([]byte, 4096)
		for got := 0; got < total; reads++ {
			n, err := server.r.ReadInto(ctx, buf)
			if err != nil {
				return err
			}
			got += n
		}
		done = true
		writer.Await(ctx)
		ticker.Await(ctx)
		if ticks < reads/32 {
			t.Errorf("the other task ran %d times during %d reads: starved", ticks, reads)
		}
		return nil
	})
}

// Reading or writing a stream this side closed fails with net.ErrClosed,
// as a closed net.Conn does.
func TestStreamClosedErrors(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer s.w.Close()
		c.w.Close()
		if _, err := c.r.Read(ctx, 10); !errors.Is(err, net.ErrClosed) {
			t.Errorf("read after Close: %v, want net.ErrClosed", err)
		}
		if err := c.w.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("write after Close: %v, want net.ErrClosed", err)
		}
		return nil
	})
}
