#!/usr/bin/env bash
# Micro-benchmarks of the loop's heartbeat against the peers, on this machine:
# one task yielding (Sleep(0) / sleep(0) / setImmediate) and spawning+awaiting
# 100,000 tasks that yield once. One command: bench/micro/run.sh
set -euo pipefail
cd "$(dirname "$0")"
if ! /usr/bin/python3 -c 'import uvloop' 2>/dev/null; then
	apt-get update -qq && apt-get install -y -qq python3-uvloop >/dev/null
fi
echo "== asyncio-go (go test -bench, ns/op = one yield; ns/task for spawn)"
(cd ../.. && go test -run '^$' -bench 'Sleep0|SpawnAwait' -benchmem -count 3 .)
echo "== CPython asyncio / uvloop (Debian python3)"
/usr/bin/python3 sleep0.py; /usr/bin/python3 sleep0.py --uvloop
/usr/bin/python3 spawn.py; /usr/bin/python3 spawn.py --uvloop
echo "== Node.js"
node immediate.js
