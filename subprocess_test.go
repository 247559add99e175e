//go:build linux

package asyncio_test

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Communicate with cat: input in, the same out, return code 0; stderr
// merged into stdout; a failing shell command's code and stderr.
func TestSubprocessCommunicate(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		p, err := asyncio.CreateSubprocessExec(ctx, "cat", nil, asyncio.SubprocessOptions{Stdin: asyncio.Pipe, Stdout: asyncio.Pipe})
		if err != nil {
			return err
		}
		in := bytes.Repeat([]byte("line of text\n"), 1<<17) // 1.6 MiB: more than a pipe holds, both ways
		out, _, err := p.Communicate(ctx, in)
		if !bytes.Equal(out, in) || err != nil {
			t.Errorf("cat returned %d bytes, %v; want %d", len(out), err, len(in))
		}
		if code, done := p.ReturnCode(); code != 0 || !done {
			t.Errorf("return code %d, exited %v", code, done)
		}

		p, err = asyncio.CreateSubprocessShell(ctx, "echo out; echo err >&2; exit 3",
			asyncio.SubprocessOptions{Stdout: asyncio.Pipe, Stderr: asyncio.Pipe})
		if err != nil {
			return err
		}
		out, errOut, err := p.Communicate(ctx, nil)
		if string(out) != "out\n" || string(errOut) != "err\n" || err != nil {
			t.Errorf("shell: %q %q %v", out, errOut, err)
		}
		if code, _ := p.ReturnCode(); code != 3 {
			t.Errorf("exit 3 gave %d", code)
		}

		p, err = asyncio.CreateSubprocessShell(ctx, "echo a; echo b >&2",
			asyncio.SubprocessOptions{Stdout: asyncio.Pipe, Stderr: asyncio.Stdout})
		if err != nil {
			return err
		}
		out, _, err = p.Communicate(ctx, nil)
		if got := string(out); !strings.Contains(got, "a\n") || !strings.Contains(got, "b\n") || err != nil {
			t.Errorf("merged: %q %v", got, err)
		}
		return nil
	})
}

// Reading a child's output line by line while it runs; Kill ends it and the
// return code says which signal; cancelling a Wait kills nothing.
func TestSubprocessLinesKillAndCancel(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		p, err := asyncio.CreateSubprocessShell(ctx, "yes | head -n 1000", asyncio.SubprocessOptions{Stdout: asyncio.Pipe})
		if err != nil {
			return err
		}
		n := 0
		for {
			line, err := p.Stdout.ReadLine(ctx)
			if len(line) == 0 || err != nil {
				break
			}
			if string(line) != "y\n" {
				t.Fatalf("line %q", line)
			}
			n++
		}
		if code, err := p.Wait(ctx); n != 1000 || code != 0 || err != nil {
			t.Errorf("%d lines, code %d, %v", n, code, err)
		}

		p, err = asyncio.CreateSubprocessExec(ctx, "sleep", []string{"60"})
		if err != nil {
			return err
		}
		err = asyncio.Timeout(ctx, 10*time.Millisecond, func(ctx context.Context) error { _, err := p.Wait(ctx); return err })
		if _, done := p.ReturnCode(); done || err == nil {
			t.Errorf("a cancelled Wait: %v, exited %v; the child must still run", err, done)
		}
		p.Kill()
		if code, err := p.Wait(ctx); code != -int(syscall.SIGKILL) || err != nil {
			t.Errorf("killed: code %d, %v; want -9", code, err)
		}
		return nil
	})
}

// A child killed while it writes: the reader gets the end of the stream,
// not a hang, and the return code names SIGKILL. A child that closes its
// stdout early: the reader sees the end at once, the child runs on.
func TestSubprocessKilledMidWriteAndEarlyClose(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		p, err := asyncio.CreateSubprocessExec(ctx, "yes", nil, asyncio.SubprocessOptions{Stdout: asyncio.Pipe})
		if err != nil {
			return err
		}
		if _, err := p.Stdout.ReadExactly(ctx, 1<<16); err != nil {
			return err
		}
		p.Kill()
		for {
			if _, err := p.Stdout.Read(ctx, 1<<16); err != nil {
				break // io.EOF once the pipe is drained
			}
		}
		if code, err := p.Wait(ctx); code != -int(syscall.SIGKILL) || err != nil {
			t.Errorf("killed mid-write: %d, %v", code, err)
		}

		p, err = asyncio.CreateSubprocessShell(ctx, "exec >&-; read x", asyncio.SubprocessOptions{Stdin: asyncio.Pipe, Stdout: asyncio.Pipe})
		if err != nil {
			return err
		}
		if out, err := p.Stdout.Read(ctx, -1); len(out) != 0 || err != nil {
			t.Errorf("stdout closed early: %q, %v", out, err)
		}
		if _, done := p.ReturnCode(); done {
			t.Error("the child exited before its stdin was closed")
		}
		p.Stdin.Write([]byte("go\n"))
		p.Stdin.Close()
		if code, err := p.Wait(ctx); code != 0 || err != nil {
			t.Errorf("after stdin: %d, %v", code, err)
		}
		return nil
	})
}

// A child's pipes nobody read to the end, and a pipe stream nobody closed,
// are closed with the loop: Run leaves no descriptor behind (runStreams
// counts them) and no zombie (the reaper hands over to a goroutine).
func TestSubprocessUnreadPipesClosedWithLoop(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		p, err := asyncio.CreateSubprocessExec(ctx, "echo", []string{"never read"},
			asyncio.SubprocessOptions{Stdin: asyncio.Pipe, Stdout: asyncio.Pipe, Stderr: asyncio.Pipe})
		if err != nil {
			return err
		}
		_, err = p.Wait(ctx) // exits; its stdout is left unread, its stdin open
		return err
	})
}
