//! `redsim-server`'s command line as `redis-server`'s: a configuration file, `--directive value`
//! options after it, `-v`, and Redis's fatal configuration error with status 1.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::ask;

const BIN: &str = env!("CARGO_BIN_EXE_redsim-server");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("redsim-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn version_line_as_redis_server_prints_it() {
    let out = Command::new(BIN).arg("-v").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Redis server v=8.10.0 sha=00000000:0 malloc=libc bits=64 build="), "{text}");
}

#[test]
fn refused_lines_stop_the_start_with_redis_fatal_error() {
    // redis-server 7.0.15 prints the same for the same lines.
    let cases: [(&[&str], &str); 3] = [
        (&["--foo", "bar"], "at line 2\n>>> 'foo \"bar\"'\nBad directive or wrong number of arguments\n"),
        (&["--port", "abc"], "at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n"),
        (&["--maxmemory", "10x"], "at line 2\n>>> 'maxmemory \"10x\"'\nargument must be a memory value\n"),
    ];
    for (args, tail) in cases {
        let out = Command::new(BIN).args(args).args(["--redis-version", "7.0"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let text = String::from_utf8(out.stderr).unwrap();
        assert!(
            text.starts_with("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, "),
            "{text}"
        );
        assert!(text.ends_with(tail), "{text}");
    }
    let conf = temp_file("bad.conf", "# a comment\nport 7494\n\nsave \"\"\nfoo bar baz\n");
    let out = Command::new(BIN).arg(&conf).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .ends_with("at line 5\n>>> 'foo bar baz'\nBad directive or wrong number of arguments\n"));
    std::fs::remove_file(conf).ok();
    let out = Command::new(BIN).arg("/nonexistent/redsim.conf").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "Fatal error, can't open config file '/nonexistent/redsim.conf': No such file or directory\n"
    );
}

#[test]
fn a_config_file_and_options_configure_the_server() {
    let port = free_port();
    let conf = temp_file("good.conf", &format!("port {port}\nmaxmemory 1mb\nappendonly no\nsave \"\"\n"));
    let mut child = Command::new(BIN)
        .arg(&conf)
        .args(["--maxmemory-policy", "allkeys-lru", "--enable-debug-command", "yes", "--redis-version", "7.0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reply = ask(port, "CONFIG GET maxmemory*");
    assert!(reply.contains("$9\r\nmaxmemory\r\n$7\r\n1048576\r\n"), "{reply}");
    assert!(reply.contains("$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n"), "{reply}");
    assert_eq!(ask(port, "DEBUG SLEEP 0"), "+OK\r\n");
    ask(port, "SHUTDOWN NOSAVE");
    let status = child.wait().unwrap();
    assert!(status.success());
    std::fs::remove_file(conf).ok();
}

/// A connection that sends inline commands and reads replies as they come.
struct Conn(TcpStream);

impl Conn {
    fn open(port: u16) -> Conn {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => {
                    s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
                    return Conn(s);
                }
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("redsim-server never listened on {port}: {e}"),
            }
        }
    }

    fn send(&mut self, line: &str) {
        self.0.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    }

    fn read(&mut self) -> String {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.0.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn ask(&mut self, line: &str) -> String {
        self.send(line);
        self.read()
    }
}

#[test]
fn a_virtual_clock_moves_only_when_told() {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["--port", &port.to_string(), "--clock", "virtual", "--save", ""])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut a = Conn::open(port);
    let mut b = Conn::open(port);
    assert_eq!(a.ask("SET k v PX 100"), "+OK\r\n");
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(a.ask("PTTL k"), ":100\r\n", "wall time does not count");
    let now: i64 = a.ask("REDSIM.ADVANCE 60").trim_start_matches(':').trim().parse().unwrap();
    assert_eq!(a.ask("PTTL k"), ":40\r\n");
    assert_eq!(a.ask("REDSIM.ADVANCE 40"), format!(":{}\r\n", now + 40));
    assert_eq!(a.ask("EXISTS k"), ":0\r\n");
    // A blocked read times out when the clock passes its timeout, not before.
    b.send("XREAD BLOCK 5000 STREAMS s $");
    assert_eq!(b.read(), "", "still blocked");
    a.ask("REDSIM.ADVANCE 4999");
    assert_eq!(b.read(), "", "still blocked at 4999 ms");
    a.ask("REDSIM.ADVANCE 1");
    assert_eq!(b.read(), "*-1\r\n");
    assert_eq!(a.ask("REDSIM.ADVANCE -1"), "-ERR value is not an integer or out of range\r\n");
    a.ask("SHUTDOWN NOSAVE");
    assert!(child.wait().unwrap().success());
}

#[test]
fn without_a_virtual_clock_redsim_advance_is_unknown() {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["--port", &port.to_string(), "--save", ""])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(ask(port, "REDSIM.ADVANCE 10").starts_with("-ERR unknown command 'REDSIM.ADVANCE'"));
    ask(port, "SHUTDOWN NOSAVE");
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_blocked_client_that_disconnects_is_freed_and_gets_nothing() {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["--port", &port.to_string(), "--save", ""])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut a = Conn::open(port);
    assert_eq!(a.ask("XGROUP CREATE s g $ MKSTREAM"), "+OK\r\n");
    {
        let mut b = Conn::open(port);
        b.send("XREADGROUP GROUP g gone BLOCK 0 STREAMS s >");
        assert_eq!(b.read(), "", "blocked");
        assert_eq!(a.ask("CLIENT LIST").matches("cmd=").count(), 2);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(a.ask("CLIENT LIST").matches("cmd=").count(), 1, "the closed connection is gone");
    a.ask("XADD s 1-0 f v");
    assert_eq!(a.ask("XPENDING s g"), "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", "no entry went to the gone consumer");
    a.ask("SHUTDOWN NOSAVE");
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_thousand_connections_and_maxclients() {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["--port", &port.to_string(), "--save", "", "--maxclients", "1000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut conns: Vec<Conn> = (0..1000).map(|_| Conn::open(port)).collect();
    // A short bounded load: every connection writes and reads back its own key.
    for (i, c) in conns.iter_mut().enumerate() {
        c.send(&format!("SET k{i} {i}"));
    }
    for (i, c) in conns.iter_mut().enumerate().step_by(97) {
        assert_eq!(c.read(), "+OK\r\n");
        assert_eq!(c.ask(&format!("GET k{i}")), format!("${}\r\n{i}\r\n", i.to_string().len()));
    }
    // The 1001st is refused as Redis refuses it.
    let mut extra = Conn::open(port);
    assert_eq!(extra.read(), "-ERR max number of clients reached\r\n");
    assert_eq!(conns[0].ask("DBSIZE"), ":1000\r\n");
    conns[0].ask("SHUTDOWN NOSAVE");
    assert!(child.wait().unwrap().success());
}

/// A cluster whose ports would run past 65,535 is refused, not wrapped around.
#[test]
fn a_cluster_past_the_last_port_is_refused() {
    let result = redsim_server::spawn_cluster(
        "127.0.0.1",
        65_535,
        3,
        redsim_engine::Version::V7_0,
        &[],
        redsim_server::Clock::Wall,
    );
    match result {
        Err(e) => {
            assert!(e.kind() == std::io::ErrorKind::InvalidInput || e.kind() == std::io::ErrorKind::AddrInUse, "{e}")
        }
        Ok(_) => panic!("three nodes from port 65535"),
    }
}
