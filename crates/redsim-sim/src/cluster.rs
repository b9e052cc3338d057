//! The simulated world of the scenarios: several engines as Redis nodes, asynchronous replication
//! between them over links with latency, Sentinel-style failover, AOF and RDB persistence with
//! crashes and restarts, and actors (producers and consumers) that drive commands on their own.
//!
//! Everything moves in virtual time and in one order: `step` does the single earliest thing that is
//! due (a replication message arriving, an actor waking, an fsync, a Sentinel decision, a timeout),
//! so a run is a list of steps that replays exactly. Randomness comes from the world's seed only.
//!
//! What is tracked for the pictures: every node's role, offset and whether it is up; every write a
//! primary acknowledged, so a failover or a restart can name the ones it loses.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use redsim_engine::command::{lookup, Flag};
use redsim_engine::server::resp_len;
use redsim_engine::{Argv, ClientId, Reply, Server, Version};

/// How many bytes of propagated commands a node keeps for partial resynchronisation (Redis's
/// default `repl-backlog-size`, 1 MB).
const BACKLOG_BYTES: u64 = 1 << 20;
/// How many of the latest acknowledged writes are kept for naming losses (a loss is the last
/// moments of writes; every snapshot of the world carries this list, so it stays short).
const WRITES_KEPT: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Primary,
    Replica { of: usize },
}

/// An append-only list whose copies share everything but the last chunk, so a snapshot of a long
/// AOF costs a pointer per thousand commands.
#[derive(Clone, Debug)]
pub struct SharedLog<T> {
    chunks: Vec<Rc<Vec<T>>>,
    len: usize,
}

const LOG_CHUNK: usize = 1024;

impl<T: Clone> Default for SharedLog<T> {
    fn default() -> Self {
        SharedLog { chunks: Vec::new(), len: 0 }
    }
}

impl<T: Clone> SharedLog<T> {
    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < LOG_CHUNK => Rc::make_mut(last).push(item),
            _ => self.chunks.push(Rc::new(vec![item])),
        }
        self.len += 1;
    }

    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) {
        for item in items {
            self.push(item);
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

/// `appendfsync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    Always,
    EverySec,
    /// Left to the OS, which writes dirty pages back about every 30 s.
    No,
}

impl Fsync {
    pub fn name(self) -> &'static str {
        match self {
            Fsync::Always => "always",
            Fsync::EverySec => "everysec",
            Fsync::No => "no",
        }
    }
}

/// What a node keeps on its simulated disk.
#[derive(Clone, Debug, Default)]
pub struct Persistence {
    /// `appendonly yes` with this `appendfsync`.
    pub aof: Option<Fsync>,
    /// Commands on disk (fsynced).
    pub aof_disk: SharedLog<Rc<Argv>>,
    /// Commands written but not yet fsynced: a crash loses them.
    pub aof_buffer: Vec<Rc<Argv>>,
    pub last_fsync_ms: u64,
    /// `save <seconds> 1`: an RDB snapshot this often while there are changes.
    pub save_every_ms: Option<u64>,
    pub last_save_ms: u64,
    /// The last RDB snapshot: the databases, and the offset they include.
    pub rdb: Option<(u64, Rc<Server>)>,
    /// The replication offset everything on disk covers.
    pub durable_offset: u64,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub server: Server,
    pub role: Role,
    pub up: bool,
    /// `master_repl_offset` for a primary; what it has processed for a replica.
    pub offset: u64,
    /// The replication history this node's offset counts in (changes on promotion and restart).
    pub replid: u64,
    /// After a promotion: the history it continues and the offset up to which it shares it
    /// (Redis's `replid2` and `second_replid_offset`), so the old primary's other replicas can
    /// continue from where they are instead of copying everything.
    pub replid2: Option<(u64, u64)>,
    /// Recent propagated commands: `(offset after it, command)`, at most `BACKLOG_BYTES` of them.
    /// Like Redis, a node keeps one only once it takes part in replication.
    backlog: VecDeque<(u64, Rc<Argv>)>,
    replicating: bool,
    pub persistence: Persistence,
    /// Bumped whenever the engine is replaced (restart): clients must connect again.
    epoch: u64,
    /// The engine client that applies the replication stream.
    link_client: ClientId,
    /// How far the node is from the others (its replication link's latency).
    pub latency_ms: u64,
}

impl Node {
    fn new(name: &str, version: Version, now_ms: u64, replid: u64) -> Node {
        let mut server = Server::new(version);
        // The world reads replies and the replication stream, not the effects for the pictures.
        server.observe = false;
        let link_client = server.connect(now_ms);
        Node {
            name: name.to_string(),
            server,
            role: Role::Primary,
            up: true,
            offset: 0,
            replid,
            replid2: None,
            backlog: VecDeque::new(),
            replicating: false,
            persistence: Persistence::default(),
            epoch: 0,
            link_client,
            latency_ms: 0,
        }
    }

    pub fn is_primary(&self) -> bool {
        self.role == Role::Primary
    }

    /// What a node keeps of each command it executes or applies: its backlog (for replicas to
    /// catch up from) and its AOF (on disk at once under `always`, else in the OS buffer).
    fn record(&mut self, offset_end: u64, argv: &Rc<Argv>) {
        if self.replicating {
            self.backlog.push_back((offset_end, argv.clone()));
            while let Some((end, first)) = self.backlog.front() {
                if offset_end - (end - resp_len(first)) <= BACKLOG_BYTES {
                    break;
                }
                self.backlog.pop_front();
            }
        }
        match self.persistence.aof {
            Some(Fsync::Always) => {
                self.persistence.aof_disk.push(argv.clone());
                self.persistence.durable_offset = offset_end;
            }
            Some(_) => self.persistence.aof_buffer.push(argv.clone()),
            None => {}
        }
    }
}

/// A replication link between a primary and a replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub primary: usize,
    pub replica: usize,
    pub latency_ms: u64,
    pub up: bool,
}

#[derive(Clone, Debug)]
struct InFlight {
    at_ms: u64,
    seq: u64,
    from: usize,
    to: usize,
    replid: u64,
    offset_end: u64,
    argv: Rc<Argv>,
}

/// Sentinel-style monitoring of one primary.
#[derive(Clone, Debug)]
pub struct Sentinel {
    pub down_after_ms: u64,
    pub quorum: usize,
    pub sentinels: usize,
    /// From objective down to the promotion (election and `REPLICAOF NO ONE`).
    pub failover_ms: u64,
    pub primary: usize,
    state: Watch,
    pub failovers: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Watch {
    Up,
    /// The primary has not answered since this time.
    Silent {
        since_ms: u64,
    },
    /// Objectively down; promote at this time.
    FailingOver {
        promote_at_ms: u64,
    },
}

/// A client of the world: a named connection to one node, moved by Sentinel after a failover.
#[derive(Clone, Debug)]
pub struct SimClient {
    pub name: Rc<str>,
    pub node: usize,
    id: ClientId,
    epoch: u64,
    /// A `WAIT` in progress: `(replicas wanted, offset to reach, deadline)`.
    waiting: Option<(usize, u64, u64)>,
}

/// A write a primary acknowledged to a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub node: usize,
    pub replid: u64,
    pub offset_end: u64,
    /// The stream entry ID for `XADD`, else the key.
    pub label: WriteLabel,
    pub client: Rc<str>,
    pub at_ms: u64,
}

/// The longest stream ID: `18446744073709551615-18446744073709551615`.
const ID_MAX: usize = 41;

/// What names a write in the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteLabel {
    /// The ID of the entry an `XADD` added, as the reply wrote it.
    Entry { bytes: [u8; ID_MAX], len: u8 },
    /// The key any other write changed.
    Key(Rc<str>),
}

impl std::fmt::Display for WriteLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteLabel::Entry { bytes, len } => f.write_str(&String::from_utf8_lossy(&bytes[..*len as usize])),
            WriteLabel::Key(key) => f.write_str(key),
        }
    }
}

/// A write that was acknowledged and then lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lost {
    pub label: String,
    pub node: String,
    pub at_ms: u64,
    pub why: String,
}

/// What a step did, for the timeline and the narration.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub at_ms: u64,
    pub kind: EventKind,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    Command,
    Replicated,
    Fault,
    Failover,
    Persistence,
    Actor,
    Lost,
    /// A `say` line: the narration from this step on.
    Note,
    /// A `pause` line: autoplay stops after this step.
    Pause,
    /// The scenario reached its `end` time.
    End,
}

/// A producer or a consumer that issues commands by itself.
#[derive(Clone, Debug)]
pub struct Actor {
    pub name: String,
    pub client: usize,
    pub kind: ActorKind,
    pub next_at_ms: u64,
    pub alive: bool,
    /// Messages produced, or processed successfully by a consumer.
    pub done: u64,
    pub failed: u64,
}

impl Actor {
    /// Whether the actor is a consumer parked in a blocking read.
    fn kind_waiting(&self) -> bool {
        matches!(&self.kind, ActorKind::Consumer(c) if c.state == ConsumerState::Waiting)
    }
}

#[derive(Clone, Debug)]
pub enum ActorKind {
    Producer {
        stream: Vec<u8>,
        /// Field/value pairs; `{i}` becomes the message number.
        fields: Vec<(Vec<u8>, Vec<u8>)>,
        every_ms: u64,
        remaining: Option<u64>,
        /// `MAXLEN [~] n` on every `XADD`.
        maxlen: Option<(bool, u64)>,
        /// How many `XADD`s each tick sends at once (a pipelining producer).
        batch: u64,
        produced: u64,
    },
    Consumer(Consumer),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Consumer {
    pub stream: Vec<u8>,
    pub group: Vec<u8>,
    pub count: u64,
    pub block_ms: u64,
    pub process_ms: u64,
    /// Percent of messages whose processing fails (left unacknowledged).
    pub fail_percent: u64,
    /// Messages whose body contains this text always fail (a poison message).
    pub poison: Option<Vec<u8>>,
    /// Claim entries idle this long from crashed consumers first (`XAUTOCLAIM`).
    pub claim_min_idle_ms: Option<u64>,
    /// After this many deliveries an entry goes to this stream instead (`XADD` + `XACK`).
    pub dead_letter: Option<(Vec<u8>, u64)>,
    /// Whether processed entries are acknowledged (`no-ack` leaves them all pending).
    pub ack: bool,
    /// Redis 8.4's `XREADGROUP ... CLAIM min-idle`: the read itself takes over entries idle this long.
    pub read_claim_ms: Option<u64>,
    /// A failed entry is acknowledged and scheduled again in this sorted set, due after the base
    /// delay doubled per attempt; due entries go back into the stream (`XADD ... attempt n`).
    pub retry: Option<(Vec<u8>, u64)>,
    state: ConsumerState,
}

impl Consumer {
    pub fn new(stream: &[u8], group: &[u8]) -> Consumer {
        Consumer {
            stream: stream.to_vec(),
            group: group.to_vec(),
            count: 10,
            block_ms: 1000,
            process_ms: 10,
            fail_percent: 0,
            poison: None,
            claim_min_idle_ms: None,
            dead_letter: None,
            ack: true,
            read_claim_ms: None,
            retry: None,
            state: ConsumerState::Idle,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum ConsumerState {
    Idle,
    /// Blocked in `XREADGROUP`.
    Waiting,
    /// Working on these entries until `next_at_ms`.
    Processing(Vec<Delivered>),
}

/// The world.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub now_ms: u64,
    pub version: Version,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    in_flight: Vec<InFlight>,
    pub sentinel: Option<Sentinel>,
    pub clients: Vec<SimClient>,
    pub actors: Vec<Actor>,
    pub writes: VecDeque<Write>,
    pub lost: Vec<Lost>,
    rng: u64,
    seq: u64,
    next_replid: u64,
    /// Commands the nodes have run so far: how much work replaying the world from here costs.
    pub work: u64,
    /// Set while a batch runs: its commands add no line each to the log.
    quiet: bool,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Writes `template` into `out` with each `{i}` replaced by `n`.
fn fill_template(out: &mut Vec<u8>, template: &[u8], n: u64) {
    let mut rest = template;
    while let Some(at) = rest.windows(3).position(|w| w == b"{i}") {
        out.extend_from_slice(&rest[..at]);
        redsim_engine::stream::id::push_decimal(out, n);
        rest = &rest[at + 3..];
    }
    out.extend_from_slice(rest);
}

/// A command line as the log shows it: plain words as they are, others quoted as redis-cli
/// would, and a long line (an `XACK` of a hundred IDs) cut after its first arguments.
fn show_into(argv: &[Vec<u8>], out: &mut String) {
    const SHOWN: usize = 12;
    for (i, a) in argv.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i == SHOWN && argv.len() > SHOWN + 1 {
            out.push_str(&format!("… ({} more)", argv.len() - SHOWN));
            break;
        }
        let plain = !a.is_empty() && a.iter().all(|&c| c.is_ascii_graphic() && c != b'"' && c != b'\\' && c != b'\'');
        match std::str::from_utf8(a) {
            Ok(text) if plain => out.push_str(text),
            _ => redsim_engine::cli::quote_into(a, out),
        }
    }
}

fn bulk_text(r: &Reply) -> Option<Vec<u8>> {
    match r {
        Reply::Bulk(b) => Some(b.clone()),
        Reply::Status(s) => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

/// An entry a consumer got: its ID and its fields and values, moved out of the reply (a
/// deleted entry has none).
#[derive(Clone, Debug, PartialEq)]
struct Delivered {
    id: Vec<u8>,
    fields: Vec<Reply>,
}

impl Delivered {
    /// The fields and values joined by spaces (built only when a consumer needs the text).
    fn body(&self) -> Vec<u8> {
        let mut body = Vec::new();
        let texts = self.fields.iter().filter_map(|field| match field {
            Reply::Bulk(b) => Some(b.as_slice()),
            Reply::Status(s) => Some(s.as_bytes()),
            _ => None,
        });
        for (i, text) in texts.enumerate() {
            if i > 0 {
                body.push(b' ');
            }
            body.extend_from_slice(text);
        }
        body
    }
}

/// The entries of a stream read reply (`XREADGROUP`: `[[key, [[id, [f, v, ...]], ...]]]`), taken
/// apart without copying.
fn read_entries(r: Reply) -> Vec<Delivered> {
    let mut out = Vec::new();
    let mut add = |entries: Option<Reply>| {
        if let Some(Reply::Array(entries)) = entries {
            out.extend(entries_of(entries));
        }
    };
    match r {
        Reply::Array(streams) => streams.into_iter().for_each(|s| {
            if let Reply::Array(kv) = s {
                add(kv.into_iter().nth(1));
            }
        }),
        Reply::Map(pairs) => pairs.into_iter().for_each(|(_, entries)| add(Some(entries))),
        _ => {}
    }
    out
}

fn entries_of(entries: Vec<Reply>) -> Vec<Delivered> {
    entries.into_iter().filter_map(entry_of).collect()
}

/// One entry of a stream reply: `[id, [f, v, ...]]`.
fn entry_of(entry: Reply) -> Option<Delivered> {
    let Reply::Array(pair) = entry else { return None };
    let mut pair = pair.into_iter();
    let id = match pair.next()? {
        Reply::Bulk(b) => b,
        Reply::Status(s) => s.into_bytes(),
        _ => return None,
    };
    let fields = match pair.next() {
        Some(Reply::Array(fields)) => fields,
        _ => Vec::new(),
    };
    Some(Delivered { id, fields })
}

impl Cluster {
    /// A world with one primary, emulating `version`, starting at `now_ms`, drawing from `seed`.
    pub fn new(version: Version, now_ms: u64, seed: u64) -> Cluster {
        Cluster {
            now_ms,
            version,
            nodes: Vec::new(),
            links: Vec::new(),
            in_flight: Vec::new(),
            sentinel: None,
            clients: Vec::new(),
            actors: Vec::new(),
            writes: VecDeque::new(),
            lost: Vec::new(),
            rng: seed,
            seq: 0,
            next_replid: 1,
            work: 0,
            quiet: false,
        }
    }

    fn new_replid(&mut self) -> u64 {
        self.next_replid += 1;
        self.next_replid
    }

    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    pub fn client_index(&self, name: &str) -> Option<usize> {
        self.clients.iter().position(|c| &*c.name == name)
    }

    /// Adds a primary.
    pub fn add_primary(&mut self, name: &str) -> usize {
        let replid = self.new_replid();
        self.nodes.push(Node::new(name, self.version, self.now_ms, replid));
        self.nodes.len() - 1
    }

    /// Adds a replica of `primary`, in sync with it, over a link with `latency_ms`.
    pub fn add_replica(&mut self, name: &str, primary: usize, latency_ms: u64) -> usize {
        let mut node = Node::new(name, self.version, self.now_ms, self.nodes[primary].replid);
        node.role = Role::Replica { of: primary };
        node.server.dbs = self.nodes[primary].server.dbs.clone();
        node.offset = self.nodes[primary].offset;
        node.latency_ms = latency_ms;
        self.nodes.push(node);
        let replica = self.nodes.len() - 1;
        self.links.push(Link { primary, replica, latency_ms, up: true });
        self.nodes[primary].replicating = true;
        self.nodes[replica].replicating = true;
        replica
    }

    pub fn add_client(&mut self, name: &str, node: usize) -> usize {
        let id = self.nodes[node].server.connect(self.now_ms);
        self.clients.push(SimClient { name: name.into(), node, id, epoch: self.nodes[node].epoch, waiting: None });
        self.clients.len() - 1
    }

    pub fn add_actor(&mut self, name: &str, node: usize, kind: ActorKind) -> usize {
        let client = self.add_client(name, node);
        self.actors.push(Actor {
            name: name.to_string(),
            client,
            kind,
            next_at_ms: self.now_ms,
            alive: true,
            done: 0,
            failed: 0,
        });
        self.actors.len() - 1
    }

    pub fn set_sentinel(&mut self, primary: usize, down_after_ms: u64, quorum: usize, sentinels: usize) {
        self.sentinel = Some(Sentinel {
            down_after_ms,
            quorum,
            sentinels,
            failover_ms: 1000,
            primary,
            state: Watch::Up,
            failovers: 0,
        });
    }

    fn link_mut(&mut self, replica: usize) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.replica == replica)
    }

    pub fn link_between(&self, a: usize, b: usize) -> Option<&Link> {
        self.links.iter().find(|l| (l.primary == a && l.replica == b) || (l.primary == b && l.replica == a))
    }

    // Commands.

    /// Runs a command line from client `client` now, with what a real client would see.
    pub fn command(&mut self, client: usize, argv: &[Vec<u8>]) -> (Option<Reply>, Vec<Event>) {
        let mut events = Vec::new();
        let reply = self.run_for(client, argv, &mut events);
        (reply, events)
    }

    /// Connects the client to its node's current engine if the node restarted.
    fn ensure_connected(&mut self, client: usize) {
        let c = &self.clients[client];
        let node = &mut self.nodes[c.node];
        if c.epoch != node.epoch {
            let id = node.server.connect(self.now_ms);
            let epoch = node.epoch;
            let c = &mut self.clients[client];
            c.id = id;
            c.epoch = epoch;
        }
    }

    fn run_for(&mut self, client: usize, argv: &[Vec<u8>], events: &mut Vec<Event>) -> Option<Reply> {
        if argv.is_empty() {
            return None;
        }
        let node_i = self.clients[client].node;
        let cname = self.clients[client].name.clone();
        let node = &self.nodes[node_i];
        if !node.up {
            return Some(Reply::Error(format!("Could not connect to Redis at {}:6379: Connection refused", node.name)));
        }
        self.ensure_connected(client);
        // The command's name in lower case, without allocating (the names below are short).
        let mut lower = [0u8; 12];
        let name: &[u8] = match lower.get_mut(..argv[0].len()) {
            Some(buf) => {
                buf.copy_from_slice(&argv[0]);
                buf.make_ascii_lowercase();
                buf
            }
            None => b"",
        };
        // What the world answers itself: replication is not the engine's business.
        let answered = match name {
            b"role" => Some(Some(self.role_reply(node_i))),
            b"info" if argv.len() == 2 && argv[1].eq_ignore_ascii_case(b"replication") => {
                Some(Some(Reply::Verbatim("txt".into(), self.info_replication(node_i).into_bytes())))
            }
            b"wait" => Some(self.wait(client, argv)),
            b"replicaof" | b"slaveof" => Some(Some(self.replicaof(node_i, argv, events))),
            b"bgsave" | b"save" => {
                self.save_rdb(node_i, events);
                Some(Some(if name == b"save" { Reply::ok() } else { Reply::status("Background saving started") }))
            }
            b"bgrewriteaof" => {
                self.rewrite_aof(node_i, events);
                Some(Some(Reply::status("Background append only file rewriting started")))
            }
            _ => None,
        };
        if let Some(reply) = answered {
            events.push(self.command_event(&cname, node_i, argv, reply.as_ref(), "(waiting)"));
            return reply;
        }
        let is_write = || lookup(&argv[0]).is_some_and(|spec| spec.has(Flag::Write));
        if !self.nodes[node_i].is_primary() && is_write() {
            return Some(Reply::Error("READONLY You can't write against a read only replica.".into()));
        }
        let id = self.clients[client].id;
        let node = &mut self.nodes[node_i];
        // Only replicas and the disk read the replication stream; a lone node skips building it.
        let streaming = node.replicating || node.persistence.aof.is_some() || node.persistence.save_every_ms.is_some();
        node.server.propagate = streaming;
        let changes = node.server.stats.changes;
        let outcome = node.server.execute(self.now_ms, id, argv);
        self.work += 1;
        let before = node.offset;
        let changed = node.server.stats.changes > changes;
        self.propagate(node_i, outcome.propagate);
        // Without a stream the offset stays put; a write is still past what the disk holds.
        let after = if streaming { self.nodes[node_i].offset } else { before + u64::from(changed) };
        if after > before {
            if let Some(reply) = &outcome.reply {
                if !reply.is_error() {
                    // An ID is copied as it is, into the record itself: no allocation and no parsing
                    // for the many writes that are never shown.
                    let label = match (name, reply) {
                        (b"xadd", Reply::Bulk(id)) if id.len() <= ID_MAX => {
                            let mut bytes = [0u8; ID_MAX];
                            bytes[..id.len()].copy_from_slice(id);
                            WriteLabel::Entry { bytes, len: id.len() as u8 }
                        }
                        _ => {
                            WriteLabel::Key(argv.get(1).map(|k| String::from_utf8_lossy(k)).unwrap_or_default().into())
                        }
                    };
                    self.record_write(node_i, after, label, cname.clone());
                }
            }
        }
        if !self.quiet {
            events.push(self.command_event(&cname, node_i, argv, outcome.reply.as_ref(), "(blocked)"));
        }
        self.route_woken(node_i, outcome.woken, events);
        outcome.reply
    }

    /// The log line of a command: who sent it where, and what came back (`pending` if nothing yet).
    fn command_event(
        &self,
        client: &str,
        node: usize,
        argv: &[Vec<u8>],
        reply: Option<&Reply>,
        pending: &str,
    ) -> Event {
        // One string, written in place: the log gets a line for most commands of a run.
        let mut text = String::with_capacity(96);
        text.push_str(client);
        text.push('@');
        text.push_str(&self.nodes[node].name);
        text.push_str(": ");
        show_into(argv, &mut text);
        text.push_str(" → ");
        match reply {
            Some(reply) => short_reply_into(reply, &mut text),
            None => text.push_str(pending),
        }
        Event { at_ms: self.now_ms, kind: EventKind::Command, text }
    }

    fn record_write(&mut self, node: usize, offset_end: u64, label: WriteLabel, client: Rc<str>) {
        let replid = self.nodes[node].replid;
        self.writes.push_back(Write { node, replid, offset_end, label, client, at_ms: self.now_ms });
        if self.writes.len() > WRITES_KEPT {
            self.writes.pop_front();
        }
    }

    /// Sends what a node propagated to its AOF and to its replicas.
    fn propagate(&mut self, from: usize, commands: Vec<Argv>) {
        for argv in commands {
            let argv = Rc::new(argv);
            let node = &mut self.nodes[from];
            node.offset += resp_len(&argv);
            let offset_end = node.offset;
            node.record(offset_end, &argv);
            let replid = node.replid;
            let up = node.up;
            let targets: Vec<(usize, u64)> = self
                .links
                .iter()
                .filter(|l| l.primary == from && l.up && up && self.nodes[l.replica].up)
                .map(|l| (l.replica, l.latency_ms))
                .collect();
            for (to, latency) in targets {
                self.send(from, to, latency, replid, offset_end, argv.clone());
            }
        }
    }

    /// Puts a replication message on the link from `from` to `to`, arriving after `latency`.
    fn send(&mut self, from: usize, to: usize, latency: u64, replid: u64, offset_end: u64, argv: Rc<Argv>) {
        self.seq += 1;
        let (at_ms, seq) = (self.now_ms + latency, self.seq);
        self.in_flight.push(InFlight { at_ms, seq, from, to, replid, offset_end, argv });
    }

    fn route_woken(&mut self, node: usize, woken: Vec<(ClientId, Reply)>, events: &mut Vec<Event>) {
        for (id, reply) in woken {
            let Some(client) = self.clients.iter().position(|c| c.node == node && c.id == id) else { continue };
            if let Some(actor) = self.actors.iter().position(|a| a.client == client && a.alive) {
                self.actor_got(actor, reply, events);
            } else {
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Command,
                    text: format!("{} received: {}", self.clients[client].name, short_reply(&reply)),
                });
            }
        }
    }

    fn role_reply(&self, node: usize) -> Reply {
        let n = &self.nodes[node];
        match n.role {
            Role::Primary => {
                let replicas = self
                    .links
                    .iter()
                    .filter(|l| l.primary == node)
                    .map(|l| {
                        Reply::Array(vec![
                            Reply::bulk(&self.nodes[l.replica].name),
                            Reply::bulk("6379"),
                            Reply::bulk(self.nodes[l.replica].offset.to_string()),
                        ])
                    })
                    .collect();
                Reply::Array(vec![Reply::bulk("master"), Reply::Integer(n.offset as i64), Reply::Array(replicas)])
            }
            Role::Replica { of } => {
                let connected = self.nodes[of].up && self.link_between(of, node).is_some_and(|l| l.up);
                Reply::Array(vec![
                    Reply::bulk("slave"),
                    Reply::bulk(&self.nodes[of].name),
                    Reply::Integer(6379),
                    Reply::bulk(if connected { "connected" } else { "connect" }),
                    Reply::Integer(n.offset as i64),
                ])
            }
        }
    }

    /// `INFO replication` as this node would write it.
    fn info_replication(&self, node: usize) -> String {
        let n = &self.nodes[node];
        let mut out = String::from("# Replication\r\n");
        match n.role {
            Role::Primary => {
                let replicas: Vec<&Link> = self.links.iter().filter(|l| l.primary == node).collect();
                out.push_str(&format!(
                    "role:master\r\nconnected_slaves:{}\r\n",
                    replicas.iter().filter(|l| l.up && self.nodes[l.replica].up).count()
                ));
                for (i, l) in replicas.iter().filter(|l| l.up && self.nodes[l.replica].up).enumerate() {
                    let r = &self.nodes[l.replica];
                    out.push_str(&format!(
                        "slave{i}:ip={},port=6379,state=online,offset={},lag=0\r\n",
                        r.name, r.offset
                    ));
                }
            }
            Role::Replica { of } => {
                let p = &self.nodes[of];
                let up = p.up && self.link_between(of, node).is_some_and(|l| l.up);
                out.push_str(&format!(
                    "role:slave\r\nmaster_host:{}\r\nmaster_port:6379\r\nmaster_link_status:{}\r\nslave_repl_offset:{}\r\nslave_read_only:1\r\nconnected_slaves:0\r\n",
                    p.name,
                    if up { "up" } else { "down" },
                    n.offset
                ));
            }
        }
        out.push_str(&format!("master_replid:{:040x}\r\nmaster_repl_offset:{}\r\n", n.replid, n.offset));
        let first = n.backlog.front().map_or(n.offset, |(end, argv)| end - resp_len(argv));
        out.push_str(&format!(
            "repl_backlog_active:1\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
            first + 1,
            n.offset - first
        ));
        out
    }

    fn replicas_at(&self, primary: usize, offset: u64) -> usize {
        let replid = self.nodes[primary].replid;
        self.links
            .iter()
            .filter(|l| l.primary == primary)
            .filter(|l| {
                let r = &self.nodes[l.replica];
                r.up && r.replid == replid && r.offset >= offset
            })
            .count()
    }

    /// `WAIT numreplicas timeout`: answered at once when enough replicas have the client's writes,
    /// else when they do or the timeout passes.
    fn wait(&mut self, client: usize, argv: &[Vec<u8>]) -> Option<Reply> {
        if argv.len() != 3 {
            return Some(Reply::Error("ERR wrong number of arguments for 'wait' command".into()));
        }
        let parse = |a: &[u8]| std::str::from_utf8(a).ok().and_then(|s| s.parse::<i64>().ok());
        let (Some(wanted), Some(timeout)) = (parse(&argv[1]), parse(&argv[2])) else {
            return Some(Reply::Error("ERR value is not an integer or out of range".into()));
        };
        if timeout < 0 {
            return Some(Reply::Error("ERR timeout is negative".into()));
        }
        let node = self.clients[client].node;
        if !self.nodes[node].is_primary() {
            return Some(Reply::Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.".into()));
        }
        let offset = self.nodes[node].offset;
        let have = self.replicas_at(node, offset);
        if have as i64 >= wanted {
            return Some(Reply::Integer(have as i64));
        }
        let deadline = if timeout == 0 { u64::MAX } else { self.now_ms + timeout as u64 };
        self.clients[client].waiting = Some((wanted.max(0) as usize, offset, deadline));
        None
    }

    /// Replies due to clients in `WAIT`, as `(client, reply)`.
    fn check_waits(&mut self, events: &mut Vec<Event>) {
        for i in 0..self.clients.len() {
            let Some((wanted, offset, deadline)) = self.clients[i].waiting else { continue };
            let node = self.clients[i].node;
            let have = self.replicas_at(node, offset);
            if have >= wanted || self.now_ms >= deadline {
                self.clients[i].waiting = None;
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Command,
                    text: format!("{}: WAIT answered (integer) {have}", self.clients[i].name),
                });
            }
        }
    }

    fn replicaof(&mut self, node: usize, argv: &[Vec<u8>], events: &mut Vec<Event>) -> Reply {
        if argv.len() != 3 {
            return Reply::Error(format!(
                "ERR wrong number of arguments for '{}' command",
                String::from_utf8_lossy(&argv[0]).to_ascii_lowercase()
            ));
        }
        if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
            if self.nodes[node].is_primary() {
                return Reply::status("OK");
            }
            self.promote(node, events);
            return Reply::ok();
        }
        let Some(primary) = self.node_index(&String::from_utf8_lossy(&argv[1])) else {
            return Reply::Error("ERR Invalid master address".into());
        };
        if primary == node {
            return Reply::Error("ERR Invalid master address".into());
        }
        self.repoint(node, primary, events);
        Reply::ok()
    }

    // Time.

    /// The time of the next thing due, if any.
    pub fn next_due(&self) -> Option<u64> {
        let mut due: Vec<u64> = Vec::new();
        if let Some(m) = self.in_flight.iter().map(|f| f.at_ms).min() {
            due.push(m);
        }
        for a in &self.actors {
            if a.alive && !matches!(&a.kind, ActorKind::Consumer(c) if c.state == ConsumerState::Waiting) {
                due.push(a.next_at_ms);
            }
        }
        for n in &self.nodes {
            if !n.up {
                continue;
            }
            if let Some(d) = n.server.next_deadline() {
                due.push(d);
            }
            if n.persistence.aof == Some(Fsync::EverySec) && !n.persistence.aof_buffer.is_empty() {
                due.push(n.persistence.last_fsync_ms + 1000);
            }
            if n.persistence.aof == Some(Fsync::No) && !n.persistence.aof_buffer.is_empty() {
                due.push(n.persistence.last_fsync_ms + 30_000);
            }
            if let Some(every) = n.persistence.save_every_ms {
                if n.offset > n.persistence.rdb.as_ref().map_or(0, |(o, _)| *o) {
                    due.push(n.persistence.last_save_ms + every);
                }
            }
        }
        for c in &self.clients {
            if let Some((_, _, deadline)) = c.waiting {
                if deadline != u64::MAX {
                    due.push(deadline);
                }
            }
        }
        if let Some(s) = &self.sentinel {
            match s.state {
                Watch::Up if !self.nodes[s.primary].up => due.push(self.now_ms),
                Watch::Silent { since_ms } => due.push(since_ms + s.down_after_ms),
                Watch::FailingOver { promote_at_ms } => due.push(promote_at_ms),
                _ => {}
            }
        }
        due.into_iter().min()
    }

    /// Does everything due at or before `until_ms`, one step at a time, and moves the clock there.
    pub fn advance_to(&mut self, until_ms: u64) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(t) = self.next_due().filter(|&t| t <= until_ms) {
            events.extend(self.step_at(t));
        }
        if until_ms > self.now_ms {
            self.now_ms = until_ms;
            for n in self.nodes.iter_mut().filter(|n| n.up) {
                n.server.tick(until_ms);
            }
        }
        events
    }

    /// Does the earliest due thing (everything due at that same moment that is of one kind).
    pub fn step(&mut self) -> Option<Vec<Event>> {
        let t = self.next_due()?;
        Some(self.step_at(t))
    }

    fn step_at(&mut self, t: u64) -> Vec<Event> {
        let mut events = Vec::new();
        self.now_ms = self.now_ms.max(t);
        for i in 0..self.nodes.len() {
            if self.nodes[i].up {
                let outcome = self.nodes[i].server.tick(self.now_ms);
                self.route_woken(i, outcome.woken, &mut events);
            }
        }
        self.deliver_due(&mut events);
        self.persist_due(&mut events);
        self.sentinel_due(&mut events);
        self.actors_due(&mut events);
        self.check_waits(&mut events);
        events
    }

    fn deliver_due(&mut self, events: &mut Vec<Event>) {
        let now = self.now_ms;
        let mut due: Vec<InFlight> = Vec::new();
        self.in_flight.retain(|f| {
            if f.at_ms <= now {
                due.push(f.clone());
                false
            } else {
                true
            }
        });
        due.sort_by_key(|f| (f.at_ms, f.seq));
        let mut applied: BTreeMap<usize, usize> = BTreeMap::new();
        for f in due {
            let link_ok = self.link_between(f.from, f.to).is_some_and(|l| l.up);
            let to = &self.nodes[f.to];
            // A message on a link that broke, or from an old history, never arrives.
            if !link_ok || !to.up || to.replid != f.replid || to.role != (Role::Replica { of: f.from }) {
                continue;
            }
            if f.offset_end <= to.offset {
                continue;
            }
            let id = to.link_client;
            let outcome = self.nodes[f.to].server.execute(f.at_ms, id, &f.argv);
            self.work += 1;
            let node = &mut self.nodes[f.to];
            node.offset = f.offset_end;
            node.record(f.offset_end, &f.argv);
            self.route_woken(f.to, outcome.woken, events);
            *applied.entry(f.to).or_default() += 1;
        }
        for (to, n) in applied {
            events.push(Event {
                at_ms: now,
                kind: EventKind::Replicated,
                text: format!(
                    "{} applied {n} command(s) from the replication stream (offset {})",
                    self.nodes[to].name, self.nodes[to].offset
                ),
            });
        }
    }

    fn persist_due(&mut self, events: &mut Vec<Event>) {
        let now = self.now_ms;
        for n in self.nodes.iter_mut().filter(|n| n.up) {
            let p = &mut n.persistence;
            let period = match p.aof {
                Some(Fsync::EverySec) => Some(1000),
                Some(Fsync::No) => Some(30_000),
                _ => None,
            };
            if let Some(period) = period {
                if !p.aof_buffer.is_empty() && now >= p.last_fsync_ms + period {
                    let count = p.aof_buffer.len();
                    p.aof_disk.extend(p.aof_buffer.drain(..));
                    p.last_fsync_ms = now;
                    p.durable_offset = n.offset;
                    events.push(Event {
                        at_ms: now,
                        kind: EventKind::Persistence,
                        text: format!("{}: fsync of the AOF ({count} command(s) now safe on disk)", n.name),
                    });
                } else if p.aof_buffer.is_empty() {
                    p.last_fsync_ms = p.last_fsync_ms.max(now.saturating_sub(period));
                }
            }
            if let Some(every) = p.save_every_ms {
                let saved = p.rdb.as_ref().map_or(0, |(o, _)| *o);
                if n.offset > saved && now >= p.last_save_ms + every {
                    p.rdb = Some((n.offset, Rc::new(n.server.clone())));
                    p.last_save_ms = now;
                    if p.aof.is_none() {
                        p.durable_offset = n.offset;
                    }
                    events.push(Event {
                        at_ms: now,
                        kind: EventKind::Persistence,
                        text: format!("{}: RDB snapshot saved (offset {})", n.name, n.offset),
                    });
                }
            }
        }
    }

    fn save_rdb(&mut self, node: usize, events: &mut Vec<Event>) {
        let now = self.now_ms;
        let n = &mut self.nodes[node];
        n.persistence.rdb = Some((n.offset, Rc::new(n.server.clone())));
        n.persistence.last_save_ms = now;
        if n.persistence.aof.is_none() {
            n.persistence.durable_offset = n.offset;
        }
        events.push(Event {
            at_ms: now,
            kind: EventKind::Persistence,
            text: format!("{}: RDB snapshot written", n.name),
        });
    }

    /// `BGREWRITEAOF`: the AOF becomes the commands that rebuild the data as it is now.
    fn rewrite_aof(&mut self, node: usize, events: &mut Vec<Event>) {
        let now = self.now_ms;
        let n = &mut self.nodes[node];
        if n.persistence.aof.is_none() {
            return;
        }
        let before = n.persistence.aof_disk.len() + n.persistence.aof_buffer.len();
        n.persistence.aof_disk = SharedLog::default();
        n.persistence.aof_buffer.clear();
        // The rewrite starts from a snapshot of the data: keep it as a base the reload starts from.
        n.persistence.rdb = Some((n.offset, Rc::new(n.server.clone())));
        n.persistence.durable_offset = n.offset;
        n.persistence.last_fsync_ms = now;
        events.push(Event {
            at_ms: now,
            kind: EventKind::Persistence,
            text: format!("{}: AOF rewritten from {before} command(s) to a snapshot of the data", n.name),
        });
    }

    // Faults.

    /// The node stops at once, as when its machine fails: what was not fsynced is gone, what it
    /// was still sending its replicas never arrives, clients lose their connection.
    pub fn crash(&mut self, node: usize) -> Vec<Event> {
        self.in_flight.retain(|f| f.from != node && f.to != node);
        let n = &mut self.nodes[node];
        n.up = false;
        let unsynced = n.persistence.aof_buffer.len();
        n.persistence.aof_buffer.clear();
        let name = n.name.clone();
        for c in self.clients.iter_mut().filter(|c| c.node == node) {
            c.waiting = None;
        }
        let mut text = format!("{name} crashed");
        if unsynced > 0 {
            text.push_str(&format!(" ({unsynced} AOF command(s) not yet fsynced are gone)"));
        }
        if let Some(s) = &mut self.sentinel {
            if s.primary == node && s.state == Watch::Up {
                s.state = Watch::Silent { since_ms: self.now_ms };
            }
        }
        vec![Event { at_ms: self.now_ms, kind: EventKind::Fault, text }]
    }

    /// The node starts again from its disk: the AOF if it has one, else the last RDB snapshot,
    /// else empty. A replica then resynchronises from its primary.
    pub fn restart(&mut self, node: usize) -> Vec<Event> {
        let mut events = Vec::new();
        let now = self.now_ms;
        let version = self.version;
        let replid = self.new_replid();
        let n = &mut self.nodes[node];
        if n.up {
            return events;
        }
        let mut server = match &n.persistence.rdb {
            Some((_, snapshot)) => {
                let mut s = Server::new(version);
                s.dbs = snapshot.dbs.clone();
                s.scripts = snapshot.scripts.clone();
                s
            }
            None => Server::new(version),
        };
        server.observe = false;
        let loader = server.connect(now);
        let rdb_offset = n.persistence.rdb.as_ref().map_or(0, |(o, _)| *o);
        let replay: Vec<Rc<Argv>> =
            if n.persistence.aof.is_some() { n.persistence.aof_disk.iter().cloned().collect() } else { Vec::new() };
        // An AOF that was rewritten starts from the snapshot; what follows is replayed on top.
        for argv in &replay {
            server.execute(now, loader, argv);
        }
        self.work += replay.len() as u64;
        server.disconnect(loader);
        let link_client = server.connect(now);
        let durable = n.persistence.durable_offset.max(if n.persistence.aof.is_some() { 0 } else { rdb_offset });
        n.server = server;
        n.link_client = link_client;
        n.up = true;
        n.epoch += 1;
        n.offset = durable;
        let old_replid = n.replid;
        n.replid = replid;
        n.backlog.clear();
        let name = n.name.clone();
        let source = match (&n.persistence.aof, &n.persistence.rdb) {
            (Some(p), _) => format!("its AOF (appendfsync {}, {} command(s))", p.name(), replay.len()),
            (None, Some(_)) => "its last RDB snapshot".to_string(),
            (None, None) => "nothing: it has no persistence and comes back empty".to_string(),
        };
        events.push(Event { at_ms: now, kind: EventKind::Fault, text: format!("{name} restarted from {source}") });
        let was_primary = n.is_primary();
        if was_primary {
            // Acknowledged writes past what the disk kept are gone.
            let lost: Vec<Write> = self
                .writes
                .iter()
                .filter(|w| w.node == node && w.replid == old_replid && w.offset_end > durable)
                .cloned()
                .collect();
            self.name_lost(&lost, &name, "not on disk when the node crashed", &mut events);
            self.writes.retain(|w| !(w.node == node && w.replid == old_replid && w.offset_end > durable));
            for w in self.writes.iter_mut().filter(|w| w.node == node && w.replid == old_replid) {
                w.replid = replid;
            }
            // Its replicas hold a history it no longer has: they resynchronise in full.
            let replicas: Vec<usize> = self.links.iter().filter(|l| l.primary == node).map(|l| l.replica).collect();
            for r in replicas {
                self.full_sync(r, node, &mut events);
            }
            if let Some(s) = &mut self.sentinel {
                if s.primary == node {
                    s.state = Watch::Up;
                }
            }
        } else if let Role::Replica { of } = self.nodes[node].role {
            self.full_sync(node, of, &mut events);
        }
        events
    }

    fn name_lost(&mut self, lost: &[Write], node: &str, why: &str, events: &mut Vec<Event>) {
        for w in lost {
            self.lost.push(Lost {
                label: w.label.to_string(),
                node: node.to_string(),
                at_ms: w.at_ms,
                why: why.to_string(),
            });
        }
        if !lost.is_empty() {
            let labels: Vec<String> = lost.iter().take(8).map(|w| w.label.to_string()).collect();
            let more = if lost.len() > 8 { format!(" and {} more", lost.len() - 8) } else { String::new() };
            events.push(Event {
                at_ms: self.now_ms,
                kind: EventKind::Lost,
                text: format!("{} acknowledged write(s) lost ({why}): {}{more}", lost.len(), labels.join(", ")),
            });
        }
    }

    /// A replica takes a full copy of its primary's data.
    fn full_sync(&mut self, replica: usize, primary: usize, events: &mut Vec<Event>) {
        if !self.nodes[primary].up
            || !self.nodes[replica].up
            || !self.link_between(primary, replica).is_some_and(|l| l.up)
        {
            return;
        }
        let dbs = self.nodes[primary].server.dbs.clone();
        let scripts = self.nodes[primary].server.scripts.clone();
        let (offset, replid) = (self.nodes[primary].offset, self.nodes[primary].replid);
        let r = &mut self.nodes[replica];
        r.server.dbs = dbs;
        r.server.scripts = scripts;
        r.offset = offset;
        r.replid = replid;
        r.backlog.clear();
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Replicated,
            text: format!(
                "{} took a full copy of {} (offset {offset})",
                self.nodes[replica].name, self.nodes[primary].name
            ),
        });
    }

    /// Resynchronises a replica whose link came back: the missed commands from the backlog when
    /// it still has them, else a full copy.
    fn resync(&mut self, replica: usize, primary: usize, events: &mut Vec<Event>) {
        let (r_offset, r_replid) = (self.nodes[replica].offset, self.nodes[replica].replid);
        let p = &self.nodes[primary];
        let start_ok = p.backlog.front().map_or(p.offset == r_offset, |(end, argv)| end - resp_len(argv) <= r_offset);
        let same_history =
            r_replid == p.replid || p.replid2.is_some_and(|(id, upto)| id == r_replid && r_offset <= upto);
        if same_history && start_ok && r_offset <= p.offset {
            self.nodes[replica].replid = self.nodes[primary].replid;
            let p = &self.nodes[primary];
            let latency = self.link_between(primary, replica).map_or(0, |l| l.latency_ms);
            let missed: Vec<(u64, Rc<Argv>)> = p.backlog.iter().filter(|(end, _)| *end > r_offset).cloned().collect();
            let count = missed.len();
            let replid = p.replid;
            for (offset_end, argv) in missed {
                self.send(primary, replica, latency, replid, offset_end, argv);
            }
            events.push(Event {
                at_ms: self.now_ms,
                kind: EventKind::Replicated,
                text: format!(
                    "{} continues from offset {r_offset}: a partial resynchronisation ({count} command(s) from {}'s backlog)",
                    self.nodes[replica].name, self.nodes[primary].name
                ),
            });
        } else {
            self.full_sync(replica, primary, events);
        }
    }

    pub fn cut(&mut self, a: usize, b: usize) -> Vec<Event> {
        let now = self.now_ms;
        let mut changed = false;
        for l in
            self.links.iter_mut().filter(|l| (l.primary == a && l.replica == b) || (l.primary == b && l.replica == a))
        {
            changed |= l.up;
            l.up = false;
        }
        if !changed {
            return Vec::new();
        }
        vec![Event {
            at_ms: now,
            kind: EventKind::Fault,
            text: format!("the link between {} and {} is cut", self.nodes[a].name, self.nodes[b].name),
        }]
    }

    pub fn heal(&mut self, a: usize, b: usize) -> Vec<Event> {
        let mut events = Vec::new();
        let Some(i) =
            self.links.iter().position(|l| (l.primary == a && l.replica == b) || (l.primary == b && l.replica == a))
        else {
            return events;
        };
        if self.links[i].up {
            return events;
        }
        self.links[i].up = true;
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Fault,
            text: format!("the link between {} and {} is back", self.nodes[a].name, self.nodes[b].name),
        });
        let (p, r) = (self.links[i].primary, self.links[i].replica);
        if self.nodes[p].up && self.nodes[r].up {
            self.resync(r, p, &mut events);
        }
        events
    }

    /// Stops an actor for good (a consumer process that dies): its pending entries stay pending.
    pub fn kill_actor(&mut self, actor: usize) -> Vec<Event> {
        let a = &mut self.actors[actor];
        a.alive = false;
        let client = a.client;
        let name = a.name.clone();
        let node = self.clients[client].node;
        let id = self.clients[client].id;
        self.nodes[node].server.disconnect(id);
        vec![Event { at_ms: self.now_ms, kind: EventKind::Fault, text: format!("{name} crashed") }]
    }

    // Sentinel.

    fn sentinel_due(&mut self, events: &mut Vec<Event>) {
        let Some(s) = self.sentinel.clone() else { return };
        let now = self.now_ms;
        let primary_up = self.nodes[s.primary].up;
        let next = match s.state {
            Watch::Up if !primary_up => {
                events.push(Event {
                    at_ms: now,
                    kind: EventKind::Failover,
                    text: format!("sentinels: {} stopped answering", self.nodes[s.primary].name),
                });
                Watch::Silent { since_ms: now }
            }
            Watch::Silent { .. } if primary_up => Watch::Up,
            Watch::Silent { since_ms } if now >= since_ms + s.down_after_ms => {
                events.push(Event {
                    at_ms: now,
                    kind: EventKind::Failover,
                    text: format!(
                        "sentinels: {} is objectively down ({} of {} agree, quorum {}); sentinel-1 leads the failover",
                        self.nodes[s.primary].name, s.sentinels, s.sentinels, s.quorum
                    ),
                });
                Watch::FailingOver { promote_at_ms: now + s.failover_ms }
            }
            Watch::FailingOver { promote_at_ms } if now >= promote_at_ms => {
                let candidate = self
                    .links
                    .iter()
                    .filter(|l| l.primary == s.primary && self.nodes[l.replica].up)
                    .map(|l| l.replica)
                    .max_by_key(|&r| (self.nodes[r].offset, std::cmp::Reverse(r)));
                match candidate {
                    Some(r) => {
                        self.promote(r, events);
                        if let Some(s) = &mut self.sentinel {
                            s.primary = r;
                            s.failovers += 1;
                        }
                        Watch::Up
                    }
                    None => {
                        events.push(Event {
                            at_ms: now,
                            kind: EventKind::Failover,
                            text: "sentinels: no replica can be promoted; waiting".into(),
                        });
                        Watch::FailingOver { promote_at_ms: now + s.down_after_ms }
                    }
                }
            }
            other => other,
        };
        if let Some(s) = &mut self.sentinel {
            s.state = next;
        }
    }

    /// Makes `node` a primary; the other replicas of its old primary and the old primary itself
    /// follow it, and clients of the old primary reconnect to it.
    fn promote(&mut self, node: usize, events: &mut Vec<Event>) {
        let Role::Replica { of: old } = self.nodes[node].role else { return };
        let new_replid = self.new_replid();
        // What the old primary acknowledged and this replica never received is lost.
        let (offset, old_replid) = (self.nodes[node].offset, self.nodes[old].replid);
        let lost: Vec<Write> = self
            .writes
            .iter()
            .filter(|w| w.node == old && w.replid == old_replid && w.offset_end > offset)
            .cloned()
            .collect();
        self.writes.retain(|w| !(w.node == old && w.replid == old_replid && w.offset_end > offset));
        for w in self.writes.iter_mut().filter(|w| w.node == old && w.replid == old_replid) {
            w.node = node;
            w.replid = new_replid;
        }
        let n = &mut self.nodes[node];
        n.role = Role::Primary;
        n.replid2 = Some((n.replid, n.offset));
        n.replid = new_replid;
        let (new_name, old_name) = (self.nodes[node].name.clone(), self.nodes[old].name.clone());
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Failover,
            text: format!("{new_name} is promoted to primary (REPLICAOF NO ONE) at offset {offset}"),
        });
        self.name_lost(&lost, &old_name, &format!("{old_name} never sent them to {new_name}"), events);
        // Messages still on their way from the old primary will not be applied.
        self.in_flight.retain(|f| f.from != old);
        self.links.retain(|l| l.replica != node);
        let others: Vec<usize> = self.links.iter().filter(|l| l.primary == old).map(|l| l.replica).collect();
        for r in others {
            self.repoint(r, node, events);
        }
        self.repoint(old, node, events);
        for c in self.clients.iter_mut().filter(|c| c.node == old) {
            c.node = node;
            c.epoch = u64::MAX;
            c.waiting = None;
        }
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Failover,
            text: format!("clients of {old_name} now send their commands to {new_name}"),
        });
    }

    /// Makes `node` a replica of `primary` (`REPLICAOF host port`).
    fn repoint(&mut self, node: usize, primary: usize, events: &mut Vec<Event>) {
        let latency = self.nodes[node].latency_ms.max(self.nodes[primary].latency_ms).max(1);
        self.links.retain(|l| l.replica != node);
        self.links.push(Link { primary, replica: node, latency_ms: latency, up: true });
        self.nodes[primary].replicating = true;
        self.nodes[node].replicating = true;
        self.nodes[node].role = Role::Replica { of: primary };
        if let Some(l) = self.link_mut(node) {
            l.up = true;
        }
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Failover,
            text: format!("{} now replicates {}", self.nodes[node].name, self.nodes[primary].name),
        });
        if self.nodes[node].up && self.nodes[primary].up {
            self.resync(node, primary, events);
        }
    }

    // Actors.

    fn actors_due(&mut self, events: &mut Vec<Event>) {
        let now = self.now_ms;
        for i in 0..self.actors.len() {
            let a = &self.actors[i];
            if !a.alive || a.next_at_ms > now {
                continue;
            }
            if matches!(&a.kind, ActorKind::Consumer(c) if c.state == ConsumerState::Waiting) {
                continue;
            }
            if matches!(self.actors[i].kind, ActorKind::Producer { .. }) {
                self.produce(i, events);
            } else {
                self.consume(i, events);
            }
        }
    }

    fn produce(&mut self, i: usize, events: &mut Vec<Event>) {
        let ActorKind::Producer { stream, fields, every_ms, remaining, maxlen, batch, produced } =
            self.actors[i].kind.clone()
        else {
            return;
        };
        if remaining == Some(0) {
            self.actors[i].alive = false;
            return;
        }
        let sends = remaining.map_or(batch, |r| r.min(batch)).max(1);
        let client = self.actors[i].client;
        // A batch is one step with one line in the log, not one line per XADD.
        let mut sent = Vec::new();
        let mut first_last: Option<(Vec<u8>, Vec<u8>)> = None;
        let (mut done, mut failed) = (0, 0);
        // One command line, reused: only the values with `{i}` change from one XADD to the next.
        let mut argv = vec![b"XADD".to_vec(), stream];
        if let Some((approx, len)) = maxlen {
            argv.push(b"MAXLEN".to_vec());
            if approx {
                argv.push(b"~".to_vec());
            }
            argv.push(len.to_string().into_bytes());
        }
        argv.push(b"*".to_vec());
        let values_at = argv.len() + 1;
        for (f, v) in &fields {
            argv.push(f.clone());
            argv.push(v.clone());
        }
        let templated: Vec<usize> =
            (0..fields.len()).filter(|&j| fields[j].1.windows(3).any(|w| w == b"{i}")).collect();
        for k in 1..=sends {
            let n = produced + k;
            for &j in &templated {
                let value = &mut argv[values_at + 2 * j];
                value.clear();
                fill_template(value, &fields[j].1, n);
            }
            self.quiet = k > 1;
            let reply = self.run_for(client, &argv, &mut sent);
            self.quiet = false;
            match reply {
                Some(Reply::Bulk(id)) => {
                    done += 1;
                    match &mut first_last {
                        None => first_last = Some((id.clone(), id)),
                        Some((_, last)) => *last = id,
                    }
                }
                _ => failed += 1,
            }
        }
        if sends == 1 {
            events.append(&mut sent);
        } else {
            let mut commands = sent.iter().filter(|e| e.kind == EventKind::Command);
            if let Some(first) = commands.next() {
                let range = first_last.map_or(String::new(), |(a, b)| {
                    format!(", IDs {} … {}", String::from_utf8_lossy(&a), String::from_utf8_lossy(&b))
                });
                let text = format!("{} (and {} more XADDs in one batch{range})", first.text, sends - 1);
                events.push(Event { at_ms: first.at_ms, kind: EventKind::Command, text });
            }
            events.extend(sent.into_iter().filter(|e| e.kind != EventKind::Command));
        }
        let a = &mut self.actors[i];
        a.done += done;
        a.failed += failed;
        if let ActorKind::Producer { produced, remaining, .. } = &mut a.kind {
            *produced += sends;
            if let Some(r) = remaining {
                *r -= sends;
            }
        }
        a.next_at_ms = self.now_ms + every_ms.max(1);
    }

    fn consume(&mut self, i: usize, events: &mut Vec<Event>) {
        // The state moves out (the entries being processed are not copied); each arm sets the next.
        let ActorKind::Consumer(c) = &mut self.actors[i].kind else { return };
        let state = std::mem::replace(&mut c.state, ConsumerState::Idle);
        let c = c.clone();
        let client = self.actors[i].client;
        match state {
            ConsumerState::Processing(entries) => {
                // The XACK line is built as entries are processed, each ID moved into it.
                let mut argv = Vec::with_capacity(3 + entries.len());
                argv.extend([b"XACK".to_vec(), c.stream.clone(), c.group.clone()]);
                for entry in entries {
                    let poisoned =
                        c.poison.as_ref().is_some_and(|p| entry.body().windows(p.len()).any(|w| w == &p[..]));
                    let fails = poisoned || (c.fail_percent > 0 && splitmix(&mut self.rng) % 100 < c.fail_percent);
                    if fails {
                        self.actors[i].failed += 1;
                        if self.schedule_retry(i, &c, &entry.id, &entry.body(), events) {
                            argv.push(entry.id);
                        }
                    } else {
                        argv.push(entry.id);
                        self.actors[i].done += 1;
                    }
                }
                if c.ack && argv.len() > 3 {
                    self.run_for(client, &argv, events);
                }
                self.set_consumer_state(i, ConsumerState::Idle);
                self.actors[i].next_at_ms = self.now_ms;
            }
            ConsumerState::Idle => {
                self.requeue_due(i, &c, events);
                if let Some(min_idle) = c.claim_min_idle_ms {
                    let argv = vec![
                        b"XAUTOCLAIM".to_vec(),
                        c.stream.clone(),
                        c.group.clone(),
                        self.actors[i].name.clone().into_bytes(),
                        min_idle.to_string().into_bytes(),
                        b"0-0".to_vec(),
                        b"COUNT".to_vec(),
                        c.count.to_string().into_bytes(),
                    ];
                    let reply = self.run_for(client, &argv, events);
                    let claimed = match reply {
                        Some(Reply::Array(parts)) => match parts.into_iter().nth(1) {
                            Some(Reply::Array(entries)) => entries_of(entries),
                            _ => Vec::new(),
                        },
                        _ => Vec::new(),
                    };
                    let claimed = self.dead_letter(i, &c, claimed, events);
                    if !claimed.is_empty() {
                        self.start_processing(i, claimed);
                        return;
                    }
                }
                let mut argv = vec![
                    b"XREADGROUP".to_vec(),
                    b"GROUP".to_vec(),
                    c.group.clone(),
                    self.actors[i].name.clone().into_bytes(),
                    b"COUNT".to_vec(),
                    c.count.to_string().into_bytes(),
                    b"BLOCK".to_vec(),
                    c.block_ms.to_string().into_bytes(),
                ];
                if let Some(ms) = c.read_claim_ms {
                    argv.extend([b"CLAIM".to_vec(), ms.to_string().into_bytes()]);
                }
                argv.extend([b"STREAMS".to_vec(), c.stream.clone(), b">".to_vec()]);
                match self.run_for(client, &argv, events) {
                    None => self.set_consumer_state(i, ConsumerState::Waiting),
                    Some(reply) => self.actor_got(i, reply, events),
                }
            }
            ConsumerState::Waiting => self.set_consumer_state(i, ConsumerState::Waiting),
        }
    }

    /// Entries delivered more times than the dead-letter limit go to the dead-letter stream and
    /// are acknowledged; the rest are returned for processing.
    fn dead_letter(
        &mut self,
        i: usize,
        c: &Consumer,
        entries: Vec<Delivered>,
        events: &mut Vec<Event>,
    ) -> Vec<Delivered> {
        let Some((dlq, max)) = c.dead_letter.clone() else { return entries };
        let client = self.actors[i].client;
        let mut keep = Vec::new();
        for entry in entries {
            let id = &entry.id;
            let argv =
                vec![b"XPENDING".to_vec(), c.stream.clone(), c.group.clone(), id.clone(), id.clone(), b"1".to_vec()];
            let deliveries = match self.run_for(client, &argv, events) {
                Some(Reply::Array(rows)) => match rows.first() {
                    Some(Reply::Array(row)) => match row.get(3) {
                        Some(Reply::Integer(n)) => *n as u64,
                        _ => 0,
                    },
                    _ => 0,
                },
                _ => 0,
            };
            if deliveries > max {
                let argv = vec![
                    b"XADD".to_vec(),
                    dlq.clone(),
                    b"*".to_vec(),
                    b"id".to_vec(),
                    id.clone(),
                    b"body".to_vec(),
                    entry.body(),
                ];
                self.run_for(client, &argv, events);
                let argv = vec![b"XACK".to_vec(), c.stream.clone(), c.group.clone(), id.clone()];
                self.run_for(client, &argv, events);
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Actor,
                    text: format!(
                        "{}: {} was delivered {deliveries} times; moved to {}",
                        self.actors[i].name,
                        String::from_utf8_lossy(id),
                        String::from_utf8_lossy(&dlq)
                    ),
                });
            } else {
                keep.push(entry);
            }
        }
        keep
    }

    /// A failed entry goes to the retry set, due after the base delay doubled per attempt (or to
    /// the dead-letter stream once the attempts run out). True when it was handed over (so the
    /// entry itself can be acknowledged).
    fn schedule_retry(&mut self, i: usize, c: &Consumer, id: &[u8], body: &[u8], events: &mut Vec<Event>) -> bool {
        let Some((set, base)) = c.retry.clone() else { return false };
        let client = self.actors[i].client;
        // The attempt number travels in the entry as its first field pair: `attempt n ...`.
        let text = String::from_utf8_lossy(body).into_owned();
        let (attempt, rest) = match text.strip_prefix("attempt ").and_then(|t| t.split_once(' ')) {
            Some((n, rest)) => (n.parse::<u64>().unwrap_or(0), rest.to_string()),
            None => (0, text.clone()),
        };
        if let Some((dlq, max)) = &c.dead_letter {
            if attempt + 1 >= *max {
                let mut argv = vec![b"XADD".to_vec(), dlq.clone(), b"*".to_vec(), b"id".to_vec(), id.to_vec()];
                argv.extend([b"body".to_vec(), rest.into_bytes()]);
                self.run_for(client, &argv, events);
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Actor,
                    text: format!(
                        "{}: {} failed {} times; moved to {}",
                        self.actors[i].name,
                        String::from_utf8_lossy(id),
                        attempt + 1,
                        String::from_utf8_lossy(dlq)
                    ),
                });
                return true;
            }
        }
        let due = self.now_ms + base.saturating_mul(1 << attempt.min(20));
        let member = format!("{}|{}", attempt + 1, rest);
        let argv = vec![b"ZADD".to_vec(), set.clone(), due.to_string().into_bytes(), member.into_bytes()];
        self.run_for(client, &argv, events);
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Actor,
            text: format!(
                "{}: {} failed; retry #{} due in {} ms",
                self.actors[i].name,
                String::from_utf8_lossy(id),
                attempt + 1,
                due - self.now_ms
            ),
        });
        true
    }

    /// Puts the retries that are due back into the stream.
    fn requeue_due(&mut self, i: usize, c: &Consumer, events: &mut Vec<Event>) {
        let Some((set, _)) = c.retry.clone() else { return };
        let client = self.actors[i].client;
        let argv = vec![
            b"ZRANGEBYSCORE".to_vec(),
            set.clone(),
            b"-inf".to_vec(),
            self.now_ms.to_string().into_bytes(),
            b"LIMIT".to_vec(),
            b"0".to_vec(),
            c.count.to_string().into_bytes(),
        ];
        let Some(Reply::Array(due)) = self.run_for(client, &argv, events) else { return };
        for member in due.iter().filter_map(bulk_text) {
            let text = String::from_utf8_lossy(&member).into_owned();
            let Some((attempt, rest)) = text.split_once('|') else { continue };
            let mut argv = vec![
                b"XADD".to_vec(),
                c.stream.clone(),
                b"*".to_vec(),
                b"attempt".to_vec(),
                attempt.as_bytes().to_vec(),
            ];
            argv.extend(rest.split(' ').filter(|w| !w.is_empty()).map(|w| w.as_bytes().to_vec()));
            if argv.len() % 2 == 0 {
                // An odd number of words cannot be field/value pairs: keep the body as one value.
                argv.truncate(5);
                argv.extend([b"body".to_vec(), rest.as_bytes().to_vec()]);
            }
            self.run_for(client, &argv, events);
            self.run_for(client, &[b"ZREM".to_vec(), set.clone(), member.clone()], events);
        }
    }

    fn set_consumer_state(&mut self, i: usize, state: ConsumerState) {
        if let ActorKind::Consumer(c) = &mut self.actors[i].kind {
            c.state = state;
        }
    }

    fn start_processing(&mut self, i: usize, entries: Vec<Delivered>) {
        let ActorKind::Consumer(c) = &self.actors[i].kind else { return };
        let until = self.now_ms + c.process_ms * entries.len() as u64;
        self.set_consumer_state(i, ConsumerState::Processing(entries));
        self.actors[i].next_at_ms = until.max(self.now_ms + 1);
    }

    /// A reply reached an actor (at once, or when its blocked read was served or timed out).
    fn actor_got(&mut self, i: usize, reply: Reply, events: &mut Vec<Event>) {
        if !matches!(self.actors[i].kind, ActorKind::Consumer(_)) {
            return;
        }
        let error = reply.is_error();
        let entries = read_entries(reply);
        if self.actors[i].kind_waiting() && !entries.is_empty() {
            let ids: Vec<String> =
                entries.iter().take(5).map(|e| String::from_utf8_lossy(&e.id).into_owned()).collect();
            let more = if entries.len() > 5 { format!(" and {} more", entries.len() - 5) } else { String::new() };
            events.push(Event {
                at_ms: self.now_ms,
                kind: EventKind::Command,
                text: format!("{} was woken with {}{more}", self.actors[i].name, ids.join(", ")),
            });
        }
        if entries.is_empty() {
            self.set_consumer_state(i, ConsumerState::Idle);
            // An error (the group is gone, the node is down) is retried after a pause.
            self.actors[i].next_at_ms = self.now_ms + if error { 1000 } else { 0 };
        } else {
            self.start_processing(i, entries);
        }
    }

    // For the pictures.

    /// `XLEN` of a stream on a node (0 when missing).
    pub fn stream_len(&self, node: usize, key: &[u8]) -> u64 {
        match self.nodes[node].server.dbs[0].get(key) {
            Some(redsim_engine::value::Value::Stream(s)) => s.length,
            _ => 0,
        }
    }

    /// The primary now (Sentinel's view), if any node is one.
    pub fn primary(&self) -> Option<usize> {
        self.sentinel.as_ref().map(|s| s.primary).or_else(|| self.nodes.iter().position(|n| n.is_primary()))
    }
}

fn short_reply(r: &Reply) -> String {
    let mut out = String::new();
    short_reply_into(r, &mut out);
    out
}

/// [`short_reply`], appended to `out`.
fn short_reply_into(r: &Reply, out: &mut String) {
    use std::fmt::Write;
    let (first, lines) = redsim_engine::cli::reply_summary(r, redsim_engine::Protocol::Resp2);
    out.push_str(&first);
    if lines > 1 {
        let _ = write!(out, " … ({lines} lines)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::START_MS;

    #[test]
    fn templates_put_the_message_number_at_each_mark() {
        let fill = |template: &str, n: u64| {
            let mut out = b"old".to_vec();
            out.clear();
            fill_template(&mut out, template.as_bytes(), n);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(fill("job-{i}:{i}", 1207), "job-1207:1207");
        assert_eq!(fill("{i}", 0), "0");
        assert_eq!(fill("plain", 5), "plain");
        assert_eq!(fill("{i", u64::MAX), "{i");
    }

    fn argv(line: &str) -> Argv {
        redsim_engine::cli::split_args(line.as_bytes()).expect("a valid line")
    }

    fn producer(stream: &str, every_ms: u64, count: Option<u64>) -> ActorKind {
        ActorKind::Producer {
            stream: stream.as_bytes().to_vec(),
            fields: vec![(b"n".to_vec(), b"{i}".to_vec())],
            every_ms,
            remaining: count,
            maxlen: None,
            batch: 1,
            produced: 0,
        }
    }

    fn ids_in(c: &Cluster, node: usize, key: &str) -> Vec<String> {
        let client_node = node;
        let mut c = c.clone();
        let client = c.add_client("check", client_node);
        match c.command(client, &argv(&format!("XRANGE {key} - +"))).0 {
            Some(Reply::Array(entries)) => {
                entries_of(entries).into_iter().map(|e| String::from_utf8(e.id).unwrap()).collect()
            }
            other => panic!("XRANGE answered {other:?}"),
        }
    }

    /// A primary, two replicas 40 ms away, Sentinel watching, a producer writing every 10 ms.
    fn replicated() -> Cluster {
        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        c.add_replica("replica-1", p, 40);
        c.add_replica("replica-2", p, 40);
        c.set_sentinel(p, 1000, 2, 3);
        c.add_actor("producer", p, producer("orders", 10, None));
        c
    }

    #[test]
    fn replicas_follow_their_primary() {
        let mut c = replicated();
        c.advance_to(START_MS + 1000);
        let primary_ids = ids_in(&c, 0, "orders");
        assert_eq!(primary_ids.len(), 101);
        // 40 ms behind: the last four writes are still on their way.
        assert_eq!(ids_in(&c, 1, "orders"), primary_ids[..97].to_vec());
        assert!(c.nodes[1].offset < c.nodes[0].offset);
        c.actors[0].alive = false;
        c.advance_to(START_MS + 2000);
        assert_eq!(ids_in(&c, 1, "orders"), ids_in(&c, 0, "orders"));
        assert_eq!(c.nodes[1].offset, c.nodes[0].offset);
    }

    #[test]
    fn a_failover_loses_exactly_the_writes_the_replica_never_received() {
        let mut c = replicated();
        c.advance_to(START_MS + 500);
        let acknowledged = ids_in(&c, 0, "orders");
        c.crash(0);
        let events = c.advance_to(START_MS + 5000);
        assert!(events.iter().any(|e| e.kind == EventKind::Failover && e.text.contains("promoted")), "{events:#?}");
        // The other replica shares the promoted one's history: it continues, it does not copy.
        assert!(
            events
                .iter()
                .any(|e| e.text.contains("continues from offset") && e.text.contains("partial resynchronisation")),
            "{events:#?}"
        );
        let new_primary = c.primary().unwrap();
        let other = 3 - new_primary;
        c.actors[0].alive = false;
        let mut settled = c.clone();
        settled.advance_to(START_MS + 5500);
        assert_eq!(ids_in(&settled, other, "orders"), ids_in(&settled, new_primary, "orders"));
        assert_ne!(new_primary, 0);
        let kept = ids_in(&c, new_primary, "orders");
        let lost: Vec<String> = c.lost.iter().map(|l| l.label.clone()).collect();
        assert!(!lost.is_empty());
        // Every acknowledged write is either on the new primary or named as lost, never both.
        for id in &acknowledged {
            assert!(kept.contains(id) != lost.contains(id), "{id}");
        }
        // The producer goes on writing to the new primary.
        assert!(kept.len() > acknowledged.len() - lost.len());
        // The old primary comes back as a replica and drops what nobody else had.
        c.restart(0);
        c.advance_to(START_MS + 6000);
        assert_eq!(c.nodes[0].role, Role::Replica { of: new_primary });
        let old = ids_in(&c, 0, "orders");
        assert!(lost.iter().all(|id| !old.contains(id)));
    }

    #[test]
    fn info_replication_describes_each_side() {
        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        c.add_replica("replica-1", p, 40);
        let a = c.add_client("a", p);
        let b = c.add_client("b", 1);
        c.command(a, &argv("SET k v"));
        let Some(Reply::Verbatim(_, text)) = c.command(a, &argv("INFO replication")).0 else { panic!() };
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains(
                "role:master\r\nconnected_slaves:1\r\nslave0:ip=replica-1,port=6379,state=online,offset=0,lag=0"
            ),
            "{text}"
        );
        c.advance_to(START_MS + 100);
        let Some(Reply::Verbatim(_, text)) = c.command(b, &argv("INFO replication")).0 else { panic!() };
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("role:slave\r\nmaster_host:primary") && text.contains("master_link_status:up"), "{text}");
        assert!(text.contains(&format!("slave_repl_offset:{}", c.nodes[0].offset)), "{text}");
    }

    #[test]
    fn wait_is_answered_when_replicas_have_the_write() {
        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        c.add_replica("replica-1", p, 40);
        let app = c.add_client("app", p);
        c.command(app, &argv("SET k v"));
        assert_eq!(c.command(app, &argv("WAIT 1 0")).0, None);
        let events = c.advance_to(START_MS + 100);
        assert!(events.iter().any(|e| e.text.contains("WAIT answered (integer) 1")), "{events:#?}");
        assert_eq!(c.command(app, &argv("WAIT 1 0")).0, Some(Reply::Integer(1)));
        assert_eq!(c.command(app, &argv("WAIT 2 100")).0, None);
        let events = c.advance_to(START_MS + 300);
        assert!(events.iter().any(|e| e.text.contains("WAIT answered (integer) 1")));
        let r = c.add_client("reader", 1);
        assert_eq!(c.command(r, &argv("GET k")).0, Some(Reply::bulk("v")));
        assert!(matches!(c.command(r, &argv("SET k w")).0, Some(Reply::Error(e)) if e.starts_with("READONLY")));
    }

    fn with_aof(policy: Fsync) -> Cluster {
        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        c.nodes[p].persistence.aof = Some(policy);
        c.add_actor("producer", p, producer("events", 10, None));
        c
    }

    #[test]
    fn a_restart_under_everysec_loses_at_most_the_last_second() {
        let mut c = with_aof(Fsync::EverySec);
        c.advance_to(START_MS + 2500);
        let before = ids_in(&c, 0, "events");
        c.crash(0);
        c.actors[0].alive = false;
        c.restart(0);
        let after = ids_in(&c, 0, "events");
        assert!(after.len() < before.len());
        assert_eq!(after, before[..after.len()].to_vec());
        let crash_at = START_MS + 2500;
        for lost in &c.lost {
            assert!(lost.at_ms + 1000 >= crash_at, "{lost:?} is older than a second");
        }
        assert_eq!(c.lost.len(), before.len() - after.len());
    }

    #[test]
    fn a_restart_under_always_loses_nothing_and_without_persistence_everything() {
        let mut c = with_aof(Fsync::Always);
        c.advance_to(START_MS + 2500);
        let before = ids_in(&c, 0, "events");
        c.crash(0);
        c.restart(0);
        assert_eq!(ids_in(&c, 0, "events"), before);
        assert!(c.lost.is_empty());

        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        c.add_actor("producer", p, producer("events", 10, Some(5)));
        c.advance_to(START_MS + 100);
        c.crash(0);
        c.restart(0);
        assert_eq!(c.lost.len(), 5);
    }

    #[test]
    fn idempotent_producer_records_survive_a_restart_from_the_aof_from_8_8() {
        // Redis 8.8 writes XIDMPRECORD after an XADD with IDMP, so the reloaded node still
        // answers the producer's retry with the entry it added; 8.6 forgets the record.
        for (version, entries_after_retry) in [(Version::V8_8, 1), (Version::V8_6, 2)] {
            let mut c = Cluster::new(version, START_MS, 1);
            let p = c.add_primary("primary");
            c.nodes[p].persistence.aof = Some(Fsync::Always);
            let app = c.add_client("app", p);
            let Some(Reply::Bulk(first)) = c.command(app, &argv("XADD s IDMP producer-1 order-7 * item book")).0 else {
                panic!("XADD answers an ID")
            };
            c.crash(p);
            c.restart(p);
            let app = c.add_client("app-again", p);
            let Some(Reply::Bulk(again)) = c.command(app, &argv("XADD s IDMP producer-1 order-7 * item book")).0 else {
                panic!("XADD answers an ID")
            };
            assert_eq!(first == again, entries_after_retry == 1, "{version}");
            assert_eq!(c.command(app, &argv("XLEN s")).0, Some(Reply::Integer(entries_after_retry)), "{version}");
        }
    }

    #[test]
    fn xautoclaim_after_a_crash_recovers_every_pending_entry() {
        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        let admin = c.add_client("admin", p);
        c.command(admin, &argv("XGROUP CREATE jobs workers $ MKSTREAM"));
        c.add_actor("producer", p, producer("jobs", 20, Some(30)));
        let mut slow = Consumer::new(b"jobs", b"workers");
        slow.process_ms = 100;
        slow.count = 5;
        let worker = c.add_actor("worker-1", p, ActorKind::Consumer(slow));
        c.advance_to(START_MS + 300);
        c.kill_actor(worker);
        let pending = match c.command(admin, &argv("XPENDING jobs workers")).0 {
            Some(Reply::Array(summary)) => summary[0].clone(),
            other => panic!("{other:?}"),
        };
        assert!(matches!(pending, Reply::Integer(n) if n > 0), "{pending:?}");
        let mut rescuer = Consumer::new(b"jobs", b"workers");
        rescuer.claim_min_idle_ms = Some(1000);
        c.add_actor("worker-2", p, ActorKind::Consumer(rescuer));
        c.advance_to(START_MS + 5000);
        assert_eq!(
            c.command(admin, &argv("XPENDING jobs workers")).0.unwrap(),
            Reply::Array(vec![Reply::Integer(0), Reply::Nil, Reply::Nil, Reply::NilArray])
        );
        let done: u64 = c.actors.iter().filter(|a| a.name.starts_with("worker")).map(|a| a.done).sum();
        assert_eq!(done, 30);
    }

    #[test]
    fn poison_messages_go_to_the_dead_letter_stream() {
        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        let admin = c.add_client("admin", p);
        c.command(admin, &argv("XGROUP CREATE jobs workers $ MKSTREAM"));
        c.command(admin, &argv("XADD jobs * task ok-1"));
        c.command(admin, &argv("XADD jobs * task poison"));
        c.command(admin, &argv("XADD jobs * task ok-2"));
        let mut w = Consumer::new(b"jobs", b"workers");
        w.poison = Some(b"poison".to_vec());
        w.claim_min_idle_ms = Some(500);
        w.dead_letter = Some((b"jobs:dead".to_vec(), 3));
        w.block_ms = 200;
        c.add_actor("worker", p, ActorKind::Consumer(w));
        c.advance_to(START_MS + 10_000);
        assert_eq!(c.command(admin, &argv("XLEN jobs:dead")).0, Some(Reply::Integer(1)));
        assert_eq!(c.actors[0].done, 2);
        assert!(c.actors[0].failed >= 3);
    }

    #[test]
    fn failed_entries_come_back_after_a_growing_backoff() {
        let mut c = Cluster::new(Version::V7_0, START_MS, 1);
        let p = c.add_primary("primary");
        let admin = c.add_client("admin", p);
        c.command(admin, &argv("XGROUP CREATE jobs workers $ MKSTREAM"));
        c.command(admin, &argv("XADD jobs * task flaky"));
        let mut w = Consumer::new(b"jobs", b"workers");
        w.poison = Some(b"flaky".to_vec());
        w.retry = Some((b"jobs:retry".to_vec(), 100));
        w.dead_letter = Some((b"jobs:dead".to_vec(), 4));
        w.block_ms = 50;
        c.add_actor("worker", p, ActorKind::Consumer(w));
        let events = c.advance_to(START_MS + 3000);
        let retries: Vec<&str> = events.iter().filter(|e| e.text.contains("due in")).map(|e| e.text.as_str()).collect();
        assert_eq!(retries.len(), 3, "{retries:#?}");
        assert!(
            retries[0].ends_with("retry #1 due in 100 ms") && retries[2].ends_with("retry #3 due in 400 ms"),
            "{retries:#?}"
        );
        assert_eq!(c.command(admin, &argv("XLEN jobs:dead")).0, Some(Reply::Integer(1)));
        assert_eq!(c.command(admin, &argv("ZCARD jobs:retry")).0, Some(Reply::Integer(0)));
        assert_eq!(
            c.command(admin, &argv("XPENDING jobs workers")).0.unwrap(),
            Reply::Array(vec![Reply::Integer(0), Reply::Nil, Reply::Nil, Reply::NilArray])
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_run() {
        let run = |seed| {
            let mut c = Cluster::new(Version::V7_0, START_MS, seed);
            let p = c.add_primary("primary");
            c.add_replica("replica-1", p, 25);
            let admin = c.add_client("admin", p);
            c.command(admin, &argv("XGROUP CREATE s g $ MKSTREAM"));
            c.add_actor("producer", p, producer("s", 7, None));
            let mut w = Consumer::new(b"s", b"g");
            w.fail_percent = 30;
            w.claim_min_idle_ms = Some(300);
            c.add_actor("worker", p, ActorKind::Consumer(w));
            let mut events = c.advance_to(START_MS + 2000);
            events.extend(c.crash(0));
            events.extend(c.advance_to(START_MS + 3000));
            events
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
