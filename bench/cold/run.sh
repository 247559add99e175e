#!/usr/bin/env bash
# Cold benchmarks: each workload in a fresh process, against the peers.
#
#   bench/cold/run.sh             # 3 runs per figure, medians
#   bench/cold/run.sh -runs 5
#
# Workloads (see asyncio/main.go): idle (the only task sleeps 2 s), sleepers
# (100,000 tasks sleep 0-1 s), spawn (100,000 tasks yield once, then are
# awaited). Peers: goroutines, CPython asyncio, uvloop, Node.js. Figures per
# process: CPU (perf's task-clock, or user+sys from /usr/bin/time where perf
# is missing), context switches, page faults, peak RSS; memory per sleeping
# task is (peak RSS of sleepers - peak RSS of idle) / 100,000.
#
# Installs what is missing with apt-get (linux-perf, time, python3-uvloop,
# nodejs) and says which peers it skipped. Writes bench/cold/results/results.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs=3
[ "${1:-}" = "-runs" ] && runs="$2"

need=()
command -v perf >/dev/null || need+=(linux-perf)
[ -x /usr/bin/time ] || need+=(time)
command -v node >/dev/null || need+=(nodejs)
/usr/bin/python3 -c 'import uvloop' 2>/dev/null || need+=(python3-uvloop)
if ((${#need[@]})); then
  echo "run.sh: installing ${need[*]}" >&2
  { apt-get install -y -q "${need[@]}" || { apt-get update -q && apt-get install -y -q "${need[@]}"; }; } >/dev/null 2>&1 ||
    echo "run.sh: warning: could not install ${need[*]}" >&2
fi
perf_ok=0
perf stat -e task-clock true >/dev/null 2>&1 && perf_ok=1

bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
# Both Go programs are built static (CGO_ENABLED=0). With cgo on (the default
# where gcc is installed) a program that imports net, as this library does, is
# linked against libc and pays the dynamic loader at start-up: measured here,
# about +0.5 ms CPU and +80 page faults on the idle workload. The goroutine
# program imports no net, so building both static compares the loops, not the
# linkers. Set COLD_CGO=1 to build with the toolchain's default instead.
cgo=0
[ "${COLD_CGO:-0}" = 1 ] && cgo="$(go env CGO_ENABLED)"
(cd "$here" && CGO_ENABLED=$cgo go build -o "$bin/asyncio" ./asyncio && CGO_ENABLED=$cgo go build -o "$bin/goroutines" ./goroutines)

# measure NAME CMD...: prints "cpu_ms cs faults rss_kb" for one fresh run.
measure() {
  local out="$bin/out" tm="$bin/time"
  if ((perf_ok)); then
    /usr/bin/time -o "$tm" -f '%M' perf stat -x, -o "$out" -e task-clock,context-switches,page-faults "$@" >/dev/null
    awk -F, -v rss="$(tail -1 "$tm")" '
      $3=="task-clock"{cpu=$1} $3=="context-switches"{cs=$1} $3=="page-faults"{pf=$1}
      END{printf "%.2f %d %d %d\n", cpu, cs, pf, rss}' "$out"
  else
    /usr/bin/time -o "$tm" -f '%U %S %c %w %R %M' "$@" >/dev/null
    awk '{printf "%.2f %d %d %d\n", ($1+$2)*1000, $3+$4, $5, $6}' "$tm"
  fi
}

median() { sort -n | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# row PEER MODE ENV CMD...: runs CMD $runs times; prints medians.
declare -A res
row() {
  local peer="$1" mode="$2"
  shift 2
  local f="$bin/runs"
  : >"$f"
  for ((i = 0; i < runs; i++)); do measure "$@" >>"$f"; done
  for col in 1 2 3 4; do
    res["$peer/$mode/$col"]=$(cut -d' ' -f"$col" "$f" | median)
  done
  echo "$peer $mode: cpu ${res[$peer/$mode/1]} ms, cs ${res[$peer/$mode/2]}, faults ${res[$peer/$mode/3]}, rss ${res[$peer/$mode/4]} KB" >&2
}

peers=()
for mode in idle sleepers spawn; do
  row "asyncio P=1" $mode env GOMAXPROCS=1 "$bin/asyncio" -mode $mode
  row "asyncio P=2" $mode env GOMAXPROCS=2 "$bin/asyncio" -mode $mode
  row "goroutines P=1" $mode env GOMAXPROCS=1 "$bin/goroutines" -mode $mode
  row "goroutines P=2" $mode env GOMAXPROCS=2 "$bin/goroutines" -mode $mode
done
peers+=("asyncio P=1" "asyncio P=2" "goroutines P=1" "goroutines P=2")
if command -v node >/dev/null; then
  for mode in idle sleepers spawn; do row "Node.js" $mode node "$here/cold.js" $mode; done
  peers+=("Node.js")
else echo "run.sh: skipped Node.js (not installed)" >&2; fi
for mode in idle sleepers spawn; do row "CPython asyncio" $mode /usr/bin/python3 "$here/cold.py" $mode; done
peers+=("CPython asyncio")
if /usr/bin/python3 -c 'import uvloop' 2>/dev/null; then
  for mode in idle sleepers spawn; do row "uvloop" $mode /usr/bin/python3 "$here/cold.py" $mode --uvloop; done
  peers+=("uvloop")
else echo "run.sh: skipped uvloop (python3-uvloop not installed)" >&2; fi

mkdir -p "$here/results"
{
  echo "# Cold benchmarks (bench/cold/run.sh -runs $runs)"
  echo
  echo "Each figure: median of $runs fresh processes. $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ). CPU is $( ((perf_ok)) && echo "perf's task-clock" || echo "user+sys from /usr/bin/time (10 ms resolution)") of the whole process, start-up included. Go programs built with CGO_ENABLED=$cgo."
  echo
  echo "| peer | idle 2 s: CPU ms | idle: context switches | 100k sleepers: CPU ms | sleepers: peak RSS MiB | bytes per sleeping task | spawn 100k: CPU ms | spawn: µs per task | spawn: page faults |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
  for p in "${peers[@]}"; do
    per=$(( (res[$p/sleepers/4] - res[$p/idle/4]) * 1024 / 100000 ))
    printf '| %s | %s | %s | %s | %d | %d | %s | %.2f | %s |\n' "$p" "${res[$p/idle/1]}" "${res[$p/idle/2]}" \
      "${res[$p/sleepers/1]}" "$((res[$p/sleepers/4] / 1024))" "$per" "${res[$p/spawn/1]}" \
      "$(echo "${res[$p/spawn/1]} * 1000 / 100000" | bc -l)" "${res[$p/spawn/3]}"
  done
} >"$here/results/results.md"
cat "$here/results/results.md"
