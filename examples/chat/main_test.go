//go:build unix

package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio/internal/exampletest"
)

// Ctrl-C and SIGTERM end the chat server promptly although a client is in
// the room: it is told, then disconnected after the grace period.
func TestSignalEndsServerWithClient(t *testing.T) {
	bin := exampletest.Build(t)
	for _, sig := range exampletest.Signals {
		t.Run(sig.String(), func(t *testing.T) {
			p := exampletest.Start(t, bin, "-addr", "127.0.0.1:0", "-grace", "100ms")
			addr := strings.TrimPrefix(p.Line(t, "chat server on "), "chat server on ")
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(exampletest.SafetyTimeout)) // against a hang only
			rd := bufio.NewReader(conn)
			conn.Write([]byte("ann\n"))
			if line, err := rd.ReadString('\n'); err != nil || !strings.Contains(line, "in the room: ann") {
				t.Fatalf("joining: %q, %v", line, err)
			}
			p.Signal(t, sig)
			if line, err := rd.ReadString('\n'); err != nil || line != "* the server is shutting down\n" {
				t.Errorf("client after %v: %q, %v; want the news", sig, line, err)
			}
			if _, err := rd.ReadString('\n'); err != io.EOF {
				t.Errorf("client after the grace period: %v; want the connection closed", err)
			}
			if err := p.Wait(t); !exampletest.ExitedCleanly(err) {
				t.Errorf("after %v the server exited with %v; output %q", sig, err, p.Output)
			}
		})
	}
}
