package asyncio_test

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// With profile labels on, a suspended task's goroutine carries its name in
// the goroutine profile; with them off (the default), it carries none.
func TestProfileLabelsNameTasks(t *testing.T) {
	for _, on := range []bool{true, false} {
		asyncio.NewEventLoop()
		var profile string
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			asyncio.GetEventLoop().SetProfileLabels(on)
			ev := &asyncio.Event{}
			w := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
				return nil, ev.Wait(ctx)
			}, "labelled-worker")
			if err := asyncio.Sleep(ctx, 0); err != nil { // w starts and waits
				return nil, err
			}
			var buf bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&buf, 1)
			profile = buf.String()
			ev.Set()
			return w.Await(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := `"` + asyncio.ProfileLabelKey + `":"labelled-worker"`
		if got := strings.Contains(profile, want); got != on {
			t.Errorf("labels on=%v: profile contains %s: %v\n%s", on, want, got, profile)
		}
	}
}
