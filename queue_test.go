package asyncio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynciotest"
)

// qSettle lets every other task run until all of them wait: on the virtual
// clock, a sleep returns only when nothing else is ready.
func qSettle(ctx context.Context) { asyncio.Sleep(ctx, time.Millisecond) }

// qRun is asynciotest.Run for a test body that reports with t.
func qRun(t *testing.T, body func(ctx context.Context)) {
	t.Helper()
	if _, err := asynciotest.Run(t, func(ctx context.Context) (any, error) { body(ctx); return nil, nil }); err != nil {
		t.Fatal(err)
	}
}

func qWant[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// qGetter starts a task that takes n items from q and logs them.
func qGetter[T any](ctx context.Context, q *asyncio.Queue[T], n int, log *[]string, name string) *asyncio.Task[int] {
	return asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
		for range n {
			v, err := q.Get(ctx)
			if err != nil {
				*log = append(*log, fmt.Sprintf("%s:%v", name, err))
				return 0, nil
			}
			*log = append(*log, fmt.Sprintf("%s:%v", name, v))
		}
		return 0, nil
	}, name)
}

// qPutter starts a task that puts each of vs into q and logs each outcome.
func qPutter[T any](ctx context.Context, q *asyncio.Queue[T], log *[]string, name string, vs ...T) *asyncio.Task[int] {
	return asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
		for _, v := range vs {
			err := q.Put(ctx, v)
			*log = append(*log, fmt.Sprintf("%s:put %v %v", name, v, err))
		}
		return 0, nil
	}, name)
}

func TestQueueFIFO(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		q := asyncio.NewQueue[int](0)
		for i := range 5 {
			q.Put(ctx, i)
		}
		qWant(t, "qsize", q.Qsize(), 5)
		qWant(t, "full (unbounded)", q.Full(), false)
		var got []int
		for !q.Empty() {
			v, _ := q.Get(ctx)
			got = append(got, v)
		}
		qWant(t, "order", fmt.Sprint(got), "[0 1 2 3 4]")
	})
}

func TestQueueZeroValue(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		var q asyncio.Queue[string]
		qWant(t, "maxsize", q.Maxsize(), 0)
		qWant(t, "empty", q.Empty(), true)
		for _, s := range []string{"a", "b", "c"} {
			qWant(t, "tryput "+s, q.TryPut(s) == nil, true)
		}
		a, _ := q.Get(ctx)
		b, _ := q.TryGet()
		qWant(t, "first two", a+b, "ab")
		qWant(t, "qsize", q.Qsize(), 1)
	})
}

func TestQueueTryPutTryGet(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		q := asyncio.NewQueue[int](2)
		_, err := q.TryGet()
		qWant(t, "tryget on empty", err, asyncio.ErrQueueEmpty)
		qWant(t, "tryput 1", q.TryPut(1), nil)
		qWant(t, "tryput 2", q.TryPut(2), nil)
		qWant(t, "full", q.Full(), true)
		qWant(t, "tryput on full", q.TryPut(3), asyncio.ErrQueueFull)
		v, err := q.TryGet()
		qWant(t, "tryget", fmt.Sprint(v, err), "1 <nil>")
		qWant(t, "qsize", q.Qsize(), 1)
		q.Shutdown(false)
		qWant(t, "tryput after shutdown", q.TryPut(4), asyncio.ErrQueueShutDown)
		v, err = q.TryGet()
		qWant(t, "tryget of a left item after shutdown", fmt.Sprint(v, err), "2 <nil>")
		_, err = q.TryGet()
		qWant(t, "tryget on an empty shut-down queue", err, asyncio.ErrQueueShutDown)
	})
}

// A full queue suspends Put until a Get makes room; an empty one suspends
// Get until a Put; the virtual time shows when each resumed.
func TestQueueBlockingPutAndGet(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		l := asyncio.GetEventLoop()
		q := asyncio.NewQueue[int](2)
		var log []string
		asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			for i := range 3 {
				q.Put(ctx, i)
				log = append(log, fmt.Sprintf("put %d at %v", i, l.Time()))
			}
			return 0, nil
		})
		asyncio.Sleep(ctx, time.Second)
		qWant(t, "full with a putter blocked", q.Full(), true)
		v, _ := q.Get(ctx) // makes room: the putter resumes at 1s
		qWant(t, "first item", v, 0)
		for range 2 {
			q.Get(ctx)
		}
		asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			asyncio.Sleep(ctx, time.Second)
			return 0, q.Put(ctx, 42)
		})
		v, err := q.Get(ctx) // empty: suspends until 2s
		log = append(log, fmt.Sprintf("got %d %v at %v", v, err, l.Time()))
		qWant(t, "log", strings.Join(log, ", "), "put 0 at 0s, put 1 at 0s, put 2 at 1s, got 42 <nil> at 2s")
	})
}

// Blocked getters are served in the order they blocked, and so are putters.
func TestQueueWaiterOrder(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		q := asyncio.NewQueue[string](1)
		var log []string
		for _, name := range []string{"g1", "g2", "g3"} {
			qGetter(ctx, q, 1, &log, name)
		}
		qSettle(ctx)
		for _, v := range []string{"a", "b", "c"} {
			// Handed to the next getter; it counts for Full until that
			// getter has taken it, so the queue never holds more than
			// maxsize items (as in asyncio).
			qWant(t, "tryput "+v, q.TryPut(v), nil)
			qWant(t, "full while handed", q.TryPut("extra"), asyncio.ErrQueueFull)
			qSettle(ctx)
		}
		q.TryPut("x") // now full
		for _, name := range []string{"p1", "p2", "p3"} {
			qPutter(ctx, q, &log, name, name)
		}
		qSettle(ctx)
		for range 4 {
			v, _ := q.Get(ctx)
			log = append(log, "main:"+v)
			qSettle(ctx)
		}
		qWant(t, "log", strings.Join(log, " "), "g1:a g2:b g3:c "+
			"main:x p1:put p1 <nil> main:p1 p2:put p2 <nil> main:p2 p3:put p3 <nil> main:p3")
	})
}

func TestQueueTaskDoneJoin(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		l := asyncio.GetEventLoop()
		q := asyncio.NewQueue[int](0)
		qWant(t, "join with nothing unfinished", q.Join(ctx), error(nil))
		for i := range 3 {
			q.Put(ctx, i)
		}
		asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			for {
				if _, err := q.Get(ctx); err != nil {
					return 0, err
				}
				asyncio.Sleep(ctx, time.Second) // "process" the item
				q.TaskDone()
			}
		})
		err := q.Join(ctx)
		qWant(t, "join", fmt.Sprint(err, " at ", l.Time()), "<nil> at 3s")
	})
	var q asyncio.Queue[int]
	q.TryPut(1)
	q.TryGet()
	q.TaskDone()
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, "asyncio: Queue.TaskDone called more times than items were put") {
			t.Errorf("too many TaskDone: got panic %q", msg)
		}
	}()
	q.TaskDone()
}

// Shutdown(false): blocked putters and getters fail, later Puts fail, the
// items left can still be taken, then Get fails without suspending.
func TestQueueShutdown(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		var log []string
		empty := asyncio.NewQueue[int](1)
		qGetter(ctx, empty, 1, &log, "g")
		full := asyncio.NewQueue[int](1)
		full.TryPut(1)
		qPutter(ctx, full, &log, "p", 2)
		qSettle(ctx)
		empty.Shutdown(false)
		full.Shutdown(false)
		qSettle(ctx)
		qWant(t, "blocked callers", strings.Join(log, " "), "g:asyncio: queue is shut down p:put 2 asyncio: queue is shut down")
		qWant(t, "put after shutdown", full.Put(ctx, 3), asyncio.ErrQueueShutDown)
		qWant(t, "tryput after shutdown", full.TryPut(3) == nil, false)
		v, err := full.Get(ctx)
		qWant(t, "item left", fmt.Sprint(v, err), "1 <nil>")
		_, err = full.Get(ctx)
		qWant(t, "get when drained is ErrQueueShutDown", errors.Is(err, asyncio.ErrQueueShutDown), true)
	})
}

// Shutdown(true) drops the items, counting them done for Join, and Get
// fails at once; an item already handed to a woken getter stays its own.
func TestQueueShutdownImmediate(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		var log []string
		q := asyncio.NewQueue[int](0)
		qGetter(ctx, q, 1, &log, "g")
		qSettle(ctx)
		q.TryPut(1) // handed to g, which has not run yet
		q.TryPut(2)
		q.TryPut(3)
		joined := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, q.Join(ctx) })
		qSettle(ctx) // joined waits; g has taken 1 but not marked it done
		q.Shutdown(true)
		qWant(t, "qsize after immediate shutdown", q.Qsize(), 0)
		_, err := q.Get(ctx)
		qWant(t, "get", err, asyncio.ErrQueueShutDown)
		qWant(t, "g took its item", strings.Join(log, " "), "g:1")
		qWant(t, "join still waits for g's item", joined.Done(), false)
		q.TaskDone()
		qSettle(ctx)
		qWant(t, "join returned", joined.Done(), true)
	})
}

// A putter granted a place but shut down before it runs fails, as in
// asyncio, and its item is not added.
func TestQueueShutdownGrantedPutter(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		var log []string
		q := asyncio.NewQueue[int](1)
		q.TryPut(1)
		qPutter(ctx, q, &log, "p", 2)
		qSettle(ctx)
		q.TryGet() // grants the place to p
		q.Shutdown(false)
		qSettle(ctx)
		qWant(t, "putter", strings.Join(log, " "), "p:put 2 asyncio: queue is shut down")
		qWant(t, "qsize", q.Qsize(), 0)
		qWant(t, "full", q.Full(), false)
	})
}

// A getter cancelled in the same iteration as an item is handed to it keeps
// the item (its Get succeeds) and sees the cancellation at its next await.
// Cancelled before the item arrives, it fails and the item stays queued.
func TestQueueGetCancelledWhileItemArrives(t *testing.T) {
	for _, cancelFirst := range []bool{false, true} {
		qRun(t, func(ctx context.Context) {
			var q asyncio.Queue[int]
			var getRes, nextErr string
			g := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				v, err := q.Get(ctx)
				getRes = fmt.Sprint(v, " ", errors.Is(err, context.Canceled))
				if err != nil {
					return 0, err
				}
				err = asyncio.Sleep(ctx, 0)
				nextErr = fmt.Sprint(errors.Is(err, context.Canceled))
				return 0, err
			})
			qSettle(ctx)
			if cancelFirst {
				g.Cancel()
				q.TryPut(7)
			} else {
				q.TryPut(7)
				g.Cancel()
			}
			_, err := g.Await(ctx)
			qWant(t, "g cancelled", fmt.Sprint(g.Cancelled(), err), "true asyncio: cancelled")
			// Either way the Get raises the cancellation (CPython's rule:
			// once cancelled, the await raises), and the item stays in the
			// queue, whether it arrived before or after the Cancel.
			qWant(t, "get", getRes+" next:"+nextErr, "0 true next:")
			v, err := q.TryGet()
			qWant(t, "item kept in the queue", fmt.Sprint(v, err), "7 <nil>")
		})
	}
}

// WaitFor(q.Get) whose time runs out in the same iteration as an item
// arrives times out with the item still queued, whichever came first
// (CPython 3.12+: the timeout cancels the task before its Get resumes).
func TestQueueGetTimeoutWhileItemArrives(t *testing.T) {
	for _, putFirst := range []bool{true, false} {
		qRun(t, func(ctx context.Context) {
			l := asyncio.GetEventLoop()
			var q asyncio.Queue[int]
			put := func() { q.TryPut(5) }
			if putFirst { // timers with one deadline fire in the order they were set
				l.CallLater(time.Second, put)
			}
			asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				if !putFirst {
					l.CallLater(time.Second, put)
				}
				return 0, nil
			})
			v, err := asyncio.WaitFor(ctx, time.Second, q.Get)
			qWant(t, "timed out", fmt.Sprint(v, err), "0 asyncio: timeout")
			qWant(t, "item kept", q.Qsize(), 1)
			qWant(t, "no cancellation left over", asyncio.Sleep(ctx, 0), error(nil))
		})
	}
}

// When a woken getter is cancelled before it resumes, its Get raises the
// cancellation and its item goes to the next getter (CPython's rule).
func TestQueueWokenGetterCancelledNextServed(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		var log []string
		var q asyncio.Queue[int]
		g1 := qGetter(ctx, &q, 1, &log, "g1")
		qGetter(ctx, &q, 1, &log, "g2")
		qSettle(ctx)
		q.TryPut(1)
		g1.Cancel()
		q.TryPut(2)
		qSettle(ctx)
		qWant(t, "log", strings.Join(log, " "), "g1:asyncio: cancelled g2:1")
		qWant(t, "left in the queue", q.Qsize(), 1)
	})
}

// A putter granted a place and cancelled before it runs does not put its
// item (its Put raises the cancellation); the place goes to the next putter.
func TestQueueWokenPutterCancelled(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		var log []string
		q := asyncio.NewQueue[int](1)
		q.TryPut(0)
		p1 := qPutter(ctx, q, &log, "p1", 1)
		qPutter(ctx, q, &log, "p2", 2)
		qSettle(ctx)
		v, _ := q.TryGet() // grants the place to p1
		p1.Cancel()
		qWant(t, "full while p1's place is granted", q.Full(), true)
		qWant(t, "no barging", q.TryPut(9) == nil, false)
		qSettle(ctx)
		v2, _ := q.TryGet()
		qSettle(ctx)
		v3, _ := q.TryGet()
		log = append(log, fmt.Sprint("got ", v, v2, v3))
		qWant(t, "log", strings.Join(log, " "), "p1:put 1 asyncio: cancelled p2:put 2 <nil> got 0 2 0")
	})
}

// A putter cancelled while it waits does not add its item.
func TestQueuePutterCancelledWhileWaiting(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		var log []string
		q := asyncio.NewQueue[int](1)
		q.TryPut(0)
		p := qPutter(ctx, q, &log, "p", 1)
		qSettle(ctx)
		p.Cancel()
		qSettle(ctx)
		q.TryGet()
		qWant(t, "log", strings.Join(log, " "), "p:put 1 asyncio: cancelled")
		qWant(t, "nothing added", q.Qsize(), 0)
	})
}

func TestPriorityQueueOrder(t *testing.T) {
	type job struct {
		prio int
		name string
	}
	qRun(t, func(ctx context.Context) {
		q := asyncio.NewPriorityQueue(0, func(a, b job) bool { return a.prio < b.prio })
		for _, j := range []job{{3, "c"}, {1, "a1"}, {2, "b"}, {1, "a2"}, {0, "z"}, {1, "a3"}} {
			q.TryPut(j)
		}
		var got []string
		for !q.Empty() {
			j, _ := q.Get(ctx)
			got = append(got, j.name)
		}
		qWant(t, "order", strings.Join(got, " "), "z a1 a2 a3 b c")
	})
	defer func() { qWant(t, "nil less panics", recover() != nil, true) }()
	asyncio.NewPriorityQueue[int](0, nil)
}

func TestLifoQueueOrder(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		q := asyncio.NewLifoQueue[int](3)
		for i := range 3 {
			q.Put(ctx, i)
		}
		qWant(t, "full", q.TryPut(3) == nil, false)
		var got []int
		for !q.Empty() {
			v, _ := q.Get(ctx)
			got = append(got, v)
		}
		qWant(t, "order", fmt.Sprint(got), "[2 1 0]")
	})
}

// Put and Get that do not suspend allocate nothing once the storage has grown.
func TestQueueNoAllocs(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		for _, q := range []*asyncio.Queue[int]{asyncio.NewQueue[int](8), asyncio.NewLifoQueue[int](8),
			asyncio.NewPriorityQueue(8, func(a, b int) bool { return a < b })} {
			q.TryPut(0)
			q.TryGet()
			n := testing.AllocsPerRun(100, func() {
				q.Put(ctx, 1)
				q.TryPut(2)
				q.Get(ctx)
				q.TryGet()
			})
			qWant(t, "allocs per put/get", n, 0.0)
		}
	})
}

// Items are got in put order across a waiting consumer and many puts.
func TestQueueProducerConsumer(t *testing.T) {
	qRun(t, func(ctx context.Context) {
		q := asyncio.NewQueue[int](3)
		var got []int
		c := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			for {
				v, err := q.Get(ctx)
				if err != nil {
					return 0, nil
				}
				got = append(got, v)
			}
		})
		for i := range 20 {
			q.Put(ctx, i)
		}
		q.Shutdown(false)
		c.Await(ctx)
		want := make([]int, 20)
		for i := range want {
			want[i] = i
		}
		qWant(t, "all, in order", slices.Equal(got, want), true)
	})
}

// BenchmarkQueueProducerConsumer passes 1,000,000 items from a producer task
// to a consumer task through one Queue; ns/item is the cost per item.
func BenchmarkQueueProducerConsumer(b *testing.B) {
	for _, maxsize := range []int{0, 1, 1024} {
		b.Run(fmt.Sprint("maxsize=", maxsize), func(b *testing.B) {
			const n = 1_000_000
			benchLoop()
			b.ReportAllocs()
			asyncio.Run(func(ctx context.Context) (any, error) {
				q := asyncio.NewQueue[int](maxsize)
				for b.Loop() {
					consumer := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
						sum := 0
						for range n {
							v, _ := q.Get(ctx)
							sum += v
						}
						return sum, nil
					})
					producer := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
						for i := range n {
							q.Put(ctx, i)
						}
						return 0, nil
					})
					producer.Await(ctx)
					if sum, _ := consumer.Await(ctx); sum != n*(n-1)/2 {
						b.Fatal("lost items: sum", sum)
					}
				}
				return nil, nil
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		})
	}
}

// BenchmarkQueueTryPutTryGet is one TryPut and one TryGet on an uncontended
// queue.
func BenchmarkQueueTryPutTryGet(b *testing.B) {
	benchLoop()
	b.ReportAllocs()
	asyncio.Run(func(ctx context.Context) (any, error) {
		q := asyncio.NewQueue[int](1024)
		for b.Loop() {
			q.TryPut(1)
			q.TryGet()
		}
		return nil, nil
	})
}
