// Package debugpage serves a live view of an asyncio loop over HTTP: every
// task under the task that created it, its state, what it waits on, and the
// loop's counters, as an HTML page that refreshes itself and as JSON.
//
// Mount it like net/http/pprof:
//
//	http.Handle("/debug/asyncio/", debugpage.Handler(loop))
//	go http.ListenAndServe("localhost:6060", nil)
//
// The page is served by net/http's goroutines, never by the loop: each
// request asks the loop for a snapshot (Loop.Snapshot), which the loop takes
// between two steps, and waits at most Timeout for it. A loop stuck in a
// step cannot answer; the page then says so (and the slow-step report names
// the culprit when the step ends). `go run ./cmd/asyncio-ps URL` prints the
// same tree from the JSON endpoint.
package debugpage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

// Timeout bounds how long a request waits for the loop's snapshot.
var Timeout = 2 * time.Second

// Handler serves the page at its root ("…/") and the snapshot as JSON at
// "…/tasks.json", wherever it is mounted.
func Handler(loop *asyncio.Loop) http.Handler {
	return &handler{loop: loop}
}

type handler struct{ loop *asyncio.Loop }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), Timeout)
	defer cancel()
	snap, err := h.loop.Snapshot(ctx)
	if strings.HasSuffix(r.URL.Path, "/tasks.json") {
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"error": unavailable(err)})
			return
		}
		json.NewEncoder(w).Encode(snap)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := pageData{Err: "", Refresh: 2}
	if err != nil {
		data.Err = unavailable(err)
	} else {
		data.Snap = snap
		data.Rows = snap.Tree()
		var tree bytes.Buffer
		snap.PrintTree(&tree)
		data.Text = tree.String()
	}
	if err := page.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func unavailable(err error) string {
	if err == context.DeadlineExceeded {
		return fmt.Sprintf("the loop did not answer within %v: a step is blocking it (see the slow-step report), or it is not running", Timeout)
	}
	return "no snapshot: " + err.Error()
}

type pageData struct {
	Snap    *asyncio.Snapshot
	Rows    []asyncio.TreeLine
	Text    string
	Err     string
	Refresh int
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"indent":  func(d int) string { return strings.Repeat("\u00a0\u00a0\u00a0\u00a0", d) },
	"ms":      func(d time.Duration) string { return d.Round(time.Microsecond).String() },
	"lagRows": lagRows,
}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="{{.Refresh}}">
<title>asyncio tasks</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}td:first-child{white-space:nowrap}
th{background:#f4f4f4}.waiting{color:#8a5a00}.ready,.running{color:#0a6a0a}.cycle{background:#fde2e2}
.err{color:#a00;font-weight:bold}code{font:12px ui-monospace,monospace}
.stats span{margin-right:1.5em}
</style></head><body>
<h1>asyncio tasks</h1>
{{if .Err}}<p class="err" id="error">{{.Err}}</p>{{else}}
<p class="stats" id="stats"><span>tasks: <b>{{len .Snap.Tasks}}</b></span><span>ready: <b>{{.Snap.Ready}}</b></span>
<span>timers: <b>{{.Snap.Timers}}</b></span><span>descriptors: <b>{{.Snap.FDs}}</b></span>
<span>steps run: <b>{{.Snap.Steps}}</b></span><span>loop time: <b>{{.Snap.Time}}</b></span></p>
{{if .Snap.StepTimes}}<h2>Loop lag</h2><table id="lag"><tr><th>up to</th><th>steps</th><th>batches</th></tr>
{{range lagRows .Snap}}<tr><td>{{.UpTo}}</td><td>{{.Steps}}</td><td>{{.Batches}}</td></tr>{{end}}</table>
<p>longest step {{ms .Snap.StepTimes.Max}}, longest batch {{ms .Snap.BatchTimes.Max}}</p>
{{else}}<p>Loop lag histograms: call <code>loop.SetLagStats(true)</code>.</p>{{end}}
<p id="slow">slow steps: <b>{{.Snap.SlowSteps}}</b>{{range .Snap.LastSlowSteps}} · {{.Who}} ran {{ms .Duration}} (at {{ms .At}}){{end}}</p>
{{if .Snap.Cycles}}<p class="err">wait-for cycles: {{range .Snap.Cycles}}{{.}} {{end}}</p>{{end}}
<table id="tasks"><tr><th>task</th><th>id</th><th>state</th><th>waits on</th><th>for</th><th>function</th><th>defined at</th></tr>
{{range .Rows}}<tr class="{{if .InCycle}}cycle{{end}}" data-task="{{.Task.Name}}"><td>{{indent .Depth}}{{.Task.Name}}</td><td>{{.Task.ID}}</td>
<td class="{{.Task.State}}">{{.Task.State}}</td><td><code>{{.Task.Waits}}</code></td><td>{{if .Task.Waits}}{{ms .Task.Waited}}{{end}}</td><td><code>{{.Task.Func}}</code></td><td><code>{{.Task.Site}}</code></td></tr>
{{end}}</table>
<h2>As text</h2><pre id="tree">{{.Text}}</pre>{{end}}
<p><a href="tasks.json">tasks.json</a> · refreshes every {{.Refresh}} s</p>
</body></html>
`))

// lagRow is one line of the lag table: a bucket of both histograms.
type lagRow struct {
	UpTo           time.Duration
	Steps, Batches uint64
}

func lagRows(s *asyncio.Snapshot) []lagRow {
	rows := map[time.Duration]*lagRow{}
	var order []time.Duration
	for i, h := range []*asyncio.Histogram{s.StepTimes, s.BatchTimes} {
		for _, b := range h.Buckets {
			r := rows[b.UpTo]
			if r == nil {
				r = &lagRow{UpTo: b.UpTo}
				rows[b.UpTo] = r
				order = append(order, b.UpTo)
			}
			if i == 0 {
				r.Steps = b.Count
			} else {
				r.Batches = b.Count
			}
		}
	}
	slices.Sort(order)
	out := make([]lagRow, len(order))
	for i, u := range order {
		out[i] = *rows[u]
	}
	return out
}
