package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/asyncio-go/asyncio/asynciotest"
)

func naive(db *DB) Getter { return &NaiveCache{DB: db} }
func fixed(db *DB) Getter { return &Cache{DB: db} }

// Under plain FIFO scheduling (asynciotest.Run, like asyncio.Run) the naive
// cache passes its test: the bug hides.
func TestNaiveCachePassesUnderFIFO(t *testing.T) {
	if _, err := asynciotest.Run(t, func(ctx context.Context) (any, error) {
		return nil, Scenario(ctx, naive)
	}); err != nil {
		t.Fatal(err)
	}
}

// Explore finds the naive cache's bug within the first 100 seeds (seeds 1 to
// 100: the same every run), reports the seed, and the seed replays it.
func TestExploreFindsStaleCache(t *testing.T) {
	body := func(ctx context.Context, t testing.TB) error { return Scenario(ctx, naive) }
	var rec recorder
	rec.TB = t
	asynciotest.Explore(&rec, body, asynciotest.Options{Seeds: 100})
	if !rec.failed {
		t.Fatal("Explore did not find the stale-cache bug in 100 seeds")
	}
	t.Logf("what Explore reports:\n%s", rec.msg)
	m := regexp.MustCompile(`seed (\d+) fails`).FindStringSubmatch(rec.msg)
	if m == nil || !regexp.MustCompile(`stale load was cached`).MatchString(rec.msg) {
		t.Fatalf("the report does not name the seed and the failure:\n%s", rec.msg)
	}
	seed, _ := strconv.ParseUint(m[1], 10, 64)

	// Replaying the seed (what -asyncio.seed=S does) fails the same way.
	var again recorder
	again.TB = t
	asynciotest.Explore(&again, body, asynciotest.Options{FirstSeed: seed, Seeds: 1, NoShrink: true})
	if !again.failed || !regexp.MustCompile(fmt.Sprintf(`seed %d fails`, seed)).MatchString(again.msg) {
		t.Errorf("seed %d did not fail again:\n%s", seed, again.msg)
	}
}

// The fixed cache survives every schedule, also with postponed steps.
func TestExploreFixedCache(t *testing.T) {
	asynciotest.Explore(t, func(ctx context.Context, t testing.TB) error {
		return Scenario(ctx, fixed)
	}, asynciotest.Options{Seeds: 500})
	asynciotest.Explore(t, func(ctx context.Context, t testing.TB) error {
		return Scenario(ctx, fixed)
	}, asynciotest.Options{Seeds: 500, FirstSeed: 1000, DelaySteps: 0.2, ChangePoints: 2})
}

// recorder keeps Explore's verdict instead of failing this test, so that the
// test can check that the bug is found.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Logf(format string, args ...any)   {}
func (r *recorder) Fatal(args ...any)                 { r.failed, r.msg = true, fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }
