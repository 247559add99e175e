//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/asyncio-go/asyncio"
)

// A TCP echo server on a free port: each connection runs the handler as a
// task of its own, and the connection closes when the handler returns.
func ExampleStartServer() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		echo := func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			for {
				line, err := r.ReadLine(ctx)
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				w.Write(bytes.ToUpper(line))
				if err := w.Drain(ctx); err != nil {
					return err
				}
			}
		}
		server, err := asyncio.StartServer(ctx, echo, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer server.Close()

		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", server.Port())
		if err != nil {
			return nil, err
		}
		defer w.Close()
		w.Write([]byte("hello, streams\n"))
		w.Drain(ctx)
		line, _ := r.ReadLine(ctx)
		fmt.Printf("%s", line)
		return nil, nil
	})
	// Output: HELLO, STREAMS
}

// A client: OpenConnection returns the reader and the writer of one
// connection, as asyncio.open_connection does. WriteEOF tells the server the
// request is complete; reading to the end collects the whole answer.
func ExampleOpenConnection() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		count := func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			body, err := r.Read(ctx, -1) // until the client's WriteEOF
			if err != nil {
				return err
			}
			w.Write(fmt.Appendf(nil, "%d bytes, %d lines\n", len(body), bytes.Count(body, []byte("\n"))))
			return nil
		}
		server, err := asyncio.StartServer(ctx, count, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer server.Close()

		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", server.Port())
		if err != nil {
			return nil, err
		}
		defer w.Close()
		w.Write([]byte("one\ntwo\nthree\n"))
		w.WriteEOF()
		answer, err := r.Read(ctx, -1)
		fmt.Printf("%s%v\n", answer, err)
		return nil, nil
	})
	// Output:
	// 14 bytes, 3 lines
	// <nil>
}
