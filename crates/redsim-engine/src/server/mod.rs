//! The server: databases, clients and the one path every command takes.
//!
//! `Server::execute(now_ms, client, argv)` is the whole interface. It does what Redis's
//! `processCommand` does in the same order (look up, check arity, queue inside `MULTI`, run) and
//! returns the reply together with the effects and the commands a primary would propagate.

use std::collections::BTreeMap;

use crate::args::Args;
use crate::command::{self, CommandSpec, Flag};
use crate::db::Db;
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::{Protocol, Reply};
use crate::stream::NodeLimits;
use crate::value::Value;
use crate::version::Version;

mod access;
mod blocking;
mod busy;
mod client;
mod clients;
pub mod cluster_bus;
mod cluster_route;
mod ctx;
mod eviction;
mod expiry;
mod failover;
pub mod ldb;
mod slowlog;
pub mod stats;
pub mod tracking;

pub use access::AclLogEntry;
pub use blocking::Blocked;
pub use busy::ServerHost;
pub(crate) use busy::BUSY_EVAL;
use client::Transaction;
pub use client::{Client, ReplicaLink, ReplyMode};
pub use clients::IdHash;
pub use ctx::Ctx;
pub use slowlog::SlowlogEntry;

/// Redis's `CLIENT ID`: unique, increasing, never reused.
pub type ClientId = u64;

/// One command line as the server receives it.
pub type Argv = Vec<Vec<u8>>;

pub const DB_COUNT: usize = 16;

/// What running one command produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Messages to the calling client written before its reply (the invalidation of a key
    /// evicted to make room for the command).
    pub preface: Vec<Reply>,
    /// The reply to the calling client; `None` when it gets none now (an empty request).
    pub reply: Option<Reply>,
    pub effects: Vec<Effect>,
    /// What a primary would send to its replicas and its AOF, in order.
    pub propagate: Vec<Argv>,
    /// The client asked to close its connection (`QUIT`) once the reply is written.
    pub close: bool,
    /// `SHUTDOWN` succeeded: the host writes `saved` if there is one, then stops.
    pub shutdown: bool,
    /// An RDB file `SAVE`/`BGSAVE` made, for the host to write where `dir` and `dbfilename` say.
    pub saved: Option<Vec<u8>>,
    /// `BGREWRITEAOF`: the host rewrites the append-only file it keeps.
    pub rewrite_aof: bool,
    /// `CLUSTER MEET ip port`: the host introduces this node to the one there.
    pub cluster_meet: Option<(String, u16)>,
    /// `MIGRATE`: what to send where. The client has no reply yet: the host sends the commands,
    /// then hands the target's replies to [`Server::migrate_done`], which answers it.
    pub migrate: Option<Migrate>,
    /// `REPLICAOF` changed what this server replicates: `Some(host, port)` is the primary to
    /// connect to (the host opens the link and reports it with [`MasterLink::client`]), `None`
    /// that it is a primary now.
    pub replicaof: Option<Option<(Vec<u8>, u16)>>,
    /// Replies for other clients that this command woke (blocked reads served by a write).
    pub woken: Vec<(ClientId, Reply)>,
    /// Other clients whose connections this command closed (`CLIENT KILL`).
    pub killed: Vec<ClientId>,
    /// `EVAL` under `SCRIPT DEBUG YES|SYNC` opened a Lua debugging session: the client's bytes
    /// go to it until it ends (see [`ldb::DebugSession`]).
    pub debug: Option<Box<ldb::DebugSession>>,
}

impl Outcome {
    /// The replies as a server of `version` writes them (`Reply::for_version`).
    pub(crate) fn written_by(&mut self, version: Version) {
        if !version.at_least(7, 2) {
            return;
        }
        self.reply = self.reply.take().map(|r| r.for_version(version));
        for r in &mut self.preface {
            *r = std::mem::replace(r, Reply::Nil).for_version(version);
        }
        for (_, r) in &mut self.woken {
            *r = std::mem::replace(r, Reply::Nil).for_version(version);
        }
    }
}

/// A `MIGRATE` for the host to carry out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migrate {
    pub host: String,
    pub port: u16,
    pub timeout_ms: u64,
    /// What the target is sent, in order: `AUTH` and `SELECT`, then a `RESTORE` per key.
    pub commands: Vec<Argv>,
    /// How many of `commands` come before the `RESTORE`s.
    pub preamble: usize,
    /// The keys, in the order of their `RESTORE`s.
    pub keys: Vec<Vec<u8>>,
    /// `COPY`: the keys stay here.
    pub copy: bool,
}

/// Why a `MIGRATE` got no answer from its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrateFailure {
    Connecting,
    Writing,
    Reading,
}

/// A replica's view of its primary (Redis's `masterhost`, `masterport`, `repl_state` and
/// `server.master`). The host makes the connection and says when it is up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterLink {
    pub host: Vec<u8>,
    pub port: u16,
    /// The connection the replication stream arrives on, while the link is up. Its commands are
    /// obeyed: a read-only replica applies the writes it brings.
    pub client: Option<ClientId>,
    /// When the link went down, for `master_link_down_since_seconds`; 0 if it was never up.
    pub down_since_ms: u64,
}

impl MasterLink {
    pub fn new(host: Vec<u8>, port: u16) -> MasterLink {
        MasterLink { host, port, client: None, down_since_ms: 0 }
    }
    pub fn is_up(&self) -> bool {
        self.client.is_some()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub commands_processed: u64,
    pub expired_keys: u64,
    /// Hash fields removed because their time came (Redis 7.4's `expired_subkeys`).
    pub expired_subkeys: u64,
    /// Keys removed to stay under `maxmemory`.
    pub evicted_keys: u64,
    pub connections_received: u64,
    /// Reads that found their key, and reads that did not (`keyspace_hits`/`keyspace_misses`).
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    /// Changes since the last save (Redis's `server.dirty`, `rdb_changes_since_last_save`).
    pub changes: u64,
    /// Bytes a primary would have sent its replicas (`master_repl_offset`).
    pub repl_offset: u64,
    /// `INFO commandstats`, by full name (`config|set`).
    pub commands: BTreeMap<String, stats::CommandStats>,
    /// `INFO errorstats`, by error code.
    pub errors: BTreeMap<String, u64>,
    pub total_error_replies: u64,
    /// Bytes of requests received (`total_net_input_bytes`).
    pub net_input_bytes: u64,
}

/// What a user reads and changes with `CONFIG`: every parameter's value in `settings`, and the
/// ones the engine acts on copied into typed fields by [`Config::derive`] whenever a value
/// changes (never write those fields directly: change `settings` and derive).
#[derive(Clone, Debug)]
pub struct Config {
    pub version: Version,
    pub settings: crate::config::Settings,
    pub stream_node_limits: NodeLimits,
    /// When small collections change encoding.
    pub encodings: crate::value::Encodings,
    /// `notify-keyspace-events`, as Redis's flag characters (empty: off).
    pub notify: crate::notify::Flags,
    /// `stream-idmp-duration` and `stream-idmp-maxsize` (Redis 8.6): what a new stream starts with.
    pub idmp_duration_s: u64,
    pub idmp_maxsize: u64,
    /// `maxmemory` in bytes (0: no limit), `maxmemory-policy` and `maxmemory-samples`.
    pub maxmemory: u64,
    pub maxmemory_policy: &'static str,
    pub maxmemory_samples: usize,
    /// `slowlog-log-slower-than` (µs; -1: off) and `slowlog-max-len`.
    pub slowlog_slower_than: i64,
    pub slowlog_max_len: u64,
    /// `min-replicas-to-write` and `min-replicas-max-lag` (read on every write).
    pub min_replicas_to_write: i64,
    pub min_replicas_max_lag: i64,
    /// `tracking-table-max-keys` (read after every command).
    pub tracking_table_max_keys: i64,
    /// `latency-monitor-threshold` (read after every command).
    pub latency_monitor_threshold: i64,
}

impl Config {
    pub fn new(version: Version) -> Config {
        let mut config = Config {
            version,
            settings: crate::config::Settings::new(version),
            stream_node_limits: NodeLimits::default(),
            encodings: crate::value::Encodings::default(),
            notify: 0,
            idmp_duration_s: 0,
            idmp_maxsize: 0,
            maxmemory: 0,
            maxmemory_policy: "noeviction",
            maxmemory_samples: 5,
            slowlog_slower_than: 0,
            slowlog_max_len: 0,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 0,
            tracking_table_max_keys: 0,
            latency_monitor_threshold: 0,
        };
        config.derive();
        config
    }

    /// `array-sparse-kmax` and `array-sparse-kmin` (Redis's defaults where the version has no
    /// arrays).
    pub fn array_limits(&self) -> crate::value::array::Limits {
        if !self.version.at_least(8, 8) {
            return crate::value::array::Limits::default();
        }
        let s = &self.settings;
        crate::value::array::Limits {
            kmax: s.number("array-sparse-kmax") as u32,
            kmin: s.number("array-sparse-kmin") as u32,
        }
    }

    /// Copies the values the engine acts on out of `settings`.
    pub fn derive(&mut self) {
        let s = &self.settings;
        let size = |name: &str| usize::try_from(s.number(name)).unwrap_or(usize::MAX);
        self.stream_node_limits = NodeLimits {
            max_entries: s.number("stream-node-max-entries"),
            max_bytes: s.number("stream-node-max-bytes"),
        };
        self.encodings = crate::value::Encodings {
            hash_entries: size("hash-max-listpack-entries"),
            hash_value: size("hash-max-listpack-value"),
            set_intset_entries: size("set-max-intset-entries"),
            set_listpack: self.version.at_least(7, 2),
            set_entries: size("set-max-listpack-entries"),
            set_value: size("set-max-listpack-value"),
            zset_entries: size("zset-max-listpack-entries"),
            zset_value: size("zset-max-listpack-value"),
            list_listpack: self.version.at_least(7, 2),
            list_fill: s.number("list-max-listpack-size"),
        };
        self.notify = match s.value("notify-keyspace-events") {
            Some(crate::config::Stored::Notify(flags)) => *flags,
            _ => 0,
        };
        self.idmp_duration_s = s.number("stream-idmp-duration") as u64;
        self.idmp_maxsize = s.number("stream-idmp-maxsize") as u64;
        if !self.version.at_least(8, 6) {
            self.idmp_duration_s = crate::stream::idmp::DEFAULT_DURATION_S;
            self.idmp_maxsize = crate::stream::idmp::DEFAULT_MAXSIZE;
        }
        self.maxmemory = s.number("maxmemory") as u64;
        let policy = s.choice("maxmemory-policy");
        self.maxmemory_policy = EVICTION_POLICIES.iter().copied().find(|p| *p == policy).unwrap_or("noeviction");
        self.maxmemory_samples = size("maxmemory-samples");
        self.slowlog_slower_than = s.number("slowlog-log-slower-than");
        self.min_replicas_to_write = s.number("min-replicas-to-write");
        self.min_replicas_max_lag = s.number("min-replicas-max-lag");
        self.tracking_table_max_keys = s.number("tracking-table-max-keys");
        self.latency_monitor_threshold = s.number("latency-monitor-threshold");
        self.slowlog_max_len = s.number("slowlog-max-len") as u64;
    }
}

/// The `maxmemory-policy` values Redis accepts.
pub const EVICTION_POLICIES: [&str; 8] = [
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

/// `CLIENT PAUSE`: until when, and whether only commands that may write are held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    pub end_ms: u64,
    pub writes_only: bool,
}

/// `used_memory` of a Redis 7.0 that has just started, before any key.
pub const STARTUP_MEMORY: usize = 876_160;

#[derive(Clone, Debug)]
pub struct Server {
    pub(crate) config: Config,
    pub(crate) dbs: Vec<Db>,
    pub(crate) clients: clients::ClientTable,
    pub(crate) stats: Stats,
    pub(crate) blocked: BTreeMap<ClientId, Blocked>,
    /// Whether commands report effects (for the app's pictures). A RESP server that only answers
    /// clients turns them off to save the allocations, and so does the simulated world.
    pub(crate) observe: bool,
    /// Whether writes build the replication stream (`Outcome::propagate`). Redis builds it only
    /// once a replica or the AOF needs it; the simulator turns it off for a lone node.
    pub(crate) propagate: bool,
    /// Errors the commands of the running script answered: a script that fails with one of
    /// them does not count it twice.
    script_errors: Vec<String>,
    /// What the running command (or cron job) propagates, with each command's database, until
    /// it is fed to the stream (Redis's `server.also_propagate`).
    pending_propagation: Vec<(usize, Argv)>,
    /// The replication ID (`master_replid`): 40 hex digits drawn when the server starts.
    pub(crate) replid: String,
    /// Client-side caching's tables (`CLIENT TRACKING`).
    pub(crate) tracking: tracking::TrackingTables,
    /// The declared keys of the script running now, which its reads are tracked under.
    script_keys: Vec<Vec<u8>>,
    /// `CLIENT PAUSE`, while it lasts.
    pub(crate) pause: Option<Pause>,
    /// The primary this server replicates (`REPLICAOF host port`), if any, and the state of the
    /// link to it.
    pub(crate) master: Option<MasterLink>,
    /// A `WAIT` blocked: ask the replicas for their offsets once the command is done.
    pub(crate) get_ack: bool,
    /// Redis Cluster, when `cluster-enabled` is on: this node's view of it.
    pub(crate) cluster: Option<Box<crate::cluster::Cluster>>,
    /// The previous replication ID and the offset up to which it is valid (`master_replid2`,
    /// `second_repl_offset`), after this server stopped replicating a primary.
    pub(crate) replid2: Option<(String, u64)>,
    /// The replication backlog as the host keeps it (first byte's offset and length), when the
    /// host carries the stream (the scenario world); `None`: as many bytes as were fed.
    pub(crate) backlog: Option<(u64, u64)>,
    /// When the last save was made, in seconds (`LASTSAVE`).
    pub(crate) lastsave_s: u64,
    /// When the server first saw time pass (its start, for `uptime_in_seconds`).
    pub(crate) started_ms: Option<u64>,
    /// The database the replication stream has selected last (Redis's `server.slaveseldb`):
    /// `None` puts a `SELECT` before the next command (a replica has just attached).
    pub(crate) repl_seldb: Option<usize>,
    next_client_id: ClientId,
    next_block_order: u64,
    /// Keys written since blocked clients were last served: `(db, key)`.
    ready_keys: Vec<(usize, Vec<u8>)>,
    /// True while `EXEC` runs its queue: blocking commands then answer at once.
    in_exec: bool,
    /// A blocked client's command is running again after a write: if it parks again, it keeps
    /// the place it had, so the command need not build a new one.
    pub(crate) rerunning: bool,
    /// Virtual time of the last `serverCron` run of the active expiry cycle (0: not yet).
    last_cron_ms: u64,
    /// `DEBUG SET-ACTIVE-EXPIRE`: whether the expire cycle runs (Redis's `active_expire_enabled`).
    pub(crate) active_expire_enabled: bool,
    /// Where each database's active expiry scan goes on from (Redis's `expires_cursor`).
    expire_cursor: Vec<Option<Vec<u8>>>,
    /// The state of the seeded generator behind `RANDOMKEY`, `SPOP` and friends.
    rng: u64,
    /// Redis 8.10's online backup (`BACKUP START` ...).
    pub(crate) backup: crate::commands::server::Backup,
    /// The sequence number of the newest append-only base file (each AOF rewrite takes the next).
    pub(crate) aof_seq: u64,
    /// The id the next vector set gets (`vset-uid`; Redis's `VectorSetTypeNextId`).
    pub(crate) vset_next_id: u64,
    /// Who watches each key: (db, key) -> clients.
    watchers: BTreeMap<(usize, Vec<u8>), Vec<ClientId>>,
    /// Pub/sub subscribers per channel, pattern and shard channel, in subscription order.
    pub(crate) pubsub_channels: BTreeMap<Vec<u8>, Vec<ClientId>>,
    pub(crate) pubsub_patterns: BTreeMap<Vec<u8>, Vec<ClientId>>,
    pub(crate) pubsub_shard_channels: BTreeMap<Vec<u8>, Vec<ClientId>>,
    /// The script cache, function libraries and the scripts' random state.
    pub(crate) scripts: crate::commands::scripting::Scripts,
    /// True while a script's `redis.call` runs a command.
    pub(crate) in_script: bool,
    /// Memory was over the limit when the running command started (Redis's
    /// `pre_command_oom_state`): a script's first write is then refused.
    pub(crate) pre_command_oom: bool,
    /// The command that just ran sends no reply at all (`MONITOR` on a monitor).
    pub(crate) silent: bool,
    /// The latency monitor's events (`LATENCY LATEST`).
    pub(crate) latency_events: BTreeMap<String, crate::commands::server::latency::Series>,
    /// Clients in `MONITOR` mode, in the order they asked.
    pub(crate) monitors: Vec<ClientId>,
    /// ACL users by name (`default` always exists).
    pub(crate) users: BTreeMap<Vec<u8>, crate::acl::User>,
    /// `ACL LOG`, newest first.
    pub(crate) acl_log: std::collections::VecDeque<AclLogEntry>,
    next_acl_log_id: u64,
    /// `SLOWLOG`, newest first.
    pub(crate) slowlog: std::collections::VecDeque<SlowlogEntry>,
    pub(crate) slowlog_next_id: u64,
    /// Redis's eviction pool: `(score, db, key)`, best candidate last.
    eviction_pool: Vec<(u64, usize, Vec<u8>)>,
    /// Where the random eviction policies look next (Redis's `next_db`).
    eviction_next_db: usize,
    /// The script running now (see [`busy`]).
    pub(crate) busy: Option<busy::BusyScript>,
    /// What the running expire cycle has freed ([`Value::free_effort`]), for its latency.
    expire_effort: usize,
    /// `FAILOVER` under way.
    pub(crate) failover: Option<failover::Failover>,
    /// The host serves Lua debugging sessions (`SCRIPT DEBUG YES|SYNC`).
    pub(crate) debugger: bool,
    /// A debugging session's run: its client's input and the output so far.
    pub(crate) ldb_io: Option<Box<ldb::LdbIo>>,
}

impl Server {
    /// After parameters change (`changed`: their rows in [`crate::config::PARAMS`]): the typed
    /// copies are derived again and what Redis's apply functions do is done.
    pub fn apply_config(&mut self, changed: &[usize]) {
        self.config.derive();
        let lfu = crate::db::LfuConfig {
            log_factor: self.config.settings.number("lfu-log-factor"),
            decay_minutes: self.config.settings.number("lfu-decay-time"),
        };
        let lfu_mode = self.lfu_policy();
        let new_events = self.config.notify & crate::notify::NEW != 0;
        for db in &mut self.dbs {
            db.lfu = lfu;
            db.lfu_mode = lfu_mode;
            if new_events != db.new_keys.is_some() {
                db.new_keys = new_events.then(Vec::new);
            }
        }
        let requirepass = self.config.settings.lookup(b"requirepass").map(|(i, _)| i);
        if changed.iter().any(|i| Some(*i) == requirepass) {
            // Redis's `updateRequirePass`: the default user's one password, or none.
            let pass = self.config.settings.text("requirepass").to_vec();
            let version = self.config.version;
            if let Some(user) = self.users.get_mut(b"default".as_slice()) {
                let mut rule = b">".to_vec();
                rule.extend_from_slice(&pass);
                let _ = user.apply(b"resetpass", version);
                let _ = user.apply(if pass.is_empty() { b"nopass".as_slice() } else { &rule }, version);
            }
        }
    }

    /// Start-up options (`--name value`, as `redis-server` takes them): every parameter may be
    /// set, immutable ones too. The first refused one is reported.
    pub fn configure(&mut self, options: &[(Vec<u8>, Vec<u8>)]) -> std::result::Result<(), String> {
        let mut changed = Vec::new();
        for (name, value) in options {
            self.config.settings.load(name, value)?;
            changed.extend(self.config.settings.lookup(name).map(|(i, _)| i));
        }
        self.apply_config(&changed);
        Ok(())
    }

    pub fn new(version: Version) -> Server {
        Server {
            config: Config::new(version),
            dbs: vec![Db::default(); DB_COUNT],
            clients: clients::ClientTable::default(),
            stats: Stats::default(),
            blocked: BTreeMap::new(),
            observe: true,
            propagate: true,
            pending_propagation: Vec::new(),
            script_errors: Vec::new(),
            replid: replid_from(0),
            lastsave_s: 0,
            master: None,
            replid2: None,
            backlog: None,
            get_ack: false,
            cluster: None,
            pause: None,
            tracking: Default::default(),
            script_keys: Vec::new(),
            started_ms: None,
            repl_seldb: None,
            next_client_id: 1,
            next_block_order: 0,
            ready_keys: Vec::new(),
            in_exec: false,
            rerunning: false,
            last_cron_ms: 0,
            active_expire_enabled: true,
            expire_cursor: vec![None; DB_COUNT],
            rng: 0x9E37_79B9_7F4A_7C15,
            vset_next_id: 0,
            backup: Default::default(),
            aof_seq: 0,
            watchers: BTreeMap::new(),
            pubsub_channels: BTreeMap::new(),
            pubsub_patterns: BTreeMap::new(),
            pubsub_shard_channels: BTreeMap::new(),
            scripts: Default::default(),
            in_script: false,
            silent: false,
            pre_command_oom: false,
            monitors: Vec::new(),
            latency_events: BTreeMap::new(),
            users: BTreeMap::from([(b"default".to_vec(), crate::acl::User::default_user())]),
            acl_log: Default::default(),
            next_acl_log_id: 0,
            eviction_pool: Vec::new(),
            eviction_next_db: 0,
            busy: None,
            failover: None,
            debugger: false,
            ldb_io: None,
            expire_effort: 0,
            slowlog: Default::default(),
            slowlog_next_id: 0,
        }
    }

    /// Redis's `touchWatchedKey`: every client watching `key` will fail its `EXEC`.
    /// `expired`: the key went away by expiry, which does not count for a client that watched
    /// it when it had already expired.
    pub fn touch_watched(&mut self, db: usize, key: &[u8], expired: bool) {
        self.tracking_touch(key);
        if self.watchers.is_empty() {
            return;
        }
        let Some(clients) = self.watchers.get(&(db, key.to_vec())) else { return };
        for id in clients.clone() {
            if let Some(c) = self.clients.get_mut(&id) {
                let was_expired = c.watched.iter().any(|(d, k, e)| *d == db && k == key && *e);
                if !(expired && was_expired) {
                    c.dirty_cas = true;
                }
            }
        }
    }

    /// Redis's `touchAllWatchedKeysInDb` before `db` is emptied or swapped: watched keys that
    /// exist there (or in `other`, which takes its place) are touched.
    pub fn touch_watched_in_db(&mut self, db: usize, other: Option<usize>) {
        let keys: Vec<Vec<u8>> = self
            .watchers
            .keys()
            .filter(|(d, k)| {
                *d == db && (self.dbs[db].get(k).is_some() || other.is_some_and(|o| self.dbs[o].get(k).is_some()))
            })
            .map(|(_, k)| k.clone())
            .collect();
        for key in keys {
            self.touch_watched(db, &key, false);
        }
    }

    /// Forgets every key `client` watches (`UNWATCH`, `EXEC`, `DISCARD`).
    pub fn unwatch_all(&mut self, client: ClientId) {
        let Some(c) = self.clients.get_mut(&client) else { return };
        let watched = std::mem::take(&mut c.watched);
        c.dirty_cas = false;
        for (db, key, _) in watched {
            if let Some(list) = self.watchers.get_mut(&(db, key.clone())) {
                list.retain(|&id| id != client);
                if list.is_empty() {
                    self.watchers.remove(&(db, key));
                }
            }
        }
    }

    /// Seeds the generator behind random picks: the same seed gives the same run.
    pub fn seed(&mut self, seed: u64) {
        self.rng = seed ^ 0x9E37_79B9_7F4A_7C15;
    }

    /// The next number from the seeded generator (splitmix64).
    pub fn random(&mut self) -> u64 {
        splitmix64(&mut self.rng)
    }

    pub fn version(&self) -> Version {
        self.config.version
    }

    /// Gives a vector set read back from an RDB payload its `vset-uid`, as Redis numbers each
    /// set it creates or loads.
    pub(crate) fn number_vector_set(&mut self, value: &mut Value) {
        if let Value::VectorSet(v) = value {
            v.uid = self.vset_next_id;
            self.vset_next_id += 1;
        }
    }

    /// Registers a new connection and returns its id.
    pub fn connect(&mut self, now_ms: u64) -> ClientId {
        self.started_ms.get_or_insert(now_ms);
        if self.lastsave_s == 0 {
            self.lastsave_s = now_ms / 1000;
        }
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.stats.connections_received += 1;
        let mut client = Client::new(id, now_ms);
        client.authenticated = !self.auth_required_by_default();
        self.clients.insert(id, client);
        id
    }

    /// Messages for clients under `CLIENT REPLY OFF` are dropped, but for pushes: Pub/Sub
    /// messages and confirmations and tracking invalidations reach them in RESP2 and RESP3 alike
    /// (Redis's `CLIENT_PUSHING`).
    pub(crate) fn drop_silenced(&self, woken: &mut Vec<(ClientId, Reply)>) {
        woken.retain(|(id, reply)| {
            self.clients.get(id).is_none_or(|c| c.reply_mode != ReplyMode::Off || is_push(reply))
        });
    }

    /// Tells the engine the peer's and the local address of a connection (`ip:port`), as
    /// `CLIENT LIST`, `CLIENT KILL ADDR` and `MONITOR` show them.
    pub fn set_client_addresses(&mut self, client: ClientId, addr: String, laddr: String) {
        if let Some(c) = self.clients.get_mut(&client) {
            c.addr = Some(addr);
            c.laddr = Some(laddr);
        }
    }

    pub fn disconnect(&mut self, client: ClientId) {
        self.monitors.retain(|&m| m != client);
        self.unwatch_all(client);
        for map in [&mut self.pubsub_channels, &mut self.pubsub_patterns, &mut self.pubsub_shard_channels] {
            map.values_mut().for_each(|list| list.retain(|&c| c != client));
            map.retain(|_, list| !list.is_empty());
        }
        self.tracking_disable(client);
        self.clients.remove(&client);
        self.blocked.remove(&client);
    }

    pub fn client(&self, client: ClientId) -> Option<&Client> {
        self.clients.get(&client)
    }

    // What hosts read and set. The fields stay private: a host (the RESP server, the scenario
    // world, the app's views) reads the state through these and changes it only where it stands
    // for something outside the engine (the network, the disk, the other nodes).

    /// The configuration (`CONFIG GET`'s parameters and the typed copies derived from them).
    pub fn config(&self) -> &Config {
        &self.config
    }
    /// The databases, by number.
    pub fn dbs(&self) -> &[Db] {
        &self.dbs
    }
    /// Counters behind `INFO stats` (and `changes`, which moves with every write).
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// The clients blocked now, and what each waits for.
    pub fn blocked_clients(&self) -> impl Iterator<Item = (ClientId, &Blocked)> {
        self.blocked.iter().map(|(id, b)| (*id, b))
    }
    /// What `client` waits for, if it is blocked.
    pub fn blocked(&self, client: ClientId) -> Option<&Blocked> {
        self.blocked.get(&client)
    }
    /// This node's view of Redis Cluster, when `cluster-enabled` is on.
    pub fn cluster(&self) -> Option<&crate::cluster::Cluster> {
        self.cluster.as_deref()
    }
    /// The cluster view, for the host that carries the cluster bus (gossip, failure reports).
    pub fn cluster_mut(&mut self) -> Option<&mut crate::cluster::Cluster> {
        self.cluster.as_deref_mut()
    }
    /// Takes the cluster view away, to give it to the engine that replaces this one after a
    /// restart (Redis keeps it in `nodes.conf`).
    pub fn take_cluster(&mut self) -> Option<Box<crate::cluster::Cluster>> {
        self.cluster.take()
    }
    /// Puts back a cluster view taken with [`Server::take_cluster`].
    pub fn restore_cluster(&mut self, cluster: Option<Box<crate::cluster::Cluster>>) {
        self.cluster = cluster;
    }
    /// Whether commands report effects for pictures (off for a host that only answers clients).
    pub fn set_observe(&mut self, on: bool) {
        self.observe = on;
    }
    /// Whether writes build the replication stream (on while a replica or a disk reads it).
    pub fn set_propagate(&mut self, on: bool) {
        self.propagate = on;
    }
    /// The primary this server replicates, if any.
    pub fn master(&self) -> Option<&MasterLink> {
        self.master.as_ref()
    }
    /// Tells the engine the state of its link to a primary (`None`: it is a primary itself).
    pub fn master_mut(&mut self) -> &mut Option<MasterLink> {
        &mut self.master
    }
    /// Tells the engine the replication history it is in and the offset it has reached, as the
    /// host that carries the stream counts them: `replid` and `replid2` are Redis's
    /// `master_replid` and (`master_replid2`, `second_repl_offset`); `backlog` is the backlog's
    /// first byte and length, when the host keeps it.
    pub fn set_replication(
        &mut self,
        offset: u64,
        ids: Option<(String, Option<(String, u64)>)>,
        backlog: Option<(u64, u64)>,
    ) {
        self.stats.repl_offset = offset;
        if let Some((replid, replid2)) = ids {
            self.replid = replid;
            self.replid2 = replid2;
        }
        self.backlog = backlog;
    }
    /// A connection's state, for the host that stands for what is on its other end (a replica
    /// that acknowledges offsets).
    pub fn client_mut(&mut self, client: ClientId) -> Option<&mut Client> {
        self.clients.get_mut(&client)
    }
    /// Replaces this server's data with `source`'s, as loading its RDB file or a full
    /// resynchronisation from it does: the databases and the function libraries (Redis 7 keeps
    /// no `EVAL` script in the file).
    pub fn load_dataset(&mut self, source: &Server) {
        self.dbs = source.dbs.clone();
        self.scripts.libraries = source.scripts.libraries.clone();
    }

    /// The protocol `client` speaks, for encoding its replies.
    pub fn protocol(&self, client: ClientId) -> Protocol {
        self.clients.get(&client).map(|c| c.protocol).unwrap_or_default()
    }

    /// An empty stream with the configured defaults.
    pub fn new_stream(&self) -> crate::stream::Stream {
        let idmp = crate::stream::Idmp::new(self.config.idmp_duration_s, self.config.idmp_maxsize);
        crate::stream::Stream { idmp, ..Default::default() }
    }

    /// Whether commands report what they propagate (see `propagate`).
    pub fn propagating(&self) -> bool {
        self.propagate
    }

    /// Runs one command for `client` at virtual time `now_ms`.
    pub fn execute(&mut self, now_ms: u64, client: ClientId, argv: &[Vec<u8>]) -> Outcome {
        self.execute_yielding(now_ms, client, argv, None)
    }

    /// [`Server::execute`], with a host that can serve other clients while a script of this
    /// command runs long (see [`ServerHost`]). Called while a script is busy (by that host), the
    /// command is another client's: it runs beside the script, or is answered `BUSY`.
    pub fn execute_yielding(
        &mut self,
        now_ms: u64,
        client: ClientId,
        argv: &[Vec<u8>],
        host: Option<&mut dyn ServerHost>,
    ) -> Outcome {
        if self.is_busy() {
            return self.execute_beside_script(now_ms, client, argv);
        }
        self.execute_inner(now_ms, client, argv, host)
    }

    fn execute_inner(
        &mut self,
        now_ms: u64,
        client: ClientId,
        argv: &[Vec<u8>],
        host: Option<&mut dyn ServerHost>,
    ) -> Outcome {
        let mut out = Outcome::default();
        if argv.is_empty() {
            return out;
        }
        if self.debugger && self.ldb_io.is_none() && self.wants_debugging(client, argv) {
            return self.start_debugging(now_ms, client, argv);
        }
        let (in_multi, from_replica) = match self.clients.get_mut(&client) {
            Some(c) => {
                c.last_command_ms = now_ms;
                // CLIENT REPLY SKIP silences the command after it.
                if c.reply_mode == ReplyMode::SkipNext {
                    c.reply_mode = ReplyMode::Skip;
                }
                (c.multi.is_some(), c.replica.is_some())
            }
            None => {
                // An id the server never handed out: treat it as a fresh connection under that id.
                self.next_client_id = self.next_client_id.max(client + 1);
                self.stats.connections_received += 1;
                let mut fresh = Client::new(client, now_ms);
                fresh.authenticated = !self.auth_required_by_default();
                fresh.last_command_ms = now_ms;
                self.clients.insert(client, fresh);
                (false, false)
            }
        };
        let touches_arbitrary_keys =
            argv[0].eq_ignore_ascii_case(b"randomkey") || argv[0].eq_ignore_ascii_case(b"scan");
        self.tracking.current = Some(client);
        let queued = in_multi
            && !["exec", "discard", "multi", "watch", "quit", "reset"]
                .iter()
                .any(|n| argv[0].eq_ignore_ascii_case(n.as_bytes()));
        out.reply = self.process(now_ms, client, argv, &mut out, host);
        self.feed_propagation(&mut out, !touches_arbitrary_keys);
        let repl_offset = self.stats.repl_offset;
        if let Some(c) = self.clients.get_mut(&client) {
            // ASKING is good for the one command after it (or the transaction it starts).
            if c.asking && c.multi.is_none() && !argv[0].eq_ignore_ascii_case(b"asking") {
                c.asking = false;
            }
            // The offset the client's WAIT waits for (Redis's `c->woff`): the stream as it is
            // after each command the client ran, its own writes and everyone's before them.
            if !queued {
                c.woff = repl_offset;
            }
        }
        // A WAIT that blocked asks the replicas for their offsets, once the command is done
        // (Redis's `beforeSleep`): `REPLCONF GETACK *` goes down the stream as it is.
        // Not while clients are paused (Redis's `beforeSleep` waits for the pause to end).
        let paused = self.pause.is_some_and(|p| now_ms < p.end_ms);
        if self.get_ack && !paused && self.propagate && self.master.is_none() {
            self.get_ack = false;
            let getack = vec![b"REPLCONF".to_vec(), b"GETACK".to_vec(), b"*".to_vec()];
            self.stats.repl_offset += resp_len(&getack);
            out.propagate.push(getack);
        }
        // FAILOVER: a replica that has caught up (or time that is up) moves it on.
        if !self.is_busy() {
            self.failover_check(now_ms, &mut out);
        }
        // A replica answers nothing; one whose command would get a reply is cut off (Redis 7.0
        // logs "Replica generated a reply to command").
        if from_replica && out.reply.as_ref().is_some_and(|r| !matches!(r, Reply::Many(v) if v.is_empty())) {
            out.reply = None;
            out.close = true;
        }
        // Blocked clients wait for the busy script to end (Redis's `processCommand`).
        if !self.is_busy() {
            self.serve_blocked(now_ms, &mut out);
        }
        self.tracking_deliver(&mut out);
        self.tracking.current = None;
        let client_command = argv[0].eq_ignore_ascii_case(b"client");
        self.drop_silenced(&mut out.woken);
        if let Some(c) = self.clients.get_mut(&client) {
            // A silenced client still gets pushes (Redis's `CLIENT_PUSHING`): a SUBSCRIBE's
            // confirmation is one.
            let silenced = |reply: &mut Option<Reply>| {
                if !reply.as_ref().is_some_and(is_push) {
                    *reply = None;
                }
            };
            match c.reply_mode {
                ReplyMode::Off => silenced(&mut out.reply),
                ReplyMode::Skip => {
                    silenced(&mut out.reply);
                    c.reply_mode = ReplyMode::On;
                }
                _ => {}
            }
            // CLIENT CACHING lasts for the command after it (or the transaction).
            if !client_command && c.multi.is_none() {
                c.caching_given = false;
            }
        }
        out.written_by(self.config.version);
        out
    }

    /// Replaces the data with an RDB file's (Redis's `rdbLoad` at start-up): keys whose time has
    /// passed are left out, function libraries are loaded. On error nothing changes.
    pub fn load_rdb(&mut self, bytes: &[u8], now_ms: u64) -> std::result::Result<(), String> {
        let format = crate::rdb::Format {
            version: self.version(),
            compress: false,
            encodings: self.config.encodings,
            array_limits: self.config.array_limits(),
        };
        let loaded = crate::rdb::file::load(bytes, &format, self.dbs.len())?;
        let mut next = self.clone();
        next.scripts.libraries.clear();
        for db in &mut next.dbs {
            db.clear();
        }
        // An internal client loads the libraries; it leaves no trace in the counters.
        let (ids, connections) = (next.next_client_id, next.stats.connections_received);
        let loader = next.connect(now_ms);
        for code in &loaded.libraries {
            let argv = vec![b"FUNCTION".to_vec(), b"LOAD".to_vec(), code.clone()];
            if let Some(Reply::Error(e)) = next.execute(now_ms, loader, &argv).reply {
                return Err(format!("Failed loading library: {e}"));
            }
        }
        next.disconnect(loader);
        (next.next_client_id, next.stats.connections_received) = (ids, connections);
        let lfu = next.lfu_policy();
        for k in loaded.keys {
            if k.expire_at_ms.is_some_and(|at| at <= now_ms) {
                continue;
            }
            let mut value = k.value;
            next.number_vector_set(&mut value);
            let db = &mut next.dbs[k.db];
            db.insert_at(&k.key, value, false, now_ms);
            if let Some(at) = k.expire_at_ms {
                db.set_expire(&k.key, at);
            }
            match (k.freq, k.idle_s) {
                (Some(f), _) if lfu => db.set_lfu_counter(&k.key, f, now_ms),
                (_, Some(idle)) if !lfu => db.set_access_ms(&k.key, now_ms.saturating_sub(idle.saturating_mul(1000))),
                _ => {}
            }
        }
        next.stats.changes = 0;
        next.lastsave_s = now_ms / 1000;
        *self = next;
        Ok(())
    }

    /// The clients that have become replicas (`SYNC`/`PSYNC`), which the host sends every
    /// outcome's `propagate` to.
    pub fn replicas(&self) -> impl Iterator<Item = ClientId> + '_ {
        self.clients.values().filter(|c| c.replica.is_some()).map(|c| c.id)
    }

    /// Whether the client's commands are obeyed rather than checked (Redis's `mustObeyClient`):
    /// the link that brings the primary's stream.
    pub(crate) fn obeys(&self, client: ClientId) -> bool {
        self.master.as_ref().is_some_and(|m| m.client == Some(client))
    }

    /// How many replicas acknowledged `offset` (Redis's `replicationCountAcksByOffset`).
    pub(crate) fn acks_at(&self, offset: u64) -> i64 {
        self.clients.values().filter_map(|c| c.replica.as_ref()).filter(|r| r.acked_offset >= offset).count() as i64
    }

    /// A replica connected as `client` acknowledged `offset` (`REPLCONF ACK`): clients in `WAIT`
    /// that now have enough acknowledgements get their reply, first blocked first.
    pub fn replica_acked(&mut self, now_ms: u64, client: ClientId, offset: u64) -> Outcome {
        let mut out = Outcome::default();
        let Some(link) = self.clients.get_mut(&client).and_then(|c| c.replica.as_mut()) else { return out };
        link.acked_ms = now_ms;
        if offset <= link.acked_offset {
            return out;
        }
        link.acked_offset = offset;
        self.serve_waits(&mut out);
        out.written_by(self.config.version);
        out
    }

    /// Finishes a `MIGRATE` with what its target answered (one reply per command sent, or why
    /// there was none), as Redis's `migrateCommand` does after its round trip: each key the
    /// target restored is deleted here (unless `COPY`) and propagated as one `DEL`; the first
    /// error the target gave, or `OK`, is the client's reply.
    pub fn migrate_done(
        &mut self,
        now_ms: u64,
        client: ClientId,
        migrate: &Migrate,
        answer: std::result::Result<Vec<Reply>, MigrateFailure>,
    ) -> Outcome {
        let mut out = Outcome::default();
        let replies = match answer {
            Ok(replies) => replies,
            Err(failure) => {
                let text = match failure {
                    MigrateFailure::Connecting => "IOERR error or timeout connecting to the client",
                    MigrateFailure::Writing => "IOERR error or timeout writing to target instance",
                    MigrateFailure::Reading => "IOERR error or timeout reading to target instance",
                };
                self.count_migrate_failure(text);
                out.reply = Some(Reply::Error(text.into()));
                return out;
            }
        };
        let error_text = |r: &Reply| match r {
            Reply::Error(e) => Some(e.clone()),
            _ => None,
        };
        let preamble_error = replies.iter().take(migrate.preamble).find_map(error_text);
        let mut first_error: Option<String> = None;
        let mut deleted: Vec<Vec<u8>> = Vec::new();
        let db = self.clients.get(&client).map_or(0, |c| c.db);
        for (j, key) in migrate.keys.iter().enumerate() {
            let Some(reply) = replies.get(migrate.preamble + j) else {
                if first_error.is_none() && deleted.is_empty() {
                    let text = "IOERR error or timeout reading to target instance";
                    self.count_migrate_failure(text);
                    out.reply = Some(Reply::Error(text.into()));
                    return out;
                }
                break;
            };
            match preamble_error.clone().or_else(|| error_text(reply)) {
                Some(e) => {
                    first_error.get_or_insert(e);
                }
                None if !migrate.copy => {
                    let mut ctx = Ctx {
                        server: self,
                        client,
                        now_ms,
                        out: &mut out,
                        dirty: 0,
                        argv: &[],
                        deny_blocking: true,
                        propagate_as: None,
                        also_propagate: Vec::new(),
                        prevent_propagation: false,
                        counts_hits: false,
                        host: None,
                    };
                    if ctx.delete(key) {
                        ctx.notify(crate::notify::GENERIC, "del", key);
                        let dirty = ctx.dirty.max(1);
                        self.stats.changes += dirty;
                    }
                    deleted.push(key.clone());
                }
                None => {}
            }
        }
        if !deleted.is_empty() && self.propagating() {
            let mut del = vec![b"DEL".to_vec()];
            del.extend(deleted);
            self.also_propagate(db, del);
            self.feed_propagation(&mut out, true);
        }
        out.reply = Some(match first_error {
            Some(e) => {
                let text = format!("ERR Target instance replied with error: {e}");
                self.count_migrate_failure(&text);
                Reply::Error(text)
            }
            None => Reply::ok(),
        });
        self.serve_blocked(now_ms, &mut out);
        out.written_by(self.config.version);
        out
    }

    /// A `MIGRATE` that ended in an error: counted as its failed call.
    fn count_migrate_failure(&mut self, text: &str) {
        self.count_error(text);
        self.stats.commands.entry("migrate".into()).or_default().failed_calls += 1;
    }

    /// Forgets what the running command would still propagate (the server stopped being a
    /// primary halfway through it).
    pub(crate) fn drop_pending_propagation(&mut self) {
        self.pending_propagation.clear();
    }

    /// Queues a command for the replication stream (Redis's `alsoPropagate`).
    pub(crate) fn also_propagate(&mut self, db: usize, argv: Argv) {
        if self.propagate && self.master.is_none() {
            self.pending_propagation.push((db, argv));
        }
    }

    /// The `DEL` (or `UNLINK`, when that kind of deletion is lazy) that replicas receive for a key
    /// the server removed by itself (Redis's `propagateDeletion`).
    pub(crate) fn propagate_deletion(&mut self, db: usize, key: &[u8], lazy_config: &str) {
        let name: &[u8] = if self.config.settings.flag(lazy_config) { b"UNLINK" } else { b"DEL" };
        self.also_propagate(db, vec![name.to_vec(), key.to_vec()]);
    }

    /// Feeds what is pending to the stream (Redis's `propagatePendingCommands`): several
    /// commands of one execution are wrapped in `MULTI`/`EXEC` when `transaction` allows, and a
    /// `SELECT` goes before a command for another database than the stream's.
    pub(crate) fn feed_propagation(&mut self, out: &mut Outcome, transaction: bool) {
        let ops = std::mem::take(&mut self.pending_propagation);
        let (Some(first), Some(last)) = (ops.first().map(|o| o.0), ops.last().map(|o| o.0)) else { return };
        let wrap = transaction && ops.len() > 1;
        if wrap {
            self.feed(out, first, vec![b"MULTI".to_vec()]);
        }
        for (db, argv) in ops {
            self.feed(out, db, argv);
        }
        if wrap {
            self.feed(out, last, vec![b"EXEC".to_vec()]);
        }
    }

    fn feed(&mut self, out: &mut Outcome, db: usize, argv: Argv) {
        if self.repl_seldb != Some(db) {
            let select = vec![b"SELECT".to_vec(), db.to_string().into_bytes()];
            self.stats.repl_offset += resp_len(&select);
            out.propagate.push(select);
            self.repl_seldb = Some(db);
        }
        self.stats.repl_offset += resp_len(&argv);
        out.propagate.push(argv);
    }

    fn process(
        &mut self,
        now_ms: u64,
        client: ClientId,
        argv: &[Vec<u8>],
        out: &mut Outcome,
        host: Option<&mut dyn ServerHost>,
    ) -> Option<Reply> {
        self.stats.net_input_bytes += resp_len(argv);
        let (parent, spec) = match resolve(argv, self.version()) {
            Ok(found) => found,
            Err(e) => {
                self.abort_transaction(client);
                let text = e.to_string();
                let command = match &e {
                    Error::WrongArity { name } => Some(name.clone()),
                    _ => None,
                };
                self.count_rejection(command, &text);
                return Some(Reply::Error(text));
            }
        };
        let queuing = self.clients.get(&client).is_some_and(|c| c.multi.is_some());
        if queuing && self.has_flag(parent, spec, &[("no_multi", Flag::NoMulti)]) {
            return self.reject(
                now_ms,
                client,
                argv,
                out,
                (parent, spec),
                "ERR Command not allowed inside a transaction",
            );
        }
        if let Some(error) = self.access_denied(client, parent, spec, argv) {
            self.log_refusal(client, parent, spec, argv, now_ms);
            return self.reject(now_ms, client, argv, out, (parent, spec), &error);
        }
        // Redis Cluster: a key of another node's slot sends the client there.
        if self.cluster.is_some() {
            if let Some(error) = self.cluster_redirect(now_ms, client, parent, spec, argv) {
                if parent.is_none() && spec.name == "exec" {
                    // EXEC discards the transaction and answers the redirection itself.
                    if let Some(c) = self.clients.get_mut(&client) {
                        c.multi = None;
                    }
                    self.unwatch_all(client);
                    self.count_rejection(Some(command::full_name(parent, spec)), &error);
                    return Some(Reply::Error(error));
                }
                return self.reject(now_ms, client, argv, out, (parent, spec), &error);
            }
        }
        // What the command (or, for EXEC, what it queued) may do, as `processCommand` weighs it.
        let weighed = match self.clients.get(&client).and_then(|c| c.multi.as_ref()) {
            Some(tx) if parent.is_none() && spec.name == "exec" => {
                let mut all = Weighed { stale: true, ..Weighed::default() };
                for queued in &tx.queued {
                    if let Ok((p, s)) = resolve(queued, self.version()) {
                        let w = self.weigh(p, s, queued);
                        all.write |= w.write;
                        all.deny_oom |= w.deny_oom;
                        all.stale &= w.stale;
                        all.may_replicate |= w.may_replicate;
                    }
                }
                all
            }
            _ => self.weigh(parent, spec, argv),
        };
        // Redis's `processCommand`: with a memory limit, evict first; a command that may add
        // data is refused if memory is still over the limit.
        if self.config.maxmemory > 0 && !self.in_script {
            let enough = self.perform_evictions(now_ms, out);
            self.pre_command_oom = !enough;
            // What eviction invalidated reaches the caller before the command runs, as Redis
            // sends tracking messages at once when no command is executing.
            if !self.tracking.pending.is_empty() {
                self.tracking_deliver(out);
                let (mine, others): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut out.woken).into_iter().partition(|(c, _)| *c == client);
                out.preface.extend(mine.into_iter().map(|(_, r)| r));
                out.woken = others;
            }
            // Queuing in MULTI takes memory too: only EXEC, DISCARD, QUIT and RESET escape.
            let queuing = self.clients.get(&client).is_some_and(|c| c.multi.is_some())
                && !(parent.is_none() && matches!(spec.name, "exec" | "discard" | "quit" | "reset"));
            if !enough && (weighed.deny_oom || queuing) {
                return self.reject(
                    now_ms,
                    client,
                    argv,
                    out,
                    (parent, spec),
                    "OOM command not allowed when used memory > 'maxmemory'.",
                );
            }
        }
        // min-replicas-to-write: a write needs enough replicas that acknowledged lately.
        if weighed.write && !self.enough_good_replicas(now_ms) {
            return self.reject(
                now_ms,
                client,
                argv,
                out,
                (parent, spec),
                "NOREPLICAS Not enough good replicas to write.",
            );
        }
        // A read-only replica refuses writes (and EXEC of queued writes) from its clients.
        if self.master.is_some()
            && self.config.settings.flag("replica-read-only")
            && weighed.write
            && !self.obeys(client)
        {
            return self.reject(
                now_ms,
                client,
                argv,
                out,
                (parent, spec),
                "READONLY You can't write against a read only replica.",
            );
        }
        // A replica cut off from its primary serves only STALE commands when told not to serve
        // stale data.
        if self.master.as_ref().is_some_and(|m| !m.is_up())
            && !self.config.settings.flag("replica-serve-stale-data")
            && !weighed.stale
            && !self.obeys(client)
        {
            return self.reject(
                now_ms,
                client,
                argv,
                out,
                (parent, spec),
                "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            );
        }
        // A script busy past its threshold: only what may run beside it runs (Redis's
        // `CMD_ALLOW_BUSY`).
        if let Some(busy) = self.busy_error() {
            if !self.has_flag(parent, spec, &[("allow_busy", Flag::AllowBusy)]) {
                return self.reject(now_ms, client, argv, out, (parent, spec), busy);
            }
        }
        // CLIENT PAUSE holds the command (all of them, or those that may write) until the pause
        // ends; replicas are never paused.
        if let Some(pause) = self.pause {
            let replica = self.clients.get(&client).is_some_and(|c| c.replica.is_some());
            let may_write = weighed.write || weighed.may_replicate;
            if now_ms < pause.end_ms && !replica && (!pause.writes_only || may_write) {
                self.postpone(client, parent, spec, argv, pause.end_ms, out);
                return None;
            }
        }
        let c = self.clients.get(&client);
        let in_multi = c.is_some_and(|c| c.multi.is_some());
        if let Some(c) = c {
            let allowed = parent.unwrap_or(spec).has(Flag::WhileSubscribed);
            if c.protocol == Protocol::Resp2 && c.in_pubsub_mode() && !allowed {
                self.abort_transaction(client);
                let name = command::full_name(parent, spec);
                let text = format!(
                    "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                );
                self.count_rejection(Some(name), &text);
                return Some(Reply::Error(text));
            }
        }
        if in_multi && !parent.unwrap_or(spec).has(Flag::ActsInMulti) {
            if let Some(tx) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
                tx.queued.push(argv.to_vec());
            }
            return Some(Reply::status("QUEUED"));
        }
        self.call(now_ms, client, (parent, spec), argv, out, host)
    }

    /// Runs a command that has been looked up and checked: the part Redis calls `call()`.
    fn call(
        &mut self,
        now_ms: u64,
        client: ClientId,
        (parent, spec): (Option<&'static CommandSpec>, &'static CommandSpec),
        argv: &[Vec<u8>],
        out: &mut Outcome,
        host: Option<&mut dyn ServerHost>,
    ) -> Option<Reply> {
        self.stats.commands_processed += 1;
        if let Some(c) = self.clients.get_mut(&client) {
            c.last_command = Some((parent.map(|p| p.name), spec.name));
        }
        // `resolve` only returns runnable commands.
        let Some(run) = spec.run else {
            return Some(Reply::Error(Error::WrongArity { name: command::full_name(parent, spec) }.to_string()));
        };
        let skip = if parent.is_some() { 2 } else { 1 };
        let deny_blocking = self.in_exec;
        let mut ctx = Ctx {
            server: self,
            client,
            now_ms,
            out,
            dirty: 0,
            argv,
            deny_blocking,
            propagate_as: None,
            also_propagate: Vec::new(),
            prevent_propagation: false,
            counts_hits: spec.has(Flag::ReadOnly),
            host: host.map(|y| y as &mut dyn ServerHost),
        };
        let scripting_entry = !ctx.server.in_script
            && matches!(spec.name, "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro");
        if scripting_entry {
            ctx.server.script_errors.clear();
            if ctx.server.clients.get(&client).is_some_and(|c| c.tracking.is_some()) {
                ctx.server.script_keys = command_key_names(parent, spec, argv);
            }
        }
        // Scripts are shown to monitors before the commands they run.
        if scripting_entry
            && matches!(spec.name, "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro")
            && !ctx.server.rerunning
        {
            ctx.server.feed_monitors(now_ms, client, argv, ctx.out);
        }
        let result = run(&mut ctx, Args::new(&argv[skip..]));
        let (dirty, rewritten) = (ctx.dirty, ctx.propagate_as.take());
        let (also, prevent) = (std::mem::take(&mut ctx.also_propagate), ctx.prevent_propagation);
        if dirty > 0 && spec.has(Flag::Write) && self.config.notify != 0 {
            let db = self.clients.get(&client).map_or(0, |c| c.db);
            crate::notify::command_events(self, out, parent, spec, argv, db);
        }
        // Keys the command made and no event announced yet.
        if self.config.notify & crate::notify::NEW != 0 {
            crate::notify::flush_new_keys(self, out);
        }
        self.stats.changes += dirty;
        if self.propagating() {
            let db = self.clients.get(&client).map_or(0, |c| c.db);
            for op in also {
                self.also_propagate(db, op);
            }
            // EXEC itself is never propagated: what it ran is, wrapped (`feed_propagation`).
            let exec = parent.is_none() && spec.name == "exec";
            // PUBLISH reaches the replicas' subscribers too (Redis forces its propagation).
            let publish = parent.is_none() && spec.name == "publish";
            if ((dirty > 0 && spec.has(Flag::Write)) || publish) && !prevent && !exec {
                self.also_propagate(db, rewritten.unwrap_or_else(|| argv.to_vec()));
            }
        }
        // Everything else after it ran, but what an administrator runs (Redis's `call`).
        if !self.rerunning
            && !self.monitors.is_empty()
            && !self.has_flag(parent, spec, &[("admin", Flag::Admin), ("skip_monitor", Flag::SkipMonitor)])
        {
            self.feed_monitors(now_ms, client, argv, out);
        }
        let reply = match result {
            Ok(_) if std::mem::take(&mut self.silent) => None,
            Ok(reply) => Some(reply),
            // A re-run that would block again is put back as it was by `serve_blocked`.
            Err(Error::Block(on)) => {
                if !self.rerunning {
                    self.park(client, parent, spec, on, out);
                }
                None
            }
            Err(e) => Some(Reply::Error(e.to_string())),
        };
        let error = match &reply {
            Some(Reply::Error(e)) => Some(e.clone()),
            _ => None,
        };
        let counted = error.as_ref().is_some_and(|msg| {
            scripting_entry && self.script_errors.iter().any(|e| msg == e || msg.starts_with(&format!("{e} script: ")))
        });
        if let (true, Some(e)) = (self.in_script, &error) {
            self.script_errors.push(e.clone());
        }
        // Client-side caching: the keys a read-only command read are remembered for the client
        // (inside a script, the script's declared keys).
        if (spec.has(Flag::ReadOnly) || parent.is_some_and(|p| p.has(Flag::ReadOnly)))
            && !matches!(spec.name, "eval_ro" | "evalsha_ro" | "fcall_ro")
            && !spec.has(Flag::PubSub)
            && self.clients.get(&client).is_some_and(|c| c.tracking.is_some())
        {
            let keys = if self.in_script { self.script_keys.clone() } else { command_key_names(parent, spec, argv) };
            self.tracking_remember(client, keys);
        }
        let cost = slowlog::cost_us(argv, reply.as_ref(), slowlog::COST_CAP);
        let usec = cost as u64;
        let first_run = !self.rerunning;
        if first_run && !self.in_script {
            let fast = self.has_flag(parent, spec, &[("fast", Flag::Fast)]);
            self.latency_sample(if fast { "fast-command" } else { "command" }, now_ms, usec / 1000);
        }
        self.count_call_of(parent, spec, usec, error.as_deref(), counted, first_run);
        // EXEC is not logged itself: the commands it runs are.
        let exec = parent.is_none() && spec.name == "exec";
        if !self.in_script && !exec {
            self.slowlog_push(now_ms, client, (parent, spec), argv, reply.as_ref(), cost);
        }
        reply
    }

    /// Redis's `rejectCommand`: the error, counted as a rejected call, and the transaction it
    /// was queued in will fail; a rejected EXEC discards its transaction, saying why.
    fn reject(
        &mut self,
        now_ms: u64,
        client: ClientId,
        argv: &[Vec<u8>],
        out: &mut Outcome,
        (parent, spec): (Option<&'static CommandSpec>, &'static CommandSpec),
        error: &str,
    ) -> Option<Reply> {
        let name = command::full_name(parent, spec);
        if parent.is_none() && spec.name == "exec" {
            if let Some(c) = self.clients.get_mut(&client) {
                c.multi = None;
            }
            self.unwatch_all(client);
            let text = format!("EXECABORT Transaction discarded because of: {error}");
            self.count_rejection(Some(name), &text);
            // Monitors saw MULTI: they see the EXEC that ends it.
            self.feed_monitors(now_ms, client, argv, out);
            return Some(Reply::Error(text));
        }
        self.abort_transaction(client);
        self.count_rejection(Some(name), error);
        Some(Reply::Error(error.to_string()))
    }

    /// Redis's `getCommandFlags` for the checks before a command runs: a script that declares
    /// its flags is weighed by them instead of by EVAL's or FCALL's.
    /// Whether the command has any of `flags`: by the emulated version's command table where it
    /// lists the command, by Redsim's own spec otherwise.
    fn has_flag(
        &self,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        flags: &[(&str, Flag)],
    ) -> bool {
        let (_, bits) = crate::meta::with_flags(parent, spec, self.version());
        flags.iter().any(|(_, flag)| bits & flag.bit() != 0)
    }

    pub(crate) fn weigh(
        &self,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
    ) -> Weighed {
        let mut weighed = match crate::meta::for_spec(parent, spec, self.version()) {
            Some(m) => Weighed { write: m.write, deny_oom: m.denyoom, stale: m.stale, may_replicate: m.may_replicate },
            None => Weighed {
                write: spec.has(Flag::Write),
                deny_oom: spec.has(Flag::DenyOom),
                stale: spec.has(Flag::Stale),
                may_replicate: false,
            },
        };
        if let Some(declared) = crate::commands::scripting::declared_flags(self, parent, spec, argv) {
            weighed.write = !declared.no_writes;
            weighed.deny_oom = !declared.no_writes && !declared.allow_oom;
            weighed.stale = declared.allow_stale;
            weighed.may_replicate = false;
        }
        weighed
    }

    /// Redis's `checkGoodReplicasStatus`.
    pub(crate) fn enough_good_replicas(&self, now_ms: u64) -> bool {
        let (wanted, max_lag) = (self.config.min_replicas_to_write, self.config.min_replicas_max_lag);
        if self.master.is_some() || wanted == 0 || max_lag == 0 {
            return true;
        }
        let lag_ms = u64::try_from(max_lag).unwrap_or(0).saturating_mul(1000);
        let good = self
            .clients
            .values()
            .filter_map(|c| c.replica.as_ref())
            .filter(|r| now_ms.saturating_sub(r.acked_ms) <= lag_ms)
            .count();
        good as i64 >= wanted
    }

    fn abort_transaction(&mut self, client: ClientId) {
        if let Some(tx) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
            tx.aborted = true;
        }
    }
}

/// What a running script may do and has done (Redis's `scriptRunCtx` flags).
#[derive(Clone, Copy, Debug, Default)]
pub struct ScriptRun {
    /// `EVAL_RO`, `FCALL_RO` or a `no-writes` script.
    pub read_only: bool,
    /// The script declared `allow-oom`.
    pub allow_oom: bool,
    /// It has run a write (Redis's `SCRIPT_WRITE_DIRTY`).
    pub write_dirty: bool,
    /// Cluster: the slot its keys are in so far (the first declared key's, else the first
    /// used), and whether it declared `allow-cross-slot-keys`.
    pub slot: Option<u16>,
    pub cross_slot: bool,
}

/// A push message, or several of them at once (a multi-channel `SUBSCRIBE`).
fn is_push(reply: &Reply) -> bool {
    match reply {
        Reply::Push(_) => true,
        Reply::Many(items) => !items.is_empty() && items.iter().all(is_push),
        _ => false,
    }
}

/// What `processCommand` needs to know of a command before it runs it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Weighed {
    write: bool,
    deny_oom: bool,
    stale: bool,
    may_replicate: bool,
}

/// The keys a command line names (Redis's `getKeysFromCommand`).
pub(crate) fn command_key_names(
    parent: Option<&'static CommandSpec>,
    spec: &'static CommandSpec,
    argv: &[Vec<u8>],
) -> Vec<Vec<u8>> {
    let Some(id) = crate::acl::id_of(parent, spec) else { return Vec::new() };
    let entry = &crate::acl::registry()[id];
    crate::acl::command_keys(entry, argv).into_iter().filter_map(|(at, _)| argv.get(at).cloned()).collect()
}

/// 40 hex digits from a seed: the replication ID a server starts with (Redis draws it at random;
/// here every run gets the same one, so runs replay).
/// A new replication ID after `old` at `offset` (a promotion), drawn from both so runs replay.
pub(crate) fn next_replid(old: &str, offset: u64) -> String {
    let seed =
        old.bytes().fold(offset ^ 0x9e37_79b9_7f4a_7c15, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    replid_from(seed | 1)
}

/// A replication ID (40 hex digits) drawn from `seed`: the same seed gives the same ID.
pub fn replid_from(seed: u64) -> String {
    let mut seed = seed ^ 0x5eed_0f7e_115c_a1ed;
    seed = seed.max(1);
    let mut out = String::with_capacity(40);
    while out.len() < 40 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.push_str(&format!("{seed:016x}"));
    }
    out.truncate(40);
    out
}

/// Bytes of a command as RESP (`*<n>\r\n` then `$<len>\r\n<arg>\r\n` per argument): how far it
/// moves a replication offset.
pub fn resp_len(argv: &[Vec<u8>]) -> u64 {
    // Most lengths are short: two comparisons before the general count.
    let digits = |n: usize| match n {
        0..=9 => 1,
        10..=99 => 2,
        _ => n.ilog10() as usize + 1,
    };
    let header = 3 + digits(argv.len());
    let body: usize = argv.iter().map(|a| 5 + digits(a.len()) + a.len()).sum();
    (header + body) as u64
}

/// Finds the command (and its container, for a subcommand) the way Redis's `lookupCommand` does,
/// and checks the arity.
/// SplitMix64: the next 64 random bits from `state` (the engine's seeded generator, and a local
/// one seeded from it where a value being read cannot hold the server borrowed).
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn resolve(
    argv: &[Vec<u8>],
    version: Version,
) -> Result<(Option<&'static CommandSpec>, &'static CommandSpec)> {
    let unknown = || Error::UnknownCommand { name: argv[0].clone(), args: argv[1..].to_vec() };
    let top = command::lookup(&argv[0]).filter(|c| c.available_in(version)).ok_or_else(unknown)?;
    let (parent, spec) = if top.subcommands.is_empty() || argv.len() == 1 {
        (None, top)
    } else {
        let sub = top.subcommand(&argv[1]).ok_or_else(|| Error::UnknownSubcommand {
            sub: argv[1].clone(),
            container: String::from_utf8_lossy(&argv[0]).to_uppercase(),
        })?;
        (Some(top), sub)
    };
    if !spec.arity_ok(argv.len()) || spec.run.is_none() {
        return Err(Error::WrongArity { name: command::full_name(parent, spec) });
    }
    Ok((parent, spec))
}

#[cfg(test)]
mod propagation_tests {
    use super::*;

    fn stream(lines: &[&str]) -> Vec<String> {
        let mut server = Server::new(Version::V7_0);
        let c = server.connect(0);
        let mut out = Vec::new();
        for line in lines {
            let argv = crate::cli::split_args(line.as_bytes()).unwrap_or_default();
            for cmd in server.execute(1_000, c, &argv).propagate {
                out.push(String::from_utf8_lossy(&cmd.join(&b' ')).into_owned());
            }
        }
        out
    }

    #[test]
    fn the_stream_selects_its_database_and_wraps_what_one_command_ran() {
        // Redis 7.0's propagatePendingCommands: a SELECT first, MULTI/EXEC around two or more.
        assert_eq!(stream(&["SET a 1", "SELECT 3", "SET b 2"]), ["SELECT 0", "SET a 1", "SELECT 3", "SET b 2"]);
        assert_eq!(stream(&["MULTI", "SET a 1", "EXEC"]), ["SELECT 0", "SET a 1"]);
        assert_eq!(
            stream(&["MULTI", "SET a 1", "GET a", "INCR a", "EXEC"]),
            ["SELECT 0", "MULTI", "SET a 1", "INCR a", "EXEC"]
        );
        assert_eq!(
            stream(&["EVAL \"redis.call('set','x','1') redis.call('set','y','2')\" 0"]),
            ["SELECT 0", "MULTI", "set x 1", "set y 2", "EXEC"]
        );
        assert!(stream(&["MULTI", "GET a", "EXEC"]).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::resp_len;

    #[test]
    fn resp_len_counts_the_encoding() {
        for lengths in [&[0usize][..], &[9, 10], &[99, 100, 101], &[999, 1000, 123_456_789]] {
            let argv: Vec<Vec<u8>> = lengths.iter().map(|&n| vec![b'x'; n]).collect();
            let mut encoded = format!("*{}\r\n", argv.len()).into_bytes();
            for a in &argv {
                encoded.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                encoded.extend_from_slice(a);
                encoded.extend_from_slice(b"\r\n");
            }
            assert_eq!(resp_len(&argv), encoded.len() as u64, "{lengths:?}");
        }
        assert_eq!(resp_len(&vec![Vec::new(); 12]), 5 + 12 * 6);
    }
}
