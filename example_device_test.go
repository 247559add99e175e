//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/asyncio-go/asyncio"
)

// loopback is a Device that answers what is written to it, upper-cased: a
// stand-in for a serial device or an in-memory transport.
type loopback struct {
	pending []byte
	notify  func()
	closed  bool
}

func (d *loopback) Read(p []byte) (int, error) {
	if len(d.pending) == 0 {
		if d.closed {
			return 0, io.EOF
		}
		return 0, asyncio.ErrWouldBlock
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	return n, nil
}

func (d *loopback) Write(p []byte) (int, error) {
	d.pending = append(d.pending, strings.ToUpper(string(p))...)
	d.notify() // readable now
	return len(p), nil
}

func (d *loopback) Close() error     { d.closed = true; return nil }
func (d *loopback) Notify(fn func()) { d.notify = fn }

// Any Go value that reads and writes without blocking, and says when it may
// be ready, gets the streams sockets have.
func ExampleOpenDevice() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		r, w, err := asyncio.OpenDevice(ctx, &loopback{})
		if err != nil {
			return nil, err
		}
		defer w.Close()
		w.Write([]byte("at+version\n"))
		line, err := r.ReadLine(ctx)
		fmt.Printf("%q\n", line)
		return nil, err
	})
	// Output: "AT+VERSION\n"
}
