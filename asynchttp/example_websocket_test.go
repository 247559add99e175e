package asynchttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
)

// A WebSocket echo handler: Upgrade takes the connection, and the handler
// reads and writes messages in the connection's task until the client
// closes.
func ExampleUpgrade() {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := asynchttp.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade answered 400 or 426
		}
		for {
			typ, msg, err := ws.ReadMessage(r.Context())
			var closed *asynchttp.CloseError
			if errors.As(err, &closed) {
				fmt.Println("server: client closed with", closed.Code, closed.Reason)
				return
			} else if err != nil {
				return
			}
			ws.WriteMessage(r.Context(), typ, append([]byte("echo: "), msg...))
		}
	})
	asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := (&asynchttp.Server{Handler: echo}).ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		ws, _, err := asynchttp.Dial(ctx, fmt.Sprintf("ws://127.0.0.1:%d/", srv.Port()), nil)
		if err != nil {
			return nil, err
		}
		ws.WriteMessage(ctx, asynchttp.TextMessage, []byte("hello"))
		_, msg, _ := ws.ReadMessage(ctx)
		fmt.Println("client:", string(msg))
		return nil, ws.Close(ctx, asynchttp.CloseNormal, "bye")
	})
	// Output:
	// client: echo: hello
	// server: client closed with 1000 bye
}

// Dial connects to a WebSocket server (here one of ours offering a
// subprotocol) from a task; every call awaits with the task's ctx.
func ExampleDial() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := asynchttp.Upgrade(w, r, &asynchttp.WebSocketOptions{Subprotocols: []string{"v2.chat", "v1.chat"}})
		if err != nil {
			return
		}
		ws.WriteMessage(r.Context(), asynchttp.TextMessage, []byte("welcome, speaking "+ws.Subprotocol()))
		ws.Close(r.Context(), asynchttp.CloseGoingAway, "shutting down")
	})
	asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := (&asynchttp.Server{Handler: h}).ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		url := fmt.Sprintf("ws://127.0.0.1:%d/chat", srv.Port())
		ws, _, err := asynchttp.Dial(ctx, url, &asynchttp.WebSocketOptions{Subprotocols: []string{"v1.chat"}})
		if err != nil {
			return nil, err
		}
		for {
			_, msg, err := ws.ReadMessage(ctx)
			if err != nil {
				fmt.Println(err)
				return nil, nil
			}
			fmt.Println(string(msg))
		}
	})
	// Output:
	// welcome, speaking v1.chat
	// asynchttp: websocket closed by the peer: 1001 "shutting down"
}
