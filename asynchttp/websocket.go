package asynchttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/asyncio-go/asyncio"
)

// MessageType is a WebSocket data message's kind.
type MessageType int

const (
	TextMessage   MessageType = opText   // UTF-8 text
	BinaryMessage MessageType = opBinary // bytes
)

func (t MessageType) String() string {
	switch t {
	case TextMessage:
		return "text"
	case BinaryMessage:
		return "binary"
	}
	return fmt.Sprintf("MessageType(%d)", int(t))
}

// Close codes (RFC 6455 section 7.4.1).
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001
	CloseProtocolError   = 1002
	CloseUnsupportedData = 1003
	CloseNoStatus        = 1005 // never sent: the peer's close frame had no code
	CloseAbnormal        = 1006 // never sent: the connection ended without a close frame
	CloseInvalidPayload  = 1007 // a text message or close reason that is not UTF-8
	ClosePolicyViolation = 1008
	CloseMessageTooBig   = 1009
	CloseInternalError   = 1011
)

// WebSocketOptions configures Upgrade and Dial; nil means the defaults.
type WebSocketOptions struct {
	// Subprotocols: for Dial, the ones offered, in order of preference; for
	// Upgrade, the ones supported: the first the client offered that is
	// here is chosen.
	Subprotocols []string
	// Header holds extra headers for Dial's request or Upgrade's 101 response.
	Header http.Header
	// MaxMessageBytes bounds a received message (all its fragments); a
	// larger one fails the connection with close 1009. 0: 1 MiB.
	MaxMessageBytes int64
	// CloseTimeout bounds Close's wait for the peer's close frame. 0: 5 s.
	CloseTimeout time.Duration
	// TLS configures a wss:// Dial; nil: the defaults (tls.Config{}).
	TLS *tls.Config
	// Compression offers (Dial) or accepts (Upgrade) permessage-deflate
	// (RFC 7692), without context takeover: each message is compressed on
	// its own, and MaxMessageBytes bounds it once inflated.
	Compression bool
}

func (o *WebSocketOptions) maxMessage() int64 {
	if o == nil || o.MaxMessageBytes <= 0 {
		return 1 << 20
	}
	return o.MaxMessageBytes
}

func (o *WebSocketOptions) closeTimeout() time.Duration {
	if o == nil || o.CloseTimeout <= 0 {
		return 5 * time.Second
	}
	return o.CloseTimeout
}

// CloseError is the close frame the peer sent: ReadMessage returns it once
// the close handshake is done (the reply was sent and the connection closed).
// Code is CloseNoStatus if the frame had no code.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("asynchttp: websocket closed by the peer: %d %q", e.Code, e.Reason)
}

// ErrWebSocketClosed is returned by writes after Close began or the
// connection failed, and by reads after the connection is closed.
var ErrWebSocketClosed = errors.New("asynchttp: websocket: use of a closed connection")

// WebSocket is one side of a WebSocket connection, made by Upgrade (server)
// or Dial (client). Every method is loop goroutine only; the ones with a
// ctx suspend the calling task and must be called from a task with its ctx.
//
// One task reads at a time (ReadMessage; the stream reader's rule: a second
// read while one is suspended panics). A ReadMessage cancelled or timed out
// (asyncio.Timeout) loses nothing, even in the middle of a frame: the next
// call goes on where it stopped. Writes never interleave frames, so
// any task may write. Close may be called by another task while one reads:
// the reader then sees the peer's close reply and returns, and Close
// returns after it.
type WebSocket struct {
	src        frameSource
	w          frameSink
	client     bool // we are the client: we mask what we send, the peer must not mask
	subproto   string
	maxMessage int64
	closeWait  time.Duration
	onPong     func(data []byte)

	reading bool // a task is inside ReadMessage (so Close waits for it instead of reading)
	// msgType and msg are the data message being received: msgType is 0
	// between messages; msg holds the fragments so far. They outlive a
	// cancelled ReadMessage.
	msgType       MessageType
	msg           []byte
	msgCompressed bool // the message's first frame had RSV1: it is inflated when complete
	deflate       bool // permessage-deflate was negotiated (websocket_deflate.go)
	// closeSent is set when our close frame is written; nothing is written after it.
	closeSent bool
	// err, once set, is what every later read returns: the peer's
	// *CloseError, a *ProtocolError we failed the connection with, or a
	// stream error. The stream is closed when it is set.
	err error
	// done is set with err: Close waits on it while another task reads.
	done asyncio.Event
	wbuf []byte // reused frame encoding buffer
	cbuf []byte // reused compressed payload buffer
}

// frameSink is where frames are written: the connection's
// *asyncio.StreamWriter, or a recorder in the fuzzer.
type frameSink interface {
	Write(b []byte) error
	Drain(ctx context.Context) error
	Close() error
	WaitClosed(ctx context.Context) error
}

var _ frameSink = (*asyncio.StreamWriter)(nil)

func newWebSocket(src frameSource, w frameSink, client bool, subproto string, opts *WebSocketOptions) *WebSocket {
	return &WebSocket{src: src, w: w, client: client, subproto: subproto,
		maxMessage: opts.maxMessage(), closeWait: opts.closeTimeout()}
}

// Subprotocol returns the negotiated subprotocol, or "".
func (ws *WebSocket) Subprotocol() string { return ws.subproto }

// SetPongHandler sets a function called (in the reading task) with each
// pong's data; nil drops pongs.
func (ws *WebSocket) SetPongHandler(f func(data []byte)) { ws.onPong = f }

// ReadMessage returns the next data message, its fragments joined. It
// suspends until one has arrived, answering pings with pongs meanwhile.
//
// When the peer closes, it replies with a close frame echoing the code,
// closes the connection and returns a *CloseError. A protocol violation
// (close 1002), a text message or close reason that is not UTF-8 (1007) or
// a message over MaxMessageBytes (1009) fails the connection: a close frame
// with that code is sent, the connection is closed and a *ProtocolError is
// returned. A connection that ends without a close frame gives a
// *CloseError with CloseAbnormal; another stream error is returned as is.
// After any of these every call returns the same error. If the task is
// cancelled (or a Timeout passes) it returns that error and nothing is
// lost: call it again. Only one task may read at a time.
func (ws *WebSocket) ReadMessage(ctx context.Context) (typ MessageType, data []byte, err error) {
	if ws.err != nil {
		return 0, nil, ws.err
	}
	ws.reading = true
	defer func() { ws.reading = false }()
	typ, data, err = ws.readMessage(ctx)
	if err != nil && !isCancel(ctx, err) {
		ws.fail(ctx, err)
		return 0, nil, ws.err
	}
	return typ, data, err
}

// isCancel tells a cancelled or timed-out read (which loses nothing: the
// caller may read again) from a failure of the connection.
func isCancel(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// readMessage reads frames until a data message is complete. The message
// so far lives on ws, and a frame cancelled half-read is given back to the
// source, so a cancelled ReadMessage (say, under a Timeout) can be called
// again and goes on where it stopped.
func (ws *WebSocket) readMessage(ctx context.Context) (MessageType, []byte, error) {
	for {
		f, err := readFrame(ctx, ws.src, !ws.client, ws.maxMessage-int64(len(ws.msg)))
		if err != nil {
			ws.src.rewind()
			return 0, nil, err
		}
		ws.src.commit()
		if f.isControl() {
			if err := ws.control(ctx, f); err != nil {
				return 0, nil, err
			}
			continue
		}
		switch {
		case f.rsv1 && (!ws.deflate || f.op == opContinuation):
			return 0, nil, protocolErrorf(CloseProtocolError, "RSV1 set without permessage-deflate, or on a continuation frame")
		case f.op == opContinuation && ws.msgType == 0:
			return 0, nil, protocolErrorf(CloseProtocolError, "a continuation frame with no message begun")
		case f.op != opContinuation && ws.msgType != 0:
			return 0, nil, protocolErrorf(CloseProtocolError, "a new message began inside a fragmented one")
		case f.op != opContinuation:
			ws.msgType, ws.msgCompressed = MessageType(f.op), f.rsv1
		}
		ws.msg = append(ws.msg, f.payload...)
		if !f.fin {
			continue
		}
		typ, msg := ws.msgType, ws.msg
		ws.msgType, ws.msg = 0, nil
		if ws.msgCompressed {
			if msg, err = decompress(msg, ws.maxMessage); err != nil {
				return 0, nil, err
			}
		}
		if typ == TextMessage && !utf8.Valid(msg) {
			return 0, nil, protocolErrorf(CloseInvalidPayload, "a text message is not UTF-8")
		}
		if msg == nil {
			msg = []byte{}
		}
		return typ, msg, nil
	}
}

// control handles a ping, pong or close frame met while reading.
func (ws *WebSocket) control(ctx context.Context, f frame) error {
	switch f.op {
	case opPing:
		if ws.closeSent {
			return nil
		}
		ws.writeFrame(opPong, f.payload)
		return ws.w.Drain(ctx)
	case opPong:
		if ws.onPong != nil {
			ws.onPong(f.payload)
		}
		return nil
	}
	code, reason, err := parseClose(f.payload)
	if err != nil {
		return err
	}
	if !ws.closeSent {
		ws.closeSent = true
		ws.writeFrame(opClose, closePayload(code, ""))
	}
	return &CloseError{Code: code, Reason: reason}
}

// fail ends the connection with err: for a protocol error a close frame
// with its code goes first (unless ours was sent already). The writer's
// Close sends what is buffered, then closes the socket.
func (ws *WebSocket) fail(ctx context.Context, err error) {
	if ws.err != nil {
		return
	}
	var pe *ProtocolError
	if errors.As(err, &pe) && !ws.closeSent {
		ws.closeSent = true
		ws.writeFrame(opClose, closePayload(pe.Code, truncateUTF8(pe.Reason, maxControlPayload-2)))
	}
	if errors.Is(err, errShortFrame) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = &CloseError{Code: CloseAbnormal, Reason: "the connection ended without a close frame"}
	}
	var peer *CloseError
	if ws.client && errors.As(err, &peer) && peer.Code != CloseAbnormal {
		ws.awaitServerClose(ctx)
	}
	ws.err = err
	ws.w.Close()
	ws.done.Set()
}

// awaitServerClose waits, after a clean closing handshake, for the server
// to close the TCP connection first, as RFC 6455 section 7.1.1 asks (the
// side that closes first keeps the TIME_WAIT state, and a server can
// afford it better than many clients): until the stream ends, at most
// CloseTimeout. What arrives meanwhile is dropped.
func (ws *WebSocket) awaitServerClose(ctx context.Context) {
	ws.w.Drain(ctx) // our close frame goes first
	asyncio.Timeout(ctx, ws.closeWait, func(ctx context.Context) error {
		for {
			if _, err := ws.src.next(ctx, 1); err != nil {
				return err
			}
			ws.src.commit()
		}
	})
}

// WriteMessage sends data as one message of type typ. It writes the frame,
// then waits as Drain does (flow control): it suspends only while much is
// buffered. After Close began it returns ErrWebSocketClosed.
func (ws *WebSocket) WriteMessage(ctx context.Context, typ MessageType, data []byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return fmt.Errorf("asynchttp: WriteMessage with message type %d; use TextMessage or BinaryMessage", typ)
	}
	if ws.closeSent || ws.err != nil {
		return ErrWebSocketClosed
	}
	if ws.deflate {
		ws.cbuf = compress(ws.cbuf[:0], data)
		ws.writeFrame(byte(typ)|rsv1, ws.cbuf)
	} else {
		ws.writeFrame(byte(typ), data)
	}
	return ws.w.Drain(ctx)
}

// Ping sends a ping with data (at most 125 bytes); the peer's pong goes to
// the pong handler (SetPongHandler) of the task that reads.
func (ws *WebSocket) Ping(ctx context.Context, data []byte) error {
	if len(data) > maxControlPayload {
		return fmt.Errorf("asynchttp: Ping with %d bytes; a control frame holds at most 125", len(data))
	}
	if ws.closeSent || ws.err != nil {
		return ErrWebSocketClosed
	}
	ws.writeFrame(opPing, data)
	return ws.w.Drain(ctx)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (ws *WebSocket) writeFrame(op byte, payload []byte) {
	ws.wbuf = appendFrame(ws.wbuf[:0], true, op, payload, ws.client)
	ws.w.Write(ws.wbuf)
}
