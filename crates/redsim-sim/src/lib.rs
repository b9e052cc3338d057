//! The deterministic world around the engine: named clients, a virtual clock, and a timeline of
//! steps that can be shown again at any point (step back, scrub).
//!
//! What this crate must not do: read a clock or draw a random number of its own. Time moves only
//! when an action moves it, so the same actions give the same steps, natively and in wasm.

#![forbid(unsafe_code)]

mod deployment;
pub mod scenario;
mod session;
mod timeline;

pub use deployment::*;
pub use session::{Action, ClientInfo, Session, Step, World, START_MS};
pub use timeline::Timeline;
