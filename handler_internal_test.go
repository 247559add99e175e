package asyncio

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// The default handler writes the message, the task and the error to stderr;
// a panicking custom handler falls back to it, keeping both stories.
func TestDefaultHandlerOutput(t *testing.T) {
	l := NewEventLoop()
	defer l.Close()
	var buf bytes.Buffer
	l.errOut = &buf
	t1 := l.CreateTask(func(ctx context.Context) (any, error) { return nil, errors.New("disk full") }, "saver")
	l.RunUntilComplete(t1)
	l.CallExceptionHandler(ExceptionContext{Message: "Task exception was never retrieved", Err: t1.err, Task: t1})
	out := buf.String()
	for _, want := range []string{"asyncio: Task exception was never retrieved", "saver", "disk full"} {
		if !strings.Contains(out, want) {
			t.Errorf("default handler output lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	l.SetExceptionHandler(func(*Loop, ExceptionContext) { panic("bad handler") })
	l.CallExceptionHandler(ExceptionContext{Message: "original"})
	out = buf.String()
	if !strings.Contains(out, "Unhandled error in exception handler") || !strings.Contains(out, "bad handler") ||
		!strings.Contains(out, "original") {
		t.Errorf("panicking handler output:\n%s", out)
	}
}
