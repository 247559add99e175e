//go:build unix

// Package exampletest runs the example commands as processes, for the tests
// that check how they end on a signal.
package exampletest

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SafetyTimeout bounds every wait on a process: a test fails after it only
// if the process hangs; no behaviour depends on it.
const SafetyTimeout = time.Minute

// sigintIgnored is read before any test subscribes to SIGINT: a process
// started in the background by a shell ignores SIGINT, and so would the
// example it starts.
var sigintIgnored = signal.Ignored(os.Interrupt)

// Process is a running example.
type Process struct {
	cmd    *exec.Cmd
	lines  chan string // its stdout, line by line; closed at EOF
	exited chan error  // cmd.Wait's result
	Output []string    // every line read so far
}

// Build compiles the package in the current directory (the example's) and
// returns the binary's path. It skips the test without a go tool, or if
// SIGINT is ignored in this process.
func Build(t *testing.T) string {
	t.Helper()
	if sigintIgnored {
		t.Skip("SIGINT is ignored in this process (started in the background?), and would be in the example")
	}
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gotool); err != nil {
		if gotool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go tool to build the example")
		}
	}
	bin := filepath.Join(t.TempDir(), "example")
	if out, err := exec.Command(gotool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Start runs bin with args; the process is killed when the test ends.
func Start(t *testing.T, bin string, args ...string) *Process {
	t.Helper()
	p := &Process{cmd: exec.Command(bin, args...), lines: make(chan string, 64), exited: make(chan error, 1)}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// Line waits for the next line of output that starts with prefix, skipping
// others, and returns it.
func (p *Process) Line(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(SafetyTimeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("output ended without a line starting with %q; got %q", prefix, p.Output)
			}
			p.Output = append(p.Output, line)
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line starting with %q; got %q", prefix, p.Output)
		}
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// Wait waits for the process to exit, reads the rest of its output, and
// returns its exit error (nil for status 0).
func (p *Process) Wait(t *testing.T) error {
	t.Helper()
	timeout := time.After(SafetyTimeout)
	for {
		select {
		case line, ok := <-p.lines:
			if ok {
				p.Output = append(p.Output, line)
			}
			if !ok {
				p.lines = nil
			}
		case err := <-p.exited:
			return err
		case <-timeout:
			t.Fatalf("the process did not exit; output so far: %q", p.Output)
		}
	}
}

// Signals are the two that should end a server promptly.
var Signals = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}

// ExitedCleanly reports whether err is a clean exit.
func ExitedCleanly(err error) bool {
	var ee *exec.ExitError
	return err == nil || (errors.As(err, &ee) && ee.ExitCode() == 0)
}
