// Command asyncio is the asyncio-for-Go side of the cold benchmarks
// (bench/cold/run.sh): one workload per fresh process.
//
//	asyncio -mode idle      the only task sleeps 2 s
//	asyncio -mode sleepers  100,000 tasks sleep a random 0-1 s each
//	asyncio -mode spawn     spawn 100,000 tasks that yield once, then await them
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"time"

	"github.com/asyncio-go/asyncio"
)

func main() {
	mode := flag.String("mode", "idle", "idle, sleepers or spawn")
	n := flag.Int("n", 100000, "tasks for sleepers and spawn")
	flag.Parse()
	start := time.Now()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		switch *mode {
		case "idle":
			return nil, asyncio.Sleep(ctx, 2*time.Second)
		case "sleepers":
			tasks := make([]*asyncio.Task[struct{}], *n)
			for i := range tasks {
				d := time.Duration(rand.Int63n(int64(time.Second)))
				tasks[i] = asyncio.CreateTask(ctx, func(ctx context.Context) (struct{}, error) {
					return struct{}{}, asyncio.Sleep(ctx, d)
				})
			}
			_, err := asyncio.GatherTasks(ctx, tasks...)
			return nil, err
		case "spawn":
			tasks := make([]*asyncio.Task[int], *n)
			for i := range tasks {
				tasks[i] = asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
					return 1, asyncio.Sleep(ctx, 0)
				})
			}
			for _, t := range tasks {
				if _, err := t.Await(ctx); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}
		return nil, fmt.Errorf("unknown mode %q", *mode)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %.3f s wall\n", *mode, time.Since(start).Seconds())
}
