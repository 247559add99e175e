#!/usr/bin/env bash
# Multi-core echo benchmark (package workers): one event loop per process,
# processes sharing the port with SO_REUSEPORT, against one pinned process
# and the goroutine server on every CPU. From anywhere, Linux:
#
#   bench/echo/workers.sh            # 2 s warm-up + 10 s measured per server
#   bench/echo/workers.sh -runs 5    # each server 5 times, alternating; medians
#
# Servers (see README.md, "Multi-core variants"): asyncio and goroutines as in
# run.sh (server on CPU 0, load generator on CPU 1), then on CPUs 0-1 shared
# with the load generator (-multi-cpu): asyncio-shared (one process),
# asyncio-2w (two workers), asyncio-2w-pin (two workers, one per CPU) and
# goroutines-2p (GOMAXPROCS=2). Writes only bench/echo/results/workers.md;
# further arguments go to the driver (run.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$here/run.sh" -only asyncio,goroutines,asyncio-shared,asyncio-2w,asyncio-2w-pin,goroutines-2p -out "$out" "$@"
cp "$out/results.md" "$here/results/workers.md"
echo "workers.sh: table in $here/results/workers.md" >&2
