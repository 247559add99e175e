package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// The whole service, deterministically: the server, an HTTP client and two
// chatters on one loop, over the simulated network, on the virtual clock.
func TestWebApp(t *testing.T) {
	l, _ := asynciotest.NewLoop(t)
	asynciotest.UseNetwork(t, l, asynciotest.NetworkOptions{Latency: time.Millisecond})
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		stop := &asyncio.Event{}
		served := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
			return nil, Serve(ctx, "10.0.0.1", 80, stop, slog.New(slog.DiscardHandler), false)
		}, "webapp")
		asyncio.Sleep(ctx, time.Millisecond) // it listens
		c := &asynchttp.Client{}
		call := func(method, path, body string) (int, string) {
			req, _ := http.NewRequest(method, "http://10.0.0.1"+path, strings.NewReader(body))
			resp, err := c.Do(ctx, req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, strings.TrimSpace(string(b))
		}
		if code, body := call("POST", "/api/notes", `{"text":"buy milk"}`); code != 201 || !strings.Contains(body, `"id":1,"text":"buy milk"`) {
			t.Errorf("POST /api/notes: %d %s", code, body)
		}
		if code, body := call("POST", "/api/notes", `{"nope":1}`); code != 400 {
			t.Errorf("POST a bad note: %d %s", code, body)
		}

		ann := dial(ctx, t, "ann")
		expect(ctx, t, ann, "server: ann joined")
		bob := dial(ctx, t, "bob")
		expect(ctx, t, ann, "server: bob joined")
		expect(ctx, t, bob, "server: bob joined")
		ann.WriteMessage(ctx, asynchttp.TextMessage, []byte("hi bob"))
		expect(ctx, t, ann, "ann: hi bob")
		expect(ctx, t, bob, "ann: hi bob")
		call("POST", "/api/notes", `{"text":"call ann"}`)
		expect(ctx, t, bob, "server: new note #2: call ann")

		if code, body := call("GET", "/api/notes", ""); code != 200 || strings.Count(body, `"id"`) != 2 {
			t.Errorf("GET /api/notes: %d %s", code, body)
		}
		if code, _ := call("DELETE", "/api/notes/1", ""); code != 204 {
			t.Errorf("DELETE: %d", code)
		}
		if code, _ := call("GET", "/api/notes/1", ""); code != 404 {
			t.Errorf("GET a deleted note: %d", code)
		}
		var stats map[string]int
		_, body := call("GET", "/api/stats", "")
		if json.Unmarshal([]byte(body), &stats); stats["notes"] != 1 || stats["chatters"] != 2 {
			t.Errorf("stats: %s", body)
		}
		c.CloseIdleConnections()

		// SIGINT or SIGTERM sets stop: the chatters are told, and Serve
		// returns once every connection is gone.
		stop.Set()
		for _, ws := range []*asynchttp.WebSocket{ann, bob} {
			var closed *asynchttp.CloseError
			for {
				_, _, err := ws.ReadMessage(ctx)
				if errors.As(err, &closed) || err != nil {
					break
				}
			}
			if closed == nil || closed.Code != asynchttp.CloseGoingAway {
				t.Errorf("a chatter at shutdown: %v, want close 1001", closed)
			}
		}
		_, err := served.Await(ctx)
		return nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func dial(ctx context.Context, t *testing.T, name string) *asynchttp.WebSocket {
	ws, _, err := asynchttp.Dial(ctx, "ws://10.0.0.1/chat?name="+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func expect(ctx context.Context, t *testing.T, ws *asynchttp.WebSocket, want string) {
	t.Helper()
	_, msg, err := ws.ReadMessage(ctx)
	if err != nil || string(msg) != want {
		t.Errorf("got %q (%v), want %q", msg, err, want)
	}
}
