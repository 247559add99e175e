package ring

import "testing"

func TestFIFOAcrossGrowth(t *testing.T) {
	var r Ring[int]
	next, want := 0, 0
	for round := 0; round < 50; round++ {
		for i := 0; i < round*7; i++ {
			r.Push(next)
			next++
		}
		for i := 0; i < round*5; i++ {
			v, ok := r.Pop()
			if !ok || v != want {
				t.Fatalf("pop %v,%v want %d", v, ok, want)
			}
			want++
		}
	}
	for r.Len() > 0 {
		v, _ := r.Pop()
		if v != want {
			t.Fatalf("drain got %d want %d", v, want)
		}
		want++
	}
	if _, ok := r.Pop(); ok {
		t.Fatal("pop on empty ring")
	}
}

func TestSteadyStateNoAlloc(t *testing.T) {
	var r Ring[*int]
	x := new(int)
	for i := 0; i < 100; i++ {
		r.Push(x)
	}
	for r.Len() > 0 {
		r.Pop()
	}
	if n := testing.AllocsPerRun(1000, func() { r.Push(x); r.Pop() }); n != 0 {
		t.Fatalf("allocs %v", n)
	}
}
