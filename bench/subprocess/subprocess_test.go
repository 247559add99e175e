//go:build linux

// Package subprocess compares running many short children with the loop
// (CreateSubprocessExec, a Semaphore, output read on the loop) against
// os/exec with goroutines, in one run:
//
//	go test -run x -bench . -benchtime 3x ./bench/subprocess
package subprocess

import (
	"context"
	"os/exec"
	"sync"
	"testing"

	"github.com/asyncio-go/asyncio"
)

const children, bound = 1000, 16

// BenchmarkAsyncio: 1,000 `echo hi`, 16 at once, output read on the loop.
func BenchmarkAsyncio(b *testing.B) {
	for b.Loop() {
		asyncio.NewEventLoop()
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			sem := asyncio.NewSemaphore(bound)
			return nil, asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
				for range children {
					tg.Go(func(ctx context.Context) error {
						if err := sem.Acquire(ctx); err != nil {
							return err
						}
						defer sem.Release()
						p, err := asyncio.CreateSubprocessExec(ctx, "echo", []string{"hi"}, asyncio.SubprocessOptions{Stdout: asyncio.Pipe})
						if err != nil {
							return err
						}
						_, _, err = p.Communicate(ctx, nil)
						return err
					})
				}
				return nil
			})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*children), "µs/child")
}

// BenchmarkGoroutines: the same with os/exec and a goroutine per child.
func BenchmarkGoroutines(b *testing.B) {
	for b.Loop() {
		sem := make(chan struct{}, bound)
		var wg sync.WaitGroup
		for range children {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := exec.Command("echo", "hi").Output(); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*children), "µs/child")
}
