//! The replication stream: a connection sends `SYNC` to each server, the same commands run on
//! both, and what each server sends its "replica" afterwards must be the same commands (times in
//! the future, which differ by the milliseconds between the servers, are compared by shape).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use redsim_engine::Version;
use redsim_tests::{Connection, RedisServer};

/// Sends `SYNC` and skips the RDB payload: the stream follows.
fn attach(addr: SocketAddr) -> TcpStream {
    attach_as(addr, None)
}

/// [`attach`], first announcing a listening port as replicas do (`+OK` is skipped).
fn attach_as(addr: SocketAddr, port: Option<u16>) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    if let Some(port) = port {
        s.write_all(format!("REPLCONF listening-port {port}\r\n").as_bytes()).expect("announce");
        let mut ok = [0u8; 5];
        s.read_exact(&mut ok).expect("+OK");
    }
    s.write_all(b"SYNC\r\n").expect("send SYNC");
    s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let mut byte = [0u8; 1];
    let mut header = Vec::new();
    loop {
        s.read_exact(&mut byte).expect("the payload header");
        match byte[0] {
            b'\n' if header.is_empty() => continue,
            b'\n' => break,
            b => header.push(b),
        }
    }
    let text = String::from_utf8_lossy(&header).trim_end_matches('\r').to_string();
    let len: usize = text.strip_prefix('$').and_then(|n| n.parse().ok()).expect("$<length>");
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload).expect("the RDB payload");
    s
}

/// Everything the stream carries within a short while, one command per line; 13-digit numbers
/// (millisecond times) become `<ms>`.
fn drain(s: &mut TcpStream) -> Vec<String> {
    s.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
    let mut bytes = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(_) => break,
        }
    }
    let mut out = Vec::new();
    let mut lines = bytes.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).peekable();
    while let Some(line) = lines.next() {
        let Some(n) = line.strip_prefix(b"*").and_then(|n| std::str::from_utf8(n).ok()?.parse::<usize>().ok()) else {
            continue;
        };
        let mut words = Vec::new();
        for _ in 0..n {
            lines.next();
            let word = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
            let shown =
                if word.len() == 13 && word.bytes().all(|b| b.is_ascii_digit()) { "<ms>".to_string() } else { word };
            words.push(shown);
        }
        out.push(words.join(" "));
    }
    out
}

const COMMANDS: &[&str] = &[
    "SET a 1",
    "SET b 2 EX 100",
    "SET b 2 PX 100000",
    "SETEX c 100 v",
    "PSETEX c 100000 v",
    "SET d v GET",
    "EXPIRE a 100",
    "PEXPIRE a 100000",
    "EXPIRE a -1",
    "SET e v",
    "GETEX e EX 100",
    "GETEX e PERSIST",
    "GETEX e",
    "GETDEL e",
    "INCRBYFLOAT f 1.5",
    "HINCRBYFLOAT h x 2.5",
    "MULTI",
    "SET g 1",
    "INCR g",
    "EXEC",
    "MULTI",
    "SET g 2",
    "EXEC",
    "EVAL \"redis.call('set','s1','1') redis.call('set','s2','2')\" 0",
    "SELECT 2",
    "SET other 1",
    "SELECT 0",
    "RPUSH l a b c d",
    "LMPOP 1 l LEFT COUNT 2",
    "LPOP l",
    "BLPOP l 1",
    "ZADD z 1 a 2 b 3 c",
    "ZMPOP 1 z MIN COUNT 2",
    "BZPOPMAX z 1",
    "RPUSH src x y",
    "BLMOVE src dst LEFT RIGHT 1",
    "BRPOPLPUSH src dst 1",
    "SADD s a",
    "SPOP s",
    "XADD x 1-1 f v",
    "XGROUP CREATE x g 0",
    "XREADGROUP GROUP g alice STREAMS x >",
    "DEL nosuch",
    "FLUSHDB",
];

#[test]
fn the_replication_stream_matches_redis() {
    let redis = RedisServer::start().expect("redis-server must start");
    let redsim = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let mut streams = Vec::new();
    for addr in [redis.addr, redsim.addr()] {
        let mut c = Connection::open(addr).expect("connect");
        c.command(&["CONFIG", "SET", "repl-ping-replica-period", "3600"]).expect("config");
        c.command(&["FLUSHALL"]).expect("flushall");
        let mut stream = attach(addr);
        for line in COMMANDS {
            let argv = redsim_engine::cli::split_args(line.as_bytes()).expect("a command line");
            c.command(&argv).expect("a reply");
        }
        streams.push(drain(&mut stream));
    }
    let table = redsim_tests::differences(&streams[0], &streams[1]);
    assert!(table.is_empty(), "{} differences:\n{}", table.len(), table.join("\n"));
}

/// `WAIT` on a primary with one replica that acknowledges by hand (`REPLCONF ACK`): answered at
/// once when the replica has the client's last write, blocked until it acknowledges it, and at
/// its timeout with the count there is; inside `MULTI` at once. A blocked `WAIT` sends
/// `REPLCONF GETACK *` down the stream, which moves the offset later waits count from. `ROLE`
/// and `INFO replication` list the replica with the port it announced and the offset it
/// acknowledged.
#[test]
fn wait_ends_when_the_replica_acknowledges() {
    let redis = RedisServer::start().expect("redis-server must start");
    let redsim = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    let mut transcripts = Vec::new();
    for addr in [redis.addr, redsim.addr()] {
        let mut out = Vec::new();
        let mut c = Connection::open(addr).expect("connect");
        let mut other = Connection::open(addr).expect("connect");
        c.command(&["CONFIG", "SET", "repl-ping-replica-period", "3600"]).expect("config");
        c.command(&["FLUSHALL"]).expect("flushall");
        let mut replica = attach_as(addr, Some(7777));
        let mut offset = || -> u64 {
            let info = String::from_utf8(other.command(&["INFO", "replication"]).expect("info")).unwrap();
            let found = info.lines().find_map(|l| l.strip_prefix("master_repl_offset:"));
            found.and_then(|n| n.trim().parse().ok()).expect("master_repl_offset")
        };
        let ack = |replica: &mut TcpStream, at: u64| {
            replica.write_all(format!("REPLCONF ACK {at}\r\n").as_bytes()).expect("ack");
            std::thread::sleep(Duration::from_millis(100));
        };
        let show = |reply: io::Result<Vec<u8>>| redsim_tests::show(&reply.expect("a reply"));
        out.push(show(c.command(&["SET", "k", "v"])));
        let at = offset();
        out.push(format!("offset {at}"));
        // Blocked until the acknowledgement.
        c.send(&["WAIT", "1", "0"]).expect("wait");
        std::thread::sleep(Duration::from_millis(100));
        out.push(format!("offset after the GETACK {}", offset()));
        ack(&mut replica, at);
        out.push(show(c.read_reply()));
        // The client's offset is from before the GETACK, which the replica acknowledged.
        out.push(show(c.command(&["WAIT", "1", "50"])));
        // More replicas than there are.
        let now = offset();
        ack(&mut replica, now);
        out.push(show(c.command(&["WAIT", "2", "50"])));
        c.command(&["MULTI"]).expect("multi");
        c.command(&["WAIT", "1", "0"]).expect("queued");
        out.push(show(c.command(&["EXEC"])));
        // An acknowledgement of less than the client's offset does not end the wait; one of it does.
        c.command(&["SET", "k", "w"]).expect("set");
        let wrote = offset();
        c.send(&["WAIT", "1", "1000"]).expect("wait");
        std::thread::sleep(Duration::from_millis(100));
        ack(&mut replica, at);
        ack(&mut replica, wrote);
        out.push(show(c.read_reply()));
        out.push(show(c.command(&["ROLE"])));
        let info = String::from_utf8(c.command(&["INFO", "replication"]).expect("info")).unwrap();
        out.extend(
            info.lines()
                .filter(|l| l.starts_with("slave0:") || l.starts_with("master_repl_offset:"))
                // The lag is whole seconds since the last acknowledgement, by each server's clock.
                .map(|l| l.split(",lag=").next().unwrap_or(l).to_string()),
        );
        transcripts.push(out);
    }
    assert_eq!(transcripts[0], transcripts[1], "redis, then redsim");
}

/// `FAILOVER` with a replica this test plays by hand: the argument checks, writes paused while
/// it waits, `ABORT`, the timeout, and a replica that acknowledges everything: the server turns
/// into its replica (the link to it never comes up here) until `FAILOVER ABORT` makes it a
/// primary again. Times and offsets are left out; roles and replies compared.
#[test]
fn failover_waits_for_the_replica_and_swaps_roles() {
    let redis = RedisServer::start().expect("redis-server must start");
    let redsim = redsim_server::spawn("127.0.0.1:0", Version::V7_0).expect("redsim-server must start");
    // A port where nothing listens: the replica's announced address.
    let fake_port = redsim_tests::free_port().expect("a free port").to_string();
    let mut transcripts = Vec::new();
    for addr in [redis.addr, redsim.addr()] {
        let mut out = Vec::new();
        let mut c = Connection::open(addr).expect("connect");
        let mut writer = Connection::open(addr).expect("connect");
        let show = |reply: io::Result<Vec<u8>>| redsim_tests::show(&reply.expect("a reply"));
        let info = |c: &mut Connection, field: &str| -> String {
            let text = String::from_utf8(c.command(&["INFO", "replication"]).expect("info")).unwrap();
            text.lines().find_map(|l| l.strip_prefix(&format!("{field}:"))).unwrap_or("-").trim().to_string()
        };
        out.push(show(c.command(&["FAILOVER"])));
        c.command(&["CONFIG", "SET", "repl-ping-replica-period", "3600"]).expect("config");
        let mut replica = attach_as(addr, Some(fake_port.parse().unwrap()));
        // Something the replica has not acknowledged yet.
        out.push(show(c.command(&["SET", "a", "1"])));
        for bad in [
            &["FAILOVER", "TO", "127.0.0.1", "1"][..],
            &["FAILOVER", "FORCE"],
            &["FAILOVER", "TIMEOUT", "0"],
            &["FAILOVER", "TO", "127.0.0.1"],
            &["FAILOVER", "ABORT"],
        ] {
            out.push(show(c.command(bad)));
        }
        out.push(show(c.command(&["FAILOVER", "TO", "127.0.0.1", &fake_port, "TIMEOUT", "300"])));
        out.push(info(&mut c, "master_failover_state"));
        out.push(show(c.command(&["FAILOVER"])));
        // A write waits for the failover; it runs once the failover times out.
        writer.send(&["SET", "k", "v"]).expect("send");
        std::thread::sleep(Duration::from_millis(600));
        out.push(info(&mut c, "master_failover_state"));
        out.push(show(writer.read_reply()));
        out.push(show(c.command(&["FAILOVER", "TO", "127.0.0.1", &fake_port])));
        out.push(show(c.command(&["FAILOVER", "ABORT"])));
        out.push(info(&mut c, "master_failover_state"));
        // Now the replica acknowledges all there is: the server follows it.
        out.push(show(c.command(&["FAILOVER"])));
        std::thread::sleep(Duration::from_millis(100));
        let at = info(&mut c, "master_repl_offset");
        replica.write_all(format!("REPLCONF ACK {at}\r\n").as_bytes()).expect("ack");
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while info(&mut c, "role") != "slave" && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for field in ["role", "master_host", "master_port", "master_link_status", "master_failover_state"] {
            let value = info(&mut c, field);
            out.push(format!(
                "{field}:{}",
                if field == "master_port" { (value == fake_port).to_string() } else { value }
            ));
        }
        out.push(show(c.command(&["FAILOVER", "ABORT"])));
        for field in ["role", "master_failover_state", "connected_slaves"] {
            out.push(format!("{field}:{}", info(&mut c, field)));
        }
        out.push(show(writer.command(&["SET", "k", "w"])));
        transcripts.push(out);
    }
    assert_eq!(transcripts[0], transcripts[1]);
}
