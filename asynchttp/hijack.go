package asynchttp

import (
	"bufio"
	"errors"
	"net"
	"net/http"

	"github.com/asyncio-go/asyncio"
)

// Hijack takes the connection as a net.Conn (http.Hijacker), for code
// written against net/http's server, such as gorilla/websocket's Upgrader.
// The net.Conn is asyncio.NetConn over the connection's streams, so its
// reads and writes suspend the handler's task and must be made from that
// task (with r.Context()'s task), never from another goroutine; deadlines
// work, on the loop's clock. Bytes the server had already read past the
// request's head are read first. The server writes nothing more for this
// request and closes the connection when the handler returns. For
// WebSockets, Upgrade is the direct way.
func (r *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if r.headerSent || r.hijacked {
		return nil, nil, errors.New("asynchttp: Hijack after the response began, or a second time")
	}
	buffered, rd, w := r.hijack()
	c := &prefixConn{Conn: asyncio.NetConn(r.ctx, rd, w), prefix: buffered}
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

var _ http.Hijacker = (*response)(nil)

// prefixConn reads prefix before the connection.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
