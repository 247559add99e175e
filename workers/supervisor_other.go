//go:build !unix

package workers

import (
	"fmt"
	"runtime"
)

func supervise(n int, o Options) error {
	return fmt.Errorf("workers: worker processes need a Unix system, not %s; call the worker function directly", runtime.GOOS)
}
