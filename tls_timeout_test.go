//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// TLS timeouts run on the virtual clock: the loop jumps to the next timer
// only when a non-blocking poll finds nothing, so a peer that never speaks
// lets the 60 s of the handshake timeout pass in no real time.

// isTimeout reports whether err is a timeout and not a cancellation.
func isTimeout(err error) bool {
	return errors.Is(err, asyncio.ErrTimeout) && errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, context.Canceled)
}

// A client that connects to a TLS server and never sends a ClientHello is
// dropped after the handshake timeout (CPython's ssl_handshake_timeout, 60 s
// by default); the failure reaches the exception handler as a timeout, and
// the server serves other clients meanwhile and afterwards.
func TestTLSServerHandshakeTimeout(t *testing.T) {
	for _, tc := range []struct {
		opt, want time.Duration
	}{{0, 60 * time.Second}, {5 * time.Second, 5 * time.Second}} {
		t.Run(tc.want.String(), func(t *testing.T) {
			serverTLS, clientTLS := testTLS(t)
			checkFDs(t)
			asynciotest.Run(t, func(ctx context.Context) (any, error) {
				l := asyncio.GetEventLoop()
				var reports []asyncio.ExceptionContext
				l.SetExceptionHandler(func(_ *asyncio.Loop, c asyncio.ExceptionContext) { reports = append(reports, c) })
				s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0,
					asyncio.ServerOptions{TLS: serverTLS, HandshakeTimeout: tc.opt})
				if err != nil {
					return nil, err
				}
				defer s.Close()
				start := l.Time()
				silentR, silentW, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port())
				if err != nil {
					return nil, err
				}
				defer silentW.Close()
				if got, err := tlsAsk(ctx, s.Port(), clientTLS, "during\n"); got != "DURING\n" || err != nil {
					t.Errorf("TLS client while another stalls its handshake: %q, %v", got, err)
				}
				buf := make([]byte, 16)
				if n, err := silentR.ReadInto(ctx, buf); n != 0 || err != io.EOF {
					t.Errorf("silent client: read %d bytes, %v; want io.EOF (dropped by the server)", n, err)
				}
				if d := l.Time() - start; d < tc.want {
					t.Errorf("silent client dropped after %v; want %v", d, tc.want)
				}
				if got, err := tlsAsk(ctx, s.Port(), clientTLS, "after\n"); got != "AFTER\n" || err != nil {
					t.Errorf("TLS client after the timeout: %q, %v", got, err)
				}
				if len(reports) != 1 || reports[0].Message != "TLS handshake failed" || !isTimeout(reports[0].Err) {
					t.Errorf("exception handler got %+v; want one handshake timeout", reports)
				}
				return nil, nil
			})
		})
	}
}

// tlsAsk opens a TLS connection, sends one line and returns the answer.
func tlsAsk(ctx context.Context, port int, cfg *tls.Config, line string) (string, error) {
	r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", port, asyncio.StreamOptions{TLS: cfg})
	if err != nil {
		return "", err
	}
	defer w.Close()
	return roundTrip(ctx, r, w, line)
}

// A TLS client whose server never answers the ClientHello gives up after the
// handshake timeout: OpenConnection returns a timeout (not a cancellation)
// and the connection is closed, so the server sees the end of the stream.
func TestTLSClientHandshakeTimeout(t *testing.T) {
	for _, tc := range []struct {
		opt, want time.Duration
	}{{0, 60 * time.Second}, {time.Second, time.Second}} {
		t.Run(tc.want.String(), func(t *testing.T) {
			_, clientTLS := testTLS(t)
			checkFDs(t)
			asynciotest.Run(t, func(ctx context.Context) (any, error) {
				l := asyncio.GetEventLoop()
				var sawEOF asyncio.Event
				s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
					_, err := r.Read(ctx, -1) // the ClientHello and nothing more: no answer
					if err == nil {
						sawEOF.Set()
					}
					return err
				}, "127.0.0.1", 0)
				if err != nil {
					return nil, err
				}
				defer s.Close()
				start := l.Time()
				_, _, err = asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(),
					asyncio.StreamOptions{TLS: clientTLS, HandshakeTimeout: tc.opt})
				if !isTimeout(err) {
					t.Errorf("OpenConnection to a server that never answers: %v; want a timeout", err)
				}
				if d := l.Time() - start; d != tc.want {
					t.Errorf("gave up after %v; want %v", d, tc.want)
				}
				if err := sawEOF.Wait(ctx); err != nil {
					return nil, err
				}
				return nil, nil
			})
		})
	}
}

// Closing a TLS stream whose peer reads nothing: the buffered bytes and the
// close_notify cannot be sent, and after the shutdown timeout
// (ssl_shutdown_timeout, 30 s by default) the connection is closed anyway;
// WaitClosed reports the timeout.
func TestTLSShutdownTimeout(t *testing.T) {
	for _, tc := range []struct {
		opt, want time.Duration
	}{{0, 30 * time.Second}, {2 * time.Second, 2 * time.Second}} {
		t.Run(tc.want.String(), func(t *testing.T) {
			serverTLS, clientTLS := testTLS(t)
			checkFDs(t)
			asynciotest.Run(t, func(ctx context.Context) (any, error) {
				l := asyncio.GetEventLoop()
				var release asyncio.Event
				s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
					return release.Wait(ctx) // reads nothing
				}, "127.0.0.1", 0, asyncio.ServerOptions{TLS: serverTLS})
				if err != nil {
					return nil, err
				}
				defer s.Close()
				_, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(),
					asyncio.StreamOptions{TLS: clientTLS, ShutdownTimeout: tc.opt})
				if err != nil {
					return nil, err
				}
				chunk := bytes.Repeat([]byte("x"), 1<<20)
				for i := 0; i < 32; i++ { // far more than the socket buffers hold
					if err := w.Write(chunk); err != nil {
						return nil, err
					}
				}
				start := l.Time()
				w.Close()
				if err := w.WaitClosed(ctx); !isTimeout(err) {
					t.Errorf("WaitClosed with a peer that reads nothing: %v; want a timeout", err)
				}
				if d := l.Time() - start; d != tc.want {
					t.Errorf("closed after %v; want %v", d, tc.want)
				}
				release.Set()
				s.Close()
				return nil, s.WaitClosed(ctx)
			})
		})
	}
}

// The server side closes its connections under the same bound: a handler
// that writes more than the client reads and returns still ends, after the
// shutdown timeout, and the server's WaitClosed returns.
func TestTLSServerShutdownTimeout(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	checkFDs(t)
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		var wrote asyncio.Event
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			w.Write([]byte(strings.Repeat("y", 32<<20)))
			wrote.Set()
			return nil // the server closes the stream: the close cannot complete
		}, "127.0.0.1", 0, asyncio.ServerOptions{TLS: serverTLS, ShutdownTimeout: 3 * time.Second})
		if err != nil {
			return nil, err
		}
		_, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(), asyncio.StreamOptions{TLS: clientTLS})
		if err != nil {
			return nil, err
		}
		defer w.Close() // reads nothing
		if err := wrote.Wait(ctx); err != nil {
			return nil, err
		}
		start := l.Time()
		s.Close()
		if err := s.WaitClosed(ctx); err != nil {
			return nil, err
		}
		if d := l.Time() - start; d != 3*time.Second {
			t.Errorf("handler's connection closed after %v; want 3s", d)
		}
		return nil, nil
	})
}
