// Command asyncio-ps prints the tasks of a running program that serves
// package debugpage, like `python -m asyncio pstree`:
//
//	go run ./cmd/asyncio-ps http://localhost:6060/debug/asyncio/
//	go run ./cmd/asyncio-ps -table http://localhost:6060/debug/asyncio/
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

func main() {
	table := flag.Bool("table", false, "print a table (like asyncio ps) instead of a tree")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: asyncio-ps [-table] URL-of-a-debugpage")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *table, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "asyncio-ps:", err)
		os.Exit(1)
	}
}

// run fetches the snapshot at url (the page's address, or its tasks.json)
// and prints it to w.
func run(url string, table bool, w io.Writer) error {
	if !strings.HasSuffix(url, "tasks.json") {
		url = strings.TrimSuffix(url, "/") + "/tasks.json"
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s: %s %s", url, resp.Status, e.Error)
	}
	var snap asyncio.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	if table {
		return snap.PrintTasks(w)
	}
	return snap.PrintTree(w)
}
