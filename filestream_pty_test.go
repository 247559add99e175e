//go:build linux

package asyncio_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/asyncio-go/asyncio"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair (Linux's /dev/ptmx).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("skipped: no pseudo-terminals here: %v", err)
	}
	rc, _ := m.SyscallConn()
	var n int
	var ioErr error
	rc.Control(func(fd uintptr) {
		if ioErr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ioErr == nil {
			n, ioErr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
		}
	})
	if ioErr != nil {
		m.Close()
		t.Skipf("skipped: cannot unlock a pseudo-terminal: %v", ioErr)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("skipped: cannot open the terminal's slave side: %v", err)
	}
	return m, s
}

// A terminal as a stream: what a program writes to the terminal is read on
// the master side, and what is typed on the master reaches the program.
func TestOpenFileTerminal(t *testing.T) {
	runStreams(t, func(ctx context.Context) error {
		master, slave := openPTY(t)
		defer slave.Close()
		mr, mw, err := asyncio.OpenFile(ctx, master)
		if err != nil {
			return err
		}
		defer mw.Close()
		sr, sw, err := asyncio.OpenFile(ctx, slave)
		if err != nil {
			return err
		}
		defer sw.Close()
		sw.Write([]byte("from the program\n"))
		if line, err := mr.ReadLine(ctx); string(line) != "from the program\r\n" || err != nil {
			t.Errorf("master read %q, %v (the terminal turns \\n into \\r\\n)", line, err)
		}
		mw.Write([]byte("typed\n"))
		if line, err := sr.ReadLine(ctx); string(line) != "typed\n" || err != nil {
			t.Errorf("program read %q, %v", line, err)
		}
		return nil
	})
}
