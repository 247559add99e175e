package asynchttp

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// A compressed message round-trips, and one that would inflate past
// MaxMessageBytes fails the connection with 1009 however small its frame
// (a "zip bomb"); RSV1 without the extension, or on a continuation, is a
// protocol error.
func TestDeflateMessages(t *testing.T) {
	read := func(deflate bool, frames ...[]byte) (MessageType, []byte, error) {
		ws := newWebSocket(&sliceSource{b: bytes.Join(frames, nil)}, &sinkRecorder{}, false, "", &WebSocketOptions{MaxMessageBytes: 1 << 20})
		ws.deflate = deflate
		return ws.ReadMessage(context.Background())
	}
	text := strings.Repeat("all work and no play ", 1000)
	packed := compress(nil, []byte(text))
	if len(packed) > len(text)/10 {
		t.Errorf("compressed %d bytes to %d", len(text), len(packed))
	}
	if typ, msg, err := read(true, appendFrame(nil, true, opText|rsv1, packed, true)); err != nil || typ != TextMessage || string(msg) != text {
		t.Errorf("compressed message: %v %d bytes %v", typ, len(msg), err)
	}
	half := len(packed) / 2 // fragmented: RSV1 on the first frame only
	if _, msg, err := read(true, appendFrame(nil, false, opText|rsv1, packed[:half], true), appendFrame(nil, true, opContinuation, packed[half:], true)); err != nil || string(msg) != text {
		t.Errorf("fragmented compressed message: %d bytes %v", len(msg), err)
	}
	bomb := compress(nil, make([]byte, 8<<20)) // 8 MiB of zeros in a few KiB
	var pe *ProtocolError
	if _, _, err := read(true, appendFrame(nil, true, opBinary|rsv1, bomb, true)); !errors.As(err, &pe) || pe.Code != CloseMessageTooBig {
		t.Errorf("a %d-byte frame inflating to 8 MiB: %v, want close 1009", len(bomb), err)
	}
	if _, _, err := read(true, appendFrame(nil, true, opBinary|rsv1, []byte{0xff, 0xff, 0xff}, true)); !errors.As(err, &pe) || pe.Code != CloseInvalidPayload {
		t.Errorf("a payload that is not DEFLATE: %v, want close 1007", err)
	}
	if _, _, err := read(false, appendFrame(nil, true, opText|rsv1, packed, true)); !errors.As(err, &pe) || pe.Code != CloseProtocolError {
		t.Errorf("RSV1 without the extension: %v, want close 1002", err)
	}
	if _, _, err := read(true, appendFrame(nil, false, opText|rsv1, packed[:half], true), appendFrame(nil, true, opContinuation|rsv1, packed[half:], true)); !errors.As(err, &pe) || pe.Code != CloseProtocolError {
		t.Errorf("RSV1 on a continuation: %v, want close 1002", err)
	}
}

// The negotiation: which offers a server accepts, which answers a client
// takes.
func TestDeflateNegotiation(t *testing.T) {
	for _, tc := range []struct {
		offer  string
		accept bool
	}{
		{"permessage-deflate", true},
		{"permessage-deflate; client_max_window_bits", true},
		{"permessage-deflate; server_no_context_takeover; client_max_window_bits=10", true},
		{"permessage-deflate; server_max_window_bits=10", false}, // a window compress/flate cannot promise
		{"permessage-deflate; server_max_window_bits=10, permessage-deflate", true},
		{"permessage-deflate; client_no_context_takeover; client_no_context_takeover", false},
		{"permessage-deflate; unknown_param", false},
		{"x-webkit-deflate-frame", false},
	} {
		if got := acceptDeflate(parseExtensions([]string{tc.offer})); got != tc.accept {
			t.Errorf("offer %q: accepted %v, want %v", tc.offer, got, tc.accept)
		}
	}
	for _, tc := range []struct {
		answer  string
		offered bool
		on      bool
		fail    bool
	}{
		{"", true, false, false},
		{deflateAnswer, true, true, false},
		{"permessage-deflate; server_no_context_takeover", true, true, false},
		{"permessage-deflate", true, false, true}, // it would keep its context: we asked it not to
		{"permessage-deflate; server_no_context_takeover; client_max_window_bits=9", true, false, true},
		{deflateAnswer, false, false, true}, // not offered
		{"x-other", true, false, true},
	} {
		on, err := checkDeflateAnswer([]string{tc.answer}, tc.offered)
		if tc.answer == "" {
			on, err = checkDeflateAnswer(nil, tc.offered)
		}
		if on != tc.on || (err != nil) != tc.fail {
			t.Errorf("answer %q (offered %v): on %v, err %v", tc.answer, tc.offered, on, err)
		}
	}
}
