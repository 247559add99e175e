//go:build unix

package workers

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// The supervisor is one goroutine, locked to its OS thread for as long as
// workers run: on Linux a child's death signal fires when the thread that
// started it exits, and pinning sets that thread's CPU affinity around each
// start. Everything else reaches it through channels: the signals, one
// goroutine per running worker that waits for its exit, and restart timers.

// slot is one worker index and the process currently filling it. Owned by
// the supervisor goroutine.
type slot struct {
	index   int
	cmd     *exec.Cmd // nil when no process runs
	started time.Time
	quick   int  // consecutive quick failures, for the back-off
	pending bool // a restart timer is set
	timer   *time.Timer
}

type exitEvent struct {
	slot *slot
	cmd  *exec.Cmd
	err  error // cmd.Wait's
}

type supervisor struct {
	opts     Options
	exe      string
	cpus     []int // with Pin: the CPUs to spread workers over
	slots    []*slot
	exits    chan exitEvent // one per started process
	restarts chan *slot     // from restart timers; capacity len(slots)
	limit    restartLimiter
	stopping bool             // SIGINT, SIGTERM or a crash loop: no more restarts
	graceC   <-chan time.Time // fires Grace after stopping began
	err      error            // what Main returns
}

func supervise(n int, o Options) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("workers: cannot find the program to start: %w", err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := &supervisor{opts: o, exe: exe, exits: make(chan exitEvent, n), restarts: make(chan *slot, n),
		limit: restartLimiter{max: o.maxRestarts(n)}}
	if o.Pin {
		if s.cpus, err = allowedCPUs(); err != nil {
			return err
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	for i := range n {
		s.slots = append(s.slots, &slot{index: i})
		if err := s.start(s.slots[i]); err != nil {
			s.err = err
			s.stop()
			break
		}
	}
	s.run(sigs)
	return s.err
}

// run handles events until no worker runs or is due to restart.
func (s *supervisor) run(sigs <-chan os.Signal) {
	for s.busy() {
		select {
		case sig := <-sigs:
			s.onSignal(sig)
		case e := <-s.exits:
			s.onExit(e)
		case sl := <-s.restarts:
			s.onRestart(sl)
		case <-s.graceC:
			s.opts.logf("workers: grace period of %v over; killing the workers left", s.opts.grace())
			s.signalAll(syscall.SIGKILL)
			s.graceC = nil
		}
	}
}

// busy reports whether a worker runs or will be restarted.
func (s *supervisor) busy() bool {
	for _, sl := range s.slots {
		if sl.cmd != nil || sl.pending && !s.stopping {
			return true
		}
	}
	return false
}

// start starts a process for sl, pinned if asked.
func (s *supervisor) start(sl *slot) error {
	cmd := exec.Command(s.exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), mark{index: sl.index, supervisor: os.Getpid()}.env())
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = sysProcAttr()
	var err error
	if s.cpus != nil {
		err = startPinned(cmd, s.cpus[sl.index%len(s.cpus)])
	} else {
		err = cmd.Start()
	}
	if err != nil {
		return fmt.Errorf("workers: starting worker %d: %w", sl.index, err)
	}
	sl.cmd, sl.started = cmd, time.Now()
	go func() { s.exits <- exitEvent{sl, cmd, cmd.Wait()} }()
	return nil
}

func (s *supervisor) onSignal(sig os.Signal) {
	switch {
	case sig == syscall.SIGHUP:
		s.signalAll(sig)
	case s.stopping:
		s.opts.logf("workers: %v again; killing the workers", sig)
		s.signalAll(syscall.SIGKILL)
	default:
		s.opts.logf("workers: %v; stopping the workers", sig)
		s.stop()
	}
}

// stop begins the shutdown: no more restarts, SIGTERM to every worker, and
// the grace period.
func (s *supervisor) stop() {
	if s.stopping {
		return
	}
	s.stopping = true
	for _, sl := range s.slots {
		if sl.pending {
			sl.timer.Stop() // if it fired anyway, onRestart ignores it
			sl.pending = false
		}
	}
	s.signalAll(syscall.SIGTERM)
	s.graceC = time.After(s.opts.grace())
}

func (s *supervisor) signalAll(sig os.Signal) {
	for _, sl := range s.slots {
		if sl.cmd != nil {
			sl.cmd.Process.Signal(sig) // an error means it has just exited: its exit event is on the way
		}
	}
}

func (s *supervisor) onExit(e exitEvent) {
	sl := e.slot
	sl.cmd = nil
	pid := e.cmd.Process.Pid
	switch {
	case s.stopping:
		if e.err != nil && !isTermination(e.err) {
			s.opts.logf("workers: worker %d (pid %d) exited: %v", sl.index, pid, e.err)
		}
	case e.err == nil:
		s.opts.logf("workers: worker %d (pid %d) finished", sl.index, pid) // not restarted
	default:
		s.failed(sl, fmt.Errorf("worker %d (pid %d) exited: %w", sl.index, pid, e.err), time.Since(sl.started))
	}
}

// failed schedules a restart of sl, or stops everything if that would make
// a crash loop.
func (s *supervisor) failed(sl *slot, why error, uptime time.Duration) {
	if !s.limit.allow(time.Now()) {
		s.err = fmt.Errorf("%w: more than %d restarts within %v; last: %v", ErrCrashLoop, s.limit.max, restartWindow, why)
		s.opts.logf("%v; stopping the workers", s.err) // s.err begins "workers: "
		s.stop()
		return
	}
	var d time.Duration
	d, sl.quick = backoff(sl.quick, uptime)
	s.opts.logf("workers: %v; restarting it in %v", why, d)
	sl.pending = true
	sl.timer = time.AfterFunc(d, func() { s.restarts <- sl })
}

func (s *supervisor) onRestart(sl *slot) {
	if s.stopping || !sl.pending {
		return
	}
	sl.pending = false
	if err := s.start(sl); err != nil {
		s.failed(sl, err, 0)
	}
}

// isTermination reports whether err says a process died of SIGTERM or
// SIGKILL, as it does when asked to stop.
func isTermination(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && (ws.Signal() == syscall.SIGTERM || ws.Signal() == syscall.SIGKILL)
}
