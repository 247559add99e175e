// Command loadgen is the closed-loop load generator of the echo benchmark.
//
// It opens -conns TCP connections to -addr (which must be a loopback
// address), and on each one repeatedly writes a -size byte message and waits
// for the complete echo before sending the next. After a -warmup it measures
// for -duration, then stops by itself. It prints one JSON object (see Result)
// on stdout and a human summary on stderr.
//
// Latencies go into a fixed per-connection histogram, so the request loop
// does not allocate. If -pid is given, the server's CPU time (utime+stime of
// /proc/PID/stat, all threads, plus that of its descendants, such as worker
// processes, in clock ticks of -clk-tck, 100 by default;
// pass `getconf CLK_TCK`) is read at the start and end of the measured window
// to give server CPU microseconds per round trip. The load generator's own CPU
// use is reported too: near 100% means the client, not the server, was the
// bottleneck.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is the JSON line printed on stdout.
type Result struct {
	Label         string  `json:"label,omitempty"`
	Conns         int     `json:"conns"`
	Size          int     `json:"size"`
	WarmupSec     float64 `json:"warmup_s"`
	DurationSec   float64 `json:"duration_s"` // actual measured window
	RoundTrips    uint64  `json:"round_trips"`
	RTPerSec      float64 `json:"rt_per_s"`
	P50us         float64 `json:"p50_us"`
	P99us         float64 `json:"p99_us"`
	ServerCPUus   float64 `json:"server_cpu_us_per_rt,omitempty"` // 0 without -pid
	ServerCPUPct  float64 `json:"server_cpu_pct,omitempty"`
	LoadgenCPUPct float64 `json:"loadgen_cpu_pct"`
	LoadgenCPUus  float64 `json:"loadgen_cpu_us_per_rt"`
	// Per CPU (index = CPU number), from /proc/stat over the window: the
	// share of time not idle (any process, IRQs, softirqs), and of softirqs.
	CoreBusyPct    []float64 `json:"core_busy_pct,omitempty"`
	CoreSoftirqPct []float64 `json:"core_softirq_pct,omitempty"`
	Errors         int       `json:"errors"` // connections that failed mid-run
}

const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "server address (loopback only)")
	conns := flag.Int("conns", 64, "concurrent connections")
	size := flag.Int("size", 64, "message size in bytes")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up before measuring")
	duration := flag.Duration("duration", 10*time.Second, "measured duration")
	quick := flag.Bool("quick", false, "short run: 1s warm-up, 3s measured (overrides -warmup/-duration)")
	pid := flag.Int("pid", 0, "server process id whose CPU time (with its descendants') to measure (0: don't)")
	clkTck := flag.Int("clk-tck", 100, "clock ticks per second of /proc/PID/stat (getconf CLK_TCK)")
	label := flag.String("label", "", "label copied into the JSON result")
	flag.Parse()
	if *quick {
		*warmup, *duration = time.Second, 3*time.Second
	}
	if err := checkLoopback(*addr); err != nil {
		fatal(err)
	}
	if *conns < 1 || *size < 1 || *duration <= 0 || *clkTck < 1 {
		fatal(errors.New("-conns, -size, -duration and -clk-tck must be positive"))
	}
	// Hard bound: whatever happens (e.g. a server that stops answering), exit.
	time.AfterFunc(*warmup+*duration+15*time.Second, func() { fatal(errors.New("watchdog: run did not finish in time")) })

	res, err := run(*addr, *conns, *size, *warmup, *duration, *pid, *clkTck)
	if err != nil {
		fatal(err)
	}
	res.Label = *label
	fmt.Fprintf(os.Stderr, "%s: %.0f rt/s  p50 %.1fµs  p99 %.1fµs  server %.2fµs CPU/rt (%.0f%%)  loadgen CPU %.0f%%  cores busy %.0f%%  errors %d\n",
		*label, res.RTPerSec, res.P50us, res.P99us, res.ServerCPUus, res.ServerCPUPct, res.LoadgenCPUPct, res.CoreBusyPct, res.Errors)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

// checkLoopback refuses any target that is not a literal loopback address.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing non-loopback address %q", addr)
	}
	return nil
}

type worker struct {
	conn  net.Conn
	msg   []byte
	buf   []byte
	n     uint64
	err   error
	hist  histogram
	phase *atomic.Int32
}

// loop is the closed-loop request cycle; it allocates nothing per request.
func (w *worker) loop() {
	for {
		t0 := time.Now()
		if _, err := w.conn.Write(w.msg); err != nil {
			w.fail(err)
			return
		}
		if _, err := io.ReadFull(w.conn, w.buf); err != nil {
			w.fail(err)
			return
		}
		d := time.Since(t0)
		switch w.phase.Load() {
		case phaseMeasure:
			w.hist.record(uint64(d))
			w.n++
		case phaseStop:
			return
		}
		if !bytes.Equal(w.buf, w.msg) {
			w.fail(errors.New("echo mismatch"))
			return
		}
	}
}

func (w *worker) fail(err error) {
	if w.phase.Load() != phaseStop { // errors after stop come from our own deadline
		w.err = err
	}
}

func run(addr string, conns, size int, warmup, duration time.Duration, pid, clkTck int) (*Result, error) {
	var phase atomic.Int32
	ws := make([]*worker, conns)
	for i := range ws {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			for _, w := range ws[:i] {
				w.conn.Close()
			}
			return nil, err
		}
		msg := make([]byte, size)
		for j := range msg {
			msg[j] = byte('a' + (i+j)%26)
		}
		ws[i] = &worker{conn: c, msg: msg, buf: make([]byte, size), phase: &phase}
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); w.loop() }()
	}

	time.Sleep(warmup)
	srv0, err := treeTicks(pid)
	if err != nil {
		return nil, err
	}
	self0, _ := cpuTicks(os.Getpid())
	cores0, _ := coreTicks()
	t0 := time.Now()
	phase.Store(phaseMeasure)
	time.Sleep(duration)
	phase.Store(phaseStop)
	elapsed := time.Since(t0).Seconds()
	srv1, err := treeTicks(pid)
	if err != nil {
		return nil, err
	}
	self1, _ := cpuTicks(os.Getpid())
	cores1, _ := coreTicks()

	// Unblock and end every connection.
	for _, w := range ws {
		w.conn.SetDeadline(time.Now())
	}
	wg.Wait()
	var total histogram
	res := &Result{Conns: conns, Size: size, WarmupSec: warmup.Seconds(), DurationSec: elapsed}
	for _, w := range ws {
		w.conn.Close()
		res.RoundTrips += w.n
		total.merge(&w.hist)
		if w.err != nil {
			res.Errors++
			fmt.Fprintln(os.Stderr, "loadgen: connection error:", w.err)
		}
	}
	if res.RoundTrips == 0 {
		return nil, errors.New("no round trip completed in the measured window")
	}
	res.RTPerSec = float64(res.RoundTrips) / elapsed
	res.P50us = total.quantile(0.50) / 1e3
	res.P99us = total.quantile(0.99) / 1e3
	own := float64(self1-self0) / float64(clkTck) // seconds
	res.LoadgenCPUPct = 100 * own / elapsed
	res.LoadgenCPUus = own * 1e6 / float64(res.RoundTrips)
	if len(cores0) == len(cores1) {
		for i := range cores0 {
			d := func(f int) float64 { return float64(cores1[i][f] - cores0[i][f]) }
			var all float64
			for f := range cores0[i] {
				all += d(f)
			}
			if all == 0 {
				all = 1
			}
			// Fields: user nice system idle iowait irq softirq steal ...
			res.CoreBusyPct = append(res.CoreBusyPct, 100*(all-d(3)-d(4))/all)
			res.CoreSoftirqPct = append(res.CoreSoftirqPct, 100*d(6)/all)
		}
	}
	if pid != 0 {
		cpu := float64(srv1-srv0) / float64(clkTck) // seconds
		res.ServerCPUus = cpu * 1e6 / float64(res.RoundTrips)
		res.ServerCPUPct = 100 * cpu / elapsed
	}
	return res, nil
}

// cpuTicks returns utime+stime of a process (all its threads) in clock ticks,
// or 0 for pid 0.
func cpuTicks(pid int) (uint64, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStat(string(b))
}

// treeTicks returns utime+stime of a process and of all its descendants
// (a supervisor's worker processes), in clock ticks, or 0 for pid 0.
func treeTicks(pid int) (uint64, error) {
	total, err := cpuTicks(pid)
	if err != nil || pid == 0 {
		return total, err
	}
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if ppid, err := parsePPID(string(b)); err == nil {
				children[ppid] = append(children[ppid], child)
			}
		}
	}
	todo := children[pid]
	for len(todo) > 0 {
		p := todo[len(todo)-1]
		todo = append(todo[:len(todo)-1], children[p]...)
		if t, err := cpuTicks(p); err == nil { // it may have just exited
			total += t
		}
	}
	return total, nil
}

// coreTicks returns the tick counters of each "cpuN" line of /proc/stat,
// indexed by N (CPUs missing from it get none).
func coreTicks() ([][]uint64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil, err
	}
	var cores [][]uint64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		n, err := strconv.Atoi(f[0][3:])
		if err != nil || n > 4096 {
			continue
		}
		for len(cores) <= n {
			cores = append(cores, make([]uint64, 8))
		}
		for j := range cores[n] {
			cores[n][j], _ = strconv.ParseUint(f[1+j], 10, 64)
		}
	}
	return cores, nil
}

// parseStat extracts utime (field 14) + stime (field 15) from a
// /proc/PID/stat line. The command name (field 2) may contain spaces and
// parentheses, so fields are counted from the last ')'.
func parseStat(s string) (uint64, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return u + st, nil
}

// parsePPID extracts the parent's pid (field 4) from a /proc/PID/stat line.
func parsePPID(s string) (int, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 2 {
		return 0, errors.New("short /proc stat")
	}
	return strconv.Atoi(f[1])
}

// histogram is a log-linear histogram of nanosecond values: exact below 128,
// then 64 sub-buckets per power of two (relative error under 1.6%).
type histogram struct {
	counts [64 * 59]uint64
}

func bucketOf(v uint64) int {
	n := bits.Len64(v)
	if n <= 7 {
		return int(v)
	}
	shift := n - 7
	return 64*(shift+1) + int(v>>shift) - 64
}

// bucketMid is the midpoint of the values that map to bucket i.
func bucketMid(i int) float64 {
	if i < 128 {
		return float64(i)
	}
	shift := i/64 - 1
	lo := uint64(i%64+64) << shift
	return float64(lo) + float64(uint64(1)<<shift)/2
}

func (h *histogram) record(ns uint64) { h.counts[bucketOf(ns)]++ }

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
}

// quantile returns the value (ns) at quantile q in [0,1], or 0 if empty.
func (h *histogram) quantile(q float64) float64 {
	var total uint64
	for _, c := range h.counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return bucketMid(i)
		}
	}
	return bucketMid(len(h.counts) - 1)
}
