package asyncio

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// The reader's parsing steps (stepLine, stepUntil) are fuzzed without
// sockets: arbitrary bytes, cut into arbitrary chunks, are fed into the
// buffer whenever a step asks for more, and the results are compared with a
// model that sees all the bytes at once. Chunking must not change any result:
// what comes back, which error, or where the stream stands afterwards. After
// a LimitOverrunError the comparison stops, since what CPython (and this
// reader) discards then depends on what happened to be buffered.

// chunked replays data in pieces whose lengths come from cuts.
type chunked struct {
	data []byte
	cuts []byte
}

func (c *chunked) next() ([]byte, bool) {
	if len(c.data) == 0 {
		return nil, false
	}
	n := len(c.data)
	if len(c.cuts) > 0 {
		n = min(n, int(c.cuts[0])+1)
		c.cuts = c.cuts[1:]
	}
	p := c.data[:n]
	c.data = c.data[n:]
	return p, true
}

// drive runs step until it stops asking for more, feeding chunks, then EOF.
func drive(r *StreamReader, src *chunked, step func() ([]byte, bool, error)) ([]byte, error) {
	for {
		got, more, err := step()
		if !more {
			return got, err
		}
		if p, ok := src.next(); ok {
			r.buf.feed(p)
		} else {
			r.eof = true
		}
	}
}

// modelUntil is ReadUntil on the whole remaining input: the result, the
// error kind ("", "overrun", "incomplete", "eof"), and how much it consumes.
func modelUntil(rest, sep []byte, limit int) (want []byte, kind string, consumed int) {
	i := bytes.Index(rest, sep)
	switch {
	case i > limit:
		return nil, "overrun", 0
	case i >= 0:
		return rest[:i+len(sep)], "", i + len(sep)
	case len(rest) >= len(sep) && len(rest)+1-len(sep) > limit:
		return nil, "overrun", 0
	}
	return rest, "incomplete", len(rest)
}

func errKind(err error) string {
	var le *LimitOverrunError
	var ie *IncompleteReadError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &le):
		return "overrun"
	case errors.As(err, &ie):
		return "incomplete"
	case err == io.EOF:
		return "eof"
	}
	return err.Error()
}

func FuzzReadUntil(f *testing.F) {
	f.Add([]byte("a--b--c"), []byte("--"), []byte{0, 2, 1}, uint8(8))
	f.Add([]byte("xxxxxxxxxxxxxxxxxxxxxxxx|y"), []byte("|"), []byte{5}, uint8(4))
	f.Add([]byte("abababab"), []byte("aba"), []byte{0, 0, 0}, uint8(3))
	f.Add([]byte("no separator here"), []byte("\r\n"), []byte{}, uint8(40))
	f.Add(bytes.Repeat([]byte("0123456789"), 1000), []byte("89\n"), []byte{255, 7}, uint8(200))
	f.Fuzz(func(t *testing.T, data, sep, cuts []byte, limit uint8) {
		if len(sep) == 0 || len(sep) > 4 {
			return
		}
		lim := int(limit) + 1
		r := &StreamReader{limit: lim}
		src := &chunked{data, cuts}
		for pos := 0; ; {
			want, kind, consumed := modelUntil(data[pos:], sep, lim)
			offset := 0
			got, err := drive(r, src, func() ([]byte, bool, error) { return r.stepUntil(sep, &offset) })
			if errKind(err) != kind {
				t.Fatalf("at %d: error %v, model says %q", pos, err, kind)
			}
			var ie *IncompleteReadError
			if errors.As(err, &ie) {
				got = ie.Partial
			}
			if kind != "overrun" && !bytes.Equal(got, want) {
				t.Fatalf("at %d: got %q, model says %q", pos, got, want)
			}
			if kind != "" {
				return
			}
			pos += consumed
		}
	})
}

func FuzzReadLine(f *testing.F) {
	f.Add([]byte("hello\nworld\n"), []byte{3, 1, 7}, uint8(8))
	f.Add([]byte("no newline at the end"), []byte{0}, uint8(64))
	f.Add([]byte("\n\n\n"), []byte{0, 0}, uint8(1))
	f.Add([]byte("exactly8\nlonger line\n"), []byte{}, uint8(7))
	f.Add(bytes.Repeat([]byte("line\n"), 2000), []byte{200, 13, 255}, uint8(5))
	f.Fuzz(func(t *testing.T, data, cuts []byte, limit uint8) {
		lim := int(limit) + 1
		r := &StreamReader{limit: lim}
		src := &chunked{data, cuts}
		for pos := 0; ; {
			want, kind, consumed := modelUntil(data[pos:], newline, lim)
			if kind == "incomplete" {
				kind = "" // ReadLine returns the last, unterminated line
				if len(want) == 0 {
					kind = "eof"
				}
			}
			offset := 0
			got, err := drive(r, src, func() ([]byte, bool, error) { return r.stepLine(&offset) })
			if errKind(err) != kind {
				t.Fatalf("at %d: error %v, model says %q", pos, err, kind)
			}
			if kind == "" && !bytes.Equal(got, want) {
				t.Fatalf("at %d: got %q, model says %q", pos, got, want)
			}
			if kind != "" {
				if kind == "eof" && !(r.eof && r.buf.len() == 0) {
					t.Fatalf("io.EOF with %d bytes buffered", r.buf.len())
				}
				return
			}
			pos += consumed
		}
	})
}

// ReadExactly against the same chunking: every n bytes in turn, then the
// partial tail.
func FuzzReadExactly(f *testing.F) {
	f.Add([]byte("0123456789"), []byte{2, 0, 5}, uint8(3))
	f.Add(bytes.Repeat([]byte("z"), 9000), []byte{255, 255}, uint8(200))
	f.Fuzz(func(t *testing.T, data, cuts []byte, size uint8) {
		n := int(size)
		r := &StreamReader{limit: DefaultLimit}
		src := &chunked{data, cuts}
		for pos := 0; ; pos += n {
			got, err := drive(r, src, func() ([]byte, bool, error) { return r.stepExactly(n) })
			if rest := data[pos:]; len(rest) < n {
				var ie *IncompleteReadError
				if !errors.As(err, &ie) || !bytes.Equal(ie.Partial, rest) || ie.Expected != n {
					t.Fatalf("at %d: %v, want IncompleteReadError with %q", pos, err, rest)
				}
				return
			}
			if err != nil || !bytes.Equal(got, data[pos:pos+n]) {
				t.Fatalf("at %d: %q, %v", pos, got, err)
			}
			if n == 0 {
				return
			}
		}
	})
}
