//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package poll

// New returns the best Poller for this OS. Without a native poller that is
// the Portable one: it never fails, and its Control reports ErrNotSupported.
func New() (Poller, error) {
	return NewPortable(), nil
}
