//! Fuzzing without a nightly toolchain: seeded random command lines, built from the engine's own
//! command table and the option words commands know, mixed with hostile values (huge numbers,
//! binary, malformed IDs), go through `Server::execute` and the RESP request parser. A panic
//! fails the test with the seed; the engine must also stay usable after every line.
//!
//! `REDSIM_FUZZ_LINES=n` runs longer (default 30,000 lines); `REDSIM_FUZZ_SEED=n` draws other
//! lines (and other bytes for the parsers).

use std::panic::{catch_unwind, AssertUnwindSafe};

use redsim_engine::command::table;
use redsim_engine::{Reply, Server, Version};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "MAXLEN",
    "MINID",
    "LIMIT",
    "NOMKSTREAM",
    "~",
    "=",
    "*",
    "$",
    ">",
    "+",
    "-",
    "(",
    "COUNT",
    "BLOCK",
    "STREAMS",
    "GROUP",
    "NOACK",
    "IDLE",
    "TIME",
    "RETRYCOUNT",
    "FORCE",
    "JUSTID",
    "LASTID",
    "MKSTREAM",
    "ENTRIESREAD",
    "FULL",
    "ENTRIESADDED",
    "MAXDELETEDID",
    "IDMP",
    "IDMPAUTO",
    "IDMP-DURATION",
    "IDMP-MAXSIZE",
    "MAXCOUNT",
    "MAXSIZE",
    "IDS",
    "SILENT",
    "FAIL",
    "FATAL",
    "CLAIM",
    "KEEPREF",
    "DELREF",
    "ACKED",
    "NX",
    "XX",
    "GET",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "KEEPTTL",
    "s",
    "t",
    "g",
    "c",
    "0",
    "1",
    "-1",
    "0-0",
    "1-1",
    "5-*",
    "18446744073709551615-18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999999",
    "1.5",
    "",
    " ",
    "\u{0}",
    "(18446744073709551615-18446744073709551615",
    "(0-0",
    "(-",
    "ASYNC",
    "HELP",
    "stream-node-max-entries",
    "3",
    // Scripts: bodies that call back into the engine with the fuzzer's own arguments.
    "return redis.call(ARGV[1], KEYS[1], ARGV[2])",
    "return {redis.pcall(ARGV[1], KEYS[1]), redis.pcall('xadd', KEYS[1], '*', 'f', ARGV[1] or 'v')}",
    "local r = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 10) return r",
    "return redis.call('select', 3)",
    "#!lua flags=no-writes\nreturn redis.call(ARGV[1], KEYS[1])",
    "#!lua name=lib\nredis.register_function('fn', function(k, a) return redis.call(a[1], k[1], a[2]) end)",
    "fn",
    "lib",
    "REPLACE",
    "WITHCODE",
    "e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
    // Arrays (8.8).
    "REV",
    "WITHVALUES",
    "NOCASE",
    "EXACT",
    "MATCH",
    "GLOB",
    "RE",
    "(a|b)*c",
    "[",
    "SUM",
    "USED",
    "AND",
    "OR",
    "XOR",
    "18446744073709551614",
    // Vector sets (8.0).
    "VALUES",
    "FP32",
    "ELE",
    "REDUCE",
    "NOQUANT",
    "BIN",
    "Q8",
    "WITHSCORES",
    "WITHATTRIBS",
    "EPSILON",
    "FILTER",
    "FILTER-EF",
    "TRUTH",
    "SETATTR",
    "RAW",
    "2",
    ".a > 1 and .b in [1, 'x'] or not (.c ** 2 % 3)",
    "((((.a",
    "{\"a\": 2, \"b\": [1, [2, [3]]], \"c\": null}",
];

fn random_arg(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => (0..rng.below(12)).map(|_| rng.next() as u8).collect(),
        1 => format!("{}-{}", rng.below(40), rng.below(4)).into_bytes(),
        2 => rng.next().to_string().into_bytes(),
        _ => WORDS[rng.below(WORDS.len())].as_bytes().to_vec(),
    }
}

fn random_command(rng: &mut Rng) -> Vec<Vec<u8>> {
    let commands = table();
    let spec = commands[rng.below(commands.len())];
    let mut argv = vec![spec.name.as_bytes().to_vec()];
    if matches!(spec.name, "eval" | "eval_ro" | "fcall" | "fcall_ro") && rng.below(2) == 0 {
        // Mostly well-formed: a script body or function name, a key count that fits, words.
        let bodies: Vec<&str> = WORDS.iter().copied().filter(|w| w.contains("redis.") || *w == "fn").collect();
        argv.push(bodies[rng.below(bodies.len())].as_bytes().to_vec());
        let numkeys = rng.below(3);
        argv.push(numkeys.to_string().into_bytes());
        for _ in 0..numkeys + rng.below(3) {
            argv.push(if rng.below(2) == 0 {
                table()[rng.below(table().len())].name.as_bytes().to_vec()
            } else {
                random_arg(rng)
            });
        }
        return argv;
    }
    if !spec.subcommands.is_empty() && rng.below(10) > 0 {
        argv.push(spec.subcommands[rng.below(spec.subcommands.len())].name.as_bytes().to_vec());
    }
    for _ in 0..rng.below(9) {
        argv.push(random_arg(rng));
    }
    argv
}

/// `REDSIM_FUZZ_SEED`, mixed into the generators' fixed seeds (0 when unset).
fn seed() -> u64 {
    std::env::var("REDSIM_FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[test]
fn random_command_lines_never_panic() {
    let lines: usize = std::env::var("REDSIM_FUZZ_LINES").ok().and_then(|n| n.parse().ok()).unwrap_or(30_000);
    for version in [Version::V7_0, Version::LATEST] {
        let mut rng = Rng((0x5eed_u64 ^ seed()) ^ u64::from(version.minor) << 8 | 1);
        let mut server = Server::new(version);
        let clients = [server.connect(0), server.connect(0), server.connect(0)];
        let mut now = 1_000u64;
        for line in 0..lines {
            let argv = random_command(&mut rng);
            let client = clients[rng.below(clients.len())];
            now += rng.below(50) as u64;
            let result = catch_unwind(AssertUnwindSafe(|| {
                let outcome = server.execute(now, client, &argv);
                server.tick(now);
                outcome
            }));
            if result.is_err() {
                let shown: Vec<String> = argv.iter().map(|a| redsim_engine::cli::quote(a)).collect();
                panic!("{version}: line {line} panicked: {}", shown.join(" "));
            }
            if server.is_blocked(client) {
                // A parked client is freed as a real one would be after its timeout.
                server.disconnect(client);
                server.execute(now, client, &[b"PING".to_vec()]);
            }
        }
        let fresh = server.connect(now);
        let alive = server.execute(now, fresh, &[b"PING".to_vec()]).reply;
        assert_eq!(alive, Some(Reply::status("PONG")));
    }
}

#[test]
fn random_bytes_never_panic_the_parsers() {
    let mut rng = Rng(0xfacade ^ seed() | 1);
    let mut words = redsim_server::request::Words::default();
    for _ in 0..20_000 {
        let len = rng.below(64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if rng.below(2) == 0 {
            // Start like a real request so the multibulk paths are reached.
            let mut framed = format!("*{}\r\n${}\r\n", rng.below(4), rng.below(8)).into_bytes();
            framed.append(&mut bytes);
            bytes = framed;
        }
        let _ = redsim_engine::cli::split_args(&bytes);
        // The parser that reuses its buffers reads what the one that allocates reads, whatever
        // the request before left in them.
        use redsim_server::request::{parse, parse_into, Filled, Parsed};
        match (parse(&bytes), parse_into(&bytes, &mut words)) {
            (Parsed::Request(argv, n), Filled::Request(m)) => assert!(argv == words.argv() && n == m),
            (Parsed::Incomplete, Filled::Incomplete) => {}
            (Parsed::Error(a), Filled::Error(b)) => assert_eq!(a, b),
            (a, b) => panic!("the parsers disagree on {bytes:?}: {a:?} and {b:?}"),
        }
    }
}
