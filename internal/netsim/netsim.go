// Package netsim is the simulated network under the loop's sockets in
// simulation mode: an in-memory kernel that the loop's socket calls
// (sockets_sim.go in the root package) use instead of the operating system's
// when package asynciotest installs a Network. Programs under test do not
// change: asyncio.OpenConnection, StartServer and their Unix variants land
// here.
//
// Streams keep TCP's semantics (bytes in order, none lost or duplicated,
// half-close, reset), while everything TCP leaves open is drawn from a seeded
// source: how a write is cut into segments, when each arrives (latency,
// jitter, bandwidth), and, as faults, whether a write fails or a connection
// is reset. Deliveries are timers on the loop's virtual clock, so time jumps
// straight to the next arrival. A partition between two hosts holds their
// segments (TCP retransmits) until it heals.
//
// A Network belongs to one loop and is used on its goroutine only.
package netsim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sort"
	"strings"
	"syscall"
	"time"
)

// FDBase is the first descriptor number of simulated sockets: far above what
// a process opens, so a descriptor tells which world it belongs to.
const FDBase = 1 << 28

// IsSim reports whether fd is a simulated socket.
func IsSim(fd int) bool { return fd >= FDBase }

// Config sets the network's behaviour. The zero value is a perfect network:
// no latency, writes arrive whole, no faults.
type Config struct {
	Seed       uint64        // the seed of every choice; runs with one seed are identical
	Latency    time.Duration // one-way delay of every segment
	Jitter     time.Duration // up to this much more, drawn per segment (order is kept)
	Bandwidth  int           // bytes per second per connection direction; 0: unlimited
	MaxSegment int           // writes are cut into segments of 1..MaxSegment bytes; 0: whole
	SendBuffer int           // bytes in flight per direction before writes block, and each receive window; 0: 64 KiB

	// Faults, each a probability per write, named in the trace.
	WriteFailRate float64 // the write fails with EIO
	ResetRate     float64 // the connection is reset (both ends get ECONNRESET)

	// Datagram faults, each a probability per datagram sent: lost, or
	// delivered twice. Jitter reorders datagrams (streams keep their order).
	LossRate float64
	DupRate  float64
}

// Events are readiness conditions, as the loop's poller reports them.
type Events uint8

const (
	Readable Events = 1 << iota
	Writable
	Hangup // the peer shut down its side, or the connection is reset
	Error  // the socket is in error (reset, refused)
)

// HostKey is the context key of the host a task dials from
// (asynciotest.WithHost); without it a dial comes from 127.0.0.1.
type HostKey struct{}

// Install attaches n to loop (a *asyncio.Loop), or detaches the loop's
// network when n is nil. The root package sets it; package asynciotest
// calls it.
var Install func(loop any, n *Network)

// Hooks connect a Network to its loop.
type Hooks struct {
	Now    func() time.Duration                // the loop's virtual time
	At     func(when time.Duration, fn func()) // run fn on the loop at virtual time when
	Notify func(fd int, ev Events)             // a readiness edge of fd
	Trace  func(event string)                  // a fault or network event, for the simulation trace
}

// Network is one simulated world.
type Network struct {
	cfg       Config
	rng       *rand.Rand
	h         Hooks
	socks     map[int]*socket
	nextFD    int
	nextPort  int
	listeners map[string]*socket // by address: "ip:port" or "unix:path"
	cut       map[[2]string]bool // partitioned host pairs, both orders
	held      []func()           // deliveries stopped by a partition, resumed by Heal
}

// New returns a Network with cfg; Attach connects it to a loop.
func New(cfg Config) *Network {
	if cfg.SendBuffer <= 0 {
		cfg.SendBuffer = 64 << 10
	}
	return &Network{
		cfg:       cfg,
		rng:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		socks:     map[int]*socket{},
		nextFD:    FDBase,
		nextPort:  40000,
		listeners: map[string]*socket{},
		cut:       map[[2]string]bool{},
	}
}

// Attach gives the network its loop's hooks.
func (n *Network) Attach(h Hooks) {
	if h.Trace == nil {
		h.Trace = func(string) {}
	}
	n.h = h
}

// socket is one simulated descriptor: a listener or one end of a connection.
type socket struct {
	fd        int
	listening bool
	network   string   // "tcp" or "unix"
	local     net.Addr // this end's address
	remote    net.Addr // the peer's, for a connection
	host      string   // this end's host, for partitions
	peer      *socket  // the other end, once connected
	accept    []*socket

	connecting bool  // a dial in progress
	connErr    error // how the dial failed (ECONNREFUSED)
	recv       []byte
	eof        bool // the peer's FIN has arrived
	reset      bool // an RST has arrived (or was sent)
	inflight   int  // bytes sent and not yet delivered to the peer
	lastArrive time.Duration
	wrShut     bool // this end sent FIN
	closed     bool
	incoming   []arrival  // arrived, waiting for room in recv (the receive window), in order
	dgrams     []datagram // a datagram endpoint's queue
}

func (n *Network) newSocket(network string) *socket {
	s := &socket{fd: n.nextFD, network: network}
	n.nextFD++
	n.socks[s.fd] = s
	return s
}

func (n *Network) sock(fd int) (*socket, error) {
	s := n.socks[fd]
	if s == nil || s.closed {
		return nil, syscall.EBADF
	}
	return s, nil
}

// ErrWouldBlock is returned for operations that would block (EAGAIN).
var ErrWouldBlock = errors.New("netsim: would block")

func key(network, addr string) string { return network + ":" + addr }

// Listen makes a listening socket on addr ("ip:port", port 0 picks one; or
// a Unix path).
func (n *Network) Listen(network, addr string) (int, error) {
	if network == "tcp" {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return -1, err
		}
		if ap.Port() == 0 {
			ap = netip.AddrPortFrom(ap.Addr(), n.port())
		}
		addr = ap.String()
	}
	if n.listeners[key(network, addr)] != nil {
		return -1, syscall.EADDRINUSE
	}
	s := n.newSocket(network)
	s.listening = true
	s.local = makeAddr(network, addr)
	s.host = hostOf(network, addr)
	n.listeners[key(network, addr)] = s
	return s.fd, nil
}

func (n *Network) port() uint16 {
	n.nextPort++
	return uint16(n.nextPort)
}

// listenerFor finds the listener a dial to addr reaches: an exact address,
// or the same port on the unspecified address.
func (n *Network) listenerFor(network, addr string) *socket {
	if l := n.listeners[key(network, addr)]; l != nil {
		return l
	}
	if network == "tcp" {
		if ap, err := netip.ParseAddrPort(addr); err == nil {
			for _, any := range []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()} {
				if l := n.listeners[key(network, netip.AddrPortFrom(any, ap.Port()).String())]; l != nil {
					return l
				}
			}
		}
	}
	return nil
}

// Dial starts connecting a new socket from host fromHost to addr and returns
// it at once, connecting: its first Writable edge says the dial ended, and
// ConnectResult how.
func (n *Network) Dial(network, fromHost, addr string) (int, error) {
	c := n.newSocket(network)
	c.connecting = true
	c.host = fromHost
	c.remote = makeAddr(network, addr)
	if network == "tcp" {
		c.local = makeAddr(network, netip.AddrPortFrom(netip.MustParseAddr(fromHost), n.port()).String())
	} else {
		c.local = &net.UnixAddr{Net: "unix"}
	}
	toHost := hostOf(network, addr)
	// SYN, then SYN-ACK: a round trip, held by a partition like any segment.
	n.send(c.host, toHost, n.delay(0), func() {
		l := n.listenerFor(network, addr)
		if l == nil || l.closed {
			n.send(toHost, c.host, n.delay(0), func() {
				c.connecting, c.connErr = false, syscall.ECONNREFUSED
				n.h.Trace("netsim: connection to " + addr + " refused")
				n.h.Notify(c.fd, Writable|Error)
			})
			return
		}
		srv := n.newSocket(network)
		srv.local, srv.remote, srv.host = l.local, c.local, toHost
		if network == "tcp" {
			srv.local = makeAddr(network, addr)
		}
		srv.peer, c.peer = c, srv
		l.accept = append(l.accept, srv)
		n.h.Notify(l.fd, Readable)
		n.send(toHost, c.host, n.delay(0), func() {
			c.connecting = false
			if !c.closed {
				n.h.Notify(c.fd, Writable)
			}
		})
	})
	return c.fd, nil
}

// ConnectResult reports how a dial ended: nil once connected, the error if
// it failed, ErrWouldBlock while it is in progress.
func (n *Network) ConnectResult(fd int) error {
	s, err := n.sock(fd)
	switch {
	case err != nil:
		return err
	case s.connErr != nil:
		return s.connErr
	case s.connecting:
		return ErrWouldBlock
	}
	return nil
}

// Accept takes the next connection from a listener.
func (n *Network) Accept(fd int) (int, error) {
	l, err := n.sock(fd)
	if err != nil {
		return -1, err
	}
	if !l.listening {
		return -1, syscall.EINVAL
	}
	if len(l.accept) == 0 {
		return -1, ErrWouldBlock
	}
	s := l.accept[0]
	l.accept = l.accept[1:]
	return s.fd, nil
}

// Read takes what has arrived, up to len(p).
func (n *Network) Read(fd int, p []byte) (int, error) {
	s, err := n.sock(fd)
	switch {
	case err != nil:
		return 0, err
	case s.reset:
		return 0, syscall.ECONNRESET
	case len(s.recv) > 0:
		k := copy(p, s.recv)
		s.recv = s.recv[k:]
		n.pump(s)
		return k, nil
	case s.eof:
		return 0, nil
	case s.peer == nil:
		return 0, syscall.ENOTCONN
	}
	return 0, ErrWouldBlock
}

// Write sends as much of p as the send buffer takes.
func (n *Network) Write(fd int, p []byte) (int, error) {
	s, err := n.sock(fd)
	switch {
	case err != nil:
		return 0, err
	case s.reset:
		return 0, syscall.ECONNRESET
	case s.wrShut:
		return 0, syscall.EPIPE
	case s.peer == nil:
		return 0, syscall.ENOTCONN
	}
	if n.cfg.WriteFailRate > 0 && n.rng.Float64() < n.cfg.WriteFailRate {
		n.h.Trace(fmt.Sprintf("netsim: fault: write on %v failed", s.local))
		return 0, syscall.EIO
	}
	if n.cfg.ResetRate > 0 && n.rng.Float64() < n.cfg.ResetRate {
		n.h.Trace(fmt.Sprintf("netsim: fault: connection %v -> %v reset", s.local, s.remote))
		n.resetConn(s)
		return 0, syscall.ECONNRESET
	}
	room := n.cfg.SendBuffer - s.inflight
	if room <= 0 || room < min(len(p), n.cfg.SendBuffer/4) {
		// Wait for a quarter of the buffer, as TCP avoids the silly window
		// syndrome: trickling byte-sized writes as single bytes drain.
		return 0, ErrWouldBlock
	}
	k := min(room, len(p))
	data := append([]byte(nil), p[:k]...)
	for len(data) > 0 {
		seg := len(data)
		if n.cfg.MaxSegment > 0 {
			seg = 1 + n.rng.IntN(min(n.cfg.MaxSegment, len(data)))
		}
		n.segment(s, data[:seg])
		data = data[seg:]
	}
	return k, nil
}

// segment sends b from s to its peer, arriving after every earlier segment.
func (n *Network) segment(s *socket, b []byte) {
	s.inflight += len(b)
	d := n.delay(len(b))
	at := max(n.h.Now()+d, s.lastArrive+1) // strictly after the previous segment: order is kept
	s.lastArrive = at
	n.arrive(s, s.peer, at, arrival{data: b})
}

// arrival is what reaches a socket: bytes, or the peer's FIN.
type arrival struct {
	data []byte
	fin  bool
	from *socket
}

// arrive delivers a to peer at virtual time at (unless a partition holds
// it): into peer's queue of arrivals, which pump moves into its receive
// buffer as the receive window allows.
func (n *Network) arrive(s, peer *socket, at time.Duration, a arrival) {
	a.from = s
	n.send(s.host, peer.host, at-n.h.Now(), func() {
		if peer.closed {
			if !a.fin && !s.reset && !s.closed {
				n.h.Trace(fmt.Sprintf("netsim: %v wrote to a closed socket: reset", s.local))
				s.reset = true
				n.h.Notify(s.fd, Readable|Writable|Hangup|Error)
			}
			return
		}
		if peer.reset {
			return
		}
		peer.incoming = append(peer.incoming, a)
		n.pump(peer)
	})
}

// pump moves arrivals into p's receive buffer, in order, while the receive
// window (SendBuffer bytes) has room; a FIN marks the end once the bytes
// before it are in.
func (n *Network) pump(p *socket) {
	readable := false
	for len(p.incoming) > 0 {
		a := p.incoming[0]
		if a.fin {
			p.eof = true
			p.incoming = p.incoming[1:]
			n.h.Notify(p.fd, Readable|Hangup)
			continue
		}
		if len(p.recv) > 0 && len(p.recv)+len(a.data) > n.cfg.SendBuffer {
			break // the window is full: the sender's bytes stay in flight
		}
		p.recv = append(p.recv, a.data...)
		p.incoming = p.incoming[1:]
		before := n.cfg.SendBuffer - a.from.inflight
		a.from.inflight -= len(a.data)
		readable = true
		if after := n.cfg.SendBuffer - a.from.inflight; !a.from.closed && !a.from.reset &&
			before < n.cfg.SendBuffer/4 && after >= n.cfg.SendBuffer/4 {
			n.h.Notify(a.from.fd, Writable) // room for a worthwhile write again
		}
	}
	if readable {
		n.h.Notify(p.fd, Readable)
	}
}

// delay is a segment's one-way delay: latency, seeded jitter, and its size
// at the bandwidth.
func (n *Network) delay(size int) time.Duration {
	d := n.cfg.Latency
	if n.cfg.Jitter > 0 {
		d += time.Duration(n.rng.Int64N(int64(n.cfg.Jitter) + 1))
	}
	if n.cfg.Bandwidth > 0 {
		d += time.Duration(int64(size) * int64(time.Second) / int64(n.cfg.Bandwidth))
	}
	return d
}

// send runs deliver after d, from host a to host b; while they are
// partitioned it is held until Heal.
func (n *Network) send(a, b string, d time.Duration, deliver func()) {
	var try func()
	try = func() {
		if n.cut[[2]string{a, b}] {
			n.held = append(n.held, try)
			return
		}
		deliver()
	}
	n.h.At(n.h.Now()+d, try)
}

// ShutdownWrite sends FIN after the data already written.
func (n *Network) ShutdownWrite(fd int) error {
	s, err := n.sock(fd)
	if err != nil {
		return err
	}
	n.fin(s)
	return nil
}

func (n *Network) fin(s *socket) {
	if s.wrShut || s.peer == nil || s.reset {
		s.wrShut = true
		return
	}
	s.wrShut = true
	at := max(n.h.Now()+n.delay(0), s.lastArrive+1)
	s.lastArrive = at
	n.arrive(s, s.peer, at, arrival{fin: true})
}

// Close closes fd: a connection sends FIN after its data; a listener stops
// accepting (queued connections are reset).
func (n *Network) Close(fd int) error {
	s, err := n.sock(fd)
	if err != nil {
		return err
	}
	if s.network == "udp" {
		delete(n.listeners, key("udp", s.local.String()))
	} else if s.listening {
		delete(n.listeners, key(s.network, s.local.String()))
		for _, c := range s.accept {
			n.resetConn(c)
		}
	} else {
		n.fin(s)
	}
	s.closed = true
	delete(n.socks, fd)
	return nil
}

// Reset resets the connection of fd, as an RST from this end.
func (n *Network) Reset(fd int) error {
	s, err := n.sock(fd)
	if err != nil {
		return err
	}
	n.h.Trace(fmt.Sprintf("netsim: connection %v -> %v reset", s.local, s.remote))
	n.resetConn(s)
	return nil
}

func (n *Network) resetConn(s *socket) {
	s.reset = true
	n.h.Notify(s.fd, Readable|Writable|Hangup|Error)
	if peer := s.peer; peer != nil {
		n.send(s.host, peer.host, n.delay(0), func() {
			if !peer.closed && !peer.reset {
				peer.reset = true
				n.h.Notify(peer.fd, Readable|Writable|Hangup|Error)
			}
		})
	}
}

// Readiness reports what fd is ready for now (used when the loop starts
// watching it, as epoll reports readiness on EPOLL_CTL_ADD).
func (n *Network) Readiness(fd int) Events {
	s := n.socks[fd]
	if s == nil {
		return 0
	}
	var ev Events
	if len(s.recv) > 0 || s.eof || s.reset || len(s.accept) > 0 || len(s.dgrams) > 0 {
		ev |= Readable
	}
	if (!s.connecting && n.cfg.SendBuffer-s.inflight >= n.cfg.SendBuffer/4) || s.reset || s.connErr != nil {
		ev |= Writable
	}
	if s.eof || s.reset {
		ev |= Hangup
	}
	return ev
}

// Addr returns fd's local or remote address.
func (n *Network) Addr(fd int, remote bool) net.Addr {
	s := n.socks[fd]
	if s == nil {
		return nil
	}
	if remote {
		return s.remote
	}
	return s.local
}

// Partition cuts the hosts a and b apart (IP addresses as strings; a Unix
// socket's host is "unix"): segments between them wait until Heal.
func (n *Network) Partition(a, b string) {
	n.h.Trace("netsim: partition " + a + " | " + b)
	n.cut[[2]string{a, b}], n.cut[[2]string{b, a}] = true, true
}

// Heal ends every partition; held segments go on, in order, after one
// latency.
func (n *Network) Heal() {
	n.h.Trace("netsim: partitions healed")
	clear(n.cut)
	held := n.held
	n.held = nil
	for i, try := range held {
		n.h.At(n.h.Now()+n.cfg.Latency+time.Duration(i), try) // one nanosecond apart: in the order held
	}
}

// Listeners lists the listening addresses, sorted (for tests and traces).
func (n *Network) Listeners() []string {
	var out []string
	for k := range n.listeners {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func makeAddr(network, addr string) net.Addr {
	if network == "unix" {
		return &net.UnixAddr{Name: addr, Net: "unix"}
	}
	ap := netip.MustParseAddrPort(addr)
	return net.TCPAddrFromAddrPort(ap)
}

func hostOf(network, addr string) string {
	if network == "unix" {
		return "unix"
	}
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

// Datagrams: UDP endpoints on the same network. A datagram to an address
// nobody has bound, or across a partition, is lost, as UDP's are.

// datagram is one queued datagram.
type datagram struct {
	data []byte
	from net.Addr
}

// OpenUDP makes a datagram endpoint bound to local ("ip:port"; port 0 or
// "" picks one) and, if remote is not "", connected to it.
func (n *Network) OpenUDP(local, remote string) (int, error) {
	if local == "" {
		local = "127.0.0.1:0"
	}
	ap, err := netip.ParseAddrPort(local)
	if err != nil {
		return -1, err
	}
	if ap.Port() == 0 {
		ap = netip.AddrPortFrom(ap.Addr(), n.port())
	}
	k := key("udp", ap.String())
	if n.listeners[k] != nil {
		return -1, syscall.EADDRINUSE
	}
	s := n.newSocket("udp")
	s.local = net.UDPAddrFromAddrPort(ap)
	s.host = ap.Addr().String()
	if remote != "" {
		rp, err := netip.ParseAddrPort(remote)
		if err != nil {
			return -1, err
		}
		s.remote = net.UDPAddrFromAddrPort(rp)
	}
	n.listeners[k] = s
	return s.fd, nil
}

// udpTarget finds the endpoint bound to addr, or to its port on the
// unspecified address.
func (n *Network) udpTarget(addr netip.AddrPort) *socket {
	if s := n.listeners[key("udp", addr.String())]; s != nil {
		return s
	}
	for _, any := range []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()} {
		if s := n.listeners[key("udp", netip.AddrPortFrom(any, addr.Port()).String())]; s != nil {
			return s
		}
	}
	return nil
}

// SendTo sends b as one datagram to "ip:port" (or the connected remote when
// to is ""). It never blocks.
func (n *Network) SendTo(fd int, b []byte, to string) error {
	s, err := n.sock(fd)
	if err != nil {
		return err
	}
	if to == "" {
		if s.remote == nil {
			return syscall.EDESTADDRREQ
		}
		to = s.remote.String()
	}
	ap, err := netip.ParseAddrPort(to)
	if err != nil {
		return err
	}
	copies := 1
	switch {
	case n.cfg.LossRate > 0 && n.rng.Float64() < n.cfg.LossRate:
		n.h.Trace(fmt.Sprintf("netsim: fault: datagram %v -> %v lost", s.local, to))
		return nil
	case n.cfg.DupRate > 0 && n.rng.Float64() < n.cfg.DupRate:
		n.h.Trace(fmt.Sprintf("netsim: fault: datagram %v -> %v duplicated", s.local, to))
		copies = 2
	}
	data := append([]byte(nil), b...)
	for range copies {
		d := n.delay(len(data))
		from := s.local
		n.h.At(n.h.Now()+d, func() {
			dst := n.udpTarget(ap)
			if dst == nil || dst.closed || n.cut[[2]string{s.host, ap.Addr().String()}] {
				return // nobody there, or cut off: lost
			}
			if dst.remote != nil && dst.remote.String() != from.String() {
				return // a connected endpoint takes only its peer's
			}
			dst.dgrams = append(dst.dgrams, datagram{data, from})
			n.h.Notify(dst.fd, Readable)
		})
	}
	return nil
}

// RecvFrom takes the next datagram into p (truncating it) and its sender.
func (n *Network) RecvFrom(fd int, p []byte) (int, net.Addr, error) {
	s, err := n.sock(fd)
	if err != nil {
		return 0, nil, err
	}
	if len(s.dgrams) == 0 {
		return 0, nil, ErrWouldBlock
	}
	d := s.dgrams[0]
	s.dgrams = s.dgrams[1:]
	return copy(p, d.data), d.from, nil
}
