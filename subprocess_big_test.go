//go:build linux && !race

package asyncio_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// 100 MiB through cat with Communicate, both directions at once: no
// deadlock on full pipes. (Not under the race detector: too slow there.)
func TestSubprocessCommunicate100MiB(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		p, err := asyncio.CreateSubprocessExec(ctx, "cat", nil, asyncio.SubprocessOptions{Stdin: asyncio.Pipe, Stdout: asyncio.Pipe})
		if err != nil {
			return err
		}
		in := bytes.Repeat([]byte("0123456789abcdef"), 100<<16) // 100 MiB
		out, _, err := p.Communicate(ctx, in)
		if len(out) != len(in) || !bytes.Equal(out, in) || err != nil {
			t.Errorf("cat returned %d bytes, %v; want %d", len(out), err, len(in))
		}
		return nil
	})
}

// Reading 100 MiB of output line by line keeps memory bounded: the reader's
// buffer is reused, so the heap does not grow with the output.
func TestSubprocessLinesMemoryBounded(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		p, err := asyncio.CreateSubprocessShell(ctx, "yes 0123456789abcdef0123456789abcdef | head -c 104857600",
			asyncio.SubprocessOptions{Stdout: asyncio.Pipe})
		if err != nil {
			return err
		}
		var peak uint64
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		base := m.HeapAlloc
		total := 0
		buf := make([]byte, 0, 64)
		for i := 0; ; i++ {
			line, err := p.Stdout.ReadLine(ctx)
			total += len(line)
			buf = append(buf[:0], line...)
			if i%500000 == 0 {
				runtime.GC() // live memory, not garbage waiting for a cycle
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
			if len(line) == 0 || err != nil {
				break
			}
		}
		if total != 100<<20 {
			t.Errorf("read %d bytes, want %d", total, 100<<20)
		}
		if peak > base+16<<20 {
			t.Errorf("live heap grew by %d MiB reading line by line", (peak-base)>>20)
		}
		_, err = p.Wait(ctx)
		return err
	})
}
