#!/usr/bin/env bash
# Echo server benchmark, one command (from anywhere, Linux):
#
#   bench/echo/run.sh            # full run: 2 s warm-up + 10 s measured per server
#   bench/echo/run.sh -quick     # quick run: 1 s + 3 s per server
#   bench/echo/run.sh -runs 3 -only goroutines,asyncio
#
# Installs what is missing with apt-get (taskset from util-linux, node from
# nodejs, python3-uvloop), builds the driver, load generator, chart and Go
# servers, and writes bench/echo/results/{results.json,results.md,echo.svg}.
# Arguments are passed to the driver (bench/echo/driver; -h lists them).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

command -v go >/dev/null || { echo "run.sh: the Go toolchain (go) is required" >&2; exit 1; }

missing=()
command -v taskset >/dev/null || missing+=(util-linux)
command -v node >/dev/null || missing+=(nodejs)
# uvloop is installed for Debian's python3; the driver runs both Python
# servers with the interpreter that has it.
/usr/bin/python3 -c 'import uvloop' 2>/dev/null || python3 -c 'import uvloop' 2>/dev/null || missing+=(python3-uvloop)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "run.sh: installing ${missing[*]}" >&2
  if ! command -v apt-get >/dev/null ||
    ! { $sudo apt-get install -y -q "${missing[@]}" >&2 ||
      { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q "${missing[@]}" >&2; }; }; then
    echo "run.sh: warning: could not install ${missing[*]}; those servers are skipped or runs are unpinned" >&2
  fi
fi

bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
(cd "$here" && go build -o "$bin/driver" ./driver && go build -o "$bin/chart" ./chart)

"$bin/driver" -dir "$here" -bin "$bin" -chart "$bin/chart" "$@"
