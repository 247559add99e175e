//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// openUDP opens an endpoint or fails the test; the caller closes it.
func openUDP(t *testing.T, ctx context.Context, local, remote string) *asyncio.DatagramEndpoint {
	t.Helper()
	e, err := asyncio.OpenDatagramEndpoint(ctx, local, remote)
	if err != nil {
		t.Fatalf("OpenDatagramEndpoint(%q, %q): %v", local, remote, err)
	}
	return e
}

// An echo between a server endpoint and a connected client: the server waits
// in RecvFrom before the client sends.
func TestDatagramEcho(t *testing.T) {
	var tr trace
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		server := openUDP(t, ctx, "127.0.0.1:0", "")
		defer server.Close()
		echo := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			buf := make([]byte, 64)
			tr.add("server waits")
			n, from, err := server.RecvFrom(ctx, buf)
			if err != nil {
				return nil, err
			}
			tr.add("server got %q", buf[:n])
			return nil, server.SendTo(ctx, append([]byte("echo: "), buf[:n]...), from)
		})
		asyncio.Sleep(ctx, 0)
		client := openUDP(t, ctx, "", server.LocalAddr().String())
		defer client.Close()
		if client.RemoteAddr().String() != server.LocalAddr().String() {
			t.Errorf("RemoteAddr %v, want %v", client.RemoteAddr(), server.LocalAddr())
		}
		tr.add("client sends")
		if err := client.Send(ctx, []byte("ping")); err != nil {
			return nil, err
		}
		buf := make([]byte, 64)
		n, from, err := client.RecvFrom(ctx, buf)
		if err != nil {
			return nil, err
		}
		if from.String() != server.LocalAddr().String() {
			t.Errorf("reply from %v, want %v", from, server.LocalAddr())
		}
		tr.add("client got %q", buf[:n])
		_, err = echo.Await(ctx)
		return nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.expect(t, "server waits", "client sends", `server got "ping"`, `client got "echo: ping"`)
}

// A RecvFrom can be cancelled, and the endpoint still works afterwards: the
// datagram sent later goes to the next RecvFrom.
func TestDatagramRecvCancel(t *testing.T) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e := openUDP(t, ctx, "127.0.0.1:0", "")
		defer e.Close()
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			n, _, err := e.RecvFrom(ctx, make([]byte, 8))
			return n, err
		})
		asyncio.Sleep(ctx, 0)
		w.Cancel()
		if _, err := w.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled RecvFrom: %v", err)
		}
		if err := e.SendTo(ctx, []byte("self"), e.LocalAddr()); err != nil {
			return nil, err
		}
		buf := make([]byte, 8)
		n, _, err := e.RecvFrom(ctx, buf)
		if string(buf[:n]) != "self" || err != nil {
			t.Errorf("after cancel: %q %v", buf[:n], err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Close wakes a waiting RecvFrom with net.ErrClosed; later calls fail the same
// way; closing twice is fine.
func TestDatagramClose(t *testing.T) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		e := openUDP(t, ctx, "127.0.0.1:0", "")
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			n, _, err := e.RecvFrom(ctx, make([]byte, 8))
			return n, err
		})
		asyncio.Sleep(ctx, 0)
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := w.Await(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("RecvFrom woken by Close: %v", err)
		}
		if _, _, err := e.RecvFrom(ctx, make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("RecvFrom after Close: %v", err)
		}
		if err := e.SendTo(ctx, []byte("x"), e.LocalAddr()); !errors.Is(err, net.ErrClosed) {
			t.Errorf("SendTo after Close: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Addresses: a host name is resolved off the loop; IPv6 works where the
// system has it; bad input is an error, Send without a remote a misuse.
func TestDatagramAddresses(t *testing.T) {
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		if e, err := asyncio.OpenDatagramEndpoint(ctx, "localhost:0", ""); err == nil {
			e.Close()
		} else {
			t.Logf("localhost not resolvable here: %v", err)
		}
		if e, err := asyncio.OpenDatagramEndpoint(ctx, "[::1]:0", ""); err == nil {
			if err := e.SendTo(ctx, []byte("v6"), e.LocalAddr()); err != nil {
				t.Errorf("IPv6 SendTo: %v", err)
			}
			buf := make([]byte, 8)
			if n, _, err := e.RecvFrom(ctx, buf); string(buf[:n]) != "v6" || err != nil {
				t.Errorf("IPv6 RecvFrom: %q %v", buf[:n], err)
			}
			e.Close()
		} else {
			t.Logf("no IPv6 loopback here: %v", err)
		}
		if _, err := asyncio.OpenDatagramEndpoint(ctx, "127.0.0.1:99999", ""); err == nil {
			t.Error("port 99999 accepted")
		}
		e := openUDP(t, ctx, ":0", "")
		defer e.Close()
		if err := e.SendTo(ctx, []byte("x"), &net.TCPAddr{}); err == nil {
			t.Error("SendTo a *net.TCPAddr accepted")
		}
		mustPanic(t, func() { e.Send(ctx, []byte("x")) }, "without a remote address", "SendTo")
		mustPanic(t, func() { asyncio.OpenDatagramEndpoint(ctx, "", "") }, "neither a local nor a remote address")
		return nil, nil
	})
}

// Opening and closing endpoints leaves no descriptor behind.
func TestDatagramNoFDLeak(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd")
	}
	fds := func() int {
		ents, _ := os.ReadDir("/proc/self/fd")
		return len(ents)
	}
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		before := fds() // the loop's own descriptors are open by now
		for range 20 {
			a := openUDP(t, ctx, "127.0.0.1:0", "")
			b := openUDP(t, ctx, "", a.LocalAddr().String())
			b.Send(ctx, []byte("x"))
			a.RecvFrom(ctx, make([]byte, 1))
			b.Close()
			a.Close()
		}
		if after := fds(); after != before {
			t.Errorf("descriptors: %d before, %d after", before, after)
		}
		return nil, nil
	})
}
