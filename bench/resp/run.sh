#!/usr/bin/env bash
# RESP (Redis protocol) server benchmark, one command (from anywhere, Linux):
#
#   bench/resp/run.sh                # 3 runs of 1,000,000 requests per test and server
#   bench/resp/run.sh -quick         # 3 runs of 200,000
#   bench/resp/run.sh -runs 5 -n 2000000 -only asyncio,goroutines -loadgen
#
# Servers: "asyncio" (examples/resp, this project), "goroutines"
# (bench/resp/servers/goroutines: one write per reply, like asyncio),
# "goroutines-batched" (the same with -flush drained: one write per pipelined
# batch) and "redis-server" (Debian's, if it can be installed). Each server
# is pinned to CPU 0 and the client to CPU 1 with taskset; the client is
#
#   redis-benchmark -p PORT -P 16 -c 50 -n N -t set,get -q
#
# or, without redis-benchmark (or with -loadgen), bench/resp/loadgen with the
# same flags. For each measured run the server's CPU time (utime+stime from
# /proc/PID/stat, all threads) is read before and after, giving CPU µs per
# request. System calls per request come from separate, shorter runs: counted
# with `perf stat -e raw_syscalls:sys_enter` (no slow-down) where perf works,
# and with `strace -c -f` (which slows the server a lot, so timing differs).
# Writes bench/resp/results/results.md and prints it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
args="$*"

runs=3
requests=1000000
only="asyncio,goroutines,goroutines-batched,redis-server"
force_loadgen=0
usage() { awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; }
while (($#)); do
  case "$1" in
  -quick) requests=200000 ;;
  -runs) runs="$2"; shift ;;
  -n) requests="$2"; shift ;;
  -only) only="$2"; shift ;;
  -loadgen) force_loadgen=1 ;;
  -h | -help | --help) usage; exit 0 ;;
  *) echo "run.sh: unknown argument $1 (try -h)" >&2; exit 2 ;;
  esac
  shift
done
sys_requests=$((requests / 4))
((sys_requests >= 50000)) || sys_requests=50000
skipped=() # what this run could not do, for the report

command -v go >/dev/null || { echo "run.sh: the Go toolchain (go) is required" >&2; exit 1; }

# --- Install what is missing (apt-get, as bench/echo/run.sh does).
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() { # apt_install PACKAGE...: quietly, updating the lists once if needed
  command -v apt-get >/dev/null || return 1
  # RUNLEVEL=1 keeps Debian's maintainer scripts from starting redis-server
  # as a service: the benchmark starts its own.
  $sudo env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 ||
    { $sudo apt-get update -q >&2 && $sudo env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2; }
}
missing=()
command -v redis-benchmark >/dev/null || missing+=(redis-tools)
command -v strace >/dev/null || missing+=(strace)
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  echo "run.sh: installing ${missing[*]}" >&2
  apt_install "${missing[@]}" || echo "run.sh: warning: could not install ${missing[*]}" >&2
fi
if [[ ",$only," == *,redis-server,* ]] && ! command -v redis-server >/dev/null; then
  echo "run.sh: installing redis-server (optional)" >&2
  apt_install redis-server || echo "run.sh: warning: could not install redis-server" >&2
fi

client="redis-benchmark"
if ((force_loadgen)) || ! command -v redis-benchmark >/dev/null; then
  client="loadgen"
  ((force_loadgen)) || skipped+=("redis-benchmark (redis-tools not installable): the Go load generator bench/resp/loadgen ran instead")
fi
pin_server=() pin_client=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0) pin_client=(taskset -c 1)
else
  skipped+=("pinning (taskset missing or fewer than 2 CPUs): server and client ran unpinned")
fi
have_strace=0
command -v strace >/dev/null && have_strace=1
((have_strace)) || skipped+=("strace syscall counts (strace not installable)")
have_perf=0
perf_events=raw_syscalls:sys_enter
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -x, -o /dev/null -- true 2>/dev/null; then
  have_perf=1
  # Count the calls a stream server makes one by one too, where the kernel
  # has a tracepoint for them; the rest is "other".
  for name in read write epoll_pwait epoll_wait nanosleep futex; do
    perf stat -e "syscalls:sys_enter_$name" -x, -o /dev/null -- true 2>/dev/null && perf_events+=",syscalls:sys_enter_$name"
  done
else
  skipped+=("perf syscall counts (perf missing, or tracepoints not permitted)")
fi

# --- Build.
bin="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$bin"
}
trap cleanup EXIT
(cd "$root" && go build -o "$bin/asyncio" ./examples/resp &&
  go build -o "$bin/goroutines" ./bench/resp/servers/goroutines &&
  go build -o "$bin/loadgen" ./bench/resp/loadgen)

servers=()
for s in ${only//,/ }; do
  case "$s" in
  asyncio | goroutines | goroutines-batched) servers+=("$s") ;;
  redis-server)
    if command -v redis-server >/dev/null; then servers+=("$s"); else skipped+=("redis-server (not installable)"); fi ;;
  *) echo "run.sh: unknown server $s (asyncio, goroutines, goroutines-batched, redis-server)" >&2; exit 2 ;;
  esac
done
((${#servers[@]})) || { echo "run.sh: no server to run" >&2; exit 1; }

label() {
  case "$1" in
  asyncio) echo "asyncio-go (examples/resp)" ;;
  goroutines) echo "Go goroutines, write per reply (bench/resp/servers/goroutines)" ;;
  goroutines-batched) echo "Go goroutines, write per batch (-flush drained)" ;;
  redis-server) echo "redis-server $(redis-server --version | grep -oE 'v=[^ ]+' | cut -c3-)" ;;
  esac
}

# --- Helpers.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # the first port from $1 on that nothing answers on
  local p=$1
  while port_open "$p"; do p=$((p + 1)); done
  echo "$p"
}
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; } # utime+stime, all threads
run_client() {                                                        # run_client PORT N: prints "SET GET" requests/s
  local out
  if [ "$client" = redis-benchmark ]; then
    out=$("${pin_client[@]}" redis-benchmark -p "$1" -P 16 -c 50 -n "$2" -t set,get -q 2>&1 | tr '\r' '\n')
  else
    out=$("${pin_client[@]}" "$bin/loadgen" -p "$1" -P 16 -c 50 -n "$2" -t set,get -q 2>&1)
  fi
  local set get
  set=$(grep -oE '^ ?SET: [0-9.]+ requests per second' <<<"$out" | grep -oE '[0-9.]+' | tail -1)
  get=$(grep -oE '^ ?GET: [0-9.]+ requests per second' <<<"$out" | grep -oE '[0-9.]+' | tail -1)
  if [ -z "$set" ] || [ -z "$get" ]; then
    echo "run.sh: $client gave no result:" >&2
    echo "$out" | tail -5 >&2
    return 1
  fi
  echo "$set $get"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
declare -A port pid set_rps get_rps cpu_us sys_perf perf_top sys_strace strace_top

# --- Start every server, pinned, each on a free port.
next=16380
for s in "${servers[@]}"; do
  port[$s]=$(free_port $next)
  next=$((port[$s] + 1))
  case "$s" in
  asyncio | goroutines) "${pin_server[@]}" "$bin/$s" -addr "127.0.0.1:${port[$s]}" >"$bin/$s.log" 2>&1 & ;;
  goroutines-batched)
    "${pin_server[@]}" "$bin/goroutines" -addr "127.0.0.1:${port[$s]}" -flush drained >"$bin/$s.log" 2>&1 & ;;
  redis-server)
    "${pin_server[@]}" redis-server --port "${port[$s]}" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize no --logfile "$bin/redis.log" >"$bin/$s.log" 2>&1 & ;;
  esac
  pid[$s]=$!
  pids+=("${pid[$s]}")
  for _ in $(seq 200); do port_open "${port[$s]}" && break; sleep 0.1; done
  port_open "${port[$s]}" || { echo "run.sh: $s did not start:" >&2; cat "$bin/$s.log" >&2; exit 1; }
done
clk=$(getconf CLK_TCK)

echo "run.sh: client $client, $runs run(s) of $requests requests per test, servers: ${servers[*]}" >&2
for s in "${servers[@]}"; do # warm-up, and a check that every server answers
  run_client "${port[$s]}" $((requests / 10)) >/dev/null
done

# --- Measured runs, servers alternating.
for r in $(seq "$runs"); do
  for s in "${servers[@]}"; do
    t0=$(ticks "${pid[$s]}")
    res=$(run_client "${port[$s]}" "$requests")
    read -r set get <<<"$res"
    t1=$(ticks "${pid[$s]}")
    us=$(awk -v d=$((t1 - t0)) -v clk="$clk" -v n="$requests" 'BEGIN {printf "%.2f", d / clk * 1e6 / (2 * n)}')
    set_rps[$s]+="$set " get_rps[$s]+="$get " cpu_us[$s]+="$us "
    echo "run.sh: run $r $s: SET $set/s, GET $get/s, server CPU $us µs/request" >&2
  done
done

# --- System calls per request, in separate runs of $sys_requests per test.
for s in "${servers[@]}"; do
  if ((have_perf)); then
    perf stat -e "$perf_events" -x, -o "$bin/perf.$s" -p "${pid[$s]}" &
    perfpid=$!
    sleep 0.5
    run_client "${port[$s]}" "$sys_requests" >/dev/null
    kill -INT "$perfpid"
    wait "$perfpid" || true
    calls=$(grep raw_syscalls "$bin/perf.$s" | cut -d, -f1)
    sys_perf[$s]=$(awk -v c="$calls" -v n="$sys_requests" 'BEGIN {printf "%.2f", c / (2 * n)}')
    # Lines are "count,unit,event,...": per request, largest first, then the rest.
    perf_top[$s]=$(awk -F, -v n="$sys_requests" -v all="$calls" '$3 ~ /^syscalls:sys_enter_/ && $1 > 0 {
        sub(/^syscalls:sys_enter_/, "", $3); printf "%s %.3f\n", $3, $1 / (2 * n); all -= $1 }
        END {printf "other %.3f\n", all / (2 * n)}' "$bin/perf.$s" |
      sort -k2 -gr | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')
  fi
  if ((have_strace)); then
    strace -c -f -p "${pid[$s]}" -o "$bin/strace.$s" 2>/dev/null &
    stracepid=$!
    sleep 1 # let it attach to every thread
    run_client "${port[$s]}" "$sys_requests" >/dev/null
    kill -INT "$stracepid"
    wait "$stracepid" || true
    # The summary's last line is "100.00 seconds usecs/call calls [errors] total".
    calls=$(awk '$NF == "total" {print $4}' "$bin/strace.$s")
    sys_strace[$s]=$(awk -v c="$calls" -v n="$sys_requests" 'BEGIN {printf "%.2f", c / (2 * n)}')
    strace_top[$s]=$(awk -v n="$sys_requests" '$1 ~ /^[0-9.]+$/ && $NF != "total" && NF >= 5 {printf "%s %.2f\n", $NF, $4 / (2 * n)}' "$bin/strace.$s" |
      sort -k2 -gr | head -4 | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')
  fi
  echo "run.sh: $s: syscalls/request perf ${sys_perf[$s]:-n/a} (${perf_top[$s]:-}), strace ${sys_strace[$s]:-n/a} (${strace_top[$s]:-})" >&2
done

# --- Report.
mkdir -p "$here/results"
out="$here/results/results.md"
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# RESP benchmark results"
  echo
  if [ "$client" = redis-benchmark ]; then
    echo "Client: \`redis-benchmark -p PORT -P 16 -c 50 -n $requests -t set,get -q\` ($(redis-benchmark --version | cut -d' ' -f1-2)).  "
  else
    echo "Client: \`bench/resp/loadgen -p PORT -P 16 -c 50 -n $requests -t set,get\` (redis-benchmark was not used).  "
  fi
  echo "Median of $runs run(s) per server, servers alternating, after a warm-up of $((requests / 10)) requests per test.  "
  if ((${#pin_server[@]})); then echo "Server pinned to CPU 0, client to CPU 1 (taskset); Go servers therefore run with GOMAXPROCS=1.  "; fi
  echo "Machine: $model, $(nproc) CPUs, Linux $(uname -r), $(go version | cut -d' ' -f3); $(date -u +%Y-%m-%dT%H:%M:%SZ).  "
  echo "Command: \`bench/resp/run.sh${args:+ $args}\` (runs=$runs, n=$requests)."
  echo
  echo "| Server | SET req/s | GET req/s | Server CPU µs/request | Syscalls/request (perf) | Syscalls/request (strace) |"
  echo "|---|--:|--:|--:|--:|--:|"
  for s in "${servers[@]}"; do
    printf '| %s | %.0f | %.0f | %.2f | %s | %s |\n' "$(label "$s")" \
      "$(median <<<"${set_rps[$s]}")" "$(median <<<"${get_rps[$s]}")" "$(median <<<"${cpu_us[$s]}")" \
      "${sys_perf[$s]:-n/a}" "${sys_strace[$s]:-n/a}"
  done
  echo
  echo "Every run (SET req/s, GET req/s, CPU µs/request):"
  echo
  for s in "${servers[@]}"; do
    read -ra a <<<"${set_rps[$s]}"
    read -ra b <<<"${get_rps[$s]}"
    read -ra c <<<"${cpu_us[$s]}"
    line=""
    for i in "${!a[@]}"; do line+="${line:+; }${a[$i]%.*}, ${b[$i]%.*}, ${c[$i]}"; done
    echo "- $s: $line"
  done
  if ((have_perf)); then
    echo
    echo "System calls per request by name (perf):"
    echo
    for s in "${servers[@]}"; do echo "- $s: ${perf_top[$s]}"; done
  fi
  if ((have_strace)); then
    echo
    echo "Most frequent system calls per request under strace:"
    echo
    for s in "${servers[@]}"; do echo "- $s: ${strace_top[$s]}"; done
  fi
  echo
  echo "Server CPU is utime+stime of the server process (all threads) from /proc/PID/stat ($clk ticks/s)"
  echo "over each measured run (SET and GET, $((2 * requests)) requests), connection set-up included;"
  echo "it leaves out softirq time (loopback TCP delivery). System calls were counted in separate runs"
  echo "of $sys_requests requests per test: perf counts syscall tracepoints without slowing the server;"
  echo "strace -c -f slows it many times over, which changes how much arrives per read and how often"
  echo "the Go runtime sleeps (nanosleep, futex), so read the perf figures first."
  if ((${#skipped[@]})); then
    echo
    echo "Skipped:"
    echo
    for k in "${skipped[@]}"; do echo "- $k"; done
  fi
} >"$out"
cat "$out"
