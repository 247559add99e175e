package main

import (
	"math"
	"os"
	"testing"
)

func TestHistogramQuantile(t *testing.T) {
	var h histogram
	for v := uint64(1); v <= 100000; v++ {
		h.record(v * 1000) // 1µs .. 100ms
	}
	for _, q := range []float64{0.5, 0.99} {
		want := q * 100000 * 1000
		if got := h.quantile(q); math.Abs(got-want)/want > 0.016 {
			t.Errorf("quantile(%v) = %v, want %v ±1.6%%", q, got, want)
		}
	}
	for _, v := range []uint64{0, 1, 127, 128, 129, 1 << 40, math.MaxUint64} {
		if i := bucketOf(v); i < 0 || i >= len(h.counts) {
			t.Errorf("bucketOf(%d) = %d out of range", v, i)
		}
	}
}

func TestParseStat(t *testing.T) {
	line := "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 1 0 9 1 1\n"
	if got, err := parseStat(line); err != nil || got != 22 {
		t.Fatalf("parseStat = %d, %v; want 22", got, err)
	}
	if got, err := parsePPID(line); err != nil || got != 1 {
		t.Fatalf("parsePPID = %d, %v; want 1", got, err)
	}
}

func TestTreeTicksCountsChildren(t *testing.T) {
	self, err := cpuTicks(os.Getpid())
	if err != nil {
		t.Skip(err) // no /proc
	}
	tree, err := treeTicks(os.Getpid())
	if err != nil || tree < self {
		t.Fatalf("treeTicks = %d, %v; want at least the process's own %d", tree, err, self)
	}
}

func TestCheckLoopback(t *testing.T) {
	if checkLoopback("127.0.0.1:1") != nil || checkLoopback("[::1]:1") != nil {
		t.Error("loopback refused")
	}
	if checkLoopback("10.0.0.1:1") == nil || checkLoopback("localhost:1") == nil {
		t.Error("non-literal or non-loopback accepted")
	}
}
