package workers

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	n := 0
	var got []time.Duration
	for range 9 {
		var d time.Duration
		d, n = backoff(n, time.Second)
		got = append(got, d)
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("quick failures give %v, want %v ms", got, want)
		}
	}
	if d, n := backoff(n, stableUptime); d != firstBackoff || n != 1 {
		t.Errorf("after a stable run: %v, %d; want %v, 1", d, n, firstBackoff)
	}
}

func TestRestartLimiter(t *testing.T) {
	l := restartLimiter{max: 2}
	t0 := time.Unix(1000, 0)
	if !l.allow(t0) || !l.allow(t0.Add(time.Second)) {
		t.Fatal("first two restarts refused")
	}
	if l.allow(t0.Add(2 * time.Second)) {
		t.Fatal("third restart within a minute allowed")
	}
	if !l.allow(t0.Add(restartWindow)) {
		t.Fatal("restart refused once the first left the window")
	}
	if (&restartLimiter{max: 0}).allow(t0) {
		t.Fatal("max 0 allowed a restart")
	}
}
