//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// testTLS returns a server config with a self-signed certificate for
// 127.0.0.1 and localhost, and a client config that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "asyncio test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}

// Echo over TLS: the server shakes hands before its handler runs, the client
// in OpenConnection (ServerName defaults to the host), and lines go both
// ways, including one longer than a TLS record.
func TestTLSEcho(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	runStreams(t, func(ctx context.Context) error {
		s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0, asyncio.ServerOptions{TLS: serverTLS})
		if err != nil {
			return err
		}
		defer s.Close()
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(), asyncio.StreamOptions{TLS: clientTLS})
		if err != nil {
			return err
		}
		defer w.Close()
		long := strings.Repeat("x", 40000) + "\n"
		for _, msg := range []string{"secret\n", long} {
			if got, err := roundTrip(ctx, r, w, msg); got != strings.ToUpper(msg) || err != nil {
				t.Errorf("TLS round trip of %d bytes: %d bytes back, %v", len(msg), len(got), err)
			}
		}
		if w.CanWriteEOF() {
			t.Error("CanWriteEOF = true under TLS")
		}
		if _, ok := w.GetExtraInfo("peercert").(*x509.Certificate); !ok {
			t.Errorf("peercert = %#v", w.GetExtraInfo("peercert"))
		}
		if _, ok := w.GetExtraInfo("ssl_object").(*tls.Conn); !ok {
			t.Errorf("ssl_object = %#v", w.GetExtraInfo("ssl_object"))
		}
		return nil
	})
}

// A read interrupted by a timeout under TLS leaves the stream usable: tls
// does not record the interruption as a broken connection.
func TestTLSReadTimeoutKeepsStream(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	runStreams(t, func(ctx context.Context) error {
		var proceed asyncio.Event
		s, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			if err := proceed.Wait(ctx); err != nil {
				return err
			}
			w.Write([]byte("late\n"))
			return nil
		}, "127.0.0.1", 0, asyncio.ServerOptions{TLS: serverTLS})
		if err != nil {
			return err
		}
		defer s.Close()
		r, w, err := asyncio.OpenConnection(ctx, "localhost", s.Port(), asyncio.StreamOptions{TLS: clientTLS})
		if err != nil {
			return err
		}
		defer w.Close()
		_, err = asyncio.WaitFor(ctx, 10*time.Millisecond, func(ctx context.Context) ([]byte, error) { return r.ReadLine(ctx) })
		if !errors.Is(err, asyncio.ErrTimeout) {
			t.Fatalf("ReadLine with nothing sent: %v; want a timeout", err)
		}
		proceed.Set()
		if got, err := r.ReadLine(ctx); string(got) != "late\n" || err != nil {
			t.Errorf("ReadLine after the timeout: %q, %v", got, err)
		}
		if _, err := r.ReadLine(ctx); err != io.EOF {
			t.Errorf("after close_notify: %v; want io.EOF", err)
		}
		return nil
	})
}

// A client that does not trust the certificate: the handshake fails on both
// sides, the server reports it, and nothing is left open.
func TestTLSHandshakeFailure(t *testing.T) {
	serverTLS, _ := testTLS(t)
	runStreams(t, func(ctx context.Context) error {
		var reported asyncio.Event
		asyncio.GetEventLoop().SetExceptionHandler(func(l *asyncio.Loop, c asyncio.ExceptionContext) {
			if c.Message != "TLS handshake failed" {
				t.Errorf("exception handler: %s: %v", c.Message, c.Err)
			}
			reported.Set()
		})
		s, err := asyncio.StartServer(ctx, upperEcho, "127.0.0.1", 0, asyncio.ServerOptions{TLS: serverTLS})
		if err != nil {
			return err
		}
		defer s.Close()
		_, _, err = asyncio.OpenConnection(ctx, "127.0.0.1", s.Port(), asyncio.StreamOptions{TLS: &tls.Config{}})
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("client handshake: %v; want an unknown-authority error", err)
		}
		return reported.Wait(ctx)
	})
}

// StartTLS upgrades a plain connection in place (a STARTTLS exchange), here
// against a server written with crypto/tls on a goroutine.
func TestStartTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		served <- func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			hello := make([]byte, len("STARTTLS\n"))
			if _, err := io.ReadFull(c, hello); err != nil {
				return err
			}
			c.Write([]byte("GO AHEAD\n"))
			tc := tls.Server(c, serverTLS)
			line := make([]byte, len("inside\n"))
			if _, err := io.ReadFull(tc, line); err != nil {
				return err
			}
			_, err = tc.Write(bytes.ToUpper(line))
			tc.Close()
			return err
		}()
	}()
	runStreams(t, func(ctx context.Context) error {
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", ln.Addr().(*net.TCPAddr).Port)
		if err != nil {
			return err
		}
		defer w.Close()
		if got, err := roundTrip(ctx, r, w, "STARTTLS\n"); got != "GO AHEAD\n" || err != nil {
			return errors.New("no go-ahead: " + got)
		}
		if err := w.StartTLS(ctx, clientTLS); err != nil {
			return err
		}
		if got, err := roundTrip(ctx, r, w, "inside\n"); got != "INSIDE\n" || err != nil {
			t.Errorf("after StartTLS: %q, %v", got, err)
		}
		if _, ok := w.GetExtraInfo("ssl_object").(*tls.Conn); !ok {
			t.Error("no ssl_object after StartTLS")
		}
		return nil
	})
	if err := <-served; err != nil {
		t.Errorf("server: %v", err)
	}
}
