package debugpage_test

import (
	"context"
	"net/http"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/debugpage"
)

// Mount the page next to net/http/pprof's and serve it from its own
// goroutine; the loop only takes the snapshots.
func Example() {
	loop := asyncio.NewEventLoop()
	http.Handle("/debug/asyncio/", http.StripPrefix("/debug/asyncio", debugpage.Handler(loop)))
	go http.ListenAndServe("localhost:6060", nil)
	asyncio.Run(func(ctx context.Context) (any, error) {
		// ... the program; open http://localhost:6060/debug/asyncio/
		return nil, nil
	})
}
