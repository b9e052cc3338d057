#!/usr/bin/env bash
# Installs what Redsim needs, idempotently: each step is skipped when its tool is already there.
#   setup.sh app    — wasm target, Trunk, wasm-bindgen CLI, wasm-opt (enough to build and serve the app)
#   setup.sh test   — the above, plus Chromium + ChromeDriver, redis-server, playwright-core
# Versions come from ../shared/TOOLCHAIN.md: they are the ones known to install offline here.
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130   # must equal the pinned wasm-bindgen crate in Cargo.toml
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_test_rust() {
  # `./x test unit` checks formatting and lints.
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    log "adding rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
}

install_app_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    log "installing trunk $TRUNK_VERSION (about 8 minutes on 2 cores, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
    # No --locked: one locked dependency version is missing from the registry mirror.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  if [ ! -x "$ROOT/tools/node_modules/.bin/wasm-opt" ]; then
    log "installing binaryen's wasm-opt from npm (it shrinks the app's wasm)"
    (cd "$ROOT/tools" && npm ci --no-audit --no-fund --silent)
  fi
}

install_test_tools() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    # The package starts a system redis on 6379; the tests start their own on free ports.
    as_root service redis-server stop >/dev/null 2>&1 || true
  fi
  if [ ! -d "$ROOT/tests/e2e/node_modules/playwright-core" ]; then
    log "installing playwright-core from npm (no browser download)"
    (cd "$ROOT/tests/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  fi
}

case "${1:-app}" in
  app) install_app_tools ;;
  test) install_app_tools; install_test_rust; install_test_tools ;;
  *) echo "usage: setup.sh app|test" >&2; exit 2 ;;
esac
