package asyncio

// Coalesced writes.
//
// StreamWriter.Write does not make a system call: it appends to the
// connection's buffer and queues the writer on the loop. Before the loop
// polls again (the last phase of an iteration), every queued writer hands
// its buffer to the kernel in one write(2). So the replies a server writes
// while it works through a batch of pipelined requests leave in one send,
// and a lone reply leaves in the same iteration as before: nothing waits for
// a timer or for the next request. Only a writer past writeHighWater writes
// at once, from Write, to keep its buffer bounded, and Drain suspends only
// then (asyncio's flow control: drain waits while the transport is paused).
//
// A flush the kernel refuses (EAGAIN) parks the writer on its descriptor:
// the writable edge queues it again (io.go's dispatchIO).

// writeHighWater is how many bytes a writer buffers before Write sends at
// once and Drain suspends until they are sent (CPython's default high-water
// mark for transports).
const writeHighWater = 64 << 10

// outFlusher is a writer with bytes for the kernel: StreamWriter, or a
// datagram endpoint later.
type outFlusher interface{ flushOut() }

// queueFlush puts w on the list the loop flushes before it next polls. The
// caller keeps a flag so that a writer is queued once.
func (l *Loop) queueFlush(w outFlusher) { l.flushq = append(l.flushq, w) }

// flushWrites is the iteration's last phase: every queued writer sends what
// it has buffered. Writers queued while it runs (none, today) wait for the
// next iteration.
func (l *Loop) flushWrites() {
	q := l.flushq
	l.flushq = l.spareFlushq[:0]
	for i, w := range q {
		w.flushOut()
		q[i] = nil
	}
	l.spareFlushq = q[:0]
}

// flushOut sends the buffered bytes without waiting. Under EAGAIN it
// registers for the writable edge; an error aborts the connection
// (StreamWriter.fail) and is kept for the next Write or Drain.
func (w *StreamWriter) flushOut() {
	w.queued = false
	s := w.s
	if s.closing || s.fd < 0 || w.err != nil {
		return // Close's own task sends what is left, or nothing can be sent
	}
	if w.off < len(w.buf) {
		n, err := sysWrite(s.fd, w.buf[w.off:])
		w.off += n
		switch {
		case err == errWouldBlock:
			w.parkOnWritable()
			return
		case err != nil:
			w.fail(err)
			return
		}
	}
	w.sent()
}

// parkOnWritable asks the loop to queue w again when its socket is writable.
func (w *StreamWriter) parkOnWritable() {
	st, err := w.s.loop.fdFor(w.s.fd, false)
	if err != nil {
		w.fail(err)
		return
	}
	st.flusher = w
	if st.writeReady { // an edge came before we asked: do not wait for another
		st.writeReady = false
		st.flusher = nil
		w.queue()
	}
}

// queue puts w on the loop's flush list once.
func (w *StreamWriter) queue() {
	if !w.queued {
		w.queued = true
		w.s.loop.queueFlush(w)
	}
}

// sent is called when the buffer is empty: it releases a large buffer and
// sends a pending end of stream.
func (w *StreamWriter) sent() {
	w.buf, w.off = w.buf[:0], 0
	if cap(w.buf) > writeBufferKeep {
		w.buf = nil
	}
	if w.eof == eofPending {
		w.eof = eofSent
		if err := sysShutdownWrite(w.s.fd); err != nil {
			w.err = w.s.opError("shutdown", err)
		}
	}
}
