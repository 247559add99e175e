package asyncio

import (
	"context"
)

// Recv suspends the calling task until a value can be received from ch and
// returns it, with ok false if ch is closed (v, ok := <-ch). If a value is
// ready, or ch is closed, it returns at once without suspending. Otherwise a
// helper goroutine waits on ch and the other tasks run meanwhile.
//
// It returns the CancelledError if the task is cancelled while it waits; no
// value is lost then: either the helper stops before receiving, or the value
// it received is returned and the cancellation is delivered at the task's next
// await (if the task returns first, its result stands: see park.go). Must be
// called from a task, with its ctx.
func Recv[T any](ctx context.Context, ch <-chan T) (v T, ok bool, err error) {
	t := currentTask(ctx, "Recv")
	select {
	case v, ok = <-ch:
		return v, ok, nil
	default:
	}
	w := newChanWait[T](t)
	defer w.stopHelper()
	go func() {
		select {
		case w.v, w.ok = <-ch:
			w.got = true
		case <-w.stop:
		}
		t.loop.postThreadsafe(w.finish)
	}()
	if err := t.parkCtx(ctx, w); err != nil {
		if !t.granted {
			return v, false, err
		}
		t.keepGrant() // the value was received: it cannot go back into ch
	}
	return w.v, w.ok, nil
}

// Send suspends the calling task until v is sent on ch (ch <- v). If a
// receiver is ready or ch has buffer room, it returns at once without
// suspending. Sending on a closed channel panics in the task, as ch <- v does.
//
// It returns the CancelledError if the task is cancelled while it waits; v is
// then not sent. If v was sent before the cancellation reached the helper
// goroutine, Send returns nil and the cancellation is delivered at the task's
// next await. Must be called from a task, with its ctx.
func Send[T any](ctx context.Context, ch chan<- T, v T) error {
	t := currentTask(ctx, "Send")
	select {
	case ch <- v:
		return nil
	default:
	}
	w := newChanWait[T](t)
	defer w.stopHelper()
	go func() {
		w.got, w.panicked = sendOrStop(ch, v, w.stop)
		t.loop.postThreadsafe(w.finish)
	}()
	err := t.parkCtx(ctx, w)
	if w.panicked != nil {
		panic(w.panicked)
	}
	if err != nil && t.granted {
		t.keepGrant() // v was sent: it cannot be taken back
		return nil
	}
	return err
}

func sendOrStop[T any](ch chan<- T, v T, stop <-chan struct{}) (sent bool, panicked any) {
	defer func() { panicked = recover() }()
	select {
	case ch <- v:
		return true, nil
	case <-stop:
		return false, nil
	}
}

// chanWait is a task parked in Recv or Send and the helper goroutine doing the
// channel operation for it. Cancellation is forwarded: abort tells the helper
// to stop, and the task keeps waiting for the helper's answer, which is either
// the completed operation or that it gave up.
type chanWait[T any] struct {
	t    *task
	stop chan struct{} // closed to make the helper give up

	// Written by the helper before it posts finish, read on the loop after.
	v        T
	ok       bool
	got      bool // the operation happened
	panicked any  // Send: the send panicked (closed channel) with this value

	stopped   bool  // loop goroutine only: stop is closed
	cancelled bool  // loop goroutine only: the task was cancelled while waiting
	cancelErr error // loop goroutine only: what ended the wait (a CancelledError, or a derived context's error)
}

func newChanWait[T any](t *task) *chanWait[T] {
	t.loop.external++
	return &chanWait[T]{t: t, stop: make(chan struct{})}
}

func (w *chanWait[T]) stopHelper() {
	if !w.stopped {
		w.stopped = true
		close(w.stop)
	}
}

func (w *chanWait[T]) abort(t *task) bool {
	w.cancelled = true
	w.cancelErr = t.cancelError()
	w.stopHelper()
	return false // the helper's answer decides
}

// finish runs on the loop with the helper's answer.
func (w *chanWait[T]) finish() {
	t, l := w.t, w.t.loop
	l.external--
	if t.state != stateParked || t.parkedOn != aborter(w) {
		return // killed by Close
	}
	if w.got || w.panicked != nil {
		if w.cancelled {
			t.mustCancel = true // the operation happened anyway: Recv/Send keep it (keepGrant)
		}
		l.wake(t, nil, true)
		return
	}
	l.wake(t, w.cancelErr, false)
}
