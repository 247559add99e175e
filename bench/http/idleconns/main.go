// Command idleconns opens many keep-alive connections to an HTTP server and
// leaves them idle: each sends one GET /plaintext, reads the 200 reply (so
// the server has served a request on it and now waits for the next), and
// stays open. When all are open it prints "open N" and holds them for
// -hold, or until killed. bench/http/run.sh -conns N uses it to read the
// server's memory per idle connection and to run wrk alongside.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

func main() {
	host := flag.String("host", "127.0.0.1", "server host")
	port := flag.Int("port", 18080, "server port")
	n := flag.Int("n", 10000, "connections to open")
	par := flag.Int("par", 64, "connections being opened at once (keeps the accept queue short)")
	hold := flag.Duration("hold", time.Hour, "how long to keep them open")
	flag.Parse()

	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	conns := make([]net.Conn, *n)
	errs := make(chan error, *n)
	sem := make(chan struct{}, *par)
	var wg sync.WaitGroup
	for i := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := open(addr)
			if err != nil {
				errs <- fmt.Errorf("connection %d: %w", i, err)
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		log.Fatalf("%v (and %d more errors)", err, len(errs))
	}
	fmt.Printf("open %d\n", len(conns))
	time.Sleep(*hold)
	for _, c := range conns {
		c.Close()
	}
}

// open connects, sends one request and reads its whole reply, leaving the
// connection kept alive and idle.
func open(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
