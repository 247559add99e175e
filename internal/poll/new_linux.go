package poll

// New returns the best Poller for this OS: epoll on Linux.
func New() (Poller, error) {
	p, err := newEpoll()
	if err != nil {
		return nil, err // not p: a nil *epollPoller in an interface is not nil
	}
	return p, nil
}
