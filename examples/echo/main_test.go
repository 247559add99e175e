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

// Ctrl-C and SIGTERM end the server promptly although a client is connected
// and idle: its connection is closed after the grace period.
func TestSignalEndsServerWithClient(t *testing.T) {
	bin := exampletest.Build(t)
	for _, sig := range exampletest.Signals {
		t.Run(sig.String(), func(t *testing.T) {
			p := exampletest.Start(t, bin, "-addr", "127.0.0.1:0", "-grace", "100ms")
			addr := strings.TrimPrefix(p.Line(t, "echo server listening on "), "echo server listening on ")
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(exampletest.SafetyTimeout)) // against a hang only
			rd := bufio.NewReader(conn)
			conn.Write([]byte("hello\n"))
			if reply, err := rd.ReadString('\n'); err != nil || !strings.HasSuffix(reply, ": hello\n") {
				t.Fatalf("echo: %q, %v", reply, err)
			}
			p.Signal(t, sig)
			if _, err := rd.ReadString('\n'); err != io.EOF {
				t.Errorf("client after %v: %v; want the connection closed", sig, err)
			}
			if err := p.Wait(t); !exampletest.ExitedCleanly(err) {
				t.Errorf("after %v the server exited with %v; output %q", sig, err, p.Output)
			}
		})
	}
}
