package asynciotest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// A test body explored under 1,000 schedules: two tasks withdraw from one
// account, each checking the balance, awaiting, then acting; the second
// starts a moment later. Under FIFO the first withdrawal finishes before the
// second checks, so asynciotest.Run passes; when the second task's check
// runs first in that later iteration, the account is overdrawn, and Explore
// reports the seed, the trace and the command that replays it. (This example is compiled, not run: it needs the
// test's *testing.T.)
func ExampleExplore() {
	var t *testing.T // the test's t, in a real test
	asynciotest.Explore(t, func(ctx context.Context, t testing.TB) error {
		balance := 100
		withdraw := func(ctx context.Context) (int, error) {
			if balance < 80 {
				return 0, nil // refused
			}
			if err := asyncio.Sleep(ctx, 0); err != nil { // write the audit log
				return 0, err
			}
			balance -= 80
			return 80, nil
		}
		a := asyncio.CreateTask(ctx, withdraw)
		b := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			asyncio.Sleep(ctx, 0) // a moment later
			return withdraw(ctx)
		})
		a.Await(ctx)
		b.Await(ctx)
		if balance < 0 {
			t.Errorf("balance %d: overdrawn", balance)
		}
		return nil
	}, asynciotest.Options{Seeds: 1000})
	fmt.Println("explored")
}
