//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package asyncio

import (
	"context"
	"errors"
	"net"
	"runtime"
)

// DatagramEndpoint is a UDP socket driven by the loop. This platform has no
// implementation yet: OpenDatagramEndpoint returns an error. See the unix
// version for the contract.
type DatagramEndpoint struct{}

var errDatagramUnsupported = errors.New("asyncio: datagram endpoints are not supported on " + runtime.GOOS)

// OpenDatagramEndpoint returns an error on this platform.
func OpenDatagramEndpoint(ctx context.Context, local, remote string) (*DatagramEndpoint, error) {
	currentTask(ctx, "OpenDatagramEndpoint")
	return nil, errDatagramUnsupported
}

// RecvFrom returns an error on this platform.
func (e *DatagramEndpoint) RecvFrom(ctx context.Context, buf []byte) (int, net.Addr, error) {
	return 0, nil, errDatagramUnsupported
}

// SendTo returns an error on this platform.
func (e *DatagramEndpoint) SendTo(ctx context.Context, b []byte, addr net.Addr) error {
	return errDatagramUnsupported
}

// Send returns an error on this platform.
func (e *DatagramEndpoint) Send(ctx context.Context, b []byte) error { return errDatagramUnsupported }

// LocalAddr returns nil on this platform.
func (e *DatagramEndpoint) LocalAddr() net.Addr { return nil }

// RemoteAddr returns nil on this platform.
func (e *DatagramEndpoint) RemoteAddr() net.Addr { return nil }

// Close does nothing on this platform.
func (e *DatagramEndpoint) Close() error { return nil }
