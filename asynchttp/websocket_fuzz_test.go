package asynchttp

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzWebSocketFrames decodes arbitrary bytes as a stream of frames, as
// from a client (masked) or a server: decoding must never panic, every
// error must be a protocol error or the end of the input, and every frame
// decoded must encode back to bytes that decode to the same frame. A close
// frame's body is parsed too.
func FuzzWebSocketFrames(f *testing.F) {
	f.Add(appendFrame(nil, true, opText, []byte("hello"), true), true)
	f.Add(appendFrame(nil, false, opBinary, make([]byte, 300), false), false)
	f.Add(appendFrame(nil, true, opClose, closePayload(1000, "bye"), true), true)
	f.Add(appendFrame(appendFrame(nil, true, opPing, []byte("p"), false), true, opContinuation, make([]byte, 70000), false), false)
	f.Add([]byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, data []byte, fromClient bool) {
		ctx := context.Background()
		src := &sliceSource{b: data}
		const max = 1 << 16
		for range 64 {
			fr, err := readFrame(ctx, src, fromClient, max)
			if err != nil {
				var pe *ProtocolError
				if !errors.As(err, &pe) && !errors.Is(err, errShortFrame) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			if fr.isControl() && (len(fr.payload) > maxControlPayload || !fr.fin) || len(fr.payload) > max {
				t.Fatalf("a frame breaking the rules was accepted: %+v", fr)
			}
			if fr.op == opClose {
				if code, reason, err := parseClose(fr.payload); err == nil && code != CloseNoStatus && !bytes.Equal(closePayload(code, reason), fr.payload) {
					t.Fatalf("close body %q parsed as %d %q", fr.payload, code, reason)
				}
			}
			enc := appendFrame(nil, fr.fin, fr.op, fr.payload, fromClient)
			back, err := readFrame(ctx, &sliceSource{b: enc}, fromClient, max)
			if err != nil || back.fin != fr.fin || back.op != fr.op || !bytes.Equal(back.payload, fr.payload) {
				t.Fatalf("round trip of %+v: %+v, %v", fr, back, err)
			}
		}
	})
}

// sinkRecorder is a frameSink that keeps what is written.
type sinkRecorder struct {
	out    []byte
	closed bool
}

func (s *sinkRecorder) Write(b []byte) error {
	if s.closed {
		return errors.New("write after close")
	}
	s.out = append(s.out, b...)
	return nil
}
func (s *sinkRecorder) Drain(context.Context) error      { return nil }
func (s *sinkRecorder) Close() error                     { s.closed = true; return nil }
func (s *sinkRecorder) WaitClosed(context.Context) error { return nil }

// FuzzWebSocketMessages feeds arbitrary bytes to a server-side ReadMessage
// (fragments, control frames, UTF-8, close): no panic; every message is
// within the limit and a text one is UTF-8; the connection ends closed with
// the right answer written: a close frame with the ProtocolError's code,
// or the peer's close echoed.
func FuzzWebSocketMessages(f *testing.F) {
	mask := func(fin bool, op byte, p string) []byte { return appendFrame(nil, fin, op, []byte(p), true) }
	f.Add(bytes.Join([][]byte{mask(false, opText, "hel"), mask(true, opPing, "x"), mask(true, opContinuation, "lo"), mask(true, opClose, "\x03\xe8")}, nil))
	f.Add(bytes.Join([][]byte{mask(true, opBinary, "\xff\x00"), mask(true, opText, "\xff")}, nil))
	f.Add(bytes.Join([][]byte{mask(false, opBinary, "0123456789"), mask(true, opContinuation, "0123456789")}, nil))
	f.Add(bytes.Join([][]byte{appendFrame(nil, true, opText|rsv1, compress(nil, []byte("squeezed")), true), mask(true, opClose, "\x03\xe8")}, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, deflate := range []bool{false, true} { // as negotiated, or not
			sink := &sinkRecorder{}
			ws := newWebSocket(&sliceSource{b: data}, sink, false, "", &WebSocketOptions{MaxMessageBytes: 16})
			ws.deflate = deflate
			ctx := context.Background()
			for range 64 {
				typ, msg, err := ws.ReadMessage(ctx)
				if err != nil {
					checkEnd(t, ws, sink, err)
					break
				}
				if len(msg) > 16 || typ == TextMessage && !utf8.Valid(msg) || typ != TextMessage && typ != BinaryMessage {
					t.Fatalf("ReadMessage gave %v %q", typ, msg)
				}
			}
		}
	})
}

// checkEnd checks how a fuzzed connection ended: closed, with the last
// frame written a close carrying the right code.
func checkEnd(t *testing.T, ws *WebSocket, sink *sinkRecorder, err error) {
	if !sink.closed {
		t.Fatalf("ReadMessage failed (%v) without closing the connection", err)
	}
	var last frame
	for src := (&sliceSource{b: sink.out}); ; {
		f, ferr := readFrame(context.Background(), src, false, 1<<20)
		if ferr != nil {
			break
		}
		last = f
	}
	var pe *ProtocolError
	var ce *CloseError
	switch {
	case errors.As(err, &pe):
		if code, _, cerr := parseClose(last.payload); last.op != opClose || cerr != nil || code != pe.Code {
			t.Fatalf("failed with %v but the last frame written is %+v", err, last)
		}
	case errors.As(err, &ce) && ce.Code != CloseAbnormal:
		if code, _, _ := parseClose(last.payload); last.op != opClose || code != ce.Code {
			t.Fatalf("peer closed with %d but the reply is %+v", ce.Code, last)
		}
	}
}
