//! The engine's benchmark workloads in headless Chromium, printing operations per second for
//! `scripts/bench-engine.sh` to set beside the native figures. Prints only: no timed assertion.
#![cfg(target_arch = "wasm32")]

use redsim_engine::bench::WORKLOADS;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

#[wasm_bindgen_test]
fn engine_workloads_in_wasm() {
    for w in WORKLOADS {
        let ops = 50_000;
        let start = now_ms();
        let done = (w.run)(ops);
        let rate = done as f64 / ((now_ms() - start).max(1.0) / 1000.0);
        web_sys::console::log_1(&format!("wasm {:<24} {:>12.0} ops/s ({ops} ops)", w.name, rate).into());
        assert_eq!(done, ops);
    }
}
