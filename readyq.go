package asyncio

// readyQueue is the loop's FIFO of tasks and callbacks to run: a ring buffer
// that doubles when full and never shrinks, so a steady state allocates
// nothing. It is a concrete type (not internal/ring's generic one) so that
// push and pop inline into the hot path. Loop goroutine only.
//
// Invariants: len(buf) is 0 or a power of two; with mask = len(buf)-1 the
// queued items are buf[head&mask] .. buf[(head+n-1)&mask]; other slots are nil.
type readyQueue struct {
	buf  []runnable
	head int
	n    int
}

func (q *readyQueue) Len() int { return q.n }

func (q *readyQueue) Push(r runnable) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = r
	q.n++
}

// Pop removes the head; the queue must not be empty.
func (q *readyQueue) Pop() runnable {
	i := q.head
	r := q.buf[i]
	q.buf[i] = nil
	q.head = (i + 1) & (len(q.buf) - 1)
	q.n--
	return r
}

// At returns the i-th queued item (debug checks).
func (q *readyQueue) At(i int) runnable { return q.buf[(q.head+i)&(len(q.buf)-1)] }

//go:noinline
func (q *readyQueue) grow() {
	size := max(2*len(q.buf), 64)
	buf := make([]runnable, size)
	for i := 0; i < q.n; i++ {
		buf[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
	}
	q.buf, q.head = buf, 0
}
