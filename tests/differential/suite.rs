//! Redis's own test suite, when a Redis source tree is given: `REDIS_SRC` names one (for 7.0.15,
//! `git --git-dir=... archive 7.0.15 tests runtest | tar x -C DIR`). `scripts/redis-suite.sh`
//! runs each unit against a fresh `redis-server` and a fresh `redsim-server` in external mode;
//! every unit must give Redsim as many `[ok]` as Redis and no `[err]` or `[exception]`. Without
//! the variable the test says it was skipped (the suite is Redis's, never copied here, and takes
//! about twenty minutes).

use std::path::Path;
use std::process::Command;

/// One row of the script's table: unit, Redis's ok and err, Redsim's ok and err.
fn rows(output: &str) -> Vec<(String, u64, u64, u64, u64)> {
    output
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [unit, numbers @ ..] = words.as_slice() else { return None };
            let numbers: Vec<u64> = numbers.iter().map(|n| n.parse().ok()).collect::<Option<_>>()?;
            match numbers.as_slice() {
                [a, b, c, d] if *unit != "total" => Some((unit.to_string(), *a, *b, *c, *d)),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn redis_own_suite_passes_where_redis_does() {
    let Ok(src) = std::env::var("REDIS_SRC") else {
        println!("skipped: set REDIS_SRC to a Redis source tree (tests/ and runtest) to run Redis's own suite");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/redis-suite.sh");
    let out = Command::new("bash").arg(script).arg(&src).output().expect("bash runs the suite script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the suite script failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let table = rows(&text);
    assert!(!table.is_empty(), "no unit ran:\n{text}");
    let short: Vec<String> = table
        .iter()
        .filter(|(_, redis_ok, _, ok, err)| ok != redis_ok || *err > 0)
        .map(|(unit, redis_ok, _, ok, err)| format!("{unit}: Redis {redis_ok} ok, Redsim {ok} ok and {err} err"))
        .collect();
    println!("{text}");
    assert!(short.is_empty(), "units short of Redis:\n{}", short.join("\n"));
}

#[test]
fn the_suite_table_is_read() {
    let table = rows("unit  redis ok  redis err  redsim ok  redsim err\nscan  17  0  16  1\ntotal  17  0  16  1\n");
    assert_eq!(table, vec![("scan".to_string(), 17, 0, 16, 1)]);
}
