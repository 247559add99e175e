// Package waitq is an intrusive FIFO of waiters with O(1) removal from any
// position: the one wait queue every primitive parks tasks on. A Node lives
// inside its waiter (a task, or a waiter record), so queueing allocates
// nothing, and a cancelled waiter unlinks itself without a search.
package waitq

// Node is one waiter's link. Value is the waiter; the rest belongs to the
// queue. A Node is in at most one Queue at a time.
type Node[T any] struct {
	Value      T
	prev, next *Node[T]
	q          *Queue[T] // the queue holding this node, nil when not queued
}

// Queued reports whether n is in a queue.
func (n *Node[T]) Queued() bool { return n.q != nil }

// Queue is a FIFO of Nodes. The zero value is an empty queue.
//
// Invariants: head.prev == nil, tail.next == nil; following next from head
// visits exactly n nodes, each with q == this queue.
type Queue[T any] struct {
	head, tail *Node[T]
	n          int
}

// Len returns the number of queued nodes.
func (q *Queue[T]) Len() int { return q.n }

// Front returns the first node, or nil.
func (q *Queue[T]) Front() *Node[T] { return q.head }

// Next returns the node after n in its queue, or nil.
func (n *Node[T]) Next() *Node[T] { return n.next }

// PushBack appends n. It panics if n is already queued: a waiter waits on one
// thing at a time.
func (q *Queue[T]) PushBack(n *Node[T]) {
	if n.q != nil {
		panic("waitq: node is already queued")
	}
	n.q, n.prev, n.next = q, q.tail, nil
	if q.tail == nil {
		q.head = n
	} else {
		q.tail.next = n
	}
	q.tail = n
	q.n++
}

// PopFront removes and returns the first node, or nil if q is empty.
func (q *Queue[T]) PopFront() *Node[T] {
	n := q.head
	if n != nil {
		q.Remove(n)
	}
	return n
}

// Remove unlinks n from q and reports whether it was in q.
func (q *Queue[T]) Remove(n *Node[T]) bool {
	if n.q != q {
		return false
	}
	if n.prev == nil {
		q.head = n.next
	} else {
		n.prev.next = n.next
	}
	if n.next == nil {
		q.tail = n.prev
	} else {
		n.next.prev = n.prev
	}
	n.q, n.prev, n.next = nil, nil, nil
	q.n--
	return true
}

// Unlink removes n from whatever queue holds it; it reports false if none does.
func (n *Node[T]) Unlink() bool {
	if n.q == nil {
		return false
	}
	return n.q.Remove(n)
}

// Check verifies the invariants and returns the first violation or "".
func (q *Queue[T]) Check() string {
	count := 0
	var prev *Node[T]
	for n := q.head; n != nil; n = n.next {
		if n.q != q || n.prev != prev {
			return "waitq: broken link"
		}
		prev = n
		count++
	}
	if prev != q.tail || count != q.n {
		return "waitq: length or tail out of sync"
	}
	return ""
}
