package asynchttp

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/asyncio-go/asyncio"
)

// Close performs the closing handshake (RFC 6455 section 7): it sends a
// close frame with code and reason (CloseNoStatus sends one with no body),
// waits up to the CloseTimeout option for the peer's close frame, then
// closes the connection and waits until that is done. Data messages that
// arrive meanwhile are dropped. If another task is inside ReadMessage,
// Close leaves the reading to it and waits until it has seen the peer's
// close (that task's ReadMessage returns the *CloseError).
//
// It returns nil when the peer answered, ErrTimeout (matching
// asyncio.ErrTimeout) when it did not in time, and the connection's error
// if it failed; the connection is closed in every case. Closing a closed
// WebSocket returns nil at once. It suspends; cancelled, it still closes
// the connection (without the wait).
func (ws *WebSocket) Close(ctx context.Context, code int, reason string) error {
	if code != CloseNoStatus && !validCloseCode(code) {
		return fmt.Errorf("asynchttp: WebSocket.Close with code %d, which may not be sent; use CloseNormal or a code in 3000-4999", code)
	}
	if len(reason)+2 > maxControlPayload || !utf8.ValidString(reason) {
		return fmt.Errorf("asynchttp: WebSocket.Close with a reason that is not UTF-8 or over 123 bytes")
	}
	if ws.err != nil {
		return nil
	}
	if !ws.closeSent {
		ws.closeSent = true
		ws.writeFrame(opClose, closePayload(code, reason))
	}
	err := asyncio.Timeout(ctx, ws.closeWait, func(ctx context.Context) error {
		if err := ws.w.Drain(ctx); err != nil {
			return err
		}
		if ws.reading {
			return ws.done.Wait(ctx)
		}
		for ws.err == nil {
			if _, _, err := ws.ReadMessage(ctx); err != nil && ws.err == nil {
				return err // cancelled or timed out
			}
		}
		return nil
	})
	if ws.err == nil {
		ws.err = ErrWebSocketClosed
		ws.w.Close()
		ws.done.Set()
	}
	ws.w.WaitClosed(ctx)
	var peer *CloseError
	if err == nil && ws.err != ErrWebSocketClosed && !(errors.As(ws.err, &peer) && peer.Code != CloseAbnormal) {
		err = ws.err
	}
	return err
}
