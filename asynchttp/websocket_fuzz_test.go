package asynchttp

import (
	"bytes"
	"context"
	"errors"
	"testing"
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
