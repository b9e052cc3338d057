#!/usr/bin/env bash
# The app's speed in headless Chromium: first render, a command in a 10,000-step session,
# stepping back in it, the scenario world, and frames while a scenario plays. Builds the release
# app first.   scripts/bench-app.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
./x build >/dev/null
node tests/e2e/perf.mjs
printf 'dist/ gzipped: %s bytes (wasm + js + css)\n' "$(cat dist/*.wasm dist/*.js dist/*.css | gzip -9 | wc -c)"
