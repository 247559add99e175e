package asyncio_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// task's coroutine must end when its loop is done with it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// trace collects lines printed by a scenario, for comparing with the order
// asyncio documents.
type trace []string

func (tr *trace) add(format string, args ...any) { *tr = append(*tr, fmt.Sprintf(format, args...)) }
func (tr trace) String() string                  { return strings.Join(tr, "\n") }

func (tr trace) expect(t *testing.T, want ...string) {
	t.Helper()
	if got := strings.Join(tr, "|"); got != strings.Join(want, "|") {
		t.Fatalf("trace:\n got  %s\n want %s", got, strings.Join(want, "|"))
	}
}

// benchLoop is a fresh loop for a benchmark: slow-step detection is off,
// since a benchmark's b.Loop often runs in one step on purpose.
func benchLoop() *asyncio.Loop {
	l := asyncio.NewEventLoop()
	l.SetSlowCallbackDuration(0)
	return l
}
