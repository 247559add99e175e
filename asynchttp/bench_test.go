package asynchttp_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
)

// BenchmarkServerKeepAlive is one keep-alive request and its response per
// iteration, client and server on one loop over loopback TCP: the server's
// cost per request (and its allocations) plus a raw client's.
func BenchmarkServerKeepAlive(b *testing.B) {
	hello := []byte("Hello, World!")
	mux := http.NewServeMux()
	mux.HandleFunc("/plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	asyncio.NewEventLoop().SetSlowCallbackDuration(0)
	_, err := asyncio.Run(func(ctx context.Context) (any, error) {
		srv := &asynchttp.Server{Handler: mux}
		ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
		if err != nil {
			return nil, err
		}
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", ln.Port())
		if err != nil {
			return nil, err
		}
		req := []byte("GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n")
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			w.Write(req)
			if _, err := r.ReadUntil(ctx, []byte("\r\n\r\n")); err != nil {
				return nil, err
			}
			if body, err := r.ReadExactly(ctx, len(hello)); err != nil || string(body) != string(hello) {
				return nil, fmt.Errorf("body %q, %v", body, err)
			}
		}
		b.StopTimer()
		w.Close()
		return nil, asyncio.Timeout(ctx, 1e9, srv.Shutdown)
	})
	if err != nil {
		b.Fatal(err)
	}
}
