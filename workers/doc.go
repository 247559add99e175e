// Package workers runs a program as several worker processes, one event loop
// each, for a server that outgrows one core.
//
// An asyncio loop runs on one core by design, and there is one loop per
// program. A server that needs more cores runs one process per core, each
// with its own loop, all listening on the same port with SO_REUSEPORT so that
// the kernel spreads connections among them (Node's cluster, uvicorn's and
// gunicorn's workers, nginx). Main makes that one call:
//
//	func main() {
//		flag.Parse()
//		err := workers.Main(0, func(index int) error { // 0: one worker per CPU
//			_, err := asyncio.Run(func(ctx context.Context) (any, error) {
//				srv, err := asyncio.StartServer(ctx, handle, "", 8888,
//					asyncio.ServerOptions{ReusePort: true})
//				...
//			})
//			return err
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//	}
//
// # Two roles, one program
//
// The process the user starts becomes the supervisor: Main re-executes the
// program's own executable (os.Executable, with the same arguments and
// environment) n times, marking each child as worker i in the environment
// variable ASYNCIO_WORKER. In a worker, the same call to Main sees the mark
// and calls fn(i) on the calling goroutine instead. So everything main does
// before Main (parsing flags, reading configuration) happens in every
// process, and fn holds what only a worker does. Index reports which role
// the current process has.
//
// Main blocks until the end; call it once, from the main goroutine, before
// starting anything only a worker should do (a worker that binds port 0
// gets a port of its own: give every worker the same fixed port). In a
// worker, fn runs on the goroutine that called Main, so it may call
// asyncio.Run. Index is safe from any goroutine.
//
// # What the supervisor does
//
//   - Signals: SIGINT and SIGTERM shut down: every worker gets SIGTERM, and
//     once all have exited Main returns nil. A worker still running after
//     Options.Grace (10 s by default) gets SIGKILL; so does every worker if a
//     second SIGINT or SIGTERM arrives meanwhile. SIGHUP is forwarded to
//     every worker (a worker that does not handle it dies of it and is
//     restarted).
//   - Restarts: a worker that exits with a non-zero status or is killed by a
//     signal is started again with the same index, after a back-off that
//     starts at 100 ms and doubles with each quick failure (a worker that
//     lived less than 10 s), up to 10 s. More than Options.MaxRestarts
//     restarts within one minute (3 per worker by default) is a crash loop:
//     the supervisor shuts the others down and Main returns an error that
//     matches ErrCrashLoop. A worker that exits with status 0 has finished
//     and is not restarted; when every worker has finished, Main returns nil.
//   - Orphans: on Linux each worker gets SIGTERM if the supervisor dies
//     without shutting it down (even by SIGKILL). Elsewhere a worker
//     outlives a supervisor killed that way.
//   - Pinning: with Options.Pin, worker i runs on the i-th CPU the
//     supervisor may use (modulo their number), so the Go runtime in it sizes
//     GOMAXPROCS to 1 (Linux only).
//
// Workers share the supervisor's standard output and error. They are in its
// process group, so a Ctrl-C in a terminal reaches them directly too: a
// worker should treat SIGINT like SIGTERM (asyncio's Loop.AddSignalHandler
// for both, closing the server).
//
// The supervisor needs a Unix system; elsewhere Main returns an error.
package workers
