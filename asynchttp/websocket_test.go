package asynchttp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
)

// echoWS upgrades and echoes every message until the connection ends; the
// error that ended it goes to ended (if not nil). Handlers run on the loop.
func echoWS(opts *asynchttp.WebSocketOptions, ended func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := asynchttp.Upgrade(w, r, opts)
		if err != nil {
			return
		}
		for {
			typ, data, err := ws.ReadMessage(r.Context())
			if err != nil {
				if ended != nil {
					ended(err)
				}
				return
			}
			if err := ws.WriteMessage(r.Context(), typ, data); err != nil {
				return
			}
		}
	})
}

// wsLoop runs a server with h and client on one loop: client gets the
// server's ws:// base URL. A 20 s Timeout guards against a hang.
func wsLoop(t *testing.T, h http.Handler, client func(ctx context.Context, base string) error) {
	t.Helper()
	asyncio.NewEventLoop()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := (&asynchttp.Server{Handler: h}).ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer func() { srv.Close(); srv.CloseClients() }()
		return nil, asyncio.Timeout(ctx, 20*time.Second, func(ctx context.Context) error {
			return client(ctx, fmt.Sprintf("ws://127.0.0.1:%d", srv.Port()))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// exchange writes a message and checks the echo.
func exchange(ctx context.Context, ws *asynchttp.WebSocket, typ asynchttp.MessageType, data []byte) error {
	if err := ws.WriteMessage(ctx, typ, data); err != nil {
		return err
	}
	gt, got, err := ws.ReadMessage(ctx)
	if err != nil {
		return err
	}
	if gt != typ || !bytes.Equal(got, data) {
		return fmt.Errorf("echo of %v %d bytes: got %v %d bytes", typ, len(data), gt, len(got))
	}
	return nil
}

// Our client against our server: text, binary, empty, a 1 MiB message (the
// default limit), ping/pong, the subprotocol and the close handshake.
func TestWebSocketRoundTrip(t *testing.T) {
	var serverSaw error
	h := echoWS(&asynchttp.WebSocketOptions{Subprotocols: []string{"chat", "x"}}, func(err error) { serverSaw = err })
	wsLoop(t, h, func(ctx context.Context, base string) error {
		ws, resp, err := asynchttp.Dial(ctx, base+"/ws", &asynchttp.WebSocketOptions{Subprotocols: []string{"y", "x", "chat"}})
		if err != nil {
			return err
		}
		if resp.StatusCode != 101 || ws.Subprotocol() != "x" {
			t.Errorf("status %d, subprotocol %q; want 101, x (the client's first the server has)", resp.StatusCode, ws.Subprotocol())
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
		for _, m := range []struct {
			typ  asynchttp.MessageType
			data []byte
		}{{asynchttp.TextMessage, []byte("hello, wörld")}, {asynchttp.BinaryMessage, []byte{0, 1, 2, 255}},
			{asynchttp.TextMessage, []byte{}}, {asynchttp.BinaryMessage, make([]byte, 200)}, {asynchttp.BinaryMessage, big}} {
			if err := exchange(ctx, ws, m.typ, m.data); err != nil {
				return err
			}
		}
		var pongs []string
		ws.SetPongHandler(func(p []byte) { pongs = append(pongs, string(p)) })
		if err := ws.Ping(ctx, []byte("p1")); err != nil {
			return err
		}
		if err := exchange(ctx, ws, asynchttp.TextMessage, []byte("after")); err != nil {
			return err
		}
		if fmt.Sprint(pongs) != "[p1]" {
			t.Errorf("pongs %v, want [p1] (before the echo that followed)", pongs)
		}
		if err := ws.Close(ctx, 4001, "bye"); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := ws.WriteMessage(ctx, asynchttp.TextMessage, []byte("late")); !errors.Is(err, asynchttp.ErrWebSocketClosed) {
			t.Errorf("write after Close: %v", err)
		}
		return nil
	})
	var ce *asynchttp.CloseError
	if !errors.As(serverSaw, &ce) || ce.Code != 4001 || ce.Reason != "bye" {
		t.Errorf("server's ReadMessage ended with %v, want CloseError 4001 bye", serverSaw)
	}
}

// The server closes: the client's ReadMessage returns the CloseError after
// the message sent before it, and the server's Close sees the reply.
func TestWebSocketServerCloses(t *testing.T) {
	var closeErr error = errors.New("not called")
	var handlerDone asyncio.Event
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer handlerDone.Set()
		ws, err := asynchttp.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		ws.WriteMessage(r.Context(), asynchttp.TextMessage, []byte("last"))
		closeErr = ws.Close(r.Context(), asynchttp.CloseGoingAway, "going")
	})
	wsLoop(t, h, func(ctx context.Context, base string) error {
		ws, _, err := asynchttp.Dial(ctx, base, nil)
		if err != nil {
			return err
		}
		if _, msg, err := ws.ReadMessage(ctx); err != nil || string(msg) != "last" {
			t.Errorf("first read: %q %v", msg, err)
		}
		_, _, err = ws.ReadMessage(ctx)
		var ce *asynchttp.CloseError
		if !errors.As(err, &ce) || ce.Code != asynchttp.CloseGoingAway || ce.Reason != "going" {
			t.Errorf("read after the server's close: %v", err)
		}
		if _, _, again := ws.ReadMessage(ctx); again != err {
			t.Errorf("a later read: %v, want the same error", again)
		}
		if err := ws.Close(ctx, asynchttp.CloseNormal, ""); err != nil {
			t.Errorf("Close after the close handshake: %v, want nil", err)
		}
		return handlerDone.Wait(ctx)
	})
	if closeErr != nil {
		t.Errorf("server's Close: %v", closeErr)
	}
}

// Close while another task is inside ReadMessage: the reader sees the
// peer's close reply and Close returns after it.
func TestWebSocketCloseWhileReading(t *testing.T) {
	wsLoop(t, echoWS(nil, nil), func(ctx context.Context, base string) error {
		ws, _, err := asynchttp.Dial(ctx, base, nil)
		if err != nil {
			return err
		}
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) (error, error) {
			_, _, err := ws.ReadMessage(ctx)
			return err, nil
		})
		asyncio.Sleep(ctx, 0) // the reader is now suspended in ReadMessage
		if err := ws.Close(ctx, asynchttp.CloseNormal, "done"); err != nil {
			t.Errorf("Close: %v", err)
		}
		got, _ := reader.Await(ctx)
		var ce *asynchttp.CloseError
		if !errors.As(got, &ce) || ce.Code != asynchttp.CloseNormal {
			t.Errorf("the reader got %v, want the echoed CloseError 1000", got)
		}
		return nil
	})
}

// A peer that never answers the close: Close gives up after CloseTimeout
// and closes the connection anyway.
func TestWebSocketCloseTimeout(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := asynchttp.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		asyncio.Sleep(r.Context(), time.Hour) // never reads: no close reply
		_ = ws
	})
	wsLoop(t, h, func(ctx context.Context, base string) error {
		ws, _, err := asynchttp.Dial(ctx, base, &asynchttp.WebSocketOptions{CloseTimeout: 20 * time.Millisecond})
		if err != nil {
			return err
		}
		if err := ws.Close(ctx, asynchttp.CloseNormal, ""); !errors.Is(err, asyncio.ErrTimeout) {
			t.Errorf("Close: %v, want ErrTimeout", err)
		}
		if _, _, err := ws.ReadMessage(ctx); !errors.Is(err, asynchttp.ErrWebSocketClosed) {
			t.Errorf("read after Close: %v", err)
		}
		return nil
	})
}

// Dial to a handler that does not upgrade: ErrBadHandshake with the response.
func TestWebSocketDialRefused(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", http.StatusForbidden) })
	wsLoop(t, h, func(ctx context.Context, base string) error {
		ws, resp, err := asynchttp.Dial(ctx, base, nil)
		if ws != nil || !errors.Is(err, asynchttp.ErrBadHandshake) || resp == nil || resp.StatusCode != 403 {
			t.Fatalf("Dial: %v, %v", resp, err)
		}
		if body, _ := io.ReadAll(resp.Body); !strings.Contains(string(body), "nope") {
			t.Errorf("the refusal's body: %q", body)
		}
		if _, _, err := asynchttp.Dial(ctx, "http://x/", nil); err == nil {
			t.Error("Dial with http:// should fail")
		}
		return nil
	})
}

// Upgrade with a ResponseWriter that is not this package's.
func TestUpgradeForeignWriter(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if _, err := asynchttp.Upgrade(httptest.NewRecorder(), r, nil); err == nil || !strings.Contains(err.Error(), "asynchttp.Server") {
		t.Errorf("err = %v, want one naming asynchttp.Server", err)
	}
}
