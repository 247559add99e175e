// Command chat is a line-based chat room on the event loop: nicknames,
// broadcast, /who, /nick and /quit. Each client has a bounded outbox drained
// by its own writer task, so a client that stops reading never stalls the
// others: when its outbox is full it misses messages (and is told how many).
//
//	go run ./examples/chat -demo        # a scripted conversation, then exit
//	go run ./examples/chat -addr :9999  # then: nc localhost 9999
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"

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
			return nil
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

func (rm *room) readLoop(ctx context.Context, c *client, r *asyncio.StreamReader) error {
	for {
		line, err := r.ReadLine(ctx)
		if err != nil {
			return nil
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
		asyncio.GetEventLoop().AddSignalHandler(os.Interrupt, srv.Close)
		return nil, srv.WaitClosed(ctx)
	})
	if err != nil {
		log.Fatal(err)
	}
}
