package asynchttp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/asyncio-go/asyncio"
	"golang.org/x/net/http/httpguts"
)

// The opening handshake (RFC 6455 section 4): the client sends a GET with
// Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Version: 13 and a
// random 16-byte Sec-WebSocket-Key (base64); the server answers 101 with
// Sec-WebSocket-Accept = base64(SHA-1(key + websocketGUID)), proving it read
// this request as a WebSocket one.

const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// ErrBadHandshake is matched (errors.Is) by the errors of a refused upgrade
// (Upgrade) or of a server that did not accept one (Dial).
var ErrBadHandshake = errors.New("asynchttp: websocket: bad handshake")

func tokens(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// Upgrade turns the request into a WebSocket connection (server side). It
// checks the request is a version 13 WebSocket handshake; if not, it
// answers 400 (or 426 with Sec-WebSocket-Version: 13 for another version)
// and returns an error matching ErrBadHandshake. Otherwise it takes the
// connection, answers 101 with the chosen subprotocol (the first the client
// offered that opts.Subprotocols holds) and returns the WebSocket; the
// connection closes when the handler returns. w must be the ResponseWriter
// an asynchttp.Server gave the handler, and the handler must not have
// written to it. It suspends only to send the answer (as Drain).
func Upgrade(w http.ResponseWriter, r *http.Request, opts *WebSocketOptions) (*WebSocket, error) {
	resp, ok := w.(*response)
	if !ok {
		return nil, fmt.Errorf("asynchttp: Upgrade needs the http.ResponseWriter of an asynchttp.Server, got %T; serve the handler with asynchttp.Server", w)
	}
	if resp.wroteHeader {
		return nil, errors.New("asynchttp: Upgrade after the handler wrote a response; call Upgrade first")
	}
	if err := checkUpgrade(r); err != nil {
		code := http.StatusBadRequest
		if v := r.Header.Get("Sec-WebSocket-Version"); v != "13" && v != "" {
			code = http.StatusUpgradeRequired
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		http.Error(w, err.Error(), code)
		return nil, err
	}
	proto := chooseSubprotocol(tokens(r.Header, "Sec-WebSocket-Protocol"), opts)
	ahead, rd, wr := resp.hijack()
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n")
	if proto != "" {
		b.WriteString("Sec-WebSocket-Protocol: " + proto + "\r\n")
	}
	deflate := opts != nil && opts.Compression && acceptDeflate(parseExtensions(r.Header.Values("Sec-WebSocket-Extensions")))
	if deflate {
		b.WriteString("Sec-WebSocket-Extensions: " + deflateAnswer + "\r\n")
	}
	if opts != nil {
		opts.Header.Write(&b)
	}
	b.WriteString("\r\n")
	wr.Write(b.Bytes())
	if err := wr.Drain(r.Context()); err != nil {
		return nil, err
	}
	ws := newWebSocket(&streamSource{ahead: ahead, r: rd}, wr, false, proto, opts)
	ws.deflate = deflate
	return ws, nil
}

// checkUpgrade checks the request's handshake headers (section 4.2.1).
func checkUpgrade(r *http.Request) error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrBadHandshake, what) }
	switch {
	case r.Method != http.MethodGet:
		return bad("the method is " + r.Method + ", not GET")
	case !httpguts.HeaderValuesContainsToken(r.Header.Values("Connection"), "upgrade"):
		return bad("no Connection: Upgrade")
	case !httpguts.HeaderValuesContainsToken(r.Header.Values("Upgrade"), "websocket"):
		return bad("no Upgrade: websocket")
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return bad("Sec-WebSocket-Version is not 13")
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	if err != nil || len(key) != 16 {
		return bad("Sec-WebSocket-Key is not 16 bytes in base64")
	}
	return nil
}

func chooseSubprotocol(offered []string, opts *WebSocketOptions) string {
	if opts == nil {
		return ""
	}
	for _, o := range offered {
		for _, s := range opts.Subprotocols {
			if o == s {
				return o
			}
		}
	}
	return ""
}

// Dial opens a WebSocket connection to a ws:// or wss:// URL (client side),
// with opts.TLS for wss. It suspends while it connects and shakes hands;
// bound it with asyncio.Timeout. If the server does not accept, it returns
// the server's response (its body read, up to 64 KiB) and an error matching
// ErrBadHandshake. Loop goroutine only, from a task with its ctx.
func Dial(ctx context.Context, rawURL string, opts *WebSocketOptions) (*WebSocket, *http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("asynchttp: Dial: %w", err)
	}
	var so asyncio.StreamOptions
	port := 80
	switch u.Scheme {
	case "ws":
	case "wss":
		port = 443
		so.TLS = &tls.Config{}
		if opts != nil && opts.TLS != nil {
			so.TLS = opts.TLS.Clone()
		}
	default:
		return nil, nil, fmt.Errorf("asynchttp: Dial with scheme %q; use ws:// or wss://", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, nil, fmt.Errorf("asynchttp: Dial: bad port %q", p)
		}
	}
	rd, wr, err := asyncio.OpenConnection(ctx, u.Hostname(), port, so)
	if err != nil {
		return nil, nil, err
	}
	ws, resp, err := clientHandshake(ctx, u, rd, wr, opts)
	if err != nil {
		wr.Close()
		return nil, resp, err
	}
	return ws, resp, nil
}

// clientHandshake sends the upgrade request and checks the answer.
func clientHandshake(ctx context.Context, u *url.URL, rd *asyncio.StreamReader, wr *asyncio.StreamWriter, opts *WebSocketOptions) (*WebSocket, *http.Response, error) {
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	var offered []string
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
	b.WriteString("Sec-WebSocket-Key: " + key + "\r\n")
	if opts != nil {
		offered = opts.Subprotocols
		if len(offered) > 0 {
			b.WriteString("Sec-WebSocket-Protocol: " + strings.Join(offered, ", ") + "\r\n")
		}
		if opts.Compression {
			b.WriteString("Sec-WebSocket-Extensions: " + deflateOffer + "\r\n")
		}
		opts.Header.Write(&b)
	}
	b.WriteString("\r\n")
	wr.Write(b.Bytes())
	if err := wr.Drain(ctx); err != nil {
		return nil, nil, err
	}
	// The limit bounds the response head a server can make us hold; bytes
	// bufio read past the head are the first frames, kept below.
	lr := &io.LimitedReader{R: rd.IO(ctx), N: maxResponseHead}
	br := bufio.NewReader(lr)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet, URL: u})
	if err != nil {
		return nil, nil, fmt.Errorf("asynchttp: Dial: reading the handshake response: %w", err)
	}
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrBadHandshake, what) }
	if resp.StatusCode != http.StatusSwitchingProtocols {
		lr.N = 64 << 10
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return nil, resp, bad("the server answered " + resp.Status)
	}
	proto := resp.Header.Get("Sec-WebSocket-Protocol")
	switch {
	case !httpguts.HeaderValuesContainsToken(resp.Header.Values("Upgrade"), "websocket") || !httpguts.HeaderValuesContainsToken(resp.Header.Values("Connection"), "upgrade"):
		return nil, resp, bad("the 101 lacks Upgrade: websocket or Connection: Upgrade")
	case resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key):
		return nil, resp, bad("wrong Sec-WebSocket-Accept")
	case proto != "" && !slices.Contains(offered, proto):
		return nil, resp, bad("the server chose subprotocol " + proto + ", which was not offered")
	}
	deflate, err := checkDeflateAnswer(resp.Header.Values("Sec-WebSocket-Extensions"), opts != nil && opts.Compression)
	if err != nil {
		return nil, resp, bad(err.Error())
	}
	ahead, _ := br.Peek(br.Buffered()) // frames sent right after the 101
	src := &streamSource{ahead: bytes.Clone(ahead), r: rd}
	ws := newWebSocket(src, wr, true, proto, opts)
	ws.deflate = deflate
	return ws, resp, nil
}

// maxResponseHead bounds the handshake response's status line and headers.
const maxResponseHead = 1 << 20
