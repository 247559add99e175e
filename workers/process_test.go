//go:build linux

package workers_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// safety bounds every wait: it only fails a test that would otherwise hang
// (workers built with -race start slowly on a busy machine).
const safety = 60 * time.Second

// supervisorProc is a supervisor started by a test, in a process group of its
// own so that cleanup can kill it and every worker at once.
type supervisorProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	port   int
	out    *syncBuffer
	exited chan struct{}
}

func startSupervisor(t *testing.T, env ...string) *supervisorProc {
	t.Helper()
	p := &supervisorProc{t: t, port: freePort(t), out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), append(env, "WORKERS_TEST_PORT="+strconv.Itoa(p.port))...)
	if _, set := os.LookupEnv("GORACE"); !set {
		// Under -race, skip the race runtime's 1 s pause at every exit.
		p.cmd.Env = append(p.cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
		if t.Failed() {
			t.Logf("supervisor and workers said:\n%s", p.out.String())
		}
	})
	return p
}

func (p *supervisorProc) signal(sig syscall.Signal) {
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// wait waits for the supervisor to exit and returns its exit code.
func (p *supervisorProc) wait() int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(safety):
		p.t.Fatalf("supervisor still running after %v", safety)
		return 0
	}
}

// answer is a worker's reply to one connection.
type answer struct {
	index, pid, hups, gomaxprocs int
	cpus                         string
}

// ask connects once; ok is false if no worker answered.
func (p *supervisorProc) ask() (a answer, ok bool) {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p.port), time.Second)
	if err != nil {
		return a, false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return a, false
	}
	_, err = fmt.Sscanf(line, "%d %d %d %d %s", &a.index, &a.pid, &a.hups, &a.gomaxprocs, &a.cpus)
	return a, err == nil
}

// until asks the workers again and again until cond, given the latest
// answer of each worker index, holds.
func (p *supervisorProc) until(what string, cond func(latest map[int]answer) bool) map[int]answer {
	p.t.Helper()
	latest := map[int]answer{}
	deadline := time.Now().Add(safety)
	for !cond(latest) {
		if time.Now().After(deadline) {
			p.t.Fatalf("after %v, still waiting until %s; answers: %v", safety, what, latest)
		}
		select {
		case <-p.exited:
			p.t.Fatalf("supervisor exited while waiting until %s", what)
		default:
		}
		if a, ok := p.ask(); ok {
			latest[a.index] = a
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return latest
}

func both(latest map[int]answer) bool { return len(latest) == 2 }

// gone waits until none of pids is a live process (a zombie counts as gone).
func gone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("worker pid %d still alive after %v", pid, safety)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Two workers share one SO_REUSEPORT port; connections reach both; SIGTERM
// to the supervisor stops both, and the supervisor exits 0.
func TestWorkersShareAPortAndStopOnSIGTERM(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=serve", "WORKERS_TEST_N=2")
	latest := p.until("both workers answered", both)
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("supervisor exit status %d, want 0", code)
	}
	gone(t, latest[0].pid, latest[1].pid)
}

func TestSIGINTStopsTheWorkers(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=serve", "WORKERS_TEST_N=2")
	latest := p.until("both workers answered", both)
	p.signal(syscall.SIGINT)
	if code := p.wait(); code != 0 {
		t.Fatalf("supervisor exit status %d, want 0", code)
	}
	gone(t, latest[0].pid, latest[1].pid)
}

// A worker killed by a signal is started again with the same index.
func TestRestartsAWorkerThatDies(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=serve", "WORKERS_TEST_N=2")
	first := p.until("both workers answered", both)
	syscall.Kill(first[0].pid, syscall.SIGKILL)
	again := p.until("worker 0 answered from a new process", func(latest map[int]answer) bool {
		a, ok := latest[0]
		return ok && a.pid != first[0].pid
	})
	if a := again[1]; a.pid != 0 && a.pid != first[1].pid {
		t.Errorf("worker 1 changed from pid %d to %d; only worker 0 died", first[1].pid, a.pid)
	}
	if !strings.Contains(p.out.String(), "restarting it") {
		t.Errorf("the supervisor did not log the restart")
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("supervisor exit status %d, want 0", code)
	}
	gone(t, again[0].pid, first[1].pid)
}

func TestForwardsSIGHUP(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=serve", "WORKERS_TEST_N=2")
	first := p.until("both workers answered", both)
	p.signal(syscall.SIGHUP)
	p.until("both workers counted a SIGHUP", func(latest map[int]answer) bool {
		return both(latest) && latest[0].hups > 0 && latest[1].hups > 0
	})
	p.signal(syscall.SIGTERM)
	p.wait()
	gone(t, first[0].pid, first[1].pid)
}

// A worker that ignores SIGTERM gets SIGKILL once the grace period is over.
func TestGracePeriodThenSIGKILL(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=serve", "WORKERS_TEST_N=2",
		"WORKERS_TEST_IGNORE_TERM=1", "WORKERS_TEST_GRACE=200ms")
	latest := p.until("both workers answered", both)
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("supervisor exit status %d, want 0", code)
	}
	gone(t, latest[0].pid, latest[1].pid)
	if !strings.Contains(p.out.String(), "grace period of 200ms over") {
		t.Errorf("the supervisor did not log the SIGKILL")
	}
}

// Workers that fail at once are restarted with back-off until the limit,
// then the supervisor gives up with ErrCrashLoop.
func TestCrashLoopGivesUp(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=crash", "WORKERS_TEST_N=2", "WORKERS_TEST_MAX_RESTARTS=3")
	if code := p.wait(); code != 3 {
		t.Fatalf("supervisor exit status %d, want 3 (crash loop)", code)
	}
	out := p.out.String()
	if n := strings.Count(out, "restarting it"); n != 3 {
		t.Errorf("%d restarts logged, want 3", n)
	}
	if !strings.Contains(out, "more than 3 restarts within 1m0s") {
		t.Errorf("no crash-loop message")
	}
}

// Workers that exit with status 0 are done: Main returns nil.
func TestFinishedWorkersAreNotRestarted(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=finish", "WORKERS_TEST_N=2")
	if code := p.wait(); code != 0 {
		t.Fatalf("supervisor exit status %d, want 0", code)
	}
	if out := p.out.String(); strings.Count(out, "finished") != 2 || strings.Contains(out, "restarting") {
		t.Errorf("want two finished workers and no restart")
	}
}

// Workers get SIGTERM when their supervisor is killed outright.
func TestWorkersDieWithTheSupervisor(t *testing.T) {
	p := startSupervisor(t, "WORKERS_TEST_ROLE=serve", "WORKERS_TEST_N=2")
	latest := p.until("both workers answered", both)
	p.signal(syscall.SIGKILL)
	p.wait()
	gone(t, latest[0].pid, latest[1].pid)
}

// With Pin, worker i runs on the i-th allowed CPU only, with GOMAXPROCS 1.
func TestPin(t *testing.T) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Skip(err)
	}
	var cpus []string
	for c := 0; len(cpus) < set.Count(); c++ {
		if set.IsSet(c) {
			cpus = append(cpus, strconv.Itoa(c))
		}
	}
	p := startSupervisor(t, "WORKERS_TEST_ROLE=serve", "WORKERS_TEST_N=2", "WORKERS_TEST_PIN=1")
	latest := p.until("both workers answered", both)
	for i := range 2 {
		if a := latest[i]; a.cpus != cpus[i%len(cpus)] || a.gomaxprocs != 1 {
			t.Errorf("worker %d runs on CPUs %s with GOMAXPROCS %d; want CPU %s and 1", i, a.cpus, a.gomaxprocs, cpus[i%len(cpus)])
		}
	}
	p.signal(syscall.SIGTERM)
	p.wait()
}
