//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package asyncio

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
)

// Where the loop cannot watch sockets (Windows, wasm, and the Unix systems
// without a native poller: see internal/poll), streams and servers exist, so
// that programs build everywhere, but opening one fails with
// errSocketsUnsupported.

var errSocketsUnsupported = errors.New("asyncio: streams and servers are not supported on " + runtime.GOOS +
	"; they need Linux, macOS or a BSD, where the event loop can watch sockets")

func sysRead(fd int, p []byte) (int, error)         { return 0, errSocketsUnsupported }
func sysWrite(fd int, p []byte) (int, error)        { return 0, errSocketsUnsupported }
func sysClose(fd int) error                         { return errSocketsUnsupported }
func sysShutdownWrite(fd int) error                 { return errSocketsUnsupported }
func sysAccept(fd int, network string) (int, error) { return -1, errSocketsUnsupported }
func isFDExhausted(err error) bool                  { return false }
func isAddrUnavailable(err error) bool              { return false }

func sysDialTCP(ctx context.Context, ap netip.AddrPort) (int, error) {
	return -1, errSocketsUnsupported
}

func sysDialUnix(ctx context.Context, path string) (int, error) { return -1, errSocketsUnsupported }

func sysListenTCP(ap netip.AddrPort, o *ServerOptions) (int, error) {
	return -1, errSocketsUnsupported
}

func sysListenUnix(path string, o *ServerOptions) (int, error) { return -1, errSocketsUnsupported }

func sysSockName(fd int, network string, peer bool) net.Addr { return nil }
