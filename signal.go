package asyncio

import (
	"errors"
	"os"
	ossignal "os/signal"
	"sync"
)

// Signal handlers sit on os/signal: one goroutine per handled signal receives
// from a signal.Notify channel and forwards each delivery to the loop through
// CallSoonThreadsafe, where the callback runs like any other. A handler does
// not count as work in progress for the virtual clock (l.external): it may
// never fire, and counting it would freeze virtual time for as long as it is
// installed.

// signalHandler forwards one signal to one loop.
type signalHandler struct {
	loop    *Loop
	cb      func()         // loop goroutine only; a second AddSignalHandler replaces it
	removed bool           // loop goroutine only: deliveries still in the inbox are dropped
	ch      chan os.Signal // signal.Notify's; capacity 1, so a burst may run cb once
	stop    chan struct{}  // closed by RemoveSignalHandler
	exited  chan struct{}  // closed when the forwarding goroutine returns
}

type signalKey struct {
	loop *Loop
	sig  os.Signal
}

// The handlers of every loop. The methods are loop goroutine only, but two
// loops may live on two goroutines, hence the lock.
var (
	signalMu       sync.Mutex
	signalHandlers map[signalKey]*signalHandler
)

// AddSignalHandler arranges for cb to run on the loop each time the process
// receives sig (loop.add_signal_handler); a second call for the same signal
// replaces the callback. The callback runs as a loop callback, so it may set
// events, create tasks and cancel them; a panic in it goes to the exception
// handler. Signals that arrive in a burst may run cb once. Handling a signal
// overrides its default action (for SIGINT, ending the program) until
// RemoveSignalHandler; for SIGINT it also overrides Run's handling (cancel
// main), as in CPython.
//
// It returns an error for a signal that cannot be caught (os.Kill). It never
// suspends. Loop goroutine only. Remove the handler before the loop closes:
// it keeps a goroutine and the signal subscription until then.
func (l *Loop) AddSignalHandler(sig os.Signal, cb func()) error {
	if l.debug {
		l.checkGoroutine("AddSignalHandler")
	}
	if sig == nil || cb == nil {
		misuse("AddSignalHandler called with a nil signal or callback; pass e.g. syscall.SIGTERM and the function to run")
	}
	if l.closed.Load() {
		misuse("AddSignalHandler on a closed event loop; use NewEventLoop or Run to get a fresh one")
	}
	if sig == os.Kill {
		return errors.New("asyncio: signal " + sig.String() + " cannot be caught")
	}
	signalMu.Lock()
	defer signalMu.Unlock()
	key := signalKey{l, sig}
	if h := signalHandlers[key]; h != nil {
		h.cb = cb
		return nil
	}
	h := &signalHandler{
		loop:   l,
		cb:     cb,
		ch:     make(chan os.Signal, 1),
		stop:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	if signalHandlers == nil {
		signalHandlers = make(map[signalKey]*signalHandler)
	}
	signalHandlers[key] = h
	ossignal.Notify(h.ch, sig)
	followSIGINTHandlers() // Run's SIGINT watcher steps aside (interrupt.go)
	go h.forward()
	return nil
}

// RemoveSignalHandler removes the handler for sig and reports whether there
// was one (loop.remove_signal_handler). When it returns, the forwarding
// goroutine has exited and cb will not run again, even for a signal that was
// already on its way; the signal's default action is back unless something
// else in the program handles it. It never suspends. Loop goroutine only.
func (l *Loop) RemoveSignalHandler(sig os.Signal) bool {
	if l.debug {
		l.checkGoroutine("RemoveSignalHandler")
	}
	signalMu.Lock()
	key := signalKey{l, sig}
	h := signalHandlers[key]
	delete(signalHandlers, key)
	followSIGINTHandlers() // before h stops: SIGINT is never left unhandled
	signalMu.Unlock()
	if h == nil {
		return false
	}
	h.shutdown()
	return true
}

// removeSignalHandlers removes every handler of l: loop.close does this in
// CPython, and Close should call it. Loop goroutine only.
func (l *Loop) removeSignalHandlers() {
	signalMu.Lock()
	var hs []*signalHandler
	for key, h := range signalHandlers {
		if key.loop == l {
			hs = append(hs, h)
			delete(signalHandlers, key)
		}
	}
	followSIGINTHandlers()
	signalMu.Unlock()
	for _, h := range hs {
		h.shutdown()
	}
}

func (h *signalHandler) shutdown() {
	ossignal.Stop(h.ch)
	close(h.stop)
	<-h.exited // prompt: the goroutine never blocks for long
	h.removed = true
}

// forward is the handler's goroutine.
func (h *signalHandler) forward() {
	defer close(h.exited)
	for {
		select {
		case <-h.ch:
			h.loop.postThreadsafe(h.run)
		case <-h.stop:
			return
		}
	}
}

// run is one delivery, on the loop.
func (h *signalHandler) run() {
	if !h.removed {
		h.cb()
	}
}
