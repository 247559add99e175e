// A module outside the repository that uses the library the way a Go user
// does (.ci/run builds and runs it with a replace to the checkout): the
// README's first program, verbatim in spirit.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/debugpage"
)

func main() {
	_ = debugpage.Handler // a subpackage resolves too
	v, err := asyncio.Run(func(ctx context.Context) (int, error) {
		t := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			return 42, asyncio.Sleep(ctx, 10*time.Millisecond)
		})
		return asyncio.WaitForTask(ctx, time.Second, t)
	})
	fmt.Println(v, err)
}
