package workers

import (
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// EnvVar is the environment variable that marks a worker process:
// "INDEX:SUPERVISOR_PID". A worker removes it from its own environment when
// the package initializes, so programs it starts are not workers.
const EnvVar = "ASYNCIO_WORKER"

// ErrCrashLoop is matched (errors.Is) by the error Main returns when workers
// were restarted more than Options.MaxRestarts times within a minute.
var ErrCrashLoop = errors.New("workers: crash loop")

// Options configures the supervisor. The zero value is ready to use.
type Options struct {
	// Grace is how long workers have to exit after SIGTERM before they get
	// SIGKILL; 0 means 10 s.
	Grace time.Duration
	// MaxRestarts is how many restarts (over all workers) the supervisor
	// allows within any one minute before it gives up with ErrCrashLoop; 0
	// means 3 per worker, and a negative value means none.
	MaxRestarts int
	// Pin runs worker i on one CPU: the i-th (modulo their number) of those
	// the supervisor may run on. Linux only: elsewhere Main returns an error.
	Pin bool
	// Logf reports what the supervisor does (a worker that exits or is
	// restarted, a shutdown, a SIGKILL); nil means log.Printf.
	Logf func(format string, args ...any)
}

func (o *Options) grace() time.Duration {
	if o.Grace <= 0 {
		return 10 * time.Second
	}
	return o.Grace
}

func (o *Options) maxRestarts(n int) int {
	switch {
	case o.MaxRestarts < 0:
		return 0
	case o.MaxRestarts == 0:
		return 3 * n
	}
	return o.MaxRestarts
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// self is this process's worker mark, read (and removed from the
// environment) once at start-up.
var self = readMark()

type mark struct {
	ok         bool
	index      int
	supervisor int // the supervisor's pid
}

func readMark() mark {
	v, ok := os.LookupEnv(EnvVar)
	if !ok {
		return mark{}
	}
	os.Unsetenv(EnvVar)
	i, p, _ := strings.Cut(v, ":")
	index, err1 := strconv.Atoi(i)
	pid, err2 := strconv.Atoi(p)
	if err1 != nil || err2 != nil || index < 0 {
		return mark{} // not ours: run as a supervisor
	}
	return mark{ok: true, index: index, supervisor: pid}
}

func (m mark) env() string { return fmt.Sprintf("%s=%d:%d", EnvVar, m.index, m.supervisor) }

// Index reports whether this process is a worker started by Main, and if so
// its index, from 0 to n-1. Restarted workers keep their index. Safe from any
// goroutine.
func Index() (index int, isWorker bool) { return self.index, self.ok }

var called atomic.Bool

// Main runs the program as n workers (n <= 0 means runtime.NumCPU()), as the
// package doc describes. In the supervisor it starts the workers, supervises
// them and returns once all have exited: nil after a shutdown by SIGINT or
// SIGTERM or when every worker has finished, an error if a worker could not be
// started or they crash in a loop. In a worker it calls fn(index) and returns
// what fn returns; the program should then exit, non-zero on an error, since
// that is how the supervisor tells a crash (restart it) from a finished
// worker.
//
// Call Main once, from the main goroutine, before starting anything the
// workers do not share: it blocks until the end. It panics if called twice or
// with a nil fn.
func Main(n int, fn func(index int) error, opts ...Options) error {
	if fn == nil {
		panic("workers: Main called with a nil function; pass the function each worker runs")
	}
	if len(opts) > 1 {
		panic(fmt.Sprintf("workers: Main called with %d Options; pass at most one", len(opts)))
	}
	if !called.CompareAndSwap(false, true) {
		panic("workers: Main called twice; call it once, from main")
	}
	if self.ok {
		if os.Getppid() != self.supervisor {
			return fmt.Errorf("workers: worker %d: its supervisor (pid %d) is gone; exiting", self.index, self.supervisor)
		}
		return fn(self.index)
	}
	var o Options
	if len(opts) == 1 {
		o = opts[0]
	}
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return supervise(n, o)
}
