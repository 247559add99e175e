//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asynciotest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// runNet runs main on a fresh virtual-clock loop with a simulated network.
func runNet(t *testing.T, o asynciotest.NetworkOptions, main func(ctx context.Context, n *asynciotest.Network) error) {
	t.Helper()
	l, _ := asynciotest.NewLoop(t)
	n := asynciotest.UseNetwork(t, l, o)
	if _, err := asyncio.Run(func(ctx context.Context) (any, error) { return nil, main(ctx, n) }); err != nil {
		t.Fatal(err)
	}
}

// upper answers each line in upper case.
func upper(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	defer w.Close()
	for {
		line, err := r.ReadLine(ctx)
		if len(line) == 0 || err != nil {
			return nil
		}
		w.Write([]byte(strings.ToUpper(string(line))))
		if err := w.Drain(ctx); err != nil {
			return err
		}
	}
}

// With 50 ms of one-way latency and no jitter, connecting takes one round
// trip and a request-response another: exactly 100 ms of virtual time each.
func TestNetworkLatencyOnVirtualTime(t *testing.T) {
	runNet(t, asynciotest.NetworkOptions{Latency: 50 * time.Millisecond}, func(ctx context.Context, _ *asynciotest.Network) error {
		srv, err := asyncio.StartServer(ctx, upper, "10.0.0.1", 80)
		if err != nil {
			return err
		}
		defer srv.Close()
		l := asyncio.GetEventLoop()
		start := l.Time()
		r, w, err := asyncio.OpenConnection(ctx, "10.0.0.1", 80)
		if err != nil {
			return err
		}
		defer w.Close()
		if d := l.Time() - start; d != 100*time.Millisecond {
			t.Errorf("connect took %v, want 100ms (one round trip)", d)
		}
		start = l.Time()
		w.Write([]byte("hello\n"))
		line, err := r.ReadLine(ctx)
		if string(line) != "HELLO\n" || err != nil {
			t.Errorf("got %q, %v", line, err)
		}
		if d := l.Time() - start; d != 100*time.Millisecond {
			t.Errorf("request and response took %v, want 100ms", d)
		}
		return nil
	})
}

// A dial to an address nobody listens on is refused, after a round trip.
func TestNetworkRefused(t *testing.T) {
	runNet(t, asynciotest.NetworkOptions{Latency: time.Millisecond}, func(ctx context.Context, _ *asynciotest.Network) error {
		_, _, err := asyncio.OpenConnection(ctx, "10.0.0.9", 443)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("OpenConnection to nobody: %v; want ECONNREFUSED", err)
		}
		return nil
	})
}

// A partition holds what is sent across it, as TCP retransmits; after Heal
// it arrives, in order, and hosts on the same side are not affected.
func TestNetworkPartitionAndHeal(t *testing.T) {
	runNet(t, asynciotest.NetworkOptions{Latency: 10 * time.Millisecond}, func(ctx context.Context, n *asynciotest.Network) error {
		srv, err := asyncio.StartServer(ctx, upper, "10.0.0.1", 7)
		if err != nil {
			return err
		}
		defer srv.Close()
		dial := func(host string) (*asyncio.StreamReader, *asyncio.StreamWriter) {
			r, w, err := asyncio.OpenConnection(asynciotest.WithHost(ctx, host), "10.0.0.1", 7)
			if err != nil {
				t.Fatalf("dial from %s: %v", host, err)
			}
			return r, w
		}
		ra, wa := dial("10.0.0.2")
		rb, wb := dial("10.0.0.3")
		defer wa.Close()
		defer wb.Close()
		n.Partition("10.0.0.1", "10.0.0.2")
		wa.Write([]byte("one\ntwo\n"))
		wb.Write([]byte("three\n"))
		if line, err := rb.ReadLine(ctx); string(line) != "THREE\n" || err != nil {
			t.Errorf("the unpartitioned client got %q, %v", line, err)
		}
		err = asyncio.Timeout(ctx, time.Second, func(ctx context.Context) error { _, err := ra.ReadLine(ctx); return err })
		if !errors.Is(err, asyncio.ErrTimeout) {
			t.Errorf("across the partition: %v; want a timeout", err)
		}
		healed := asyncio.GetEventLoop().Time()
		n.Heal()
		for _, want := range []string{"ONE\n", "TWO\n"} {
			if line, err := ra.ReadLine(ctx); string(line) != want || err != nil {
				t.Errorf("after Heal got %q, %v; want %q", line, err, want)
			}
		}
		if d := asyncio.GetEventLoop().Time() - healed; d < 20*time.Millisecond {
			t.Errorf("answers came %v after Heal, less than a round trip", d)
		}
		return nil
	})
}

// A reset fault fails the write with ECONNRESET, and the peer's read too.
func TestNetworkResetFault(t *testing.T) {
	runNet(t, asynciotest.NetworkOptions{Latency: time.Millisecond, ResetRate: 1}, func(ctx context.Context, _ *asynciotest.Network) error {
		var peerErr error
		done := &asyncio.Event{}
		srv, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			defer done.Set()
			_, peerErr = r.Read(ctx, 10)
			return nil
		}, "10.0.0.1", 9)
		if err != nil {
			return err
		}
		defer srv.Close()
		_, w, err := asyncio.OpenConnection(ctx, "10.0.0.1", 9)
		if err != nil {
			return err
		}
		defer w.Close()
		w.Write([]byte("x"))
		asyncio.Sleep(ctx, 0) // the loop sends what was written (and meets the fault)
		if err := w.Drain(ctx); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("write with a reset fault: %v; want ECONNRESET", err)
		}
		done.Wait(ctx)
		if !errors.Is(peerErr, syscall.ECONNRESET) {
			t.Errorf("peer read: %v; want ECONNRESET", peerErr)
		}
		return nil
	})
}

// exchange sends lines through an echo server with jitter and chunking and
// returns when each answer arrived, in virtual time.
func exchange(t *testing.T, seed uint64) string {
	var times []string
	runNet(t, asynciotest.NetworkOptions{Seed: seed, Latency: time.Millisecond, Jitter: 5 * time.Millisecond, MaxSegment: 3},
		func(ctx context.Context, _ *asynciotest.Network) error {
			srv, err := asyncio.StartServer(ctx, upper, "10.0.0.1", 80)
			if err != nil {
				return err
			}
			defer srv.Close()
			r, w, err := asyncio.OpenConnection(ctx, "10.0.0.1", 80)
			if err != nil {
				return err
			}
			defer w.Close()
			for i := range 5 {
				w.Write([]byte(fmt.Sprintf("line %d\n", i)))
				line, err := r.ReadLine(ctx)
				if want := fmt.Sprintf("LINE %d\n", i); string(line) != want || err != nil {
					t.Errorf("got %q, %v; want %q", line, err, want)
				}
				times = append(times, asyncio.GetEventLoop().Time().String())
			}
			return nil
		})
	return strings.Join(times, " ")
}

// The same seed gives the same run; another seed, other timings.
func TestNetworkSeedIsReplayable(t *testing.T) {
	a, b, c := exchange(t, 7), exchange(t, 7), exchange(t, 8)
	if a != b {
		t.Errorf("seed 7 twice: %s, then %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same timings %s", a)
	}
}

// Whatever the segment sizes and timings, a stream delivers the bytes in
// order: ReadLine, ReadExactly and ReadUntil reassemble them.
func FuzzNetworkChunking(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed, uint8(1), "alpha\nbeta\ngamma|delta\n")
		f.Add(seed, uint8(5), strings.Repeat("x", 300)+"\nshort\n")
	}
	f.Fuzz(func(t *testing.T, seed uint64, maxSeg uint8, text string) {
		if !strings.HasSuffix(text, "\n") || len(text) > 4096 {
			return
		}
		runNet(t, asynciotest.NetworkOptions{Seed: seed, Latency: time.Millisecond, Jitter: 3 * time.Millisecond, MaxSegment: int(maxSeg%16) + 1, SendBuffer: 64},
			func(ctx context.Context, _ *asynciotest.Network) error {
				srv, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
					defer w.Close()
					w.Write([]byte(text))
					return w.Drain(ctx)
				}, "10.0.0.1", 80)
				if err != nil {
					return err
				}
				defer srv.Close()
				r, w, err := asyncio.OpenConnection(ctx, "10.0.0.1", 80)
				if err != nil {
					return err
				}
				defer w.Close()
				var got strings.Builder
				for {
					line, err := r.ReadLine(ctx)
					got.Write(line)
					if len(line) == 0 || err != nil {
						break
					}
				}
				if got.String() != text {
					t.Errorf("received %q, sent %q", got.String(), text)
				}
				return nil
			})
	})
}

// Explore can give every run its own simulated network.
func TestExploreWithNetwork(t *testing.T) {
	asynciotest.Explore(t, func(ctx context.Context, t testing.TB) error {
		if asynciotest.CurrentNetwork() == nil {
			t.Fatal("no network in the run")
		}
		srv, err := asyncio.StartServer(ctx, upper, "10.0.0.1", 80)
		if err != nil {
			return err
		}
		defer srv.Close()
		r, w, err := asyncio.OpenConnection(ctx, "10.0.0.1", 80)
		if err != nil {
			return err
		}
		defer w.Close()
		w.Write([]byte("ping\n"))
		if line, err := r.ReadLine(ctx); string(line) != "PING\n" || err != nil {
			t.Errorf("got %q, %v", line, err)
		}
		return nil
	}, asynciotest.Options{Seeds: 20, Network: &asynciotest.NetworkOptions{Latency: time.Millisecond, Jitter: time.Millisecond, MaxSegment: 2}})
}

// Datagrams on the simulated network: with loss and duplication some are
// lost and some arrive twice, jitter reorders them, and the seed decides
// which; a perfect network delivers each once, in order.
func TestNetworkDatagrams(t *testing.T) {
	received := func(o asynciotest.NetworkOptions) []string {
		var got []string
		runNet(t, o, func(ctx context.Context, _ *asynciotest.Network) error {
			srv, err := asyncio.OpenDatagramEndpoint(ctx, "10.0.0.1:53", "")
			if err != nil {
				return err
			}
			defer srv.Close()
			cl, err := asyncio.OpenDatagramEndpoint(ctx, "", "10.0.0.1:53")
			if err != nil {
				return err
			}
			defer cl.Close()
			for i := range 50 {
				if err := cl.Send(ctx, []byte(fmt.Sprint(i))); err != nil {
					return err
				}
			}
			buf := make([]byte, 16)
			for {
				var n int
				err := asyncio.Timeout(ctx, time.Second, func(ctx context.Context) error {
					var err error
					n, _, err = srv.RecvFrom(ctx, buf)
					return err
				})
				if errors.Is(err, asyncio.ErrTimeout) {
					return nil
				}
				if err != nil {
					return err
				}
				got = append(got, string(buf[:n]))
			}
		})
		return got
	}
	perfect := received(asynciotest.NetworkOptions{Latency: time.Millisecond})
	if len(perfect) != 50 || perfect[0] != "0" || perfect[49] != "49" {
		t.Fatalf("perfect network delivered %v", perfect)
	}
	lossy := asynciotest.NetworkOptions{Seed: 3, Latency: time.Millisecond, Jitter: 10 * time.Millisecond, LossRate: 0.2, DupRate: 0.2}
	a, b := received(lossy), received(lossy)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("the same seed delivered %v, then %v", a, b)
	}
	seen, dup, ordered := map[string]int{}, false, true
	for i, d := range a {
		if seen[d]++; seen[d] > 1 {
			dup = true
		}
		if i > 0 && len(a[i-1]) == len(d) && a[i-1] > d {
			ordered = false
		}
	}
	if len(seen) >= 50 || !dup || ordered {
		t.Errorf("lossy network: %d distinct of 50, duplicates %v, in order %v: %v", len(seen), dup, ordered, a)
	}
}
