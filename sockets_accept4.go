//go:build linux || freebsd || dragonfly

package asyncio

import (
	"os"

	"golang.org/x/sys/unix"
)

// On systems with SOCK_NONBLOCK|SOCK_CLOEXEC and accept4, a socket is born
// non-blocking and close-on-exec in one system call.

func newSocket(family, sotype int) (int, error) {
	fd, err := unix.Socket(family, sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

func acceptSocket(fd int) (int, error) {
	nfd, _, err := unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	return nfd, err
}
