package asyncio

import "golang.org/x/sys/unix"

// pidfdOpen returns a descriptor that becomes readable when process pid
// exits (Linux 5.3+): a child's exit is then awaited like any descriptor.
func pidfdOpen(pid int) (int, error) { return unix.PidfdOpen(pid, 0) }
