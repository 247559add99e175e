// Package asynchttp is HTTP/1.x on the event loop.
//
// # Server
//
// Server serves any http.Handler: each connection is a task, and its
// requests' handlers run in it, so handlers share state with the rest of the
// program without a mutex, r.Context() is the task's context (a handler can
// await: sleep, read a queue, call another service with this package's
// client), and a connection costs a task, not a goroutine.
//
// Requests are parsed by net/http (http.ReadRequest), which also rejects
// what it judges malformed or ambiguous (conflicting Content-Length
// headers, bad chunk sizes, oversize headers): such a request gets 400 (431
// for headers over MaxHeaderBytes) and the connection closes. A request
// with both Content-Length and Transfer-Encoding is served by the latter,
// as net/http does, and then the connection closes (RFC 9112 §6.1), so
// nothing can be smuggled behind it. Responses are written here: a body
// written in one piece gets a Content-Length, a longer or flushed one is
// chunked (HTTP/1.1) or ends with the connection (HTTP/1.0); HEAD gets the
// headers only. Keep-alive and pipelining follow net/http's rules
// (Request.Close), as do "Expect: 100-continue" (the 100 goes out when the
// handler first reads the body) and the Flusher. A panicking handler's
// client gets 500 and the panic goes to the loop's exception handler with
// its stack; the server goes on.
//
// Limits: MaxHeaderBytes, MaxBodyBytes, ReadHeaderTimeout (slowloris),
// IdleTimeout, WriteTimeout (a client that stops reading); TimeoutHandler
// bounds handlers (net/http's own would run them off the loop). Shutdown
// is graceful, bounded by an asyncio.Timeout around it. TLS is the listener's:
// pass asyncio.ServerOptions{TLS: cfg} to ListenAndServe.
//
// Each connection has one lazy timer for all its timeouts (deadline.go), so
// a request costs no timer operation; the response head is built in a
// per-connection buffer; the response and its header map are reused: a
// handler must not keep its ResponseWriter past its return, as
// http.Handler's contract says.
//
// # Client
//
// Client (and Get, Post, Do with DefaultClient) sends requests from a task:
// connecting, sending, reading the head and the body are all awaits on the
// caller's task, so a cancellation or an asyncio.Timeout around the call
// aborts the request wherever it is (the connection under it closes).
// Connections are kept alive per host; redirects, cookies (Jar), the retry
// of an idempotent request on a kept connection the server had closed, and
// *url.Error results follow net/http's client. It speaks HTTP/1.1 only.
//
// # WebSockets
//
// Upgrade, in a handler, turns the request's connection into a WebSocket
// (RFC 6455); Dial opens one from a task. ReadMessage reassembles fragments,
// answers pings and checks the protocol (masking, reserved bits, control
// frames, UTF-8 text, MaxMessageBytes), failing a connection with the close
// code the RFC names; Close runs the closing handshake within CloseTimeout.
// With Compression set on both sides, messages are compressed with
// permessage-deflate (RFC 7692), each on its own, inflated within
// MaxMessageBytes.
// One task reads a WebSocket at a time; any task may write.
//
// The ResponseWriter is also an http.Hijacker, for code written against
// net/http's server (gorilla/websocket's Upgrader works unchanged): the
// net.Conn it gives suspends the handler's task on each read and write.
//
// # Testing a service
//
// Server, Client, Upgrade and Dial run over asynciotest's simulated network
// unchanged, on the virtual clock, so a whole service (server, clients,
// chatters, timeouts of minutes) is tested in microseconds, the same way on
// every run, or under many schedules with asynciotest.Explore:
//
//	l, _ := asynciotest.NewLoop(t)
//	asynciotest.UseNetwork(t, l, asynciotest.NetworkOptions{Latency: time.Millisecond})
//	asyncio.Run(func(ctx context.Context) (any, error) {
//		srv := &asynchttp.Server{Handler: h}
//		srv.ListenAndServe(ctx, "10.0.0.1", 80)
//		resp, err := (&asynchttp.Client{}).Get(ctx, "http://10.0.0.1/")
//		...
//	})
//
// examples/webapp's test does this for its API, its chat room and its
// shutdown.
//
// # Errors
//
// Stream errors are the standard library's: a peer's reset is
// syscall.ECONNRESET (errors.Is), a closed stream net.ErrClosed, an end of
// input io.EOF, inside a *net.OpError where the system reported it; a
// timeout is asyncio.ErrTimeout, which is also os.ErrDeadlineExceeded; a
// cancellation is *asyncio.CancelledError. So a handler tells a client that
// went away from its own cancellation with errors.Is(err, syscall.ECONNRESET)
// versus errors.As(err, new(*asyncio.CancelledError)).
package asynchttp
