package asyncio_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// Posting from other goroutines to a loop that is finishing never panics:
// each post either runs in that run or is refused with ErrLoopClosed, and
// none runs in a later, unrelated Run (Run closes its loop, as asyncio.run).
func TestPostsRacingRunsEndNeverLeakOrPanic(t *testing.T) {
	var ran, refused, accepted atomic.Int64
	var inFirst atomic.Bool
	var leaked atomic.Int64
	l := asyncio.NewEventLoop()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	started := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, err := l.TryCallSoonThreadsafe(func() {
					ran.Add(1)
					if !inFirst.Load() {
						leaked.Add(1)
					}
				})
				switch {
				case errors.Is(err, asyncio.ErrLoopClosed):
					refused.Add(1)
				case err != nil:
					t.Errorf("goroutine %d: %v", g, err)
					return
				default:
					accepted.Add(1)
				}
				l.CallSoonThreadsafe(func() {}) // the plain door never panics either
				if i == 100 && g == 0 {
					close(started)
				}
			}
		}()
	}
	inFirst.Store(true)
	asyncio.Run(func(ctx context.Context) (any, error) {
		<-started // posts are flowing
		for range 100 {
			asyncio.Sleep(ctx, 0)
		}
		return nil, nil
	})
	inFirst.Store(false)
	for refused.Load() == 0 { // the goroutines see the closed loop
		asyncio.Run(func(ctx context.Context) (any, error) { return nil, asyncio.Sleep(ctx, 0) })
	}
	close(stop)
	wg.Wait()
	asyncio.Run(func(ctx context.Context) (any, error) { return nil, asyncio.Sleep(ctx, 0) })
	if leaked.Load() != 0 {
		t.Errorf("%d callbacks posted to a finished run ran in a later one", leaked.Load())
	}
	if ran.Load() > accepted.Load() || refused.Load() == 0 {
		t.Errorf("ran %d, accepted %d, refused %d", ran.Load(), accepted.Load(), refused.Load())
	}
	if !l.IsClosed() {
		t.Error("Run did not close its loop")
	}
}
