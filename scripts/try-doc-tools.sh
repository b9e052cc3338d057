#!/usr/bin/env bash
# Builds the example documentation sites under tests/e2e/fixtures/tools/ (and the mdBook book under
# tests/e2e/fixtures/mdbook/) with the real tools, where they are installed, then checks each site
# in Chromium: its Redis code blocks are live examples that run. It also refreshes the pages kept in
# tests/e2e/fixtures/tools/outputs/, which `./x test e2e` checks when the tools are not installed.
#
#   scripts/try-doc-tools.sh          (needs ./x build first; installs nothing itself)
#
# Installing the tools here: `cargo install mdbook`, `apt-get install hugo`,
# `pip install mkdocs mkdocs-material pymdown-extensions`, and npm for VitePress and Docusaurus
# (this script runs `npm install` in a scratch folder for those two).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FIX="$ROOT/tests/e2e/fixtures"
OUT="$FIX/tools/outputs"
WORK="${REDSIM_TOOLS_WORK:-/tmp/redsim-doc-tools}"
mkdir -p "$WORK"
built=()

keep() { # keep <tool> <site dir> <page path inside it>...
  local tool="$1" site="$2"
  shift 2
  for page in "$@"; do
    mkdir -p "$OUT/$tool/$(dirname "$page")"
    cp "$site/$page" "$OUT/$tool/$page"
  done
  rm -rf "$WORK/sites/$tool"
  mkdir -p "$WORK/sites"
  cp -r "$site" "$WORK/sites/$tool"
  built+=("$tool")
}

if command -v mdbook >/dev/null; then
  (cd "$FIX/mdbook" && mdbook build -d "$WORK/mdbook")
  keep mdbook "$WORK/mdbook" streams.html guide/groups.html
fi
if command -v hugo >/dev/null; then
  (cd "$FIX/tools/hugo" && hugo --quiet -d "$WORK/hugo")
  keep hugo "$WORK/hugo" streams/index.html
fi
if command -v mkdocs >/dev/null; then
  (cd "$FIX/tools/mkdocs" && NO_MKDOCS_2_WARNING=1 mkdocs build -q -d "$WORK/mkdocs")
  keep mkdocs "$WORK/mkdocs" index.html
fi
if command -v npm >/dev/null; then
  # The scratch folders keep their node_modules between runs (Docusaurus's take minutes to install).
  mkdir -p "$WORK/vitepress" && rm -rf "$WORK/vitepress/docs" && cp -r "$FIX/tools/vitepress/docs" "$WORK/vitepress/"
  (cd "$WORK/vitepress" && { [ -d node_modules ] || { npm init -y >/dev/null && npm install --no-audit --no-fund --silent vitepress@1 vue; }; } && npx vitepress build docs)
  keep vitepress "$WORK/vitepress/docs/.vitepress/dist" index.html
  mkdir -p "$WORK/docusaurus" && cp -r "$FIX/tools/docusaurus/." "$WORK/docusaurus/"
  (cd "$WORK/docusaurus" && { [ -d node_modules ] || npm install --no-audit --no-fund --silent; } && npx docusaurus build --out-dir build)
  keep docusaurus "$WORK/docusaurus/build" docs/streams/index.html
fi
echo "built with the real tools: ${built[*]:-none}"
cd "$ROOT/tests/e2e" && REDSIM_TOOL_SITES="$WORK/sites" node --test tools.test.mjs
