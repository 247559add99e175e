// Command goroutines is the RESP benchmark's baseline: the same server as
// examples/resp (same commands, same replies), written the obvious way for
// plain Go: one goroutine per connection, a bufio.Reader for the requests, a
// sync.Mutex around the map.
//
// Like examples/resp, which Writes and Drains every reply, it sends every
// reply with its own write system call (the bufio.Writer is flushed after
// each reply), so the two differ in the runtime underneath, not in how many
// writes they make. With -flush drained it flushes only when the reader has
// no bytes buffered, so the replies to a pipelined batch leave in one write:
// bench/resp/run.sh runs that too, as "goroutines-batched", to show what
// coalescing replies is worth. (A request cut in two by the network then
// waits for its rest with earlier replies unsent; benchmark clients send
// whole batches, so that is fine here, not in a real server.)
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6381", "address to listen on")
	flush := flag.String("flush", "reply", `when to flush replies: "reply" (after each) or "drained" (when no input is buffered)`)
	flag.Parse()
	if *flush != "reply" && *flush != "drained" {
		log.Fatalf("-flush %q: want reply or drained", *flush)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("resp server (goroutines) listening on %v\n", ln.Addr())
	s := &store{m: make(map[string][]byte), batch: *flush == "drained"}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go s.serve(c)
	}
}

const (
	maxBulk = 64 << 20 // bytes in one argument
	maxArgs = 1 << 20  // arguments in one command
)

// store is the database, shared by every connection's goroutine.
type store struct {
	batch bool // flush only when no request is buffered (-flush drained)
	mu    sync.Mutex
	m     map[string][]byte // guarded by mu
}

// serve runs one connection: read a command, run it, reply, until the peer
// closes or sends something that is not RESP.
func (s *store) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	var out []byte
	for {
		args, err := readCommand(r)
		var perr protocolError
		switch {
		case errors.As(err, &perr):
			w.Write(appendError(out[:0], "ERR Protocol error: "+string(perr)))
			w.Flush()
			return
		case err != nil:
			return
		case len(args) == 0:
			continue
		}
		var quit bool
		out, quit = s.exec(out[:0], args)
		w.Write(out)
		if s.batch && r.Buffered() > 0 && !quit {
			continue // more requests already here: answer them first
		}
		if err := w.Flush(); err != nil || quit { // one write per reply, by default
			return
		}
	}
}

type protocolError string

func (e protocolError) Error() string { return "protocol error: " + string(e) }

// readCommand reads one command: a RESP array of bulk strings, or an inline
// command (a line of words).
func readCommand(r *bufio.Reader) ([][]byte, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		if len(line) > 0 && errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
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
		if line, err = r.ReadBytes('\n'); err != nil {
			return nil, err
		}
		size, err := parseCount(line, '$', maxBulk)
		if err != nil {
			return nil, err
		}
		arg := make([]byte, size+2)
		if _, err := io.ReadFull(r, arg); err != nil {
			return nil, err
		}
		if !bytes.HasSuffix(arg, []byte("\r\n")) {
			return nil, protocolError("bulk string not followed by CRLF")
		}
		args = append(args, arg[:size])
	}
	return args, nil
}

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

// exec runs one command under the lock and appends its reply to out.
func (s *store) exec(out []byte, args [][]byte) (reply []byte, quit bool) {
	name := string(bytes.ToUpper(args[0]))
	a, known := arity[name]
	switch {
	case !known:
		return appendError(out, fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", args[0], quoteArgs(args[1:]))), false
	case len(args) < a.min || a.max > 0 && len(args) > a.max:
		return appendError(out, "ERR wrong number of arguments for '"+strings.ToLower(name)+"' command"), false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch name {
	case "PING":
		if len(args) == 2 {
			return appendBulk(out, args[1]), false
		}
		return append(out, "+PONG\r\n"...), false
	case "ECHO":
		return appendBulk(out, args[1]), false
	case "SET":
		s.m[string(args[1])] = args[2]
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

var arity = map[string]struct{ min, max int }{
	"PING": {1, 2}, "ECHO": {2, 2}, "SET": {3, 3}, "GET": {2, 2}, "DEL": {2, 0},
	"INCR": {2, 2}, "EXISTS": {2, 0}, "CONFIG": {3, 0}, "QUIT": {1, 0},
}

// incr is INCR; the caller holds s.mu.
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

var configValues = map[string]string{"save": "", "appendonly": "no"}

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

func quoteArgs(args [][]byte) string {
	var b bytes.Buffer
	for _, a := range args {
		fmt.Fprintf(&b, "'%s' ", a)
	}
	return b.String()
}
