//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"

	"github.com/asyncio-go/asyncio/internal/netsim"
	"golang.org/x/sys/unix"
)

// DatagramEndpoint is a UDP socket driven by the loop (the transport of
// loop.create_datagram_endpoint, used directly rather than through a
// protocol): tasks send with SendTo or Send and receive with RecvFrom, each
// of which suspends only the calling task. It is a non-blocking socket
// watched by the loop's poller (WaitReadable, WaitWritable).
//
// Every method is loop goroutine only: call it from a task, with the task's
// ctx where it takes one. Several tasks may wait in RecvFrom at once; each
// datagram goes to one of them.
type DatagramEndpoint struct {
	loop      *Loop
	fd        int // -1 after Close
	family    int // unix.AF_INET or unix.AF_INET6
	local     *net.UDPAddr
	remote    *net.UDPAddr // nil unless opened with a remote address
	connected bool
	sim       *netsim.Network // the simulated network it is on (sockets_sim.go), or nil
}

// OpenDatagramEndpoint opens a UDP endpoint on the calling task's loop
// (loop.create_datagram_endpoint). local is the address to bind, such as
// "127.0.0.1:0" (port 0: any free port), or "" to let the system choose when
// sending. remote, if not "", connects the endpoint: Send sends there, and
// only datagrams from there are received. At least one must be given. An
// empty host in local means the wildcard address of remote's family (IPv4 if
// there is no remote).
//
// It suspends only if an address is a host name, which it resolves on the
// ToThread pool, and then returns the CancelledError if the task is cancelled
// meanwhile; numeric addresses are used at once. Must be called from a task,
// with its ctx. Close the endpoint when done.
func OpenDatagramEndpoint(ctx context.Context, local, remote string) (*DatagramEndpoint, error) {
	t := currentTask(ctx, "OpenDatagramEndpoint")
	if local == "" && remote == "" {
		misuse(`OpenDatagramEndpoint called with neither a local nor a remote address; pass e.g. "127.0.0.1:0" as local`)
	}
	var laddr, raddr *net.UDPAddr
	var err error
	if remote != "" {
		if raddr, err = resolveUDP(ctx, remote); err != nil {
			return nil, err
		}
	}
	if local != "" {
		if laddr, err = resolveUDP(ctx, local); err != nil {
			return nil, err
		}
	}
	family := unix.AF_INET
	if (laddr != nil && isIPv6(laddr.IP)) || (laddr == nil || laddr.IP == nil) && raddr != nil && isIPv6(raddr.IP) {
		family = unix.AF_INET6
	}
	e := &DatagramEndpoint{loop: t.loop, family: family, remote: raddr, connected: raddr != nil}
	if n := simNet.Load(); n != nil {
		return e.openSim(n, laddr)
	}
	if err := e.open(laddr); err != nil {
		return nil, &net.OpError{Op: "listen", Net: "udp", Source: laddr, Addr: raddr, Err: err}
	}
	return e, nil
}

// openSim opens the endpoint on the simulated network.
func (e *DatagramEndpoint) openSim(n *netsim.Network, laddr *net.UDPAddr) (*DatagramEndpoint, error) {
	local, remote := "", ""
	if laddr != nil {
		ip := laddr.IP
		if ip == nil {
			ip = net.IPv4zero
		}
		local = (&net.UDPAddr{IP: ip, Port: laddr.Port}).String()
	}
	if e.remote != nil {
		remote = e.remote.String()
	}
	fd, err := n.OpenUDP(local, remote)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "udp", Source: laddr, Addr: e.remote, Err: os.NewSyscallError("bind", err)}
	}
	e.fd, e.sim = fd, n
	e.local, _ = n.Addr(fd, false).(*net.UDPAddr)
	return e, nil
}

// open creates, binds and connects the socket.
func (e *DatagramEndpoint) open(laddr *net.UDPAddr) error {
	fd, err := newSocket(e.family, unix.SOCK_DGRAM) // non-blocking, close-on-exec (sockets_*.go)
	if err != nil {
		return err
	}
	e.fd = fd
	if laddr != nil {
		sa, err := e.sockaddr(laddr)
		if err == nil {
			err = os.NewSyscallError("bind", unix.Bind(fd, sa))
		}
		if err != nil {
			unix.Close(fd)
			return err
		}
	}
	if e.remote != nil {
		sa, err := e.sockaddr(e.remote)
		if err == nil {
			err = os.NewSyscallError("connect", unix.Connect(fd, sa)) // immediate for UDP
		}
		if err != nil {
			unix.Close(fd)
			return err
		}
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return os.NewSyscallError("getsockname", err)
	}
	e.local = udpAddrOf(sa)
	return nil
}

// RecvFrom receives one datagram into buf and returns its length and sender
// (transport's datagram_received). A datagram longer than buf is truncated
// to len(buf). If a datagram is queued it returns at once without
// suspending; otherwise it suspends the task until one arrives, and returns
// the CancelledError if the task is cancelled meanwhile (no datagram is
// lost). An error from the network (such as ECONNREFUSED on a connected
// endpoint whose peer is not listening) is returned, and the endpoint stays
// usable. After Close, or if Close is called while it waits, it returns an
// error matching net.ErrClosed. Loop goroutine only, with the task's ctx.
func (e *DatagramEndpoint) RecvFrom(ctx context.Context, buf []byte) (n int, from net.Addr, err error) {
	currentTask(ctx, "DatagramEndpoint.RecvFrom")
	for {
		if e.fd < 0 {
			return 0, nil, e.opError("read", nil, net.ErrClosed)
		}
		if e.sim != nil {
			n, from, err := e.sim.RecvFrom(e.fd, buf)
			switch err {
			case nil:
				return n, from, nil
			case netsim.ErrWouldBlock:
				if err := e.wait(ctx, false); err != nil {
					return 0, nil, err
				}
				continue
			}
			return 0, nil, e.opError("read", nil, os.NewSyscallError("recvfrom", err))
		}
		n, sa, err := unix.Recvfrom(e.fd, buf, 0)
		switch err {
		case nil:
			return n, udpAddrOf(sa), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if err := e.wait(ctx, false); err != nil {
				return 0, nil, err
			}
		default:
			return 0, nil, e.opError("read", nil, os.NewSyscallError("recvfrom", err))
		}
	}
}

// SendTo sends b as one datagram to addr, a *net.UDPAddr (transport.sendto).
// It returns at once without suspending if the socket has buffer room, which
// is almost always; otherwise it suspends until it has, and returns the
// CancelledError if the task is cancelled meanwhile (b is then not sent).
// After Close it returns an error matching net.ErrClosed. Loop goroutine
// only, with the task's ctx.
func (e *DatagramEndpoint) SendTo(ctx context.Context, b []byte, addr net.Addr) error {
	currentTask(ctx, "DatagramEndpoint.SendTo")
	ua, ok := addr.(*net.UDPAddr)
	if !ok || ua == nil {
		return e.opError("write", addr, &net.AddrError{Err: "not a *net.UDPAddr", Addr: addrString(addr)})
	}
	if e.sim != nil {
		return e.sendSim(b, ua)
	}
	sa, err := e.sockaddr(ua)
	if err != nil {
		return e.opError("write", addr, err)
	}
	return e.send(ctx, b, sa, ua)
}

// Send sends b as one datagram to the endpoint's remote address
// (transport.sendto(data) on a connected endpoint); otherwise it behaves as
// SendTo. It panics if the endpoint was opened without a remote address.
// Loop goroutine only, with the task's ctx.
func (e *DatagramEndpoint) Send(ctx context.Context, b []byte) error {
	currentTask(ctx, "DatagramEndpoint.Send")
	if !e.connected {
		misuse("DatagramEndpoint.Send on an endpoint opened without a remote address; use SendTo, " +
			"or pass remote to OpenDatagramEndpoint")
	}
	if e.sim != nil {
		return e.sendSim(b, nil)
	}
	return e.send(ctx, b, nil, e.remote)
}

// sendSim sends on the simulated network, which never blocks.
func (e *DatagramEndpoint) sendSim(b []byte, to *net.UDPAddr) error {
	dst := ""
	if to != nil {
		dst = to.String()
	}
	if e.fd < 0 {
		return e.opError("write", to, net.ErrClosed)
	}
	if err := e.sim.SendTo(e.fd, b, dst); err != nil {
		return e.opError("write", to, os.NewSyscallError("sendto", err))
	}
	return nil
}

func (e *DatagramEndpoint) send(ctx context.Context, b []byte, sa unix.Sockaddr, to net.Addr) error {
	for {
		if e.fd < 0 {
			return e.opError("write", to, net.ErrClosed)
		}
		err := unix.Sendto(e.fd, b, 0, sa)
		switch err {
		case nil:
			return nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if err := e.wait(ctx, true); err != nil {
				return err
			}
		default:
			return e.opError("write", to, os.NewSyscallError("sendto", err))
		}
	}
}

// wait waits until the socket is readable (or writable). Close wakes it with
// an error, which the caller's retry turns into net.ErrClosed.
func (e *DatagramEndpoint) wait(ctx context.Context, write bool) error {
	var err error
	if write {
		err = WaitWritable(ctx, e.fd)
	} else {
		err = WaitReadable(ctx, e.fd)
	}
	if err != nil && e.fd < 0 && !isCancelled(err) {
		return nil // closed meanwhile: the retry reports net.ErrClosed
	}
	return err
}

// LocalAddr returns the address the endpoint is bound to
// (transport.get_extra_info("sockname")).
func (e *DatagramEndpoint) LocalAddr() net.Addr { return e.local }

// RemoteAddr returns the address the endpoint is connected to, or nil
// (transport.get_extra_info("peername")).
func (e *DatagramEndpoint) RemoteAddr() net.Addr {
	if e.remote == nil {
		return nil
	}
	return e.remote
}

// Close closes the endpoint (transport.close()). Tasks waiting in RecvFrom or
// SendTo wake with an error matching net.ErrClosed. Closing twice does
// nothing. It never suspends. Loop goroutine only.
func (e *DatagramEndpoint) Close() error {
	if e.fd < 0 {
		return nil
	}
	if e.loop.debug {
		e.loop.checkGoroutine("DatagramEndpoint.Close")
	}
	fd := e.fd
	e.fd = -1
	e.loop.ForgetFD(fd)
	if e.sim != nil {
		return os.NewSyscallError("close", e.sim.Close(fd))
	}
	return os.NewSyscallError("close", unix.Close(fd))
}

func (e *DatagramEndpoint) opError(op string, addr net.Addr, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: e.local, Addr: addr, Err: err}
}

// sockaddr converts a to the endpoint's family (an IPv4 address becomes
// IPv4-mapped on an IPv6 socket).
func (e *DatagramEndpoint) sockaddr(a *net.UDPAddr) (unix.Sockaddr, error) {
	if a.Port < 0 || a.Port > 0xffff {
		return nil, &net.AddrError{Err: "invalid port", Addr: a.String()}
	}
	if e.family == unix.AF_INET {
		ip := a.IP.To4()
		if a.IP == nil {
			ip = net.IPv4zero.To4()
		}
		if ip == nil {
			return nil, &net.AddrError{Err: "IPv6 address on an IPv4 endpoint", Addr: a.String()}
		}
		sa := &unix.SockaddrInet4{Port: a.Port}
		copy(sa.Addr[:], ip)
		return sa, nil
	}
	sa := &unix.SockaddrInet6{Port: a.Port}
	if a.IP != nil {
		copy(sa.Addr[:], a.IP.To16())
	}
	if a.Zone != "" {
		if ifi, err := net.InterfaceByName(a.Zone); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		} else if n, err := strconv.Atoi(a.Zone); err == nil {
			sa.ZoneId = uint32(n)
		}
	}
	return sa, nil
}

func udpAddrOf(sa unix.Sockaddr) *net.UDPAddr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.UDPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: sa.Port}
	case *unix.SockaddrInet6:
		a := &net.UDPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
		if sa.ZoneId != 0 {
			a.Zone = strconv.Itoa(int(sa.ZoneId))
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	}
	return nil
}

// resolveUDP parses a numeric "host:port" at once, and resolves anything else
// on the ToThread pool, since name lookups block.
func resolveUDP(ctx context.Context, s string) (*net.UDPAddr, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return net.UDPAddrFromAddrPort(ap), nil
	}
	if host, port, err := net.SplitHostPort(s); err == nil && host == "" {
		if p, err := strconv.ParseUint(port, 10, 16); err == nil {
			return &net.UDPAddr{Port: int(p)}, nil
		}
	}
	return ToThread(ctx, func(context.Context) (*net.UDPAddr, error) {
		return net.ResolveUDPAddr("udp", s)
	})
}

func isIPv6(ip net.IP) bool { return ip != nil && ip.To4() == nil }

func addrString(a net.Addr) string {
	if a == nil {
		return "<nil>"
	}
	return a.String()
}
