// Command resp is a small Redis-protocol (RESP2) server on the event loop:
// PING, ECHO, SET, GET, DEL, INCR, EXISTS, CONFIG GET and QUIT over an
// in-memory map, enough for redis-cli and redis-benchmark.
//
//	go run ./examples/resp                      # listens on 127.0.0.1:6380
//	redis-cli -p 6380 set greeting hello        # then: get greeting
//	redis-benchmark -p 6380 -P 16 -t set,get -q
//
// It is written the obvious way, on purpose: one task per connection reads a
// command with ReadLine and ReadExactly, runs it, and sends the reply with
// one Write and one Drain. bench/resp measures this server as it stands.
//
// The map belongs to the loop: tasks run one at a time and switch only at
// awaits, and no command awaits, so it needs no mutex.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/asyncio-go/asyncio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6380", "address to listen on")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		log.Fatal(err)
	}
	_, err = asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, newStore().serve, host, port)
		if err != nil {
			return nil, err
		}
		fmt.Printf("resp server listening on %v\n", srv.Addrs()[0])
		l := asyncio.GetEventLoop()
		l.AddSignalHandler(os.Interrupt, srv.Close)
		l.AddSignalHandler(syscall.SIGTERM, srv.Close)
		return nil, srv.WaitClosed(ctx)
	})
	if err != nil {
		log.Fatal(err)
	}
}

// maxBulk bounds one argument, as Redis's proto-max-bulk-len does (512 MB
// there; smaller here, since the whole argument is buffered).
const maxBulk = 64 << 20

// maxArgs bounds the number of arguments of one command.
const maxArgs = 1 << 20

// store is the database: loop-owned, shared by every connection's task.
type store struct {
	m map[string][]byte
}

func newStore() *store { return &store{m: make(map[string][]byte)} }

// serve runs one connection: read a command, run it, reply, until the peer
// closes or sends something that is not RESP.
func (s *store) serve(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	var out []byte
	for {
		args, err := readCommand(ctx, r)
		var perr protocolError
		switch {
		case errors.As(err, &perr):
			// Redis answers a protocol error and closes the connection.
			w.Write(appendError(out[:0], "ERR Protocol error: "+string(perr)))
			w.Drain(ctx) // the connection closes either way
			return nil
		case err != nil:
			return nil // end of stream, reset or cancelled: nothing to answer
		case len(args) == 0:
			continue // an empty inline line: Redis ignores it
		}
		var quit bool
		out, quit = s.exec(out[:0], args)
		if err := w.Write(out); err != nil {
			return nil
		}
		if err := w.Drain(ctx); err != nil || quit {
			return nil
		}
	}
}

// protocolError is a request that is not RESP; the connection is closed
// after saying so.
type protocolError string

func (e protocolError) Error() string { return "protocol error: " + string(e) }

// readCommand reads one command: a RESP array of bulk strings
// ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), or an inline command, a line of words
// ("PING\r\n"), as redis-benchmark's PING_INLINE and telnet users send. It
// returns io.EOF at the end of the stream between commands.
func readCommand(ctx context.Context, r *asyncio.StreamReader) ([][]byte, error) {
	line, err := r.ReadLine(ctx)
	if err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(line, []byte("\n")) {
		return nil, io.ErrUnexpectedEOF // the stream ended mid-line
	}
	if line[0] != '*' {
		return bytes.Fields(line), nil
	}
	n, err := parseCount(line, '*', maxArgs)
	if err != nil {
		return nil, err
	}
	args := make([][]byte, 0, n)
	for range n {
		if line, err = r.ReadLine(ctx); err != nil {
			return nil, err
		}
		size, err := parseCount(line, '$', maxBulk)
		if err != nil {
			return nil, err
		}
		arg, err := r.ReadExactly(ctx, size+2) // the bytes and their CRLF
		if err != nil {
			return nil, err
		}
		if !bytes.HasSuffix(arg, []byte("\r\n")) {
			return nil, protocolError("bulk string not followed by CRLF")
		}
		args = append(args, arg[:size])
	}
	return args, nil
}

// parseCount parses a "*3\r\n" or "$5\r\n" header line: the prefix, then a
// count in [0, max].
func parseCount(line []byte, prefix byte, max int) (int, error) {
	body := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(body) < 2 || body[0] != prefix {
		return 0, protocolError(fmt.Sprintf("expected '%c', got %q", prefix, body))
	}
	n, err := strconv.Atoi(string(body[1:]))
	if err != nil || n < 0 || n > max {
		return 0, protocolError(fmt.Sprintf("invalid length %q", body[1:]))
	}
	return n, nil
}

// exec runs one command and appends its reply to out. quit asks the caller
// to close the connection once the reply is sent. It never suspends.
func (s *store) exec(out []byte, args [][]byte) (reply []byte, quit bool) {
	name := string(bytes.ToUpper(args[0]))
	a, known := arity[name]
	switch {
	case !known:
		return appendError(out, fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", args[0], quoteArgs(args[1:]))), false
	case len(args) < a.min || a.max > 0 && len(args) > a.max:
		return appendError(out, "ERR wrong number of arguments for '"+strings.ToLower(name)+"' command"), false
	}
	switch name {
	case "PING":
		if len(args) == 2 {
			return appendBulk(out, args[1]), false
		}
		return append(out, "+PONG\r\n"...), false
	case "ECHO":
		return appendBulk(out, args[1]), false
	case "SET":
		s.m[string(args[1])] = args[2] // readCommand's slices are fresh copies
		return append(out, "+OK\r\n"...), false
	case "GET":
		v, ok := s.m[string(args[1])]
		if !ok {
			return append(out, "$-1\r\n"...), false
		}
		return appendBulk(out, v), false
	case "DEL", "EXISTS":
		n := 0
		for _, k := range args[1:] {
			if _, ok := s.m[string(k)]; ok {
				n++
				if name == "DEL" {
					delete(s.m, string(k))
				}
			}
		}
		return appendInt(out, int64(n)), false
	case "INCR":
		return s.incr(out, args[1]), false
	case "CONFIG":
		return configGet(out, args[1:]), false
	case "QUIT":
		return append(out, "+OK\r\n"...), true
	}
	panic("resp: " + name + " is in the arity table but exec does not run it")
}

// arity is how many arguments each command takes, its name included;
// max 0 means no upper bound.
var arity = map[string]struct{ min, max int }{
	"PING": {1, 2}, "ECHO": {2, 2}, "SET": {3, 3}, "GET": {2, 2}, "DEL": {2, 0},
	"INCR": {2, 2}, "EXISTS": {2, 0}, "CONFIG": {3, 0}, "QUIT": {1, 0},
}

func (s *store) incr(out []byte, key []byte) []byte {
	var n int64
	if v, ok := s.m[string(key)]; ok {
		var err error
		if n, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return appendError(out, "ERR value is not an integer or out of range")
		}
	}
	if n == 1<<63-1 {
		return appendError(out, "ERR increment or decrement would overflow")
	}
	n++
	s.m[string(key)] = strconv.AppendInt(nil, n, 10)
	return appendInt(out, n)
}

// configValues are the answers to CONFIG GET. redis-benchmark asks for
// "save" and "appendonly" when it starts; this server keeps nothing on disk.
var configValues = map[string]string{"save": "", "appendonly": "no"}

// configGet answers CONFIG GET name...: a flat array of name, value pairs
// for the names it knows (exact names; Redis also takes glob patterns).
func configGet(out []byte, args [][]byte) []byte {
	if !bytes.EqualFold(args[0], []byte("GET")) {
		return appendError(out, "ERR only CONFIG GET parameter... is supported")
	}
	var pairs []string
	for _, a := range args[1:] {
		name := string(bytes.ToLower(a))
		if v, ok := configValues[name]; ok {
			pairs = append(pairs, name, v)
		}
	}
	out = append(strconv.AppendInt(append(out, '*'), int64(len(pairs)), 10), "\r\n"...)
	for _, p := range pairs {
		out = appendBulk(out, []byte(p))
	}
	return out
}

func appendBulk(out, b []byte) []byte {
	out = strconv.AppendInt(append(out, '$'), int64(len(b)), 10)
	out = append(append(out, "\r\n"...), b...)
	return append(out, "\r\n"...)
}

func appendInt(out []byte, n int64) []byte {
	return append(strconv.AppendInt(append(out, ':'), n, 10), "\r\n"...)
}

// appendError appends "-msg\r\n", with any CR or LF in msg made a space so
// the reply stays one line.
func appendError(out []byte, msg string) []byte {
	out = append(out, '-')
	for i := range len(msg) {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		out = append(out, c)
	}
	return append(out, "\r\n"...)
}

// quoteArgs renders arguments as Redis's unknown-command error does:
// each one quoted, space separated.
func quoteArgs(args [][]byte) string {
	var b bytes.Buffer
	for _, a := range args {
		fmt.Fprintf(&b, "'%s' ", a)
	}
	return b.String()
}
