package main

import (
	"errors"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/workers"
)

// serveWorkers serves from n processes: this one supervises (package
// workers), and each worker re-runs the program and serves on the same port
// with SO_REUSEPORT, so the kernel spreads connections over the workers.
// Ctrl-C or SIGTERM stops them all.
func serveWorkers(n int, host string, port int, demo bool) error {
	if port == 0 || demo {
		return errors.New("-workers needs a fixed port and no -demo, e.g. -addr 127.0.0.1:8888 -workers 2: every worker listens on that port")
	}
	return workers.Main(n, func(index int) error {
		return serve(host, port, false, asyncio.ServerOptions{ReusePort: true})
	})
}
