package asynchttp

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/asyncio-go/asyncio"
)

// The WebSocket frame (RFC 6455 section 5.2), read and written here:
//
//	byte 0: FIN (0x80), RSV1-3 (0x70: RSV1 marks a compressed message where
//	        permessage-deflate is on, websocket_deflate.go; RSV2-3 must be 0), opcode (0x0F)
//	byte 1: MASK (0x80), payload length (0x7F): 0-125, or 126 (a 16-bit length
//	        follows) or 127 (a 64-bit length follows, its top bit 0)
//	then the 4-byte masking key if MASK, then the payload (XORed with the key).
//
// A client masks every frame it sends and a server none (section 5.1).
// Control frames (close, ping, pong) carry at most 125 bytes and are never
// fragmented (section 5.5).

// Opcodes (section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

const maxControlPayload = 125

// frame is one decoded frame; payload is unmasked.
type frame struct {
	fin     bool
	rsv1    bool // the reader decides whether it may be set
	op      byte
	payload []byte
}

func (f frame) isControl() bool { return f.op&0x8 != 0 }

// ProtocolError is what ReadMessage returns when the peer sent what it
// must not: the connection was failed with a close frame carrying Code
// (CloseProtocolError, CloseInvalidPayload or CloseMessageTooBig; RFC 6455
// section 7.1.7) and Reason, and closed.
type ProtocolError struct {
	Code   int
	Reason string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("asynchttp: websocket: %s (close %d)", e.Reason, e.Code)
}

func protocolErrorf(code int, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// frameSource gives the bytes frames are decoded from.
type frameSource interface {
	// next returns exactly n bytes, or an error (io.ErrUnexpectedEOF-like
	// when the stream ends first).
	next(ctx context.Context, n int) ([]byte, error)
	// rewind gives back the bytes taken since the last commit, so that a
	// frame whose decoding was cancelled is decoded again from its start.
	rewind()
	// commit forgets them: a frame was decoded.
	commit()
}

// streamSource reads the bytes a handshake read ahead of the frames, then
// the stream. A read cancelled inside a frame loses nothing: the stream
// keeps what it had not returned, and rewind puts back what it had.
type streamSource struct {
	ahead []byte // read past the handshake, or given back by rewind; consumed first
	r     *asyncio.StreamReader
	taken [][]byte // the current frame's pieces returned by next since the last commit
}

func (s *streamSource) next(ctx context.Context, n int) ([]byte, error) {
	b, err := s.take(ctx, n)
	if err == nil {
		s.taken = append(s.taken, b)
	}
	return b, err
}

func (s *streamSource) take(ctx context.Context, n int) ([]byte, error) {
	if len(s.ahead) >= n {
		b := s.ahead[:n:n]
		s.ahead = s.ahead[n:]
		return b, nil
	}
	if len(s.ahead) == 0 {
		return s.r.ReadExactly(ctx, n)
	}
	b := make([]byte, n)
	k := copy(b, s.ahead)
	rest, err := s.r.ReadExactly(ctx, n-k)
	if err != nil {
		return nil, err // s.ahead is untouched; a cancelled ReadExactly consumed nothing
	}
	s.ahead = nil
	copy(b[k:], rest)
	return b, nil
}

func (s *streamSource) rewind() {
	if len(s.taken) == 0 {
		return
	}
	var back []byte
	for _, p := range s.taken {
		back = append(back, p...)
	}
	s.ahead = append(back, s.ahead...)
	s.taken = s.taken[:0]
}

func (s *streamSource) commit() { clear(s.taken); s.taken = s.taken[:0] }

// sliceSource decodes frames from a byte slice (tests and the fuzzer).
type sliceSource struct{ b []byte }

func (s *sliceSource) rewind() {}
func (s *sliceSource) commit() {}

func (s *sliceSource) next(_ context.Context, n int) ([]byte, error) {
	if len(s.b) < n {
		s.b = nil
		return nil, errShortFrame
	}
	p := s.b[:n:n]
	s.b = s.b[n:]
	return p, nil
}

var errShortFrame = fmt.Errorf("asynchttp: websocket: the stream ended inside a frame")

// readFrame decodes one frame. fromClient says whether the peer is a client
// (its frames must be masked) or a server (its frames must not be);
// maxPayload bounds a data frame's payload (larger: 1009, before reading it).
// The frame's own rules are checked here; the rules between frames
// (fragmentation) are the reader's (readMessage).
func readFrame(ctx context.Context, src frameSource, fromClient bool, maxPayload int64) (frame, error) {
	head, err := src.next(ctx, 2)
	if err != nil {
		return frame{}, err
	}
	f := frame{fin: head[0]&0x80 != 0, rsv1: head[0]&rsv1 != 0, op: head[0] & 0x0F}
	masked := head[1]&0x80 != 0
	switch {
	case head[0]&0x30 != 0:
		return f, protocolErrorf(CloseProtocolError, "reserved bits RSV2 or RSV3 set (no extension uses them)")
	case f.rsv1 && f.isControl():
		return f, protocolErrorf(CloseProtocolError, "RSV1 set on a control frame")
	case f.op > opBinary && f.op < opClose || f.op > opPong:
		return f, protocolErrorf(CloseProtocolError, "reserved opcode %#x", f.op)
	case fromClient && !masked:
		return f, protocolErrorf(CloseProtocolError, "a client frame is not masked")
	case !fromClient && masked:
		return f, protocolErrorf(CloseProtocolError, "a server frame is masked")
	}
	n, err := readLength(ctx, src, head[1]&0x7F)
	if err != nil {
		return f, err
	}
	if f.isControl() && (n > maxControlPayload || !f.fin) {
		return f, protocolErrorf(CloseProtocolError, "control frame %#x fragmented or over 125 bytes", f.op)
	}
	if !f.isControl() && n > maxPayload {
		return f, protocolErrorf(CloseMessageTooBig, "message over %d bytes", maxPayload)
	}
	var key []byte
	if masked {
		if key, err = src.next(ctx, 4); err != nil {
			return f, err
		}
	}
	if f.payload, err = src.next(ctx, int(n)); err != nil {
		return f, err
	}
	if masked {
		f.payload = append([]byte(nil), f.payload...) // never unmask bytes the source still holds
		maskBytes([4]byte(key), f.payload)
	}
	return f, nil
}

// readLength decodes the payload length that begins with the 7-bit l.
func readLength(ctx context.Context, src frameSource, l byte) (int64, error) {
	switch l {
	case 126:
		b, err := src.next(ctx, 2)
		if err != nil {
			return 0, err
		}
		return int64(binary.BigEndian.Uint16(b)), nil
	case 127:
		b, err := src.next(ctx, 8)
		if err != nil {
			return 0, err
		}
		v := binary.BigEndian.Uint64(b)
		if v>>63 != 0 {
			return 0, protocolErrorf(CloseProtocolError, "64-bit length with its top bit set")
		}
		return int64(v), nil
	}
	return int64(l), nil
}

// appendFrame appends one frame holding payload to dst; a client (mask)
// masks it with a fresh random key, as section 5.3 requires.
func appendFrame(dst []byte, fin bool, op byte, payload []byte, mask bool) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var m byte
	if mask {
		m = 0x80
	}
	n := len(payload)
	switch {
	case n <= 125:
		dst = append(dst, b0, m|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, b0, m|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, b0, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !mask {
		return append(dst, payload...)
	}
	var key [4]byte
	rand.Read(key[:])
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(key, dst[start:])
	return dst
}

// maskBytes XORs b with the key, in place (section 5.3); masking twice unmasks.
func maskBytes(key [4]byte, b []byte) {
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// closePayload is a close frame's body: the code, then the reason; none
// for CloseNoStatus.
func closePayload(code int, reason string) []byte {
	if code == CloseNoStatus {
		return nil
	}
	b := binary.BigEndian.AppendUint16(nil, uint16(code))
	return append(b, reason...)
}

// parseClose decodes a received close frame's body (section 5.5.1), checking
// the code is one a peer may send (section 7.4) and the reason is UTF-8.
func parseClose(p []byte) (code int, reason string, err error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, "", nil
	case len(p) == 1:
		return 0, "", protocolErrorf(CloseProtocolError, "a close frame with a 1-byte body")
	}
	code = int(binary.BigEndian.Uint16(p))
	if !validCloseCode(code) {
		return 0, "", protocolErrorf(CloseProtocolError, "close code %d may not be sent", code)
	}
	if !utf8.Valid(p[2:]) {
		return 0, "", protocolErrorf(CloseInvalidPayload, "the close reason is not UTF-8")
	}
	return code, string(p[2:]), nil
}

// validCloseCode reports whether code may appear in a close frame: the
// registered codes other than the ones reserved for reports (1004, 1005,
// 1006, 1015), and the ranges for libraries and applications (3000-4999).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
