package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
)

// TestCommands runs the server on a free port and a tiny client on the same
// loop: each request is sent, pipelined requests in one write, and the raw
// RESP replies are compared with what Redis sends.
func TestCommands(t *testing.T) {
	steps := []struct {
		send string
		want []string // one reply each
	}{
		{cmd("PING"), []string{"+PONG\r\n"}},
		{"PING\r\n", []string{"+PONG\r\n"}}, // inline, as redis-benchmark's PING_INLINE
		{cmd("ping", "hi"), []string{"$2\r\nhi\r\n"}},
		{cmd("ECHO", "a\r\nb"), []string{"$4\r\na\r\nb\r\n"}},
		{cmd("GET", "k"), []string{"$-1\r\n"}},
		{cmd("SET", "k", "v1"), []string{"+OK\r\n"}},
		{cmd("GET", "k"), []string{"$2\r\nv1\r\n"}},
		{cmd("SET", "n", "41") + cmd("INCR", "n") + cmd("INCR", "fresh"), // pipelined
			[]string{"+OK\r\n", ":42\r\n", ":1\r\n"}},
		{cmd("INCR", "k"), []string{"-ERR value is not an integer or out of range\r\n"}},
		{cmd("EXISTS", "k", "n", "nope"), []string{":2\r\n"}},
		{cmd("DEL", "k", "nope"), []string{":1\r\n"}},
		{cmd("EXISTS", "k"), []string{":0\r\n"}},
		{"set inline yes\r\nget inline\r\n", []string{"+OK\r\n", "$3\r\nyes\r\n"}},
		{cmd("CONFIG", "GET", "save") + cmd("CONFIG", "GET", "appendonly"),
			[]string{"*2\r\n$4\r\nsave\r\n$0\r\n\r\n", "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"}},
		{cmd("CONFIG", "GET", "maxmemory"), []string{"*0\r\n"}},
		{cmd("GET"), []string{"-ERR wrong number of arguments for 'get' command\r\n"}},
		{cmd("FLY", "away"), []string{"-ERR unknown command 'FLY', with args beginning with: 'away' \r\n"}},
		{"\r\n" + cmd("QUIT"), []string{"+OK\r\n"}}, // an empty inline line is ignored
	}
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, newStore().serve, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", srv.Port())
		if err != nil {
			return nil, err
		}
		defer w.Close()
		for _, s := range steps {
			w.Write([]byte(s.send))
			if err := w.Drain(ctx); err != nil {
				return nil, err
			}
			var got strings.Builder
			for range s.want {
				if err := readReply(ctx, r, &got); err != nil {
					return nil, fmt.Errorf("after %q: %w", s.send, err)
				}
			}
			if want := strings.Join(s.want, ""); got.String() != want {
				t.Errorf("send %q: got %q, want %q", s.send, got.String(), want)
			}
		}
		if _, err := r.Read(ctx, 1); err == nil {
			t.Error("the connection is still open after QUIT")
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestProtocolError checks that a request that is not RESP gets an error
// reply and the connection is closed.
func TestProtocolError(t *testing.T) {
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, newStore().serve, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", srv.Port())
		if err != nil {
			return nil, err
		}
		defer w.Close()
		w.Write([]byte("*1\r\n+PING\r\n"))
		got, err := r.Read(ctx, -1) // everything, up to the close
		if err != nil {
			return nil, err
		}
		if want := "-ERR Protocol error: expected '$', got \"+PING\"\r\n"; string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cmd encodes a command as redis-cli does: an array of bulk strings.
func cmd(args ...string) string {
	s := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		s += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	return s
}

// readReply reads one RESP reply and appends its raw bytes to out.
func readReply(ctx context.Context, r *asyncio.StreamReader, out *strings.Builder) error {
	line, err := r.ReadLine(ctx)
	if err != nil {
		return err
	}
	out.Write(line)
	n, _ := strconv.Atoi(strings.TrimSpace(string(line[1:])))
	switch line[0] {
	case '$':
		if n >= 0 {
			body, err := r.ReadExactly(ctx, n+2)
			out.Write(body)
			return err
		}
	case '*':
		for range n {
			if err := readReply(ctx, r, out); err != nil {
				return err
			}
		}
	}
	return nil
}
