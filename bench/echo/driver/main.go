//go:build linux

// Command driver runs the echo benchmark; bench/echo/run.sh builds and calls
// it. It builds the load generator and every Go server under servers/, then,
// -runs times, starts each server in turn on a free loopback port (pinned to
// -server-cpu with taskset), waits until it accepts, runs the load generator
// (pinned to -loadgen-cpu) against it and stops it. It writes the runs and
// their per-metric medians to results/results.json and a table to
// results/results.md (also printed on stdout), and has -chart draw
// results/echo.svg. See README.md. Linux only.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sample is one load generator result (the JSON printed by loadgen).
type Sample struct {
	DurationSec   float64 `json:"duration_s"`
	RoundTrips    uint64  `json:"round_trips"`
	RTPerSec      float64 `json:"rt_per_s"`
	P50us         float64 `json:"p50_us"`
	P99us         float64 `json:"p99_us"`
	ServerCPUus   float64 `json:"server_cpu_us_per_rt"`
	ServerCPUPct  float64 `json:"server_cpu_pct"`
	LoadgenCPUPct float64 `json:"loadgen_cpu_pct"`
	LoadgenCPUus  float64 `json:"loadgen_cpu_us_per_rt"`
	Errors        int     `json:"errors"`
	// Busy share of the CPUs given to the server and to the load generator
	// (all processes, IRQs and softirqs), and the softirq share of the
	// server's; computed by the driver from loadgen's per-CPU numbers.
	ServerCoreBusyPct    float64   `json:"server_core_busy_pct"`
	LoadgenCoreBusyPct   float64   `json:"loadgen_core_busy_pct"`
	ServerCoreSoftirqPct float64   `json:"server_core_softirq_pct"`
	CoreBusyPct          []float64 `json:"core_busy_pct,omitempty"`
	CoreSoftirqPct       []float64 `json:"core_softirq_pct,omitempty"`
}

// ServerResult holds every run of one server and their medians.
type ServerResult struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Version string   `json:"version"`
	Runs    []Sample `json:"runs"`
	Median  *Sample  `json:"median,omitempty"`
	Error   string   `json:"error,omitempty"`   // last failure, if any run failed
	Skipped string   `json:"skipped,omitempty"` // why the server was not run
}

// Meta describes the setup of the whole benchmark.
type Meta struct {
	Date        string  `json:"date"`
	Conns       int     `json:"conns"`
	Size        int     `json:"size"`
	WarmupSec   float64 `json:"warmup_s"`
	DurationSec float64 `json:"duration_s"`
	Quick       bool    `json:"quick"`
	Runs        int     `json:"runs"`
	Pinned      bool    `json:"pinned"`
	ServerCPU   string  `json:"server_cpu"`
	LoadgenCPU  string  `json:"loadgen_cpu"`
	ClkTck      int     `json:"clk_tck"`
	CPUModel    string  `json:"cpu_model"`
	NumCPU      int     `json:"num_cpu"`
	Kernel      string  `json:"kernel"`
}

// Output is results.json.
type Output struct {
	Meta    Meta            `json:"meta"`
	Servers []*ServerResult `json:"servers"`
}

type server struct {
	res  *ServerResult
	argv func(port int) []string
	env  []string // added to the server's environment
	// sockets is how many listening sockets the server opens on its port
	// (worker processes with SO_REUSEPORT); the run starts when all are
	// open, so that the kernel spreads the connections over all of them.
	sockets int
	broken  bool // did not build
	// CPU lists for the server and the load generator; "" means -server-cpu
	// and -loadgen-cpu. Set by the multi-core variants.
	cpu, loadgenCPU string
}

func (s *server) cpus() (server, loadgen string) {
	server, loadgen = *serverCPU, *loadgenCPU
	if s.cpu != "" {
		server = s.cpu
	}
	if s.loadgenCPU != "" {
		loadgen = s.loadgenCPU
	}
	return server, loadgen
}

var (
	dir        = flag.String("dir", ".", "the bench/echo directory")
	binDir     = flag.String("bin", "", "where to build binaries (default: a temporary directory)")
	outDir     = flag.String("out", "", "results directory (default: DIR/results)")
	runs       = flag.Int("runs", 1, "runs per server, alternating between servers; the median is reported")
	quick      = flag.Bool("quick", false, "quick mode: 1s warm-up, 3s measured per run")
	warmup     = flag.Duration("warmup", 2*time.Second, "warm-up per run")
	duration   = flag.Duration("duration", 10*time.Second, "measured time per run")
	conns      = flag.Int("conns", 64, "connections")
	size       = flag.Int("size", 64, "message size in bytes")
	serverCPU  = flag.String("server-cpu", "0", "CPU list for the server (taskset -c)")
	loadgenCPU = flag.String("loadgen-cpu", "1", "CPU list for the load generator (taskset -c)")
	python     = flag.String("python", "", "Python interpreter for the asyncio and uvloop servers (default: the first of /usr/bin/python3, python3 that imports uvloop)")
	only       = flag.String("only", "", "comma-separated server names to run (default: all but the multi-core variants)")
	multiCPU   = flag.String("multi-cpu", "0-1", "CPU list for both the server and the load generator of the multi-core variants")
	chart      = flag.String("chart", "", "chart program to render OUT/echo.svg with (run.sh passes its build of ./chart)")
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("driver: ")
	flag.Parse()
	if *quick {
		*warmup, *duration = time.Second, 3*time.Second
	}
	if *runs < 1 {
		log.Fatal("-runs must be at least 1")
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	*dir = abs
	if *outDir == "" {
		*outDir = filepath.Join(*dir, "results")
	}
	if *binDir == "" {
		tmp, err := os.MkdirTemp("", "echo-bench-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		*binDir = tmp
	}
	_, tasksetErr := exec.LookPath("taskset")
	meta := Meta{
		Date: time.Now().UTC().Format(time.RFC3339), Conns: *conns, Size: *size,
		WarmupSec: warmup.Seconds(), DurationSec: duration.Seconds(), Quick: *quick, Runs: *runs,
		Pinned: tasksetErr == nil, ServerCPU: *serverCPU, LoadgenCPU: *loadgenCPU,
		ClkTck: clkTck(), CPUModel: cpuModel(), NumCPU: runtime.NumCPU(), Kernel: firstLine(os.ReadFile("/proc/sys/kernel/osrelease")),
	}
	if !meta.Pinned {
		log.Print("warning: taskset not found; server and load generator are NOT pinned")
	}

	loadgen := filepath.Join(*binDir, "loadgen")
	if err := goBuild(loadgen, "./loadgen"); err != nil {
		log.Fatal(err)
	}
	servers := discover()
	for r := 1; r <= *runs; r++ {
		for _, s := range servers {
			if s.res.Skipped != "" || s.broken {
				continue
			}
			log.Printf("run %d/%d: %s", r, *runs, s.res.Label)
			smp, err := runOnce(s, loadgen, meta)
			if err != nil {
				log.Printf("%s: %v", s.res.Name, err)
				s.res.Error = err.Error()
				continue
			}
			s.res.Runs = append(s.res.Runs, *smp)
		}
	}

	out := Output{Meta: meta}
	failed := false
	for _, s := range servers {
		if len(s.res.Runs) > 0 {
			s.res.Median = median(s.res.Runs)
		}
		failed = failed || s.res.Error != ""
		out.Servers = append(out.Servers, s.res)
	}
	if err := writeResults(&out); err != nil {
		log.Fatal(err)
	}
	if *chart != "" {
		cmd := exec.Command(*chart, "-in", filepath.Join(*outDir, "results.json"), "-out", filepath.Join(*outDir, "echo.svg"))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatalf("chart: %v", err)
		}
	}
	log.Printf("results in %s", *outDir)
	if failed {
		os.Exit(1)
	}
}

// discover lists the servers to run, in a fixed order: Python asyncio,
// uvloop, Node.js, then every Go server directory under servers/
// (goroutines first, the others by name).
func discover() []*server {
	var list []*server
	add := func(name, label, version string, argv func(int) []string) *server {
		s := &server{res: &ServerResult{Name: name, Label: label, Version: version}, argv: argv}
		list = append(list, s)
		return s
	}
	py, hasUV := findPython()
	pyScript := filepath.Join(*dir, "servers", "asyncio_py", "server.py")
	add("py-asyncio", "Python asyncio", cmdOut(py, "-c", "import platform; print('CPython', platform.python_version())"),
		func(p int) []string { return []string{py, pyScript, "--port", strconv.Itoa(p)} })
	uv := add("py-uvloop", "Python uvloop", "", func(p int) []string {
		return []string{py, pyScript, "--port", strconv.Itoa(p), "--uvloop"}
	})
	if hasUV {
		uv.res.Version = cmdOut(py, "-c", "import platform, uvloop; print('uvloop', uvloop.__version__, '/ CPython', platform.python_version())")
	} else {
		uv.res.Skipped = "no Python with uvloop (apt-get install python3-uvloop)"
	}
	node := add("node", "Node.js net", cmdOut("node", "--version"), func(p int) []string {
		return []string{"node", filepath.Join(*dir, "servers", "node", "server.js"), "--port", strconv.Itoa(p)}
	})
	if _, err := exec.LookPath("node"); err != nil {
		node.res.Skipped = "node not found"
	}

	goVersion := cmdOut("go", "env", "GOVERSION")
	entries, _ := os.ReadDir(filepath.Join(*dir, "servers"))
	var goDirs []string
	for _, e := range entries {
		if m, _ := filepath.Glob(filepath.Join(*dir, "servers", e.Name(), "*.go")); e.IsDir() && len(m) > 0 {
			goDirs = append(goDirs, e.Name())
		}
	}
	sort.SliceStable(goDirs, func(i, j int) bool { return goDirs[i] == "goroutines" && goDirs[j] != "goroutines" })
	labels := map[string]string{"goroutines": "Go goroutines (net)", "asyncio": "asyncio-go (this project)"}
	for _, name := range goDirs {
		label := labels[name]
		if label == "" {
			label = "Go " + name
		}
		bin := filepath.Join(*binDir, "server-"+name)
		s := add(name, label, goVersion, func(p int) []string { return []string{bin, "-addr", "127.0.0.1:" + strconv.Itoa(p)} })
		if selected(name) {
			if err := goBuild(bin, "./servers/"+name); err != nil {
				log.Print(err)
				s.res.Error, s.broken = "build failed", true
			}
		}
	}

	addVariants(add)

	var sel []*server
	for _, s := range list {
		if selected(s.res.Name) {
			sel = append(sel, s)
		}
	}
	return sel
}

func selected(name string) bool {
	if *only == "" {
		return true
	}
	for _, n := range strings.Split(*only, ",") {
		if strings.TrimSpace(n) == name {
			return true
		}
	}
	return false
}

// addVariants adds the multi-core variants of the Go servers: the server may
// run on every CPU of -multi-cpu, and so may the load generator, which then
// competes with it. They run only when named in -only.
func addVariants(add func(name, label, version string, argv func(int) []string) *server) {
	goVersion := cmdOut("go", "env", "GOVERSION")
	variant := func(name, label, base string, sockets int, env []string, args ...string) {
		if *only == "" || !selected(name) {
			return
		}
		bin := filepath.Join(*binDir, "server-"+base)
		s := add(name, label, goVersion, func(p int) []string {
			return append([]string{bin, "-addr", "127.0.0.1:" + strconv.Itoa(p)}, args...)
		})
		s.cpu, s.loadgenCPU, s.env, s.sockets = *multiCPU, *multiCPU, env, sockets
		if _, err := os.Stat(bin); err != nil {
			if err := goBuild(bin, "./servers/"+base); err != nil {
				log.Print(err)
				s.res.Error, s.broken = "build failed", true
			}
		}
	}
	cpus := " (CPUs " + *multiCPU + ", shared with the load generator)"
	variant("asyncio-shared", "asyncio-go, 1 process"+cpus, "asyncio", 1, nil)
	variant("asyncio-2w", "asyncio-go, 2 worker processes"+cpus, "asyncio", 2, nil, "-workers", "2")
	variant("asyncio-2w-pin", "asyncio-go, 2 workers pinned one per CPU"+cpus, "asyncio", 2, nil, "-workers", "2", "-pin")
	variant("goroutines-2p", "Go goroutines (net), GOMAXPROCS=2"+cpus, "goroutines", 1, []string{"GOMAXPROCS=2"})
}

// findPython returns the interpreter for the Python servers and whether it
// has uvloop, so that asyncio and uvloop run on the same CPython build.
func findPython() (string, bool) {
	if *python != "" {
		return *python, exec.Command(*python, "-c", "import uvloop").Run() == nil
	}
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import uvloop").Run() == nil {
			return p, true
		}
	}
	return "python3", false
}

// runOnce starts the server, measures it with the load generator, stops it.
func runOnce(s *server, loadgen string, meta Meta) (*Sample, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	srvCPU, lgCPU := s.cpus()
	cmd := pinned(srvCPU, s.argv(port))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if s.env != nil {
		cmd.Env = append(os.Environ(), s.env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // die with the driver
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer stop(cmd, exited)
	if err := waitReady(addr, exited, 20*time.Second); err != nil {
		return nil, err
	}
	if err := waitSockets(port, s.sockets, exited, 20*time.Second); err != nil {
		return nil, err
	}

	args := []string{"-addr", addr, "-conns", strconv.Itoa(*conns), "-size", strconv.Itoa(*size),
		"-warmup", warmup.String(), "-duration", duration.String(),
		"-pid", strconv.Itoa(cmd.Process.Pid), "-clk-tck", strconv.Itoa(meta.ClkTck), "-label", s.res.Name}
	lg := pinned(lgCPU, append([]string{loadgen}, args...))
	var stdout bytes.Buffer
	lg.Stdout, lg.Stderr = &stdout, os.Stderr
	lg.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := lg.Start(); err != nil {
		return nil, err
	}
	// loadgen bounds itself; this timer only guards against a hung process.
	t := time.AfterFunc(*warmup+*duration+60*time.Second, func() { lg.Process.Kill() })
	err = lg.Wait()
	t.Stop()
	select {
	case <-exited:
		return nil, errors.New("server exited during the run")
	default:
	}
	if err != nil {
		return nil, fmt.Errorf("loadgen: %v", err)
	}
	var smp Sample
	if err := json.Unmarshal(stdout.Bytes(), &smp); err != nil {
		return nil, fmt.Errorf("loadgen output: %v", err)
	}
	smp.ServerCoreBusyPct = coreAvg(smp.CoreBusyPct, srvCPU)
	smp.LoadgenCoreBusyPct = coreAvg(smp.CoreBusyPct, lgCPU)
	smp.ServerCoreSoftirqPct = coreAvg(smp.CoreSoftirqPct, srvCPU)
	if smp.Errors > 0 {
		return nil, fmt.Errorf("%d connections failed", smp.Errors)
	}
	return &smp, nil
}

// coreAvg averages per-CPU values over a taskset CPU list such as "0" or
// "0-1,3"; it returns 0 if the list names no CPU present in v.
func coreAvg(v []float64, list string) float64 {
	var sum float64
	n := 0
	for _, part := range strings.Split(list, ",") {
		a, b, isRange := strings.Cut(part, "-")
		lo, err := strconv.Atoi(a)
		hi := lo
		if isRange && err == nil {
			hi, err = strconv.Atoi(b)
		}
		if err != nil {
			continue
		}
		for c := lo; c <= hi && c < len(v); c++ {
			if c >= 0 {
				sum += v[c]
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// pinned returns a command for argv, under taskset when it is available.
func pinned(cpus string, argv []string) *exec.Cmd {
	if _, err := exec.LookPath("taskset"); err == nil {
		argv = append([]string{"taskset", "-c", cpus}, argv...)
	}
	return exec.Command(argv[0], argv[1:]...)
}

// stop asks the server to exit (SIGTERM), then kills it after 3 s.
func stop(cmd *exec.Cmd, exited <-chan struct{}) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls until addr accepts a connection, the server exits, or the
// timeout passes.
func waitReady(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("server exited before accepting connections")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("server did not accept on %s within %v", addr, timeout)
}

// waitSockets polls until n sockets listen on the loopback port (counted in
// /proc/net/tcp), the server exits, or the timeout passes. n <= 1 is
// satisfied at once: waitReady has seen one.
func waitSockets(port, n int, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for n > 1 {
		if listening(port) >= n {
			return nil
		}
		select {
		case <-exited:
			return errors.New("server exited before all its sockets listened")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d sockets listen on port %d after %v", listening(port), n, port, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// listening counts the IPv4 sockets in state LISTEN on port.
func listening(port int) int {
	b, _ := os.ReadFile("/proc/net/tcp")
	want := fmt.Sprintf(":%04X", port)
	n := 0
	for _, line := range strings.Split(string(b), "\n")[1:] {
		// sl local_address rem_address st ...; st 0A is LISTEN
		if f := strings.Fields(line); len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
			n++
		}
	}
	return n
}

func goBuild(out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = *dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %v", pkg, err)
	}
	return nil
}

func clkTck() int {
	if n, err := strconv.Atoi(cmdOut("getconf", "CLK_TCK")); err == nil && n > 0 {
		return n
	}
	return 100 // USER_HZ on every mainstream Linux configuration
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func cmdOut(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func firstLine(b []byte, _ error) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}
