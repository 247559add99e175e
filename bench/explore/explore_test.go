// Package explore measures how many schedules per second asynciotest.Explore
// runs: the goal is 2,000 a second on one core for a program of 10
// tasks that await 100 times each.
//
//	go test -run x -bench . -cpu 1 ./bench/explore
package explore

import (
	"context"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// tenTasks is the benchmark program: 10 tasks, 100 awaits each (Sleep(0)
// and a shared Lock taken every tenth await), all ready together so that
// every batch has real choices.
func tenTasks(ctx context.Context, t testing.TB) error {
	var lk asyncio.Lock
	counter := 0
	tasks := make([]*asyncio.Task[int], 10)
	for i := range tasks {
		tasks[i] = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			for j := range 100 {
				if j%10 == 0 {
					if err := lk.Acquire(ctx); err != nil {
						return 0, err
					}
					counter++
					lk.Release()
					continue
				}
				if err := asyncio.Sleep(ctx, 0); err != nil {
					return 0, err
				}
			}
			return 0, nil
		})
	}
	for _, tk := range tasks {
		if _, err := tk.Await(ctx); err != nil {
			return err
		}
	}
	if counter != 100 {
		t.Errorf("counter %d, want 100", counter)
	}
	return nil
}

func benchmark(b *testing.B, o asynciotest.Options) {
	o.Seeds = b.N
	b.ReportAllocs()
	b.ResetTimer()
	asynciotest.Explore(b, tenTasks, o)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "schedules/s")
}

// BenchmarkExplore: uniform random batch orders, debug checks off.
func BenchmarkExplore(b *testing.B) { benchmark(b, asynciotest.Options{NoDebug: true}) }

// BenchmarkExplorePCT: PCT-style priorities with 3 change points.
func BenchmarkExplorePCT(b *testing.B) {
	benchmark(b, asynciotest.Options{NoDebug: true, ChangePoints: 3})
}

// BenchmarkExploreDebug: Explore's default, with the loop's debug checks.
func BenchmarkExploreDebug(b *testing.B) { benchmark(b, asynciotest.Options{}) }
