#!/usr/bin/env bash
# redis.io's own examples against Redsim: every example block of the command pages of a redis/docs
# checkout, run on a fresh engine of the chosen profile and compared reply by reply.
#
#   scripts/redis-docs-examples.sh DOCS_SRC [VERSION]
#
# DOCS_SRC is a checkout of the redis/docs repository (the search tool's fetch brings one:
# `git --git-dir=.../redis+docs/repo archive HEAD content/commands | tar x -C DOCS_SRC`); nothing of it
# is copied here. VERSION is a Redsim profile (the newest when left out). The pages of the modules
# Redis 8 bundles (JSON, time series, probabilistic structures, the query engine) are left out, as
# Redsim does not model them. Prints each differing reply, then how many transcripts came out
# identical.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="${1:?usage: scripts/redis-docs-examples.sh DOCS_SRC [VERSION]}"
VERSION="${2:-latest}"
PAGES="$SRC/content/commands"
[ -d "$PAGES" ] || { echo "$PAGES is missing: give a redis/docs checkout" >&2; exit 2; }

cargo build --release -q -p redsim-docs --manifest-path "$ROOT/Cargo.toml"
mapfile -t FILES < <(find "$PAGES" -maxdepth 1 -name '*.md' \
  | grep -vE '/(bf|cf|cms|ft|json|ts|topk|tdigest|search|graph)\.[^/]*$' | sort)
# Exit status 1 only says that some reply differs, which is what this reports.
"$ROOT/target/release/redsim-docs" check --redis-version "$VERSION" "${FILES[@]}" || [ $? -eq 1 ]
