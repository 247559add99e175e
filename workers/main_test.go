package workers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/workers"
)

// The tests run the test binary itself as a supervisor (TestMain below, with
// WORKERS_TEST_ROLE set), which re-executes itself again as the workers: the
// same program in both roles, as in real use.

func TestMain(m *testing.M) {
	if role := os.Getenv("WORKERS_TEST_ROLE"); role != "" {
		os.Exit(runRole(role))
	}
	os.Exit(m.Run())
}

// runRole is main() of a test program: the supervisor, and in each worker
// the role's function. Exit status 3 means a crash loop.
func runRole(role string) int {
	fns := map[string]func(int) error{
		"serve":  serve,
		"crash":  func(int) error { return errors.New("crashing on purpose") },
		"finish": func(int) error { return nil },
	}
	n, _ := strconv.Atoi(os.Getenv("WORKERS_TEST_N"))
	var opts workers.Options
	opts.Pin = os.Getenv("WORKERS_TEST_PIN") != ""
	opts.Grace, _ = time.ParseDuration(os.Getenv("WORKERS_TEST_GRACE"))
	opts.MaxRestarts, _ = strconv.Atoi(os.Getenv("WORKERS_TEST_MAX_RESTARTS"))
	err := workers.Main(n, fns[role], opts)
	switch {
	case errors.Is(err, workers.ErrCrashLoop):
		fmt.Fprintln(os.Stderr, "supervisor:", err)
		return 3
	case err != nil:
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// serve is a worker that answers each connection on the shared port with
// one line, "index pid hups gomaxprocs cpus", and closes it. SIGTERM and
// SIGINT close the server (WORKERS_TEST_IGNORE_TERM: SIGTERM does nothing);
// SIGHUP is counted.
func serve(index int) error {
	port, _ := strconv.Atoi(os.Getenv("WORKERS_TEST_PORT"))
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		hups := 0 // loop-owned: no mutex
		answer := func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			w.Write(fmt.Appendf(nil, "%d %d %d %d %s\n", index, os.Getpid(), hups, runtime.GOMAXPROCS(0), affinity()))
			return w.Drain(ctx)
		}
		srv, err := asyncio.StartServer(ctx, answer, "127.0.0.1", port, asyncio.ServerOptions{ReusePort: true})
		if err != nil {
			return nil, err
		}
		l := asyncio.GetEventLoop()
		l.AddSignalHandler(syscall.SIGHUP, func() { hups++ })
		l.AddSignalHandler(os.Interrupt, srv.Close)
		if os.Getenv("WORKERS_TEST_IGNORE_TERM") != "" {
			l.AddSignalHandler(syscall.SIGTERM, func() {})
		} else {
			l.AddSignalHandler(syscall.SIGTERM, srv.Close)
		}
		return nil, srv.WaitClosed(ctx)
	})
	return err
}

func TestMainPanicsOnNil(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("no panic")
		}
	}()
	workers.Main(2, nil)
}

func TestIndexInTheTestProcess(t *testing.T) {
	if i, ok := workers.Index(); ok || i != 0 {
		t.Fatalf("Index() = %d, %v in a process that is no worker", i, ok)
	}
}
