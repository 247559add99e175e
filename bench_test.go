//go:build linux

package asyncio_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// BenchmarkSleep0 is one task yielding with Sleep(0): one ns/op is one yield
// (a switch out to the loop and back).
func BenchmarkSleep0(b *testing.B) {
	benchLoop()
	b.ReportAllocs()
	asyncio.Run(func(ctx context.Context) (any, error) {
		for b.Loop() {
			asyncio.Sleep(ctx, 0)
		}
		return nil, nil
	})
}

// BenchmarkSpawnAwait spawns 100,000 tasks that each yield once and awaits
// them all; ns/op is per task.
func BenchmarkSpawnAwait(b *testing.B) {
	benchLoop()
	const n = 100_000
	tasks := make([]*asyncio.Task[int], n)
	b.ReportAllocs()
	asyncio.Run(func(ctx context.Context) (any, error) {
		body := func(ctx context.Context) (int, error) { asyncio.Sleep(ctx, 0); return 1, nil }
		for b.Loop() {
			for i := range tasks {
				tasks[i] = asyncio.CreateTask(ctx, body)
			}
			for _, t := range tasks {
				t.Await(ctx)
			}
		}
		return nil, nil
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
}

// BenchmarkSleepingTasks runs 100,000 tasks sleeping random 0-1 s on the real
// clock and reports the process CPU time and memory per sleeping task.
func BenchmarkSleepingTasks(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		benchLoop()
		var before, after syscall.Rusage
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		asyncio.Run(func(ctx context.Context) (any, error) {
			tasks := make([]*asyncio.Task[any], n)
			for i := range tasks {
				d := time.Duration(rand.Int64N(int64(time.Second)))
				tasks[i] = asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
					return nil, asyncio.Sleep(ctx, d)
				})
			}
			asyncio.Sleep(ctx, 0) // let every task start and park
			asyncio.Sleep(ctx, 0)
			runtime.ReadMemStats(&m1)
			for _, t := range tasks {
				t.Await(ctx)
			}
			return nil, nil
		})
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(m1.Sys-m0.Sys)/n, "sysB/task")
		b.ReportMetric(float64(m1.HeapInuse+m1.StackInuse-m0.HeapInuse-m0.StackInuse)/n, "B/task")
	}
}

// BenchmarkIdleSleep: a loop whose only task sleeps 2 s on the real clock.
// Reports the process CPU time spent during the sleep (the loop must block
// in the poller, not spin). Run with -benchtime 1x.
func BenchmarkIdleSleep(b *testing.B) {
	for b.Loop() {
		benchLoop()
		var before, after syscall.Rusage
		asyncio.Run(func(ctx context.Context) (any, error) {
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			asyncio.Sleep(ctx, 2*time.Second)
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			return nil, nil
		})
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		b.ReportMetric(float64(cpu.Microseconds())/1000, "cpu-ms")
	}
}

// BenchmarkGoroutinesSpawn is the baseline for BenchmarkSpawnAwait: 100,000
// plain goroutines that each yield once (runtime.Gosched), joined with a
// WaitGroup; ns/task is per goroutine.
func BenchmarkGoroutinesSpawn(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		var wg sync.WaitGroup
		wg.Add(n)
		for i := 0; i < n; i++ {
			go func() { runtime.Gosched(); wg.Done() }()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
}

// BenchmarkGoroutinesSleeping is the baseline for BenchmarkSleepingTasks:
// 100,000 goroutines in time.Sleep for random 0-1 s. Run with -benchtime 1x.
func BenchmarkGoroutinesSleeping(b *testing.B) {
	for b.Loop() {
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		var wg sync.WaitGroup
		for i := 0; i < 100_000; i++ {
			wg.Add(1)
			d := time.Duration(rand.Int64N(int64(time.Second)))
			go func() { time.Sleep(d); wg.Done() }()
		}
		wg.Wait()
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		b.ReportMetric(cpu.Seconds(), "cpu-s")
	}
}
