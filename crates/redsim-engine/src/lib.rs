//! Redis's behaviour as a pure state machine.
//!
//! `Server::execute(now_ms, client, argv)` takes one command and returns Redis's exact reply, the
//! typed effects of the command (what changed, for the pictures) and what a primary would
//! propagate. Everything that makes Redis *Redis* lives here and nowhere else.
//!
//! What this crate must not do: no I/O, no clock (time is the `now_ms` argument), no global
//! randomness, and no hash-map iteration order reaching a reply. It builds for native targets and
//! for `wasm32-unknown-unknown` alike.

#![forbid(unsafe_code)]
// A panic in wasm kills the page: the engine holds no invariant by `expect` (tests may).
#![deny(clippy::expect_used, clippy::unwrap_used)]

pub mod acl;
pub mod args;
pub mod bench;
pub mod cli;
pub mod cluster;
pub mod command;
mod commands;
pub mod config;
pub mod db;
pub mod effect;
pub mod error;
pub mod glob;
pub mod ld;
pub mod memory;
pub mod meta;
mod notify;
pub mod rdb;
pub mod reply;
pub mod server;
pub mod sha256;
pub mod stream;
#[cfg(test)]
mod testing;
pub mod value;
pub mod version;

/// FNV-1a: a fast hash for the engine's small lookup tables (parameter names, command flags),
/// where SipHash's protection against chosen keys buys nothing. Only lookups use it: no table
/// hashed with it is ever iterated into a reply.
#[derive(Clone, Copy, Default)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FnvMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

pub use effect::{Effect, StreamEffect};
pub use error::Error;
pub use reply::{Protocol, Reply};
pub use server::{Argv, ClientId, Outcome, Server};
pub use version::Version;
