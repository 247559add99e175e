package asyncio

import (
	"errors"
	"os"
	ossignal "os/signal"
	"sync/atomic"
	"time"
)

// Ctrl-C under Run, as CPython 3.11's asyncio.run handles it.
//
// While Run runs, SIGINT is watched by a goroutine of its own, not by the
// loop: a program whose tasks never yield must still be stoppable. The first
// SIGINT is posted to the loop, which cancels main, so main's cleanup runs
// and Run returns main's cancellation, marked ErrInterrupted (CPython raises
// KeyboardInterrupt there). A second SIGINT, or one arriving once main is done
// (Run is cancelling the other tasks), ends the process at once, the way an
// unhandled SIGINT does.
//
// The watcher steps aside while the program handles SIGINT itself through
// AddSignalHandler (before Run or during it; it unsubscribes, so such a SIGINT
// never reaches it), and Run installs none if SIGINT is ignored (nohup), if
// RunOptions says so, or if another Run, on another goroutine, has one. Run
// removes it before returning, so SIGINT has its previous disposition again.
// A signal.Notify of the program's own, outside this package, is not seen:
// both would receive SIGINT.

// RunOptions configures Run. The zero value is asyncio.run's behaviour.
type RunOptions struct {
	// NoInterruptHandler leaves SIGINT alone: Run installs no handler, and
	// Ctrl-C keeps its disposition (Go's default ends the program at once,
	// without cleanup).
	NoInterruptHandler bool
}

func runOptions(opts []RunOptions) RunOptions {
	if len(opts) > 1 {
		misuse("%d RunOptions given; pass at most one", len(opts))
	}
	if len(opts) == 0 {
		return RunOptions{}
	}
	return opts[0]
}

// ErrInterrupted is matched (errors.Is) by the error Run returns when SIGINT
// cancelled main and main ended cancelled (CPython raises KeyboardInterrupt).
// The error also matches context.Canceled, and errors.As finds main's
// *CancelledError in it.
var ErrInterrupted = errors.New("asyncio: interrupted by SIGINT")

// interruptMsg is the reason main's CancelledError carries.
const interruptMsg = "interrupted by SIGINT (Ctrl-C); a second one ends the program at once"

type sigintError struct{ cancelled error }

func (e sigintError) Error() string {
	return "asyncio: interrupted by SIGINT: main was cancelled and ended (" + e.cancelled.Error() + ")"
}
func (e sigintError) Is(target error) bool { return target == ErrInterrupted }
func (e sigintError) Unwrap() error        { return e.cancelled }

// interruptWatcher is Run's SIGINT handler.
type interruptWatcher struct {
	loop        *Loop
	main        *task
	count       atomic.Int32   // SIGINTs acted on; the watcher goroutine's
	subscribed  bool           // guarded by signalMu: w.ch is signal.Notify'd (no AddSignalHandler has SIGINT)
	interrupted bool           // loop goroutine only: main was cancelled by SIGINT
	removed     bool           // loop goroutine only: a delivery still in the inbox is dropped
	ch          chan os.Signal // signal.Notify's
	stop        chan struct{}  // closed by finish
	exited      chan struct{}  // closed when the goroutine returns
}

// sigintWatcher is the watcher of the Run in progress, if any: one at a time.
// Guarded by signalMu.
var sigintWatcher *interruptWatcher

// watchInterrupts is Run's first step: it installs the SIGINT watcher for
// main and returns what Run defers, which removes it and marks main's
// cancellation as an interruption.
func watchInterrupts(l *Loop, main *task, opts []RunOptions) func(err *error) {
	if runOptions(opts).NoInterruptHandler || ossignal.Ignored(os.Interrupt) {
		return func(*error) {}
	}
	signalMu.Lock()
	defer signalMu.Unlock()
	if sigintWatcher != nil {
		return func(*error) {} // another goroutine's Run has it
	}
	w := &interruptWatcher{
		loop:   l,
		main:   main,
		ch:     make(chan os.Signal, 2),
		stop:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	sigintWatcher = w
	followSIGINTHandlers()
	go w.watch()
	return w.finish
}

// followSIGINTHandlers subscribes the watcher to SIGINT exactly while no
// AddSignalHandler handler has it, so that a SIGINT delivered to the
// program's handler never reaches the watcher, however late it looks. A
// delivery that raced with the change is dropped. signalMu held.
func followSIGINTHandlers() {
	w := sigintWatcher
	if w == nil {
		return
	}
	handled := false
	for key := range signalHandlers {
		handled = handled || key.sig == os.Interrupt
	}
	switch {
	case handled && w.subscribed:
		ossignal.Stop(w.ch)
		w.subscribed = false
		for drained := false; !drained; { // the goroutine may take one meanwhile: never block
			select {
			case <-w.ch:
			default:
				drained = true
			}
		}
	case !handled && !w.subscribed:
		ossignal.Notify(w.ch, os.Interrupt)
		w.subscribed = true
	}
}

// watch is the watcher's goroutine.
func (w *interruptWatcher) watch() {
	defer close(w.exited)
	for {
		select {
		case <-w.ch:
			signalMu.Lock()
			ours := w.subscribed
			signalMu.Unlock()
			if !ours {
				continue // delivered as the program's own handler came
			}
			if w.count.Add(1) > 1 {
				exitInterrupted()
			}
			w.loop.postThreadsafe(w.interrupt)
		case <-w.stop:
			return
		}
	}
}

// interrupt is the first SIGINT, on the loop.
func (w *interruptWatcher) interrupt() {
	switch {
	case w.removed:
	case w.main.Done():
		exitInterrupted() // Run is cleaning up after main: as in CPython, SIGINT is not handled then
	default:
		w.interrupted = true
		w.main.Cancel(interruptMsg)
	}
}

// finish removes the watcher and, if SIGINT cancelled main and main ended
// cancelled, marks Run's error as an interruption. Loop goroutine only.
func (w *interruptWatcher) finish(err *error) {
	signalMu.Lock()
	if w.subscribed {
		ossignal.Stop(w.ch)
		w.subscribed = false
	}
	sigintWatcher = nil
	signalMu.Unlock()
	close(w.stop)
	<-w.exited
	w.removed = true
	if w.interrupted && *err != nil && isCancelled(*err) {
		*err = sigintError{*err}
	}
}

// exitInterrupted ends the process as an unhandled SIGINT does: SIGINT's
// default disposition comes back and the signal is raised again, so the
// parent sees a death by SIGINT. Where that is impossible, it exits with
// status 130, the shell's code for it.
func exitInterrupted() {
	ossignal.Reset(os.Interrupt)
	if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(os.Interrupt) == nil {
		time.Sleep(time.Second) // the signal is on its way
	}
	os.Exit(130)
}
