//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"context"
	"strings"
	"syscall"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// chanWriter hands each Write to a channel, so the test can wait for output.
type chanWriter chan string

func (c chanWriter) Write(p []byte) (int, error) { c <- string(p); return len(p), nil }

// SIGUSR1 prints the task tree while the program runs.
func TestDumpTasksOnSignal(t *testing.T) {
	asyncio.NewEventLoop()
	out := make(chanWriter, 16)
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		stop := l.DumpTasksOnSignal(out, syscall.SIGUSR1)
		defer stop()
		var ev asyncio.Event
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, ev.Wait(ctx) }, "idle-worker")
		asyncio.Sleep(ctx, 0)
		syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
		// Wait, off the loop, for the dump: it needs the loop to answer.
		dump, _, err := asyncio.Recv(ctx, (<-chan string)(out))
		if err != nil {
			return nil, err
		}
		tree, _, err := asyncio.Recv(ctx, (<-chan string)(out))
		if !strings.Contains(dump, "user defined signal 1") || !strings.Contains(tree, "idle-worker (Task-2) [waiting] awaits Event.Wait") {
			t.Errorf("dump:\n%s%s", dump, tree)
		}
		ev.Set()
		return w.Await(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
}
