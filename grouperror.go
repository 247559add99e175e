package asyncio

import (
	"strconv"
	"strings"
)

// GroupError is the error a TaskGroup returns when tasks in it fail
// (asyncio's ExceptionGroup): the failures of the children and of the block,
// in the order they happened. A child that ran a group of its own and failed
// contributes its *GroupError, so nested groups stay visible as nested
// GroupErrors. errors.Is and errors.As look through it (Unwrap() []error).
//
// Cancellations are never among the failures: neither the group's own
// cancellation of its children and block, nor a cancellation of the task
// running the group (that one stays requested, and the task's next await
// returns it, as in CPython 3.13). So errors.Is(err, context.Canceled) on a
// GroupError is true only if a failure itself is, or wraps, context.Canceled
// (say a child returned a plain context.Canceled from a Go API); it is never
// true because the group or its runner was cancelled.
type GroupError struct {
	Errs []error // the failures; never empty, never a *CancelledError
}

// Unwrap returns the failures, for errors.Is and errors.As.
func (e *GroupError) Unwrap() []error { return e.Errs }

// Error lists the failures, one per line, nested groups indented.
func (e *GroupError) Error() string {
	var b strings.Builder
	e.write(&b, "")
	return b.String()
}

func (e *GroupError) write(b *strings.Builder, indent string) {
	b.WriteString("asyncio: unhandled errors in a TaskGroup (")
	b.WriteString(strconv.Itoa(len(e.Errs)))
	if len(e.Errs) == 1 {
		b.WriteString(" failure)")
	} else {
		b.WriteString(" failures)")
	}
	for _, err := range e.Errs {
		b.WriteString("\n" + indent + "  - ")
		if ge, ok := err.(*GroupError); ok {
			ge.write(b, indent+"    ")
			continue
		}
		b.WriteString(strings.ReplaceAll(err.Error(), "\n", "\n"+indent+"    "))
	}
}
