// Package gid identifies the calling goroutine cheaply, for the loop's debug
// mode: "is this the loop goroutine, or the running task's?" asked at every
// await. Current returns the address of the runtime's record of the
// goroutine, read from the register or thread-local slot where the runtime
// keeps it (amd64, arm64); elsewhere it falls back to parsing the
// goroutine's number out of runtime.Stack, which is a thousand times slower.
//
// The value identifies a goroutine only while it is alive: a record is
// reused by a later goroutine after it exits. Two live goroutines never
// share one, which is all the debug checks need.
package gid

import (
	"bytes"
	"runtime"
	"strconv"
)

// slow is the portable way: the number in "goroutine 7 [running]:".
func slow() uintptr {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := bytes.Fields(buf[:n])
	if len(f) < 2 {
		return 0
	}
	id, _ := strconv.ParseUint(string(f[1]), 10, 64)
	return uintptr(id)
}
