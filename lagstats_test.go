package asyncio_test

import (
	"context"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// With lag statistics on, every step and batch is timed; a step that keeps
// the loop 3 ms (on the virtual clock, by advancing it) lands in the 4.096
// ms bucket and is the longest.
func TestLagStats(t *testing.T) {
	l, clock := asynciotest.NewLoop(t)
	l.SetLagStats(true)
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		for range 5 {
			asyncio.Sleep(ctx, 0)
		}
		clock.Advance(3 * time.Millisecond) // this step "takes" 3 ms
		asyncio.Sleep(ctx, 0)
		snap, err := asyncio.GetEventLoop().Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		st := snap.StepTimes
		if st == nil || st.Count != 6 || st.Max != 3*time.Millisecond {
			t.Fatalf("step times %+v; want 6 steps, the longest 3ms", st)
		}
		last := st.Buckets[len(st.Buckets)-1]
		if last.UpTo != 4096*time.Microsecond || last.Count != 1 {
			t.Errorf("longest bucket %+v; want 1 step up to 4.096ms", last)
		}
		if snap.BatchTimes == nil || snap.BatchTimes.Count < 6 {
			t.Errorf("batch times %+v", snap.BatchTimes)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if snap := func() *asyncio.Snapshot { s, _ := l.Snapshot(context.Background()); return s }(); snap.StepTimes == nil {
		t.Error("stats gone after the run")
	}
}
