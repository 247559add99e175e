//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

// New returns the best Poller for this OS: kqueue on macOS and the BSDs.
func New() (Poller, error) {
	p, err := newKqueue()
	if err != nil {
		return nil, err // not p: a nil *kqueuePoller in an interface is not nil
	}
	return p, nil
}
