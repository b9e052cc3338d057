//! Helpers for tests that talk to real servers: start a reference `redis-server` on a free
//! loopback port (stopped when dropped, also when a test fails), and a raw RESP connection that
//! returns replies as the exact bytes the server sent.

#![forbid(unsafe_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A `redis-server` child process on a loopback port; killed on drop.
pub struct RedisServer {
    child: Child,
    pub addr: SocketAddr,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts `redis-server` (or `$REDIS_SERVER`) on a free port, with persistence off.
    pub fn start() -> io::Result<RedisServer> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("redsim-redis-{}-{port}", std::process::id()));
        RedisServer::start_in(dir, port)
    }

    /// Starts it working in `dir` (which it loads an RDB file from, and removes when dropped).
    pub fn start_in(dir: PathBuf, port: u16) -> io::Result<RedisServer> {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        RedisServer::start_binary(&binary, dir, port)
    }

    /// Starts the given `redis-server` binary (a newer Redis built from source, say) on a free port.
    pub fn start_other(binary: &str) -> io::Result<RedisServer> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("redsim-redis-{}-{port}", std::process::id()));
        RedisServer::start_binary(binary, dir, port)
    }

    /// Starts `redis-server` as a Redis Cluster node (`--cluster-enabled yes`, its nodes file in its
    /// own directory) on a port whose bus port (10,000 above) is free too.
    pub fn start_cluster_node() -> io::Result<RedisServer> {
        let port = free_cluster_port()?;
        let dir = std::env::temp_dir().join(format!("redsim-redis-cluster-{}-{port}", std::process::id()));
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        RedisServer::start_binary_with(&binary, dir, port, &["--cluster-enabled", "yes"])
    }

    fn start_binary(binary: &str, dir: PathBuf, port: u16) -> io::Result<RedisServer> {
        RedisServer::start_binary_with(binary, dir, port, &[])
    }

    fn start_binary_with(binary: &str, dir: PathBuf, port: u16, extra: &[&str]) -> io::Result<RedisServer> {
        std::fs::create_dir_all(&dir)?;
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--dir", dir.to_str().unwrap_or(".")])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start {binary}: {e} (run scripts/setup.sh test)")))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut server = RedisServer { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut c) = Connection::open(addr) {
                if c.command(&[b"PING"]).is_ok() {
                    return Ok(server);
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(io::Error::other(format!("{binary} exited at start: {status}")));
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!("{binary} did not answer on {addr}")));
            }
            sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A free port below 55,536 whose cluster bus port (10,000 above) is free too.
pub fn free_cluster_port() -> io::Result<u16> {
    let start = 20_000 + (std::process::id() % 20_000) as u16;
    for offset in 0..20_000u16 {
        let port = 20_000 + (start - 20_000 + offset * 7) % 30_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return Ok(port);
        }
    }
    Err(io::Error::other("no free port pair for a cluster node"))
}

/// A RESP2 connection that sends commands as multibulk requests and reads raw replies.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(addr: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        Ok(Connection { reader: BufReader::new(stream) })
    }

    pub fn send(&mut self, argv: &[impl AsRef<[u8]>]) -> io::Result<()> {
        let mut out = format!("*{}\r\n", argv.len()).into_bytes();
        for arg in argv {
            let arg = arg.as_ref();
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
        self.reader.get_mut().write_all(&out)
    }

    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(bytes)
    }

    /// Sends a command and returns the reply's bytes exactly as they arrived.
    pub fn command(&mut self, argv: &[impl AsRef<[u8]>]) -> io::Result<Vec<u8>> {
        self.send(argv)?;
        self.read_reply()
    }

    /// Reads one whole RESP value.
    pub fn read_reply(&mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.read_value(&mut out)?;
        Ok(out)
    }

    fn read_value(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        let start = out.len();
        if self.reader.read_until(b'\n', out)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        let line = &out[start..];
        let kind = line[0];
        let number = || -> io::Result<i64> {
            std::str::from_utf8(&line[1..line.len().saturating_sub(2)])
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| io::Error::other(format!("bad length line {:?}", String::from_utf8_lossy(line))))
        };
        match kind {
            b'$' | b'=' | b'!' => {
                let len = number()?;
                if len >= 0 {
                    let mut body = vec![0; len as usize + 2];
                    self.reader.read_exact(&mut body)?;
                    out.extend_from_slice(&body);
                }
            }
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let n = number()?;
                let items = if matches!(kind, b'%' | b'|') { n * 2 } else { n };
                for _ in 0..items.max(0) {
                    self.read_value(out)?;
                }
                if kind == b'|' {
                    // An attribute precedes the actual reply.
                    self.read_value(out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Reads until the server closes the connection; returns what arrived.
    pub fn read_to_close(&mut self) -> io::Result<Vec<u8>> {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest)?;
        Ok(rest)
    }
}

/// Shows reply bytes on one line, with `\r\n` visible.
pub fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// A directory under the system's temporary directory, removed with everything in it on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> io::Result<TempDir> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("redsim-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir { path })
    }

    pub fn as_option(&self) -> (Vec<u8>, Vec<u8>) {
        (b"dir".to_vec(), self.path.to_string_lossy().into_owned().into_bytes())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Where two transcripts of the same session differ, line by line (a missing line reads as
/// empty): `redis:  ...` over `redsim: ...` for each; empty when they are the same.
pub fn differences(theirs: &[String], ours: &[String]) -> Vec<String> {
    (0..theirs.len().max(ours.len()))
        .map(|i| (theirs.get(i).map_or("", String::as_str), ours.get(i).map_or("", String::as_str)))
        .filter(|(t, o)| t != o)
        .map(|(t, o)| format!("redis:  {t}\nredsim: {o}"))
        .collect()
}
