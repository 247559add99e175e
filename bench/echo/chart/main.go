// Command chart renders results/results.json of the echo benchmark as an SVG
// grouped bar chart: for each server, round trips per second (left axis) and
// server CPU microseconds per round trip (right axis). Standard library only.
//
//	go run ./bench/echo/chart -in bench/echo/results/results.json -out bench/echo/results/echo.svg
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"log"
	"math"
	"os"
	"strings"
)

// results is the part of the driver's results.json that the chart uses.
type results struct {
	Meta struct {
		Conns      int     `json:"conns"`
		Size       int     `json:"size"`
		Duration   float64 `json:"duration_s"`
		Quick      bool    `json:"quick"`
		Runs       int     `json:"runs"`
		Pinned     bool    `json:"pinned"`
		ServerCPU  string  `json:"server_cpu"`
		LoadgenCPU string  `json:"loadgen_cpu"`
		CPUModel   string  `json:"cpu_model"`
	} `json:"meta"`
	Servers []struct {
		Label   string `json:"label"`
		Version string `json:"version"`
		Skipped string `json:"skipped"`
		Median  *struct {
			RTPerSec    float64 `json:"rt_per_s"`
			ServerCPUus float64 `json:"server_cpu_us_per_rt"`
		} `json:"median"`
	} `json:"servers"`
}

const (
	width, height            = 1000, 500
	left, right, top, bottom = 90.0, 910.0, 100.0, 410.0
	rtColor, cpuColor        = "#4e79a7", "#f28e2b"
)

func main() {
	in := flag.String("in", "bench/echo/results/results.json", "results.json written by the driver")
	out := flag.String("out", "bench/echo/results/echo.svg", "SVG file to write")
	flag.Parse()
	b, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var r results
	if err := json.Unmarshal(b, &r); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, []byte(render(&r)), 0o644); err != nil {
		log.Fatal(err)
	}
}

func render(r *results) string {
	var sb strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&sb, format+"\n", a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`, width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>`)
	m := r.Meta
	mode := ""
	if m.Quick {
		mode = ", quick mode"
	}
	pin := "unpinned"
	if m.Pinned {
		pin = fmt.Sprintf("server on CPU %s, load generator on CPU %s", m.ServerCPU, m.LoadgenCPU)
	}
	p(`<text x="%d" y="32" font-size="20" text-anchor="middle" font-weight="bold">Echo servers: round trips/s and server CPU per round trip</text>`, width/2)
	p(`<text x="%d" y="56" font-size="13" text-anchor="middle" fill="#444">%s</text>`, width/2, esc(fmt.Sprintf(
		"%d connections × %d B, closed loop, %gs measured%s, median of %d run(s); %s; %s", m.Conns, m.Size, m.Duration, mode, m.Runs, pin, m.CPUModel)))

	var maxRT, maxCPU float64
	for _, s := range r.Servers {
		if s.Median != nil {
			maxRT = math.Max(maxRT, s.Median.RTPerSec)
			maxCPU = math.Max(maxCPU, s.Median.ServerCPUus)
		}
	}
	// 10% headroom keeps the value labels off the legend.
	rtStep, rtMax := niceAxis(maxRT * 1.1)
	cpuStep, cpuMax := niceAxis(maxCPU * 1.1)
	y := func(v, max float64) float64 { return bottom - (bottom-top)*v/max }

	// Grid and axes: left for round trips/s, right for CPU µs per round trip.
	for v := 0.0; v <= rtMax+rtStep/2; v += rtStep {
		p(`<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/>`, left, y(v, rtMax), right, y(v, rtMax))
		p(`<text x="%g" y="%.1f" font-size="12" text-anchor="end" fill="%s">%s</text>`, left-6, y(v, rtMax)+4, rtColor, short(v))
	}
	for v := 0.0; v <= cpuMax+cpuStep/2; v += cpuStep {
		p(`<text x="%g" y="%.1f" font-size="12" fill="%s">%s</text>`, right+6, y(v, cpuMax)+4, cpuColor, short(v))
	}
	p(`<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/>`, left, bottom, right, bottom)
	p(`<text transform="translate(24 %g) rotate(-90)" font-size="13" text-anchor="middle" fill="%s">round trips per second</text>`, (top+bottom)/2, rtColor)
	p(`<text transform="translate(%g %g) rotate(90)" font-size="13" text-anchor="middle" fill="%s">server CPU µs per round trip</text>`, width-24.0, (top+bottom)/2, cpuColor)

	// Legend.
	p(`<rect x="%g" y="70" width="12" height="12" fill="%s"/><text x="%g" y="81" font-size="12">round trips/s (higher is better)</text>`, left, rtColor, left+17)
	p(`<rect x="%g" y="70" width="12" height="12" fill="%s"/><text x="%g" y="81" font-size="12">server CPU µs per round trip (lower is better)</text>`, left+250, cpuColor, left+267)

	n := len(r.Servers)
	if n == 0 {
		p(`</svg>`)
		return sb.String()
	}
	gw := (right - left) / float64(n)
	bw := math.Min(gw*0.32, 70)
	for i, s := range r.Servers {
		cx := left + gw*(float64(i)+0.5)
		if md := s.Median; md != nil {
			bar(p, cx-bw-2, bw, y(md.RTPerSec, rtMax), rtColor, short(md.RTPerSec))
			bar(p, cx+2, bw, y(md.ServerCPUus, cpuMax), cpuColor, fmt.Sprintf("%.2f", md.ServerCPUus))
		} else {
			status := "failed"
			if s.Skipped != "" {
				status = "skipped"
			}
			p(`<text x="%.1f" y="%g" font-size="12" text-anchor="middle" fill="#999">(%s)</text>`, cx, bottom-10, status)
		}
		// Label, split before a parenthesis, then the version in grey.
		name, paren, _ := strings.Cut(s.Label, " (")
		lines := []string{name}
		if paren != "" {
			lines = append(lines, "("+paren)
		}
		for j, l := range lines {
			p(`<text x="%.1f" y="%g" font-size="13" text-anchor="middle">%s</text>`, cx, bottom+20+16*float64(j), esc(l))
		}
		p(`<text x="%.1f" y="%g" font-size="11" text-anchor="middle" fill="#777">%s</text>`, cx, bottom+22+16*float64(len(lines)), esc(s.Version))
	}
	p(`</svg>`)
	return sb.String()
}

// bar draws one bar from the x axis up to y with its value above it.
func bar(p func(string, ...any), x, w, y float64, color, label string) {
	p(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, w, bottom-y, color)
	p(`<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>`, x+w/2, y-4, esc(label))
}

// niceAxis picks a round tick step (1, 2, 2.5 or 5 × 10^k) giving about five
// ticks, and the axis maximum (a multiple of the step at or above max).
func niceAxis(max float64) (step, top float64) {
	if max <= 0 {
		return 1, 5
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, f := range []float64{1, 2, 2.5, 5} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	return step, math.Ceil(max/step) * step
}

// short formats a number compactly: 1234567 → 1.23M, 45600 → 45.6k, 2.5 → 2.5.
func short(v float64) string {
	switch {
	case v >= 1e6:
		return trim(fmt.Sprintf("%.2f", v/1e6)) + "M"
	case v >= 1e3:
		return trim(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	return trim(fmt.Sprintf("%.2f", v))
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func esc(s string) string { return html.EscapeString(s) }
