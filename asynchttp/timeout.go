package asynchttp

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/asyncio-go/asyncio"
)

// TimeoutHandler runs h with a time limit, as net/http's TimeoutHandler
// does, but on the loop: h runs in the connection's task under an
// asyncio.Timeout (net/http's runs h on another goroutine, which a handler
// on the loop must never be: its awaits would fail). When d passes, h's
// pending await returns the timeout (it should return), and unless part
// of h's response was already sent, the client gets 503 with msg
// ("Service Unavailable" if empty) instead of what h began; if part was
// sent, the connection closes, since the response cannot be finished.
func TimeoutHandler(h http.Handler, d time.Duration, msg string) http.Handler {
	if msg == "" {
		msg = http.StatusText(http.StatusServiceUnavailable)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		expired := false
		err := asyncio.Timeout(r.Context(), d, func(ctx context.Context) error {
			h.ServeHTTP(w, r.WithContext(ctx))
			expired = asyncio.TimeoutScopeOf(ctx).Expired() // h may have returned nil after its await's timeout
			return nil
		})
		if !expired && !errors.Is(err, asyncio.ErrTimeout) {
			return
		}
		if resp, ok := w.(*response); ok {
			if resp.headerSent {
				// Part of the response is on its way: it cannot be finished,
				// so the connection closes (as net/http aborts a handler).
				panic(http.ErrAbortHandler)
			}
			resp.reset() // nothing was sent: the 503 replaces what h began
		}
		http.Error(w, msg, http.StatusServiceUnavailable)
	})
}
