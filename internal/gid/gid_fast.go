//go:build amd64 || arm64

package gid

// getg returns the current goroutine's runtime record (gid_amd64.s, gid_arm64.s).
func getg() uintptr

// Current returns an identity of the calling goroutine (see the package doc).
func Current() uintptr { return getg() }
