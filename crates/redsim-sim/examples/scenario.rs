//! Runs a scenario to its end and prints every step: `cargo run -p redsim-sim --example scenario --
//! <built-in name | path to a .scn file>`. Handy for checking a scenario before publishing it.

use redsim_sim::scenario::{library, parse, Player};

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!(
            "usage: scenario <name|file.scn>; built-in: {}",
            library().iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ")
        );
        std::process::exit(2);
    });
    let scenario = match library().into_iter().find(|s| s.name == arg) {
        Some(s) => s,
        None => {
            let text = std::fs::read_to_string(&arg).unwrap_or_else(|e| {
                eprintln!("{arg}: {e}");
                std::process::exit(2);
            });
            parse(&text).unwrap_or_else(|e| {
                eprintln!("{arg}: {e}");
                std::process::exit(1);
            })
        }
    };
    println!("# {}", scenario.title);
    let mut player = Player::new(scenario);
    player.run_to_end(1_000_000);
    let start = redsim_sim::START_MS;
    for step in player.steps() {
        for e in &step.events {
            if e.kind != redsim_sim::EventKind::Replicated {
                println!("{:>7} ms  {:?}  {}", e.at_ms - start, e.kind, e.text);
            }
        }
    }
    for lost in &player.deployment().lost {
        println!("LOST {} (on {}, acknowledged at {} ms): {}", lost.label, lost.node, lost.at_ms - start, lost.why);
    }
}
