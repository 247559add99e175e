//go:build unix && !linux

package workers

import (
	"errors"
	"os/exec"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func allowedCPUs() ([]int, error) {
	return nil, errors.New("workers: Options.Pin is supported on Linux only; leave it false here")
}

func startPinned(cmd *exec.Cmd, cpu int) error { panic("unreachable") }
