// Command asyncio is the echo server of the comparison benchmark, written
// with this project's event loop: one loop, one task per connection, every
// read and write a suspension of that task, the loop waiting in epoll.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/asyncio-go/asyncio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	profile := flag.String("cpuprofile", "", "write a CPU profile here until SIGTERM")
	flag.Parse()
	if *profile != "" {
		stop := startProfile(*profile)
		defer stop()
	}
	host, portText, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := strconv.Atoi(portText)
	_, err = asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := asyncio.StartServer(ctx, echo, host, port)
		if err != nil {
			return nil, err
		}
		asyncio.GetEventLoop().AddSignalHandler(syscall.SIGTERM, srv.Close)
		return nil, srv.WaitClosed(ctx)
	})
	if err != nil {
		log.Fatal(err)
	}
}

// echo writes back whatever arrives, suspending (never blocking) on reads and
// on a full send buffer.
func echo(ctx context.Context, r *asyncio.StreamReader, w *asyncio.StreamWriter) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.ReadInto(ctx, buf)
		if err != nil {
			return nil // EOF or reset: the server closes the connection
		}
		if err := w.Write(buf[:n]); err != nil {
			return nil
		}
		if err := w.Drain(ctx); err != nil {
			return nil
		}
	}
}

func startProfile(path string) func() {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}
