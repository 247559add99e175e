package asyncio

import (
	"math/bits"
	"time"
)

// Lag statistics: with SetLagStats(true), the loop times every step (a
// task's resumption or a callback) and every batch (the steps of one
// iteration), and Snapshot reports both as histograms: how long
// the loop is away from its poller, and which share of that is long steps.
// Off by default: it reads the clock twice per step.

// Histogram counts durations in power-of-two buckets from 1 µs.
type Histogram struct {
	Count   uint64        `json:"count"`
	Max     time.Duration `json:"max_ns"`
	Buckets []Bucket      `json:"buckets"` // the non-empty ones, shortest first
}

// Bucket is one histogram bucket: durations up to UpTo (and over the
// previous bucket's bound).
type Bucket struct {
	UpTo  time.Duration `json:"up_to_ns"`
	Count uint64        `json:"count"`
}

// lagBuckets is enough for 1 µs .. ~35 min.
const lagBuckets = 32

// lagHist is the loop's working form of a Histogram.
type lagHist struct {
	counts [lagBuckets]uint64
	n      uint64
	max    time.Duration
}

func (h *lagHist) add(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	i := min(bits.Len64(us), lagBuckets-1) // 0: under 1 µs; i: under 2^i µs
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

func (h *lagHist) histogram() Histogram {
	out := Histogram{Count: h.n, Max: h.max}
	for i, c := range h.counts {
		if c > 0 {
			out.Buckets = append(out.Buckets, Bucket{UpTo: time.Duration(1<<i) * time.Microsecond, Count: c})
		}
	}
	return out
}

// lagStats is what SetLagStats(true) keeps.
type lagStats struct {
	steps, batches lagHist
}

// SetLagStats turns step and batch timing on or off (see Snapshot's Steps
// and Batches histograms). Off, it costs one pointer test per step. Loop
// goroutine only.
func (l *Loop) SetLagStats(on bool) {
	switch {
	case on && l.lag == nil:
		l.lag = &lagStats{}
	case !on:
		l.lag = nil
	}
}

// runBatchTimed is runBatch with every step and the batch timed.
func (l *Loop) runBatchTimed() {
	batchStart := l.clock.Now()
	for n := l.ready.Len(); n > 0; n-- {
		start := l.clock.Now()
		l.runStep(l.ready.Pop())
		if l.lag != nil { // a step may turn the stats off
			l.lag.steps.add(l.clock.Now() - start)
		}
	}
	if l.lag != nil {
		l.lag.batches.add(l.clock.Now() - batchStart)
	}
}
