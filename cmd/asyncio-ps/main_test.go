package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/debugpage"
)

// asyncio-ps prints the tree (or the table) of a program serving debugpage.
func TestPrintsTheTree(t *testing.T) {
	l := asyncio.NewEventLoop()
	settled, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		asyncio.Run(func(ctx context.Context) (any, error) {
			q := asyncio.NewQueue[int](0)
			asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) { return q.Get(ctx) }, "consumer")
			asyncio.Sleep(ctx, 0)
			close(settled)
			_, _, err := asyncio.Recv(ctx, stop)
			q.Put(ctx, 1)
			return nil, err
		})
	}()
	<-settled
	srv := httptest.NewServer(debugpage.Handler(l))
	defer func() { srv.Close(); close(stop); <-done }()

	var tree, table bytes.Buffer
	if err := run(srv.URL+"/", false, &tree); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tree.String(), "└── consumer (Task-2) [waiting] awaits Queue.Get") {
		t.Errorf("tree:\n%s", tree.String())
	}
	if err := run(srv.URL+"/tasks.json", true, &table); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(table.String()), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") {
		t.Errorf("table:\n%s", table.String())
	}
}
