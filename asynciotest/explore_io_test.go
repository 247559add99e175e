//go:build linux

package asynciotest

import (
	"context"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/internal/sim"
	"golang.org/x/sys/unix"
)

// Descriptors found ready by one poll are served in an order drawn from the
// seed: two pipes made readable before the loop polls wake their readers in
// either order, the same one for the same seed.
func TestExploreShufflesReadyDescriptors(t *testing.T) {
	var order string
	body := func(ctx context.Context, t testing.TB) error {
		var fds [2][2]int
		for i := range fds {
			if err := unix.Pipe2(fds[i][:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
				return err
			}
		}
		l := asyncio.GetEventLoop()
		defer func() {
			for _, p := range fds {
				l.ForgetFD(p[0])
				unix.Close(p[0])
				unix.Close(p[1])
			}
		}()
		var tasks []*asyncio.Task[int]
		for i, name := range []string{"a", "b"} {
			tasks = append(tasks, asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
				if err := asyncio.WaitReadable(ctx, fds[i][0]); err != nil {
					return 0, err
				}
				order += name
				return 0, nil
			}, name))
		}
		asyncio.Sleep(ctx, 0) // both readers wait
		asyncio.Sleep(ctx, 0)
		unix.Write(fds[1][1], []byte("x"))
		unix.Write(fds[0][1], []byte("x"))
		for _, tk := range tasks {
			if _, err := tk.Await(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	seen := map[string]bool{}
	traces := map[uint64]string{}
	ioOrders := map[string]bool{} // the order of the descriptors in the trace
	for seed := uint64(1); seed <= 20; seed++ {
		order = ""
		r := runOnce(t, body, sim.Options{Seed: seed, Choices: -1})
		if r.failed() {
			t.Fatal(r.report())
		}
		if !strings.Contains(r.trace, "io    fd ") {
			t.Fatalf("trace names no descriptor:\n%s", r.trace)
		}
		seen[order] = true
		traces[seed] = r.trace
		var io []string
		for _, line := range strings.Split(r.trace, "\n") {
			if strings.Contains(line, " io ") {
				io = append(io, strings.TrimSpace(line))
			}
		}
		ioOrders[strings.Join(io, ",")] = true
	}
	if !seen["ab"] || !seen["ba"] || len(ioOrders) != 2 {
		t.Errorf("orders seen: readers %v, descriptors %v; want both of each", seen, ioOrders)
	}
	if r := runOnce(t, body, sim.Options{Seed: 3, Choices: -1}); r.trace != traces[3] {
		t.Errorf("seed 3 twice:\n%s\n---\n%s", traces[3], r.trace)
	}
}
