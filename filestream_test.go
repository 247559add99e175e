//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// A pipe as streams: lines in order, a large transfer with back-pressure,
// and the end of file when the writer closes.
func TestOpenFilePipe(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		defer pr.Close()
		defer pw.Close()
		r, _, err := asyncio.OpenFile(ctx, pr)
		if err != nil {
			return err
		}
		_, w, err := asyncio.OpenFile(ctx, pw)
		if err != nil {
			return err
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: more than a pipe holds
		writer := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			w.Write([]byte("hello\nworld\n"))
			w.Write(big)
			if err := w.Drain(ctx); err != nil {
				return nil, err
			}
			if w.CanWriteEOF() || w.WriteEOF() == nil {
				t.Error("WriteEOF on a pipe: want CanWriteEOF false and an error")
			}
			w.Close()
			return nil, w.WaitClosed(ctx)
		})
		for _, want := range []string{"hello\n", "world\n"} {
			if line, err := r.ReadLine(ctx); string(line) != want || err != nil {
				t.Errorf("ReadLine = %q, %v; want %q", line, err, want)
			}
		}
		rest, err := r.Read(ctx, -1) // until the end of file
		if !bytes.Equal(rest, big) || err != nil {
			t.Errorf("read %d bytes, %v; want %d", len(rest), err, len(big))
		}
		if _, err := r.Read(ctx, 1); err != io.EOF {
			t.Errorf("after the end: %v; want io.EOF", err)
		}
		_, err = writer.Await(ctx)
		return err
	})
}

// A regular file is refused with an error that says what to use instead.
func TestOpenFileRegularFileRefused(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		f, err := os.Create(filepath.Join(t.TempDir(), "data"))
		if err != nil {
			return err
		}
		defer f.Close()
		_, _, err = asyncio.OpenFile(ctx, f)
		if err == nil || !strings.Contains(err.Error(), "ToThread") {
			t.Errorf("OpenFile(regular file) = %v; want an error pointing to ToThread", err)
		}
		if errors.Is(err, os.ErrClosed) {
			t.Error("wrong error kind")
		}
		return nil
	})
}
