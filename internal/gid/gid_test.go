package gid

import (
	"sync"
	"testing"
)

// The same goroutine gets the same value; live goroutines get different ones.
func TestCurrentIdentifiesGoroutines(t *testing.T) {
	me := Current()
	if me == 0 || Current() != me {
		t.Fatalf("Current() = %#x then %#x", me, Current())
	}
	const n = 50
	ids := make([]uintptr, n)
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	for i := range n {
		go func() {
			ids[i] = Current()
			started.Done()
			release.Wait() // stay alive until every id is read
		}()
	}
	started.Wait()
	seen := map[uintptr]bool{me: true}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("two live goroutines share %#x", id)
		}
		seen[id] = true
	}
	release.Done()
}

func TestSlowMatchesItself(t *testing.T) {
	if a, b := slow(), slow(); a == 0 || a != b {
		t.Fatalf("slow() = %d then %d", a, b)
	}
}

func BenchmarkCurrent(b *testing.B) {
	for b.Loop() {
		Current()
	}
}
