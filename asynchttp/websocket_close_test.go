package asynchttp

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// After a clean closing handshake the server closes the TCP connection
// first (RFC 6455 section 7.1.1), whichever side began it: when our client
// closes its socket, the server's FIN has already arrived.
func TestWebSocketServerClosesFirst(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := Upgrade(w, r, nil)
		if err != nil {
			return
		}
		for {
			if _, _, err := ws.ReadMessage(r.Context()); err != nil {
				return
			}
		}
	})
	goodbye := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws, err := Upgrade(w, r, nil); err == nil {
			ws.Close(r.Context(), CloseGoingAway, "bye")
		}
	})
	asyncio.NewEventLoop()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		for i, h := range []http.Handler{echo, goodbye} {
			srv := &Server{Handler: h}
			ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
			if err != nil {
				return nil, err
			}
			ws, _, err := Dial(ctx, fmt.Sprintf("ws://127.0.0.1:%d/", ln.Port()), nil)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				err = ws.Close(ctx, CloseNormal, "") // the client begins
			} else {
				_, _, err = ws.ReadMessage(ctx) // the server begins
			}
			if r := ws.src.(*streamSource).r; !r.AtEOF() {
				t.Errorf("the client closed before the server did (%v)", err)
			}
			ln.Close()
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
