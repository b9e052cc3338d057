#!/usr/bin/env bash
# redis-benchmark against redsim-server and Debian's redis-server in the same run, alternating
# rounds so both see the same machine noise; prints medians and the redsim/redis ratio per command,
# pipelined (-P 16 -c 8) and not (-c 50), then SET from a lone client (-c 1), with the CPU time each
# server and the client spent per request.
#   scripts/bench-resp.sh [rounds] [n]   (defaults 3 and 100000; needs ./x test's tools: redis-server,
#                                        redis-benchmark)
set -euo pipefail
set -f  # the benchmarked commands contain a literal *
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${1:-3}"
N="${2:-100000}"

cargo build --release -q -p redsim-server --manifest-path "$ROOT/Cargo.toml"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port); REDSIM_PORT=$(free_port)
WORK=$(mktemp -d)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >/dev/null &
REDIS_PID=$!
"$ROOT/target/release/redsim-server" --port "$REDSIM_PORT" --redis-version 7.0 --save '' --dir "$WORK" >/dev/null &
REDSIM_PID=$!
trap 'kill $REDIS_PID $REDSIM_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for port in "$REDIS_PORT" "$REDSIM_PORT"; do
  until redis-cli -p "$port" PING >/dev/null 2>&1; do sleep 0.1; done
done

# The requests of one measurement: a lone client (-c 1) waits a round trip for each, so it gets
# a quarter of them.
requests() { if [ "$1" = lone ]; then echo $((N / 4)); else echo "$N"; fi; }
shape() {
  case $1 in pipelined) echo "-P 16 -c 8" ;; plain) echo "-c 50" ;; lone) echo "-c 1" ;; esac
}
# One measurement: port, mode (pipelined|plain|lone), then either "-t name" or a command. Prints the
# requests per second and the CPU time redis-benchmark used, in nanoseconds (user and system: run
# in a subshell of its own, `times` reports its children's time, which is the benchmark's).
rps() {
  local port=$1 mode=$2; shift 2
  local rate
  # shellcheck disable=SC2046
  rate=$(redis-benchmark -p "$port" -n "$(requests "$mode")" $(shape "$mode") -q "$@" 2>/dev/null | tr '\r' '\n' \
    | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)
  times >"$WORK/times"  # a builtin, run here: in a pipeline it would run in a new process
  echo "$rate $(tail -1 "$WORK/times" | tr 'ms' '  ' | awk '{printf "%.0f", ($1 * 60 + $2 + $3 * 60 + $4) * 1e9}')"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# The CPU time a server has used, in nanoseconds, user and system (the kernel's schedstat, summed
# over its threads): per request it says how much work each server does, which the machine's
# scheduling noise moves far less than the requests per second.
cpu_ns() {
  local total=0 file ns
  set +f
  for file in /proc/"$1"/task/*/schedstat; do
    read -r ns _ < "$file" && total=$((total + ns))
  done
  set -f
  echo "$total"
}

# One untimed round for each server first: the first timed round otherwise also pays for the
# processes' first allocations and the machine settling.
for port in "$REDIS_PORT" "$REDSIM_PORT"; do
  redis-benchmark -p "$port" -n "$N" -P 16 -c 8 -q -t set,get,lpush >/dev/null 2>&1
done

BENCHES=("-t set" "-t get" "-t incr" "-t lpush" "-t lpop" "-t sadd" "-t hset" "-t zadd" "-t lrange_100"
  "-t mset" "XADD bench * f v" "XRANGE bench - + COUNT 10")
# A lone client only for SET: it shows what the server's waiting costs, not what a command does.
LONE=("-t set")
declare -A results
for mode in pipelined plain lone; do
  benches=("${BENCHES[@]}")
  [ $mode = lone ] && benches=("${LONE[@]}")
  n=$(requests $mode)
  for bench in "${benches[@]}"; do
    for round in $(seq "$ROUNDS"); do
      for server in redis redsim; do
        port=$REDIS_PORT; pid=$REDIS_PID
        [ $server = redsim ] && port=$REDSIM_PORT && pid=$REDSIM_PID
        [ "${bench%% *}" = XADD ] && redis-cli -p "$port" DEL bench >/dev/null
        before=$(cpu_ns "$pid")
        # shellcheck disable=SC2086
        read -r rate client < <(rps "$port" "$mode" $bench)
        results["$mode|$server|$bench"]+="$rate "
        results["$mode|$server|$bench|cpu"]+="$(( ($(cpu_ns "$pid") - before) / n )) "
        results["$mode|$server|$bench|client"]+="$(( client / n )) "
      done
    done
  done
done

for mode in pipelined plain lone; do
  benches=("${BENCHES[@]}")
  [ $mode = lone ] && benches=("${LONE[@]}")
  printf '\n%-28s %10s %10s %6s %9s %9s %9s %9s\n' "$mode ($(shape $mode), n=$(requests $mode))" "redis rps" \
    "redsim rps" "ratio" "redis ns" "redsim ns" "client:r" "client:s"
  for bench in "${benches[@]}"; do
    m() { echo ${results["$mode|$1|$bench$2"]} | tr ' ' '\n' | median; }
    r=$(m redis ''); s=$(m redsim '')
    printf '%-28s %10.0f %10.0f %6.2f %9.0f %9.0f %9.0f %9.0f\n' "${bench#-t }" "$r" "$s" "$(echo "$s / $r" | bc -l)" \
      "$(m redis '|cpu')" "$(m redsim '|cpu')" "$(m redis '|client')" "$(m redsim '|client')"
  done
done
echo "medians of $ROUNDS alternating rounds on $(nproc) cores. ns: each server's CPU time (user and"
echo "system, from /proc/PID/task/*/schedstat) per request; client:r and client:s: redis-benchmark's own"
echo "CPU time per request against Redis and against Redsim (where it nears the time per request,"
echo "the client is what limits the rate)"

# Memory: a million XADDs into one stream on each server, then each process's resident size. Both
# servers start afresh first, so what the allocators kept from the runs above does not count.
kill $REDIS_PID $REDSIM_PID 2>/dev/null
wait $REDIS_PID $REDSIM_PID 2>/dev/null || true
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >/dev/null &
REDIS_PID=$!
"$ROOT/target/release/redsim-server" --port "$REDSIM_PORT" --redis-version 7.0 --save '' --dir "$WORK" >/dev/null &
REDSIM_PID=$!
for port in "$REDIS_PORT" "$REDSIM_PORT"; do
  until redis-cli -p "$port" PING >/dev/null 2>&1; do sleep 0.1; done
done
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
printf '\n%-28s %14s %14s %8s\n' "after 1,000,000 XADDs" "redis RSS" "redsim RSS" "ratio"
for port in "$REDIS_PORT" "$REDSIM_PORT"; do
  redis-cli -p "$port" FLUSHALL >/dev/null
  redis-benchmark -p "$port" -n 1000000 -P 16 -c 8 -q XADD mem '*' f v >/dev/null 2>&1
done
r=$(rss_kb $REDIS_PID); s=$(rss_kb $REDSIM_PID)
printf '%-28s %11d KB %11d KB %8.2f\n' "XADD mem * f v" "$r" "$s" "$(echo "$s / $r" | bc -l)"
echo "(XLEN: redis $(redis-cli -p "$REDIS_PORT" XLEN mem), redsim $(redis-cli -p "$REDSIM_PORT" XLEN mem))"
