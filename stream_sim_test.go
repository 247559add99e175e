//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// streamNetwork, when set, makes runStreams run its test over a simulated
// network on a virtual clock instead of real sockets.
var streamNetwork *asynciotest.NetworkOptions

// The stream tests, again over the simulated network: the same programs and
// the same assertions, with 1 ms latency, jitter, and writes cut into
// segments of 1 to 1460 bytes (chunking down to single bytes is fuzzed in
// netsim_test.go). Not here: tests with a peer written with package net,
// real-time deadlines or allocation counts of system calls; ReadMethods and
// DrainBackpressure, which assume loopback's whole arrivals and kernel
// buffer sizes; FastReaderDoesNotStarveOthers, whose ticker task yields
// forever, and a virtual clock only moves when every task waits.
func TestStreamsOverSimulatedNetwork(t *testing.T) {
	tests := map[string]func(*testing.T){
		"Echo":                  TestStreamEcho,
		"ReadExactlyPeerClose":  TestStreamReadExactlyPeerCloses,
		"LimitOverrun":          TestStreamLimitOverrun,
		"UseAfterClose":         TestStreamUseAfterClose,
		"CloseWakesReader":      TestStreamCloseWakesReader,
		"CloseFlushes":          TestStreamCloseFlushes,
		"ReadCancelKeepsData":   TestStreamReadCancelKeepsData,
		"OpenConnectionRefused": TestOpenConnectionRefused,
		"JSON":                  TestStreamJSON,
	}
	for _, seed := range []uint64{1, 2, 3} {
		for name, test := range tests {
			t.Run(name, func(t *testing.T) {
				streamNetwork = &asynciotest.NetworkOptions{Seed: seed, Latency: time.Millisecond,
					Jitter: time.Millisecond, MaxSegment: 1460, SendBuffer: 64 << 10}
				defer func() { streamNetwork = nil }()
				test(t)
			})
		}
	}
}

// A send that fails (here every write, on the simulated network) aborts
// the connection, as an asyncio transport's write error does: a task
// suspended reading the stream wakes with that error instead of waiting
// for bytes that cannot come, and Drain returns it too.
func TestStreamWriteFailureWakesReader(t *testing.T) {
	streamNetwork = &asynciotest.NetworkOptions{Latency: time.Millisecond, WriteFailRate: 1}
	defer func() { streamNetwork = nil }()
	runStreams(t, func(ctx context.Context) error {
		c, _ := tcpPair(ctx, t)
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return c.r.ReadLine(ctx) })
		asyncio.Sleep(ctx, 0) // the reader is suspended
		c.w.Write([]byte("lost\n"))
		_, err := reader.Await(ctx)
		var opErr *net.OpError
		if !errors.Is(err, syscall.EIO) || !errors.As(err, &opErr) || opErr.Op != "write" {
			t.Errorf("reader after a failed send: %v, want the send's *net.OpError (EIO)", err)
		}
		if err := c.w.Drain(ctx); !errors.Is(err, syscall.EIO) {
			t.Errorf("Drain after a failed send: %v, want EIO", err)
		}
		return nil
	})
}
