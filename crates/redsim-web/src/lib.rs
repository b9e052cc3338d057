//! Redsim's app: a console that behaves like `redis-cli`, over the engine running in the page.
//!
//! The app draws; it never decides what Redis would do. Every reply and every change comes from
//! `redsim_sim::Session`, and the text a user sees is produced by `state` (plain Rust, tested
//! natively) so components only lay it out.

pub mod app;
pub mod changes;
pub mod clock;
pub mod completion;
pub mod console;
pub mod keep;
pub mod saved;
pub mod scenarios;
pub mod state;
pub mod streams;
pub mod timeline;
pub mod view;

/// Mounts the app on the page's `<body>`.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
