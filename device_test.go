//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// memPipe is one direction of an in-memory transport with a small buffer.
type memPipe struct {
	mu     sync.Mutex
	buf    []byte
	closed bool
	cap    int
	notify []func()
}

func (p *memPipe) wake() {
	for _, fn := range p.notify {
		fn()
	}
}

// memEnd is one end of a duplex in-memory transport: it reads from in and
// writes to out.
type memEnd struct{ in, out *memPipe }

func (e *memEnd) Read(b []byte) (int, error) {
	e.in.mu.Lock()
	defer e.in.mu.Unlock()
	switch {
	case len(e.in.buf) > 0:
		n := copy(b, e.in.buf)
		e.in.buf = e.in.buf[n:]
		defer e.in.wake() // room for the writer
		return n, nil
	case e.in.closed:
		return 0, io.EOF
	}
	return 0, asyncio.ErrWouldBlock
}

func (e *memEnd) Write(b []byte) (int, error) {
	e.out.mu.Lock()
	defer e.out.mu.Unlock()
	room := e.out.cap - len(e.out.buf)
	if room <= 0 {
		return 0, asyncio.ErrWouldBlock
	}
	n := min(room, len(b))
	e.out.buf = append(e.out.buf, b[:n]...)
	defer e.out.wake() // data for the reader
	return n, nil
}

func (e *memEnd) Close() error {
	e.out.mu.Lock()
	e.out.closed = true
	e.out.mu.Unlock()
	e.out.wake()
	return nil
}

func (e *memEnd) Notify(fn func()) {
	e.in.notify = append(e.in.notify, fn)
	e.out.notify = append(e.out.notify, fn)
}

func memDuplex(capacity int) (a, b *memEnd) {
	x, y := &memPipe{cap: capacity}, &memPipe{cap: capacity}
	return &memEnd{in: x, out: y}, &memEnd{in: y, out: x}
}

// A protocol over an in-memory device pair: lines answered in upper case,
// 256 KiB through a 16-byte buffer, and the end of the stream on Close.
func TestDeviceStreams(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		da, db := memDuplex(16)
		cr, cw, err := asyncio.OpenDevice(ctx, da)
		if err != nil {
			return err
		}
		sr, sw, err := asyncio.OpenDevice(ctx, db)
		if err != nil {
			return err
		}
		sr.SetLimit(1 << 20) // the big line below is longer than the default 64 KiB
		server := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			n := 0
			for {
				line, err := sr.ReadLine(ctx)
				if len(line) == 0 || err != nil {
					sw.Close()
					return n, sw.WaitClosed(ctx)
				}
				n += len(line)
				sw.Write([]byte(strings.ToUpper(string(line))))
				if err := sw.Drain(ctx); err != nil {
					return n, err
				}
			}
		})
		cw.Write([]byte("hello\n"))
		if line, err := cr.ReadLine(ctx); string(line) != "HELLO\n" || err != nil {
			t.Errorf("got %q, %v", line, err)
		}
		big := bytes.Repeat([]byte("abcdefgh"), 1<<15) // 256 KiB, one line
		big = append(big, '\n')
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) ([]byte, error) { return cr.ReadExactly(ctx, len(big)) })
		cw.Write(big)
		if err := cw.Drain(ctx); err != nil {
			return err
		}
		got, err := reader.Await(ctx)
		if !bytes.Equal(got, bytes.ToUpper(big)) || err != nil {
			t.Errorf("echoed %d bytes, %v; want %d", len(got), err, len(big))
		}
		cw.Close() // the server reads the end and closes its side
		if n, err := server.Await(ctx); n != 6+len(big) || err != nil {
			t.Errorf("server read %d, %v", n, err)
		}
		if cw.CanWriteEOF() {
			t.Error("CanWriteEOF on a device")
		}
		return nil
	})
}
