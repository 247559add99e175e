package asyncio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// The slog handler logs an unretrieved failure with the task's name, the
// error and a panic's stack as attributes; a peer's reset goes at Debug.
func TestSlogExceptionHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l := asyncio.NewEventLoop()
	l.SetExceptionHandler(asyncio.SlogExceptionHandler(logger))
	asyncio.Run(func(ctx context.Context) (any, error) {
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) { panic("boom") }, "exploder")
		asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}, "hung-up")
		asyncio.Sleep(ctx, 0)
		asyncio.Sleep(ctx, 0)
		return nil, nil
	})
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		records = append(records, r)
	}
	byTask := map[string]map[string]any{}
	for _, r := range records {
		byTask[fmt.Sprint(r["task"])] = r
	}
	ex := byTask["exploder"]
	if ex == nil || ex["level"] != "ERROR" || !strings.Contains(fmt.Sprint(ex["error"]), "boom") || !strings.Contains(fmt.Sprint(ex["stack"]), "sloghandler_test.go") {
		t.Errorf("panic record: %v", ex)
	}
	if hu := byTask["hung-up"]; hu == nil || hu["level"] != "DEBUG" {
		t.Errorf("reset record: %v", hu)
	}
}
