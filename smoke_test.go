package asyncio_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

func TestSmoke(t *testing.T) {
	v, err := asynciotest.Run(t, func(ctx context.Context) (int, error) {
		var log []string
		a := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			for i := 0; i < 3; i++ {
				log = append(log, fmt.Sprint("a", i))
				asyncio.Sleep(ctx, 0)
			}
			return 1, nil
		})
		b := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			asyncio.Sleep(ctx, time.Hour)
			log = append(log, "b")
			return 2, nil
		})
		x, _ := a.Await(ctx)
		y, _ := b.Await(ctx)
		t.Log(log)
		return x + y, nil
	})
	if v != 3 || err != nil {
		t.Fatal(v, err)
	}
}
