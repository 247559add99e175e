//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio_test

import (
	"context"
	"os"
	"syscall"

	"github.com/asyncio-go/asyncio"
)

// A program can print its task tree on demand: here on SIGUSR1
// (kill -USR1 <pid>), to standard error.
func ExampleLoop_DumpTasksOnSignal() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		defer asyncio.GetEventLoop().DumpTasksOnSignal(os.Stderr, syscall.SIGUSR1)()
		// ... the program
		return nil, nil
	})
}
