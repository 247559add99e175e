package asynciotest

import (
	"context"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/internal/netsim"
)

// NetworkOptions configures a simulated network. The zero value is a
// perfect network: no latency, writes arrive whole, no faults.
type NetworkOptions struct {
	Seed       uint64        // every choice below is drawn from it; the same seed gives the same run
	Latency    time.Duration // one-way delay of every segment
	Jitter     time.Duration // up to this much more per segment, drawn from the seed (order is kept)
	Bandwidth  int           // bytes per second per direction of a connection; 0: unlimited
	MaxSegment int           // writes arrive cut into segments of 1..MaxSegment bytes; 0: whole
	SendBuffer int           // bytes in flight per direction before a write waits; 0: 64 KiB

	// Faults: the probability, per write, that it fails with EIO, or that
	// the connection is reset (both ends see ECONNRESET). Each is named in
	// the simulation trace.
	WriteFailRate float64
	ResetRate     float64

	// Datagram faults: the probability, per datagram, that it is lost, or
	// delivered twice. Jitter reorders datagrams (never stream bytes).
	LossRate float64
	DupRate  float64
}

// Network is a simulated network installed on a loop: the program's
// OpenConnection, OpenUnixConnection, StartServer and StartUnixServer run
// over it, on the loop's virtual clock, with no change to their code. A
// server and its clients share the one network. Streams keep TCP's
// semantics: bytes arrive in order, none lost or duplicated; what varies
// with the seed is how writes are cut and when segments arrive. Datagram
// endpoints (OpenDatagramEndpoint) are on it too, with UDP's semantics:
// datagrams may be lost, duplicated or reordered. Loop goroutine only (its
// methods are for the test's tasks).
type Network struct{ n *netsim.Network }

// UseNetwork installs a simulated network on l, which must have a virtual
// clock (NewLoop's) and must not be running; it is removed when the test
// ends.
func UseNetwork(tb testing.TB, l *asyncio.Loop, o NetworkOptions) *Network {
	tb.Helper()
	n := newNetwork(o)
	netsim.Install(l, n.n)
	current = n
	tb.Cleanup(func() {
		netsim.Install(l, nil)
		if current == n {
			current = nil
		}
	})
	return n
}

func newNetwork(o NetworkOptions) *Network {
	return &Network{netsim.New(netsim.Config{
		Seed: o.Seed, Latency: o.Latency, Jitter: o.Jitter, Bandwidth: o.Bandwidth,
		MaxSegment: o.MaxSegment, SendBuffer: o.SendBuffer,
		WriteFailRate: o.WriteFailRate, ResetRate: o.ResetRate, LossRate: o.LossRate, DupRate: o.DupRate,
	})}
}

// current is the network of the run in progress (UseNetwork, or Explore
// with Options.Network), for CurrentNetwork.
var current *Network

// CurrentNetwork returns the simulated network of the test's loop, or nil:
// the way an Explore body reaches the network of its run.
func CurrentNetwork() *Network { return current }

// Partition cuts hosts a and b apart (IP addresses as written, e.g.
// "10.0.0.1"; a task dials from 127.0.0.1 unless WithHost says otherwise):
// segments between them, and new connections, wait until Heal, as TCP
// retransmits through an outage.
func (n *Network) Partition(a, b string) { n.n.Partition(a, b) }

// Heal ends every partition; what waited arrives, in order.
func (n *Network) Heal() { n.n.Heal() }

// Listeners lists the addresses listening on the network ("tcp:ip:port",
// "unix:path"), sorted.
func (n *Network) Listeners() []string { return n.n.Listeners() }

// WithHost returns a context from which the simulated network's dials come
// from host (an IP address), for partitions between clients: pass it to
// the task that dials, or to OpenConnection.
func WithHost(ctx context.Context, host string) context.Context {
	return context.WithValue(ctx, netsim.HostKey{}, host)
}
