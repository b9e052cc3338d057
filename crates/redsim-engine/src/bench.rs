//! Workloads shared by the native benchmark (`cargo bench -p redsim-engine`) and the same
//! benchmark compiled to wasm (`crates/redsim-web/tests/bench.rs`), so their figures compare the
//! same work. Timing is the caller's: this crate reads no clock.

use crate::{Server, Version};

/// A named workload: it runs `ops` operations on a fresh server and returns how many it ran.
pub struct Workload {
    pub name: &'static str,
    pub run: fn(ops: usize) -> usize,
}

fn argv(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

/// `XADD s * f v`, one per millisecond of virtual time.
fn xadd(ops: usize) -> usize {
    let mut server = Server::new(Version::LATEST);
    server.observe = false;
    server.propagate = false;
    let c = server.connect(0);
    let cmd = argv(&["XADD", "s", "*", "f", "v"]);
    for i in 0..ops {
        server.execute(i as u64, c, &cmd);
    }
    ops
}

/// `XRANGE s - + COUNT 10` over a 10,000-entry stream.
fn xrange(ops: usize) -> usize {
    let mut server = Server::new(Version::LATEST);
    server.observe = false;
    server.propagate = false;
    let c = server.connect(0);
    let add = argv(&["XADD", "s", "*", "f", "v"]);
    for i in 0..10_000 {
        server.execute(i, c, &add);
    }
    let cmd = argv(&["XRANGE", "s", "-", "+", "COUNT", "10"]);
    for _ in 0..ops {
        server.execute(10_000, c, &cmd);
    }
    ops
}

/// One producer and a group: `XADD`, then `XREADGROUP ... COUNT 1 >` and `XACK` of what it got;
/// three commands per operation.
fn readgroup_ack(ops: usize) -> usize {
    let mut server = Server::new(Version::LATEST);
    server.observe = false;
    server.propagate = false;
    let c = server.connect(0);
    server.execute(0, c, &argv(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]));
    let read = argv(&["XREADGROUP", "GROUP", "g", "worker", "COUNT", "1", "STREAMS", "s", ">"]);
    for i in 1..=ops as u64 {
        server.execute(i, c, &argv(&["XADD", "s", "*", "f", "v"]));
        server.execute(i, c, &read);
        server.execute(i, c, &[b"XACK".to_vec(), b"s".to_vec(), b"g".to_vec(), format!("{i}-0").into_bytes()]);
    }
    ops
}

pub const WORKLOADS: &[Workload] = &[
    Workload { name: "XADD", run: xadd },
    Workload { name: "XRANGE COUNT 10", run: xrange },
    Workload { name: "XREADGROUP+XACK cycle", run: readgroup_ack },
];

/// Builds a stream of `entries` entries with two small fields (for memory per entry).
pub fn big_stream(entries: usize) -> Server {
    let mut server = Server::new(Version::LATEST);
    server.observe = false;
    server.propagate = false;
    let c = server.connect(0);
    for i in 0..entries {
        let id = format!("{}-0", i + 1);
        server.execute(0, c, &argv(&["XADD", "s", &id, "name", "alice", "n", "1"]));
    }
    server
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_do_what_they_say() {
        for w in WORKLOADS {
            assert_eq!((w.run)(50), 50, "{}", w.name);
        }
        let mut server = big_stream(300);
        let c = server.connect(0);
        let len = server.execute(0, c, &argv(&["XLEN", "s"])).reply;
        assert_eq!(len, Some(crate::Reply::Integer(300)));
    }
}
