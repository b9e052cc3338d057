//! How fast the world runs: N messages through a group of 10 consumers, natively.
//! `cargo run --release -p redsim-sim --example throughput -- 100000`

use redsim_sim::scenario::{parse, Player};

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let mut text = format!(
        "name: throughput\nnode redis\nclient admin on redis\nat 0s: admin XGROUP CREATE jobs workers $ MKSTREAM\n\
         at 0s: producer p on redis writes jobs every 1ms count {n} fields n {{i}}\n"
    );
    for i in 0..10 {
        text.push_str(&format!("at 0s: consumer w{i} on redis reads jobs group workers count 50 block 1s process 0ms\n"));
    }
    text.push_str(&format!("end {}s\n", n / 1000 + 2));
    let mut player = Player::new(parse(&text).expect("a valid scenario"));
    let start = std::time::Instant::now();
    player.run_to_end(usize::MAX);
    let elapsed = start.elapsed();
    let done: u64 = player.cluster().actors.iter().filter(|a| a.name.starts_with('w')).map(|a| a.done).sum();
    let steps = player.steps().len();
    println!("{n} messages, {done} acknowledged, {steps} steps, {:.2} s", elapsed.as_secs_f64());
    // Stepping back: from the last step to earlier ones, the worst case being just before a
    // snapshot (the most steps to replay).
    let mut worst = 0f64;
    for k in [steps / 3, steps / 2 - 1, steps - 2, 17] {
        let mut p = player.clone();
        let t = std::time::Instant::now();
        p.seek(k);
        worst = worst.max(t.elapsed().as_secs_f64());
    }
    println!("step back to an earlier step: at most {:.1} ms", worst * 1000.0);
}
