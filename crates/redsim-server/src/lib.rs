//! The engine behind a RESP server with a real clock, for real Redis clients (redis-cli,
//! redis-py, redis-benchmark) and for Redis's own tests.
//!
//! One thread runs an event loop (mio), as Redis's `ae` does: connections are read as they
//! become readable, each one's complete requests run in arrival order, and replies are written
//! at the end of the loop's turn. So commands that clients send one after another run in that
//! order, as on a real Redis, which tests with several connections rely on. The wall clock is
//! read here, never in the engine.
//!
//! A client whose command blocks (`BLPOP`, `XREAD BLOCK`) stops being read for commands until
//! the write that serves it, or the tick that times it out, unblocks it; then the requests it
//! sent meanwhile run.
//!
//! For test suites, the server can run on a virtual clock ([`Clock::Virtual`], `redsim-server
//! --clock virtual`), the way miniredis's `FastForward` works: time stands still until a client
//! sends `REDSIM.ADVANCE <ms>`, which moves it on, expiring keys and timing out blocked reads as
//! the time passes, and answers the new time in milliseconds. A test can then let a key expire
//! or a `BLOCK 5000` time out without sleeping:
//!
//! ```no_run
//! let server = redsim_server::spawn_with(
//!     "127.0.0.1:0",
//!     redsim_engine::Version::LATEST,
//!     &[],
//!     redsim_server::Clock::Virtual { start_ms: 1_700_000_000_000 },
//! )
//! .unwrap();
//! // Connect any Redis client to server.addr(); SET k v PX 100, then REDSIM.ADVANCE 100: k is gone.
//! # drop(server);
//! ```

#![forbid(unsafe_code)]

pub mod request;

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
// The connection tables' keys are small counters: they hash by the engine's multiplication.
use redsim_engine::server::IdHash;
use redsim_engine::{cluster, ClientId, Outcome, Reply, Server, Version};

use crate::request::{parse, parse_into, Filled, Parsed, Words};

/// Milliseconds since the Unix epoch: the `now` the engine gets for every command.
pub fn wall_clock_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// How often blocked clients' timeouts and the active expiry cycle are looked at.
const TICK: Duration = Duration::from_millis(5);
/// How long the loop polls without waiting, after a turn that had events, before it sleeps until
/// the next one; a turn without events (a quiet server) goes to sleep at once. A server that
/// sleeps after every turn makes each client's next request wake it up, which costs the client
/// more than the polls cost the server: `redis-benchmark -c 50` measured 17,469 context switches
/// against Redis's 8,115 for 300,000 `LRANGE`s, and 5% fewer requests per second than Redis
/// (docs/PERFORMANCE.md). A client that sends its next command within this time of its reply
/// keeps the server polling; one that thinks longer is soon not waited for.
const SPIN: Duration = Duration::from_micros(100);

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
/// Connection tokens start here.
const FIRST_CONNECTION: usize = 2;

/// A running server; dropping it stops it.
pub struct Handle {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    waker: Arc<Waker>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Handle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits until the server stops (it runs until the process ends).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stopping.store(true, Ordering::SeqCst);
            let _ = self.waker.wake();
            let _ = t.join();
        }
    }
}

/// The engine without effects or propagation: nothing here draws or replicates.
fn quiet_engine(version: Version) -> Server {
    let mut engine = Server::new(version);
    engine.set_observe(false);
    engine.set_propagate(false);
    engine.set_debugger(true);
    engine
}

/// Where the RDB file is: `dir`/`dbfilename`.
fn rdb_path(engine: &Server) -> std::path::PathBuf {
    let settings = &engine.config().settings;
    let dir = String::from_utf8_lossy(settings.text("dir")).into_owned();
    std::path::Path::new(&dir).join(String::from_utf8_lossy(settings.text("dbfilename")).as_ref())
}

/// Where the server's time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The wall clock, as Redis.
    Wall,
    /// A clock that starts at `start_ms` (Unix milliseconds) and moves only with
    /// `REDSIM.ADVANCE <ms>`.
    Virtual { start_ms: u64 },
}

/// Binds `addr` (port 0 picks a free port) and serves clients on a background thread.
pub fn spawn(addr: impl ToSocketAddrs, version: Version) -> io::Result<Handle> {
    spawn_configured(addr, version, &[])
}

/// Like [`spawn_configured`], on the given clock.
pub fn spawn_with(
    addr: impl ToSocketAddrs,
    version: Version,
    options: &[(Vec<u8>, Vec<u8>)],
    clock: Clock,
) -> io::Result<Handle> {
    spawn_on(addr, version, options, clock)
}

/// Like [`spawn`], with start-up options as `redis-server` takes them (`--maxmemory 1mb` is
/// `(b"maxmemory", b"1mb")`); a refused option is an `InvalidInput` error saying why. `port`,
/// `bind` and `dir` read what the server really listens on and works in.
pub fn spawn_configured(
    addr: impl ToSocketAddrs,
    version: Version,
    options: &[(Vec<u8>, Vec<u8>)],
) -> io::Result<Handle> {
    spawn_on(addr, version, options, Clock::Wall)
}

fn spawn_on(
    addr: impl ToSocketAddrs,
    version: Version,
    options: &[(Vec<u8>, Vec<u8>)],
    clock: Clock,
) -> io::Result<Handle> {
    let (event_loop, handle) = build(addr, version, options, clock)?;
    // A lone node started with `cluster-enabled yes` still has a bus, for nodes it is told to meet
    // in the same process (there are none): it knows only itself until then.
    start(event_loop, handle)
}

/// Serves `count` Redis Cluster primaries in one process, on `ip` and ports `first_port` and up
/// (0: a free port each), with the slots split as `redis-cli --cluster create` splits them and
/// each node's config epoch its position, as that tool sets them. The nodes meet over an
/// in-process cluster bus and agree within a few milliseconds.
pub fn spawn_cluster(
    ip: &str,
    first_port: u16,
    count: u16,
    version: Version,
    options: &[(Vec<u8>, Vec<u8>)],
    clock: Clock,
) -> io::Result<Vec<Handle>> {
    let mut options = options.to_vec();
    options.push((b"cluster-enabled".to_vec(), b"yes".to_vec()));
    let bus = Bus::default();
    let mut built = Vec::new();
    let per_node = cluster::SLOTS as f64 / f64::from(count.max(1));
    let (mut first, mut cursor) = (0usize, 0f64);
    for i in 0..count {
        let port = match first_port {
            0 => 0,
            p => p
                .checked_add(i)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("port {p} + {i} is past 65535")))?,
        };
        let (mut event_loop, handle) = build((ip, port), version, &options, clock)?;
        // Redis-cli's split: rounded shares, the last node up to the end.
        let mut last = (cursor + per_node - 1.0).round() as usize;
        if last >= cluster::SLOTS || i == count - 1 {
            last = cluster::SLOTS - 1;
        }
        last = last.max(first);
        let now = event_loop.now();
        let client = event_loop.engine.connect(now);
        for line in [format!("CLUSTER SET-CONFIG-EPOCH {}", i + 1), format!("CLUSTER ADDSLOTSRANGE {first} {last}")] {
            let argv: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
            event_loop.engine.execute(now, client, &argv);
        }
        event_loop.engine.disconnect(client);
        first = last + 1;
        cursor += per_node;
        event_loop.join_bus(&bus, handle.addr.port(), &handle.waker);
        built.push((event_loop, handle));
    }
    let ports: Vec<u16> = built.iter().map(|(_, h)| h.addr.port()).collect();
    let mut handles = Vec::new();
    for (mut event_loop, handle) in built {
        if let Some(link) = event_loop.bus.as_mut() {
            link.to_meet = ports.iter().copied().filter(|&p| p != link.port).collect();
        }
        handles.push(start(event_loop, handle)?);
    }
    Ok(handles)
}

/// `MIGRATE`'s round trip (Redis's `migrateCommand` with `syncWrite`/`syncReadLine`): connect to
/// the target within the timeout, send the commands, read one reply line each.
fn migrate_round_trip(m: &redsim_engine::server::Migrate) -> Result<Vec<Reply>, redsim_engine::server::MigrateFailure> {
    use redsim_engine::server::MigrateFailure;
    use std::io::BufRead;
    let timeout = Duration::from_millis(m.timeout_ms.max(1));
    let addrs: Vec<SocketAddr> =
        (m.host.as_str(), m.port).to_socket_addrs().map_err(|_| MigrateFailure::Connecting)?.collect();
    // Redis connects without waiting and learns of a refused connection when it writes.
    let mut refused = false;
    let stream = addrs.iter().find_map(|a| match std::net::TcpStream::connect_timeout(a, timeout) {
        Ok(s) => Some(s),
        Err(e) => {
            refused |= e.kind() == io::ErrorKind::ConnectionRefused;
            None
        }
    });
    let stream = match stream {
        Some(s) => s,
        None if refused => return Err(MigrateFailure::Writing),
        None => return Err(MigrateFailure::Connecting),
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let mut bytes = Vec::new();
    for line in &m.commands {
        Reply::Array(line.iter().map(|a| Reply::Bulk(a.clone())).collect())
            .encode_into(redsim_engine::Protocol::Resp2, &mut bytes);
    }
    (&stream).write_all(&bytes).map_err(|_| MigrateFailure::Writing)?;
    let mut reader = io::BufReader::new(&stream);
    let mut replies = Vec::new();
    for _ in &m.commands {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
        let line = line.trim_end_matches(['\r', '\n']);
        replies.push(match line.split_at_checked(1) {
            Some(("-", text)) => Reply::Error(text.to_string()),
            Some((":", n)) => Reply::Integer(n.parse().unwrap_or(0)),
            Some((_, text)) => Reply::Status(text.to_string()),
            None => Reply::Status(String::new()),
        });
    }
    if replies.is_empty() {
        return Err(MigrateFailure::Reading);
    }
    Ok(replies)
}

/// The cluster bus between the nodes one process serves: each node's inbox and waker, by port.
#[derive(Clone, Default)]
struct Bus(Arc<Mutex<HashMap<u16, Inbox>>>);

/// Where a node's bus messages go, and how to wake its loop for them.
type Inbox = (mpsc::Sender<BusMessage>, Arc<Waker>);

enum BusMessage {
    /// A node says what it serves (a ping or pong).
    Ping(cluster::Announce),
    /// A node asks to be known, and hears back.
    Meet(cluster::Announce),
    /// The engine's own bus traffic: pings and pongs that detect failures, failure reports,
    /// `FAIL`, votes.
    Engine(redsim_engine::server::cluster_bus::BusMessage),
}

impl Bus {
    fn send(&self, port: u16, message: BusMessage) {
        let peers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((inbox, waker)) = peers.get(&port) {
            if inbox.send(message).is_ok() {
                let _ = waker.wake();
            }
        }
    }
}

/// A node's end of the bus.
struct BusLink {
    bus: Bus,
    inbox: mpsc::Receiver<BusMessage>,
    port: u16,
    /// Nodes to meet when the loop starts.
    to_meet: Vec<u16>,
    last_ping: std::time::Instant,
}

/// How often a node tells the nodes it knows what it serves, as Redis's cluster cron pings.
const PING_EVERY: Duration = Duration::from_millis(1000);

/// Builds a server's event loop without starting it.
fn build(
    addr: impl ToSocketAddrs,
    version: Version,
    options: &[(Vec<u8>, Vec<u8>)],
    clock: Clock,
) -> io::Result<(EventLoop, Handle)> {
    let virtual_ms = match clock {
        Clock::Wall => None,
        Clock::Virtual { start_ms } => Some(start_ms),
    };
    let now = virtual_ms.unwrap_or_else(wall_clock_ms);
    let mut engine = quiet_engine(version);
    engine.configure(options).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let mut actual = vec![(b"port".to_vec(), addr.port().to_string().into_bytes())];
    if !options.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"dir")) {
        let cwd = std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
        actual.push((b"dir".to_vec(), cwd.into_bytes()));
    }
    if !options.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"bind")) {
        actual.push((b"bind".to_vec(), addr.ip().to_string().into_bytes()));
    }
    engine.configure(&actual).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // As redis-server does at start-up: the RDB file in `dir`, if there is one.
    if let Ok(bytes) = std::fs::read(rdb_path(&engine)) {
        engine.load_rdb(&bytes, now).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    }

    let poll = Poll::new()?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let mut listener = TcpListener::from_std(std_listener);
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    let stopping = Arc::new(AtomicBool::new(false));
    let mut event_loop = EventLoop {
        net: Net {
            poll,
            listener: Some(listener),
            ip: addr.ip(),
            connections: HashMap::default(),
            by_client: HashMap::default(),
            next_token: FIRST_CONNECTION,
            scratch: vec![0; 16 * 1024],
        },
        engine,
        unblocked: BTreeSet::new(),
        stopping: Arc::clone(&stopping),
        virtual_ms,
        bus: None,
        sync_debugging: None,
        words: Words::default(),
    };
    if event_loop.engine.config().settings.flag("cluster-enabled") {
        let seed = u64::from(addr.port()) ^ (now << 16);
        event_loop.engine.enable_cluster(seed, &addr.ip().to_string(), addr.port());
        event_loop.join_bus(&Bus::default(), addr.port(), &waker);
    }
    Ok((event_loop, Handle { addr, stopping, waker, thread: None }))
}

fn start(mut event_loop: EventLoop, mut handle: Handle) -> io::Result<Handle> {
    let thread = thread::Builder::new().name("redsim-server".into()).spawn(move || event_loop.run())?;
    handle.thread = Some(thread);
    Ok(handle)
}

/// One client connection.
struct Connection {
    stream: TcpStream,
    client: ClientId,
    /// Bytes read and not yet run as requests.
    input: Vec<u8>,
    /// Replies not yet written.
    output: Vec<u8>,
    /// Close once `output` is written (`QUIT`, a protocol error, `CLIENT KILL`, the peer's end
    /// of input).
    closing: bool,
    /// The peer closed its side, or writing failed: drop the connection.
    gone: bool,
    /// Registered for writable events because a write would have blocked.
    wants_write: bool,
    /// A Lua debugging session (`SCRIPT DEBUG`, then `EVAL`): what the client sends goes to it.
    debug: Option<Box<redsim_engine::server::ldb::DebugSession>>,
}

/// The sockets: what the event loop reads and writes, apart from the engine it runs them on
/// (so a busy script can lend them to the engine, see [`Lent`]).
struct Net {
    poll: Poll,
    /// `None` after `CONFIG SET port 0`: no TCP port, as Redis.
    listener: Option<TcpListener>,
    /// The address it listens on (a new port keeps it).
    ip: std::net::IpAddr,
    connections: HashMap<Token, Connection, IdHash>,
    by_client: HashMap<ClientId, Token, IdHash>,
    next_token: usize,
    /// Where sockets are read into: made (and zeroed) once, not for every read.
    scratch: Vec<u8>,
}

impl Net {
    fn accept(&mut self, engine: &mut Server, now: u64) {
        let Some(listener) = &self.listener else { return };
        loop {
            match listener.accept() {
                Ok((mut stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    // Redis's `maxclients`: one more is told so and closed at once.
                    let limit = usize::try_from(engine.config().settings.number("maxclients")).unwrap_or(usize::MAX);
                    if self.connections.len() >= limit {
                        let _ = stream.write_all(b"-ERR max number of clients reached\r\n");
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                        continue;
                    }
                    let token = Token(self.next_token);
                    self.next_token += 1;
                    if self.poll.registry().register(&mut stream, token, Interest::READABLE).is_err() {
                        continue;
                    }
                    let client = engine.connect(now);
                    if let Ok(local) = stream.local_addr() {
                        engine.set_client_addresses(client, peer.to_string(), local.to_string());
                    }
                    self.by_client.insert(client, token);
                    self.connections.insert(
                        token,
                        Connection {
                            stream,
                            client,
                            input: Vec::new(),
                            output: Vec::new(),
                            closing: false,
                            gone: false,
                            wants_write: false,
                            debug: None,
                        },
                    );
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Out of descriptors and the like: try again on the next event.
                Err(_) => return,
            }
        }
    }

    /// Reads what has arrived on a connection (until the socket would block: mio's events are
    /// edge-triggered) into its input; the connection's client, if it is still there.
    fn read(&mut self, token: Token) -> Option<ClientId> {
        let conn = self.connections.get_mut(&token)?;
        let chunk = &mut self.scratch;
        loop {
            match conn.stream.read(chunk) {
                Ok(0) => {
                    // The peer is done sending: what it sent runs and is answered, then close.
                    conn.closing = true;
                    break;
                }
                Ok(n) => {
                    conn.input.extend_from_slice(&chunk[..n]);
                    // Less than asked for: the socket is empty now, and data that comes later
                    // brings a new event; no second read to learn that it would block.
                    if n < chunk.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    conn.gone = true;
                    break;
                }
            }
        }
        Some(conn.client)
    }

    /// `CONFIG SET port`: listens on the new port (the connections open stay), or on none for 0.
    /// `false` when the port cannot be bound; the old one is kept then.
    fn listen(&mut self, port: u16) -> bool {
        let fresh = if port == 0 {
            None
        } else {
            let bound = std::net::TcpListener::bind(SocketAddr::new(self.ip, port)).and_then(|l| {
                l.set_nonblocking(true)?;
                let mut l = TcpListener::from_std(l);
                self.poll.registry().register(&mut l, LISTENER, Interest::READABLE)?;
                Ok(l)
            });
            match bound {
                Ok(l) => Some(l),
                Err(_) => return false,
            }
        };
        if let Some(mut old) = std::mem::replace(&mut self.listener, fresh) {
            let _ = self.poll.registry().deregister(&mut old);
        }
        true
    }

    /// Writes what each connection has pending, as far as the sockets take it now.
    fn write_pending(&mut self) {
        for (token, conn) in &mut self.connections {
            write_out(&self.poll, *token, conn);
        }
    }
}

/// Writes what a connection has to send until the socket would block; then the loop waits for it
/// to be writable.
fn write_out(poll: &Poll, token: Token, conn: &mut Connection) {
    while !conn.output.is_empty() && !conn.gone {
        match conn.stream.write(&conn.output) {
            Ok(0) => conn.gone = true,
            Ok(n) => {
                conn.output.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if !conn.wants_write {
                    conn.wants_write = true;
                    let _ =
                        poll.registry().reregister(&mut conn.stream, token, Interest::READABLE | Interest::WRITABLE);
                }
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => conn.gone = true,
        }
    }
}

/// What the event loop lends the engine while a command runs: when a script runs past
/// `busy-reply-threshold`, the other connections are accepted, read and answered in the middle
/// of it (Redis's `processEventsWhileBlocked`), the engine answering `BUSY` where Redis does.
/// The script's own client is left alone until its script returns.
struct Lent<'a> {
    net: &'a mut Net,
    events: Option<Events>,
    /// `SHUTDOWN NOSAVE` ran meanwhile: the server stops once the script has.
    shutdown: bool,
}

impl redsim_engine::server::ServerHost for Lent<'_> {
    fn now_ms(&mut self) -> u64 {
        // The threshold is about clients waiting: it is measured on the wall clock.
        wall_clock_ms()
    }

    fn serve(&mut self, server: &mut Server, busy_client: ClientId) {
        let now = wall_clock_ms();
        let events = self.events.get_or_insert_with(|| Events::with_capacity(256));
        if self.net.poll.poll(events, Some(Duration::ZERO)).is_err() {
            return;
        }
        for event in events.iter() {
            if event.is_writable() {
                if let Some(c) = self.net.connections.get_mut(&event.token()) {
                    c.wants_write = false;
                }
            }
        }
        // Every socket is read, not only those with a new event: the loop may have taken the
        // event of one just before this command ran, and events come once (edge-triggered).
        self.net.accept(server, now);
        let tokens: Vec<Token> = self.net.connections.keys().copied().collect();
        for &token in &tokens {
            self.net.read(token);
        }
        for token in tokens {
            let Some(conn) = self.net.connections.get_mut(&token) else { continue };
            let client = conn.client;
            if client == busy_client || conn.gone {
                continue;
            }
            let mut used = 0;
            while !server.is_blocked(client) {
                let Some(conn) = self.net.connections.get_mut(&token) else { break };
                let argv = match parse(&conn.input[used..]) {
                    Parsed::Incomplete => break,
                    Parsed::Request(argv, len) => {
                        used += len;
                        argv
                    }
                    Parsed::Error(text) => {
                        Reply::Error(format!("ERR Protocol error: {text}"))
                            .encode_into(server.protocol(client), &mut conn.output);
                        conn.closing = true;
                        used = conn.input.len();
                        break;
                    }
                };
                let outcome = server.execute(now, client, &argv);
                let protocol = server.protocol(client);
                let Some(conn) = self.net.connections.get_mut(&token) else { break };
                for message in &outcome.preface {
                    message.encode_into(protocol, &mut conn.output);
                }
                if let Some(reply) = &outcome.reply {
                    reply.encode_into(protocol, &mut conn.output);
                }
                self.shutdown |= outcome.shutdown;
                for killed in &outcome.killed {
                    if let Some(other) = self.net.by_client.get(killed).and_then(|t| self.net.connections.get_mut(t)) {
                        other.closing = true;
                    }
                }
                let Some(conn) = self.net.connections.get_mut(&token) else { break };
                if outcome.close {
                    conn.closing = true;
                    used = conn.input.len();
                    break;
                }
            }
            if let Some(conn) = self.net.connections.get_mut(&token) {
                conn.input.drain(..used.min(conn.input.len()));
            }
        }
        self.net.write_pending();
    }

    fn listen(&mut self, port: u16) -> bool {
        self.net.listen(port)
    }
}

struct EventLoop {
    net: Net,
    engine: Server,
    /// Clients unblocked in this turn whose buffered requests must run.
    unblocked: BTreeSet<ClientId>,
    stopping: Arc<AtomicBool>,
    /// The virtual clock's time, when the server runs on one.
    virtual_ms: Option<u64>,
    /// Redis Cluster: this node's end of the cluster bus.
    bus: Option<BusLink>,
    /// The connection of a `SCRIPT DEBUG SYNC` session under way: the server serves nobody else
    /// (and runs no timers) until it ends, as Redis is blocked.
    sync_debugging: Option<Token>,
    /// The buffers requests are read into.
    words: Words,
}

/// Polls that do not wait, after a turn that served someone: the next requests are often on
/// their way, and catching them saves going to sleep and being woken. Polls that catch nothing
/// make the loop sleep at once for the next 2, 4, ... 64 busy turns, so a client that thinks
/// between its commands is not waited for.
#[derive(Default)]
struct Spin {
    /// How many tries in a row caught nothing (at most 6).
    missed: u32,
    /// Busy turns left before the next try.
    skip: u32,
}

impl Spin {
    /// Polls for up to [`SPIN`] unless this turn is one to skip; whether events came.
    fn catch(&mut self, poll: &mut Poll, events: &mut Events) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        let since = std::time::Instant::now();
        while since.elapsed() < SPIN {
            if poll.poll(events, Some(Duration::ZERO)).is_ok() && !events.is_empty() {
                self.missed = 0;
                return true;
            }
        }
        self.missed = (self.missed + 1).min(6);
        self.skip = 1 << self.missed;
        false
    }
}

impl EventLoop {
    /// Puts this node on `bus` (leaving any other).
    fn join_bus(&mut self, bus: &Bus, port: u16, waker: &Arc<Waker>) {
        let (sender, inbox) = mpsc::channel();
        bus.0.lock().unwrap_or_else(|e| e.into_inner()).insert(port, (sender, Arc::clone(waker)));
        let last_ping = std::time::Instant::now();
        self.bus = Some(BusLink { bus: bus.clone(), inbox, port, to_meet: Vec::new(), last_ping });
    }

    /// The cluster bus's turn: what other nodes said is taken in (and nodes their gossip names
    /// are met), and this node tells the ones it knows what it serves when that changed, or
    /// every second.
    fn cluster_turn(&mut self) {
        let Some(link) = self.bus.as_mut() else { return };
        let now = self.virtual_ms.unwrap_or_else(wall_clock_ms);
        let mut meet: Vec<u16> = std::mem::take(&mut link.to_meet);
        let mut reply_to: Vec<u16> = Vec::new();
        let mut engine_out = Vec::new();
        while let Ok(message) = link.inbox.try_recv() {
            let (announce, is_meet) = match message {
                BusMessage::Ping(a) => (a, false),
                BusMessage::Meet(a) => (a, true),
                BusMessage::Engine(m) => {
                    let turn = self.engine.cluster_receive(&m, now);
                    engine_out.extend(turn.messages);
                    continue;
                }
            };
            self.engine.cluster_hear(&announce, now);
            if is_meet {
                reply_to.push(announce.node.port);
            }
            let known: Vec<u16> =
                self.engine.cluster().map_or(Vec::new(), |c| c.nodes.iter().map(|n| n.port).collect());
            meet.extend(announce.known.iter().map(|(_, p)| *p).filter(|p| !known.contains(p) && *p != link.port));
        }
        // The engine's failure detection: its cron when due, its messages to the nodes they name.
        if self.engine.cluster_next_due().is_some_and(|d| d <= now) {
            engine_out.extend(self.engine.cluster_cron(now).messages);
        }
        if let Some(link) = self.bus.as_ref() {
            for m in engine_out {
                let port = self.engine.cluster().and_then(|c| c.index_of(m.to.as_bytes()).map(|i| c.nodes[i].port));
                if let Some(port) = port {
                    link.bus.send(port, BusMessage::Engine(m));
                }
            }
        }
        let Some(link) = self.bus.as_mut() else { return };
        let changed = self.engine.cluster().is_some_and(|c| c.changed);
        let due = link.last_ping.elapsed() >= PING_EVERY;
        if meet.is_empty() && reply_to.is_empty() && !changed && !due {
            return;
        }
        let Some(announce) = self.engine.cluster_announce() else { return };
        let link = self.bus.as_mut().expect("on the bus");
        for port in meet {
            link.bus.send(port, BusMessage::Meet(announce.clone()));
        }
        let others: Vec<u16> =
            self.engine.cluster().map_or(Vec::new(), |c| c.nodes.iter().skip(1).map(|n| n.port).collect());
        if changed || due || !reply_to.is_empty() {
            link.last_ping = std::time::Instant::now();
            for port in others {
                link.bus.send(port, BusMessage::Ping(announce.clone()));
            }
        }
    }

    /// The time the engine gets: the virtual clock's, or the wall clock's.
    fn now(&self) -> u64 {
        self.virtual_ms.unwrap_or_else(wall_clock_ms)
    }

    /// `REDSIM.ADVANCE ms` on a virtual clock: the time moves on (what expires in between
    /// expires, blocked reads whose timeout passes time out) and the reply is the new time.
    /// Without a virtual clock the command is the engine's to refuse, as any unknown command.
    fn advance(&mut self, argv: &[Vec<u8>]) -> Option<Outcome> {
        let now = self.virtual_ms?;
        if !argv.first()?.eq_ignore_ascii_case(b"redsim.advance") {
            return None;
        }
        let mut outcome = Outcome::default();
        let ms = match argv {
            [_, ms] => redsim_engine::args::parse_i64(ms).filter(|ms| *ms >= 0),
            _ => {
                outcome.reply = Some(Reply::Error("ERR wrong number of arguments for 'redsim.advance' command".into()));
                return Some(outcome);
            }
        };
        let Some(ms) = ms else {
            outcome.reply = Some(Reply::Error("ERR value is not an integer or out of range".into()));
            return Some(outcome);
        };
        let to = now.saturating_add(ms as u64);
        self.virtual_ms = Some(to);
        let ticked = self.engine.tick(to);
        self.deliver(&ticked);
        outcome.reply = Some(Reply::Integer(to as i64));
        Some(outcome)
    }

    fn run(&mut self) {
        let mut events = Events::with_capacity(1024);
        let mut last_tick = std::time::Instant::now();
        let (mut busy, mut spin) = (false, Spin::default());
        while !self.stopping.load(Ordering::SeqCst) {
            let wait = TICK.saturating_sub(last_tick.elapsed());
            let ready = busy && spin.catch(&mut self.net.poll, &mut events);
            if !ready {
                if let Err(e) = self.net.poll.poll(&mut events, Some(wait)) {
                    if e.kind() != io::ErrorKind::Interrupted {
                        return;
                    }
                }
            }
            busy = !events.is_empty();
            for event in &events {
                match event.token() {
                    LISTENER => self.accept(),
                    WAKER => {}
                    token => {
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read(token);
                        }
                        if event.is_writable() {
                            if let Some(c) = self.net.connections.get_mut(&token) {
                                c.wants_write = false;
                            }
                        }
                    }
                }
            }
            if last_tick.elapsed() >= TICK && self.sync_debugging.is_none() {
                last_tick = std::time::Instant::now();
                let outcome = self.engine.tick(self.now());
                self.deliver(&outcome);
            }
            self.run_unblocked();
            self.cluster_turn();
            self.flush_all();
        }
    }

    fn accept(&mut self) {
        let now = self.now();
        self.net.accept(&mut self.engine, now);
    }

    /// Reads what has arrived (until the socket would block: mio's events are edge-triggered)
    /// and runs the complete requests.
    fn read(&mut self, token: Token) {
        let Some(client) = self.net.read(token) else { return };
        if self.net.connections.get(&token).is_some_and(|c| c.debug.is_some()) {
            self.debug_turn(token);
        } else if self.sync_debugging.is_none() {
            self.run_requests(client);
        }
    }

    /// Hands what a debugging client sent to its session and writes the answer. When the script
    /// ends the connection closes, as Redis closes it; a `SYNC` session's server takes over.
    fn debug_turn(&mut self, token: Token) {
        let Some(conn) = self.net.connections.get_mut(&token) else { return };
        let Some(session) = conn.debug.as_mut() else { return };
        let input = std::mem::take(&mut conn.input);
        if conn.gone || conn.closing {
            session.hang_up();
        } else {
            session.feed(&input);
        }
        let output = session.take_output();
        conn.output.extend_from_slice(&output);
        self.settle_debug(token);
    }

    /// A session whose script has ended: the connection closes after its output, and a `SYNC`
    /// session's server takes over.
    fn settle_debug(&mut self, token: Token) {
        let Some(conn) = self.net.connections.get_mut(&token) else { return };
        if !conn.debug.as_ref().is_some_and(|s| s.is_ended()) {
            return;
        }
        conn.closing = true;
        let Some(session) = conn.debug.take() else { return };
        if session.is_sync() {
            self.engine.end_debugging(*session);
            self.sync_debugging = None;
            // What the others sent while the server waited runs now.
            let waiting: Vec<ClientId> =
                self.net.connections.values().filter(|c| !c.input.is_empty()).map(|c| c.client).collect();
            for client in waiting {
                self.run_requests(client);
            }
        }
    }

    /// Runs a client's buffered requests in order until one blocks, the connection is to be
    /// closed, or no complete request is left.
    fn run_requests(&mut self, client: ClientId) {
        let mut words = std::mem::take(&mut self.words);
        self.run_requests_into(client, &mut words);
        self.words = words;
    }

    /// [`EventLoop::run_requests`], reading each request into `words`.
    fn run_requests_into(&mut self, client: ClientId, words: &mut Words) {
        let Some(&token) = self.net.by_client.get(&client) else { return };
        let mut used = 0;
        // One clock read for the requests that came in one read (a pipeline): they arrived
        // together, and the clock is a few percent of a pipelined command.
        let mut now = self.now();
        let (mut served, mut after_script) = (0u32, false);
        loop {
            let Some(conn) = self.net.connections.get_mut(&token) else { return };
            if conn.gone || self.engine.is_blocked(client) {
                break;
            }
            let len = match parse_into(&conn.input[used..], words) {
                Filled::Incomplete => break,
                Filled::Request(len) => len,
                Filled::Error(text) => {
                    let reply = Reply::Error(format!("ERR Protocol error: {text}"));
                    reply.encode_into(self.engine.protocol(client), &mut conn.output);
                    conn.closing = true;
                    conn.input.clear();
                    return;
                }
            };
            used += len;
            let argv = words.argv();
            // A script may run for long: the clock is read again after one (`EVAL*`, `FCALL*`),
            // and every 16 requests.
            served += 1;
            if after_script || served % 16 == 0 {
                now = self.now();
            }
            after_script = argv.first().is_some_and(|n| matches!(n.first(), Some(b'e' | b'E' | b'f' | b'F')));
            let mut outcome = match self.advance(argv) {
                Some(outcome) => {
                    now = self.now();
                    outcome
                }
                None => {
                    // A script of this command that runs long serves the others meanwhile.
                    let mut lend = Lent { net: &mut self.net, events: None, shutdown: false };
                    let outcome = self.engine.execute_yielding(now, client, argv, Some(&mut lend));
                    if lend.shutdown {
                        self.stopping.store(true, Ordering::SeqCst);
                    }
                    outcome
                }
            };
            // EVAL under SCRIPT DEBUG: the connection belongs to the debugging session now. What
            // it sent after the EVAL is dropped, as Redis's debugger reads the socket past it.
            if let Some(mut session) = outcome.debug.take() {
                if let Some(conn) = self.net.connections.get_mut(&token) {
                    conn.output.extend_from_slice(&session.take_output());
                    conn.input.clear();
                    if session.is_sync() {
                        self.sync_debugging = Some(token);
                    } else {
                        // The session runs on a copy; the server has let the client go.
                        self.net.by_client.remove(&client);
                    }
                    conn.debug = Some(session);
                }
                self.settle_debug(token);
                return;
            }
            // MIGRATE talks to its target now, blocking this server as Redis's does.
            if let Some(migrate) = outcome.migrate.take() {
                let answer = migrate_round_trip(&migrate);
                let done = self.engine.migrate_done(self.now(), client, &migrate, answer);
                outcome.reply = done.reply;
                outcome.propagate.extend(done.propagate);
                outcome.woken.extend(done.woken);
            }
            let protocol = self.engine.protocol(client);
            if let Some(conn) = self.net.connections.get_mut(&token) {
                for message in &outcome.preface {
                    message.encode_into(protocol, &mut conn.output);
                }
                if let Some(reply) = &outcome.reply {
                    reply.encode_into(protocol, &mut conn.output);
                }
                if outcome.close {
                    conn.closing = true;
                    conn.input.clear();
                    self.deliver(&outcome);
                    // SHUTDOWN: the file is written (above); the loop ends and so does the process.
                    if outcome.shutdown {
                        self.stopping.store(true, Ordering::SeqCst);
                    }
                    return;
                }
            }
            self.deliver(&outcome);
        }
        if let Some(conn) = self.net.connections.get_mut(&token) {
            conn.input.drain(..used);
        }
    }

    /// Hands the replies and messages a command (or a tick) produced for other clients to their
    /// connections, and closes the ones it killed.
    fn deliver(&mut self, outcome: &Outcome) {
        // CLUSTER MEET: the node at that port is asked to meet this one, if this process serves it.
        if let (Some((_, port)), Some(link)) = (&outcome.cluster_meet, self.bus.as_mut()) {
            link.to_meet.push(*port);
        }
        if !outcome.propagate.is_empty() {
            let mut stream = Vec::new();
            for argv in &outcome.propagate {
                let reply = Reply::Array(argv.iter().map(|a| Reply::Bulk(a.clone())).collect());
                reply.encode_into(redsim_engine::Protocol::Resp2, &mut stream);
            }
            let replicas: Vec<ClientId> = self.engine.replicas().collect();
            for replica in replicas {
                if let Some(conn) = self.net.by_client.get(&replica).and_then(|t| self.net.connections.get_mut(t)) {
                    conn.output.extend_from_slice(&stream);
                }
            }
        }
        if let Some(rdb) = &outcome.saved {
            // Written whole beside it, then renamed over it, as Redis does.
            let path = rdb_path(&self.engine);
            let temp = path.with_file_name(format!("temp-{}.rdb", std::process::id()));
            if std::fs::write(&temp, rdb).is_ok() {
                let _ = std::fs::rename(&temp, &path);
            }
        }
        for (client, reply) in &outcome.woken {
            let Some(conn) = self.net.by_client.get(client).and_then(|t| self.net.connections.get_mut(t)) else {
                continue;
            };
            reply.encode_into(self.engine.protocol(*client), &mut conn.output);
            let unblocked = outcome
                .effects
                .iter()
                .any(|e| matches!(e, redsim_engine::Effect::ClientUnblocked { client: c, .. } if c == client));
            if unblocked || !self.engine.is_blocked(*client) {
                self.unblocked.insert(*client);
            }
        }
        for client in &outcome.killed {
            if let Some(conn) = self.net.by_client.get(client).and_then(|t| self.net.connections.get_mut(t)) {
                conn.closing = true;
            }
        }
    }

    /// Lets clients unblocked in this turn run what they sent while they waited (Redis's
    /// `processUnblockedClients`).
    fn run_unblocked(&mut self) {
        while let Some(client) = self.unblocked.pop_first() {
            self.run_requests(client);
        }
    }

    /// Writes every connection's pending output and drops the ones that are finished.
    fn flush_all(&mut self) {
        self.net.write_pending();
        // A debugging client that went away: its script runs on to the end.
        let lost: Vec<Token> =
            self.net.connections.iter().filter(|(_, c)| c.debug.is_some() && c.gone).map(|(t, _)| *t).collect();
        for token in lost {
            self.debug_turn(token);
        }
        let mut finished = Vec::new();
        for (token, conn) in &self.net.connections {
            if conn.gone || (conn.closing && conn.output.is_empty()) {
                finished.push(*token);
            }
        }
        for token in finished {
            if let Some(mut conn) = self.net.connections.remove(&token) {
                let _ = self.net.poll.registry().deregister(&mut conn.stream);
                let _ = conn.stream.shutdown(std::net::Shutdown::Both);
                self.net.by_client.remove(&conn.client);
                self.engine.disconnect(conn.client);
            }
        }
    }
}
