//go:build linux

package asyncio_test

import (
	"context"
	"fmt"
	"os"

	"github.com/asyncio-go/asyncio"
)

// A child's output, read on the loop; Communicate also waits for the exit.
func ExampleCreateSubprocessExec() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		p, err := asyncio.CreateSubprocessExec(ctx, "echo", []string{"hello from a child"},
			asyncio.SubprocessOptions{Stdout: asyncio.Pipe})
		if err != nil {
			return nil, err
		}
		out, _, err := p.Communicate(ctx, nil)
		code, _ := p.ReturnCode()
		fmt.Printf("%s exit %d\n", out[:len(out)-1], code)
		return nil, err
	})
	// Output: hello from a child exit 0
}

// A pipe's two ends as streams: what the writer sends, the reader reads;
// the writer's Close is the reader's end of file.
func ExampleOpenFile() {
	asyncio.Run(func(ctx context.Context) (any, error) {
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		r, _, err := asyncio.OpenFile(ctx, pr)
		if err != nil {
			return nil, err
		}
		_, w, err := asyncio.OpenFile(ctx, pw)
		if err != nil {
			return nil, err
		}
		w.Write([]byte("ping\n"))
		w.Close()
		line, _ := r.ReadLine(ctx)
		_, end := r.Read(ctx, 1)
		fmt.Printf("%q then %v\n", line, end)
		return nil, nil
	})
	// Output: "ping\n" then EOF
}
