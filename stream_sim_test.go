//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"testing"
	"time"

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
