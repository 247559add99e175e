// Command loadgen is the RESP benchmark's fallback load generator, for
// machines without redis-benchmark. It takes redis-benchmark's flags for the
// runs bench/resp/run.sh makes and prints its -q output lines, so run.sh
// reads either the same way:
//
//	loadgen -p 6380 -P 16 -c 50 -n 1000000 -t set,get -q
//	SET: 512345.67 requests per second
//	GET: 534567.89 requests per second
//
// For each test, -c connections share -n requests. Each connection sends -P
// commands in one write, reads all -P replies, checks them byte for byte, and
// repeats until the requests are used up, as redis-benchmark's clients do.
// The key is redis-benchmark's "key:__rand_int__" (no -r) and the value
// "xxx" (its -d 3). Only loopback addresses are accepted, and a watchdog
// ends the process if a test takes longer than -timeout.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A test is one redis-benchmark test: the command sent and the reply wanted.
type test struct {
	name  string
	cmd   string
	reply string
}

var tests = map[string]test{
	"ping": {"PING_MBULK", "*1\r\n$4\r\nPING\r\n", "+PONG\r\n"},
	"set":  {"SET", "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n", "+OK\r\n"},
	"get":  {"GET", "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n", "$3\r\nxxx\r\n"},
}

func main() {
	host := flag.String("host", "127.0.0.1", "server host (loopback only)")
	port := flag.Int("p", 6380, "server port")
	conns := flag.Int("c", 50, "connections")
	total := flag.Int("n", 100000, "requests per test")
	pipeline := flag.Int("P", 1, "commands sent per write (pipelining)")
	which := flag.String("t", "set,get", "tests to run, in order: ping, set, get")
	flag.Bool("q", true, "quiet output (always on; accepted for redis-benchmark's command line)")
	timeout := flag.Duration("timeout", 2*time.Minute, "exit with an error if one test takes longer")
	flag.Parse()
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	if ip := net.ParseIP(*host); ip == nil || !ip.IsLoopback() {
		fatal(fmt.Errorf("refusing non-loopback host %q", *host))
	}
	if *conns < 1 || *total < 1 || *pipeline < 1 {
		fatal(errors.New("-c, -n and -P must be positive"))
	}
	for _, name := range strings.Split(*which, ",") {
		t, ok := tests[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			fatal(fmt.Errorf("unknown test %q (known: ping, set, get)", name))
		}
		watchdog := time.AfterFunc(*timeout, func() { fatal(fmt.Errorf("%s: watchdog: no result after %v", t.name, *timeout)) })
		rate, err := run(addr, t, *conns, *total, *pipeline)
		watchdog.Stop()
		if err != nil {
			fatal(fmt.Errorf("%s: %w", t.name, err))
		}
		fmt.Printf("%s: %.2f requests per second\n", t.name, rate)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

// run runs one test and returns its requests per second: all requests over
// the time from the first write to the last reply (connections are opened
// before the clock starts).
func run(addr string, t test, conns, total, pipeline int) (float64, error) {
	cs := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		cs = append(cs, c)
	}
	var left atomic.Int64 // requests not yet claimed by a connection
	left.Store(int64(total))
	errs := make([]error, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = client(c, t, pipeline, &left) }()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return float64(total) / elapsed.Seconds(), nil
}

// client sends batches of up to pipeline commands, each in one write, and
// checks every reply, until no requests are left to claim. It allocates
// nothing per batch.
func client(c net.Conn, t test, pipeline int, left *atomic.Int64) error {
	batch := []byte(strings.Repeat(t.cmd, pipeline))
	want := []byte(strings.Repeat(t.reply, pipeline))
	got := make([]byte, len(want))
	r := bufio.NewReader(c)
	for {
		n := int(min(left.Add(-int64(pipeline))+int64(pipeline), int64(pipeline)))
		if n <= 0 {
			return nil
		}
		if _, err := c.Write(batch[:n*len(t.cmd)]); err != nil {
			return err
		}
		size := n * len(t.reply)
		if _, err := io.ReadFull(r, got[:size]); err != nil {
			return err
		}
		if !bytes.Equal(got[:size], want[:size]) {
			return fmt.Errorf("unexpected reply %q, want %q", got[:size], want[:size])
		}
	}
}
