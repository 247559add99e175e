package timerheap

import (
	"sort"
	"testing"
)

// model is the naive reference: a slice kept sorted by (When, push order).
type model struct {
	items []*Timer
	order map[*Timer]int
	n     int
}

func (m *model) push(t *Timer) { m.n++; m.order[t] = m.n; m.items = append(m.items, t); m.sort() }
func (m *model) sort() {
	sort.SliceStable(m.items, func(i, j int) bool {
		a, b := m.items[i], m.items[j]
		return a.When < b.When || (a.When == b.When && m.order[a] < m.order[b])
	})
}
func (m *model) remove(t *Timer) bool {
	for i, x := range m.items {
		if x == t {
			m.items = append(m.items[:i], m.items[i+1:]...)
			return true
		}
	}
	return false
}

// FuzzHeap drives the heap and the model with the same operations.
func FuzzHeap(f *testing.F) {
	f.Add([]byte{0, 5, 0, 5, 0, 1, 1, 2, 3, 1, 1})
	f.Add([]byte{0, 9, 0, 9, 0, 9, 2, 0, 2, 1, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var h Heap
		m := &model{order: map[*Timer]int{}}
		var all []*Timer
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i]%3, int(ops[i+1])
			switch op {
			case 0:
				tm := &Timer{When: int64(arg % 8), index: -1}
				all = append(all, tm)
				h.Push(tm)
				m.push(tm)
			case 1:
				got, want := h.Pop(), (*Timer)(nil)
				if len(m.items) > 0 {
					want = m.items[0]
					m.items = m.items[1:]
				}
				if got != want {
					t.Fatalf("pop: got %p want %p", got, want)
				}
			case 2:
				if len(all) == 0 {
					continue
				}
				tm := all[arg%len(all)]
				if h.Remove(tm) != m.remove(tm) {
					t.Fatal("remove disagrees with model")
				}
			}
			if s := h.Check(); s != "" {
				t.Fatal(s)
			}
			if h.Len() != len(m.items) || (h.Len() > 0 && h.Peek() != m.items[0]) {
				t.Fatal("peek/len disagree with model")
			}
		}
	})
}

func TestEqualDeadlinesFIFO(t *testing.T) {
	var h Heap
	ts := make([]Timer, 50)
	for i := range ts {
		ts[i].When = 7
		h.Push(&ts[i])
	}
	for i := range ts {
		if got := h.Pop(); got != &ts[i] {
			t.Fatalf("pop %d out of push order", i)
		}
	}
}

func TestPushPopNoAlloc(t *testing.T) {
	var h Heap
	ts := make([]Timer, 64)
	for i := range ts {
		h.Push(&ts[i])
	}
	for h.Pop() != nil {
	}
	n := testing.AllocsPerRun(100, func() {
		for i := range ts {
			ts[i].When = int64(i * 7 % 13)
			h.Push(&ts[i])
		}
		for h.Pop() != nil {
		}
	})
	if n != 0 {
		t.Fatalf("push/pop allocates %v", n)
	}
}

func BenchmarkPushPop1k(b *testing.B) {
	var h Heap
	ts := make([]Timer, 1000)
	for i := range ts {
		ts[i].When = int64(i * 7919 % 1000)
		h.Push(&ts[i])
	}
	b.ReportAllocs()
	for b.Loop() {
		t := h.Pop()
		t.When += 1000
		h.Push(t)
	}
}
