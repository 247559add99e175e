// Command cachebug is a read-through cache in front of a slow database, with
// the classic interleaving bug and its fix: the worked example of
// asynciotest.Explore (see main_test.go).
//
// NaiveCache.Get checks the cache, awaits the database, then stores what it
// read. If an update writes the database and invalidates the key while that
// load is in flight, and the load's store lands after the invalidation, the
// cache keeps the old value forever. Under plain FIFO scheduling the test's
// load always lands first, so the test passes; Explore finds the other order
// in a few seeds. Cache (the fix) remembers an invalidation that happened
// during a load and does not store the stale result.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/asyncio-go/asyncio"
)

// DB is a key-value store that takes Latency to answer. A Load sees the value
// at the moment it is asked; a Store is visible once it returns.
type DB struct {
	Latency time.Duration
	data    map[string]string
}

// NewDB returns a DB holding data.
func NewDB(latency time.Duration, data map[string]string) *DB {
	return &DB{Latency: latency, data: data}
}

// Load suspends for the latency and returns key's value as it was when asked.
func (db *DB) Load(ctx context.Context, key string) (string, error) {
	v := db.data[key]
	return v, asyncio.Sleep(ctx, db.Latency)
}

// Store suspends for the latency, then sets key.
func (db *DB) Store(ctx context.Context, key, v string) error {
	if err := asyncio.Sleep(ctx, db.Latency); err != nil {
		return err
	}
	db.data[key] = v
	return nil
}

// Getter is what both caches offer.
type Getter interface {
	Get(ctx context.Context, key string) (string, error)
	Invalidate(key string)
}

// NaiveCache is a read-through cache with the bug: check, await, act.
type NaiveCache struct {
	DB      *DB
	entries map[string]string
}

// Get returns key's value from the cache, loading it from the DB on a miss.
func (c *NaiveCache) Get(ctx context.Context, key string) (string, error) {
	if v, ok := c.entries[key]; ok {
		return v, nil
	}
	v, err := c.DB.Load(ctx, key) // other tasks run here...
	if err != nil {
		return "", err
	}
	if c.entries == nil {
		c.entries = map[string]string{}
	}
	c.entries[key] = v // ...so v may be stale by now: an Invalidate may have come and gone
	return v, nil
}

// Invalidate drops key from the cache.
func (c *NaiveCache) Invalidate(key string) { delete(c.entries, key) }

// Cache is NaiveCache fixed: every Invalidate bumps the key's generation, and a
// load stores its result only if no invalidation happened while it waited.
type Cache struct {
	DB      *DB
	entries map[string]string
	gen     map[string]uint64
}

// Get returns key's value from the cache, loading it from the DB on a miss.
func (c *Cache) Get(ctx context.Context, key string) (string, error) {
	if v, ok := c.entries[key]; ok {
		return v, nil
	}
	if c.entries == nil {
		c.entries, c.gen = map[string]string{}, map[string]uint64{}
	}
	before := c.gen[key]
	v, err := c.DB.Load(ctx, key)
	if err != nil {
		return "", err
	}
	if c.gen[key] == before { // nothing invalidated key while we waited
		c.entries[key] = v
	}
	return v, nil
}

// Invalidate drops key from the cache, and any load of it in flight.
func (c *Cache) Invalidate(key string) {
	delete(c.entries, key)
	if c.gen == nil {
		c.gen = map[string]uint64{}
	}
	c.gen[key]++
}

// Update writes a new value to the DB, then invalidates the cache.
func Update(ctx context.Context, db *DB, c Getter, key, v string) error {
	if err := db.Store(ctx, key, v); err != nil {
		return err
	}
	c.Invalidate(key)
	return nil
}

// Scenario is the program under test: a reader and a writer of the same key
// start together; once both are done, the cache must serve the new value.
func Scenario(ctx context.Context, newCache func(*DB) Getter) error {
	db := NewDB(time.Millisecond, map[string]string{"ann": "v1"})
	c := newCache(db)
	reader := asyncio.CreateTask(ctx, func(ctx context.Context) (string, error) { return c.Get(ctx, "ann") }, "reader")
	writer := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return 0, Update(ctx, db, c, "ann", "v2") }, "writer")
	if _, err := reader.Await(ctx); err != nil {
		return err
	}
	if _, err := writer.Await(ctx); err != nil {
		return err
	}
	got, err := c.Get(ctx, "ann")
	if err != nil {
		return err
	}
	if got != "v2" {
		return fmt.Errorf("after the update the cache serves %q, want %q: a stale load was cached", got, "v2")
	}
	return nil
}

func main() {
	for _, v := range []struct {
		name string
		mk   func(*DB) Getter
	}{
		{"naive", func(db *DB) Getter { return &NaiveCache{DB: db} }},
		{"fixed", func(db *DB) Getter { return &Cache{DB: db} }},
	} {
		_, err := asyncio.Run(func(ctx context.Context) (any, error) { return nil, Scenario(ctx, v.mk) })
		fmt.Printf("%s cache: %v\n", v.name, orOK(err))
	}
	fmt.Println("run `go test -v ./examples/cachebug` to see Explore find the naive cache's bug")
	os.Exit(0)
}

func orOK(err error) any {
	if err == nil {
		return "ok"
	}
	return err
}
