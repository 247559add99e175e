// Command chatclient is a tiny interactive client for examples/chat: it
// reads your lines from standard input and the room's from the socket at
// once, on one loop, with no goroutine: both are streams (OpenFile on
// stdin, OpenConnection on the server).
//
//	go run ./examples/chat -addr 127.0.0.1:9999 &
//	go run ./examples/chatclient -addr 127.0.0.1:9999
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"github.com/asyncio-go/asyncio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9999", "the chat server")
	flag.Parse()
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		return nil, Chat(ctx, *addr, os.Stdin, os.Stdout)
	})
	if err != nil && !errors.Is(err, asyncio.ErrInterrupted) {
		fmt.Fprintln(os.Stderr, "chatclient:", err)
		os.Exit(1)
	}
}

// Chat connects to addr, sends each line read from in, and prints what the
// room says to out, until either side ends. in must be a terminal or a pipe
// (a regular file cannot be watched: the error says so).
func Chat(ctx context.Context, addr string, in *os.File, out io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return err
	}
	room, toRoom, err := asyncio.OpenConnection(ctx, host, p)
	if err != nil {
		return err
	}
	defer toRoom.Close()
	keys, keysCloser, err := asyncio.OpenFile(ctx, in)
	if err != nil {
		return err
	}
	defer keysCloser.Close()
	return asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
		tg.Go(func(ctx context.Context) error { // the room -> out
			defer tg.Cancel() // the server hung up: stop reading the keyboard
			for {
				line, err := room.ReadLine(ctx)
				if len(line) > 0 {
					out.Write(line)
				}
				if err != nil {
					return nil
				}
			}
		})
		tg.Go(func(ctx context.Context) error { // in -> the room
			for {
				line, err := keys.ReadLine(ctx)
				if len(line) > 0 {
					toRoom.Write(line)
					if err := toRoom.Drain(ctx); err != nil {
						return err
					}
				}
				if err != nil { // end of input: say goodbye, let the room answer
					toRoom.Write([]byte("/quit\n"))
					return toRoom.Drain(ctx)
				}
			}
		})
		return nil
	})
}
