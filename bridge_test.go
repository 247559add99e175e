package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// realLoop installs a fresh loop on the real clock, closed when the test ends.
func realLoop(t testing.TB) *asyncio.Loop {
	l := asyncio.NewEventLoop()
	t.Cleanup(func() { l.Close() })
	return l
}

// runLoopInBackground runs the program's loop in a goroutine until stop is
// called, for tests that act as "another goroutine".
func runLoopInBackground(t *testing.T) (l *asyncio.Loop, stop func()) {
	l = realLoop(t)
	quit := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			_, _, err := asyncio.Recv(ctx, quit)
			return nil, err
		})
		done <- err
	}()
	return l, func() {
		close(quit)
		if err := <-done; err != nil {
			t.Errorf("background loop: %v", err)
		}
	}
}

// The loop runs other tasks while a ToThread function blocks.
func TestToThreadLoopKeepsRunning(t *testing.T) {
	realLoop(t)
	var tr trace
	release := make(chan struct{})
	asyncio.Run(func(ctx context.Context) (any, error) {
		other := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			tr.add("other task runs")
			close(release)
			return nil, nil
		})
		v, err := asyncio.ToThread(ctx, func(context.Context) (int, error) {
			<-release
			return 42, nil
		})
		tr.add("thread returned %d %v", v, err)
		return other.Await(ctx)
	})
	tr.expect(t, "other task runs", "thread returned 42 <nil>")
}

// fn's result and error both come back; a panic becomes a *PanicError with
// fn's stack, and so does runtime.Goexit; fn's context carries the task's
// values but not the task.
func TestToThreadOutcomes(t *testing.T) {
	realLoop(t)
	type key struct{}
	errX := errors.New("x")
	asyncio.Run(func(ctx context.Context) (any, error) {
		if v, err := asyncio.ToThread(ctx, func(context.Context) (int, error) { return 7, errX }); v != 7 || err != errX {
			t.Errorf("got %v, %v; want 7, x", v, err)
		}
		_, err := asyncio.ToThread(ctx, func(context.Context) (int, error) { panic("boom") })
		var pe *asyncio.PanicError
		if !errors.As(err, &pe) || pe.Value != "boom" || !strings.Contains(string(pe.Stack), "TestToThreadOutcomes") {
			t.Errorf("panic: got %v", err)
		}
		_, err = asyncio.ToThread(ctx, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
		if !errors.As(err, &pe) || !strings.Contains(fmt.Sprint(pe.Value), "Goexit") {
			t.Errorf("Goexit: got %v", err)
		}
		vctx := context.WithValue(ctx, key{}, "v")
		_, err = asyncio.ToThread(vctx, func(ctx context.Context) (int, error) {
			if ctx.Value(key{}) != "v" {
				t.Error("fn's context lost the task's values")
			}
			if asyncio.CurrentTask(ctx) != nil {
				t.Error("fn's context carries the task")
			}
			return 0, asyncio.Sleep(ctx, 0) // awaiting there is a misuse
		})
		if !errors.As(err, &pe) || !strings.Contains(fmt.Sprint(pe.Value), "outside a task") {
			t.Errorf("await in fn: got %v", err)
		}
		return nil, nil
	})
}

// Cancelling the task returns the CancelledError at once and cancels fn's
// context.
func TestToThreadCancel(t *testing.T) {
	realLoop(t)
	started := make(chan struct{})
	fnErr := make(chan error, 1)
	asyncio.Run(func(ctx context.Context) (any, error) {
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			return asyncio.ToThread(ctx, func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				fnErr <- ctx.Err()
				return 1, nil
			})
		})
		asyncio.Recv(ctx, started)
		w.Cancel("stop")
		_, err := w.Await(ctx)
		var ce *asyncio.CancelledError
		if !errors.As(err, &ce) || ce.Msg != "stop" {
			t.Errorf("task: got %v, want the CancelledError", err)
		}
		if err, _, _ := asyncio.Recv(ctx, fnErr); !errors.Is(err, context.Canceled) {
			t.Errorf("fn's context: got %v", err)
		}
		return nil, nil
	})
}

// With one worker, functions run one at a time in FIFO order, and a function
// whose task was cancelled while it waited for a worker never runs.
func TestToThreadBound(t *testing.T) {
	realLoop(t)
	old := asyncio.SetDefaultExecutorSize(1)
	t.Cleanup(func() { asyncio.SetDefaultExecutorSize(old) })
	var mu sync.Mutex
	var order []string
	record := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	release := make(chan struct{})
	asyncio.Run(func(ctx context.Context) (any, error) {
		job := func(i int) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				return asyncio.ToThread(ctx, func(context.Context) (int, error) {
					record(fmt.Sprint("start ", i))
					if i == 1 {
						<-release
					}
					record(fmt.Sprint("end ", i))
					return i, nil
				})
			}
		}
		t1 := asyncio.CreateTask(ctx, job(1))
		t2 := asyncio.CreateTask(ctx, job(2))
		t3 := asyncio.CreateTask(ctx, job(3))
		asyncio.Sleep(ctx, 0) // all three submitted; 1 holds the only worker
		t2.Cancel()
		if _, err := t2.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("queued job: got %v", err)
		}
		close(release)
		t1.Await(ctx)
		t3.Await(ctx)
		return nil, nil
	})
	if got := strings.Join(order, ", "); got != "start 1, end 1, start 3, end 3" {
		t.Errorf("order: %s", got)
	}
}

// On the virtual clock, time stands still while a function runs, and a loop
// whose only task waits for one is not deadlocked.
func TestToThreadVirtualClock(t *testing.T) {
	var tr trace
	release := make(chan struct{})
	go close(release)
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		l := asyncio.GetEventLoop()
		sleeper := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			err := asyncio.Sleep(ctx, time.Hour)
			tr.add("sleeper woke at %v", l.Time())
			return nil, err
		})
		asyncio.ToThread(ctx, func(context.Context) (int, error) { <-release; return 0, nil })
		tr.add("thread done at %v", l.Time())
		return sleeper.Await(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.expect(t, "thread done at 0s", "sleeper woke at 1h0m0s")
}

func TestBridgeMisuse(t *testing.T) {
	mustPanic(t, func() {
		asyncio.ToThread(context.Background(), func(context.Context) (int, error) { return 0, nil })
	}, "ToThread called outside a task")
	asynciotest.Run(t, func(ctx context.Context) (any, error) {
		mustPanic(t, func() { asyncio.ToThread[int](ctx, nil) }, "ToThread called with a nil function")
		f := asyncio.RunCoroutineThreadsafe(asyncio.GetEventLoop(), func(context.Context) (int, error) { return 1, nil })
		mustPanic(t, func() { f.Wait(ctx) }, "ConcurrentFuture.Wait called from a task", "Task.Await")
		return nil, nil
	})
	mustPanic(t, func() {
		asyncio.RunCoroutineThreadsafe[int](nil, func(context.Context) (int, error) { return 0, nil })
	}, "RunCoroutineThreadsafe called with a nil loop")
}

// The CPython pattern: a function in the executor calls back into the loop.
func TestRunCoroutineThreadsafeFromToThread(t *testing.T) {
	realLoop(t)
	v, err := asyncio.Run(func(ctx context.Context) (string, error) {
		l := asyncio.GetEventLoop()
		return asyncio.ToThread(ctx, func(tctx context.Context) (string, error) {
			f := asyncio.RunCoroutineThreadsafe(l, func(ctx context.Context) (string, error) {
				asyncio.Sleep(ctx, 0)
				return "from the loop", nil
			})
			return f.Wait(tctx)
		})
	})
	if v != "from the loop" || err != nil {
		t.Fatalf("got %q, %v", v, err)
	}
}

// A goroutine submits work to a loop running elsewhere, waits for it, and can
// cancel it; the task's cleanup runs before Wait returns.
func TestRunCoroutineThreadsafe(t *testing.T) {
	l, stop := runLoopInBackground(t)
	defer stop()

	f := asyncio.RunCoroutineThreadsafe(l, func(ctx context.Context) (int, error) { return 5, nil }, "five")
	if v, err := f.Wait(context.Background()); v != 5 || err != nil {
		t.Errorf("Wait: %v, %v", v, err)
	}
	if v, err := f.Result(); v != 5 || err != nil {
		t.Errorf("Result: %v, %v", v, err)
	}
	if f.Cancel() {
		t.Error("Cancel of a finished future reported true")
	}

	started := make(chan struct{})
	cleaned := false
	f = asyncio.RunCoroutineThreadsafe(l, func(ctx context.Context) (int, error) {
		close(started)
		err := asyncio.Sleep(ctx, time.Hour)
		cleaned = true
		return 0, err
	})
	<-started
	if _, err := f.Result(); err != asyncio.ErrNotDone {
		t.Errorf("Result while running: %v", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Wait(cancelled); err != context.Canceled {
		t.Errorf("Wait with a done context: %v", err)
	}
	if !f.Cancel("bye") {
		t.Error("Cancel reported false")
	}
	<-f.Done()
	_, err := f.Wait(context.Background())
	var ce *asyncio.CancelledError
	if !errors.As(err, &ce) || ce.Msg != "bye" || !cleaned {
		t.Errorf("after Cancel: %v (cleaned %v)", err, cleaned)
	}
}

// A panic goes to the future, not to the exception handler.
func TestRunCoroutineThreadsafePanic(t *testing.T) {
	l, stop := runLoopInBackground(t)
	defer stop()
	handled := make(chan struct{}, 1)
	l.CallSoonThreadsafe(func() {
		l.SetExceptionHandler(func(*asyncio.Loop, asyncio.ExceptionContext) { handled <- struct{}{} })
	})
	f := asyncio.RunCoroutineThreadsafe(l, func(ctx context.Context) (int, error) { panic("boom") })
	_, err := f.Wait(context.Background())
	var pe *asyncio.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Errorf("got %v", err)
	}
	// One more round trip lets an unretrieved-error report happen first.
	asyncio.RunCoroutineThreadsafe(l, func(ctx context.Context) (int, error) {
		return 0, asyncio.Sleep(ctx, 0)
	}).Wait(context.Background())
	select {
	case <-handled:
		t.Error("the exception handler saw the panic")
	default:
	}
}

// Close completes the future of a task it kills.
func TestRunCoroutineThreadsafeLoopClosed(t *testing.T) {
	l := realLoop(t)
	l.SetExceptionHandler(func(*asyncio.Loop, asyncio.ExceptionContext) {}) // "destroyed but pending"
	started := make(chan struct{})
	f := asyncio.RunCoroutineThreadsafe(l, func(ctx context.Context) (int, error) {
		close(started)
		return 0, asyncio.Sleep(ctx, time.Hour)
	})
	w := l.CreateTask(func(ctx context.Context) (any, error) {
		_, _, err := asyncio.Recv(ctx, started)
		return nil, err
	})
	if err := l.RunUntilComplete(w); err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, err := f.Wait(context.Background())
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "closed") {
		t.Errorf("got %v", err)
	}
}

// A ready value is taken without suspending; otherwise Recv waits for a
// goroutine's send and for close.
func TestRecv(t *testing.T) {
	realLoop(t)
	var tr trace
	asyncio.Run(func(ctx context.Context) (any, error) {
		start := make(chan struct{})
		other := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			tr.add("other")
			close(start)
			return nil, nil
		})
		ready := make(chan int, 1)
		ready <- 1
		v, ok, err := asyncio.Recv(ctx, ready)
		tr.add("ready %d %v %v", v, ok, err)
		ch := make(chan int)
		go func() {
			<-start // so the first Recv below must suspend
			for i := 2; i <= 3; i++ {
				ch <- i
			}
			close(ch)
		}()
		for {
			v, ok, err := asyncio.Recv(ctx, ch)
			tr.add("recv %d %v %v", v, ok, err)
			if !ok {
				break
			}
		}
		return other.Await(ctx)
	})
	tr.expect(t, "ready 1 true <nil>", "other", "recv 2 true <nil>", "recv 3 true <nil>", "recv 0 false <nil>")
}

// A cancelled Recv takes nothing from the channel.
func TestRecvCancelLosesNothing(t *testing.T) {
	_, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		ch := make(chan int, 1)
		w := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			v, _, err := asyncio.Recv(ctx, ch)
			return v, err
		})
		asyncio.Sleep(ctx, 0)
		w.Cancel()
		if _, err := w.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Recv: %v", err)
		}
		ch <- 7 // the helper is gone: the buffer slot is free
		v, ok, err := asyncio.Recv(ctx, ch)
		if v != 7 || !ok || err != nil {
			t.Errorf("value after cancel: %v %v %v", v, ok, err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A channel operation completed by the helper before the cancellation reached
// it is not lost: Recv returns the value (Send returns nil), and the
// cancellation comes at the next await. The main task spins without yielding
// until the helper has done the operation, so the loop cannot have delivered
// the helper's answer when Cancel runs.
func TestChanOpBeatsCancel(t *testing.T) {
	realLoop(t)
	spinUntilClosed := func(c chan struct{}) {
		for {
			select {
			case <-c:
				return
			default:
				runtime.Gosched()
			}
		}
	}
	var tr trace
	asyncio.Run(func(ctx context.Context) (any, error) {
		var never asyncio.Event
		ch := make(chan int)
		r := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			v, ok, err := asyncio.Recv(ctx, ch)
			tr.add("recv %d %v %v", v, ok, err)
			err = never.Wait(ctx)
			tr.add("next await: cancelled %v", errors.Is(err, context.Canceled))
			return nil, err
		})
		asyncio.Sleep(ctx, 0) // r waits in Recv
		done := make(chan struct{})
		go func() { ch <- 1; close(done) }()
		spinUntilClosed(done)
		r.Cancel()
		r.Await(ctx)

		s := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			err := asyncio.Send(ctx, ch, 2)
			tr.add("send %v", err)
			err = never.Wait(ctx)
			tr.add("next await: cancelled %v", errors.Is(err, context.Canceled))
			return nil, err
		})
		asyncio.Sleep(ctx, 0) // s waits in Send
		done = make(chan struct{})
		go func() { <-ch; close(done) }()
		spinUntilClosed(done)
		s.Cancel()
		s.Await(ctx)
		return nil, nil
	})
	tr.expect(t, "recv 1 true <nil>", "next await: cancelled true", "send <nil>", "next await: cancelled true")
}

// Send delivers to a goroutine; a cancelled Send sends nothing; a send on a
// closed channel panics in the task.
func TestSend(t *testing.T) {
	realLoop(t)
	asyncio.Run(func(ctx context.Context) (any, error) {
		ch := make(chan int)
		got := make(chan int, 1)
		go func() { got <- <-ch }()
		if err := asyncio.Send(ctx, ch, 9); err != nil {
			t.Errorf("Send: %v", err)
		}
		if v, _, _ := asyncio.Recv(ctx, got); v != 9 {
			t.Errorf("received %d", v)
		}

		w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { return nil, asyncio.Send(ctx, ch, 1) })
		asyncio.Sleep(ctx, 0)
		w.Cancel()
		if _, err := w.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Send: %v", err)
		}
		select {
		case v := <-ch:
			t.Errorf("a cancelled Send delivered %d", v)
		default:
		}

		close(ch) // (closing while a Send waits would race with its send, as in plain Go)
		mustPanic(t, func() { asyncio.Send(ctx, ch, 1) }, "send on closed channel")
		return nil, nil
	})
}

// ToThread round trip: submit, run on a worker, wake the task.
func BenchmarkToThread(b *testing.B) {
	realLoop(b)
	b.ReportAllocs()
	asyncio.Run(func(ctx context.Context) (any, error) {
		fn := func(context.Context) (int, error) { return 1, nil }
		for b.Loop() {
			asyncio.ToThread(ctx, fn)
		}
		return nil, nil
	})
}

// Recv round trip from a goroutine that sends as fast as it can.
func BenchmarkRecv(b *testing.B) {
	realLoop(b)
	b.ReportAllocs()
	ch := make(chan int)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case ch <- 1:
			case <-stop:
				return
			}
		}
	}()
	defer close(stop)
	asyncio.Run(func(ctx context.Context) (any, error) {
		for b.Loop() {
			asyncio.Recv(ctx, ch)
		}
		return nil, nil
	})
}
