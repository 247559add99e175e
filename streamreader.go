package asyncio

import (
	"bytes"
	"context"
	"io"
)

// StreamReader reads from a connection (asyncio.StreamReader). It is made by
// OpenConnection, OpenUnixConnection and the servers, together with the
// StreamWriter of the same connection.
//
// The read methods suspend the calling task only when the bytes buffered so
// far cannot answer them, and only then can they return the CancelledError
// (or ErrTimeout under a Timeout); an interrupted read loses nothing, since
// what has arrived stays buffered. One task reads a stream at a time: a second
// read while one is suspended panics, as CPython raises RuntimeError. Bytes
// that arrived before a connection error are returned before the error. Every
// method is loop goroutine only, and the ones with a ctx must be called from a
// task with its ctx.
type StreamReader struct {
	s     *sock      // nil only in tests that drive the parsing steps directly
	buf   readBuffer // received and not yet returned
	limit int        // see SetLimit
	eof   bool       // the peer has finished sending: nothing follows buf
	err   error      // the connection error a read met; sticky
	busy  string     // the read in progress ("" if none): one reader at a time
}

// SetLimit sets how many bytes ReadLine and ReadUntil may buffer before the
// separator (the limit argument of open_connection); n <= 0 means
// DefaultLimit. Loop goroutine only.
func (r *StreamReader) SetLimit(n int) {
	if n <= 0 {
		n = DefaultLimit
	}
	r.limit = n
}

// Limit returns the limit set with SetLimit.
func (r *StreamReader) Limit() int { return r.limit }

// AtEOF reports whether the peer has finished sending and every byte has been
// read (reader.at_eof()). It never suspends. Loop goroutine only.
func (r *StreamReader) AtEOF() bool { return r.eof && r.buf.len() == 0 }

// Buffered returns the number of bytes received and not yet read: what the
// read methods can return without suspending. A protocol server uses it to
// tell whether more pipelined requests are already waiting. It never
// suspends. Loop goroutine only.
func (r *StreamReader) Buffered() int { return r.buf.len() }

// Peek returns up to n of the buffered bytes without consuming them (fewer
// if fewer are buffered; none if n <= 0). It never suspends and never reads
// from the socket. The slice is the reader's own: it is valid until the next
// read, and must not be modified. Loop goroutine only.
func (r *StreamReader) Peek(n int) []byte {
	b := r.buf.bytes()
	return b[:max(min(n, len(b)), 0):max(min(n, len(b)), 0)]
}

// Read returns up to n bytes (reader.read(n)). With buffered bytes it returns
// them at once, without suspending; otherwise it suspends until some arrive.
// At the end of the stream it returns io.EOF (CPython returns b"").
//
// With n < 0 it reads until the end of the stream and returns everything,
// with a nil error, like io.ReadAll. With n == 0 it returns an empty slice at
// once. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) Read(ctx context.Context, n int) ([]byte, error) {
	if n == 0 {
		return []byte{}, nil
	}
	return r.run(ctx, "Read", func() ([]byte, bool, error) { return r.stepRead(n) })
}

// ReadExactly returns exactly n bytes (reader.readexactly(n)), suspending
// until they have all arrived. If the stream ends first it returns an
// *IncompleteReadError, which matches io.ErrUnexpectedEOF and holds the
// partial bytes. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) ReadExactly(ctx context.Context, n int) ([]byte, error) {
	if n < 0 {
		misuse("StreamReader.ReadExactly called with n = %d; n must not be negative", n)
	}
	return r.run(ctx, "ReadExactly", func() ([]byte, bool, error) { return r.stepExactly(n) })
}

// ReadLine returns the next line, including its "\n" (reader.readline()).
// At the end of the stream it returns the last bytes without "\n" if there
// are any, then io.EOF. A line longer than the limit yields a
// *LimitOverrunError, and, as in CPython, the line's buffered bytes are
// discarded (up to and including its "\n" if it has arrived), so the stream
// stays usable. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) ReadLine(ctx context.Context) ([]byte, error) {
	offset := 0
	return r.run(ctx, "ReadLine", func() ([]byte, bool, error) { return r.stepLine(&offset) })
}

// ReadUntil returns the bytes up to and including sep (reader.readuntil).
// If the stream ends first it returns an *IncompleteReadError holding what
// was left (consumed). If more than the limit of bytes would come before sep,
// it returns a *LimitOverrunError and, as in CPython, leaves the bytes
// buffered: read them with Read, or raise the limit and try again. Loop
// goroutine only, from a task with its ctx.
func (r *StreamReader) ReadUntil(ctx context.Context, sep []byte) ([]byte, error) {
	if len(sep) == 0 {
		misuse("StreamReader.ReadUntil called with an empty separator; pass at least one byte")
	}
	offset := 0
	return r.run(ctx, "ReadUntil", func() ([]byte, bool, error) { return r.stepUntil(sep, &offset) })
}

// ReadInto reads up to len(p) bytes into p (MicroPython's readinto) and
// returns how many. It copies buffered bytes without suspending; with none
// buffered it reads from the socket straight into p, suspending until some
// arrive. At the end of the stream it returns 0, io.EOF. It allocates
// nothing. Loop goroutine only, from a task with its ctx.
func (r *StreamReader) ReadInto(ctx context.Context, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.enter("ReadInto")
	defer r.exit()
	switch {
	case r.buf.len() > 0:
		n := copy(p, r.buf.bytes())
		r.buf.consume(n)
		return n, nil
	case r.eof:
		return 0, io.EOF
	case r.err != nil:
		return 0, r.err
	}
	n, err := r.readSome(ctx, p)
	if n == 0 && err == nil && r.eof {
		return 0, io.EOF
	}
	return n, err
}

// run is the loop every read method shares: step; if the step needs more
// bytes, fill once and step again.
func (r *StreamReader) run(ctx context.Context, op string, step func() ([]byte, bool, error)) ([]byte, error) {
	r.enter(op)
	defer r.exit()
	for {
		data, more, err := step()
		if !more {
			return data, err
		}
		if err := r.fill(ctx); err != nil {
			return nil, err
		}
	}
}

func (r *StreamReader) enter(op string) {
	if r.busy != "" {
		misuse("StreamReader.%s called while another task is in StreamReader.%s on the same stream; "+
			"only one task may read a stream at a time", op, r.busy)
	}
	r.busy = op
}

func (r *StreamReader) exit() { r.busy = "" }

// fill reads once from the connection into the buffer, suspending until
// something arrives.
func (r *StreamReader) fill(ctx context.Context) error {
	if r.err != nil {
		return r.err
	}
	n, err := r.readSome(ctx, r.buf.free())
	r.buf.commit(n)
	return err
}

// readSome reads into p and records the end of the stream (returning 0, nil)
// and connection errors (sticky; an interrupted wait is not).
func (r *StreamReader) readSome(ctx context.Context, p []byte) (int, error) {
	n, err := r.s.read(ctx, p)
	switch {
	case err == io.EOF:
		r.eof, err = true, nil
	case err != nil && !isInterruption(err):
		r.err = err
	}
	return n, err
}

// The parsing steps. Each looks only at the buffer, the EOF flag and the
// limit, never suspends, and returns more = true when it needs another fill.

func (r *StreamReader) stepRead(n int) ([]byte, bool, error) {
	avail := r.buf.len()
	switch {
	case n < 0 && r.eof:
		return r.buf.take(avail), false, nil
	case n < 0:
		return nil, true, nil
	case avail > 0:
		return r.buf.take(min(n, avail)), false, nil
	case r.eof:
		return nil, false, io.EOF
	}
	return nil, true, nil
}

func (r *StreamReader) stepExactly(n int) ([]byte, bool, error) {
	avail := r.buf.len()
	switch {
	case avail >= n:
		return r.buf.take(n), false, nil
	case r.eof:
		return nil, false, &IncompleteReadError{Partial: r.buf.take(avail), Expected: n}
	}
	return nil, true, nil
}

// stepUntil is CPython's readuntil. offset is where the search resumes: bytes
// before it were searched already and hold no separator.
func (r *StreamReader) stepUntil(sep []byte, offset *int) ([]byte, bool, error) {
	data := r.buf.bytes()
	if len(data)-*offset >= len(sep) {
		isep := bytes.Index(data[*offset:], sep)
		if isep >= 0 {
			isep += *offset
			if isep > r.limit {
				return nil, false, &LimitOverrunError{Found: true, Consumed: isep, Limit: r.limit}
			}
			return r.buf.take(isep + len(sep)), false, nil
		}
		*offset = len(data) + 1 - len(sep)
		if *offset > r.limit {
			return nil, false, &LimitOverrunError{Consumed: *offset, Limit: r.limit}
		}
	}
	if r.eof {
		return nil, false, &IncompleteReadError{Partial: r.buf.take(len(data)), Expected: -1}
	}
	return nil, true, nil
}

var newline = []byte{'\n'}

// stepLine is CPython's readline: readuntil("\n"), with the end of the
// stream giving the partial line and an overrun discarding the line.
func (r *StreamReader) stepLine(offset *int) ([]byte, bool, error) {
	line, more, err := r.stepUntil(newline, offset)
	switch e := err.(type) {
	case *IncompleteReadError:
		if len(e.Partial) == 0 {
			return nil, false, io.EOF
		}
		return e.Partial, false, nil
	case *LimitOverrunError:
		if rest := r.buf.bytes()[e.Consumed:]; len(rest) > 0 && rest[0] == '\n' {
			r.buf.consume(e.Consumed + 1)
		} else {
			r.buf.consume(r.buf.len())
		}
	}
	return line, more, err
}

// readBuffer holds the bytes received and not yet returned: data[start:end].
// The slice is allocated on the first fill and reused; it grows only when a
// line needs it and is released when a large one empties.
type readBuffer struct {
	data       []byte
	start, end int
}

func (b *readBuffer) len() int      { return b.end - b.start }
func (b *readBuffer) bytes() []byte { return b.data[b.start:b.end] }

// take returns a copy of the first n buffered bytes and consumes them.
func (b *readBuffer) take(n int) []byte {
	p := make([]byte, n)
	copy(p, b.data[b.start:])
	b.consume(n)
	return p
}

func (b *readBuffer) consume(n int) {
	b.start += n
	if b.start == b.end {
		b.start, b.end = 0, 0
		if cap(b.data) > readBufferKeep {
			b.data = nil
		}
	}
}

// free returns the space after the buffered bytes, making room first if
// there is less than readRoomMin: moving the bytes down if that frees at
// least half, else doubling.
func (b *readBuffer) free() []byte {
	switch {
	case b.data == nil:
		b.data = make([]byte, readBufferMin)
	case len(b.data)-b.end >= readRoomMin:
	case b.len() <= len(b.data)/2:
		b.end = copy(b.data, b.bytes())
		b.start = 0
	default:
		grown := make([]byte, 2*len(b.data))
		b.end = copy(grown, b.bytes())
		b.start, b.data = 0, grown
	}
	return b.data[b.end:]
}

func (b *readBuffer) commit(n int) { b.end += n }

// feed appends p, as fills would: for tests.
func (b *readBuffer) feed(p []byte) {
	for len(p) > 0 {
		n := copy(b.free(), p)
		b.commit(n)
		p = p[n:]
	}
}
