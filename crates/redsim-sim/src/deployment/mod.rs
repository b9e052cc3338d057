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

use redsim_engine::server::resp_len;
use redsim_engine::server::{MasterLink, ReplicaLink};
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
    Replica { of: NodeId },
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
    /// The engine clients that stand for this node's connected replicas, `(replica, client)`:
    /// what its `ROLE`, `INFO replication` and `WAIT` count.
    replica_clients: Vec<(NodeId, ClientId)>,
    /// The replication ID last written into the engine.
    engine_replid: u64,
    /// A primary this node was told to replicate (`REPLICAOF`) that is not in the world: it
    /// refuses writes and its link never comes up.
    pub unreachable_master: Option<(Vec<u8>, u16)>,
    /// How far the node is from the others (its replication link's latency).
    pub latency_ms: u64,
}

impl Node {
    fn new(name: &str, version: Version, now_ms: u64, replid: u64) -> Node {
        let mut server = Server::new(version);
        // The world reads replies and the replication stream, not the effects for the pictures.
        server.set_observe(false);
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
            replica_clients: Vec::new(),
            engine_replid: 0,
            unreachable_master: None,
            latency_ms: 0,
        }
    }

    pub fn is_primary(&self) -> bool {
        self.role == Role::Primary && self.unreachable_master.is_none()
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
        // `REPLCONF GETACK` is for replicas only; the AOF never holds it.
        if argv.first().is_some_and(|name| name.eq_ignore_ascii_case(b"REPLCONF")) {
            return;
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
    pub primary: NodeId,
    pub replica: NodeId,
    pub latency_ms: u64,
    pub up: bool,
}

/// A cluster bus message on its way to a node.
#[derive(Clone, Debug)]
struct BusInFlight {
    at_ms: u64,
    seq: u64,
    to: NodeId,
    message: redsim_engine::server::cluster_bus::BusMessage,
}

#[derive(Clone, Debug)]
struct InFlight {
    at_ms: u64,
    seq: u64,
    from: NodeId,
    to: NodeId,
    replid: u64,
    offset_end: u64,
    argv: Rc<Argv>,
}

/// A replication message on its way, as the pictures show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Its place in the order messages were sent: the same message keeps it from step to step.
    pub seq: u64,
    pub from: NodeId,
    pub to: NodeId,
    /// How far along its link it is, from 0 (just sent) to 1 (arriving).
    pub progress: f64,
    /// The command it carries, in a few words (`XADD orders`).
    pub label: String,
}

/// Sentinel-style monitoring of one primary.
#[derive(Clone, Debug)]
pub struct Sentinel {
    pub down_after_ms: u64,
    pub quorum: usize,
    pub sentinels: usize,
    /// From objective down to the promotion (election and `REPLICAOF NO ONE`).
    pub failover_ms: u64,
    pub primary: NodeId,
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

/// What the sentinels think of the primary they watch, for the pictures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentinelPhase {
    /// It answers.
    Up,
    /// It has not answered for a while: each sentinel thinks it may be down (subjectively).
    Silent,
    /// The sentinels agree it is down (objectively) and one of them leads the failover.
    Voting,
}

impl Sentinel {
    pub fn phase(&self) -> SentinelPhase {
        match self.state {
            Watch::Up => SentinelPhase::Up,
            Watch::Silent { .. } => SentinelPhase::Silent,
            Watch::FailingOver { .. } => SentinelPhase::Voting,
        }
    }
}

/// A client of the world: a named connection to one node, moved by Sentinel after a failover.
#[derive(Clone, Debug)]
pub struct SimClient {
    pub name: Rc<str>,
    pub node: NodeId,
    id: ClientId,
    epoch: u64,
    /// A cluster-aware client's slot map: the node it sends each slot's keys to (by
    /// [`NodeId::index`], kept small: `u16::MAX` for none).
    pub slot_map: Option<Vec<u16>>,
}

impl SimClient {
    /// The node a cluster-aware client sends this slot's keys to, if its map names one.
    pub fn slot_owner(&self, slot: u16) -> Option<NodeId> {
        let owner = *self.slot_map.as_ref()?.get(usize::from(slot))?;
        (owner != u16::MAX).then(|| NodeId::new(usize::from(owner)))
    }
}

/// A command of a cluster's client with a key, as the slot map shows it: the key's slot and each
/// node it went to, with the answer it got there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRequest {
    pub client: Rc<str>,
    pub slot: u16,
    pub hops: Vec<(NodeId, Hop)>,
}

/// What a node answered a request of a cluster's client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    Served,
    /// `MOVED` or `ASK` (`true`), to the node of that name.
    Redirected {
        ask: bool,
        to: String,
    },
    /// `CROSSSLOT`, `CLUSTERDOWN`, `TRYAGAIN` or a node that cannot be reached.
    Refused(String),
}

impl Hop {
    fn of(reply: Option<&Reply>) -> Hop {
        let Some(Reply::Error(e)) = reply else { return Hop::Served };
        let mut words = e.split(' ');
        match (words.next(), words.nth(1)) {
            (Some(kind @ ("MOVED" | "ASK")), Some(at)) => {
                let to = at.rsplit_once(':').map_or(at, |(host, _)| host).to_string();
                Hop::Redirected { ask: kind == "ASK", to }
            }
            (Some(kind @ ("CROSSSLOT" | "CLUSTERDOWN" | "TRYAGAIN")), _) => Hop::Refused(kind.to_string()),
            (Some("Could"), _) => Hop::Refused("unreachable".to_string()),
            _ => Hop::Served,
        }
    }
}

/// A write a primary acknowledged to a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub node: NodeId,
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
    pub client: SimClientId,
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
    /// Moves a slot between cluster nodes, a key at a time.
    Reshard {
        slot: u16,
        from: NodeId,
        to: NodeId,
        every_ms: u64,
        step: cluster::ReshardStep,
    },
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
pub struct Deployment {
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
    /// The nodes that form a Redis Cluster, if any (primaries and their replicas).
    pub cluster: Vec<NodeId>,
    /// How long a cluster primary may be silent before it is failed (`cluster-node-timeout`).
    pub node_timeout_ms: u64,
    /// Cluster bus messages on their way.
    bus: Vec<BusInFlight>,
    /// The last request of a cluster's client with a key, for the slot map.
    pub last_request: Option<SlotRequest>,
    /// The nodes the request running now went to.
    hops: Vec<(NodeId, Hop)>,
    /// Nodes the cluster has failed, as told in the log (once each, until they are back).
    cluster_failed: Vec<NodeId>,
}

/// One node to read and another to change, at once (`a` and `b` differ).
fn pair_mut(nodes: &mut [Node], a: NodeId, b: NodeId) -> (&Node, &mut Node) {
    assert_ne!(a, b, "two different nodes");
    if a.index() < b.index() {
        let (left, right) = nodes.split_at_mut(b.index());
        (&left[a.index()], &mut right[0])
    } else {
        let (left, right) = nodes.split_at_mut(a.index());
        (&right[0], &mut left[b.index()])
    }
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

mod actors;
mod cluster;
mod ids;

use ids::ids;
pub use ids::{ActorId, NodeId, SimClientId};
mod faults;
mod persistence;
mod replication;
mod sentinel;

impl Deployment {
    /// A world with one primary, emulating `version`, starting at `now_ms`, drawing from `seed`.
    pub fn new(version: Version, now_ms: u64, seed: u64) -> Deployment {
        Deployment {
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
            cluster: Vec::new(),
            node_timeout_ms: 15_000,
            bus: Vec::new(),
            last_request: None,
            hops: Vec::new(),
            cluster_failed: Vec::new(),
        }
    }
    fn new_replid(&mut self) -> u64 {
        self.next_replid += 1;
        self.next_replid
    }
    pub fn node_index(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name).map(NodeId::new)
    }
    pub fn client_index(&self, name: &str) -> Option<SimClientId> {
        self.clients.iter().position(|c| &*c.name == name).map(SimClientId::new)
    }
    pub fn actor_index(&self, name: &str) -> Option<ActorId> {
        self.actors.iter().position(|a| a.name == name).map(ActorId::new)
    }
    /// Every node's handle, in order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        ids(&self.nodes, NodeId::new)
    }
    /// Adds a primary.
    pub fn add_primary(&mut self, name: &str) -> NodeId {
        let replid = self.new_replid();
        self.nodes.push(Node::new(name, self.version, self.now_ms, replid));
        NodeId::new(self.nodes.len() - 1)
    }
    /// Adds a replica of `primary`, in sync with it, over a link with `latency_ms`.
    pub fn add_replica(&mut self, name: &str, primary: NodeId, latency_ms: u64) -> NodeId {
        let mut node = Node::new(name, self.version, self.now_ms, self.nodes[primary].replid);
        node.role = Role::Replica { of: primary };
        node.server.load_dataset(&self.nodes[primary].server);
        node.offset = self.nodes[primary].offset;
        node.latency_ms = latency_ms;
        self.nodes.push(node);
        let replica = NodeId::new(self.nodes.len() - 1);
        self.links.push(Link { primary, replica, latency_ms, up: true });
        self.nodes[primary].replicating = true;
        self.nodes[replica].replicating = true;
        replica
    }
    pub fn add_client(&mut self, name: &str, node: NodeId) -> SimClientId {
        let id = self.nodes[node].server.connect(self.now_ms);
        self.clients.push(SimClient { name: name.into(), node, id, epoch: self.nodes[node].epoch, slot_map: None });
        SimClientId::new(self.clients.len() - 1)
    }
    pub fn add_actor(&mut self, name: &str, node: NodeId, kind: ActorKind) -> ActorId {
        let client = self.add_client(name, node);
        // A producer or consumer of a cluster uses a cluster client library.
        if self.cluster.contains(&node) {
            self.make_cluster_aware(client);
        }
        self.actors.push(Actor {
            name: name.to_string(),
            client,
            kind,
            next_at_ms: self.now_ms,
            alive: true,
            done: 0,
            failed: 0,
        });
        ActorId::new(self.actors.len() - 1)
    }
    pub fn set_sentinel(&mut self, primary: NodeId, down_after_ms: u64, quorum: usize, sentinels: usize) {
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
    fn link_mut(&mut self, replica: NodeId) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.replica == replica)
    }
    pub fn link_between(&self, a: NodeId, b: NodeId) -> Option<&Link> {
        self.links.iter().find(|l| (l.primary == a && l.replica == b) || (l.primary == b && l.replica == a))
    }
    /// Runs a command line from client `client` now, with what a real client would see.
    pub fn command(&mut self, client: SimClientId, argv: &[Vec<u8>]) -> (Option<Reply>, Vec<Event>) {
        let mut events = Vec::new();
        let reply = self.run_for(client, argv, &mut events);
        (reply, events)
    }
    /// Connects the client to its node's current engine if the node restarted.
    fn ensure_connected(&mut self, client: SimClientId) {
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
    /// Runs a command on the client's node as it is connected now.
    fn run_on_node(&mut self, client: SimClientId, argv: &[Vec<u8>], events: &mut Vec<Event>) -> Option<Reply> {
        if argv.is_empty() {
            return None;
        }
        let node_i = self.clients[client].node;
        let cname = self.clients[client].name.clone();
        let node = &self.nodes[node_i];
        if !node.up {
            let refused = Reply::Error(format!("Could not connect to Redis at {}:6379: Connection refused", node.name));
            if node.server.cluster().is_some() {
                self.hops.push((node_i, Hop::Refused("unreachable".into())));
            }
            return Some(refused);
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
        // The engine answers ROLE, INFO, WAIT and READONLY from what it knows of the world.
        self.sync_roles(events);
        let id = self.clients[client].id;
        let node = &mut self.nodes[node_i];
        // Only replicas and the disk read the replication stream; a lone node skips building it.
        let streaming = node.replicating || node.persistence.aof.is_some() || node.persistence.save_every_ms.is_some();
        node.server.set_propagate(streaming);
        let changes = node.server.stats().changes;
        let mut outcome = node.server.execute(self.now_ms, id, argv);
        self.work += 1;
        // MIGRATE: the target's part happens now, and the source's reply with it.
        if let Some(migrate) = outcome.migrate.take() {
            let propagated = std::mem::take(&mut outcome.propagate);
            self.propagate(node_i, propagated);
            outcome.reply = self.carry_migrate(node_i, id, &migrate, events);
        }
        let node = &mut self.nodes[node_i];
        let before = node.offset;
        let changed = node.server.stats().changes > changes;
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
        let server = &self.nodes[node_i].server;
        if server.cluster().is_some() && !server.keys_of(argv).is_empty() {
            self.hops.push((node_i, Hop::of(outcome.reply.as_ref())));
        }
        self.route_woken(node_i, outcome.woken, events);
        // What the engine asked of the world: a snapshot, a rewrite, a new primary.
        if outcome.saved.is_some() {
            self.save_rdb(node_i, events);
        }
        if outcome.rewrite_aof {
            self.rewrite_aof(node_i, events);
        }
        if let Some(change) = outcome.replicaof.take() {
            self.replicaof(node_i, change, events);
        }
        if self.cluster.contains(&node_i) {
            self.announce_changes(node_i);
        }
        outcome.reply
    }
    /// The log line of a command: who sent it where, and what came back (`pending` if nothing yet).
    fn command_event(
        &self,
        client: &str,
        node: NodeId,
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
        // In a cluster, the slot of the command's key: what decides where it is served.
        if self.nodes[node].server.cluster().is_some() {
            let mut slots: Vec<u16> =
                self.nodes[node].server.keys_of(argv).iter().map(|k| redsim_engine::cluster::key_slot(k)).collect();
            slots.dedup();
            slots.sort_unstable();
            slots.dedup();
            let shown: Vec<String> = slots.iter().map(u16::to_string).collect();
            match shown.len() {
                0 => {}
                1 => text.push_str(&format!(" [slot {}]", shown[0])),
                _ => text.push_str(&format!(" [slots {}]", shown.join(", "))),
            }
        }
        text.push_str(" → ");
        match reply {
            Some(reply) => short_reply_into(reply, &mut text),
            None => text.push_str(pending),
        }
        Event { at_ms: self.now_ms, kind: EventKind::Command, text }
    }
    fn record_write(&mut self, node: NodeId, offset_end: u64, label: WriteLabel, client: Rc<str>) {
        let replid = self.nodes[node].replid;
        self.writes.push_back(Write { node, replid, offset_end, label, client, at_ms: self.now_ms });
        if self.writes.len() > WRITES_KEPT {
            self.writes.pop_front();
        }
    }
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
            // A FAILOVER looks at its replicas every 100 ms (Redis's replication cron).
            if n.server.failover_waiting() {
                due.push(self.now_ms + 100);
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
        if let Some(d) = self.cluster_next_due() {
            due.push(d);
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
            self.tick_all(&mut events);
        }
        events
    }
    /// Lets every node that is up see the time: timeouts, the expire cycle (whose `DEL`s go to
    /// replicas and the AOF), a `FAILOVER` that can go on.
    fn tick_all(&mut self, events: &mut Vec<Event>) {
        for i in ids(&self.nodes, NodeId::new) {
            if self.nodes[i].up {
                let node = &mut self.nodes[i];
                let streaming =
                    node.replicating || node.persistence.aof.is_some() || node.persistence.save_every_ms.is_some();
                node.server.set_propagate(streaming);
                let mut outcome = node.server.tick(self.now_ms);
                // What the expire cycle deleted goes to the replicas and the AOF as `DEL`s.
                if streaming {
                    self.propagate(i, std::mem::take(&mut outcome.propagate));
                }
                self.route_woken(i, outcome.woken, events);
                // FAILOVER: the replica has caught up and this node hands it the role.
                if let Some(change) = outcome.replicaof.take() {
                    self.replicaof(i, change, events);
                }
            }
        }
    }
    /// Does the earliest due thing (everything due at that same moment that is of one kind).
    pub fn step(&mut self) -> Option<Vec<Event>> {
        let t = self.next_due()?;
        Some(self.step_at(t))
    }
    fn step_at(&mut self, t: u64) -> Vec<Event> {
        let mut events = Vec::new();
        self.now_ms = self.now_ms.max(t);
        self.sync_roles(&mut events);
        self.tick_all(&mut events);
        self.deliver_due(&mut events);
        // Replicas acknowledge what they applied.
        self.sync_roles(&mut events);
        self.persist_due(&mut events);
        self.sentinel_due(&mut events);
        self.cluster_due(&mut events);
        self.actors_due(&mut events);
        events
    }
    /// The replication messages on their way now, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        let mut out: Vec<(u64, Message)> = self
            .in_flight
            .iter()
            .map(|f| {
                let latency = self.link_between(f.from, f.to).map_or(1, |l| l.latency_ms.max(1));
                let left = f.at_ms.saturating_sub(self.now_ms).min(latency);
                let progress = 1.0 - left as f64 / latency as f64;
                let words: Vec<String> =
                    f.argv.iter().take(2).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
                (f.seq, Message { seq: f.seq, from: f.from, to: f.to, progress, label: words.join(" ") })
            })
            .collect();
        out.sort_by_key(|(seq, _)| *seq);
        out.into_iter().map(|(_, m)| m).collect()
    }
    /// `XLEN` of a stream on a node (0 when missing).
    pub fn stream_len(&self, node: NodeId, key: &[u8]) -> u64 {
        match self.nodes[node].server.dbs()[0].get(key) {
            Some(redsim_engine::value::Value::Stream(s)) => s.length,
            _ => 0,
        }
    }
    /// The primary now (Sentinel's view), if any node is one.
    pub fn primary(&self) -> Option<NodeId> {
        self.sentinel
            .as_ref()
            .map(|s| s.primary)
            .or_else(|| self.nodes.iter().position(|n| n.is_primary()).map(NodeId::new))
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
mod tests;
