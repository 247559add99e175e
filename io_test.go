//go:build linux

package asyncio_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

func pipe(t *testing.T) (r, w int) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// A task waiting for readability resumes when another task writes.
func TestWaitReadable(t *testing.T) {
	r, w := pipe(t)
	var tr trace
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) {
			buf := make([]byte, 16)
			for {
				n, err := unix.Read(r, buf)
				if err == unix.EAGAIN {
					tr.add("reader waits")
					if err := asyncio.WaitReadable(ctx, r); err != nil {
						return "", err
					}
					continue
				}
				return string(buf[:n]), err
			}
		})
		asyncio.Sleep(ctx, 0)
		tr.add("writer writes")
		unix.Write(w, []byte("hi"))
		got, err := reader.Await(ctx)
		tr.add("read %q %v", got, err)
		asyncio.GetEventLoop().ForgetFD(r)
		return nil, nil
	})
	tr.expect(t, "reader waits", "writer writes", `read "hi" <nil>`)
}

// Cancelling a task waiting on a descriptor detaches it; ForgetFD wakes
// waiters with an error.
func TestWaitReadableCancelAndForget(t *testing.T) {
	r, _ := pipe(t)
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, asyncio.WaitReadable(ctx, r) })
		asyncio.Sleep(ctx, 0)
		w.Cancel()
		if _, err := w.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled wait: %v", err)
		}
		w2 := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, asyncio.WaitReadable(ctx, r) })
		asyncio.Sleep(ctx, 0)
		l.ForgetFD(r)
		if _, err := w2.Await(ctx); err == nil {
			t.Error("ForgetFD did not fail the waiter")
		}
		return nil, nil
	})
}

// AddReader's callback runs while the descriptor is readable, until removed;
// mixing it with task waits on one descriptor is refused.
func TestAddReader(t *testing.T) {
	r, w := pipe(t)
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		calls := 0
		if err := l.AddReader(r, func() {
			calls++
			if calls == 3 {
				var b [8]byte
				unix.Read(r, b[:])
				l.RemoveReader(r)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if err := asyncio.WaitReadable(ctx, r); err == nil {
			t.Error("mixing AddReader and WaitReadable was not refused")
		}
		unix.Write(w, []byte("x"))
		for i := 0; i < 5; i++ {
			asyncio.Sleep(ctx, 0)
		}
		if calls != 3 {
			t.Errorf("reader callback ran %d times, want 3 (level-triggered until removed)", calls)
		}
		if l.RemoveReader(r) {
			t.Error("second RemoveReader reported a callback")
		}
		return nil, nil
	})
}
