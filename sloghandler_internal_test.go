package asyncio

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
)

// The default handler stays quiet about a peer's reset, and still reports
// other errors.
func TestDefaultHandlerIgnoresPeerReset(t *testing.T) {
	l := NewEventLoop()
	defer l.Close()
	var out bytes.Buffer
	l.errOut = &out
	l.DefaultExceptionHandler(ExceptionContext{Message: "conn", Err: &net.OpError{Op: "write", Err: syscall.EPIPE}})
	if out.Len() != 0 {
		t.Errorf("a peer reset was reported: %s", out.String())
	}
	l.DefaultExceptionHandler(ExceptionContext{Message: "conn", Err: errors.New("disk full")})
	if !strings.Contains(out.String(), "disk full") {
		t.Errorf("a real error was not reported: %q", out.String())
	}
}
