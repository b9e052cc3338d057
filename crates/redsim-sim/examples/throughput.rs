//! How fast the world runs: N messages through a group of 10 consumers, natively, and how long
//! stepping back over the run takes. `cargo run --release -p redsim-sim --example throughput -- 100000`
//! (the app runs the same in wasm: `scripts/bench-app.sh`).

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let start = std::time::Instant::now();
    let (steps, run, worst, done) = redsim_sim::scenario::throughput(n, || start.elapsed().as_secs_f64() * 1000.0);
    println!("{n} messages, {done} acknowledged, {steps} steps, {:.2} s", run / 1000.0);
    println!("step back to an earlier step: at most {worst:.1} ms");
}
