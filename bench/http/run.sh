#!/usr/bin/env bash
# HTTP/1.1 server benchmark, one command (from anywhere, Linux):
#
#   bench/http/run.sh                # 3 rounds of 10 s per route and server
#   bench/http/run.sh -quick         # 3 rounds of 3 s
#   bench/http/run.sh -runs 5 -d 5 -routes plaintext,json,note,stats
#   bench/http/run.sh -quick -conns 10000   # also: 10,000 idle keep-alive connections
#
# The same handlers (bench/http/server) served two ways: "asyncio"
# (asynchttp.Server, on the event loop) and "nethttp" (net/http's
# http.Server, a goroutine per connection), both with GOMAXPROCS=1, the
# server pinned to CPU 0 and wrk to CPU 1 (taskset). The client is
#
#   wrk -t1 -c64 -dDs --latency URL      (PUT: -s bench/http/wrk/put.lua)
#
# keep-alive, once per route and server in each round, servers alternating.
# For each run the server's CPU time (utime+stime from /proc/PID/stat, all
# threads) is read before and after, giving CPU µs per request; req/s, p50
# and p99 come from wrk. With -conns N, bench/http/idleconns then opens N
# idle keep-alive connections to each server, reports its RSS (VmRSS) per
# connection, and runs wrk on /plaintext while they stay open.
# Writes bench/http/results/results.md and prints it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
args="$*"

runs=3
dur=10
conns=64
routes="plaintext,json,kv-get,kv-put,note"
idle=0
usage() { awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; }
while (($#)); do
  case "$1" in
  -quick) dur=3 ;;
  -runs) runs="$2"; shift ;;
  -d) dur="$2"; shift ;;
  -c) conns="$2"; shift ;;
  -routes) routes="$2"; shift ;;
  -conns) idle="$2"; shift ;;
  -h | -help | --help) usage; exit 0 ;;
  *) echo "run.sh: unknown argument $1 (try -h)" >&2; exit 2 ;;
  esac
  shift
done
skipped=() # what this run could not do, for the report
impls=(asyncio nethttp)

command -v go >/dev/null || { echo "run.sh: the Go toolchain (go) is required" >&2; exit 1; }

# --- Install what is missing (apt-get, as bench/resp/run.sh does).
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() { # apt_install PACKAGE...: quietly, updating the lists once if needed
  command -v apt-get >/dev/null || return 1
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 ||
    { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2; }
}
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  echo "run.sh: installing ${missing[*]}" >&2
  apt_install "${missing[@]}" || echo "run.sh: warning: could not install ${missing[*]}" >&2
fi
if ! command -v wrk >/dev/null; then
  echo "run.sh: wrk is not installed and apt-get could not install it (apt-get install -y wrk); nothing to measure, skipping" >&2
  exit 0
fi
pin_server=() pin_client=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0) pin_client=(taskset -c 1)
else
  skipped+=("pinning (taskset missing or fewer than 2 CPUs): server and wrk ran unpinned")
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
(cd "$root" && go build -o "$bin/server" ./bench/http/server && go build -o "$bin/idleconns" ./bench/http/idleconns)

label() {
  case "$1" in
  asyncio) echo "asyncio (asynchttp)" ;;
  nethttp) echo "net/http" ;;
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
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
to_us() { # wrk's "245.00us", "1.23ms", "2.00s" as µs
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") f = 1; else if (u == "ms") f = 1e3; else if (u == "s") f = 1e6; else if (u == "m") f = 6e7; else f = -1
    if (f < 0) print "nan"; else printf "%.1f", n * f }'
}
url_of() { # url_of ROUTE PORT
  case "$1" in
  plaintext) echo "http://127.0.0.1:$2/plaintext" ;;
  json) echo "http://127.0.0.1:$2/json" ;;
  kv-get | kv-put) echo "http://127.0.0.1:$2/kv/k1" ;;
  note) echo "http://127.0.0.1:$2/api/notes/1" ;;
  stats) echo "http://127.0.0.1:$2/api/stats" ;;
  esac
}
run_wrk() { # run_wrk ROUTE PORT SECONDS CONNS: prints "requests rps p50us p99us errors"
  local script=() out
  [ "$1" = kv-put ] && script=(-s "$here/wrk/put.lua")
  out=$("${pin_client[@]}" wrk -t1 -c"$4" -d"$3"s --latency "${script[@]}" "$(url_of "$1" "$2")" 2>&1)
  local n rps p50 p99 non2xx sockerr
  n=$(awk '/ requests in / {print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  sockerr=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' <<<"$out")
  if [ -z "$n" ] || [ -z "$rps" ] || [ -z "$p99" ]; then
    echo "run.sh: wrk gave no result:" >&2
    echo "$out" | tail -8 >&2
    return 1
  fi
  echo "$n $rps $(to_us "$p50") $(to_us "$p99") $((${non2xx:-0} + ${sockerr:-0}))"
}
best() { tr ' ' '\n' | grep . | sort -g | tail -1; } # the largest
least() { tr ' ' '\n' | grep . | sort -g | head -1; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
fmt_us() { awk -v u="$1" 'BEGIN {if (u >= 1000) printf "%.2f ms", u / 1000; else printf "%.0f µs", u}'; }
declare -A port pid rps cpu p50 p99 errs busy
declare -A idle_rss idle_base idle_rps idle_p99 idle_busy idle_open base_rps base_p99 base_busy
for route in ${routes//,/ }; do
  case "$route" in plaintext | json | kv-get | kv-put | note | stats) ;; *) echo "run.sh: unknown route $route (plaintext, json, kv-get, kv-put, note, stats)" >&2; exit 2 ;; esac
done

# --- Start both servers, pinned, each on a free port.
start_server() { # start_server IMPL: sets port[IMPL] and pid[IMPL]
  local s=$1
  port[$s]=$(free_port "$next")
  next=$((port[$s] + 1))
  GOMAXPROCS=1 "${pin_server[@]}" "$bin/server" -impl "$s" -port "${port[$s]}" >"$bin/$s.log" 2>&1 &
  pid[$s]=$!
  pids+=("${pid[$s]}")
  for _ in $(seq 100); do port_open "${port[$s]}" && break; sleep 0.1; done
  port_open "${port[$s]}" || { echo "run.sh: $s did not start:" >&2; cat "$bin/$s.log" >&2; exit 1; }
}
next=18080
for s in "${impls[@]}"; do start_server "$s"; done
clk=$(getconf CLK_TCK)

echo "run.sh: $runs round(s) of ${dur}s per route and server, wrk -t1 -c$conns, routes: $routes" >&2
for s in "${impls[@]}"; do # warm-up, and a check that every route answers 2xx
  for route in ${routes//,/ }; do
    read -r _ _ _ _ e <<<"$(run_wrk "$route" "${port[$s]}" 1 "$conns")"
    ((e == 0)) || { echo "run.sh: $s $route: $e errors or non-2xx responses in the warm-up" >&2; exit 1; }
  done
done

# --- Measured runs: every route, servers alternating, in each round.
for r in $(seq "$runs"); do
  for route in ${routes//,/ }; do
    for s in "${impls[@]}"; do
      t0=$(ticks "${pid[$s]}")
      read -r n x a b e <<<"$(run_wrk "$route" "${port[$s]}" "$dur" "$conns")"
      t1=$(ticks "${pid[$s]}")
      us=$(awk -v d=$((t1 - t0)) -v clk="$clk" -v n="$n" 'BEGIN {printf "%.2f", d / clk * 1e6 / n}')
      pc=$(awk -v d=$((t1 - t0)) -v clk="$clk" -v s="$dur" 'BEGIN {printf "%.0f", d / clk / s * 100}')
      k="$route/$s"
      rps[$k]+="$x " cpu[$k]+="$us " p50[$k]+="$a " p99[$k]+="$b " errs[$k]+="$e " busy[$k]+="$pc "
      echo "run.sh: round $r $route $s: $x req/s, CPU $us µs/req (busy $pc%), p50 $(fmt_us "$a"), p99 $(fmt_us "$b"), errors $e" >&2
    done
  done
done

# --- Idle connections (-conns N).
: # (declared with the others above)
if ((idle > 0)); then
  want=$((idle + 1024))
  if (($(ulimit -n) < want)); then ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; fi
  if (($(ulimit -n) < idle + 256)); then
    skipped+=("-conns $idle: the open-file limit is $(ulimit -n) and could not be raised")
  else
    for s in "${impls[@]}"; do
      # A fresh server, so the RSS is this server's with these connections.
      kill "${pid[$s]}" 2>/dev/null || true
      wait "${pid[$s]}" 2>/dev/null || true
      start_server "$s"
      # The same fresh server without the idle connections first, to compare.
      read -r _ _ _ _ _ <<<"$(run_wrk plaintext "${port[$s]}" 1 "$conns")" # warm-up
      t0=$(ticks "${pid[$s]}")
      read -r _ x _ b _ <<<"$(run_wrk plaintext "${port[$s]}" "$dur" "$conns")"
      t1=$(ticks "${pid[$s]}")
      base_rps[$s]=$x base_p99[$s]=$b
      base_busy[$s]=$(awk -v d=$((t1 - t0)) -v clk="$clk" -v s="$dur" 'BEGIN {printf "%.0f", d / clk / s * 100}')
      sleep 0.5
      idle_base[$s]=$(rss_kib "${pid[$s]}")
      "${pin_client[@]}" "$bin/idleconns" -port "${port[$s]}" -n "$idle" -hold 3600s >"$bin/idle.$s" 2>&1 &
      ic=$!
      pids+=("$ic")
      for _ in $(seq 600); do grep -q '^open ' "$bin/idle.$s" && break; kill -0 "$ic" 2>/dev/null || break; sleep 0.1; done
      if ! grep -q '^open ' "$bin/idle.$s"; then
        echo "run.sh: idleconns failed for $s:" >&2; tail -3 "$bin/idle.$s" >&2
        skipped+=("-conns $idle for $s: idleconns did not open its connections ($(tail -1 "$bin/idle.$s"))")
        kill "$ic" 2>/dev/null || true
        continue
      fi
      idle_open[$s]=$(awk '/^open / {print $2}' "$bin/idle.$s")
      sleep 1
      idle_rss[$s]=$(rss_kib "${pid[$s]}")
      t0=$(ticks "${pid[$s]}")
      read -r _ x _ b e <<<"$(run_wrk plaintext "${port[$s]}" "$dur" "$conns")"
      t1=$(ticks "${pid[$s]}")
      idle_rps[$s]=$x idle_p99[$s]=$b
      idle_busy[$s]=$(awk -v d=$((t1 - t0)) -v clk="$clk" -v s="$dur" 'BEGIN {printf "%.0f", d / clk / s * 100}')
      echo "run.sh: $s with ${idle_open[$s]} idle connections: RSS ${idle_base[$s]} -> ${idle_rss[$s]} KiB, /plaintext ${base_rps[$s]} -> $x req/s, p99 $(fmt_us "${base_p99[$s]}") -> $(fmt_us "$b"), busy ${base_busy[$s]}% -> ${idle_busy[$s]}%, errors $e" >&2
      kill "$ic" 2>/dev/null || true
      wait "$ic" 2>/dev/null || true
    done
  fi
fi

# --- Report.
mkdir -p "$here/results"
out="$here/results/results.md"
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
{
  echo "# HTTP benchmark results"
  echo
  echo "Client: \`wrk -t1 -c$conns -d${dur}s --latency URL\` ($(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)), keep-alive; PUT with \`-s bench/http/wrk/put.lua\` (64-byte body).  "
  echo "Median of $runs run(s) per route and server, servers alternating, after a 1 s warm-up per route and server.  "
  echo "Servers: bench/http/server, GOMAXPROCS=1$(((${#pin_server[@]})) && echo ", pinned to CPU 0; wrk pinned to CPU 1 (taskset)").  "
  echo "Machine: $model, $(nproc) CPUs, Linux $(uname -r), $(go version | cut -d' ' -f3); $(date -u +%Y-%m-%dT%H:%M:%SZ).  "
  echo "Command: \`bench/http/run.sh${args:+ $args}\`."
  echo
  echo "| Route | Server | req/s | best req/s | Server CPU µs/req | least CPU µs/req | p50 | p99 | Server busy | Errors |"
  echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
  for route in ${routes//,/ }; do
    for s in "${impls[@]}"; do
      k="$route/$s"
      printf '| %s | %s | %.0f | %.0f | %.2f | %.2f | %s | %s | %.0f%% | %d |\n' "$route" "$(label "$s")" \
        "$(median <<<"${rps[$k]}")" "$(best <<<"${rps[$k]}")" "$(median <<<"${cpu[$k]}")" "$(least <<<"${cpu[$k]}")" \
        "$(fmt_us "$(median <<<"${p50[$k]}")")" "$(fmt_us "$(median <<<"${p99[$k]}")")" \
        "$(median <<<"${busy[$k]}")" "$(tr ' ' '\n' <<<"${errs[$k]}" | awk '{t += $1} END {print t + 0}')"
    done
  done
  echo
  echo "asyncio / net/http (throughput above 1 and CPU below 1 favour asyncio):"
  echo
  echo "| Route | req/s ratio (medians) | best req/s ratio | CPU/req ratio (medians) | least CPU/req ratio | p99 ratio (medians) |"
  echo "|---|--:|--:|--:|--:|--:|"
  for route in ${routes//,/ }; do
    a="$route/asyncio" b="$route/nethttp"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$route" \
      "$(ratio "$(median <<<"${rps[$a]}")" "$(median <<<"${rps[$b]}")")" \
      "$(ratio "$(best <<<"${rps[$a]}")" "$(best <<<"${rps[$b]}")")" \
      "$(ratio "$(median <<<"${cpu[$a]}")" "$(median <<<"${cpu[$b]}")")" \
      "$(ratio "$(least <<<"${cpu[$a]}")" "$(least <<<"${cpu[$b]}")")" \
      "$(ratio "$(median <<<"${p99[$a]}")" "$(median <<<"${p99[$b]}")")"
  done
  echo
  echo "Every run (req/s, CPU µs/req, server busy %, p99 µs, errors):"
  echo
  for route in ${routes//,/ }; do
    for s in "${impls[@]}"; do
      k="$route/$s"
      read -ra A <<<"${rps[$k]}"
      read -ra B <<<"${cpu[$k]}"
      read -ra C <<<"${p99[$k]}"
      read -ra E <<<"${errs[$k]}"
      read -ra U <<<"${busy[$k]}"
      line=""
      for i in "${!A[@]}"; do line+="${line:+; }${A[$i]%.*}, ${B[$i]}, ${U[$i]}%, ${C[$i]%.*}, ${E[$i]}"; done
      echo "- $route $s: $line"
    done
  done
  if ((${#idle_rss[@]})); then
    echo
    echo "With $idle idle keep-alive connections (bench/http/idleconns: each sent one GET /plaintext, read the reply, then stayed open), fresh servers;"
    echo "one ${dur} s wrk run on /plaintext without them (after a 1 s warm-up), then one with them:"
    echo
    echo "| Server | idle conns | RSS before | RSS with them | KiB/conn | /plaintext req/s without → with | p99 without → with | busy without → with |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|"
    for s in "${impls[@]}"; do
      [ -n "${idle_rss[$s]:-}" ] || continue
      printf '| %s | %s | %.1f MiB | %.1f MiB | %.2f | %.0f → %.0f | %s → %s | %s%% → %s%% |\n' "$(label "$s")" "${idle_open[$s]}" \
        "$(awk -v k="${idle_base[$s]}" 'BEGIN {print k / 1024}')" "$(awk -v k="${idle_rss[$s]}" 'BEGIN {print k / 1024}')" \
        "$(awk -v a="${idle_base[$s]}" -v b="${idle_rss[$s]}" -v n="${idle_open[$s]}" 'BEGIN {print (b - a) / n}')" \
        "${base_rps[$s]}" "${idle_rps[$s]}" "$(fmt_us "${base_p99[$s]}")" "$(fmt_us "${idle_p99[$s]}")" "${base_busy[$s]}" "${idle_busy[$s]}"
    done
  fi
  echo
  echo "Server CPU is utime+stime of the server process (all threads) from /proc/PID/stat ($clk ticks/s)"
  echo "over each measured run, divided by wrk's request count; it leaves out softirq time (loopback"
  echo "TCP delivery). Latencies are wrk's (coordinated omission not corrected: with 64 connections"
  echo "in a closed loop, p50 is mostly 64 / throughput). Server busy is its CPU time over the run's"
  echo "length (median): one core's worth is 100%. A server that should be saturated but shows much"
  echo "less was starved (a shared or virtual machine): its req/s and latencies then say little and"
  echo "its CPU per request rises too, if far less. Starving only ever slows a run, so the best req/s"
  echo "and least CPU per request of the rounds are the columns to compare when busy is low."
  echo "Errors are wrk's non-2xx replies plus socket errors (all runs)."
  if ((${#skipped[@]})); then
    echo
    echo "Skipped:"
    echo
    for k in "${skipped[@]}"; do echo "- $k"; done
  fi
} >"$out"
cat "$out"
