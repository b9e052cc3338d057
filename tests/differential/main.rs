//! Differential tests: every script under `differential/scripts/` is sent, line by line, to a
//! real `redis-server` and to `redsim-server` (7.0 profile); the replies must match byte for byte.
//!
//! Script format, one command per line in redis-cli syntax:
//! - `# ...` is a comment; blank lines are skipped;
//! - `@name COMMAND ...` sends on the connection called `name` (opened on first use); lines
//!   without it use the connection `main`;
//! - `~COMMAND` compares integers within ±1000 (idle times and timestamps differ by the few
//!   milliseconds between the two servers); `?COMMAND` compares only the reply's type (for IDs
//!   made from the clock by `*`);
//! - `&COMMAND` sends without waiting (a command that blocks); a line `<` reads that reply later;
//! - `%COMMAND` compares a flat array as a multiset (Redis orders it by its hash table);
//! - `=COMMAND` compares a flat array of name/value pairs as a set of pairs (a RESP2 map in hash
//!   table order, as `CONFIG GET` answers);
//! - `!repeat N COMMAND` runs the command N times with `{i}` replaced by 1..=N;
//! - `$NAME COMMAND` also keeps each server's bulk reply as `NAME`: a later argument `{$NAME}` is
//!   each server's own reply, `{$redis:NAME}` is Redis's on both (a `DUMP` payload restored
//!   where it was made, or Redis's restored by Redsim).
//!
//! Each script starts from `FLUSHALL` on fresh connections, so scripts do not depend on each other.

#![forbid(unsafe_code)]

mod busy;
mod cli;
mod cluster;
mod fuzz;
mod ldb;
mod persistence;
mod protocol;
mod random;
mod replication;
mod suite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use redsim_engine::Version;
use redsim_tests::{show, Connection, RedisServer};

struct Pair {
    redis: RedisServer,
    redsim: redsim_server::Handle,
    /// Where redsim-server would write an RDB file.
    _dir: redsim_tests::TempDir,
}

impl Pair {
    fn start() -> Pair {
        Pair::with(RedisServer::start().expect("the reference redis-server must start"), Version::V7_0)
    }

    /// A newer Redis beside redsim-server with that version's profile.
    fn with(redis: RedisServer, version: Version) -> Pair {
        // Started as the reference is (tests/support): no save points, no AOF, a directory of its own.
        let dir = redsim_tests::TempDir::new("redsim-server").expect("a temporary directory");
        let options = [(b"save".to_vec(), Vec::new()), (b"appendonly".to_vec(), b"no".to_vec()), dir.as_option()];
        let redsim =
            redsim_server::spawn_configured("127.0.0.1:0", version, &options).expect("redsim-server must start");
        Pair { redis, redsim, _dir: dir }
    }
}

fn scripts() -> Vec<PathBuf> {
    scripts_in("differential/scripts")
}

fn scripts_in(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scripts folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "redis"))
        .collect();
    files.sort();
    files
}

/// Runs one script against both servers; returns a description of every difference.
fn run_script(pair: &Pair, path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("readable script");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut connections: BTreeMap<String, (Connection, Connection)> = BTreeMap::new();
    let open = |label: &str, connections: &mut BTreeMap<String, (Connection, Connection)>| {
        connections.entry(label.to_string()).or_insert_with(|| {
            (
                Connection::open(pair.redis.addr).expect("connect to redis-server"),
                Connection::open(pair.redsim.addr()).expect("connect to redsim-server"),
            )
        });
    };
    open("main", &mut connections);
    {
        let (redis, redsim) = connections.get_mut("main").unwrap();
        redis.command(&[b"FLUSHALL"]).expect("flush redis");
        redsim.command(&[b"FLUSHALL"]).expect("flush redsim");
    }
    let mut failures = Vec::new();
    let mut blocked = 0usize;
    let mut kept: BTreeMap<String, (Vec<u8>, Vec<u8>)> = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (label, command) = match line.strip_prefix('@') {
            Some(rest) => rest.split_once(' ').unwrap_or((rest, "")),
            None => ("main", line),
        };
        let (keep_as, command) = match command.strip_prefix('$') {
            Some(rest) => {
                let (name, cmd) = rest.split_once(' ').expect("$NAME COMMAND");
                (Some(name.to_string()), cmd)
            }
            None => (None, command),
        };
        let (times, command) = match command.strip_prefix("!repeat ") {
            Some(rest) => {
                let (n, cmd) = rest.split_once(' ').expect("!repeat N COMMAND");
                (n.parse::<usize>().expect("a repeat count"), cmd)
            }
            None => (1, command),
        };
        let (mode, command) = match command.as_bytes().first() {
            Some(b'~') => (Compare::Tolerant, &command[1..]),
            Some(b'?') => (Compare::TypeOnly, &command[1..]),
            Some(b'&') => (Compare::SendOnly, &command[1..]),
            Some(b'%') => (Compare::Unordered, &command[1..]),
            Some(b'=') => (Compare::UnorderedPairs, &command[1..]),
            _ if command == "<" => (Compare::ReadPending, ""),
            _ => (Compare::Exact, command),
        };
        open(label, &mut connections);
        for i in 1..=times {
            let (redis, redsim) = connections.get_mut(label).unwrap();
            let command = command.replace("{i}", &i.to_string());
            let argv = redsim_engine::cli::split_args(command.as_bytes())
                .unwrap_or_else(|| panic!("{name}:{}: unbalanced quotes", number + 1));
            // Kept replies stand in for `{$NAME}` arguments, per server.
            let substitute = |for_redis: bool| -> Vec<Vec<u8>> {
                argv.iter()
                    .map(|a| {
                        let text = String::from_utf8_lossy(a);
                        let Some(var) = text.strip_prefix("{$").and_then(|t| t.strip_suffix('}')) else {
                            return a.clone();
                        };
                        let (var, from_redis) = match var.strip_prefix("redis:") {
                            Some(v) => (v, true),
                            None => (var, for_redis),
                        };
                        let (r, s) = kept.get(var).unwrap_or_else(|| panic!("{name}: nothing kept as {var}"));
                        if from_redis {
                            r.clone()
                        } else {
                            s.clone()
                        }
                    })
                    .collect()
            };
            let (redis_argv, redsim_argv) = (substitute(true), substitute(false));
            let exchange = |c: &mut Connection, argv: &[Vec<u8>]| -> Result<Vec<u8>, String> {
                match mode {
                    Compare::SendOnly => c.send(argv).map(|_| Vec::new()),
                    Compare::ReadPending => c.read_reply(),
                    _ => c.command(argv),
                }
                .map_err(|e| e.to_string())
            };
            let expected = exchange(redis, &redis_argv);
            let actual = exchange(redsim, &redsim_argv);
            if let Some(var) = &keep_as {
                let bulk = |r: &Result<Vec<u8>, String>| r.as_ref().ok().and_then(|b| bulk_body(b)).unwrap_or_default();
                kept.insert(var.clone(), (bulk(&expected), bulk(&actual)));
            }
            match mode {
                Compare::SendOnly => {
                    blocked += 1;
                    // The next line must not race the blocking command on the other connection.
                    let (redis, redsim) = connections.get_mut("main").unwrap();
                    wait_for_blocked(redis, blocked);
                    wait_for_blocked(redsim, blocked);
                }
                Compare::ReadPending => blocked = blocked.saturating_sub(1),
                _ => {}
            }
            if !same(mode, &expected, &actual) {
                let render = |r: &Result<Vec<u8>, String>| match r {
                    Ok(bytes) => show(bytes),
                    Err(e) => format!("<{e}>"),
                };
                failures.push(format!(
                    "{name}:{}: {command}\n    redis:  {}\n    redsim: {}",
                    number + 1,
                    render(&expected),
                    render(&actual)
                ));
            }
        }
    }
    failures
}

/// Polls `INFO clients` until at least `count` clients are blocked (or two seconds pass).
fn wait_for_blocked(connection: &mut Connection, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while std::time::Instant::now() < deadline {
        let info = connection.command(&["INFO", "clients"]).unwrap_or_default();
        let text = String::from_utf8_lossy(&info);
        let blocked = text
            .lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if blocked >= count {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    Exact,
    Tolerant,
    TypeOnly,
    SendOnly,
    ReadPending,
    /// A flat array whose order is a hash table's (`KEYS`, `SMEMBERS` of a large set): compared
    /// as a multiset.
    Unordered,
    /// The same for name/value pairs, each pair kept together.
    UnorderedPairs,
}

/// The elements of a flat RESP array taken two by two, sorted, with the header first.
fn sorted_pairs(reply: &[u8]) -> Vec<Vec<u8>> {
    let mut elements = unsorted_elements(reply);
    let header = elements.remove(0);
    let mut pairs: Vec<Vec<u8>> = elements.chunks(2).map(|p| p.concat()).collect();
    pairs.sort();
    pairs.insert(0, header);
    pairs
}

/// The elements of a flat RESP array, sorted, with the header first.
fn sorted_elements(reply: &[u8]) -> Vec<Vec<u8>> {
    let mut elements = unsorted_elements(reply);
    elements[1..].sort();
    elements
}

/// The elements of a flat RESP array in order, with the header first.
fn unsorted_elements(reply: &[u8]) -> Vec<Vec<u8>> {
    let lines: Vec<&[u8]> = reply.split(|&c| c == b'\n').collect();
    let mut groups: Vec<Vec<u8>> = Vec::new();
    let mut i = 1;
    while i < lines.len() {
        let mut group = lines[i].to_vec();
        if lines[i].starts_with(b"$") && !lines[i].starts_with(b"$-1") && i + 1 < lines.len() {
            group.extend_from_slice(lines[i + 1]);
            i += 1;
        }
        groups.push(group);
        i += 1;
    }
    groups.insert(0, lines.first().map(|l| l.to_vec()).unwrap_or_default());
    groups
}

fn same(mode: Compare, a: &Result<Vec<u8>, String>, b: &Result<Vec<u8>, String>) -> bool {
    match (mode, a, b) {
        (Compare::TypeOnly, Ok(a), Ok(b)) => a.first() == b.first(),
        (Compare::Unordered, Ok(a), Ok(b)) => sorted_elements(a) == sorted_elements(b),
        (Compare::UnorderedPairs, Ok(a), Ok(b)) => sorted_pairs(a) == sorted_pairs(b),
        (Compare::Tolerant, Ok(a), Ok(b)) => {
            let (la, lb): (Vec<&[u8]>, Vec<&[u8]>) =
                (a.split(|&c| c == b'\n').collect(), b.split(|&c| c == b'\n').collect());
            la.len() == lb.len()
                && la.iter().zip(&lb).all(|(x, y)| {
                    x == y
                        || match (integer(x), integer(y)) {
                            (Some(x), Some(y)) => (x - y).abs() <= 1000,
                            _ => false,
                        }
                })
        }
        _ => a == b,
    }
}

/// The bytes of a RESP bulk string reply (`$<n>\r\n<bytes>\r\n`).
fn bulk_body(reply: &[u8]) -> Option<Vec<u8>> {
    let rest = reply.strip_prefix(b"$")?;
    let cr = rest.iter().position(|&b| b == b'\r')?;
    let len: usize = std::str::from_utf8(&rest[..cr]).ok()?.parse().ok()?;
    rest.get(cr + 2..cr + 2 + len).map(<[u8]>::to_vec)
}

/// The value of a RESP integer line (`:123\r`).
fn integer(line: &[u8]) -> Option<i64> {
    std::str::from_utf8(line.strip_prefix(b":")?.strip_suffix(b"\r")?).ok()?.parse().ok()
}

#[test]
fn scripts_match_redis_byte_for_byte() {
    let pair = Pair::start();
    let files = scripts();
    assert!(!files.is_empty(), "no scripts found");
    let failures: Vec<String> = files.iter().flat_map(|f| run_script(&pair, f)).collect();
    println!("{} scripts compared", files.len());
    assert!(failures.is_empty(), "{} replies differ from Redis:\n{}", failures.len(), failures.join("\n"));
}

/// The scripts of `differential/scripts-7.4/` against a Redis 7.4 that `REDIS_SERVER_7_4` names
/// (built from Redis's 7.4.1 source: `make` in a checkout of the tag), with the 7.4 profile. There
/// is no Debian package of it, so without the variable the test says it was skipped.
#[test]
fn newer_scripts_match_redis_7_4() {
    let Ok(binary) = std::env::var("REDIS_SERVER_7_4") else {
        println!("skipped: set REDIS_SERVER_7_4 to a redis-server 7.4 binary to compare the 7.4 scripts");
        return;
    };
    let redis = RedisServer::start_other(&binary).expect("the redis-server 7.4 must start");
    let pair = Pair::with(redis, Version::V7_4);
    let files = scripts_in("differential/scripts-7.4");
    let failures: Vec<String> = files.iter().flat_map(|f| run_script(&pair, f)).collect();
    println!("{} scripts compared with {binary}", files.len());
    assert!(failures.is_empty(), "{} replies differ from Redis 7.4:\n{}", failures.len(), failures.join("\n"));
}

/// The bulk strings of a flat RESP array reply.
fn bulk_strings(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply);
    let lines: Vec<&str> = text.split("\r\n").collect();
    lines.iter().skip(1).filter(|l| !l.starts_with('$') && !l.is_empty()).map(|l| l.to_string()).collect()
}

/// `ACL CAT <category>` names the same commands in Redis and in Redsim, for every command
/// Redsim has (Redis has more: cluster, modules, latency and the like).
#[test]
fn acl_categories_match_redis_for_the_commands_redsim_has() {
    let redis = RedisServer::start().expect("the reference redis-server must start");
    let mut c = Connection::open(redis.addr).expect("connect");
    let ours: std::collections::BTreeSet<&str> = redsim_engine::acl::registry()
        .iter()
        .filter(|e| e.available_in(Version::V7_0))
        .map(|e| e.fullname.as_str())
        .collect();
    let mut differences = Vec::new();
    for &category in redsim_engine::acl::categories(Version::V7_0) {
        let reply = c.command(&[b"ACL".as_slice(), b"CAT", category.as_bytes()]).expect("ACL CAT");
        let theirs: std::collections::BTreeSet<String> =
            bulk_strings(&reply).into_iter().filter(|n| ours.contains(n.as_str())).collect();
        let mine: std::collections::BTreeSet<String> = redsim_engine::acl::commands_in(category, Version::V7_0)
            .expect("a category")
            .into_iter()
            .map(str::to_string)
            .collect();
        let missing: Vec<_> = theirs.difference(&mine).collect();
        let extra: Vec<_> = mine.difference(&theirs).collect();
        if !missing.is_empty() || !extra.is_empty() {
            differences.push(format!("@{category}: missing {missing:?}, extra {extra:?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// `MEMORY USAGE` of values Redis sizes by sampling (tables, skiplists, many list nodes,
/// streams): Redsim's estimate beside Redis's, printed, and within 15% of it (25% for a sampled
/// skiplist, whose size in Redis depends on its nodes' random levels).
#[test]
fn memory_usage_is_close_to_redis_for_sampled_values() {
    let pair = Pair::start();
    let mut redis = Connection::open(pair.redis.addr).expect("connect to redis-server");
    let mut redsim = Connection::open(pair.redsim.addr()).expect("connect to redsim-server");
    let mut lines: Vec<String> = Vec::new();
    for i in 0..1000 {
        lines.push(format!("HSET bighash field:{i} value-{}", i * 7));
        lines.push(format!("ZADD bigzset {i} member:{i}"));
        lines.push(format!("SADD bigset member:{i}"));
        lines.push(format!("RPUSH biglist {}", "x".repeat(40 + i % 30)));
        lines.push(format!("XADD bigstream {}-1 name alice n {i}", i + 1));
    }
    lines.push("HSET widehash f ".to_string() + &"y".repeat(100));
    for line in &lines {
        let argv = redsim_engine::cli::split_args(line.as_bytes()).unwrap();
        redis.command(&argv).expect("redis");
        redsim.command(&argv).expect("redsim");
    }
    let mut report = Vec::new();
    let mut far = Vec::new();
    for key in ["bighash", "bigzset", "bigset", "biglist", "bigstream", "widehash"] {
        for samples in ["5", "0"] {
            let argv = [b"MEMORY".as_slice(), b"USAGE", key.as_bytes(), b"SAMPLES", samples.as_bytes()];
            let number = |reply: Vec<u8>| integer(reply.split(|&b| b == b'\n').next().unwrap()).unwrap_or(0);
            let theirs = number(redis.command(&argv).expect("redis"));
            let ours = number(redsim.command(&argv).expect("redsim"));
            let ratio = ours as f64 / theirs as f64;
            report.push(format!("{key} SAMPLES {samples}: redis {theirs}, redsim {ours}, ratio {ratio:.3}"));
            // A skiplist node's size follows its random level, and Redis extrapolates five of
            // them to the whole set: its own estimate moves by a fifth from run to run.
            let tolerance = if key == "bigzset" && samples == "5" { 0.25 } else { 0.15 };
            if !(1.0 - tolerance..=1.0 + tolerance).contains(&ratio) {
                far.push(key);
            }
        }
    }
    println!("{}", report.join("\n"));
    assert!(far.is_empty(), "more than 15% away from Redis: {far:?}\n{}", report.join("\n"));
}
