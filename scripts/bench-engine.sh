#!/usr/bin/env bash
# The engine's workloads natively (cargo bench) and in headless Chromium (wasm-bindgen-test), with
# the wasm/native ratio; then bytes per entry of a 1,000,000-entry stream beside what Redis's
# MEMORY USAGE reports for the same stream.
#   scripts/bench-engine.sh        (needs ./x test's tools)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

cargo bench -q -p redsim-engine 2>/dev/null | grep '^native' | tee "$OUT/native"
CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release -p redsim-web --target wasm32-unknown-unknown --test bench -- --nocapture 2>&1 \
  | grep -o 'wasm .*ops/s' | tee "$OUT/wasm"

echo
printf '%-26s %14s %14s %8s\n' workload "native ops/s" "wasm ops/s" ratio
while read -r _ rest; do
  name=$(echo "$rest" | sed -E 's/ +[0-9]+ ops\/s.*//')
  native=$(echo "$rest" | grep -oE '[0-9]+ ops/s' | head -1 | cut -d' ' -f1)
  wasm=$(grep -F "wasm $name " "$OUT/wasm" | grep -oE '[0-9]+ ops/s' | cut -d' ' -f1 || true)
  [ -n "$wasm" ] && printf '%-26s %14s %14s %8.2f\n' "$name" "$native" "$wasm" "$(echo "$wasm / $native" | bc -l)"
done < <(grep -v memory "$OUT/native")

# Redis's own figure for the same stream: 1,000,000 XADDs with name=alice n=1.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$OUT" >/dev/null &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null; rm -rf "$OUT"' EXIT
until redis-cli -p "$PORT" PING >/dev/null 2>&1; do sleep 0.1; done
python3 -c '
import sys
out = sys.stdout.buffer
for i in range(1, 1000001):
    parts = [b"XADD", b"s", b"%d-0" % i, b"name", b"alice", b"n", b"1"]
    out.write(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
' | redis-cli -p "$PORT" --pipe >/dev/null
usage=$(redis-cli -p "$PORT" MEMORY USAGE s SAMPLES 0)
grep memory "$OUT/native"
echo "redis: MEMORY USAGE s SAMPLES 0 = $usage bytes = $(echo "scale=1; $usage / 1000000" | bc) bytes per entry"
