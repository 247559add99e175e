package poll

import "time"

// Portable is a Poller that works wherever Go runs: it waits on a channel for
// wake-ups and on a timer for timeouts, and cannot watch descriptors. The loop
// uses it where there is no native poller, and whenever no descriptor is
// watched it is as good as a native one.
type Portable struct {
	wake  chan struct{} // capacity 1: one pending wake-up at most
	timer *time.Timer   // reused across Waits; stopped when not waiting
}

var _ Poller = (*Portable)(nil)

// NewPortable returns a ready Portable poller.
func NewPortable() *Portable {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Portable{wake: make(chan struct{}, 1), timer: t}
}

// Control reports ErrNotSupported: the portable poller watches no descriptors.
func (p *Portable) Control(fd int, ev Events) error { return ErrNotSupported }

// Wait blocks until Wake or timeout.
func (p *Portable) Wait(timeout time.Duration, buf []Event) ([]Event, error) {
	buf = buf[:0]
	switch {
	case timeout == 0:
		select {
		case <-p.wake:
		default:
		}
	case timeout < 0:
		<-p.wake
	default:
		p.timer.Reset(timeout)
		select {
		case <-p.wake:
			p.timer.Stop()
		case <-p.timer.C:
		}
	}
	return buf, nil
}

// Wake makes the current or next Wait return. Safe from any goroutine.
func (p *Portable) Wake() error {
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

// Close does nothing; the portable poller holds no OS resources.
func (p *Portable) Close() error { return nil }
