//go:build linux

package main

import (
	"net"
	"testing"
)

func TestCoreAvg(t *testing.T) {
	v := []float64{10, 20, 30, 40}
	for list, want := range map[string]float64{"0": 10, "1": 20, "0-1": 15, "1,3": 30, "2-9": 35, "7": 0, "x": 0} {
		if got := coreAvg(v, list); got != want {
			t.Errorf("coreAvg(%q) = %v, want %v", list, got, want)
		}
	}
}

func TestMedian(t *testing.T) {
	m := median([]Sample{{RTPerSec: 3, P99us: 1}, {RTPerSec: 1, P99us: 9}, {RTPerSec: 2, P99us: 5}})
	if m.RTPerSec != 2 || m.P99us != 5 {
		t.Errorf("median = %+v", m)
	}
	if m := median([]Sample{{RTPerSec: 1}, {RTPerSec: 4}}); m.RTPerSec != 2.5 {
		t.Errorf("even median = %v, want 2.5", m.RTPerSec)
	}
}

func TestListening(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if n := listening(ln.Addr().(*net.TCPAddr).Port); n != 1 {
		t.Fatalf("listening = %d, want 1", n)
	}
}
