package asynchttp_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
)

// These tests speak the protocol by hand over a plain net.Conn, so they can
// send what our client never would.

const testKey = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455's example key

func handshake(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
}

// rawFrame encodes a frame; first is byte 0 (FIN, RSV, opcode) as given.
func rawFrame(first byte, payload []byte, mask bool) []byte {
	b := []byte{first, 0}
	switch n := len(payload); {
	case n <= 125:
		b[1] = byte(n)
	case n <= 0xFFFF:
		b[1] = 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] = 127
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !mask {
		return append(b, payload...)
	}
	b[1] |= 0x80
	key := []byte{0x12, 0x34, 0x56, 0x78}
	b = append(b, key...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

const fin = 0x80

func closeBody(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// rawWebSocket connects, sends the handshake followed at once by first (so the
// server finds frames already read past the request head), and checks the 101.
func rawWebSocket(t *testing.T, base string, first []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second)) // a guard: a hang fails, not blocks
	c.Write(append([]byte(handshake("/")), first...))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake: %d, accept %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	return c, br
}

// readRaw reads one server frame: byte 0 and the payload; the server never masks.
func readRaw(t *testing.T, br *bufio.Reader) (byte, []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatalf("reading a frame: %v", err)
	}
	if h[1]&0x80 != 0 {
		t.Fatal("the server masked a frame")
	}
	n := int(h[1] & 0x7F)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		t.Fatalf("reading a payload: %v", err)
	}
	return h[0], p
}

// Fragments with a ping between them, all sent with the handshake: the pong
// comes first, then the joined message; then a clean close.
func TestWebSocketRawFragments(t *testing.T) {
	serve(t, echoWS(nil, nil), func(base string) {
		frames := append(rawFrame(0x1, []byte("hel"), true), rawFrame(fin|0x9, []byte("are you there"), true)...)
		frames = append(frames, rawFrame(0x0, []byte("lo, "), true)...)
		frames = append(frames, rawFrame(fin|0x0, []byte("wörld"), true)...)
		c, br := rawWebSocket(t, base, frames)
		defer c.Close()
		if op, p := readRaw(t, br); op != fin|0xA || string(p) != "are you there" {
			t.Errorf("want the pong first: %#x %q", op, p)
		}
		if op, p := readRaw(t, br); op != fin|0x1 || string(p) != "hello, wörld" {
			t.Errorf("want the joined text: %#x %q", op, p)
		}
		c.Write(rawFrame(fin|0x8, closeBody(1000, "ok"), true))
		if op, p := readRaw(t, br); op != fin|0x8 || string(p) != string(closeBody(1000, "")) {
			t.Errorf("want the echoed close 1000: %#x %q", op, p)
		}
		if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("after the close handshake the server should close: %d %v", n, err)
		}
	})
}

// What a client must not send fails the connection with the right code.
func TestWebSocketProtocolErrors(t *testing.T) {
	cases := []struct {
		name   string
		frames []byte
		code   int
	}{
		{"unmasked", rawFrame(fin|0x1, []byte("hi"), false), 1002},
		{"reserved bit", rawFrame(fin|0x40|0x1, []byte("hi"), true), 1002},
		{"reserved data opcode", rawFrame(fin|0x3, nil, true), 1002},
		{"reserved control opcode", rawFrame(fin|0xB, nil, true), 1002},
		{"long ping", rawFrame(fin|0x9, make([]byte, 126), true), 1002},
		{"fragmented ping", rawFrame(0x9, []byte("x"), true), 1002},
		{"continuation first", rawFrame(fin|0x0, []byte("x"), true), 1002},
		{"new message mid-fragments", append(rawFrame(0x1, []byte("a"), true), rawFrame(fin|0x2, []byte("b"), true)...), 1002},
		{"invalid UTF-8 text", rawFrame(fin|0x1, []byte{'a', 0xff, 0xfe}, true), 1007},
		{"UTF-8 split across fragments is fine, then bad", append(rawFrame(0x1, []byte{0xc3}, true), rawFrame(fin|0x0, []byte{0x28}, true)...), 1007},
		{"close reason not UTF-8", rawFrame(fin|0x8, closeBody(1000, "\xff"), true), 1007},
		{"close with one byte", rawFrame(fin|0x8, []byte{3}, true), 1002},
		{"close code 1005", rawFrame(fin|0x8, closeBody(1005, ""), true), 1002},
		{"close code 999", rawFrame(fin|0x8, closeBody(999, ""), true), 1002},
		{"too big", rawFrame(fin|0x2, make([]byte, 101), true), 1009},
		{"too big in fragments", append(rawFrame(0x2, make([]byte, 60), true), rawFrame(fin|0x0, make([]byte, 60), true)...), 1009},
	}
	h := echoWS(&asynchttp.WebSocketOptions{MaxMessageBytes: 100}, nil)
	serve(t, h, func(base string) {
		for _, tc := range cases {
			c, br := rawWebSocket(t, base, tc.frames)
			op, p := readRaw(t, br)
			if op != fin|0x8 || len(p) < 2 || int(binary.BigEndian.Uint16(p)) != tc.code {
				t.Errorf("%s: got frame %#x %q, want close %d", tc.name, op, p, tc.code)
			}
			if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Errorf("%s: the server should close the connection: %d %v", tc.name, n, err)
			}
			c.Close()
		}
	})
}

// Exactly MaxMessageBytes is allowed.
func TestWebSocketMaxMessageBoundary(t *testing.T) {
	serve(t, echoWS(&asynchttp.WebSocketOptions{MaxMessageBytes: 100}, nil), func(base string) {
		c, br := rawWebSocket(t, base, append(rawFrame(0x2, make([]byte, 50), true), rawFrame(fin|0x0, make([]byte, 50), true)...))
		defer c.Close()
		if op, p := readRaw(t, br); op != fin|0x2 || len(p) != 100 {
			t.Errorf("got %#x with %d bytes, want the 100-byte echo", op, len(p))
		}
	})
}

// Requests that are not a valid handshake get 400, or 426 for another version.
func TestWebSocketBadHandshakes(t *testing.T) {
	good := handshake("/")
	cases := []struct {
		name, req string
		status    int
	}{
		{"version 8", strings.Replace(good, "Version: 13", "Version: 8", 1), 426},
		{"no key", strings.Replace(good, "Sec-WebSocket-Key: "+testKey+"\r\n", "", 1), 400},
		{"short key", strings.Replace(good, testKey, "c2hvcnQ=", 1), 400},
		{"no upgrade token", strings.Replace(good, "keep-alive, Upgrade", "keep-alive", 1), 400},
		{"no Upgrade header", strings.Replace(good, "Upgrade: websocket\r\n", "", 1), 400},
		{"POST", strings.Replace(good, "GET", "POST", 1), 400},
	}
	serve(t, echoWS(nil, nil), func(base string) {
		for _, tc := range cases {
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(20 * time.Second))
			fmt.Fprint(c, tc.req)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
			}
			if tc.status == 426 && resp.Header.Get("Sec-WebSocket-Version") != "13" {
				t.Errorf("%s: 426 without Sec-WebSocket-Version: 13", tc.name)
			}
			c.Close()
		}
	})
}

// A ReadMessage that times out in the middle of a fragmented message, and
// in the middle of a frame, loses nothing: the next call goes on. The
// client sends the rest only after the server said it timed out, so the
// order is fixed; the 10 ms timeout is what is under test, not a wait.
func TestWebSocketReadTimeoutResumes(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := asynchttp.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		for {
			var typ asynchttp.MessageType
			var msg []byte
			err := asyncio.Timeout(r.Context(), 10*time.Millisecond, func(ctx context.Context) (err error) {
				typ, msg, err = ws.ReadMessage(ctx)
				return err
			})
			switch {
			case errors.Is(err, asyncio.ErrTimeout):
				ws.WriteMessage(r.Context(), asynchttp.TextMessage, []byte("timed out"))
			case err != nil:
				return
			default:
				ws.WriteMessage(r.Context(), typ, msg)
			}
		}
	})
	serve(t, h, func(base string) {
		whole := append(rawFrame(0x1, []byte("first "), true), rawFrame(fin|0x0, []byte("second"), true)...)
		cut := len(rawFrame(0x1, []byte("first "), true)) + 4 // inside the second frame's masking key
		c, br := rawWebSocket(t, base, whole[:cut])
		defer c.Close()
		if _, p := readRaw(t, br); string(p) != "timed out" {
			t.Fatalf("got %q, want the timeout notice", p)
		}
		c.Write(whole[cut:])
		if op, p := readRaw(t, br); op != fin|0x1 || string(p) != "first second" {
			t.Errorf("after the timeout: %#x %q, want the whole message", op, p)
		}
	})
}
