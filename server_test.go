//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// roundTrip sends line and returns the answer.
func roundTrip(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter, line string) (string, error) {
	if err := w.Write([]byte(line)); err != nil {
		return "", err
	}
	if err := w.Drain(ctx); err != nil {
		return "", err
	}
	got, err := r.ReadLine(ctx)
	return string(got), err
}

// dialAndAsk opens a connection, sends one line and returns the answer.
func dialAndAsk(ctx context.Context, port int, line string) (string, error) {
	r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", port)
	if err != nil {
		return "", err
	}
	defer w.Close()
	return roundTrip(ctx, r, w, line)
}

// A handler that panics: its connection is closed, the panic reaches the
// exception handler with its value and the task's name, and the server goes
// on serving.
func TestServerHandlerPanic(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		var reports []asyncio.ExceptionContext
		asyncio.GetEventLoop().SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
			reports = append(reports, c)
		})
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			line, _ := r.ReadLine(ctx)
			if string(line) == "panic\n" {
				panic("boom")
			}
			w.Write([]byte("fine\n"))
			return nil
		}, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		defer s.Close()
		if got, err := dialAndAsk(ctx, s.Port(), "panic\n"); err != io.EOF {
			t.Errorf("client of the panicking handler: %q, %v; want io.EOF (connection closed)", got, err)
		}
		if got, err := dialAndAsk(ctx, s.Port(), "hello\n"); got != "fine\n" || err != nil {
			t.Errorf("second client: %q, %v; want the server to go on serving", got, err)
		}
		var pe *asyncio.PanicError
		if len(reports) != 1 || !errors.As(reports[0].Err, &pe) || pe.Value != "boom" ||
			!strings.HasPrefix(reports[0].Task.Name(), "conn 127.0.0.1:") {
			t.Errorf("exception handler got %+v; want one PanicError(boom) from a conn task", reports)
		}
		return nil
	})
}

// An error returned by a handler reaches the exception handler.
func TestServerHandlerError(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		var got []asyncio.ExceptionContext
		asyncio.GetEventLoop().SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) { got = append(got, c) })
		bad := errors.New("bad request")
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			r.ReadLine(ctx)
			return bad
		}, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		defer s.Close()
		dialAndAsk(ctx, s.Port(), "x\n")
		if len(got) != 1 || got[0].Err != bad || got[0].Message != "Unhandled error in connection handler" {
			t.Errorf("exception handler got %+v", got)
		}
		return nil
	})
}

// Each connection's task is named after its peer.
func TestServerTaskNames(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		var name string
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			name = asyncio.CurrentTask(ctx).Name()
			return upperEcho(ctx, r, w)
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
		roundTrip(ctx, r, w, "x\n")
		if want := "conn " + w.GetExtraInfo("sockname").(net.Addr).String(); name != want {
			t.Errorf("handler task named %q, want %q", name, want)
		}
		return nil
	})
}

// Close stops listening at once; WaitClosed waits for the handlers still
// running; IsServing follows.
func TestServerCloseAndWaitClosed(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		var started, release asyncio.Event
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			started.Set()
			return release.Wait(ctx)
		}, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
		if err != nil {
			return err
		}
		started.Wait(ctx)
		if !s.IsServing() {
			t.Error("IsServing = false before Close")
		}
		s.Close()
		if s.IsServing() {
			t.Error("IsServing = true after Close")
		}
		if _, _, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port()); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("connecting after Close: %v; want ECONNREFUSED", err)
		}
		if err := asyncio.Timeout(ctx, 10*time.Millisecond, s.WaitClosed); !errors.Is(err, asyncio.ErrTimeout) {
			t.Errorf("WaitClosed with a handler running: %v; want it to wait", err)
		}
		release.Set()
		if err := s.WaitClosed(ctx); err != nil {
			return err
		}
		if _, err := r.ReadLine(ctx); err != io.EOF {
			t.Errorf("client after its handler returned: %v; want io.EOF", err)
		}
		return w.Close()
	})
}

// CloseClients cancels the running handlers, which closes their
// connections.
func TestServerCloseClients(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		var started asyncio.Event
		var handlerErr error
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			started.Set()
			_, handlerErr = r.ReadLine(ctx)
			return handlerErr
		}, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
		if err != nil {
			return err
		}
		defer w.Close()
		started.Wait(ctx)
		s.Close()
		s.CloseClients()
		if err := s.WaitClosed(ctx); err != nil {
			return err
		}
		if !errors.Is(handlerErr, context.Canceled) {
			t.Errorf("handler's read: %v; want the cancellation", handlerErr)
		}
		if _, err := r.ReadLine(ctx); err != io.EOF {
			t.Errorf("client of a cancelled handler: %v; want io.EOF", err)
		}
		return nil
	})
}

// ServeForever returns the cancellation (closing the server) when its task
// is cancelled, and nil when another task closes the server.
func TestServerServeForever(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		for _, how := range []string{"cancel", "close"} {
			s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0)
			if err != nil {
				return err
			}
			serving := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, s.ServeForever(ctx) })
			asyncio.Sleep(ctx, 0)
			if got, err := dialAndAsk(ctx, s.Port(), "up\n"); got != "UP\n" || err != nil {
				t.Errorf("%s: while serving: %q, %v", how, got, err)
			}
			if how == "cancel" {
				serving.Cancel()
			} else {
				s.Close()
			}
			_, err = serving.Await(ctx)
			if (how == "cancel") != errors.Is(err, context.Canceled) || (how == "close" && err != nil) {
				t.Errorf("%s: ServeForever returned %v", how, err)
			}
			if s.IsServing() {
				t.Errorf("%s: still serving", how)
			}
			if err := s.ServeForever(ctx); err == nil {
				t.Errorf("%s: ServeForever on a closed server returned nil", how)
			}
		}
		return nil
	})
}

// Many clients at once, all tasks on the one loop.
func TestServerManyClients(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0, asyncio.ServerOptions{Backlog: 200})
		if err != nil {
			return err
		}
		defer s.Close()
		const clients, rounds = 100, 10
		fns := make([]func(context.Context) (int, error), clients)
		for i := range fns {
			fns[i] = func(ctx context.Context) (int, error) {
				r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
				if err != nil {
					return 0, err
				}
				defer w.Close()
				for j := 0; j < rounds; j++ {
					msg := fmt.Sprintf("client %d round %d\n", i, j)
					if got, err := roundTrip(ctx, r, w, msg); got != strings.ToUpper(msg) || err != nil {
						return j, fmt.Errorf("%q, %v", got, err)
					}
				}
				return rounds, nil
			}
		}
		_, err = asyncio.Gather(ctx, fns...)
		return err
	})
}

// Host "" listens on every interface; ReusePort lets two servers share a
// port.
func TestServerListenOptions(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		s, err := asyncio.StartServer(ctx, upperEcho, "", 0)
		if err != nil {
			return err
		}
		defer s.Close()
		if got, err := dialAndAsk(ctx, s.Port(), "any\n"); got != "ANY\n" || err != nil {
			t.Errorf("server on every interface, via 127.0.0.1: %q, %v", got, err)
		}
		opts := asyncio.ServerOptions{ReusePort: true}
		a, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0, opts)
		if err != nil {
			return err
		}
		defer a.Close()
		b, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", a.Port(), opts)
		if err != nil {
			t.Errorf("second server with ReusePort on port %d: %v", a.Port(), err)
		} else {
			b.Close()
		}
		return nil
	})
}

// A Unix server replaces a stale socket file and removes its own on Close.
func TestUnixServerSocketFile(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		path := filepath.Join(t.TempDir(), "s.sock")
		stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
		if err != nil {
			return err
		}
		stale.SetUnlinkOnClose(false)
		stale.Close()
		s, err := asyncio.StartUnixServer(ctx, upperEcho, path)
		if err != nil {
			return fmt.Errorf("over a stale socket file: %w", err)
		}
		if s.Port() != 0 || s.Addrs()[0].String() != path {
			t.Errorf("Port %d, Addrs %v", s.Port(), s.Addrs())
		}
		s.Close()
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket file after Close: %v; want it removed", err)
		}
		return nil
	})
}

// Out of descriptors (EMFILE): the server reports it once to the exception
// handler, keeps its listening socket, retries after a pause instead of
// spinning, and serves the connection once descriptors are free again. The
// test fills the descriptor table itself under a lowered soft limit, and
// restores both.
func TestServerOutOfDescriptors(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts descriptors through /proc")
	}
	runStreams(t, func(ctx context.Context) error {
		var reported asyncio.Event
		var report asyncio.ExceptionContext
		asyncio.GetEventLoop().SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
			if reported.IsSet() {
				t.Errorf("reported again: %s: %v", c.Message, c.Err)
			}
			report = c
			reported.Set()
		})
		s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		defer s.Close()

		release := fillDescriptorTable(t)
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port()) // takes the one free slot
		if err != nil {
			release()
			return err
		}
		defer w.Close()
		if err := asyncio.Timeout(ctx, 5*time.Second, reported.Wait); err != nil {
			release()
			return fmt.Errorf("no report of the failed accept: %w", err)
		}
		// A few more failed retries, reported no more.
		asyncio.Sleep(ctx, 30*time.Millisecond)
		release()
		if !errors.Is(report.Err, syscall.EMFILE) {
			t.Errorf("report: %s: %v; want EMFILE", report.Message, report.Err)
		}
		if got, err := roundTrip(ctx, r, w, "again\n"); got != "AGAIN\n" || err != nil {
			t.Errorf("once descriptors are free: %q, %v", got, err)
		}
		return nil
	})
}

// fillDescriptorTable lowers RLIMIT_NOFILE's soft limit to a little above
// the highest open descriptor and fills the table with duplicates, leaving
// exactly one slot free. The returned function undoes both.
func fillDescriptorTable(t *testing.T) (release func()) {
	t.Helper()
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	highest := 0
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil && n > highest {
			highest = n
		}
	}
	lowered := saved
	setLimit(&lowered.Cur, highest+32)
	if lowered.Cur > saved.Cur {
		lowered.Cur = saved.Cur
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Skipf("cannot lower RLIMIT_NOFILE: %v", err)
	}
	var dups []int
	release = func() {
		for _, fd := range dups {
			syscall.Close(fd)
		}
		dups = nil
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved)
	}
	for {
		fd, err := syscall.Dup(2)
		if err == syscall.EMFILE {
			break
		}
		if err != nil {
			release()
			t.Fatal(err)
		}
		dups = append(dups, fd)
	}
	last := len(dups) - 1
	syscall.Close(dups[last])
	dups = dups[:last]
	return release
}

// setLimit sets an rlimit field, whose type differs between systems.
func setLimit[T int64 | uint64](field *T, n int) { *field = T(n) }
