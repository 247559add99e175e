package asyncio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// scenario is the Go port of one testdata/scenarios/NAME.py. run prints the
// same trace the script prints, to w. The goldens come only from CPython (see
// testdata/scenarios/README.md); there is deliberately no -update flag.
type scenario struct {
	run func(t *testing.T, w io.Writer)

	// knownDiff, if set, says exactly what the Go trace does differently from
	// CPython and why the difference is deliberate. The trace is then compared
	// with NAME.go.golden, written by hand from NAME.golden.
	knownDiff string

	// bug, if set, describes a suspected library bug: the trace differs from
	// CPython with no documented reason. The scenario still runs; a mismatch
	// skips it (showing the diff) and a match fails, so the mark is removed
	// once the bug is fixed.
	bug string

	// missing, if set, names the API the port needs and the package lacks;
	// the scenario is skipped without running.
	missing string
}

// TestScenarios runs every ported scenario and compares its trace with the
// golden, byte for byte.
func TestScenarios(t *testing.T) {
	dir := filepath.Join("testdata", "scenarios")
	for _, name := range slices.Sorted(maps.Keys(coreScenarios)) {
		sc := coreScenarios[name]
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, name+".py")); err != nil {
				t.Fatalf("no CPython script for this scenario: %v", err)
			}
			if sc.missing != "" {
				t.Skip("needs an API the package lacks: " + sc.missing)
			}
			golden := name + ".golden"
			if sc.knownDiff != "" {
				golden = name + ".go.golden"
				t.Log("known difference from CPython: " + sc.knownDiff)
			}
			want, err := os.ReadFile(filepath.Join(dir, golden))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			sc.run(t, &got)
			same := bytes.Equal(got.Bytes(), want)
			switch {
			case sc.bug != "" && same:
				t.Errorf("marked as a suspected bug (%s) but the trace now matches %s: remove the mark", sc.bug, golden)
			case sc.bug != "":
				t.Skipf("suspected bug: %s\ntrace differs from %s (-want +got):\n%s", sc.bug, golden, lineDiff(string(want), got.String()))
			case !same:
				t.Errorf("trace differs from %s (-want +got):\n%s", golden, lineDiff(string(want), got.String()))
			}
		})
	}
}

// runMain is asyncio.run(main()) on a fresh loop with a virtual clock. An
// error that main did not handle fails the test.
func runMain(t *testing.T, main func(ctx context.Context) error) {
	t.Helper()
	if _, err := asynciotest.Run(t, func(ctx context.Context) (any, error) { return nil, main(ctx) }); err != nil {
		t.Errorf("main failed: %v", err)
	}
}

// say writes its arguments the way Python's print does: separated by one
// space, ended by a newline, with bools as True and False.
func say(w io.Writer, args ...any) {
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case bool:
			parts[i] = "False"
			if v {
				parts[i] = "True"
			}
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	io.WriteString(w, strings.Join(parts, " ")+"\n")
}

// since is Python's f"{loop.time()-t0:.1f}".
func since(l *asyncio.Loop, t0 time.Duration) string {
	return fmt.Sprintf("%.1f", (l.Time() - t0).Seconds())
}

// seconds converts a Python delay in seconds, such as 0.3, to a Duration
// (rounded, so that 0.3 is exactly 300ms).
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// pyError stands for a Python exception raised by a script: its type name
// (ValueError, KeyError) and its first argument.
type pyError struct{ typ, msg string }

func (e *pyError) Error() string { return e.typ + ": " + e.msg }

func valueError(msg string) error { return &pyError{"ValueError", msg} }
func keyError(msg string) error   { return &pyError{"KeyError", msg} }

// excName is Python's type(e).__name__ for an error met in a scenario.
func excName(err error) string {
	var pe *pyError
	switch {
	case errors.As(err, &pe):
		return pe.typ
	case errors.Is(err, asyncio.ErrTimeout):
		return "TimeoutError"
	case isCancel(err):
		return "CancelledError"
	}
	return fmt.Sprintf("%T", err)
}

// excArg is Python's e.args[0] for a pyError.
func excArg(err error) string {
	var pe *pyError
	if errors.As(err, &pe) {
		return pe.msg
	}
	return err.Error()
}

func isCancel(err error) bool {
	var ce *asyncio.CancelledError
	return errors.As(err, &ce)
}

// cancelArgs is Python's (len(e.args), e.args[0] if e.args else "-") for a
// CancelledError: a cancel message is its only argument.
func cancelArgs(err error) (int, string) {
	var ce *asyncio.CancelledError
	if !errors.As(err, &ce) || ce.Msg == "" {
		return 0, "-"
	}
	return 1, ce.Msg
}

// lineDiff shows want and got line by line: "  " both, "- " only in want,
// "+ " only in got (a longest-common-subsequence diff).
func lineDiff(want, got string) string {
	a := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	b := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	changed := false
	for i, j := 0, 0; i < len(a) || j < len(b); {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			sb.WriteString("  " + a[i] + "\n")
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			sb.WriteString("- " + a[i] + "\n")
			i, changed = i+1, true
		default:
			sb.WriteString("+ " + b[j] + "\n")
			j, changed = j+1, true
		}
	}
	if !changed {
		sb.WriteString("(the lines are equal: only the final newline differs)\n")
	}
	return sb.String()
}
