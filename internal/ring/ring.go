// Package ring is a growable FIFO ring buffer: the loop's ready queue. Push and
// Pop are O(1) and allocate only when the buffer grows (it doubles, and never
// shrinks, so a steady state allocates nothing).
package ring

// Ring is a FIFO queue. The zero value is empty and ready to use.
//
// Invariants: len(buf) is 0 or a power of two; the live items are
// buf[head&mask] .. buf[(head+n-1)&mask]; other slots hold the zero value so
// the queue keeps nothing alive.
type Ring[T any] struct {
	buf  []T
	head int
	n    int
}

// Len returns the number of queued items.
func (r *Ring[T]) Len() int { return r.n }

// Push appends v at the tail.
func (r *Ring[T]) Push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

// Pop removes and returns the head; ok is false if the ring is empty.
func (r *Ring[T]) Pop() (v T, ok bool) {
	if r.n == 0 {
		return v, false
	}
	var zero T
	i := r.head & (len(r.buf) - 1)
	v = r.buf[i]
	r.buf[i] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return v, true
}

// At returns the i-th queued item (0 is the head); used by debug checks.
func (r *Ring[T]) At(i int) T { return r.buf[(r.head+i)&(len(r.buf)-1)] }

func (r *Ring[T]) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = 64
	}
	buf := make([]T, size)
	for i := 0; i < r.n; i++ {
		buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = buf, 0
}
