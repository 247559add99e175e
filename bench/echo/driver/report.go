//go:build linux

package main

// Medians and the results files.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// median takes the median of each metric independently.
func median(ss []Sample) *Sample {
	med := func(f func(Sample) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		sort.Float64s(v)
		n := len(v)
		if n%2 == 1 {
			return v[n/2]
		}
		return (v[n/2-1] + v[n/2]) / 2
	}
	return &Sample{
		DurationSec:   med(func(s Sample) float64 { return s.DurationSec }),
		RoundTrips:    uint64(med(func(s Sample) float64 { return float64(s.RoundTrips) })),
		RTPerSec:      med(func(s Sample) float64 { return s.RTPerSec }),
		P50us:         med(func(s Sample) float64 { return s.P50us }),
		P99us:         med(func(s Sample) float64 { return s.P99us }),
		ServerCPUus:   med(func(s Sample) float64 { return s.ServerCPUus }),
		ServerCPUPct:  med(func(s Sample) float64 { return s.ServerCPUPct }),
		LoadgenCPUPct: med(func(s Sample) float64 { return s.LoadgenCPUPct }),
		LoadgenCPUus:  med(func(s Sample) float64 { return s.LoadgenCPUus }),

		ServerCoreBusyPct:    med(func(s Sample) float64 { return s.ServerCoreBusyPct }),
		LoadgenCoreBusyPct:   med(func(s Sample) float64 { return s.LoadgenCoreBusyPct }),
		ServerCoreSoftirqPct: med(func(s Sample) float64 { return s.ServerCoreSoftirqPct }),
	}
}

func writeResults(out *Output) error {
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	var md bytes.Buffer
	writeMarkdown(&md, out)
	os.Stdout.Write(md.Bytes())
	return os.WriteFile(filepath.Join(*outDir, "results.md"), md.Bytes(), 0o644)
}

func writeMarkdown(w io.Writer, out *Output) {
	m := out.Meta
	mode := ""
	if m.Quick {
		mode = " (quick mode)"
	}
	fmt.Fprintf(w, "# Echo benchmark results\n\n")
	fmt.Fprintf(w, "%d connections, %d-byte messages, closed loop; %gs warm-up, %gs measured%s; median of %d run(s) per server.  \n",
		m.Conns, m.Size, m.WarmupSec, m.DurationSec, mode, m.Runs)
	if m.Pinned {
		fmt.Fprintf(w, "Server pinned to CPU %s, load generator to CPU %s (taskset).  \n", m.ServerCPU, m.LoadgenCPU)
	} else {
		fmt.Fprintf(w, "Not pinned (taskset missing).  \n")
	}
	fmt.Fprintf(w, "%s, %d CPUs, Linux %s, %s.\n\n", m.CPUModel, m.NumCPU, m.Kernel, m.Date)
	fmt.Fprintf(w, "| Server | Version | Round trips/s | p50 µs | p99 µs | Server CPU µs/RT | Server CPU %% | Loadgen CPU %% | Cores busy %% (server/loadgen) |\n")
	fmt.Fprintf(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range out.Servers {
		switch {
		case s.Median != nil:
			d := s.Median
			fmt.Fprintf(w, "| %s | %s | %.0f | %.1f | %.1f | %.2f | %.0f | %.0f | %.0f / %.0f |\n",
				s.Label, s.Version, d.RTPerSec, d.P50us, d.P99us, d.ServerCPUus, d.ServerCPUPct, d.LoadgenCPUPct,
				d.ServerCoreBusyPct, d.LoadgenCoreBusyPct)
		case s.Skipped != "":
			fmt.Fprintf(w, "| %s | %s | skipped: %s | | | | | | |\n", s.Label, s.Version, s.Skipped)
		default:
			fmt.Fprintf(w, "| %s | %s | failed: %s | | | | | | |\n", s.Label, s.Version, s.Error)
		}
	}
	fmt.Fprintf(w, "\nServer CPU is utime+stime of the server process (all threads) over the measured window, from /proc/PID/stat "+
		"(%d ticks/s); it leaves out softirq time (loopback TCP delivery), which the kernel accounts separately. "+
		"Cores busy is the non-idle share of the server's and the load generator's CPUs (all processes, IRQs, softirqs) "+
		"from /proc/stat: near 100%% means that side was saturated.\n", m.ClkTck)
}
