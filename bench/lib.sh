# shellcheck shell=bash
# Shared by bench/run, bench/instructions and bench/profile: installing a
# tool, starting a server and polling it until it answers, driving it with
# wrk and the signed requests, and reading the CPU time a process has used.
# Source it from the repository root:  . bench/lib.sh
# Every function takes what it uses as arguments, so each script keeps its own
# ports and timings; BENCH_START_TIMEOUT (seconds, default 10) bounds the wait
# for a server to answer.

# bench_need COMMAND PACKAGE: installs Debian's PACKAGE when COMMAND is missing.
bench_need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "bench: installing $2 (apt-get)" >&2
  apt-get install -y -qq "$2" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
}

# bench_wait_http URL PID LOG [NAME]: polls URL every 50 ms for up to
# BENCH_START_TIMEOUT seconds. Fails, printing LOG, if the process PID exits
# first or the time runs out.
bench_wait_http() {
  local url=$1 pid=$2 log=$3 name=${4:-server} seconds=${BENCH_START_TIMEOUT:-10}
  local _
  for _ in $(seq 1 $((seconds * 20))); do
    curl -fs -o /dev/null "$url" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      echo "bench: $name exited at start" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "bench: $name did not answer $url within $seconds s" >&2
  return 1
}

# bench_start_server URL LOG NAME COMMAND...: starts COMMAND in the background
# with its output in LOG, sets BENCH_SERVER_PID and waits for URL to answer.
BENCH_SERVER_PID=""
bench_start_server() {
  local url=$1 log=$2 name=$3
  shift 3
  # A server left over on the port would answer the poll below in place of
  # this one, and every figure would be its.
  if curl -fs -o /dev/null "$url"; then
    echo "bench: something already answers $url; stop it first" >&2
    return 1
  fi
  "$@" >"$log" 2>&1 &
  BENCH_SERVER_PID=$!
  bench_wait_http "$url" "$BENCH_SERVER_PID" "$log" "$name"
}

# bench_stop_server [SIGNAL]: stops the server bench_start_server started.
bench_stop_server() {
  if [ -n "$BENCH_SERVER_PID" ]; then
    kill "-${1:-TERM}" "$BENCH_SERVER_PID" 2>/dev/null || true
    wait "$BENCH_SERVER_PID" 2>/dev/null || true
  fi
  BENCH_SERVER_PID=""
}

# bench_cpu_ms PID: user + system CPU time the process has used, in ms
# (empty if it is gone).
bench_cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat" 2>/dev/null || echo ""
}

# bench_wrk URL DATA THREADS CONNS SECONDS READY [PREFIX...]: drives URL with
# the signed requests in DATA through bench/wrk/signed.lua; its threads start
# together once READY exists (the script creates it). PREFIX runs wrk (e.g.
# `nice -n 19`); BENCH_WRK_JSON, when set, names a file for the summary.
# Prints wrk's output, whose `BENCH_JSON {...}` line is the summary.
bench_wrk() {
  local url=$1 data=$2 threads=$3 conns=$4 seconds=$5 ready=$6
  shift 6
  rm -f "$ready"
  "$@" wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 5s -s bench/wrk/signed.lua "$url" \
    -- "$data" "$threads" "$ready" 2>&1
}

# bench_requests: reads wrk's output on stdin, prints how many requests it sent.
bench_requests() {
  sed -n 's/^BENCH_JSON //p' | python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"])'
}
