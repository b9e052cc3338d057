#!/usr/bin/env bash
# Redis's own test suite against redsim-server, beside Debian's redis-server, unit by unit.
#
#   scripts/redis-suite.sh REDIS_SRC [UNIT ...]
#
# REDIS_SRC is a Redis source tree with `tests/` and `runtest` (for 7.0.15, from the snapshot the
# search tool's fetch brings: `git --git-dir=.../redis+redis/repo archive 7.0.15 tests runtest |
# tar x -C REDIS_SRC`). Nothing of it is copied into this project: the suite runs from its own tree.
# Each unit runs in external mode against a fresh server on a free loopback port, first Redis
# (`redis-server`, or $REDIS_SERVER), then Redsim (`redsim-server --redis-version $REDSIM_VERSION`,
# 7.0 unless set), and the script prints the [ok] and [err]+[exception] counts of both, one row a
# unit, with the totals. The whole output of each run is kept in $OUT (/tmp/redsim-suite).
#
# With no UNIT, the units that need no server restart, replication, module or DEBUG.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="${1:?usage: scripts/redis-suite.sh REDIS_SRC [UNIT ...]}"
shift
SRC="$(cd "$SRC" && pwd)"
[ -x "$SRC/runtest" ] || { echo "$SRC has no runtest: give a Redis source tree" >&2; exit 2; }
UNITS=("$@")
if [ ${#UNITS[@]} -eq 0 ]; then
  UNITS=(
    type/string type/incr type/list type/list-2 type/list-3 type/hash type/set type/zset
    type/stream type/stream-cgroups
    expire keyspace multi pubsub pubsubshard scripting functions bitops bitfield hyperloglog geo
    introspection introspection-2 info-command other scan sort dump slowlog protocol latency-monitor
    auth acl info tracking quit
  )
fi
REDIS_SERVER="${REDIS_SERVER:-redis-server}"
REDSIM_VERSION="${REDSIM_VERSION:-7.0}"
OUT="${OUT:-/tmp/redsim-suite}"
UNIT_TIMEOUT="${UNIT_TIMEOUT:-600}"
# REUSE_REDIS=1 reads Redis's column from the logs of an earlier run in $OUT where there are any.
REUSE_REDIS="${REUSE_REDIS:-0}"
mkdir -p "$OUT"
# runtest's own test server takes a port near 21079: two runs at once would collide.
exec 9>"$OUT/.lock"
flock -n 9 || { echo "another redis-suite.sh is running (lock $OUT/.lock)" >&2; exit 2; }

cargo build --release -q -p redsim-server --manifest-path "$ROOT/Cargo.toml"
REDSIM="$ROOT/target/release/redsim-server"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # wait_for PORT: until the server answers PING
  for _ in $(seq 200); do
    if redis-cli -p "$1" PING >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  return 1
}

count() { # count LOG: prints "ok err" of a runtest log
  local ok err plain
  plain="$(sed 's/\x1b\[[0-9;]*m//g' "$1")"
  ok=$(grep -c '^\[ok\]' <<<"$plain" || true)
  err=$(grep -cE '^\[(err|exception)\]' <<<"$plain" || true)
  echo "$ok $err"
}

# run_unit NAME UNIT START...: starts the server, runs the unit, prints "ok err".
run_unit() {
  local name="$1" unit="$2"
  shift 2
  local port pid log dir
  log="$OUT/$name-${unit//\//_}.log"
  if [ "$name" = redis ] && [ "$REUSE_REDIS" = 1 ] && [ -s "$log" ]; then
    count "$log"
    return
  fi
  port="$(free_port)"
  dir="$(mktemp -d)"
  "$@" --port "$port" --dir "$dir" >"$dir/server.log" 2>&1 &
  pid=$!
  if ! wait_for "$port"; then
    echo "0 1"
    kill "$pid" 2>/dev/null || true
    return
  fi
  (cd "$SRC" && timeout "$UNIT_TIMEOUT" ./runtest --host 127.0.0.1 --port "$port" --single "unit/$unit" \
    --tags -needs:debug --singledb --ignore-encoding --ignore-digest --durable --clients 1 >"$log" 2>&1) || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  count "$log"
}

printf '%-22s %10s %12s %10s %12s\n' unit "redis ok" "redis err" "redsim ok" "redsim err"
total=(0 0 0 0)
for unit in "${UNITS[@]}"; do
  read -r rok rerr < <(run_unit redis "$unit" "$REDIS_SERVER" --bind 127.0.0.1 --save '' --appendonly no --daemonize no)
  read -r sok serr < <(run_unit redsim "$unit" "$REDSIM" --redis-version "$REDSIM_VERSION" \
    --bind 127.0.0.1 --save '' --appendonly no)
  printf '%-22s %10s %12s %10s %12s\n' "$unit" "$rok" "$rerr" "$sok" "$serr"
  total=($((total[0] + rok)) $((total[1] + rerr)) $((total[2] + sok)) $((total[3] + serr)))
done
printf '%-22s %10s %12s %10s %12s\n' total "${total[0]}" "${total[1]}" "${total[2]}" "${total[3]}"
echo "logs: $OUT"
