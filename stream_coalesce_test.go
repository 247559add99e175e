//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// Writes are coalesced: what a task writes during one step is still buffered
// when it calls Drain (below the high-water mark Drain returns at once, with
// no system call), and has left once the task suspends, before the loop
// polls, so a lone reply is not delayed.
func TestStreamWritesLeaveTogetherAtTheEndOfTheStep(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		for i := range 3 {
			c.w.Write([]byte(fmt.Sprintf("reply %d\n", i)))
			if err := c.w.Drain(ctx); err != nil {
				return err
			}
		}
		if got := c.w.Buffered(); got != 3*len("reply 0\n") {
			t.Errorf("buffered during the step: %d, want all three replies", got)
		}
		asyncio.Sleep(ctx, 0) // the step ends; the loop sends before it polls
		if got := c.w.Buffered(); got != 0 {
			t.Errorf("buffered after the step: %d, want 0", got)
		}
		got, err := s.r.ReadExactly(ctx, 3*len("reply 0\n"))
		if err != nil || string(got) != "reply 0\nreply 1\nreply 2\n" {
			t.Errorf("peer read %q, %v", got, err)
		}
		return nil
	})
}

// A write of at least the high-water mark with nothing buffered goes to the
// kernel at once; the buffer never holds more than the mark plus one write.
func TestStreamLargeWriteGoesAtOnce(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		big := bytes.Repeat([]byte("b"), 100<<10)
		c.w.Write(big)
		if c.w.Buffered() >= len(big) {
			t.Errorf("a %d-byte write buffered %d bytes: it did not go to the kernel", len(big), c.w.Buffered())
		}
		peer := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return s.r.ReadExactly(ctx, len(big)) })
		if err := c.w.Drain(ctx); err != nil {
			return err
		}
		got, err := peer.Await(ctx)
		if err != nil || !bytes.Equal(got, big) {
			t.Errorf("peer read %d bytes, %v", len(got), err)
		}
		return nil
	})
}

// A writer the kernel refuses keeps its bytes and sends them when the
// socket becomes writable again, with nobody calling Drain.
func TestStreamQueuedBytesSentWhenWritableWithoutDrain(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		chunk := bytes.Repeat([]byte("q"), 16<<10)
		total := 0
		for i := 0; i < 4096; i++ { // fill the kernel's buffers; each step's bytes leave at its end
			c.w.Write(chunk)
			total += len(chunk)
			asyncio.Sleep(ctx, 0)
			if c.w.Buffered() > 0 {
				break // the kernel refused: the writer waits for writable
			}
		}
		if c.w.Buffered() == 0 {
			t.Skip("the kernel took everything; cannot observe a refused flush here")
		}
		got, err := s.r.ReadExactly(ctx, total) // reading makes room: the loop sends the rest
		if err != nil || len(got) != total {
			t.Errorf("peer read %d of %d bytes: %v", len(got), total, err)
		}
		return nil
	})
}

// Buffered and Peek show what has arrived without reading it.
func TestStreamReaderBufferedPeek(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		c, s := tcpPair(ctx, t)
		defer c.w.Close()
		c.w.Write([]byte("PING\r\nPING\r\n"))
		line, err := s.r.ReadLine(ctx)
		if err != nil || string(line) != "PING\r\n" {
			return fmt.Errorf("first line %q, %v", line, err)
		}
		if n := s.r.Buffered(); n != len("PING\r\n") {
			t.Errorf("Buffered = %d, want the second request's %d bytes", n, len("PING\r\n"))
		}
		if p := string(s.r.Peek(2)); p != "PI" {
			t.Errorf("Peek(2) = %q", p)
		}
		if p := string(s.r.Peek(100)); p != "PING\r\n" {
			t.Errorf("Peek(100) = %q", p)
		}
		if p := s.r.Peek(-1); len(p) != 0 {
			t.Errorf("Peek(-1) = %q", p)
		}
		if line, _ := s.r.ReadLine(ctx); string(line) != "PING\r\n" || s.r.Buffered() != 0 {
			t.Errorf("Peek consumed bytes: next line %q, %d buffered", line, s.r.Buffered())
		}
		return nil
	})
}
