//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package asyncio

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// Subprocesses (asyncio.create_subprocess_exec): a child's stdin, stdout and
// stderr as streams on the loop, its exit awaited without a goroutine where
// the platform has pidfds (Linux): the loop watches the pidfd like any
// descriptor.

// Stdio says what a child's standard stream is connected to.
type Stdio int

const (
	Inherit Stdio = iota // the parent's (asyncio's None)
	Pipe                 // a pipe to a stream of the Process (asyncio.subprocess.PIPE)
	DevNull              // /dev/null (asyncio.subprocess.DEVNULL)
	Stdout               // for Stderr only: into the same place as stdout (asyncio.subprocess.STDOUT)
)

// SubprocessOptions configures a child. The zero value inherits all three
// streams, the working directory and the environment.
type SubprocessOptions struct {
	Stdin, Stdout, Stderr Stdio
	Dir                   string   // working directory; "" is the parent's
	Env                   []string // environment; nil is the parent's
}

// Process is a running or finished child (asyncio.subprocess.Process).
// Stdin, Stdout and Stderr are set for the streams opened with Pipe: close
// Stdin when done writing, and read Stdout and Stderr to their end (their
// descriptors close there), or let Communicate do all three. Loop goroutine
// only, except Pid.
type Process struct {
	Stdin  *StreamWriter
	Stdout *StreamReader
	Stderr *StreamReader

	cmd    *exec.Cmd
	exited Event // set once the child has been reaped
	code   int   // the return code once exited: the exit status, or -signal
}

// CreateSubprocessExec starts name with args (asyncio.create_subprocess_exec)
// and returns at once, without suspending. Cancelling a task that waits on
// the process does not kill it (as in CPython): call Kill or Terminate. The
// loop reaps it when it exits, even if nobody waits, so it never stays a
// zombie. Must be called from a task, with its ctx.
func CreateSubprocessExec(ctx context.Context, name string, args []string, opts ...SubprocessOptions) (*Process, error) {
	t := currentTask(ctx, "CreateSubprocessExec")
	var o SubprocessOptions
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		misuse("CreateSubprocessExec given %d SubprocessOptions; pass at most one", len(opts))
	}
	if o.Stdin == Stdout || o.Stdout == Stdout {
		misuse("Stdout (merge into stdout) is only for SubprocessOptions.Stderr")
	}
	p := &Process{cmd: exec.Command(name, args...)}
	p.cmd.Dir, p.cmd.Env = o.Dir, o.Env
	var childEnds []*os.File
	defer func() {
		for _, f := range childEnds {
			f.Close() // the child has its copies (or failed to start)
		}
	}()
	var parentEnds []*os.File
	fail := func(err error) (*Process, error) {
		for _, f := range parentEnds {
			f.Close()
		}
		return nil, err
	}
	// setup connects one of the child's streams (inherited: the parent's
	// own) and returns the parent's end of a Pipe.
	setup := func(mode Stdio, inherited *os.File, child **os.File, write bool) (*os.File, error) {
		switch mode {
		case Inherit:
			*child = inherited
		case DevNull:
			f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return nil, err
			}
			childEnds = append(childEnds, f)
			*child = f
		case Pipe:
			r, w, err := os.Pipe()
			if err != nil {
				return nil, err
			}
			parent, ch := w, r // stdin: the parent writes
			if write {
				parent, ch = r, w // stdout/stderr: the parent reads
			}
			childEnds = append(childEnds, ch)
			parentEnds = append(parentEnds, parent)
			*child = ch
			return parent, nil
		}
		return nil, nil
	}
	var stdin, stdout, stderr *os.File
	var cin, cout, cerr *os.File
	var err error
	if stdin, err = setup(o.Stdin, os.Stdin, &cin, false); err != nil {
		return fail(err)
	}
	if stdout, err = setup(o.Stdout, os.Stdout, &cout, true); err != nil {
		return fail(err)
	}
	if o.Stderr == Stdout {
		cerr = cout
	} else if stderr, err = setup(o.Stderr, os.Stderr, &cerr, true); err != nil {
		return fail(err)
	}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = cin, cout, cerr
	if err := p.cmd.Start(); err != nil {
		return fail(err)
	}
	if stdin != nil {
		_, p.Stdin, err = OpenFile(ctx, stdin)
	}
	// A pipe's read end closes at its end (OpenFile), so a child's output
	// read to the end releases its descriptor.
	if err == nil && stdout != nil {
		p.Stdout, _, err = OpenFile(ctx, stdout)
	}
	if err == nil && stderr != nil {
		p.Stderr, _, err = OpenFile(ctx, stderr)
	}
	if err != nil {
		p.cmd.Process.Kill()
		go p.cmd.Wait()
		return fail(err)
	}
	p.startReaper(t.loop)
	return p, nil
}

// CreateSubprocessShell runs cmd with /bin/sh -c (asyncio.create_subprocess_shell).
func CreateSubprocessShell(ctx context.Context, cmd string, opts ...SubprocessOptions) (*Process, error) {
	return CreateSubprocessExec(ctx, "/bin/sh", []string{"-c", cmd}, opts...)
}

// startReaper starts the task that reaps the child: it waits on a pidfd
// where there is one (no goroutine), else on the ToThread pool. If it is
// cancelled (Run's shutdown), a goroutine takes over the reaping, so the
// child never stays a zombie.
func (p *Process) startReaper(l *Loop) {
	pid := p.cmd.Process.Pid
	createTask(l, context.Background(), func(ctx context.Context) (struct{}, error) {
		pidfd, err := pidfdOpen(pid)
		if err == nil {
			defer func() { l.ForgetFD(pidfd); unix.Close(pidfd) }()
			if err = WaitReadable(ctx, pidfd); err != nil {
				go p.cmd.Wait() // shutting down: reap it whenever it exits
				return struct{}{}, nil
			}
			p.reaped(p.cmd.Wait())
			return struct{}{}, nil
		}
		_, err = ToThread(ctx, func(context.Context) (struct{}, error) { return struct{}{}, p.cmd.Wait() })
		if isCancelled(err) {
			return struct{}{}, nil // the thread goes on waiting and reaps it
		}
		p.reaped(err)
		return struct{}{}, nil
	}, []string{fmt.Sprintf("reap pid %d", pid)})
}

// reaped records the exit; err is cmd.Wait's.
func (p *Process) reaped(err error) {
	p.code = -1
	if st := p.cmd.ProcessState; st != nil {
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.code = -int(ws.Signal())
		} else {
			p.code = st.ExitCode()
		}
	}
	_ = err // an *exec.ExitError for a non-zero status: the code says it
	p.exited.Set()
}

// Pid is the child's process id. Safe from any goroutine.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// ReturnCode returns the exit status, or -N if a signal N ended the child,
// and whether it has exited (process.returncode; None while it runs).
func (p *Process) ReturnCode() (int, bool) { return p.code, p.exited.IsSet() }

// Wait suspends until the child exits and returns its return code
// (process.wait()). Cancelling the waiting task kills nothing. With pipes,
// read them (or use Communicate): a child blocked on a full pipe never
// exits. Loop goroutine only, with the task's ctx.
func (p *Process) Wait(ctx context.Context) (int, error) {
	if err := p.exited.Wait(ctx); err != nil {
		return 0, err
	}
	return p.code, nil
}

// Communicate writes input to the child's stdin and closes it, reads stdout
// and stderr to the end, and waits for the child to exit
// (process.communicate()); all at once, so no full pipe can deadlock it.
// Streams not opened with Pipe are skipped (input must then be nil).
// Loop goroutine only, with the task's ctx.
func (p *Process) Communicate(ctx context.Context, input []byte) (stdout, stderr []byte, err error) {
	if input != nil && p.Stdin == nil {
		return nil, nil, errors.New("asyncio: Communicate with input, but the child's Stdin is not a Pipe")
	}
	err = WithTaskGroup(ctx, func(ctx context.Context, tg *TaskGroup) error {
		if p.Stdin != nil {
			tg.Go(func(ctx context.Context) error {
				p.Stdin.Write(input)
				err := p.Stdin.Drain(ctx)
				p.Stdin.Close()
				if errors.Is(err, syscall.EPIPE) {
					err = nil // the child did not read it all: as CPython, not an error
				}
				return err
			})
		}
		if p.Stdout != nil {
			tg.Go(func(ctx context.Context) (err error) { stdout, err = p.Stdout.Read(ctx, -1); return err })
		}
		if p.Stderr != nil {
			tg.Go(func(ctx context.Context) (err error) { stderr, err = p.Stderr.Read(ctx, -1); return err })
		}
		return nil
	})
	if err != nil {
		return stdout, stderr, err
	}
	_, err = p.Wait(ctx)
	return stdout, stderr, err
}

// SendSignal sends sig to the child (process.send_signal), unless it has
// exited.
func (p *Process) SendSignal(sig os.Signal) error {
	if p.exited.IsSet() {
		return nil
	}
	return p.cmd.Process.Signal(sig)
}

// Terminate sends SIGTERM (process.terminate()).
func (p *Process) Terminate() error { return p.SendSignal(syscall.SIGTERM) }

// Kill sends SIGKILL (process.kill()).
func (p *Process) Kill() error { return p.SendSignal(syscall.SIGKILL) }
