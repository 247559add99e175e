package asyncio

import (
	"context"
	"fmt"
	"io"
	"os"
	ossignal "os/signal"
	"sync"
	"time"
)

// DumpTasksOnSignal prints the task tree (Snapshot.PrintTree) to w each time
// one of sigs arrives, until the returned stop is called: an opt-in way to
// ask a running program what it is waiting on, such as
//
//	defer loop.DumpTasksOnSignal(os.Stderr, syscall.SIGUSR1)()
//
// then `kill -USR1 <pid>`. The tree is taken on the loop between two steps;
// a loop stuck in a step cannot answer, and after 2 s the dump says so (the
// slow-step report names the step when it ends). It panics if sigs is
// empty. Safe from any goroutine.
func (l *Loop) DumpTasksOnSignal(w io.Writer, sigs ...os.Signal) (stop func()) {
	if len(sigs) == 0 {
		misuse("DumpTasksOnSignal called with no signal; pass the signal to listen for, e.g. syscall.SIGUSR1")
	}
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	ossignal.Notify(ch, sigs...)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				l.dumpTasks(w, sig)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			ossignal.Stop(ch)
			close(done)
			wg.Wait()
		})
	}
}

// dumpTimeout bounds how long a dump waits for the loop.
const dumpTimeout = 2 * time.Second

func (l *Loop) dumpTasks(w io.Writer, sig os.Signal) {
	ctx, cancel := context.WithTimeout(context.Background(), dumpTimeout)
	defer cancel()
	snap, err := l.Snapshot(ctx)
	if err != nil {
		fmt.Fprintf(w, "asyncio: %v: no task tree: the loop did not answer within %v (%v): a step is blocking it\n", sig, dumpTimeout, err)
		return
	}
	fmt.Fprintf(w, "asyncio: %v: %d tasks\n", sig, len(snap.Tasks))
	snap.PrintTree(w)
}
