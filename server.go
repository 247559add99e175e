package asyncio

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// StreamHandler serves one connection accepted by a server
// (client_connected_cb). It runs as a task of its own, named "conn <peer>".
// When it returns, the server sends what the writer still buffers and closes
// the connection. An error it returns goes to the loop's exception handler,
// and so does a panic, with its stack; either way the connection is closed
// and the server goes on serving.
type StreamHandler func(ctx context.Context, r *StreamReader, w *StreamWriter) error

// ServerOptions configures StartServer and StartUnixServer. The zero value is
// CPython's defaults.
type ServerOptions struct {
	// Backlog is the listen backlog; 0 means 100.
	Backlog int
	// ReusePort sets SO_REUSEPORT, so several sockets (processes) can listen
	// on one port and the kernel spreads connections among them.
	ReusePort bool
	// NoReuseAddr leaves SO_REUSEADDR off. TCP servers set it by default, as
	// CPython does on Unix, so that a restarted server can bind its port
	// while old connections linger in TIME_WAIT.
	NoReuseAddr bool
	// TLS, if not nil, makes every connection complete a TLS handshake before
	// its handler runs. A failed handshake is reported to the exception
	// handler and the connection closed.
	TLS *tls.Config
	// HandshakeTimeout bounds each connection's TLS handshake
	// (ssl_handshake_timeout): a client that has not completed it in time is
	// dropped, and the timeout is reported like any failed handshake. 0
	// means DefaultHandshakeTimeout, Never means no bound.
	HandshakeTimeout time.Duration
	// ShutdownTimeout bounds the closing of each TLS connection: sending what
	// is buffered and the close_notify (ssl_shutdown_timeout); 0 means
	// DefaultShutdownTimeout, Never means no bound.
	ShutdownTimeout time.Duration
	// Limit is the StreamReader limit of accepted connections; 0 means
	// DefaultLimit.
	Limit int
}

func (o *ServerOptions) backlog() int {
	if o.Backlog <= 0 {
		return 100
	}
	return o.Backlog
}

// acceptBatch is how many connections an accept loop takes before it yields
// to the other tasks, so that a flood of connections cannot starve them.
const acceptBatch = 64

// Server is a listening server (asyncio.Server): one or more listening
// sockets, each with a task that accepts connections and starts a handler
// task for each. Every method is loop goroutine only.
type Server struct {
	loop      *Loop
	handler   StreamHandler
	opts      ServerOptions
	network   string // "tcp" or "unix"
	listeners []*listener
	conns     map[*sock]*Task[struct{}] // connections whose handler is running
	tlsLimits tlsLimits                 // from opts, checked once
	closed    bool
	closedEv  Event       // set by Close: ServeForever returns
	done      Event       // set once closed with no handler running: WaitClosed returns
	unixPath  string      // the socket file Close removes,
	unixFile  os.FileInfo // if it is still the one this server made
}

type listener struct {
	fd       int // -1 once closed
	addr     net.Addr
	task     *Task[struct{}] // the accept loop
	reported bool            // an accept failure was reported; reset by the next success
}

func serverOptions(opts []ServerOptions) ServerOptions {
	if len(opts) > 1 {
		misuse("%d ServerOptions given; pass at most one", len(opts))
	}
	if len(opts) == 0 {
		return ServerOptions{}
	}
	return opts[0]
}

// StartServer listens on host:port and starts serving (asyncio.start_server):
// each accepted connection runs handler as a new task. host "" listens on
// every interface (IPv6 and IPv4 where the system allows), an IP address on
// that address, and a name ("localhost" is 127.0.0.1 and ::1) on each address
// it resolves to, all on the same port. Port 0 picks a free port: see Port and
// Addrs.
//
// It suspends the task only to resolve a host name (not an IP address,
// localhost or ""), and then returns the CancelledError if the task is
// cancelled meanwhile. The server runs until Close, or until the loop's tasks
// are cancelled at the end of Run. Loop goroutine only, with a task's ctx.
func StartServer(ctx context.Context, handler StreamHandler, host string, port int, opts ...ServerOptions) (*Server, error) {
	s := newServer(ctx, "StartServer", handler, "tcp", opts)
	if port < 0 || port > 65535 {
		return nil, &net.OpError{Op: "listen", Net: "tcp", Err: fmt.Errorf("invalid port %d", port)}
	}
	addrs := []netip.Addr{netip.IPv6Unspecified(), netip.IPv4Unspecified()}
	if host != "" {
		var err error
		if addrs, err = resolveHost(ctx, host); err != nil {
			return nil, &net.OpError{Op: "listen", Net: "tcp", Err: err}
		}
	}
	var lastErr error
	for i, a := range addrs {
		ap := netip.AddrPortFrom(a, uint16(port))
		fd, err := sysListenTCP(ap, &s.opts)
		if err != nil {
			lastErr = &net.OpError{Op: "listen", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: err}
			if isAddrUnavailable(err) && (i+1 < len(addrs) || len(s.listeners) > 0) {
				continue // no IPv6 here, say: the other addresses will do
			}
			s.Close()
			return nil, lastErr
		}
		ln := &listener{fd: fd, addr: sysSockName(fd, "tcp", false)}
		s.listeners = append(s.listeners, ln)
		if a, ok := ln.addr.(*net.TCPAddr); ok && port == 0 {
			port = a.Port // the other addresses on the same port
		}
		if host == "" {
			break // [::] took IPv4 too; 0.0.0.0 is the fallback
		}
	}
	s.start(ctx)
	return s, nil
}

// StartUnixServer listens on the Unix socket at path and starts serving
// (asyncio.start_unix_server). A stale socket file at path is removed first,
// and Close removes the file, as CPython does; a path starting with '@' names
// a socket in Linux's abstract namespace. It never suspends. Loop goroutine
// only.
func StartUnixServer(ctx context.Context, handler StreamHandler, path string, opts ...ServerOptions) (*Server, error) {
	s := newServer(ctx, "StartUnixServer", handler, "unix", opts)
	addr := &net.UnixAddr{Name: path, Net: "unix"}
	abstract := path == "" || path[0] == '@' || path[0] == 0
	if fi, err := os.Stat(path); !abstract && err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
	fd, err := sysListenUnix(path, &s.opts)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "unix", Addr: addr, Err: err}
	}
	if !abstract {
		s.unixPath = path
		s.unixFile, _ = os.Stat(path)
	}
	s.listeners = append(s.listeners, &listener{fd: fd, addr: addr})
	s.start(ctx)
	return s, nil
}

func newServer(ctx context.Context, op string, handler StreamHandler, network string, opts []ServerOptions) *Server {
	if handler == nil {
		misuse("%s called with a nil handler; pass the function that serves a connection", op)
	}
	s := &Server{
		loop:    loopFor(ctx, op),
		handler: handler,
		opts:    serverOptions(opts),
		network: network,
		conns:   make(map[*sock]*Task[struct{}]),
	}
	s.tlsLimits = newTLSLimits(s.opts.HandshakeTimeout, s.opts.ShutdownTimeout)
	return s
}

func (s *Server) start(ctx context.Context) {
	for _, ln := range s.listeners {
		ln.task = createTask(s.loop, ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, s.accept(ctx, ln)
		}, []string{"serve " + ln.addr.String()})
	}
}

// accept is a listener's task: accept until EAGAIN, then wait for the next
// readable edge. On any other error (EMFILE: out of descriptors) it reports
// once and retries after a pause that doubles from 5ms up to a second, never
// spinning; the refused connection stays queued in the kernel, and since no
// new edge will announce it, the retry is by timer, not by waiting.
func (s *Server) accept(ctx context.Context, ln *listener) error {
	defer s.Close() // however the loop ends, nothing stays open
	var pause time.Duration
	for n := 1; ; n++ {
		fd, err := sysAccept(ln.fd, s.network)
		switch {
		case err == nil:
			pause, ln.reported = 0, false
			s.serve(ctx, fd)
			if n%acceptBatch == 0 {
				err = Sleep(ctx, 0)
			}
		case err == errWouldBlock:
			err = WaitReadable(ctx, ln.fd)
		default:
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.reportAccept(ln, err)
			err = Sleep(ctx, pause)
		}
		if err != nil || ln.fd < 0 {
			return err
		}
	}
}

func (s *Server) reportAccept(ln *listener, err error) {
	if ln.reported {
		return
	}
	ln.reported = true
	s.loop.CallExceptionHandler(ExceptionContext{
		Message: fmt.Sprintf("Server on %s: accept failed; retrying with back-off (reported once until an accept succeeds)", ln.addr),
		Err:     &net.OpError{Op: "accept", Net: s.network, Addr: ln.addr, Err: err},
		Task:    ln.task,
	})
}

// serve starts the handler task of an accepted connection.
func (s *Server) serve(ctx context.Context, fd int) {
	c := newSock(s.loop, fd, s.network, s.opts.Limit)
	c.tlsLimits = s.tlsLimits
	s.conns[c] = createTask(s.loop, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.handle(ctx, c)
	}, []string{"conn " + c.name()})
}

// handle is a connection's task: handshake, handler, close. Whatever happens
// (an error, a panic, cancellation), the deferred calls close the connection
// and tell the server.
func (s *Server) handle(ctx context.Context, c *sock) error {
	defer s.handlerDone(c)
	defer c.close()
	if s.opts.TLS != nil {
		if err := c.startTLS(ctx, s.opts.TLS, true); err != nil {
			if isCancelled(err) {
				return err
			}
			s.loop.CallExceptionHandler(ExceptionContext{Message: "TLS handshake failed", Err: err, Task: CurrentTask(ctx)})
			return nil
		}
	}
	if err := s.handler(ctx, &c.r, &c.w); err != nil {
		if isCancelled(err) {
			return err
		}
		s.loop.CallExceptionHandler(ExceptionContext{Message: "Unhandled error in connection handler", Err: err, Task: CurrentTask(ctx)})
		return nil
	}
	c.w.Close()
	if err := c.w.WaitClosed(ctx); isCancelled(err) {
		return err
	}
	return nil
}

func (s *Server) handlerDone(c *sock) {
	delete(s.conns, c)
	if s.closed && len(s.conns) == 0 {
		s.done.Set()
	}
}

// Close stops listening (server.close()): the listening sockets close at
// once and the accept tasks end. Connections being served go on; see
// CloseClients and WaitClosed. It never suspends; closing twice does nothing.
// Loop goroutine only.
func (s *Server) Close() {
	if s.closed {
		return
	}
	s.closed = true
	for _, ln := range s.listeners {
		if ln.task != nil && &ln.task.task != s.loop.current {
			ln.task.Cancel()
		}
		if ln.fd >= 0 {
			s.loop.ForgetFD(ln.fd)
			sysClose(ln.fd)
			ln.fd = -1
		}
	}
	if s.unixPath != "" {
		if fi, err := os.Stat(s.unixPath); err == nil && os.SameFile(fi, s.unixFile) {
			os.Remove(s.unixPath)
		}
	}
	s.closedEv.Set()
	if len(s.conns) == 0 {
		s.done.Set()
	}
}

// CloseClients cancels the handler of every connection being served
// (server.close_clients()); each connection closes as its handler ends. It
// never suspends. Loop goroutine only.
func (s *Server) CloseClients() {
	for _, t := range s.conns {
		t.Cancel()
	}
}

// WaitClosed suspends until the server is closed and every handler has
// returned (server.wait_closed(), Python 3.12 semantics), and returns the
// CancelledError if the task is cancelled first. It returns at once, without
// suspending, if that is already so. Loop goroutine only, from a task with
// its ctx.
func (s *Server) WaitClosed(ctx context.Context) error { return s.done.Wait(ctx) }

// Shutdown closes the server gracefully (Go's http.Server.Shutdown; asyncio
// has close, close_clients and wait_closed): it stops listening at once, as
// Close does, then suspends until every handler has returned, and returns
// nil. If the wait is interrupted first (the task is cancelled, or a Timeout
// around Shutdown expires), it cancels the handlers still running, as
// CloseClients does, waits for them to finish their cleanup, and returns
// that interruption's error: the CancelledError, which a Timeout turns into
// ErrTimeout. So a grace period reads:
//
//	err := asyncio.Timeout(ctx, 5*time.Second, srv.Shutdown)
//
// If the task is cancelled again while the cancelled handlers finish,
// Shutdown returns at once; they go on finishing. Loop goroutine only, from a
// task with its ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	t := currentTask(ctx, "Server.Shutdown")
	s.Close()
	err := s.done.Wait(ctx)
	if err == nil {
		return nil
	}
	s.CloseClients()
	// The interruption was delivered; the task's own context waits on, even
	// where ctx is a scope whose deadline has passed.
	s.done.Wait(&t.ctx)
	return err
}

// ServeForever suspends until the server is closed (server.serve_forever()).
// If the task is cancelled meanwhile, it closes the server and returns the
// CancelledError. It returns nil when another task closes the server, and an
// error if the server is already closed. Loop goroutine only, from a task
// with its ctx.
func (s *Server) ServeForever(ctx context.Context) error {
	if s.closed {
		return errors.New("asyncio: ServeForever on a closed server")
	}
	if err := s.closedEv.Wait(ctx); err != nil {
		s.Close()
		return err
	}
	return nil
}

// IsServing reports whether the server accepts connections (until Close).
// Loop goroutine only.
func (s *Server) IsServing() bool { return !s.closed }

// Addrs returns the addresses the server listens on (its sockets'
// getsockname): *net.TCPAddr or *net.UnixAddr. Loop goroutine only.
func (s *Server) Addrs() []net.Addr {
	addrs := make([]net.Addr, len(s.listeners))
	for i, ln := range s.listeners {
		addrs[i] = ln.addr
	}
	return addrs
}

// Port returns the TCP port the server listens on (the one chosen for port
// 0), or 0 for a Unix server. Loop goroutine only.
func (s *Server) Port() int {
	for _, ln := range s.listeners {
		if a, ok := ln.addr.(*net.TCPAddr); ok {
			return a.Port
		}
	}
	return 0
}
