//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"

	"github.com/asyncio-go/asyncio/internal/netsim"
	"golang.org/x/sys/unix"
)

// The system calls under streams and servers, on non-blocking sockets. Each
// returns errWouldBlock for EAGAIN and retries EINTR. sysRead and sysWrite
// return the bare errno (the stream wraps it, only on failure, so the hot path
// allocates nothing); the others return *os.SyscallError.

func sysRead(fd int, p []byte) (int, error) {
	if fd >= deviceFDBase { // not the kernel's (device.go, sockets_sim.go)
		if netsim.IsSim(fd) {
			return simRead(fd, p)
		}
		return deviceRead(fd, p)
	}
	for {
		n, err := unix.Read(fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, errWouldBlock
		}
		return 0, err
	}
}

// sysWrite writes all of p, or as much as the socket takes before EAGAIN.
func sysWrite(fd int, p []byte) (int, error) {
	if fd >= deviceFDBase {
		if netsim.IsSim(fd) {
			return simWrite(fd, p)
		}
		return deviceWrite(fd, p)
	}
	done := 0
	for done < len(p) {
		n, err := unix.Write(fd, p[done:])
		if n > 0 {
			done += n
		}
		switch err {
		case nil, unix.EINTR:
			continue
		case unix.EAGAIN:
			return done, errWouldBlock
		}
		return done, err
	}
	return done, nil
}

func sysClose(fd int) error {
	if netsim.IsSim(fd) {
		return os.NewSyscallError("close", simNet.Load().Close(fd))
	}
	if fd >= deviceFDBase {
		return deviceClose(fd)
	}
	return os.NewSyscallError("close", unix.Close(fd))
}

func sysShutdownWrite(fd int) error {
	if netsim.IsSim(fd) {
		return simNet.Load().ShutdownWrite(fd)
	}
	if fd >= deviceFDBase {
		return errors.New("asyncio: a device stream cannot half-close; use Close")
	}
	return unix.Shutdown(fd, unix.SHUT_WR)
}

// sysDialTCP connects a new socket to ap: connect, and on EINPROGRESS wait
// for writability and read SO_ERROR. On failure or cancellation the socket is
// closed.
func sysDialTCP(ctx context.Context, ap netip.AddrPort) (int, error) {
	if n := simNet.Load(); n != nil {
		return simDial(ctx, n, "tcp", ap.String())
	}
	sa, family := tcpSockaddr(ap)
	fd, err := newSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	return connectSocket(ctx, fd, sa)
}

func sysDialUnix(ctx context.Context, path string) (int, error) {
	if n := simNet.Load(); n != nil {
		return simDial(ctx, n, "unix", path)
	}
	fd, err := newSocket(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	return connectSocket(ctx, fd, &unix.SockaddrUnix{Name: path})
}

func connectSocket(ctx context.Context, fd int, sa unix.Sockaddr) (int, error) {
	err := unix.Connect(fd, sa)
	for err == unix.EINPROGRESS || err == unix.EALREADY || err == unix.EINTR {
		if err = WaitWritable(ctx, fd); err != nil {
			break
		}
		soerr, gerr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case gerr != nil:
			err = gerr
		case soerr != 0:
			err = unix.Errno(soerr)
		default:
			if _, perr := unix.Getpeername(fd); perr == unix.ENOTCONN {
				err = unix.EINPROGRESS // woken before the connection completed: wait again
			}
		}
	}
	if err != nil {
		closeUnwatched(ctx, fd)
		if isInterruption(err) {
			return -1, err
		}
		return -1, os.NewSyscallError("connect", err)
	}
	return fd, nil
}

// closeUnwatched closes a descriptor a task may have waited on.
func closeUnwatched(ctx context.Context, fd int) {
	if t := taskOf(ctx); t != nil {
		t.loop.ForgetFD(fd)
	}
	if netsim.IsSim(fd) {
		simNet.Load().Close(fd)
		return
	}
	unix.Close(fd)
}

// sysListenTCP makes a listening TCP socket on ap.
func sysListenTCP(ap netip.AddrPort, o *ServerOptions) (int, error) {
	if n := simNet.Load(); n != nil {
		return simListen(n, "tcp", ap.String())
	}
	sa, family := tcpSockaddr(ap)
	fd, err := newSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	if !o.NoReuseAddr {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	}
	if o.ReusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			unix.Close(fd)
			return -1, os.NewSyscallError("setsockopt SO_REUSEPORT", err)
		}
	}
	if family == unix.AF_INET6 && ap.Addr().IsUnspecified() {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0) // "" listens on IPv4 too
	}
	return bindListen(fd, sa, o.backlog())
}

func sysListenUnix(path string, o *ServerOptions) (int, error) {
	if n := simNet.Load(); n != nil {
		return simListen(n, "unix", path)
	}
	fd, err := newSocket(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	return bindListen(fd, &unix.SockaddrUnix{Name: path}, o.backlog())
}

func bindListen(fd int, sa unix.Sockaddr, backlog int) (int, error) {
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// sysAccept accepts one connection, non-blocking and close-on-exec, with
// TCP_NODELAY set on TCP.
func sysAccept(fd int, network string) (int, error) {
	if netsim.IsSim(fd) {
		return simAccept(fd)
	}
	for {
		nfd, err := acceptSocket(fd)
		switch err {
		case nil:
			if network == "tcp" {
				unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
			}
			return nfd, nil
		case unix.EINTR, unix.ECONNABORTED:
			continue // the peer gave up while queued: take the next one
		case unix.EAGAIN:
			return -1, errWouldBlock
		}
		return -1, os.NewSyscallError("accept", err)
	}
}

// isAddrUnavailable reports a listen error for an address family or address
// the host lacks (no IPv6), which StartServer skips if others work.
func isAddrUnavailable(err error) bool {
	return errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EADDRNOTAVAIL)
}

// sysSockName returns the local (or, with peer, remote) address of fd.
func sysSockName(fd int, network string, peer bool) net.Addr {
	if netsim.IsSim(fd) {
		return simSockName(fd, peer)
	}
	if fd >= deviceFDBase {
		return nil
	}
	get := unix.Getsockname
	if peer {
		get = unix.Getpeername
	}
	sa, err := get(fd)
	if err != nil {
		return nil
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]).To16(), Port: sa.Port}
	case *unix.SockaddrInet6:
		a := &net.TCPAddr{IP: net.IP(sa.Addr[:]), Port: sa.Port}
		if sa.ZoneId != 0 {
			a.Zone = zoneName(int(sa.ZoneId))
		}
		return a
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: network}
	}
	return nil
}

func tcpSockaddr(ap netip.AddrPort) (unix.Sockaddr, int) {
	a := ap.Addr()
	if a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}, unix.AF_INET
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		} else if n, err := strconv.Atoi(z); err == nil {
			sa.ZoneId = uint32(n)
		}
	}
	return sa, unix.AF_INET6
}

func zoneName(index int) string {
	if ifi, err := net.InterfaceByIndex(index); err == nil {
		return ifi.Name
	}
	return strconv.Itoa(index)
}
