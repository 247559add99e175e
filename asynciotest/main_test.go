package asynciotest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a run leaves a goroutine behind (a task's
// coroutine, a ToThread worker).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
