package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// The client against a small room: what is typed reaches the room, what the
// room says is printed, and the end of input says /quit.
func TestChat(t *testing.T) {
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdinW.Write([]byte("hello\nhow are you\n"))
	stdinW.Close() // end of input after two lines
	var out bytes.Buffer
	asyncio.NewEventLoop()
	_, err = asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, func(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
			defer w.Close()
			w.Write([]byte("welcome\n"))
			for {
				line, err := r.ReadLine(ctx)
				if err != nil || string(line) == "/quit\n" {
					w.Write([]byte("bye\n"))
					return w.Drain(ctx)
				}
				w.Write([]byte("room: " + string(line)))
			}
		}, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		return nil, Chat(ctx, fmt.Sprintf("127.0.0.1:%d", srv.Port()), stdinR, &out)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "welcome\nroom: hello\nroom: how are you\nbye\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
	if !strings.HasSuffix(out.String(), "bye\n") {
		t.Error("no goodbye")
	}
}
