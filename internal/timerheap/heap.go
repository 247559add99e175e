// Package timerheap is the loop's timer queue: a 4-ary min-heap of timers
// ordered by deadline, equal deadlines in the order they were pushed. Each
// timer stores its own index so that removal (a cancelled sleep or call_later)
// is O(log n) and needs no search. Timers are embedded in their owners (a task
// embeds the timer it sleeps on), so pushing one allocates nothing once the
// heap's backing slice has grown.
package timerheap

// Timer is one entry. Its fields other than When and Value belong to the heap.
type Timer struct {
	When  int64  // deadline in the loop clock's nanoseconds; set before Push, not changed while queued
	Value any    // the owner, handed back by Pop; set once by the owner
	seq   uint64 // push order, breaks ties between equal deadlines (FIFO)
	index int    // position in Heap.items, or -1 when not queued
}

// Queued reports whether t is in a heap.
func (t *Timer) Queued() bool { return t.index >= 0 && t.seq != 0 }

// Heap is a min-heap of *Timer. The zero value is an empty heap.
//
// Each slot keeps a copy of its timer's deadline, so that sifting compares
// values in the slice and touches a Timer (in its owner, somewhere in the
// heap of the Go runtime) only to update its index or to break a tie: with
// 100,000 sleeping tasks, following a pointer per comparison was the loop's
// largest cost (cache misses).
//
// Invariants: items[i].t.index == i and items[i].when == items[i].t.When;
// for every i > 0, !less(items[i], items[(i-1)/4]); seq values are unique
// and increasing.
type Heap struct {
	items []slot
	seq   uint64
}

// slot is one heap position: a timer and a copy of its deadline.
type slot struct {
	when int64
	t    *Timer
}

// Len returns the number of queued timers.
func (h *Heap) Len() int { return len(h.items) }

// Peek returns the earliest timer, or nil if the heap is empty.
func (h *Heap) Peek() *Timer {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0].t
}

// Push queues t. t must not be queued already.
func (h *Heap) Push(t *Timer) {
	h.seq++
	t.seq = h.seq
	t.index = len(h.items)
	h.items = append(h.items, slot{t.When, t})
	h.up(t.index)
}

// Pop removes and returns the earliest timer, or nil if the heap is empty.
func (h *Heap) Pop() *Timer {
	if len(h.items) == 0 {
		return nil
	}
	t := h.items[0].t
	h.Remove(t)
	return t
}

// Remove takes t out of the heap; it reports false if t was not queued.
func (h *Heap) Remove(t *Timer) bool {
	i := t.index
	if i < 0 || i >= len(h.items) || h.items[i].t != t {
		return false
	}
	last := len(h.items) - 1
	if i != last {
		h.items[i] = h.items[last]
		h.items[i].t.index = i
	}
	h.items[last] = slot{}
	h.items = h.items[:last]
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
	t.index = -1
	t.seq = 0
	return true
}

// less orders slots by deadline, then by push order; only a tie reads the
// timers.
func less(a, b slot) bool {
	return a.when < b.when || (a.when == b.when && a.t.seq < b.t.seq)
}

func (h *Heap) up(i int) {
	s := h.items[i]
	for i > 0 {
		p := (i - 1) / 4
		if !less(s, h.items[p]) {
			break
		}
		h.items[i] = h.items[p]
		h.items[i].t.index = i
		i = p
	}
	h.items[i] = s
	s.t.index = i
}

// down sifts the entry at i toward the leaves and reports whether it moved.
func (h *Heap) down(i int) bool {
	start := i
	s := h.items[i]
	items := h.items
	n := len(items)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if less(items[j], items[m]) {
				m = j
			}
		}
		if !less(items[m], s) {
			break
		}
		items[i] = items[m]
		items[i].t.index = i
		i = m
	}
	items[i] = s
	s.t.index = i
	return i != start
}

// Check verifies the heap's invariants and returns a description of the first
// violation, or "" (used by the loop's debug invariant checker).
func (h *Heap) Check() string {
	for i, s := range h.items {
		if s.t.index != i {
			return "timerheap: entry index out of sync"
		}
		if s.when != s.t.When {
			return "timerheap: a queued timer's When was changed"
		}
		if i > 0 && less(s, h.items[(i-1)/4]) {
			return "timerheap: heap order violated"
		}
	}
	return ""
}
