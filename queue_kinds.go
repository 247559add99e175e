package asyncio

import (
	"slices"

	"github.com/asyncio-go/asyncio/internal/ring"
)

// NewLifoQueue returns an empty queue that gives out the most recently put
// item first (asyncio.LifoQueue). maxsize is as for NewQueue. Every method
// of Queue applies; only the order differs.
func NewLifoQueue[T any](maxsize int) *Queue[T] {
	q := NewQueue[T](maxsize)
	q.items.kind = kindLIFO
	return q
}

// NewPriorityQueue returns an empty queue that gives out its smallest item
// first, by less (asyncio.PriorityQueue); items that are equal (neither is
// less) come out in the order they were put. maxsize is as for NewQueue.
// Every method of Queue applies; only the order differs. It panics if less
// is nil.
func NewPriorityQueue[T any](maxsize int, less func(a, b T) bool) *Queue[T] {
	if less == nil {
		misuse("NewPriorityQueue called with a nil less function; pass one, e.g. func(a, b T) bool { return a.Prio < b.Prio }")
	}
	q := NewQueue[T](maxsize)
	q.items.kind, q.items.less = kindPriority, less
	return q
}

// queueKind is the order in which a Queue gives out its items.
type queueKind uint8

const (
	kindFIFO     queueKind = iota // Queue: first in, first out; a ring buffer
	kindLIFO                      // LifoQueue: last in, first out; a stack
	kindPriority                  // PriorityQueue: smallest first, ties in put order; a heap
)

// store holds a queue's items and gives them out in the order of its kind.
// Only the storage of its kind is used. None allocates per item once it has
// grown to the peak size, and removed slots are zeroed so the queue keeps
// nothing alive. The zero value is an empty FIFO store.
type store[T any] struct {
	kind  queueKind
	fifo  ring.Ring[T]      // kindFIFO
	stack []T               // kindLIFO: the top is the end
	heap  []heapItem[T]     // kindPriority: a binary min-heap ordered by before
	less  func(a, b T) bool // kindPriority
	seq   uint64            // kindPriority: items put so far, to order ties
}

type heapItem[T any] struct {
	v   T
	seq uint64 // put order
}

func (s *store[T]) len() int {
	switch s.kind {
	case kindFIFO:
		return s.fifo.Len()
	case kindLIFO:
		return len(s.stack)
	}
	return len(s.heap)
}

func (s *store[T]) push(v T) {
	switch s.kind {
	case kindFIFO:
		s.fifo.Push(v)
	case kindLIFO:
		s.stack = append(s.stack, v)
	default:
		s.seq++
		s.heap = append(s.heap, heapItem[T]{v, s.seq})
		s.up(len(s.heap) - 1)
	}
}

// pop removes and returns the next item; the store must not be empty.
func (s *store[T]) pop() T {
	var zero T
	switch s.kind {
	case kindFIFO:
		v, _ := s.fifo.Pop()
		return v
	case kindLIFO:
		n := len(s.stack) - 1
		v := s.stack[n]
		s.stack[n] = zero
		s.stack = s.stack[:n]
		return v
	}
	n := len(s.heap) - 1
	v := s.heap[0].v
	s.heap[0] = s.heap[n]
	s.heap[n] = heapItem[T]{}
	s.heap = s.heap[:n]
	s.down(0)
	return v
}

// keep drops all but n items (Shutdown(true) keeps the items handed to
// woken getters). Which n remain does not matter to the queue, since a woken
// getter takes the next item, whichever it is; keep chooses the ones put
// when they were handed over: the oldest for FIFO and LIFO (the bottom of
// the stack). For a heap it keeps the n that would come out first. It is
// O(len), or O(len log len) for a heap: shutdown only.
func (s *store[T]) keep(n int) {
	switch s.kind {
	case kindFIFO:
		for i, m := 0, s.fifo.Len(); i < m; i++ {
			v, _ := s.fifo.Pop()
			if i < n {
				s.fifo.Push(v)
			}
		}
	case kindLIFO:
		clear(s.stack[n:])
		s.stack = s.stack[:n]
	default:
		slices.SortFunc(s.heap, func(a, b heapItem[T]) int { // sorted is a heap
			if s.before(&a, &b) {
				return -1
			} else if s.before(&b, &a) {
				return 1
			}
			return 0
		})
		clear(s.heap[n:])
		s.heap = s.heap[:n]
	}
}

// before orders the heap: by less, then by put order.
func (s *store[T]) before(a, b *heapItem[T]) bool {
	if s.less(a.v, b.v) {
		return true
	}
	return !s.less(b.v, a.v) && a.seq < b.seq
}

func (s *store[T]) up(i int) {
	h := s.heap
	for i > 0 {
		p := (i - 1) / 2
		if !s.before(&h[i], &h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (s *store[T]) down(i int) {
	h := s.heap
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && s.before(&h[c+1], &h[c]) {
			c++
		}
		if !s.before(&h[c], &h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
