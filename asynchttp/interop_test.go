package asynchttp_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio/asynchttp"
)

// Interoperation with clients we did not write: curl, and Python's
// websockets package. Where one is not installed the test says so and
// skips (.ci/run installs both with apt-get where it can).

// curl against the server: two requests on one kept-alive connection, a
// POST body, a chunked upload, Expect: 100-continue, HEAD, HTTP/1.0.
func TestCurlAgainstServer(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (apt-get install curl): skipping the curl interop test")
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "30"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	serve(t, app(), func(base string) {
		if out := run("-v", base+"/hit", base+"/hit"); !strings.Contains(out, "hits=1") || !strings.Contains(out, "hits=2") ||
			!strings.Contains(strings.ToLower(out), "re-using existing connection") {
			t.Errorf("two GETs on one connection:\n%s", out)
		}
		if out := run("--data-binary", "hello", base+"/echo"); out != "HELLO" {
			t.Errorf("POST: %q", out)
		}
		if out := run("-H", "Transfer-Encoding: chunked", "--data-binary", "chunked upload", base+"/echo"); out != "CHUNKED UPLOAD" {
			t.Errorf("chunked POST: %q", out)
		}
		if out := run("-v", "-H", "Expect: 100-continue", "--data-binary", "wait for it", base+"/echo"); !strings.HasSuffix(out, "WAIT FOR IT") ||
			!strings.Contains(out, "HTTP/1.1 100 Continue") {
			t.Errorf("Expect: 100-continue:\n%s", out)
		}
		if out := run("-I", base+"/hit"); !strings.HasPrefix(out, "HTTP/1.1 200 OK") || !strings.Contains(out, "Content-Length: 6") {
			t.Errorf("HEAD:\n%s", out)
		}
		if out := run("-0", "-i", base+"/stream"); !strings.HasPrefix(out, "HTTP/1.0 200 OK") || !strings.HasSuffix(out, "part 0\npart 1\npart 2\n") ||
			strings.Contains(out, "Transfer-Encoding") {
			t.Errorf("HTTP/1.0 streamed response (ends with the connection, not chunked):\n%s", out)
		}
	})
}

// pythonWebsockets finds a python3 with the websockets package.
func pythonWebsockets(t *testing.T) string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(py); err == nil && exec.Command(path, "-c", "import websockets").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with the websockets package (apt-get install python3-websockets): skipping the Python WebSocket interop test")
	return ""
}

// Python's websockets client against our server: text, binary, a large
// message, a fragmented one, ping, and the closing handshake; with our
// server's Compression on, it negotiates permessage-deflate (the Python
// client offers it by default) and everything goes compressed.
func TestPythonWebSocketClient(t *testing.T) {
	py := pythonWebsockets(t)
	script := `
import asyncio, sys, websockets
async def main(url):
    async with websockets.connect(url, max_size=None) as ws:
        print("extensions", [e.name for e in ws.extensions])
        await ws.send("hello")
        print(await ws.recv())
        await ws.send(b"\x00\x01\x02")
        print((await ws.recv()).hex())
        await ws.send("y" * 300000)
        print(len(await ws.recv()))
        await ws.send(["frag1 ", "frag2"])
        print(await ws.recv())
        await (await ws.ping(b"p"))
        print("pong")
    print("closed", ws.close_code)
asyncio.run(asyncio.wait_for(main(sys.argv[1]), 30))
`
	for _, compression := range []bool{false, true} {
		var ended error
		opts := &asynchttp.WebSocketOptions{MaxMessageBytes: 1 << 20, Compression: compression}
		serve(t, echoWS(opts, func(err error) { ended = err }), func(base string) {
			cmd := exec.Command(py, "-c", script, "ws"+strings.TrimPrefix(base, "http")+"/")
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("python client (compression %v): %v\n%s", compression, err, out)
			}
			ext := "[]"
			if compression {
				ext = "['permessage-deflate']"
			}
			want := "extensions " + ext + "\nhello\n000102\n300000\nfrag1 frag2\npong\nclosed 1000\n"
			if string(out) != want {
				t.Errorf("python client (compression %v) printed:\n%s\nwant:\n%s", compression, out, want)
			}
		})
		var closed *asynchttp.CloseError
		if !errors.As(ended, &closed) || closed.Code != asynchttp.CloseNormal {
			t.Errorf("the server's ReadMessage ended with %v, want the client's close 1000", ended)
		}
	}
}
