package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asyncio-go/asyncio"
)

// A TaskGroup waits for its tasks; the first failure cancels the others and
// comes back as the group's error.
func ExampleWithTaskGroup() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		errDisk := errors.New("disk full")
		err := asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			tg.Go(func(ctx context.Context) error {
				asyncio.Sleep(ctx, time.Millisecond)
				return errDisk
			}, "saver")
			tg.Go(func(ctx context.Context) error {
				err := asyncio.Sleep(ctx, time.Hour)
				fmt.Println("uploader cancelled:", errors.Is(err, context.Canceled))
				return err
			}, "uploader")
			return nil
		})
		fmt.Println("group failed with disk full:", errors.Is(err, errDisk))
		return nil, nil
	})
	// Output:
	// uploader cancelled: true
	// group failed with disk full: true
}

// GroupTask spawns a task with a result into a group.
func ExampleGroupTask() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		var a, b *asyncio.Task[int]
		asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
			a = asyncio.GroupTask(tg, func(ctx context.Context) (int, error) { return 2, nil })
			b = asyncio.GroupTask(tg, func(ctx context.Context) (int, error) { return 3, nil })
			return nil
		})
		x, _ := a.Result()
		y, _ := b.Result()
		fmt.Println(x * y)
		return nil, nil
	})
	// Output: 6
}

// Wait returns when the first task finishes, without cancelling the rest.
func ExampleWait() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		fast := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 1, asyncio.Sleep(ctx, time.Millisecond) }, "fast")
		slow := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 2, asyncio.Sleep(ctx, 50*time.Millisecond) }, "slow")
		done, pending, _ := asyncio.Wait(ctx, []asyncio.AnyTask{fast, slow}, asyncio.FirstCompleted, asyncio.Never)
		fmt.Println("done:", done[0].Name(), "pending:", pending[0].Name())
		slow.Await(ctx)
		return nil, nil
	})
	// Output: done: fast pending: slow
}

// AsCompleted yields tasks in the order they finish.
func ExampleAsCompleted() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		var tasks []*asyncio.Task[string]
		for _, c := range []struct {
			name string
			ms   int
		}{{"third", 30}, {"first", 1}, {"second", 15}} {
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) {
				return c.name, asyncio.SleepMs(ctx, c.ms)
			}))
		}
		for t, err := range asyncio.AsCompleted(ctx, tasks, asyncio.Never) {
			v, _ := t.Result()
			fmt.Println(v, err)
		}
		return nil, nil
	})
	// Output:
	// first <nil>
	// second <nil>
	// third <nil>
}

// Shield keeps a task running when the task awaiting it is cancelled.
func ExampleShield() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		save := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) {
			asyncio.Sleep(ctx, 10*time.Millisecond)
			return "saved", nil
		})
		caller := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) { return asyncio.Shield(ctx, save) })
		asyncio.Sleep(ctx, time.Millisecond)
		caller.Cancel()
		_, err := caller.Await(ctx)
		v, _ := save.Await(ctx)
		fmt.Println("caller cancelled:", errors.Is(err, context.Canceled), "- shielded task:", v)
		return nil, nil
	})
	// Output: caller cancelled: true - shielded task: saved
}

// A Future is completed by a callback and awaited by a task.
func ExampleNewFuture() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		f := asyncio.NewFuture[string](ctx)
		asyncio.GetEventLoop().CallLater(time.Millisecond, func() { f.SetResult("called back") })
		v, err := f.Await(ctx)
		fmt.Println(v, err)
		return nil, nil
	})
	// Output: called back <nil>
}
