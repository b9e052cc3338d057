//! A script that runs long: past `busy-reply-threshold` other clients get `BUSY`, a transaction
//! touched meanwhile is discarded, `SCRIPT KILL` and `FUNCTION KILL` stop what they may stop,
//! and the script's own client gets its pipelined commands answered after it. The same session
//! runs against both servers and every reply is compared (`FUNCTION STATS`'s running time by
//! shape).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use redsim_engine::Version;
use redsim_tests::{show, Connection, RedisServer};

/// Sends `PING` until the server answers `BUSY` (the script has passed its threshold).
fn wait_busy(c: &mut Connection) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if c.command(&["PING"]).expect("PING").starts_with(b"-BUSY") {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the script never became busy");
}

/// Sends `PING` until the server answers it (the script has ended).
fn wait_free(c: &mut Connection) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if c.command(&["PING"]).expect("PING") == b"+PONG\r\n" {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the script never ended");
}

/// The replies of one session, as text; the number after `duration_ms` becomes `<ms>`.
fn session(addr: SocketAddr) -> Vec<String> {
    let open = || Connection::open(addr).expect("connect");
    let (mut a, mut b, mut c) = (open(), open(), open());
    let mut seen = Vec::new();
    let mut note = |what: &str, reply: Vec<u8>| {
        let text = show(&reply);
        let text = match text.find("duration_ms\\r\\n:") {
            Some(at) => {
                let start = at + "duration_ms\\r\\n:".len();
                let end = start + text[start..].find('\\').unwrap_or(0);
                format!("{}<ms>{}", &text[..start], &text[end..])
            }
            None => text,
        };
        seen.push(format!("{what} -> {text}"));
    };
    note("config", b.command(&["CONFIG", "SET", "busy-reply-threshold", "50"]).unwrap());
    note("set", b.command(&["SET", "xx", "1"]).unwrap());
    note("multi", c.command(&["MULTI"]).unwrap());
    note("incr", c.command(&["INCR", "xx"]).unwrap());

    // A script, killed by SCRIPT KILL; the PING pipelined behind it is answered after it.
    a.send_raw(b"*3\r\n$4\r\neval\r\n$17\r\nwhile true do end\r\n$1\r\n0\r\n*1\r\n$4\r\nping\r\n").unwrap();
    wait_busy(&mut b);
    for line in [&["GET", "xx"][..], &["FUNCTION", "STATS"], &["FUNCTION", "KILL"], &["SHUTDOWN"], &["CLIENT", "ID"]] {
        note(&line.join(" "), b.command(line).unwrap());
    }
    note("queued incr while busy", c.command(&["INCR", "xx"]).unwrap());
    note("exec while busy", c.command(&["EXEC"]).unwrap());
    note("hello while busy", c.command(&["HELLO", "2", "SETNAME", "beside"]).unwrap().len().to_string().into_bytes());
    note("script kill", b.command(&["SCRIPT", "KILL"]).unwrap());
    note("eval", a.read_reply().unwrap());
    note("pipelined ping", a.read_reply().unwrap());
    wait_free(&mut b);
    note("get", b.command(&["GET", "xx"]).unwrap());
    note("out of multi", c.command(&["PING", "asdf"]).unwrap());
    note("script kill, none", b.command(&["SCRIPT", "KILL"]).unwrap());

    // A function, killed by FUNCTION KILL, and what FUNCTION STATS says meanwhile.
    let code =
        "#!lua name=test\nredis.register_function('test', function() local a = 1 while true do a = a + 1 end end)";
    note("load", b.command(&["FUNCTION", "LOAD", "REPLACE", code]).unwrap());
    a.send(&["FCALL", "test", "0"]).unwrap();
    wait_busy(&mut b);
    for line in [&["SCRIPT", "KILL"][..], &["FUNCTION", "STATS"], &["SHUTDOWN", "SAVE"], &["FUNCTION", "KILL"]] {
        note(&line.join(" "), b.command(line).unwrap());
    }
    note("fcall", a.read_reply().unwrap());
    wait_free(&mut b);
    note("function kill, none", b.command(&["FUNCTION", "KILL"]).unwrap());
    note("config back", b.command(&["CONFIG", "SET", "busy-reply-threshold", "5000"]).unwrap());
    seen
}

#[test]
fn busy_scripts_answer_as_redis_does() {
    let redis = RedisServer::start().expect("the reference redis-server must start");
    let redsim = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let expected = session(redis.addr);
    let actual = session(redsim.addr());
    let diffs = redsim_tests::differences(&expected, &actual);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
