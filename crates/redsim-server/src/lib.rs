//! The engine behind a RESP server with a real clock, for real Redis clients (redis-cli,
//! redis-py, redis-benchmark) and for Redis's own tests.
//!
//! One thread per connection; the engine sits behind one mutex, so commands run one at a time as
//! they do in Redis. The wall clock is read here, never in the engine.
//!
//! A client whose command blocks (`XREAD BLOCK`) waits on its mailbox: whichever thread runs the
//! write that serves it (or the ticker thread, when its timeout passes) encodes the reply and
//! posts it there.

#![forbid(unsafe_code)]

pub mod request;

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redsim_engine::{ClientId, Outcome, Reply, Server, Version};

use crate::request::{parse, Parsed};

/// Milliseconds since the Unix epoch: the `now` the engine gets for every command.
pub fn wall_clock_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// How often blocked clients' timeouts are checked.
const TICK: Duration = Duration::from_millis(5);

/// What another thread posts to a connection.
enum Mail {
    /// The reply that ends the client's wait in a blocking command.
    Unblocked(Vec<u8>),
    /// A pub/sub message, written whenever it arrives.
    Push(Vec<u8>),
    /// `CLIENT KILL` from another connection: close this one.
    Close,
}

/// How long an idle connection waits for input before looking at its mailbox.
const IDLE_POLL: Duration = Duration::from_millis(10);

struct Shared {
    engine: Mutex<Server>,
    /// Where replies for parked clients and pub/sub messages are posted, by client id.
    mailboxes: Mutex<HashMap<ClientId, Sender<Mail>>>,
    stopping: AtomicBool,
}

impl Shared {
    fn engine(&self) -> MutexGuard<'_, Server> {
        // A panic in one connection's thread must not take the others down with a poisoned lock.
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Posts the replies a command (or a tick) produced for other, parked clients.
    fn deliver(&self, engine: &Server, outcome: &Outcome) {
        if outcome.woken.is_empty() && outcome.killed.is_empty() {
            return;
        }
        let mailboxes = self.mailboxes.lock().unwrap_or_else(|p| p.into_inner());
        for client in &outcome.killed {
            if let Some(mailbox) = mailboxes.get(client) {
                let _ = mailbox.send(Mail::Close);
            }
        }
        for (client, reply) in &outcome.woken {
            if let Some(mailbox) = mailboxes.get(client) {
                let bytes = reply.encode(engine.protocol(*client));
                let unblocked = outcome
                    .effects
                    .iter()
                    .any(|e| matches!(e, redsim_engine::Effect::ClientUnblocked { client: c, .. } if c == client));
                let _ = mailbox.send(if unblocked { Mail::Unblocked(bytes) } else { Mail::Push(bytes) });
            }
        }
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

/// The engine without effects or propagation: nothing here draws or replicates.
fn quiet_engine(version: Version) -> Server {
    let mut engine = Server::new(version);
    engine.observe = false;
    engine.propagate = false;
    engine
}

/// Binds `addr` (port 0 picks a free port) and serves clients on background threads.
pub fn spawn(addr: impl ToSocketAddrs, version: Version) -> io::Result<Handle> {
    spawn_configured(addr, version, &[])
}

/// Like [`spawn`], with start-up options as `redis-server` takes them (`--maxmemory 1mb` is
/// `(b"maxmemory", b"1mb")`); a refused option is an `InvalidInput` error saying why. `port`,
/// `bind` and `dir` read what the server really listens on and works in.
pub fn spawn_configured(
    addr: impl ToSocketAddrs,
    version: Version,
    options: &[(Vec<u8>, Vec<u8>)],
) -> io::Result<Handle> {
    let mut engine = quiet_engine(version);
    engine.configure(options).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let dir = std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
    let mut actual =
        vec![(b"port".to_vec(), addr.port().to_string().into_bytes()), (b"dir".to_vec(), dir.into_bytes())];
    if !options.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"bind")) {
        actual.push((b"bind".to_vec(), addr.ip().to_string().into_bytes()));
    }
    engine.configure(&actual).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let shared = Arc::new(Shared {
        engine: Mutex::new(engine),
        mailboxes: Mutex::new(HashMap::new()),
        stopping: AtomicBool::new(false),
    });
    let ticking = Arc::clone(&shared);
    thread::Builder::new().name("tick".into()).spawn(move || {
        while !ticking.stopping.load(Ordering::SeqCst) {
            thread::sleep(TICK);
            // Timeouts of blocked clients, and the active expiry cycle.
            let mut engine = ticking.engine();
            let outcome = engine.tick(wall_clock_ms());
            ticking.deliver(&engine, &outcome);
        }
    })?;
    let accepting = Arc::clone(&shared);
    let acceptor = thread::Builder::new().name("accept".into()).spawn(move || {
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
    Ok(Handle { addr, shared, acceptor: Some(acceptor) })
}

/// Reads requests, runs them and writes replies until the client leaves or breaks the protocol.
fn serve_connection(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let id = shared.engine().connect(wall_clock_ms());
    let (mailbox, inbox) = channel();
    shared.mailboxes.lock().unwrap_or_else(|p| p.into_inner()).insert(id, mailbox);
    let result = connection_loop(&mut stream, shared, id, &inbox);
    shared.mailboxes.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    shared.engine().disconnect(id);
    let _ = stream.shutdown(Shutdown::Both);
    result
}

fn connection_loop(stream: &mut TcpStream, shared: &Shared, id: u64, inbox: &Receiver<Mail>) -> io::Result<()> {
    let mut input: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    let mut output = Vec::with_capacity(16 * 1024);
    stream.set_read_timeout(Some(IDLE_POLL))?;
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                // Idle: write any pub/sub messages that arrived meanwhile.
                loop {
                    match inbox.try_recv() {
                        Ok(Mail::Push(bytes) | Mail::Unblocked(bytes)) => output.extend_from_slice(&bytes),
                        Ok(Mail::Close) => {
                            stream.write_all(&output)?;
                            return Ok(());
                        }
                        Err(_) => break,
                    }
                }
                if !output.is_empty() {
                    stream.write_all(&output)?;
                    output.clear();
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(());
        }
        input.extend_from_slice(&chunk[..n]);
        let mut used = 0;
        let mut close = false;
        loop {
            // Everything that arrived together (a pipeline) runs under one lock, until a
            // command blocks: then what was answered so far is written and the client waits.
            let mut blocked = false;
            let mut engine = shared.engine();
            loop {
                match parse(&input[used..]) {
                    Parsed::Incomplete => break,
                    Parsed::Request(argv, len) => {
                        used += len;
                        let outcome = engine.execute(wall_clock_ms(), id, &argv);
                        shared.deliver(&engine, &outcome);
                        match outcome.reply {
                            Some(reply) => reply.encode_into(engine.protocol(id), &mut output),
                            None => blocked = engine.is_blocked(id),
                        }
                        if outcome.close {
                            close = true;
                            break;
                        }
                        if blocked {
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
            drop(engine);
            if !blocked {
                break;
            }
            if !output.is_empty() {
                stream.write_all(&output)?;
                output.clear();
            }
            // Parked: pub/sub messages (RESP3 clients may have both) are written as they come,
            // until the reply that ends the wait.
            loop {
                match inbox.recv() {
                    Ok(Mail::Unblocked(reply)) => {
                        output.extend_from_slice(&reply);
                        break;
                    }
                    Ok(Mail::Push(bytes)) => stream.write_all(&bytes)?,
                    Ok(Mail::Close) | Err(_) => return Ok(()),
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
