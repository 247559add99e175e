//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// Shutdown stops listening at once and waits for the handlers to return:
// a request in progress is answered, a new connection is refused.
func TestServerShutdownWaitsForHandlers(t *testing.T) {
	checkFDs(t)
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		var received asyncio.Event
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			line, err := r.ReadLine(ctx)
			if err != nil {
				return err
			}
			received.Set()
			if err := asyncio.Sleep(ctx, time.Second); err != nil { // slow work
				return err
			}
			return w.Write(line)
		}, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		port := s.Port()
		client := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) {
			return dialAndAsk(ctx, port, "slow\n")
		})
		if err := received.Wait(ctx); err != nil {
			return nil, err
		}
		start := l.Time()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown with a handler that finishes: %v", err)
		}
		if d := l.Time() - start; d != time.Second {
			t.Errorf("Shutdown returned after %v; want the handler's 1s", d)
		}
		if got, err := client.Await(ctx); got != "slow\n" || err != nil {
			t.Errorf("client of the request in progress: %q, %v", got, err)
		}
		if s.IsServing() {
			t.Error("IsServing after Shutdown")
		}
		if _, _, err := asyncio.OpenConnection(ctx, "127.0.0.1", port); err == nil {
			t.Error("a connection after Shutdown was accepted")
		}
		return nil, s.WaitClosed(ctx)
	})
}

// With a grace period (Timeout around Shutdown), handlers still running when
// it ends are cancelled, their cleanup runs before Shutdown returns, and the
// result is ErrTimeout.
func TestServerShutdownGracePeriod(t *testing.T) {
	checkFDs(t)
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		var connected asyncio.Event
		cleanups := 0
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			defer func() { cleanups++ }()
			connected.Set()
			_, err := r.ReadLine(ctx) // an idle client: never returns by itself
			return err
		}, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
		if err != nil {
			return nil, err
		}
		defer w.Close()
		if err := connected.Wait(ctx); err != nil {
			return nil, err
		}
		start := l.Time()
		err = asyncio.Timeout(ctx, 5*time.Second, s.Shutdown)
		if !errors.Is(err, asyncio.ErrTimeout) {
			t.Errorf("Shutdown past its grace period: %v; want ErrTimeout", err)
		}
		if d := l.Time() - start; d != 5*time.Second {
			t.Errorf("Shutdown returned after %v; want the 5s grace period", d)
		}
		if cleanups != 1 {
			t.Errorf("%d handler cleanups ran before Shutdown returned; want 1", cleanups)
		}
		if _, err := r.ReadLine(ctx); err != io.EOF {
			t.Errorf("client after Shutdown: %v; want io.EOF", err)
		}
		if err := asyncio.Timeout(ctx, 0, s.WaitClosed); err != nil {
			t.Errorf("WaitClosed after Shutdown: %v; want nil at once", err)
		}
		return nil, nil
	})
}

// A task cancelled in Shutdown cancels the handlers, waits for their
// cleanup and returns its CancelledError.
func TestServerShutdownCancelled(t *testing.T) {
	checkFDs(t)
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		var connected asyncio.Event
		var tr trace
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			defer tr.add("handler cleanup")
			connected.Set()
			_, err := r.ReadLine(ctx)
			return err
		}, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		_, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
		if err != nil {
			return nil, err
		}
		defer w.Close()
		if err := connected.Wait(ctx); err != nil {
			return nil, err
		}
		stopper := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			err := s.Shutdown(ctx)
			tr.add("Shutdown: cancelled=%v", errors.Is(err, context.Canceled))
			return nil, err
		})
		asyncio.Sleep(ctx, time.Minute)
		stopper.Cancel()
		stopper.Await(ctx)
		tr.expect(t, "handler cleanup", "Shutdown: cancelled=true")
		return nil, nil
	})
}

// Cancelling a task blocked in WaitClosed leaves the server listening (as
// CPython's wait_closed, a plain wait; MicroPython closes the server then).
func TestServerWaitClosedCancelledKeepsServing(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		defer s.Close()
		waiter := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, s.WaitClosed(ctx) })
		asyncio.Sleep(ctx, 0)
		waiter.Cancel()
		if _, err := waiter.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled WaitClosed: %v; want the CancelledError", err)
		}
		if !s.IsServing() {
			t.Error("IsServing = false after a cancelled WaitClosed")
		}
		if got, err := dialAndAsk(ctx, s.Port(), "still\n"); got != "STILL\n" || err != nil {
			t.Errorf("client after a cancelled WaitClosed: %q, %v; want the server still serving", got, err)
		}
		return nil
	})
}

// The TLS handshake completes before OpenConnection returns and before the
// server's handler runs, so a failed handshake is OpenConnection's error and
// the handler never sees the connection (MicroPython reports it later, at
// the first read or drain).
func TestTLSHandshakeCompletesBeforeReturn(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	runStreams(t, func(ctx context.Context) error {
		var failed asyncio.Event
		asyncio.GetEventLoop().SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) {
			if c.Message == "TLS handshake failed" {
				failed.Set()
			}
		})
		handlers := 0
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			handlers++
			if tc, ok := w.GetExtraInfo("ssl_object").(*tls.Conn); !ok || !tc.ConnectionState().HandshakeComplete {
				t.Error("handler ran before the server's handshake completed")
			}
			return upperEcho(ctx, r, w)
		}, "127.0.0.1", 0, asyncio.ServerOptions{TLS: serverTLS})
		if err != nil {
			return err
		}
		defer s.Close()
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(), asyncio.StreamOptions{TLS: clientTLS})
		if err != nil {
			return err
		}
		if tc, ok := w.GetExtraInfo("ssl_object").(*tls.Conn); !ok || !tc.ConnectionState().HandshakeComplete {
			t.Error("OpenConnection returned before the handshake completed")
		}
		roundTrip(ctx, r, w, "x\n")
		w.Close()
		_, _, err = asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(), asyncio.StreamOptions{TLS: &tls.Config{}})
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("OpenConnection with an untrusted certificate: %v; want the handshake's error", err)
		}
		if err := failed.Wait(ctx); err != nil { // the server's side failed too
			return err
		}
		if handlers != 1 {
			t.Errorf("handler ran %d times; want once, for the good handshake only", handlers)
		}
		return nil
	})
}
