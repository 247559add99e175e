package asyncio

import (
	"bytes"

	"github.com/asyncio-go/asyncio/internal/gid"
	"runtime"
	"strconv"
	"strings"
)

// goid returns the current goroutine's id. It parses runtime.Stack, so it is
// slow: debug mode only.
func goid() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := bytes.Fields(buf[:n])
	if len(f) < 2 {
		return -1
	}
	id, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return id
}

// checkGoroutine panics if a loop-only operation is called from a goroutine
// that is neither the loop's nor the running task's coroutine (debug mode). A
// task runs only while the loop waits for it, so a coroutine goroutine asking
// while a task is current can only be that task's.
func (l *Loop) checkGoroutine(op string) {
	if !l.running.Load() {
		return
	}
	g := gid.Current()
	if g == l.loopG || (l.current != nil && g == l.taskGs[l.current]) {
		return
	}
	misuse("%s called from goroutine %d, which is not running the event loop; "+
		"from other goroutines use CallSoonThreadsafe or RunCoroutineThreadsafe", op, goid())
}

// noteTaskGoroutine records the goroutine running t (debug mode, on the
// task's coroutine as its function starts), so that checkGoroutine knows it
// with one map lookup.
func (l *Loop) noteTaskGoroutine(t *task) {
	if l.taskGs == nil {
		l.taskGs = map[*task]uintptr{}
	}
	l.taskGs[t] = gid.Current()
}

// checkInvariants verifies the loop's data structures (debug mode, after every
// iteration), like the runtime's verifyTimers: a violation is a bug in this
// package, reported with a panic that says which structure broke.
func (l *Loop) checkInvariants() {
	var problems []string
	if s := l.timers.Check(); s != "" {
		problems = append(problems, s)
	}
	for i, t := range l.liveTasks {
		if int(t.liveIndex) != i {
			problems = append(problems, "task "+t.Name()+": live index out of sync")
		}
		if t.state == stateDone {
			problems = append(problems, "finished task "+t.Name()+" still in the live list")
		}
		if (t.state == stateParked) != (t.parkedOn != nil) {
			problems = append(problems, "task "+t.Name()+": parked state and aborter disagree")
		}
		if _, ok := t.parkedOn.(nodeWait); ok && !t.node.Queued() {
			problems = append(problems, "task "+t.Name()+" parked on a wait queue it is not in")
		}
		if s := t.joiners.Check(); s != "" {
			problems = append(problems, "task "+t.Name()+" joiners: "+s)
		}
		if t.state == stateRunning {
			problems = append(problems, "task "+t.Name()+" marked running between steps")
		}
	}
	for i := 0; i < l.ready.Len(); i++ {
		if t, ok := l.ready.At(i).(*task); ok && t.state != stateReady && t.state != statePending {
			problems = append(problems, "task "+t.Name()+" queued to run but not ready")
		}
	}
	if len(problems) > 0 {
		panic("asyncio: internal invariant broken (please report): " + strings.Join(problems, "; "))
	}
}

// deadlockError describes a loop with a virtual clock where every task waits
// and nothing (no timer, descriptor or other goroutine) can wake any of them.
func (l *Loop) deadlockError() error {
	return newDeadlockError(l.snapshot())
}
