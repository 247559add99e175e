package sim

import (
	"slices"
	"testing"
)

// Order keeps callbacks in their order and granted tasks in theirs, moves
// free tasks anywhere, and is a permutation.
func TestOrderKeepsConstraints(t *testing.T) {
	classes := []Class{Free, Ordered, Granted, Free, Ordered, Granted, Free, Ordered, Granted}
	ids := []uint64{1, 0, 2, 3, 0, 4, 5, 0, 6}
	seen := map[string]bool{}
	for seed := range uint64(200) {
		for _, pct := range []int{0, 2} {
			s := New(Options{Seed: seed, Choices: -1, ChangePoints: pct, Steps: 10})
			perm := slices.Clone(s.Order(classes, ids))
			sorted := slices.Clone(perm)
			slices.Sort(sorted)
			if !slices.Equal(sorted, []int32{0, 1, 2, 3, 4, 5, 6, 7, 8}) {
				t.Fatalf("not a permutation: %v", perm)
			}
			last := map[Class]int32{Ordered: -1, Granted: -1}
			for _, i := range perm {
				if c := classes[i]; c != Free {
					if i < last[c] {
						t.Fatalf("seed %d: class %d out of order in %v", seed, c, perm)
					}
					last[c] = i
				}
			}
			seen[string(slices.Collect(func(yield func(rune) bool) {
				for _, i := range perm {
					yield(rune('0' + i))
				}
			}))] = true
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct orders in 400 draws", len(seen))
	}
}

// With no choices left, everything is FIFO; the same seed draws the same.
func TestOrderFIFOAndDeterminism(t *testing.T) {
	classes := []Class{Free, Free, Free, Free}
	ids := []uint64{1, 2, 3, 4}
	if got := New(Options{Choices: 0}).Order(classes, ids); !slices.Equal(got, []int32{0, 1, 2, 3}) {
		t.Errorf("no choices: %v, want FIFO", got)
	}
	a := slices.Clone(New(Options{Seed: 9, Choices: -1}).Order(classes, ids))
	b := New(Options{Seed: 9, Choices: -1}).Order(classes, ids)
	if !slices.Equal(a, b) {
		t.Errorf("seed 9 twice: %v, %v", a, b)
	}
	s := New(Options{Seed: 9, Choices: 2})
	s.Order(classes, ids)
	if s.Choices() != 2 {
		t.Errorf("drew %d choices, want the prefix of 2", s.Choices())
	}
}

// PCT: a task's priority holds across batches until a change point demotes it.
func TestPCTPrioritiesPersist(t *testing.T) {
	s := New(Options{Seed: 4, Choices: -1, ChangePoints: 1, Steps: 1 << 30})
	ids := []uint64{1, 2, 3}
	classes := []Class{Free, Free, Free}
	first := slices.Clone(s.Order(classes, ids))
	for range 10 {
		if got := s.Order(classes, ids); !slices.Equal(got, first) {
			t.Fatalf("order changed without a change point: %v then %v", first, got)
		}
	}
	s.changes = []int{0}
	s.Stepped(ids[first[0]]) // the leader hits a change point
	if got := s.Order(classes, ids); got[2] != first[0] {
		t.Errorf("after its change point the leader runs at %v, want last", got)
	}
}
