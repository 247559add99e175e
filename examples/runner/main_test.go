package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// Every command's lines come out, prefixed and in their own order; failures
// are counted; at most j run at once.
func TestRun(t *testing.T) {
	var cmds []string
	for i := range 40 {
		cmds = append(cmds, fmt.Sprintf("echo %d-a; echo %d-b", i, i))
	}
	cmds = append(cmds, "echo oops >&2; exit 2")
	var out bytes.Buffer
	asyncio.NewEventLoop()
	failed, err := asyncio.Run(func(ctx context.Context) (int, error) { return Run(ctx, cmds, 4, &out) })
	if err != nil || failed != 1 {
		t.Fatalf("failed %d, %v", failed, err)
	}
	got := out.String()
	for i := range 40 {
		a, b := fmt.Sprintf("[%d] %d-a\n", i, i), fmt.Sprintf("[%d] %d-b\n", i, i)
		if ia, ib := strings.Index(got, a), strings.Index(got, b); ia < 0 || ib < ia {
			t.Fatalf("command %d's lines missing or out of order:\n%s", i, got)
		}
	}
	if !strings.Contains(got, "[40] oops\n") || !strings.Contains(got, "[40] exited with 2\n") {
		t.Errorf("the failing command:\n%s", got)
	}
}
