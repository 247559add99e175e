// Command runner runs shell commands in parallel, at most -j at once, and
// streams their output line by line as it comes, each line prefixed with the
// command's number: the loop reads every child's pipe, with no goroutine per
// child.
//
//	go run ./examples/runner -j 4 'sleep 0.2; echo one' 'echo two' 'ls /'
//	printf 'echo a\necho b\n' | go run ./examples/runner -j 2 -
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/asyncio-go/asyncio"
)

func main() {
	jobs := flag.Int("j", 16, "commands running at once")
	flag.Parse()
	cmds := flag.Args()
	if len(cmds) == 1 && cmds[0] == "-" {
		cmds = nil
		for sc := bufio.NewScanner(os.Stdin); sc.Scan(); {
			cmds = append(cmds, sc.Text())
		}
	}
	failed, err := asyncio.Run(func(ctx context.Context) (int, error) {
		return Run(ctx, cmds, *jobs, os.Stdout)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "runner: %d of %d commands failed\n", failed, len(cmds))
		os.Exit(1)
	}
}

// Run runs each command with /bin/sh -c, at most jobs at once, writes their
// output (stdout and stderr merged) to out line by line as "[i] line", and
// returns how many exited with a non-zero code.
func Run(ctx context.Context, cmds []string, jobs int, out io.Writer) (failed int, err error) {
	sem := asyncio.NewSemaphore(jobs)
	err = asyncio.WithTaskGroup(ctx, func(ctx context.Context, tg *asyncio.TaskGroup) error {
		for i, cmd := range cmds {
			tg.Go(func(ctx context.Context) error {
				if err := sem.Acquire(ctx); err != nil {
					return err
				}
				defer sem.Release()
				p, err := asyncio.CreateSubprocessShell(ctx, cmd,
					asyncio.SubprocessOptions{Stdout: asyncio.Pipe, Stderr: asyncio.Stdout})
				if err != nil {
					return err
				}
				for {
					line, err := p.Stdout.ReadLine(ctx)
					if len(line) > 0 {
						fmt.Fprintf(out, "[%d] %s", i, line)
						if line[len(line)-1] != '\n' {
							fmt.Fprintln(out)
						}
					}
					if err != nil {
						break // the end of its output
					}
				}
				code, err := p.Wait(ctx)
				if err != nil {
					return err
				}
				if code != 0 {
					fmt.Fprintf(out, "[%d] exited with %d\n", i, code)
					failed++ // tasks share state without a lock: one loop
				}
				return nil
			})
		}
		return nil
	})
	return failed, err
}
