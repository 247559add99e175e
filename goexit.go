package asyncio

import (
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// newGoexitError describes a runtime.Goexit called by t's function. It runs
// in a deferred call during the Goexit, so the stack still shows the caller.
func newGoexitError(t *task) *GoexitError {
	return &GoexitError{Task: t.Name(), Where: goexitCaller(), Stack: debug.Stack()}
}

// goexitCaller returns "function file:line" of the first frame below
// runtime.Goexit that is not in package testing (t.Fatal, t.FailNow and
// t.SkipNow call Goexit for their caller), or "" if Goexit is not found.
func goexitCaller() string {
	var pcs [64]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	seen := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.Goexit":
			seen = true
		case seen && !strings.HasPrefix(f.Function, "testing."):
			return f.Function + " " + f.File + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return ""
		}
	}
}
