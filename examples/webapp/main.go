// Command webapp is a small web service on one event loop: a JSON API over
// an in-memory store that every handler shares without a mutex, a WebSocket
// chat room, and a graceful shutdown on SIGINT or SIGTERM (chatters are told
// the server is going away, requests in flight finish, then it exits).
//
//	go run ./examples/webapp -addr 127.0.0.1:8080 &
//	curl -s -X POST localhost:8080/api/notes -d '{"text":"buy milk"}'
//	curl -s localhost:8080/api/notes
//	curl -s localhost:8080/api/stats
//	python3 -m websockets ws://localhost:8080/chat?name=ann   # or any WebSocket client
//	kill %1                                                   # graceful shutdown
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"github.com/asyncio-go/asyncio/examples/webapp/service"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	accessLog := flag.Bool("log", false, "log every request")
	flag.Parse()
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(2)
	}
	port, _ := strconv.Atoi(portStr)
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	_, err = asyncio.Run(func(ctx context.Context) (any, error) {
		stop := &asyncio.Event{}
		loop := asyncio.GetEventLoop()
		loop.AddSignalHandler(os.Interrupt, stop.Set)
		loop.AddSignalHandler(syscall.SIGTERM, stop.Set)
		loop.SetExceptionHandler(asyncio.SlogExceptionHandler(logger))
		return nil, Serve(ctx, host, port, stop, logger, *accessLog)
	}, asyncio.RunOptions{NoInterruptHandler: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

// Serve runs the app on host:port until stop is set, then shuts down
// gracefully within 10 seconds. Port 0 picks a free port; the address is
// logged.
func Serve(ctx context.Context, host string, port int, stop *asyncio.Event, logger *slog.Logger, accessLog bool) error {
	app := service.NewApp()
	srv := &asynchttp.Server{Handler: app.Handler(), ErrorLog: logger, ReadHeaderTimeout: 5 * time.Second}
	if accessLog {
		srv.AccessLog = logger
	}
	ln, err := srv.ListenAndServe(ctx, host, port)
	if err != nil {
		return err
	}
	logger.Info("webapp: serving", "addr", ln.Addrs()[0].String())
	if err := stop.Wait(ctx); err != nil {
		return err
	}
	logger.Info("webapp: shutting down", "chatters", app.Chatters())
	app.CloseChat(ctx, "server shutting down")
	return asyncio.Timeout(ctx, 10*time.Second, srv.Shutdown)
}
