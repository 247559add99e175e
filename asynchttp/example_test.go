package asynchttp_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
)

// Any http.Handler, served on the loop: handlers share state without a
// mutex and can await with r.Context().
func ExampleServer() {
	visits := map[string]int{} // no mutex: every handler runs on the loop
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		visits[r.URL.Query().Get("name")]++
		fmt.Fprintf(w, "hello, visit %d\n", visits[r.URL.Query().Get("name")])
	})
	asyncio.Run(func(ctx context.Context) (any, error) {
		srv, err := (&asynchttp.Server{Handler: mux}).ListenAndServe(ctx, "127.0.0.1", 8080)
		if err != nil {
			return nil, err
		}
		return nil, srv.ServeForever(ctx)
	})
}
