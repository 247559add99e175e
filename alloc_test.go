package asyncio_test

import (
	"context"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
)

// The heartbeat allocates nothing: a yield, a timed sleep (its timer is part
// of the task), and a switch between two tasks through an Event.
func TestHotPathDoesNotAllocate(t *testing.T) {
	l := asyncio.NewEventLoop() // real clock, no debug checks: what programs run
	defer l.Close()
	asyncio.Run(func(ctx context.Context) (any, error) {
		for name, f := range map[string]func(){
			"Sleep(0)":   func() { asyncio.Sleep(ctx, 0) },
			"Sleep(1ns)": func() { asyncio.Sleep(ctx, time.Nanosecond) },
		} {
			f() // warm up the ready queue and the timer heap
			if n := testing.AllocsPerRun(200, f); n != 0 {
				t.Errorf("%s allocates %v times per call", name, n)
			}
		}
		var ping, pong asyncio.Event
		partner := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			for {
				if err := ping.Wait(ctx); err != nil {
					return nil, nil
				}
				ping.Clear()
				pong.Set()
			}
		})
		roundTrip := func() { ping.Set(); pong.Wait(ctx); pong.Clear() }
		roundTrip()
		if n := testing.AllocsPerRun(200, roundTrip); n != 0 {
			t.Errorf("a task switch round trip through Events allocates %v times", n)
		}
		partner.Cancel()
		return nil, nil
	})
}
