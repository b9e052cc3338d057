//! What redis-cli prints, as the console, the examples and `redsim-docs` print it: the engine's
//! `format_reply_for` and `format_reply_raw_for` against Debian's `redis-cli` itself, on a terminal
//! (`--no-raw`, RESP2 and `-3`) and with `--raw`, for the same commands on a real `redis-server`.

use std::process::Command;

use redsim_engine::cli::{format_reply_for, format_reply_raw_for, split_args};
use redsim_engine::{Server, Version};
use redsim_tests::RedisServer;

/// Commands whose replies do not depend on the clock or on hash order.
const LINES: &[&str] = &[
    "SET k v",
    "GET k",
    "GET nokey",
    "INCR n",
    "INCRBYFLOAT f 1.5",
    "RPUSH l a b \"c d\" \"\"",
    "LRANGE l 0 -1",
    "LRANGE nokey 0 -1",
    "HSET h f 1 g 2",
    "HGETALL h",
    "XADD s 1-0 a 1 b 2",
    "XADD s 2-0 c 3",
    "XRANGE s - +",
    "XREAD COUNT 1 STREAMS s 0",
    "XGROUP CREATE s g 0",
    "XINFO GROUPS s",
    "ZADD z 1.5 m 2 n",
    "ZRANGE z 0 -1 WITHSCORES",
    "ZSCORE z m",
    "SADD ints 3 1 2",
    "SMEMBERS ints",
    "MGET k nokey n",
    "LPUSH k x",
    "XADD s 1-0 a 1",
    "EXISTS k nokey",
    "SET bin \"\\x01\\xff\\t\"",
    "GET bin",
    "SET quote \"a \\\"b\\\"\"",
    "GET quote",
    "EVAL \"return {1,'two',{3},false}\" 0",
    "EVAL \"return redis.status_reply('FINE')\" 0",
    "CONFIG GET maxmemory-policy",
    "NOSUCHCOMMAND a b",
];

fn redis_cli(port: u16, mode: &[&str], argv: &[Vec<u8>]) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = Command::new("redis-cli");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()]).args(mode);
    for arg in argv {
        cmd.arg(std::ffi::OsStr::from_bytes(arg));
    }
    let out = cmd.output().expect("redis-cli runs (scripts/setup.sh test installs redis-tools)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn compare(mode: &[&str], resp3: bool, format: fn(&redsim_engine::Reply, redsim_engine::Protocol) -> String) {
    let redis = RedisServer::start().expect("the reference redis-server must start");
    let mut engine = Server::new(Version::V7_0);
    let client = engine.connect(0);
    if resp3 {
        engine.execute(0, client, &split_args(b"HELLO 3").unwrap_or_default());
    }
    let mut differences = Vec::new();
    for line in LINES {
        let argv = split_args(line.as_bytes()).expect("balanced quotes");
        let expected = redis_cli(redis.addr.port(), mode, &argv);
        let reply = engine.execute(0, client, &argv).reply.expect("no command here blocks");
        let actual = format(&reply, engine.protocol(client));
        if actual != expected {
            differences.push(format!("{line}\n  redis-cli {mode:?}:\n{expected:?}\n  redsim:\n{actual:?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn replies_print_as_redis_cli_prints_them_on_a_terminal() {
    compare(&["--no-raw"], false, format_reply_for);
}

#[test]
fn replies_print_as_redis_cli_prints_them_on_a_terminal_in_resp3() {
    compare(&["--no-raw", "-3"], true, format_reply_for);
}

#[test]
fn replies_print_as_redis_cli_raw_prints_them() {
    compare(&["--raw"], false, format_reply_raw_for);
}
