//! Seeded random sequences of stream and group commands, sent to both servers; the first reply
//! that differs fails the test with the seed and the script that leads to it, so it can be
//! replayed and turned into a hand-written case.
//!
//! `REDSIM_SEED=n` replays one seed; `REDSIM_SEQUENCES=n` changes how many run (default 300).

use redsim_engine::Version;
use redsim_tests::{show, Connection, RedisServer};

/// xorshift64*: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const KEYS: &[&str] = &["s", "t"];
const GROUPS: &[&str] = &["g1", "g2"];
const CONSUMERS: &[&str] = &["alice", "bob", "carol"];

/// An ID near the ones the sequence adds, sometimes a shorthand.
fn id(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => "-".into(),
        1 => "+".into(),
        2 => format!("{}", rng.below(30)),
        _ => format!("{}-{}", rng.below(30), rng.below(3)),
    }
}

fn strict_id(rng: &mut Rng) -> String {
    format!("{}-{}", rng.below(30), rng.below(3))
}

fn ids(rng: &mut Rng) -> String {
    (0..1 + rng.below(3)).map(|_| strict_id(rng)).collect::<Vec<_>>().join(" ")
}

/// One random command, and whether its reply may carry times (compared with tolerance).
fn command(rng: &mut Rng, next_ms: &mut u64) -> (String, bool) {
    let key = rng.pick(KEYS);
    let group = rng.pick(GROUPS);
    let consumer = rng.pick(CONSUMERS);
    let count = rng.below(5);
    let exact = |cmd: String| (cmd, false);
    match rng.below(22) {
        0..=4 => {
            *next_ms += rng.below(2);
            let id = if rng.chance(20) { format!("{}-*", next_ms) } else { format!("{}-{}", next_ms, rng.below(3)) };
            let trim = match rng.below(6) {
                0 => format!("MAXLEN {} {} ", rng.pick(&["~", "=", ""]), rng.below(8)),
                1 => format!("MINID {} {} ", rng.pick(&["~", "="]), strict_id(rng)),
                _ => String::new(),
            };
            let field = rng.pick(&["f", "f", "g"]);
            exact(format!("XADD {key} {trim}{id} {field} v{next_ms}"))
        }
        5 => exact(format!("XDEL {key} {}", ids(rng))),
        6 => exact(match rng.below(2) {
            0 => format!("XTRIM {key} MAXLEN {} {}", rng.pick(&["~", "="]), rng.below(10)),
            _ => format!("XTRIM {key} MINID {} {}", rng.pick(&["~", "="]), strict_id(rng)),
        }),
        7 => exact(format!("XRANGE {key} {} {} COUNT {}", id(rng), id(rng), count + 1)),
        8 => exact(format!("XREVRANGE {key} {} {}", id(rng), id(rng))),
        9 => exact(format!("XLEN {key}")),
        10 => exact(match rng.below(6) {
            0 | 1 => format!("XGROUP CREATE {key} {group} {} MKSTREAM", rng.pick(&["$", "0", "3-0"])),
            2 => format!("XGROUP SETID {key} {group} {}", rng.pick(&["$", "0", "5-1"])),
            3 => format!("XGROUP DESTROY {key} {group}"),
            4 => format!("XGROUP CREATECONSUMER {key} {group} {consumer}"),
            _ => format!("XGROUP DELCONSUMER {key} {group} {consumer}"),
        }),
        11..=13 => {
            let from = if rng.chance(75) { ">".to_string() } else { id(rng).replace(['-', '+'], "0") };
            let noack = if rng.chance(15) { "NOACK " } else { "" };
            exact(format!("XREADGROUP GROUP {group} {consumer} COUNT {} {noack}STREAMS {key} {from}", count + 1))
        }
        14 => exact(format!("XREAD COUNT {} STREAMS {key} {}", count + 1, strict_id(rng))),
        15 => exact(format!("XACK {key} {group} {}", ids(rng))),
        16 => (format!("XPENDING {key} {group}"), false),
        17 => (format!("XPENDING {key} {group} - + 10"), true),
        18 => (
            format!(
                "XCLAIM {key} {group} {consumer} 0 {}{}",
                ids(rng),
                rng.pick(&["", " JUSTID", " FORCE", " RETRYCOUNT 5"])
            ),
            true,
        ),
        19 => (
            format!(
                "XAUTOCLAIM {key} {group} {consumer} 0 {} COUNT {}{}",
                strict_id(rng),
                count + 1,
                rng.pick(&["", " JUSTID"])
            ),
            true,
        ),
        20 => exact(format!("XINFO GROUPS {key}")),
        _ => exact(format!("XINFO STREAM {key}")),
    }
}

/// Same as the scripts' `~` comparison: integers may differ by the servers' clock skew.
fn tolerant_eq(a: &[u8], b: &[u8]) -> bool {
    let (la, lb): (Vec<&[u8]>, Vec<&[u8]>) = (a.split(|&c| c == b'\n').collect(), b.split(|&c| c == b'\n').collect());
    let int = |l: &[u8]| -> Option<i64> {
        std::str::from_utf8(l.strip_prefix(b":")?.strip_suffix(b"\r")?).ok()?.parse().ok()
    };
    la.len() == lb.len()
        && la
            .iter()
            .zip(&lb)
            .all(|(x, y)| x == y || matches!((int(x), int(y)), (Some(x), Some(y)) if (x - y).abs() <= 1000))
}

/// What the replies were, to show the sequences exercise more than error paths.
#[derive(Default)]
struct Tally {
    commands: usize,
    errors: usize,
    empty: usize,
}

fn run_sequence(seed: u64, redis: &mut Connection, redsim: &mut Connection, tally: &mut Tally) -> Result<(), String> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let node_entries = 2 + rng.below(5);
    let mut setup = vec!["FLUSHALL".to_string(), format!("CONFIG SET stream-node-max-entries {node_entries}")];
    // Most sequences start with groups in place, so reads, acks and claims do real work.
    for key in KEYS {
        for group in GROUPS {
            if rng.chance(70) {
                setup.push(format!("XGROUP CREATE {key} {group} 0 MKSTREAM"));
            }
        }
    }
    let mut script: Vec<String> = setup.to_vec();
    for line in &setup {
        let argv: Vec<&str> = line.split(' ').collect();
        redis.command(&argv).map_err(|e| e.to_string())?;
        redsim.command(&argv).map_err(|e| e.to_string())?;
    }
    let mut next_ms = 1;
    let length = 20 + rng.below(40);
    let mut commands: Vec<(String, bool)> = (0..length).map(|_| command(&mut rng, &mut next_ms)).collect();
    for key in KEYS {
        commands.push((format!("XINFO STREAM {key}"), false));
        commands.push((format!("XINFO GROUPS {key}"), false));
    }
    for (line, timed) in commands {
        script.push(line.clone());
        let argv: Vec<&str> = line.split(' ').collect();
        let expected = redis.command(&argv).map_err(|e| e.to_string())?;
        let actual = redsim.command(&argv).map_err(|e| e.to_string())?;
        tally.commands += 1;
        tally.errors += usize::from(expected.first() == Some(&b'-'));
        tally.empty += usize::from(expected == b"*0\r\n" || expected == b"*-1\r\n" || expected == b":0\r\n");
        let same = if timed { tolerant_eq(&expected, &actual) } else { expected == actual };
        if !same {
            return Err(format!(
                "seed {seed}: reply differs\n{}\n    redis:  {}\n    redsim: {}",
                script.join("\n"),
                show(&expected),
                show(&actual)
            ));
        }
    }
    Ok(())
}

#[test]
fn random_stream_sequences_match_redis() {
    let redis_server = RedisServer::start().expect("the reference redis-server must start");
    let redsim_server = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let mut redis = Connection::open(redis_server.addr).expect("connect to redis-server");
    let mut redsim = Connection::open(redsim_server.addr()).expect("connect to redsim-server");
    let seeds: Vec<u64> = match std::env::var("REDSIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("REDSIM_SEED is a number")],
        Err(_) => {
            let n = std::env::var("REDSIM_SEQUENCES").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
            (1..=n).collect()
        }
    };
    let mut tally = Tally::default();
    for seed in &seeds {
        if let Err(failure) = run_sequence(*seed, &mut redis, &mut redsim, &mut tally) {
            panic!("{failure}\n(replay with REDSIM_SEED={seed})");
        }
    }
    println!(
        "{} random sequences matched: {} commands, {} errors, {} empty or zero replies",
        seeds.len(),
        tally.commands,
        tally.errors,
        tally.empty
    );
}

/// Keys shared by every type, so wrong-type errors come up as often as real work.
const TYPED_KEYS: &[&str] = &["a", "b", "c"];

/// One random keyspace command whose reply order does not depend on a hash table: strings,
/// lists, small hashes (listpack order), sets of integers (intset order), sorted sets, TTLs.
fn keyspace_command(rng: &mut Rng) -> (String, bool) {
    let which = rng.below(48);
    // Mostly a key of the command's own type, sometimes any key (for the wrong-type errors).
    let own = match which {
        0..=8 => "str",
        9..=16 => "list",
        17..=21 => "hash",
        22..=26 => "set",
        27..=33 | 39 | 44..=45 => "zset",
        40..=41 => "bits",
        42..=43 => "hll",
        46..=47 => "geo",
        _ => "a",
    };
    // HyperLogLogs stay apart: Redis's PFADD edits a corrupted sparse string in place where the
    // engine reports it corrupted (a known difference), and APPEND on a shared key would corrupt one.
    let key = if own == "hll" || rng.chance(75) { own } else { rng.pick(TYPED_KEYS) };
    let other = if rng.chance(60) { own } else { rng.pick(TYPED_KEYS) };
    let n = rng.below(6) as i64 - 1;
    let small = rng.below(12);
    let member = format!("m{}", rng.below(6));
    let int = format!("{}", rng.below(12) as i64 - 3);
    let score = rng.pick(&["1", "2.5", "-1", "0", "+inf", "10", "(1", "3"]);
    let cmd = match which {
        0 => format!("SET {key} {}", rng.pick(&["v", "10", "-3", "abc", "3.5"])),
        1 => format!("GET {key}"),
        2 => format!("{} {key}", rng.pick(&["INCR", "DECR"])),
        3 if rng.below(2) == 0 => format!(
            "INCRBYFLOAT {key} {}",
            rng.pick(&["0.1", "-5.6", "1e3", "1.1e-3", "3.14159265358979", "1e308", "-0.0", "2.5e-7", "7"])
        ),
        3 => format!("INCRBY {key} {n}"),
        4 => format!("APPEND {key} x{small}"),
        5 => format!("GETRANGE {key} {n} {}", rng.below(8) as i64 - 2),
        6 => format!("SETRANGE {key} {small} zz"),
        7 => format!("MSET {key} 1 {other} 2"),
        8 => format!("MGET {key} {other} missing"),
        9 => format!("{} {key} {} {}", rng.pick(&["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), member, int),
        10 => format!("{} {key}{}", rng.pick(&["LPOP", "RPOP"]), rng.pick(&["", " 2", " 0"])),
        11 => format!("LRANGE {key} {n} {}", rng.below(8) as i64 - 2),
        12 => format!("LREM {key} {n} {member}"),
        13 => format!("LINSERT {key} {} {member} new", rng.pick(&["BEFORE", "AFTER"])),
        14 => format!("LPOS {key} {member} RANK {} COUNT {}", rng.pick(&["1", "-1", "2"]), small % 3),
        15 => format!("LMOVE {key} {other} {} {}", rng.pick(&["LEFT", "RIGHT"]), rng.pick(&["LEFT", "RIGHT"])),
        16 => format!("LTRIM {key} {n} {}", rng.below(6) as i64 - 2),
        17 => format!("HSET {key} {member} {int}"),
        18 => format!("HDEL {key} {member} m1"),
        19 => format!("HGETALL {key}"),
        20 => format!("HINCRBY {key} {member} {n}"),
        21 => format!("HMGET {key} {member} m0"),
        22 => format!("SADD {key} {int} {}", rng.below(5)),
        23 => format!("SREM {key} {int}"),
        24 => format!("SMEMBERS {key}"),
        25 => format!("{} {key} {other}", rng.pick(&["SINTER", "SUNION", "SDIFF"])),
        26 => format!("{} {key} {other} {key}", rng.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])),
        27 => format!(
            "ZADD {key} {}{} {member}",
            rng.pick(&["", "NX ", "XX ", "GT ", "LT ", "CH ", "INCR "]),
            score.trim_start_matches('(')
        ),
        28 => format!("ZRANGE {key} {n} {} WITHSCORES", rng.below(8) as i64 - 2),
        29 => format!("ZRANGEBYSCORE {key} {score} +inf WITHSCORES LIMIT 0 {}", small % 4),
        30 => format!("ZREM {key} {member}"),
        31 => format!("ZINCRBY {key} {} {member}", score.trim_start_matches('(')),
        32 => format!("{} {key} {member}", rng.pick(&["ZRANK", "ZREVRANK", "ZSCORE"])),
        33 => format!("{} {key}{}", rng.pick(&["ZPOPMIN", "ZPOPMAX"]), rng.pick(&["", " 2"])),
        34 => {
            format!("{} {key} {}", rng.pick(&["EXPIRE", "PEXPIRE"]), rng.pick(&["100", "0", "-1", "1000 NX", "50 GT"]))
        }
        35 => return (format!("{} {key}", rng.pick(&["TTL", "PTTL"])), true),
        36 => format!(
            "{} {key}",
            rng.pick(&["PERSIST", "TYPE", "EXISTS", "DEL", "STRLEN", "LLEN", "HLEN", "SCARD", "ZCARD"])
        ),
        37 => format!("{} {key} {other}", rng.pick(&["RENAME", "RENAMENX", "COPY"])),
        38 => format!("{} {key}", rng.pick(&["OBJECT ENCODING", "HKEYS", "HVALS"])),
        39 => format!("ZCOUNT {key} {score} {}", rng.pick(&["+inf", "2", "(3"])),
        40 => format!("SETBIT {key} {} {}", rng.below(40), rng.below(2)),
        41 => format!(
            "{} {key} {}",
            rng.pick(&["GETBIT", "BITCOUNT", "BITPOS"]),
            rng.pick(&["0", "1", "0 -1", "1 2 BIT", "0 3"])
        ),
        42 => format!("PFADD {key} {member} {int} x{small}"),
        43 => format!("{} {key} {other}", rng.pick(&["PFCOUNT", "PFMERGE"])),
        44 => format!(
            "{} {key} 2 {key} {other}{}",
            rng.pick(&["ZUNIONSTORE", "ZINTERSTORE"]),
            rng.pick(&["", " WEIGHTS 2 0.5", " AGGREGATE MAX", " AGGREGATE MIN"])
        ),
        45 => format!("{} 2 {key} {other} WITHSCORES", rng.pick(&["ZUNION", "ZINTER", "ZDIFF"])),
        46 => format!(
            "GEOADD {key} {}.{} {}.{} {member}",
            small as i64 - 6,
            rng.below(1000),
            rng.below(80) as i64 - 40,
            rng.below(1000)
        ),
        _ if rng.below(2) == 0 => format!(
            "GEOSEARCH {key} {} {} {}{}",
            rng.pick(&["FROMMEMBER m1", "FROMLONLAT 0 0", "FROMLONLAT -3.5 12", &format!("FROMMEMBER {member}")]),
            rng.pick(&[
                "BYRADIUS 500 km",
                "BYRADIUS 3000 km",
                "BYBOX 1000 2000 km",
                "BYRADIUS 0 m",
                "BYBOX 20000 5000 km"
            ]),
            rng.pick(&["", "ASC", "DESC", "COUNT 2", "COUNT 3 ANY", "COUNT 1 ANY DESC"]),
            rng.pick(&["", " WITHDIST", " WITHCOORD WITHHASH", " WITHDIST WITHCOORD"])
        ),
        _ => format!("{} {key} {member} m1{}", rng.pick(&["GEODIST", "GEOPOS", "GEOHASH"]), rng.pick(&["", " km"])),
    };
    (cmd, false)
}

#[test]
fn random_keyspace_sequences_match_redis() {
    let redis_server = RedisServer::start().expect("the reference redis-server must start");
    let redsim_server = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let mut redis = Connection::open(redis_server.addr).expect("connect to redis-server");
    let mut redsim = Connection::open(redsim_server.addr()).expect("connect to redsim-server");
    let sequences = std::env::var("REDSIM_SEQUENCES").ok().and_then(|n| n.parse().ok()).unwrap_or(300u64);
    let seeds: Vec<u64> = match std::env::var("REDSIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("REDSIM_SEED is a number")],
        Err(_) => (1..=sequences).collect(),
    };
    let mut tally = Tally::default();
    for &seed in &seeds {
        let mut rng = Rng(seed.wrapping_mul(0xd134_2543_de82_ef95) | 1);
        let mut script = vec!["FLUSHALL".to_string()];
        redis.command(&["FLUSHALL"]).expect("flush");
        redsim.command(&["FLUSHALL"]).expect("flush");
        for _ in 0..30 + rng.below(30) {
            let (line, timed) = keyspace_command(&mut rng);
            script.push(line.clone());
            let argv = redsim_engine::cli::split_args(line.as_bytes()).expect("balanced");
            let expected = redis.command(&argv).expect("redis answers");
            let actual = redsim.command(&argv).expect("redsim answers");
            tally.commands += 1;
            tally.errors += usize::from(expected.first() == Some(&b'-'));
            let same = if timed { tolerant_eq(&expected, &actual) } else { expected == actual };
            assert!(
                same,
                "seed {seed}: reply differs\n{}\n    redis:  {}\n    redsim: {}\n(replay with REDSIM_SEED={seed})",
                script.join("\n"),
                show(&expected),
                show(&actual)
            );
        }
    }
    println!("{} keyspace sequences matched: {} commands, {} errors", seeds.len(), tally.commands, tally.errors);
}
