package main

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeServer answers SET with +OK and GET with "xxx", counting commands.
func fakeServer(t *testing.T, count *atomic.Int64) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveFake(c, count)
		}
	}()
	return ln.Addr().String()
}

func serveFake(c net.Conn, count *atomic.Int64) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		var name string
		for i := range n {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			size, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
			arg := make([]byte, size+2)
			if _, err := io.ReadFull(r, arg); err != nil {
				return
			}
			if i == 0 {
				name = string(arg[:size])
			}
		}
		count.Add(1)
		reply := "+OK\r\n"
		if name == "GET" {
			reply = "$3\r\nxxx\r\n"
		}
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}

func TestRunSendsEveryRequestOnce(t *testing.T) {
	var count atomic.Int64
	addr := fakeServer(t, &count)
	// 1003 is not a multiple of 4 conns × 16: the last batches are short.
	for _, name := range []string{"set", "get"} {
		count.Store(0)
		rate, err := run(addr, tests[name], 4, 1003, 16)
		if err != nil {
			t.Fatal(err)
		}
		if rate <= 0 || count.Load() != 1003 {
			t.Errorf("%s: rate %v, server saw %d commands, want 1003", name, rate, count.Load())
		}
	}
}

func TestRunRejectsWrongReplies(t *testing.T) {
	var count atomic.Int64
	addr := fakeServer(t, &count)
	bad := tests["get"]
	bad.reply = "$3\r\nyyy\r\n"
	if _, err := run(addr, bad, 2, 10, 4); err == nil {
		t.Error("a wrong reply was not reported")
	}
}
