package asynchttp_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"github.com/gorilla/websocket"
)

// Interoperability with gorilla/websocket, an implementation we did not write.

// gorilla's client against our server: text, a large message (gorilla sends
// it in fragments), ping/pong, subprotocol and the close handshake.
func TestWebSocketGorillaClient(t *testing.T) {
	ended := make(chan error, 1)
	h := echoWS(&asynchttp.WebSocketOptions{Subprotocols: []string{"chat"}}, func(err error) { ended <- err })
	serve(t, h, func(base string) {
		d := websocket.Dialer{Subprotocols: []string{"other", "chat"}, HandshakeTimeout: 20 * time.Second}
		c, resp, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(20 * time.Second)) // a guard only
		if resp.StatusCode != 101 || c.Subprotocol() != "chat" {
			t.Errorf("status %d, subprotocol %q", resp.StatusCode, c.Subprotocol())
		}
		big := bytes.Repeat([]byte("gorilla!"), 100_000)
		for _, m := range []struct {
			typ  int
			data []byte
		}{{websocket.TextMessage, []byte("hello")}, {websocket.BinaryMessage, big}, {websocket.TextMessage, []byte("")}} {
			if err := c.WriteMessage(m.typ, m.data); err != nil {
				t.Fatal(err)
			}
			typ, got, err := c.ReadMessage()
			if err != nil || typ != m.typ || !bytes.Equal(got, m.data) {
				t.Fatalf("echo of %d bytes: %d %d bytes %v", len(m.data), typ, len(got), err)
			}
		}
		pong := make(chan string, 1)
		c.SetPongHandler(func(s string) error { pong <- s; return nil })
		c.WriteControl(websocket.PingMessage, []byte("ping!"), time.Now().Add(20*time.Second))
		c.WriteMessage(websocket.TextMessage, []byte("after"))
		if _, got, err := c.ReadMessage(); err != nil || string(got) != "after" {
			t.Fatalf("after ping: %q %v", got, err)
		}
		if s := <-pong; s != "ping!" { // the pong came before the echo: the handler ran already
			t.Errorf("pong %q", s)
		}
		c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "done"))
		_, _, err = c.ReadMessage()
		if !websocket.IsCloseError(err, 4000) {
			t.Errorf("after our close: %v, want the echoed close 4000", err)
		}
		var ce *asynchttp.CloseError
		if err := <-ended; !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "done" {
			t.Errorf("server saw %v", err)
		}
	})
}

// gorillaEcho is a gorilla server that echoes until the connection ends.
func gorillaEcho(t *testing.T, ended chan<- error) http.Handler {
	up := websocket.Upgrader{Subprotocols: []string{"chat"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			ended <- err
			return
		}
		defer c.Close()
		for {
			typ, data, err := c.ReadMessage()
			if err != nil {
				ended <- err
				return
			}
			c.WriteMessage(typ, data)
		}
	})
}

// Our client against gorilla's server, over ws:// and wss://.
func TestWebSocketGorillaServer(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		ended := make(chan error, 1)
		var srv *httptest.Server
		opts := &asynchttp.WebSocketOptions{Subprotocols: []string{"chat"}}
		url := "ws://"
		if useTLS {
			srv = httptest.NewTLSServer(gorillaEcho(t, ended))
			opts.TLS = srv.Client().Transport.(*http.Transport).TLSClientConfig
			url = "wss://"
		} else {
			srv = httptest.NewServer(gorillaEcho(t, ended))
		}
		url += srv.Listener.Addr().String() + "/ws"
		asyncio.NewEventLoop()
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			return nil, asyncio.Timeout(ctx, 20*time.Second, func(ctx context.Context) error {
				ws, _, err := asynchttp.Dial(ctx, url, opts)
				if err != nil {
					return err
				}
				if ws.Subprotocol() != "chat" {
					t.Errorf("subprotocol %q", ws.Subprotocol())
				}
				big := bytes.Repeat([]byte("x"), 300_000)
				for _, m := range [][]byte{[]byte("hello"), big, {}} {
					if err := exchange(ctx, ws, asynchttp.BinaryMessage, m); err != nil {
						return err
					}
				}
				if err := exchange(ctx, ws, asynchttp.TextMessage, []byte("héllo")); err != nil {
					return err
				}
				pongs := 0
				ws.SetPongHandler(func([]byte) { pongs++ })
				ws.Ping(ctx, []byte("hi"))
				if err := exchange(ctx, ws, asynchttp.TextMessage, []byte("after")); err != nil {
					return err
				}
				if pongs != 1 {
					t.Errorf("%d pongs, want 1", pongs)
				}
				return ws.Close(ctx, asynchttp.CloseNormal, "bye")
			})
		})
		if err != nil {
			t.Errorf("tls=%v: %v", useTLS, err)
		}
		if err := <-ended; !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("tls=%v: gorilla saw %v, want close 1000", useTLS, err)
		}
		srv.Close()
	}
}

// gorilla's own Upgrader, unchanged, serving on our server through
// http.Hijacker: its reads and writes suspend the handler's task, so code
// written for net/http's server runs on the loop. Our Dial is the client.
func TestGorillaUpgraderOnOurServer(t *testing.T) {
	upgrader := websocket.Upgrader{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("gorilla's Upgrade: %v", err)
			return
		}
		defer c.Close()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			c.WriteMessage(typ, append([]byte("gorilla on the loop: "), msg...))
		}
	})
	wsLoop(t, h, func(ctx context.Context, base string) error {
		ws, _, err := asynchttp.Dial(ctx, base+"/", nil)
		if err != nil {
			return err
		}
		for _, m := range []string{"one", strings.Repeat("x", 100_000)} {
			if err := ws.WriteMessage(ctx, asynchttp.TextMessage, []byte(m)); err != nil {
				return err
			}
			_, got, err := ws.ReadMessage(ctx)
			if err != nil || string(got) != "gorilla on the loop: "+m {
				t.Errorf("echo: %d bytes, %v", len(got), err)
			}
		}
		return ws.Close(ctx, asynchttp.CloseNormal, "")
	})
}

// permessage-deflate with gorilla both ways: its client (EnableCompression)
// against our server, our Dial against its server; and our two ends.
func TestWebSocketCompressionInterop(t *testing.T) {
	text := strings.Repeat("compress me, ", 10_000)
	opts := &asynchttp.WebSocketOptions{Compression: true, MaxMessageBytes: 1 << 20}

	serve(t, echoWS(opts, nil), func(base string) {
		d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 20 * time.Second}
		c, resp, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(20 * time.Second)) // a guard only
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
			t.Errorf("gorilla's offer not accepted: %q", ext)
		}
		c.EnableWriteCompression(true)
		for _, m := range []string{"small", text} {
			c.WriteMessage(websocket.TextMessage, []byte(m))
			if _, got, err := c.ReadMessage(); err != nil || string(got) != m {
				t.Errorf("gorilla client, compressed echo: %d bytes, %v", len(got), err)
			}
		}
		c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
	})

	up := websocket.Upgrader{EnableCompression: true}
	gs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.EnableWriteCompression(true)
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			c.WriteMessage(typ, msg)
		}
	}))
	defer gs.Close()
	wsLoop(t, echoWS(opts, nil), func(ctx context.Context, ours string) error {
		for _, base := range []string{"ws" + strings.TrimPrefix(gs.URL, "http"), ours} {
			ws, resp, err := asynchttp.Dial(ctx, base+"/", opts)
			if err != nil {
				return err
			}
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
				t.Errorf("%s did not accept our offer: %q", base, ext)
			}
			for _, m := range []string{"small", text} {
				ws.WriteMessage(ctx, asynchttp.TextMessage, []byte(m))
				if _, got, err := ws.ReadMessage(ctx); err != nil || string(got) != m {
					t.Errorf("our Dial to %s, compressed echo: %d bytes, %v", base, len(got), err)
				}
			}
			ws.Close(ctx, asynchttp.CloseNormal, "")
		}
		return nil
	})
}
