//go:build !linux

package asyncio

import "errors"

// pidfdOpen is Linux's; elsewhere a child's exit is awaited on the ToThread
// pool.
func pidfdOpen(pid int) (int, error) { return -1, errors.New("no pidfd on this platform") }
