// Command chat is a line-based chat room on the event loop: nicknames,
// broadcast, /who, /nick and /quit. Each client has a bounded outbox drained
// by its own writer task, so a client that stops reading never stalls the
// others: when its outbox is full it misses messages (and is told how many).
//
//	go run ./examples/chat -demo        # a scripted conversation, then exit
//	go run ./examples/chat -addr :9999  # then: nc localhost 9999
//
// Ctrl-C or SIGTERM stops it: the server stops listening, tells the room,
// gives clients a grace period (-grace), then disconnects them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/asyncio-go/asyncio"
)

const outboxSize = 1024

// room is shared by every connection's task. Tasks run one at a time and
// switch only at awaits, so it needs no mutex.
type room struct {
	clients map[string]*client
}

type client struct {
	nick    string
	outbox  *asyncio.Queue[string]
	dropped int // messages missed because the outbox was full
}

func (rm *room) broadcast(from *client, text string) {
	for _, c := range rm.clients {
		if c == from {
			continue
		}
		if c.outbox.TryPut(text) != nil {
			c.dropped++ // slow reader: drop rather than stall everyone
		}
	}
}

func (rm *room) who() string {
	var nicks []string
	for n := range rm.clients {
		nicks = append(nicks, n)
	}
	sort.Strings(nicks)
	return strings.Join(nicks, ", ")
}

// serve runs one connection: ask for a nickname, then relay lines.
func (rm *room) serve(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	w.Write([]byte("welcome! your nickname: "))
	c := &client{outbox: asyncio.NewQueue[string](outboxSize)}
	for c.nick == "" {
		line, err := r.ReadLine(ctx)
		if err != nil {
			return endOfClient(err)
		}
		nick := strings.TrimSpace(string(line))
		if _, taken := rm.clients[nick]; nick == "" || taken {
			w.Write([]byte("taken or empty, another one: "))
			continue
		}
		c.nick = nick
	}
	rm.clients[c.nick] = c
	rm.broadcast(c, "* "+c.nick+" joined\n")
	c.outbox.TryPut("* in the room: " + rm.who() + "\n")
	return asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
		tg.Go(func(ctx context.Context) error { return c.writeLoop(ctx, w) }, "writer "+c.nick)
		defer func() {
			delete(rm.clients, c.nick)
			rm.broadcast(c, "* "+c.nick+" left\n")
			tg.Cancel() // stop the writer
		}()
		return rm.readLoop(ctx, c, r)
	})
}

// endOfClient is a handler's result when reading fails: a client that left
// (or whose connection broke) is a normal end; a cancellation propagates.
func endOfClient(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		log.Printf("client: %v", err)
	}
	return nil
}

func (rm *room) readLoop(ctx context.Context, c *client, r *asyncio.StreamReader) error {
	for {
		line, err := r.ReadLine(ctx)
		if err != nil {
			return endOfClient(err)
		}
		text := strings.TrimRight(string(line), "\r\n")
		switch {
		case text == "/quit":
			c.outbox.TryPut("* bye\n")
			return nil
		case text == "/who":
			c.outbox.TryPut("* in the room: " + rm.who() + "\n")
		case strings.HasPrefix(text, "/nick "):
			nick := strings.TrimSpace(text[6:])
			if _, taken := rm.clients[nick]; nick != "" && !taken {
				delete(rm.clients, c.nick)
				rm.broadcast(c, "* "+c.nick+" is now "+nick+"\n")
				c.nick = nick
				rm.clients[nick] = c
			}
		case text != "":
			rm.broadcast(c, "<"+c.nick+"> "+text+"\n")
		}
	}
}

// writeLoop drains the outbox to the socket; only this task waits on a slow
// peer's full send buffer.
func (c *client) writeLoop(ctx context.Context, w *asyncio.StreamWriter) error {
	for {
		msg, err := c.outbox.Get(ctx)
		if err != nil {
			return err
		}
		if c.dropped > 0 {
			msg = fmt.Sprintf("* you missed %d messages\n", c.dropped) + msg
			c.dropped = 0
		}
		w.Write([]byte(msg))
		if err := w.Drain(ctx); err != nil {
			return err
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	demo := flag.Bool("demo", false, "run a scripted conversation against the server, then exit")
	grace := flag.Duration("grace", time.Second, "how long clients may stay after Ctrl-C or SIGTERM")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(portText)
	rm := &room{clients: map[string]*client{}}
	_, err = asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, rm.serve, host, port)
		if err != nil {
			return nil, err
		}
		fmt.Printf("chat server on %v\n", srv.Addrs()[0])
		if *demo {
			defer srv.Close()
			return nil, runDemo(ctx, srv.Port())
		}
		return nil, rm.serveUntilSignal(ctx, srv, *grace)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

// serveUntilSignal serves until Ctrl-C (Run cancels main) or SIGTERM (which
// does the same here), then tells everyone and shuts the server down:
// clients get the grace period to read the news, then their handlers are
// cancelled.
func (rm *room) serveUntilSignal(ctx context.Context, srv *asyncio.Server, grace time.Duration) error {
	l := asyncio.GetEventLoop()
	main := asyncio.CurrentTask(ctx)
	l.AddSignalHandler(syscall.SIGTERM, func() { main.Cancel("SIGTERM") })
	defer l.RemoveSignalHandler(syscall.SIGTERM)
	err := srv.ServeForever(ctx)
	fmt.Printf("shutting down (%v); clients have %v\n", err, grace)
	rm.broadcast(nil, "* the server is shutting down\n")
	if errors.Is(asyncio.Timeout(ctx, grace, srv.Shutdown), asyncio.ErrTimeout) {
		fmt.Println("grace period over: remaining clients disconnected")
	}
	return err
}
