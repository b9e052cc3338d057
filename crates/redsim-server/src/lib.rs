//! The engine behind a RESP server with a real clock, for real Redis clients (redis-cli,
//! redis-py, redis-benchmark) and for Redis's own tests.
//!
//! One thread per connection; the engine sits behind one mutex, so commands run one at a time as
//! they do in Redis. The wall clock is read here, never in the engine.

pub mod request;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

use redsim_engine::{Reply, Server, Version};

use crate::request::{parse, Parsed};

/// Milliseconds since the Unix epoch: the `now` the engine gets for every command.
pub fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

struct Shared {
    engine: Mutex<Server>,
    stopping: AtomicBool,
}

impl Shared {
    fn engine(&self) -> MutexGuard<'_, Server> {
        // A panic in one connection's thread must not take the others down with a poisoned lock.
        self.engine
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running server; dropping it stops accepting connections.
pub struct Handle {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<thread::JoinHandle<()>>,
}

impl Handle {
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Waits until the server stops (it runs until the process ends).
    pub fn wait(mut self) {
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if self.acceptor.is_some() {
            self.shared.stopping.store(true, Ordering::SeqCst);
            // Wake the blocking accept() so the thread sees the flag.
            let _ = TcpStream::connect(self.addr);
            if let Some(t) = self.acceptor.take() {
                let _ = t.join();
            }
        }
    }
}

/// Binds `addr` (port 0 picks a free port) and serves clients on background threads.
pub fn spawn(addr: impl ToSocketAddrs, version: Version) -> io::Result<Handle> {
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        engine: Mutex::new(Server::new(version)),
        stopping: AtomicBool::new(false),
    });
    let accepting = Arc::clone(&shared);
    let acceptor = thread::Builder::new()
        .name("accept".into())
        .spawn(move || {
            for stream in listener.incoming() {
                if accepting.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                let _ = thread::Builder::new().name("client".into()).spawn(move || {
                    let _ = serve_connection(stream, &shared);
                });
            }
        })?;
    Ok(Handle {
        addr,
        shared,
        acceptor: Some(acceptor),
    })
}

/// Reads requests, runs them and writes replies until the client leaves or breaks the protocol.
fn serve_connection(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let id = shared.engine().connect(wall_clock_ms());
    let result = connection_loop(&mut stream, shared, id);
    shared.engine().disconnect(id);
    let _ = stream.shutdown(Shutdown::Both);
    result
}

fn connection_loop(stream: &mut TcpStream, shared: &Shared, id: u64) -> io::Result<()> {
    let mut input: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    let mut output = Vec::with_capacity(16 * 1024);
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        input.extend_from_slice(&chunk[..n]);
        let mut used = 0;
        let mut close = false;
        {
            // Everything that arrived together (a pipeline) runs under one lock.
            let mut engine = shared.engine();
            loop {
                match parse(&input[used..]) {
                    Parsed::Incomplete => break,
                    Parsed::Request(argv, len) => {
                        used += len;
                        let outcome = engine.execute(wall_clock_ms(), id, &argv);
                        if let Some(reply) = outcome.reply {
                            reply.encode_into(engine.protocol(id), &mut output);
                        }
                        if outcome.close {
                            close = true;
                            break;
                        }
                    }
                    Parsed::Error(text) => {
                        let reply = Reply::Error(format!("ERR Protocol error: {text}"));
                        reply.encode_into(engine.protocol(id), &mut output);
                        close = true;
                        break;
                    }
                }
            }
        }
        input.drain(..used);
        if !output.is_empty() {
            stream.write_all(&output)?;
            output.clear();
        }
        if close {
            return Ok(());
        }
    }
}
