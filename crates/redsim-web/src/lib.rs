//! Redsim's app: a console that behaves like `redis-cli`, over the engine running in the page.
//!
//! The app draws; it never decides what Redis would do. Every reply and every change comes from
//! `redsim_sim::Session` (the console) or `redsim_sim::scenario::Player` (a scenario), each held in
//! a `store::Store` whose model is plain Rust, tested natively; `view` turns engine and world state
//! into the plain data that components lay out.
//!
//! `app` picks the console app (`console/`) or the scenario player (`scenario/`); `streams/` draws
//! the pictures both show; `hooks` has the timers and listeners, `keep` and `saved` keep sessions.

#![forbid(unsafe_code)]

pub mod app;
pub mod changes;
pub mod clock;
pub mod completion;
pub mod console;
pub mod embed;
pub mod hooks;
pub mod keep;
pub mod links;
pub mod picture;
pub mod saved;
pub mod scenario;
pub mod store;
pub mod streams;
pub mod timeline;
pub mod view;

/// The scenario benchmark in the page (`scripts/bench-app.sh` calls it through
/// `window.wasmBindings`): `[steps, run ms, worst step-back ms, acknowledged]`.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn bench_scenario(messages: u32) -> Vec<f64> {
    let now = || js_sys::Date::now();
    let (steps, run, back, done) = redsim_sim::scenario::throughput(u64::from(messages), now);
    vec![steps as f64, run, back, done as f64]
}
