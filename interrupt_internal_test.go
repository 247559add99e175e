package asyncio

import (
	"context"
	"os"
	"testing"
)

// watcherState reports whether Run's SIGINT watcher is installed and
// subscribed to SIGINT.
func watcherState() (installed, subscribed bool) {
	signalMu.Lock()
	defer signalMu.Unlock()
	return sigintWatcher != nil, sigintWatcher != nil && sigintWatcher.subscribed
}

// Run installs its SIGINT watcher for its duration only, steps it aside while
// the program handles SIGINT, and installs none when told not to.
func TestRunSIGINTWatcherLifetime(t *testing.T) {
	l := NewEventLoop()
	defer l.Close()
	type state struct{ installed, subscribed bool }
	var got []state
	look := func() {
		i, s := watcherState()
		got = append(got, state{i, s})
	}
	Run(func(ctx context.Context) (any, error) {
		look()
		l.AddSignalHandler(os.Interrupt, func() {})
		look()
		l.RemoveSignalHandler(os.Interrupt)
		look()
		return nil, nil
	})
	look()
	Run(func(ctx context.Context) (any, error) { look(); return nil, nil }, RunOptions{NoInterruptHandler: true})
	want := []state{{true, true}, {true, false}, {true, true}, {false, false}, {false, false}}
	if len(got) != len(want) {
		t.Fatalf("watcher states %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("watcher states %v; want %v", got, want)
		}
	}
}
