#!/usr/bin/env bash
# Load time in headless Chromium on an emulated 9 Mbit/s, 170 ms network with a cold cache: the
# app's console, and a page with five <redsim-example> elements. Builds the release app first.
#   scripts/bench-load.sh        (REDSIM_LOAD_RUNS=n for more runs; the median is printed)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
./x build >/dev/null
node tests/e2e/load.mjs
