package asyncio_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/asyncio-go/asyncio"
)

// Two workers take jobs from a bounded queue; the producer suspends while the
// queue is full, waits with Join until every job is marked done, then shuts
// the queue down so the workers return.
func ExampleQueue() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		q := asyncio.NewQueue[int](2)
		worker := func(ctx context.Context) (int, error) {
			sum := 0
			for {
				n, err := q.Get(ctx)
				if errors.Is(err, asyncio.ErrQueueShutDown) {
					return sum, nil
				}
				sum += n
				q.TaskDone()
			}
		}
		w1 := asyncio.CreateTask(ctx, worker)
		w2 := asyncio.CreateTask(ctx, worker)
		for n := 1; n <= 10; n++ {
			q.Put(ctx, n) // suspends while 2 jobs wait
		}
		q.Join(ctx)
		fmt.Println("all jobs done; items left:", q.Qsize())
		q.Shutdown(false)
		s1, _ := w1.Await(ctx)
		s2, _ := w2.Await(ctx)
		fmt.Println("total:", s1+s2)
		return nil, nil
	})
	// Output:
	// all jobs done; items left: 0
	// total: 55
}

// A priority queue gives out the smallest item first; equal ones in the
// order they were put.
func ExampleNewPriorityQueue() {
	type job struct {
		prio int
		name string
	}
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		q := asyncio.NewPriorityQueue(0, func(a, b job) bool { return a.prio < b.prio })
		q.Put(ctx, job{3, "write report"})
		q.Put(ctx, job{1, "fix outage"})
		q.Put(ctx, job{2, "review"})
		q.Put(ctx, job{1, "page on-call"})
		for !q.Empty() {
			j, _ := q.Get(ctx)
			fmt.Println(j.prio, j.name)
		}
		return nil, nil
	})
	// Output:
	// 1 fix outage
	// 1 page on-call
	// 2 review
	// 3 write report
}

// A LIFO queue gives out the most recently put item first.
func ExampleNewLifoQueue() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		q := asyncio.NewLifoQueue[string](0)
		for _, page := range []string{"home", "docs", "queue"} {
			q.Put(ctx, page)
		}
		for {
			page, tgErr := q.TryGet()
			ok := tgErr == nil
			if !ok {
				break
			}
			fmt.Println("back from", page)
		}
		return nil, nil
	})
	// Output:
	// back from queue
	// back from docs
	// back from home
}
