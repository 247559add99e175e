package asyncio

import (
	"context"
	"testing"
	"unsafe"
)

// The per-task cost is part of the product (issue 8): a Task whose result
// is at most 16 bytes (int, error, any, string) fits the runtime's 288-byte
// size class. A field added to task pushes it into the next class (320);
// move rarely used state to taskExt instead.
func TestTaskFitsSizeClass(t *testing.T) {
	sizes := map[string]uintptr{
		"Task[struct{}]": unsafe.Sizeof(Task[struct{}]{}),
		"Task[int]":      unsafe.Sizeof(Task[int]{}),
		"Task[error]":    unsafe.Sizeof(Task[error]{}),
		"Task[any]":      unsafe.Sizeof(Task[any]{}),
		"Task[string]":   unsafe.Sizeof(Task[string]{}),
	}
	for name, size := range sizes {
		if size > 288 {
			t.Errorf("%s is %d bytes, more than the 288-byte size class", name, size)
		}
	}
}

// Completion observers are told in the order they registered, whether there
// are one, two or more (ext.hook grows into a hookList).
func TestCompletionHooksInOrder(t *testing.T) {
	l := NewEventLoop()
	defer l.Close()
	var got []int
	_, err := Run(func(ctx context.Context) (any, error) {
		tk := CreateTask(ctx, func(ctx context.Context) (int, error) { return 1, Sleep(ctx, 0) })
		for i := range 4 {
			tk.AddDoneCallback(func(AnyTask) { got = append(got, i) })
		}
		if _, err := GatherTasks(ctx, tk); err != nil {
			return nil, err
		}
		return nil, Sleep(ctx, 0) // the callbacks run one iteration after completion
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0] != 0 || got[1] != 1 || got[2] != 2 || got[3] != 3 {
		t.Fatalf("done-callbacks ran as %v, want [0 1 2 3]", got)
	}
}
