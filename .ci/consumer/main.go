// A module outside the repository that uses the library the way a Go user
// does (.ci/run builds and runs it with a replace to the checkout): the
// README's first program, then the HTTP subpackage's server and client on
// the same loop. It prints "42 <nil>" when both work.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
	"github.com/asyncio-go/asyncio/debugpage"
)

func main() {
	_ = debugpage.Handler // a subpackage resolves too
	v, err := asyncio.Run(func(ctx context.Context) (int, error) {
		t := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			return 42, asyncio.Sleep(ctx, 10*time.Millisecond)
		})
		v, err := asyncio.WaitForTask(ctx, time.Second, t)
		if err != nil {
			return 0, err
		}
		return viaHTTP(ctx, v)
	})
	fmt.Println(v, err)
}

// viaHTTP sends v through an asynchttp server and client on this loop.
func viaHTTP(ctx context.Context, v int) (int, error) {
	srv := &asynchttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Query().Get("v"))
	})}
	ln, err := srv.ListenAndServe(ctx, "127.0.0.1", 0)
	if err != nil {
		return 0, err
	}
	defer asyncio.Timeout(ctx, time.Second, srv.Shutdown)
	c := &asynchttp.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get(ctx, fmt.Sprintf("http://127.0.0.1:%d/?v=%d", ln.Port(), v))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(b))
}
