package debugpage_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/debugpage"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// program runs a small program on a real loop in the background: a
// supervisor with two workers, one waiting for a lock the other holds. It
// returns the loop once every task waits, and a function that ends it.
func program(t *testing.T) (*asyncio.Loop, func()) {
	t.Helper()
	l := asyncio.NewEventLoop()
	l.SetLagStats(true)
	settled, stop := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := asyncio.Run(func(ctx context.Context) (any, error) {
			var lk asyncio.Lock
			var ev asyncio.Event
			sup := asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
				return nil, asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
					asyncio.GroupTask(tg, func(ctx context.Context) (any, error) {
						lk.Acquire(ctx)
						defer lk.Release()
						return nil, ev.Wait(ctx)
					}, "holder")
					asyncio.GroupTask(tg, func(ctx context.Context) (any, error) {
						asyncio.Sleep(ctx, 0)
						if err := lk.Acquire(ctx); err != nil {
							return nil, err
						}
						lk.Release()
						return nil, nil
					}, "blocked-writer")
					return nil
				})
			}, "supervisor")
			for range 3 {
				asyncio.Sleep(ctx, 0)
			}
			close(settled)
			_, _, err := asyncio.Recv(ctx, stop)
			ev.Set()
			sup.Await(ctx)
			return nil, err
		})
		done <- err
	}()
	<-settled
	return l, func() {
		close(stop)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestJSONAndPage(t *testing.T) {
	l, end := program(t)
	defer end()
	srv := httptest.NewServer(http.StripPrefix("/debug/asyncio", debugpage.Handler(l)))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/debug/asyncio/tasks.json")
	if err != nil {
		t.Fatal(err)
	}
	var snap asyncio.Snapshot
	json.NewDecoder(resp.Body).Decode(&snap)
	resp.Body.Close()
	waits := map[string]string{}
	for _, ti := range snap.Tasks {
		waits[ti.Name] = ti.Waits
	}
	if !strings.HasPrefix(waits["blocked-writer"], "Lock.Acquire") || !strings.Contains(waits["blocked-writer"], "held by holder") ||
		!strings.HasPrefix(waits["holder"], "Event.Wait") || !strings.HasPrefix(waits["supervisor"], "TaskGroup end") {
		t.Errorf("tasks.json waits: %v", waits)
	}

	resp, err = http.Get(srv.URL + "/debug/asyncio/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`data-task="supervisor"`, `data-task="holder"`, `data-task="blocked-writer"`, "held by holder",
		`http-equiv="refresh"`, `<table id="lag">`, `id="slow"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// A loop stuck in a step cannot answer: the page says so instead of hanging.
func TestBlockedLoop(t *testing.T) {
	l := asyncio.NewEventLoop()
	l.SetSlowCallbackDuration(0)
	inStep, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		asyncio.Run(func(ctx context.Context) (any, error) {
			close(inStep)
			<-release // blocks the loop: what the page must survive
			return nil, nil
		})
	}()
	<-inStep
	old := debugpage.Timeout
	debugpage.Timeout = 50 * time.Millisecond
	defer func() { debugpage.Timeout = old }()
	rec := httptest.NewRecorder()
	debugpage.Handler(l).ServeHTTP(rec, httptest.NewRequest("GET", "/tasks.json", nil))
	close(release)
	<-done
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "blocking") {
		t.Errorf("blocked loop: %d %s", rec.Code, rec.Body.String())
	}
}

// The page in a real browser: headless Chromium loads it, the tree shows the
// tasks, and a screenshot is saved (ASYNCIO_SCREENSHOT=path keeps it).
func TestPageInChromium(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("skipped: no chromium on this machine (Debian: apt-get install -y chromium; .ci/run installs it)")
	}
	l, end := program(t)
	defer end()
	srv := httptest.NewServer(debugpage.Handler(l))
	defer srv.Close()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	dom, err := exec.Command(browser, append(flags, "--dump-dom", srv.URL+"/")...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, want := range []string{"supervisor", "blocked-writer", "Lock.Acquire", "held by holder"} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("the page as Chromium rendered it lacks %q", want)
		}
	}
	shot := filepath.Join(t.TempDir(), "page.png")
	if p := os.Getenv("ASYNCIO_SCREENSHOT"); p != "" {
		shot = p
	}
	if out, err := exec.Command(browser, append(flags, "--screenshot="+shot, "--window-size=1280,760", srv.URL+"/")...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot: %v", err)
	}
}
