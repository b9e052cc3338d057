//! `cargo bench -p redsim-engine`: operations per second for the shared workloads, and bytes per
//! entry of a 1,000,000-entry stream with two small fields (counted by a wrapping allocator).

// Counting the bytes allocated takes a `GlobalAlloc`, which is unsafe to implement: the one
// place in the workspace that is allowed to be.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use redsim_engine::bench::{big_stream, WORKLOADS};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let ops: usize = std::env::var("REDSIM_BENCH_OPS").ok().and_then(|n| n.parse().ok()).unwrap_or(200_000);
    for w in WORKLOADS {
        let mut rates = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let done = (w.run)(ops);
            rates.push(done as f64 / start.elapsed().as_secs_f64());
        }
        rates.sort_by(|a, b| a.total_cmp(b));
        println!("native {:<24} {:>12.0} ops/s (median of 5 runs of {ops})", w.name, rates[2]);
    }
    let entries = 1_000_000;
    let before = LIVE.load(Ordering::Relaxed);
    let server = big_stream(entries);
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    println!("native memory: {:.1} bytes per entry ({entries} entries, fields name=alice n=1; allocated bytes, allocator overhead not counted)", bytes as f64 / entries as f64);
    drop(server);
}
