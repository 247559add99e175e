package asyncio

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Opening connections: name resolution, non-blocking connect, and the stream
// pair. The system calls are in sockets_unix.go (Linux, macOS, the BSDs: the
// systems with a native poller), with the per-OS details in
// sockets_accept4.go and sockets_fcntl.go; elsewhere sockets_other.go makes
// every entry point fail with errSocketsUnsupported.

// StreamOptions configures OpenConnection and OpenUnixConnection.
type StreamOptions struct {
	// Limit is the StreamReader's limit (see SetLimit); 0 means DefaultLimit.
	Limit int
	// TLS, if not nil, makes the connection a TLS client: the handshake
	// completes before OpenConnection returns. If TLS.ServerName is empty, the
	// host passed to OpenConnection is used, as tls.Dial does.
	TLS *tls.Config
	// HandshakeTimeout bounds the TLS handshake, here and in a later
	// StartTLS (ssl_handshake_timeout); 0 means DefaultHandshakeTimeout,
	// Never means no bound.
	HandshakeTimeout time.Duration
	// ShutdownTimeout bounds the closing of a TLS stream: sending what is
	// buffered and the close_notify (ssl_shutdown_timeout); 0 means
	// DefaultShutdownTimeout, Never means no bound.
	ShutdownTimeout time.Duration
}

func streamOptions(opts []StreamOptions) StreamOptions {
	if len(opts) > 1 {
		misuse("%d StreamOptions given; pass at most one", len(opts))
	}
	if len(opts) == 0 {
		return StreamOptions{}
	}
	return opts[0]
}

// OpenConnection opens a TCP connection to host:port and returns its reader
// and writer (asyncio.open_connection). The two share one socket, as in
// CPython; closing the writer closes the connection. host is an IP address,
// "localhost" (or "": both mean 127.0.0.1 then ::1), or a name resolved with
// net.DefaultResolver on the ToThread pool. Each address is tried in turn
// until one connects. The socket has TCP_NODELAY set.
//
// It suspends the calling task while it resolves, connects and (with
// opts.TLS) shakes hands, and returns the CancelledError if the task is
// cancelled meanwhile; nothing is left open then. Use WaitFor or Timeout to
// bound it. Loop goroutine only, from a task with its ctx.
func OpenConnection(ctx context.Context, host string, port int, opts ...StreamOptions) (*StreamReader, *StreamWriter, error) {
	o := streamOptions(opts)
	currentTask(ctx, "OpenConnection")
	if port < 0 || port > 65535 {
		return nil, nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("invalid port " + strconv.Itoa(port))}
	}
	addrs, err := resolveHost(ctx, host)
	if err != nil {
		return nil, nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}
	var errs []error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a, uint16(port))
		fd, err := sysDialTCP(ctx, ap)
		if err == nil {
			return openedStream(ctx, fd, "tcp", host, o)
		}
		if isInterruption(err) {
			return nil, nil, err
		}
		errs = append(errs, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: err})
	}
	return nil, nil, errors.Join(errs...)
}

// OpenUnixConnection opens a connection to the Unix socket at path and
// returns its reader and writer (asyncio.open_unix_connection). A path
// starting with '@' names a socket in Linux's abstract namespace. It suspends
// and fails as OpenConnection does.
func OpenUnixConnection(ctx context.Context, path string, opts ...StreamOptions) (*StreamReader, *StreamWriter, error) {
	o := streamOptions(opts)
	currentTask(ctx, "OpenUnixConnection")
	fd, err := sysDialUnix(ctx, path)
	if err != nil {
		if isInterruption(err) {
			return nil, nil, err
		}
		return nil, nil, &net.OpError{Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: path, Net: "unix"}, Err: err}
	}
	return openedStream(ctx, fd, "unix", "", o)
}

// openedStream wraps a connected descriptor, shaking hands if asked.
func openedStream(ctx context.Context, fd int, network, host string, o StreamOptions) (*StreamReader, *StreamWriter, error) {
	s := newSock(loopFor(ctx, "OpenConnection"), fd, network, o.Limit)
	s.host = host
	s.tlsLimits = newTLSLimits(o.HandshakeTimeout, o.ShutdownTimeout)
	if o.TLS != nil {
		if err := s.startTLS(ctx, o.TLS, false); err != nil {
			return nil, nil, err
		}
	}
	return &s.r, &s.w, nil
}

// resolveHost turns host into the addresses to try, in order. Literals and
// localhost need no lookup; a name is looked up on the ToThread pool, since
// the resolver may block.
func resolveHost(ctx context.Context, host string) ([]netip.Addr, error) {
	switch host {
	case "", "localhost":
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	addrs, err := ToThread(ctx, func(ctx context.Context) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	})
	if err != nil {
		return nil, err
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}
