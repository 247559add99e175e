package asyncio_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/asyncio-go/asyncio"
)

// Set wakes every task waiting for the event, in the order they began
// waiting.
func ExampleEvent() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		var ready asyncio.Event
		waiter := func(name string) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				fmt.Println(name, "waits")
				if err := ready.Wait(ctx); err != nil {
					return nil, err
				}
				fmt.Println(name, "goes")
				return nil, nil
			}
		}
		a := asyncio.CreateTask(ctx, waiter("a"))
		b := asyncio.CreateTask(ctx, waiter("b"))
		asyncio.Sleep(ctx, 0) // let them start waiting
		fmt.Println("set")
		ready.Set()
		asyncio.GatherTasks(ctx, a, b)
		return nil, nil
	})
	// Output:
	// a waits
	// b waits
	// set
	// a goes
	// b goes
}

// A goroutine doing blocking work wakes a task on the loop through a
// ThreadSafeFlag: Set is safe from any goroutine, Wait clears the flag.
func ExampleThreadSafeFlag() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		var flag asyncio.ThreadSafeFlag
		var result int // written by the goroutine before Set, read after Wait
		go func() {
			result = 6 * 7 // some blocking work
			flag.Set()
		}()
		if err := flag.Wait(ctx); err != nil {
			return nil, err
		}
		fmt.Println("the goroutine computed", result)
		return nil, nil
	})
	// Output: the goroutine computed 42
}

// A Lock makes a read-modify-write that awaits in the middle atomic with
// respect to the other tasks.
func ExampleLock() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		var mu asyncio.Lock
		balance := 100
		withdraw := func(amount int) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				if err := mu.Acquire(ctx); err != nil {
					return nil, err
				}
				defer mu.Release()
				b := balance
				asyncio.Sleep(ctx, 0) // another task runs here, but cannot enter
				balance = b - amount
				return nil, nil
			}
		}
		asyncio.Gather(ctx, withdraw(30), withdraw(20), withdraw(10))
		fmt.Println("balance:", balance)
		return nil, nil
	})
	// Output: balance: 40
}

// A Semaphore limits how many tasks do something at once.
func ExampleSemaphore() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		sem := asyncio.NewSemaphore(2)
		running, peak := 0, 0
		job := func(ctx context.Context) (any, error) {
			if err := sem.Acquire(ctx); err != nil {
				return nil, err
			}
			defer sem.Release()
			running++
			peak = max(peak, running)
			asyncio.Sleep(ctx, 0)
			running--
			return nil, nil
		}
		asyncio.Gather(ctx, job, job, job, job, job)
		fmt.Println("at most", peak, "jobs ran at once")
		return nil, nil
	})
	// Output: at most 2 jobs ran at once
}

// A BoundedSemaphore catches a Release without a matching Acquire.
func ExampleBoundedSemaphore() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		sem := asyncio.NewBoundedSemaphore(1)
		sem.Acquire(ctx)
		sem.Release()
		defer func() {
			err := recover().(error)
			fmt.Println(err)
		}()
		sem.Release() // one too many
		return nil, nil
	})
	// Output: asyncio: BoundedSemaphore released too many times (bound 1, every permit is already available); call Release once per successful Acquire, or use a Semaphore if permits may grow
}

// A Condition lets a consumer wait, with the lock released, until a
// producer changes the shared state and notifies it.
func ExampleCondition() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		var cond asyncio.Condition
		var items []string
		consumer := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) {
			if err := cond.Acquire(ctx); err != nil {
				return "", err
			}
			defer cond.Release()
			if err := cond.WaitFor(ctx, func() bool { return len(items) > 0 }); err != nil {
				return "", err
			}
			return items[0], nil
		})
		asyncio.Sleep(ctx, 0) // the consumer waits
		cond.Acquire(ctx)
		items = append(items, "parcel")
		cond.NotifyAll()
		cond.Release()
		got, err := consumer.Await(ctx)
		fmt.Println("consumer got", got, err)
		return nil, nil
	})
	// Output: consumer got parcel <nil>
}

// A Barrier holds its parties until the last one arrives; each gets a
// distinct index, in order of arrival. Abort breaks it for everyone.
func ExampleBarrier() {
	asyncio.NewEventLoop()
	asyncio.Run(func(ctx context.Context) (any, error) {
		b := asyncio.NewBarrier(3)
		party := func(name string) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				i, err := b.Wait(ctx)
				fmt.Println(name, "passed with index", i, err)
				return nil, err
			}
		}
		asyncio.Gather(ctx, party("a"), party("b"), party("c"))
		b.Abort()
		_, err := b.Wait(ctx)
		fmt.Println(errors.Is(err, asyncio.ErrBrokenBarrier))
		return nil, nil
	})
	// Output:
	// c passed with index 2 <nil>
	// a passed with index 0 <nil>
	// b passed with index 1 <nil>
	// true
}
