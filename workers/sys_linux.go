package workers

import (
	"fmt"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr makes a worker get SIGTERM when the supervisor's thread that
// started it dies (the supervisor keeps that thread for as long as it runs).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// allowedCPUs lists the CPUs this thread may run on, in order.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("workers: Options.Pin: reading the CPU affinity: %w", err)
	}
	var cpus []int
	for c := 0; c < len(set)*64 && len(cpus) < set.Count(); c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// startPinned starts cmd on one CPU. A new process inherits the affinity of
// the thread that forks it, so the thread (locked by the supervisor) narrows
// its own affinity to cpu around the start: every thread of the worker, from
// its first instruction, runs on cpu, and the Go runtime in it sizes
// GOMAXPROCS to 1.
func startPinned(cmd *exec.Cmd, cpu int) error {
	var old, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return err
	}
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		return fmt.Errorf("pinning to CPU %d: %w", cpu, err)
	}
	defer unix.SchedSetaffinity(0, &old)
	return cmd.Start()
}
