package asyncio

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/asyncio-go/asyncio/internal/netsim"
	"github.com/asyncio-go/asyncio/internal/poll"
)

// The simulated network (internal/netsim) under the socket calls of
// sockets_unix.go. Package asynciotest installs one on a loop with a virtual
// clock; from then on every dial and listen lands in it, and its descriptors
// (numbered from netsim.FDBase) are served by it instead of the kernel. The
// program under test does not change. Readiness comes from the network as
// edges, dispatched like the poller's events; the loop does not count
// simulated descriptors as the poller's, so a virtual clock still jumps and
// still reports a deadlock.
//
// With no network installed (the default) each socket call pays one load
// of simNet, or one comparison of its descriptor.

// simNet is the network of the program's loop in simulation mode, or nil.
var simNet atomic.Pointer[netsim.Network]

func init() {
	netsim.Install = func(loop any, n *netsim.Network) {
		l := loop.(*Loop)
		if n == nil {
			if l.net != nil {
				simNet.CompareAndSwap(l.net, nil)
				l.net = nil
			}
			return
		}
		if l.running.Load() {
			misuse("simulated network installed on a running loop; install it before Run")
		}
		if _, ok := l.clock.(VirtualClock); !ok {
			misuse("the simulated network needs a virtual clock; call SetClock first")
		}
		n.Attach(netsim.Hooks{
			Now: l.clock.Now,
			At: func(when time.Duration, fn func()) {
				h := makeHandle(l, fn)
				h.timer.When = int64(when)
				l.timers.Push(&h.timer)
			},
			Notify: func(fd int, ev netsim.Events) { l.simNotify(fd, ev) },
			Trace: func(event string) {
				if l.sim != nil {
					l.simNote(event)
				}
			},
		})
		l.net = n
		simNet.Store(n)
	}
}

// simNotify hands a readiness edge of a simulated descriptor to the tasks
// waiting on it, as dispatchIO does for the poller's.
func (l *Loop) simNotify(fd int, ev netsim.Events) {
	var pe poll.Events
	if ev&netsim.Readable != 0 {
		pe |= poll.Readable
	}
	if ev&netsim.Writable != 0 {
		pe |= poll.Writable
	}
	if ev&netsim.Hangup != 0 {
		pe |= poll.Hangup
	}
	if ev&netsim.Error != 0 {
		pe |= poll.Error
	}
	l.events = append(l.events[:0], poll.Event{FD: fd, Events: pe})
	l.dispatchIO(l.events)
}

// simWatch is fdFor's part for a simulated descriptor: the readiness it has
// now counts as an unconsumed edge, as epoll reports on EPOLL_CTL_ADD.
func (l *Loop) simWatch(st *fdState) {
	ev := l.net.Readiness(st.fd)
	st.readReady = ev&(netsim.Readable|netsim.Error) != 0
	st.writeReady = ev&(netsim.Writable|netsim.Error) != 0
	st.hungUp = ev&netsim.Hangup != 0
}

// simErr turns the network's would-block into the socket calls' own.
func simErr(err error) error {
	if err == netsim.ErrWouldBlock {
		return errWouldBlock
	}
	return err
}

func simRead(fd int, p []byte) (int, error) {
	n, err := simNet.Load().Read(fd, p)
	return n, simErr(err)
}

// simWrite is sysWrite's contract: all of p, or what the socket took and
// errWouldBlock.
func simWrite(fd int, p []byte) (int, error) {
	n, err := simNet.Load().Write(fd, p)
	if err == nil && n < len(p) {
		return n, errWouldBlock
	}
	return n, simErr(err)
}

// simDial connects through the network: start the dial, wait for its
// writable edge, read the outcome.
func simDial(ctx context.Context, n *netsim.Network, network, addr string) (int, error) {
	host := "127.0.0.1"
	if network == "unix" {
		host = "unix"
	}
	if h, ok := ctx.Value(netsim.HostKey{}).(string); ok {
		host = h
	}
	fd, err := n.Dial(network, host, addr)
	if err != nil {
		return -1, os.NewSyscallError("connect", err)
	}
	for {
		switch err := n.ConnectResult(fd); err {
		case nil:
			return fd, nil
		case netsim.ErrWouldBlock:
			if err := WaitWritable(ctx, fd); err != nil {
				simClose(ctx, n, fd)
				return -1, err
			}
		default:
			simClose(ctx, n, fd)
			return -1, os.NewSyscallError("connect", err)
		}
	}
}

// simClose closes a simulated descriptor a task may have waited on.
func simClose(ctx context.Context, n *netsim.Network, fd int) {
	if t := taskOf(ctx); t != nil {
		t.loop.ForgetFD(fd)
	}
	n.Close(fd)
}

func simListen(n *netsim.Network, network, addr string) (int, error) {
	fd, err := n.Listen(network, addr)
	if err != nil {
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

func simAccept(fd int) (int, error) {
	nfd, err := simNet.Load().Accept(fd)
	if err != nil && err != netsim.ErrWouldBlock {
		return -1, os.NewSyscallError("accept", err)
	}
	return nfd, simErr(err)
}

func simSockName(fd int, peer bool) net.Addr { return simNet.Load().Addr(fd, peer) }
