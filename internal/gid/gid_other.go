//go:build !amd64 && !arm64

package gid

// Current returns an identity of the calling goroutine (see the package doc).
func Current() uintptr { return slow() }
