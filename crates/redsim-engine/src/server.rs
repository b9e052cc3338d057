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

/// Redis's `CLIENT ID`: unique, increasing, never reused.
pub type ClientId = u64;

/// One command line as the server receives it.
pub type Argv = Vec<Vec<u8>>;

pub const DB_COUNT: usize = 16;

/// What running one command produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// The reply to the calling client; `None` when it gets none now (an empty request).
    pub reply: Option<Reply>,
    pub effects: Vec<Effect>,
    /// What a primary would send to its replicas and its AOF, in order.
    pub propagate: Vec<Argv>,
    /// The client asked to close its connection (`QUIT`) once the reply is written.
    pub close: bool,
    /// Replies for other clients that this command woke (blocked reads served by a write).
    pub woken: Vec<(ClientId, Reply)>,
    /// Other clients whose connections this command closed (`CLIENT KILL`).
    pub killed: Vec<ClientId>,
}

#[derive(Clone, Debug)]
pub struct Client {
    pub id: ClientId,
    pub name: Option<Vec<u8>>,
    pub db: usize,
    pub protocol: Protocol,
    pub created_ms: u64,
    pub last_command_ms: u64,
    /// `Some` between `MULTI` and `EXEC`/`DISCARD`.
    multi: Option<Transaction>,
    /// Keys this client `WATCH`es: (db, key, already expired when watched).
    pub watched: Vec<(usize, Vec<u8>, bool)>,
    /// A watched key was touched: the next `EXEC` fails (Redis's `CLIENT_DIRTY_CAS`).
    pub dirty_cas: bool,
    /// Pub/sub subscriptions, in the order they were made.
    pub channels: Vec<Vec<u8>>,
    pub patterns: Vec<Vec<u8>>,
    pub shard_channels: Vec<Vec<u8>>,
    /// The last command (container and name), for `CLIENT LIST`.
    pub last_command: Option<(Option<&'static str>, &'static str)>,
    /// The ACL user the connection runs as, and whether it has authenticated.
    pub user: Vec<u8>,
    pub authenticated: bool,
}

impl Client {
    pub(crate) fn new(id: ClientId, now_ms: u64) -> Client {
        Client {
            id,
            name: None,
            db: 0,
            protocol: Protocol::Resp2,
            created_ms: now_ms,
            last_command_ms: now_ms,
            multi: None,
            watched: Vec::new(),
            dirty_cas: false,
            channels: Vec::new(),
            patterns: Vec::new(),
            shard_channels: Vec::new(),
            last_command: None,
            user: b"default".to_vec(),
            authenticated: true,
        }
    }

    pub fn in_transaction(&self) -> bool {
        self.multi.is_some()
    }

    /// Commands queued by `MULTI` so far.
    pub fn queued_len(&self) -> usize {
        self.multi.as_ref().map_or(0, |t| t.queued.len())
    }

    /// Channels plus patterns (Redis's `clientSubscriptionsCount`).
    pub fn subscriptions(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// In RESP2 a subscribed client may only (un)subscribe, ping, quit or reset.
    pub fn in_pubsub_mode(&self) -> bool {
        self.subscriptions() + self.shard_channels.len() > 0
    }
}

#[derive(Clone, Debug, Default)]
struct Transaction {
    queued: Vec<Argv>,
    /// A command was rejected while queueing: `EXEC` must answer `EXECABORT`.
    aborted: bool,
}

/// A client parked by a blocking command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub db: usize,
    pub keys: Vec<Vec<u8>>,
    /// Absolute virtual ms; 0 waits forever.
    pub deadline_ms: u64,
    pub argv: Argv,
    /// The command that blocked (and its container), run again when a key it waits on is written.
    pub parent: Option<&'static CommandSpec>,
    pub spec: &'static CommandSpec,
    /// Blocking order: clients waiting on the same key are served first come, first served.
    pub order: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub commands_processed: u64,
    pub expired_keys: u64,
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
}

/// Settings a user can read and change with `CONFIG`.
#[derive(Clone, Debug)]
pub struct Config {
    pub version: Version,
    pub stream_node_limits: NodeLimits,
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

/// `used_memory` of a Redis 7.0 that has just started, before any key.
pub const STARTUP_MEMORY: usize = 876_160;
/// Redis's `EVPOOL_SIZE`: the best eviction candidates kept between samples.
const EVICTION_POOL: usize = 16;

#[derive(Clone, Debug)]
pub struct Server {
    pub config: Config,
    pub dbs: Vec<Db>,
    pub clients: BTreeMap<ClientId, Client>,
    pub stats: Stats,
    pub blocked: BTreeMap<ClientId, Blocked>,
    /// Whether commands report effects (for the app's pictures). A RESP server that only answers
    /// clients turns them off to save the allocations, and so does the simulated world.
    pub observe: bool,
    /// Whether writes build the replication stream (`Outcome::propagate`). Redis builds it only
    /// once a replica or the AOF needs it; the simulator turns it off for a lone node.
    pub propagate: bool,
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
    /// Where each database's active expiry scan goes on from (Redis's `expires_cursor`).
    expire_cursor: Vec<Option<Vec<u8>>>,
    /// The state of the seeded generator behind `RANDOMKEY`, `SPOP` and friends.
    rng: u64,
    /// Who watches each key: (db, key) -> clients.
    watchers: BTreeMap<(usize, Vec<u8>), Vec<ClientId>>,
    /// Pub/sub subscribers per channel, pattern and shard channel, in subscription order.
    pub pubsub_channels: BTreeMap<Vec<u8>, Vec<ClientId>>,
    pub pubsub_patterns: BTreeMap<Vec<u8>, Vec<ClientId>>,
    pub pubsub_shard_channels: BTreeMap<Vec<u8>, Vec<ClientId>>,
    /// The script cache, function libraries and the scripts' random state.
    pub scripts: crate::commands::scripting::Scripts,
    /// True while a script's `redis.call` runs a command.
    pub in_script: bool,
    /// ACL users by name (`default` always exists).
    pub users: BTreeMap<Vec<u8>, crate::acl::User>,
    /// `ACL LOG`, newest first.
    pub acl_log: std::collections::VecDeque<AclLogEntry>,
    next_acl_log_id: u64,
    /// `SLOWLOG`, newest first.
    pub slowlog: std::collections::VecDeque<SlowlogEntry>,
    pub slowlog_next_id: u64,
    /// Redis's eviction pool: `(score, db, key)`, best candidate last.
    eviction_pool: Vec<(u64, usize, Vec<u8>)>,
    /// Where the random eviction policies look next (Redis's `next_db`).
    eviction_next_db: usize,
}

/// One `ACL LOG` entry: a refusal, counted again when it recurs within a minute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclLogEntry {
    pub id: u64,
    pub count: u64,
    /// `command`, `key`, `channel` or `auth`.
    pub reason: &'static str,
    /// `toplevel`, `multi` or `lua`.
    pub context: &'static str,
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    pub created_ms: u64,
    pub updated_ms: u64,
    pub client_info: String,
}

/// One `SLOWLOG GET` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowlogEntry {
    pub id: u64,
    pub time_s: u64,
    pub duration_us: i64,
    pub args: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

/// `acllog-max-len`.
const ACL_LOG_MAX: usize = 128;

/// How often `serverCron` runs the active expiry cycle (`hz 10`).
const CRON_PERIOD_MS: u64 = 100;
/// Keys the cycle looks at per database per loop (`ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const EXPIRE_KEYS_PER_LOOP: usize = 20;
/// The cycle goes on in a database while more than this share of the sample had expired.
const EXPIRE_ACCEPTABLE_STALE_PERCENT: usize = 10;
/// Loops per database per cycle: the engine's stand-in for Redis's 25 ms time budget.
const EXPIRE_MAX_LOOPS: usize = 16;

impl Server {
    pub fn new(version: Version) -> Server {
        Server {
            config: Config {
                version,
                stream_node_limits: NodeLimits::default(),
                notify: Default::default(),
                idmp_duration_s: crate::stream::idmp::DEFAULT_DURATION_S,
                idmp_maxsize: crate::stream::idmp::DEFAULT_MAXSIZE,
                maxmemory: 0,
                maxmemory_policy: "noeviction",
                maxmemory_samples: 5,
                slowlog_slower_than: 10_000,
                slowlog_max_len: 128,
            },
            dbs: vec![Db::default(); DB_COUNT],
            clients: BTreeMap::new(),
            stats: Stats::default(),
            blocked: BTreeMap::new(),
            observe: true,
            propagate: true,
            next_client_id: 1,
            next_block_order: 0,
            ready_keys: Vec::new(),
            in_exec: false,
            rerunning: false,
            last_cron_ms: 0,
            expire_cursor: vec![None; DB_COUNT],
            rng: 0x9E37_79B9_7F4A_7C15,
            watchers: BTreeMap::new(),
            pubsub_channels: BTreeMap::new(),
            pubsub_patterns: BTreeMap::new(),
            pubsub_shard_channels: BTreeMap::new(),
            scripts: Default::default(),
            in_script: false,
            users: BTreeMap::from([(b"default".to_vec(), crate::acl::User::default_user())]),
            acl_log: Default::default(),
            next_acl_log_id: 0,
            eviction_pool: Vec::new(),
            eviction_next_db: 0,
            slowlog: Default::default(),
            slowlog_next_id: 0,
        }
    }

    /// Redis's `touchWatchedKey`: every client watching `key` will fail its `EXEC`.
    /// `expired`: the key went away by expiry, which does not count for a client that watched
    /// it when it had already expired.
    pub fn touch_watched(&mut self, db: usize, key: &[u8], expired: bool) {
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
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Redis's `activeExpireCycle`, run for every `serverCron` tick up to `now_ms`: each
    /// database's keys with a TTL are walked in order from where the last walk stopped, 20 at a
    /// time, removing those whose time has come, and the walk goes on while more than 10% of a
    /// sample had expired.
    fn active_expire(&mut self, now_ms: u64, out: &mut Outcome) {
        if self.last_cron_ms == 0 || now_ms < self.last_cron_ms {
            self.last_cron_ms = now_ms;
            return;
        }
        let cycles = (now_ms - self.last_cron_ms) / CRON_PERIOD_MS;
        // A jump far ahead only needs enough cycles to have walked every volatile key a few times.
        let volatile: usize = self.dbs.iter().map(Db::expires_len).sum();
        let needed = (volatile / EXPIRE_KEYS_PER_LOOP + 2) as u64 * 2;
        let skipped = cycles.saturating_sub(needed);
        self.last_cron_ms += skipped * CRON_PERIOD_MS;
        for _ in skipped..cycles {
            self.last_cron_ms += CRON_PERIOD_MS;
            let at = self.last_cron_ms;
            for db in 0..self.dbs.len() {
                for _ in 0..EXPIRE_MAX_LOOPS {
                    let (sampled, expired) = self.expire_sample(db, at, out);
                    if sampled == 0 || expired * 100 <= sampled * EXPIRE_ACCEPTABLE_STALE_PERCENT {
                        break;
                    }
                }
            }
        }
    }

    /// One loop of the cycle in one database: returns (keys looked at, keys expired).
    fn expire_sample(&mut self, db: usize, at_ms: u64, out: &mut Outcome) -> (usize, usize) {
        use std::ops::Bound;
        let cursor = self.expire_cursor[db].take();
        let from = cursor.as_ref().map_or(Bound::Unbounded, |k| Bound::Excluded(k.clone()));
        let mut sample: Vec<(Vec<u8>, u64)> =
            self.dbs[db].expires_range(from).take(EXPIRE_KEYS_PER_LOOP).map(|(k, at)| (k.clone(), at)).collect();
        if let Some(cursor) = cursor.as_ref().filter(|_| sample.len() < EXPIRE_KEYS_PER_LOOP) {
            // Wrap around to the start, as the dictionary scan does, up to where this walk began.
            let wanted = EXPIRE_KEYS_PER_LOOP - sample.len();
            let more: Vec<(Vec<u8>, u64)> = self.dbs[db]
                .expires_range(Bound::Unbounded)
                .take_while(|(k, _)| *k <= cursor)
                .take(wanted)
                .map(|(k, at)| (k.clone(), at))
                .collect();
            sample.extend(more);
        }
        self.expire_cursor[db] = sample.last().map(|(k, _)| k.clone());
        let mut expired = 0;
        for (key, at) in &sample {
            if *at <= at_ms {
                self.touch_watched(db, key, true);
                self.dbs[db].remove(key);
                self.stats.expired_keys += 1;
                expired += 1;
                crate::notify::notify(self, out, crate::notify::EXPIRED, "expired", key, db);
                out.effects.push(Effect::KeyExpired { db, key: key.clone(), lazily: false });
                out.propagate.push(vec![b"DEL".to_vec(), key.clone()]);
                self.ready_keys.push((db, key.clone()));
            }
        }
        (sample.len(), expired)
    }

    pub fn version(&self) -> Version {
        self.config.version
    }

    /// Registers a new connection and returns its id.
    pub fn connect(&mut self, now_ms: u64) -> ClientId {
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.stats.connections_received += 1;
        let mut client = Client::new(id, now_ms);
        client.authenticated = !self.auth_required_by_default();
        self.clients.insert(id, client);
        id
    }

    /// Redis's `addACLLogEntry`: a refusal joins a like one from the last minute among the ten
    /// newest, or becomes a new entry.
    #[allow(clippy::too_many_arguments)]
    pub fn log_acl_denial(
        &mut self,
        client: ClientId,
        reason: &'static str,
        context: &'static str,
        object: &[u8],
        username: Option<&[u8]>,
        now_ms: u64,
    ) {
        let Some(c) = self.clients.get(&client) else { return };
        let username = username.map_or_else(|| c.user.clone(), <[u8]>::to_vec);
        let client_info = crate::commands::connection::client_line(self, client, now_ms).trim_end().to_string();
        let same = self.acl_log.iter().take(10).position(|e| {
            e.reason == reason
                && e.context == context
                && e.object == object
                && e.username == username
                && e.updated_ms.abs_diff(now_ms) <= 60_000
        });
        if let Some(mut entry) = same.and_then(|at| self.acl_log.remove(at)) {
            entry.count += 1;
            entry.updated_ms = now_ms;
            entry.client_info = client_info;
            self.acl_log.push_front(entry);
            return;
        }
        let id = self.next_acl_log_id;
        self.next_acl_log_id += 1;
        self.acl_log.push_front(AclLogEntry {
            id,
            count: 1,
            reason,
            context,
            object: object.to_vec(),
            username,
            created_ms: now_ms,
            updated_ms: now_ms,
            client_info,
        });
        self.acl_log.truncate(ACL_LOG_MAX);
    }

    /// What `OBJECT ENCODING` says of the value at `key` in `db`.
    pub fn encoding_of(&self, db: usize, key: &[u8], value: &Value) -> &'static str {
        match (value, self.dbs[db].forced_encoding(key)) {
            (Value::String(_), Some(forced)) => forced,
            (v, _) => v.encoding(self.version().at_least(7, 2)),
        }
    }

    /// `MEMORY USAGE` of one key.
    pub fn key_memory(&self, db: usize, key: &[u8], samples: usize) -> Option<usize> {
        let value = self.dbs[db].get(key)?;
        let encoding = self.encoding_of(db, key, value);
        Some(crate::memory::usage(key, value, encoding, samples, self.version().at_least(7, 2)))
    }

    /// The keys' memory, as `MEMORY USAGE` counts it, plus the expiry table's entries.
    pub fn dataset_memory(&self) -> usize {
        let samples = crate::memory::DEFAULT_SAMPLES;
        self.dbs
            .iter()
            .enumerate()
            .map(|(db, d)| {
                d.keys().map(|(k, _)| self.key_memory(db, k, samples).unwrap_or(0)).sum::<usize>()
                    + 24 * d.expires_len()
            })
            .sum()
    }

    /// `used_memory`: what Redis uses at start plus the dataset.
    pub fn used_memory(&self) -> usize {
        STARTUP_MEMORY + self.dataset_memory()
    }

    pub fn lfu_policy(&self) -> bool {
        self.config.maxmemory_policy.ends_with("-lfu")
    }

    /// Redis's `performEvictions`: removes keys by the policy until memory is under `maxmemory`.
    /// False when it is still over (nothing left to evict, or `noeviction`).
    fn perform_evictions(&mut self, now_ms: u64, out: &mut Outcome) -> bool {
        if self.config.maxmemory == 0 {
            return true;
        }
        loop {
            if self.used_memory() as u64 <= self.config.maxmemory {
                return true;
            }
            let Some((db, key)) = self.eviction_candidate(now_ms) else { return false };
            self.touch_watched(db, &key, false);
            self.dbs[db].remove(&key);
            self.stats.evicted_keys += 1;
            crate::notify::notify(self, out, crate::notify::EVICTED, "evicted", &key, db);
            out.effects.push(Effect::KeyEvicted { db, key: key.clone(), policy: self.config.maxmemory_policy });
            out.propagate.push(vec![b"DEL".to_vec(), key.clone()]);
            self.ready_keys.push((db, key));
        }
    }

    /// The next key to evict under the policy, if any (Redis's sampling approximation).
    fn eviction_candidate(&mut self, now_ms: u64) -> Option<(usize, Vec<u8>)> {
        let policy = self.config.maxmemory_policy;
        if policy == "noeviction" {
            return None;
        }
        let volatile = policy.starts_with("volatile");
        let pool_of = |d: &Db| if volatile { d.expires_len() } else { d.len() };
        if policy.ends_with("-random") {
            for _ in 0..self.dbs.len() {
                let db = self.eviction_next_db % self.dbs.len();
                self.eviction_next_db += 1;
                let n = pool_of(&self.dbs[db]);
                if n == 0 {
                    continue;
                }
                let pick = (self.random() % n as u64) as usize;
                let key = if volatile {
                    self.dbs[db].expires().nth(pick).map(|(k, _)| k.clone())
                } else {
                    self.dbs[db].nth_key(pick).cloned()
                };
                return key.map(|k| (db, k));
            }
            return None;
        }
        // Sample each database into the pool, then take its best candidate that still exists.
        let samples = self.config.maxmemory_samples.max(1);
        for db in 0..self.dbs.len() {
            let n = pool_of(&self.dbs[db]);
            if n == 0 {
                continue;
            }
            for _ in 0..samples.min(n) {
                let pick = (self.random() % n as u64) as usize;
                let key = if volatile {
                    self.dbs[db].expires().nth(pick).map(|(k, _)| k.clone())
                } else {
                    self.dbs[db].nth_key(pick).cloned()
                };
                let Some(key) = key else { continue };
                let score = if policy.ends_with("-lru") {
                    now_ms.saturating_sub(self.dbs[db].access_ms(&key).unwrap_or(now_ms))
                } else if policy.ends_with("-lfu") {
                    255 - u64::from(self.dbs[db].lfu_counter(&key, now_ms).unwrap_or(0))
                } else {
                    u64::MAX - self.dbs[db].expire_at(&key).unwrap_or(u64::MAX)
                };
                if self.eviction_pool.iter().any(|(_, d, k)| *d == db && *k == key) {
                    continue;
                }
                let at = self.eviction_pool.partition_point(|(s, _, _)| *s <= score);
                self.eviction_pool.insert(at, (score, db, key));
                if self.eviction_pool.len() > EVICTION_POOL {
                    self.eviction_pool.remove(0);
                }
            }
        }
        while let Some((_, db, key)) = self.eviction_pool.pop() {
            let live = if volatile { self.dbs[db].expire_at(&key).is_some() } else { self.dbs[db].get(&key).is_some() };
            if live {
                return Some((db, key));
            }
        }
        None
    }

    /// Whether a new connection must `AUTH` first: the default user has a password or is off.
    fn auth_required_by_default(&self) -> bool {
        self.users.get(b"default".as_slice()).is_none_or(|u| !u.nopass || !u.enabled)
    }

    /// Writes an `ACL LOG` entry for a command refused by the user's permissions.
    fn log_refusal(
        &mut self,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
        now_ms: u64,
    ) {
        let Some(c) = self.clients.get(&client) else { return };
        let Some(user) = self.users.get(&c.user) else { return };
        let Some(Err(denied)) = crate::acl::id_of(parent, spec).map(|id| user.check(id, argv)) else { return };
        let context = if c.multi.is_some() { "multi" } else { "toplevel" };
        let (reason, object) = match denied {
            crate::acl::Denied::Command => ("command", command::full_name(parent, spec).into_bytes()),
            crate::acl::Denied::Key(at) => ("key", argv[at].clone()),
            crate::acl::Denied::Channel(at) => ("channel", argv[at].clone()),
        };
        self.log_acl_denial(client, reason, context, &object, None, now_ms);
    }

    /// Redis's NOAUTH and NOPERM checks, before a command runs or is queued.
    fn access_denied(
        &self,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
    ) -> Option<String> {
        let c = self.clients.get(&client)?;
        if !c.authenticated && self.auth_required_by_default() && !spec.has(Flag::NoAuth) {
            return Some("NOAUTH Authentication required.".into());
        }
        let user = self.users.get(&c.user)?;
        let id = crate::acl::id_of(parent, spec)?;
        let denied = user.check(id, argv).err()?;
        let newer = self.version().at_least(7, 2);
        Some(match (denied, newer) {
            (crate::acl::Denied::Command, false) => {
                format!("NOPERM this user has no permissions to run the '{}' command", command::full_name(parent, spec))
            }
            (crate::acl::Denied::Command, true) => format!(
                "NOPERM User {} has no permissions to run the '{}' command",
                String::from_utf8_lossy(&c.user),
                command::full_name(parent, spec)
            ),
            (crate::acl::Denied::Key(_), false) => {
                "NOPERM this user has no permissions to access one of the keys used as arguments".into()
            }
            (crate::acl::Denied::Key(_), true) => "NOPERM No permissions to access a key".into(),
            (crate::acl::Denied::Channel(_), false) => {
                "NOPERM this user has no permissions to access one of the channels used as arguments".into()
            }
            (crate::acl::Denied::Channel(_), true) => "NOPERM No permissions to access a channel".into(),
        })
    }

    pub fn disconnect(&mut self, client: ClientId) {
        self.unwatch_all(client);
        for map in [&mut self.pubsub_channels, &mut self.pubsub_patterns, &mut self.pubsub_shard_channels] {
            map.values_mut().for_each(|list| list.retain(|&c| c != client));
            map.retain(|_, list| !list.is_empty());
        }
        self.clients.remove(&client);
        self.blocked.remove(&client);
    }

    pub fn is_blocked(&self, client: ClientId) -> bool {
        self.blocked.contains_key(&client)
    }

    /// Lets time pass: blocked clients whose deadline is at or before `now_ms` get the null
    /// reply of a timed-out read. Returns those replies, in blocking order.
    pub fn tick(&mut self, now_ms: u64) -> Outcome {
        let mut out = Outcome::default();
        self.active_expire(now_ms, &mut out);
        let mut expired: Vec<(u64, ClientId)> = self
            .blocked
            .iter()
            .filter(|(_, b)| b.deadline_ms != 0 && b.deadline_ms <= now_ms)
            .map(|(&id, b)| (b.order, id))
            .collect();
        expired.sort_unstable();
        for (_, client) in expired {
            self.blocked.remove(&client);
            out.effects.push(Effect::ClientUnblocked { client, timed_out: true });
            out.woken.push((client, Reply::NilArray));
        }
        out
    }

    /// The earliest deadline among blocked clients, for a driver that sleeps until then.
    pub fn next_deadline(&self) -> Option<u64> {
        self.blocked.values().map(|b| b.deadline_ms).filter(|&d| d != 0).min()
    }

    pub fn client(&self, client: ClientId) -> Option<&Client> {
        self.clients.get(&client)
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
        let mut out = Outcome::default();
        if argv.is_empty() {
            return out;
        }
        match self.clients.get_mut(&client) {
            Some(c) => c.last_command_ms = now_ms,
            None => {
                // An id the server never handed out: treat it as a fresh connection under that id.
                self.next_client_id = self.next_client_id.max(client + 1);
                self.stats.connections_received += 1;
                let mut fresh = Client::new(client, now_ms);
                fresh.authenticated = !self.auth_required_by_default();
                fresh.last_command_ms = now_ms;
                self.clients.insert(client, fresh);
            }
        }
        out.reply = self.process(now_ms, client, argv, &mut out);
        self.serve_blocked(now_ms, &mut out);
        out
    }

    fn process(&mut self, now_ms: u64, client: ClientId, argv: &[Vec<u8>], out: &mut Outcome) -> Option<Reply> {
        let (parent, spec) = match resolve(argv, self.version()) {
            Ok(found) => found,
            Err(e) => {
                self.abort_transaction(client);
                return Some(Reply::Error(e.to_string()));
            }
        };
        if let Some(error) = self.access_denied(client, parent, spec, argv) {
            self.log_refusal(client, parent, spec, argv, now_ms);
            // A refused EXEC discards the transaction, saying why (Redis's `execCommandAbort`).
            if parent.is_none() && spec.name == "exec" {
                if let Some(c) = self.clients.get_mut(&client) {
                    c.multi = None;
                }
                self.unwatch_all(client);
                return Some(Reply::Error(format!("EXECABORT Transaction discarded because of: {error}")));
            }
            self.abort_transaction(client);
            return Some(Reply::Error(error));
        }
        // Redis's `processCommand`: with a memory limit, evict first; a command that may add
        // data is refused if memory is still over the limit.
        if self.config.maxmemory > 0 && !self.in_script {
            let enough = self.perform_evictions(now_ms, out);
            if !enough && spec.has(Flag::DenyOom) {
                self.abort_transaction(client);
                return Some(Reply::Error("OOM command not allowed when used memory > 'maxmemory'.".into()));
            }
        }
        let c = self.clients.get(&client);
        let in_multi = c.is_some_and(|c| c.multi.is_some());
        if let Some(c) = c {
            let allowed = parent.unwrap_or(spec).has(Flag::WhileSubscribed);
            if c.protocol == Protocol::Resp2 && c.in_pubsub_mode() && !allowed {
                self.abort_transaction(client);
                return Some(Reply::Error(format!(
                    "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                    command::full_name(parent, spec)
                )));
            }
        }
        if in_multi && !parent.unwrap_or(spec).has(Flag::ActsInMulti) {
            if let Some(tx) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
                tx.queued.push(argv.to_vec());
            }
            return Some(Reply::status("QUEUED"));
        }
        self.call(now_ms, client, parent, spec, argv, out)
    }

    /// Runs again the commands of clients blocked on keys that were written, first blocked
    /// first served, until no more keys become ready.
    fn serve_blocked(&mut self, now_ms: u64, out: &mut Outcome) {
        while !self.ready_keys.is_empty() {
            let ready = std::mem::take(&mut self.ready_keys);
            let mut waiting: Vec<(u64, ClientId)> = self
                .blocked
                .iter()
                .filter(|(_, b)| {
                    ready.iter().any(|(db, key)| *db == b.db && b.keys.contains(key) && self.serves(b, key))
                })
                .map(|(&id, b)| (b.order, id))
                .collect();
            waiting.sort_unstable();
            for (_, client) in waiting {
                // Out of the table while it runs again (a re-run that finds nothing parks anew).
                let Some(blocked) = self.blocked.remove(&client) else {
                    continue;
                };
                let reply = match self.wake_error_7_0(&blocked) {
                    Some(error) => Some(Reply::Error(error)),
                    None => {
                        let (parent, spec) = (blocked.parent, blocked.spec);
                        self.rerunning = true;
                        let reply = self.call(now_ms, client, parent, spec, &blocked.argv, out);
                        self.rerunning = false;
                        if reply.is_none() {
                            // Still nothing to serve: the client stays as it was, with its place
                            // in line, deadline and command line.
                            self.blocked.insert(client, blocked);
                        }
                        reply
                    }
                };
                if let Some(reply) = reply {
                    self.blocked.remove(&client);
                    out.effects.push(Effect::ClientUnblocked { client, timed_out: false });
                    out.woken.push((client, reply));
                }
            }
        }
    }

    /// Whether a write to `key` can serve `blocked`: a command that waits for a key of a type
    /// (list and sorted-set pops) stays blocked on a key that became something else; stream reads
    /// run again whatever happened.
    fn serves(&self, blocked: &Blocked, key: &[u8]) -> bool {
        match blocked.spec.waits_for {
            Some(wanted) => self.dbs[blocked.db].get(key).is_some_and(|v| v.type_name() == wanted),
            None => true,
        }
    }

    /// Redis 7.0 answers a blocked XREADGROUP with its own errors when the stream or the group
    /// went away (7.2 and later run the command again and give its usual error).
    fn wake_error_7_0(&self, blocked: &Blocked) -> Option<String> {
        if self.version().at_least(7, 2) || !blocked.argv[0].eq_ignore_ascii_case(b"xreadgroup") {
            return None;
        }
        // The GROUP option comes before STREAMS, so its first occurrence is the option.
        let at = blocked.argv.iter().position(|a| a.eq_ignore_ascii_case(b"GROUP"))?;
        let group = &blocked.argv[at + 1];
        for key in &blocked.keys {
            match self.dbs[blocked.db].get(key) {
                Some(Value::Stream(s)) if !s.groups.contains_key(group) => {
                    return Some("NOGROUP the consumer group this client was blocked on no longer exists".into());
                }
                Some(Value::Stream(_)) => {}
                _ => return Some("UNBLOCKED the stream key no longer exists".into()),
            }
        }
        None
    }

    /// Runs a command that has been looked up and checked: the part Redis calls `call()`.
    fn call(
        &mut self,
        now_ms: u64,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
        out: &mut Outcome,
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
        };
        let result = run(&mut ctx, Args::new(&argv[skip..]));
        let (dirty, rewritten) = (ctx.dirty, ctx.propagate_as.take());
        let (also, prevent) = (std::mem::take(&mut ctx.also_propagate), ctx.prevent_propagation);
        if dirty > 0 && spec.has(Flag::Write) && self.config.notify != 0 {
            let db = self.clients.get(&client).map_or(0, |c| c.db);
            crate::notify::command_events(self, out, parent, spec, argv, db);
        }
        self.stats.changes += dirty;
        if self.propagating() {
            let before = out.propagate.len();
            out.propagate.extend(also);
            if dirty > 0 && spec.has(Flag::Write) && !prevent {
                out.propagate.push(rewritten.unwrap_or_else(|| argv.to_vec()));
            }
            self.stats.repl_offset += out.propagate[before..].iter().map(|argv| resp_len(argv)).sum::<u64>();
        }
        let reply = match result {
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
        // EXEC is not logged itself: the commands it runs are.
        let exec = parent.is_none() && spec.name == "exec";
        if !self.in_script && !exec {
            self.slowlog_push(now_ms, client, parent, spec, argv, reply.as_ref());
        }
        reply
    }

    /// Redis's `slowlogPushEntryIfNeeded`, with a command's duration taken from a cost model:
    /// Redsim runs in virtual time, so a command costs 1 µs plus 1 µs per argument and per
    /// element of its reply.
    fn slowlog_push(
        &mut self,
        now_ms: u64,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
        reply: Option<&Reply>,
    ) {
        let threshold = self.config.slowlog_slower_than;
        if threshold < 0 {
            return;
        }
        /// The reply's element count, or any number of at least `cap` once it gets there: only
        /// whether the threshold is reached matters for most commands, and a big reply need not
        /// be walked to the end to know.
        fn weight(r: &Reply, cap: i64) -> i64 {
            // A leaf weighs 1, counted here rather than by a call per element.
            fn add(total: &mut i64, x: &Reply, cap: i64) {
                if *total < cap {
                    *total += match x {
                        Reply::Array(_) | Reply::Set(_) | Reply::Push(_) | Reply::Many(_) | Reply::Map(_) => {
                            weight(x, cap - *total)
                        }
                        _ => 1,
                    };
                }
            }
            let mut total = 1;
            match r {
                Reply::Array(v) | Reply::Set(v) | Reply::Push(v) | Reply::Many(v) => {
                    for x in v {
                        add(&mut total, x, cap);
                    }
                }
                Reply::Map(v) => {
                    for (k, x) in v {
                        add(&mut total, k, cap);
                        add(&mut total, x, cap);
                    }
                }
                _ => {}
            }
            total
        }
        let base = 1 + argv.len() as i64;
        if base + reply.map_or(0, |r| weight(r, (threshold - base).max(1))) < threshold {
            return;
        }
        let duration = base + reply.map_or(0, |r| weight(r, i64::MAX));
        // Arguments that carry secrets are not kept (Redis's `redactClientCommandArgument`).
        let full = command::full_name(parent, spec);
        let redacted = |i: usize| match full.as_str() {
            "auth" => i >= 1,
            "acl|setuser" => i >= 2,
            "hello" => {
                argv.iter().position(|a| a.eq_ignore_ascii_case(b"AUTH")).is_some_and(|at| i > at && i <= at + 2)
            }
            _ => false,
        };
        const MAX_ARGC: usize = 32;
        const MAX_STRING: usize = 128;
        let shown = argv.len().min(MAX_ARGC);
        let mut args: Vec<Vec<u8>> = Vec::with_capacity(shown);
        for (i, arg) in argv.iter().enumerate().take(shown) {
            if shown != argv.len() && i == shown - 1 {
                args.push(format!("... ({} more arguments)", argv.len() - shown + 1).into_bytes());
            } else if redacted(i) {
                args.push(b"(redacted)".to_vec());
            } else if arg.len() > MAX_STRING {
                let mut a = arg[..MAX_STRING].to_vec();
                a.extend_from_slice(format!("... ({} more bytes)", arg.len() - MAX_STRING).as_bytes());
                args.push(a);
            } else {
                args.push(arg.clone());
            }
        }
        let (addr, name) = self.clients.get(&client).map_or((String::new(), Vec::new()), |c| {
            (format!("127.0.0.1:{}", 50000 + c.id), c.name.clone().unwrap_or_default())
        });
        let id = self.slowlog_next_id;
        self.slowlog_next_id += 1;
        self.slowlog.push_front(SlowlogEntry { id, time_s: now_ms / 1000, duration_us: duration, args, addr, name });
        self.slowlog.truncate(self.config.slowlog_max_len as usize);
    }

    fn park(
        &mut self,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        on: crate::error::BlockOn,
        out: &mut Outcome,
    ) {
        let db = self.clients.get(&client).map_or(0, |c| c.db);
        let order = self.next_block_order;
        self.next_block_order += 1;
        out.effects.push(Effect::ClientBlocked { client, db, keys: on.keys.clone(), deadline_ms: on.deadline_ms });
        let blocked = Blocked { db, keys: on.keys, deadline_ms: on.deadline_ms, argv: on.argv, parent, spec, order };
        self.blocked.insert(client, blocked);
    }

    fn abort_transaction(&mut self, client: ClientId) {
        if let Some(tx) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
            tx.aborted = true;
        }
    }
}

/// Bytes of a command as RESP (`*<n>\r\n` then `$<len>\r\n<arg>\r\n` per argument): how far it
/// moves a replication offset.
pub fn resp_len(argv: &[Vec<u8>]) -> u64 {
    let digits = |n: usize| n.checked_ilog10().unwrap_or(0) as usize + 1;
    let header = 3 + digits(argv.len());
    let body: usize = argv.iter().map(|a| 5 + digits(a.len()) + a.len()).sum();
    (header + body) as u64
}

/// Finds the command (and its container, for a subcommand) the way Redis's `lookupCommand` does,
/// and checks the arity.
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

/// What a command handler sees: the server, who is calling, and when.
pub struct Ctx<'a> {
    pub server: &'a mut Server,
    pub client: ClientId,
    pub now_ms: u64,
    pub out: &'a mut Outcome,
    /// How many changes the command made (Redis's `server.dirty` delta): a write command that
    /// changed nothing is not propagated.
    pub dirty: u64,
    /// The whole command line, name included, as the client sent it.
    pub argv: &'a [Vec<u8>],
    /// Blocking commands must answer at once (inside `EXEC`).
    pub deny_blocking: bool,
    /// What to send to replicas and the AOF instead of `argv`, when they must not redo the
    /// command's choices (a generated ID, an approximate trim).
    pub propagate_as: Option<Argv>,
    /// Lookups count as keyspace hits and misses (read-only commands, as Redis's read lookups).
    pub counts_hits: bool,
    /// Commands propagated besides (Redis's `alsoPropagate`), in order.
    pub also_propagate: Vec<Argv>,
    /// The command itself is not propagated (Redis's `preventCommandPropagation`): what it did
    /// travels as `also_propagate`.
    pub prevent_propagation: bool,
}

impl Ctx<'_> {
    pub fn version(&self) -> Version {
        self.server.config.version
    }

    /// The calling client (`execute` registers one it does not know; were it missing, it reads as
    /// a fresh connection).
    pub fn client(&self) -> &Client {
        static FRESH: std::sync::LazyLock<Client> = std::sync::LazyLock::new(|| Client::new(0, 0));
        self.server.clients.get(&self.client).unwrap_or(&FRESH)
    }

    pub fn client_mut(&mut self) -> &mut Client {
        let (id, now_ms) = (self.client, self.now_ms);
        self.server.clients.entry(id).or_insert_with(|| Client::new(id, now_ms))
    }

    pub fn db_index(&self) -> usize {
        self.client().db
    }

    pub fn db(&mut self) -> &mut Db {
        let index = self.db_index();
        &mut self.server.dbs[index]
    }

    pub fn effect(&mut self, effect: Effect) {
        if self.server.observe {
            self.out.effects.push(effect);
        }
    }

    /// Removes `key` if its time to live has run out, as Redis's `expireIfNeeded` does on every
    /// access: the removal is an effect, and replicas receive it as a `DEL`.
    pub fn expire_if_needed(&mut self, key: &[u8]) {
        let db = self.db_index();
        if self.server.dbs[db].is_expired(key, self.now_ms) {
            self.server.touch_watched(db, key, true);
            self.server.dbs[db].remove(key);
            self.server.stats.expired_keys += 1;
            self.out.effects.push(Effect::KeyExpired { db, key: key.to_vec(), lazily: true });
            crate::notify::notify(self.server, self.out, crate::notify::EXPIRED, "expired", key, db);
            self.out.propagate.push(vec![b"DEL".to_vec(), key.to_vec()]);
        }
    }

    /// The live value of `key`, after lazy expiry.
    pub fn lookup(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_needed(key);
        let now = self.now_ms;
        let index = self.db_index();
        let server = &mut *self.server;
        let value = server.dbs[index].get_touch(key, now);
        if self.counts_hits {
            if value.is_some() {
                server.stats.keyspace_hits += 1;
            } else {
                server.stats.keyspace_misses += 1;
            }
        }
        value
    }

    /// Marks `key` as written, so clients blocked on it are served after this command.
    pub fn signal_ready(&mut self, key: &[u8]) {
        let db = self.db_index();
        self.server.touch_watched(db, key, false);
        let ready = &mut self.server.ready_keys;
        // Only a key some client waits on becomes ready (Redis looks in `db->blocking_keys`).
        let awaited = || self.server.blocked.values().any(|b| b.db == db && b.keys.iter().any(|k| k == key));
        if !self.server.blocked.is_empty() && !ready.iter().any(|(d, k)| *d == db && k == key) && awaited() {
            ready.push((db, key.to_vec()));
        }
    }

    /// Marks every key that blocked clients wait on in `db` (all databases if `None`) as ready,
    /// after a flush.
    pub fn signal_flushed(&mut self, db: Option<usize>) {
        let keys: Vec<(usize, Vec<u8>)> = self
            .server
            .blocked
            .values()
            .filter(|b| db.is_none_or(|d| d == b.db))
            .flat_map(|b| b.keys.iter().map(move |k| (b.db, k.clone())))
            .collect();
        self.server.ready_keys.extend(keys);
    }

    /// Stores `value` at `key`, records the write, and counts it as a change.
    pub fn store(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        self.store_mut(key, value, keep_ttl);
    }

    /// `store`, handing back the value where it now is: a command that creates a key goes on
    /// working on it without looking it up again.
    pub fn store_mut(&mut self, key: &[u8], value: Value, keep_ttl: bool) -> &mut Value {
        let db = self.db_index();
        self.signal_ready(key);
        self.dirty += 1;
        self.effect(Effect::KeyWritten { db, key: key.to_vec() });
        self.server.dbs[db].insert_at(key, value, keep_ttl, self.now_ms)
    }

    /// Closes another client's connection (`CLIENT KILL`); the caller's own is closed after the reply.
    pub fn kill_client(&mut self, id: ClientId) {
        if id == self.client {
            self.out.close = true;
            return;
        }
        self.server.disconnect(id);
        self.out.killed.push(id);
    }

    /// Records an in-place change to the value at `key` (Redis's `signalModifiedKey` plus
    /// `server.dirty++`).
    pub fn modified(&mut self, key: &[u8]) {
        let db = self.db_index();
        self.signal_ready(key);
        self.dirty += 1;
        self.effect(Effect::KeyWritten { db, key: key.to_vec() });
    }

    /// Sets or clears the expiry of a key that exists, with its effect.
    pub fn set_expiry(&mut self, key: &[u8], at_ms: Option<u64>) {
        let db = self.db_index();
        self.server.touch_watched(db, key, false);
        match at_ms {
            Some(at) => self.server.dbs[db].set_expire(key, at),
            None => {
                self.server.dbs[db].persist(key);
            }
        }
        self.effect(Effect::ExpireSet { db, key: key.to_vec(), at_ms });
    }

    /// Deletes `key` if it is live; true when something was deleted.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        self.expire_if_needed(key);
        let db = self.db_index();
        let removed = self.server.dbs[db].remove(key).is_some();
        if removed {
            self.signal_ready(key);
            self.dirty += 1;
            self.effect(Effect::KeyDeleted { db, key: key.to_vec() });
            crate::notify::notify(self.server, self.out, crate::notify::GENERIC, "del", key, db);
        }
        removed
    }

    /// Enters `MULTI`.
    pub fn begin_transaction(&mut self) -> Result<()> {
        let client = self.client_mut();
        if client.multi.is_some() {
            return Err(Error::NestedMulti);
        }
        client.multi = Some(Transaction::default());
        Ok(())
    }

    /// Leaves `MULTI`, returning what was queued, or `EXECABORT` when queueing failed.
    /// `Ok(None)` when a watched key was touched: `EXEC` then answers a null array.
    pub fn take_transaction(&mut self) -> Result<Option<Vec<Argv>>> {
        let tx = self.client_mut().multi.take().ok_or(Error::ExecWithoutMulti)?;
        // A watched key whose time ran out counts as touched (Redis's `isWatchedKeyExpired`).
        let now = self.now_ms;
        let expired = self.client().watched.iter().any(|(db, key, _)| self.server.dbs[*db].is_expired(key, now));
        let dirty = self.client().dirty_cas || expired;
        let client = self.client;
        self.server.unwatch_all(client);
        if tx.aborted {
            return Err(Error::ExecAbort);
        }
        Ok((!dirty).then_some(tx.queued))
    }

    pub fn discard_transaction(&mut self) -> Result<()> {
        self.client_mut().multi.take().ok_or(Error::DiscardWithoutMulti)?;
        let client = self.client;
        self.server.unwatch_all(client);
        Ok(())
    }

    /// `WATCH key`: remembers the key for this client.
    pub fn watch(&mut self, key: &[u8]) {
        let db = self.db_index();
        let client = self.client;
        if self.client().watched.iter().any(|(d, k, _)| *d == db && k == key) {
            return;
        }
        let expired = self.server.dbs[db].is_expired(key, self.now_ms);
        self.client_mut().watched.push((db, key.to_vec(), expired));
        self.server.watchers.entry((db, key.to_vec())).or_default().push(client);
    }

    /// Runs a command for a script's `redis.call` (Redis's `scriptCall`): the checks a script's
    /// command passes, then the command as if inside `EXEC` (blocking commands answer at once).
    /// The error is the error reply the script sees.
    pub fn call_from_script(
        &mut self,
        argv: &[Vec<u8>],
        read_only: bool,
        denied: fn(Option<&CommandSpec>, &CommandSpec) -> bool,
    ) -> std::result::Result<Reply, String> {
        let (parent, spec) = match resolve(argv, self.server.version()) {
            Ok(found) => found,
            Err(Error::WrongArity { .. }) => {
                return Err("ERR Wrong number of args calling Redis command from script".into())
            }
            Err(_) => return Err("ERR Unknown Redis command called from script".into()),
        };
        if denied(parent, spec) {
            return Err("ERR This Redis command is not allowed from script".into());
        }
        if read_only && (spec.has(Flag::Write) || parent.is_some_and(|p| p.has(Flag::Write))) {
            return Err("ERR Write commands are not allowed from read-only scripts.".into());
        }
        if let Some(denied) = self.acl_refusal(parent, spec, argv) {
            return Err(match denied {
                crate::acl::Denied::Command => "ERR The user executing the script can't run this command or subcommand",
                crate::acl::Denied::Key(_) => {
                    "ERR The user executing the script can't access at least one of the keys mentioned in the command"
                }
                crate::acl::Denied::Channel(_) => {
                    "ERR The user executing the script can't publish to the channel mentioned in the command"
                }
            }
            .into());
        }
        let (was_in_exec, was_in_script) = (self.server.in_exec, self.server.in_script);
        self.server.in_exec = true;
        self.server.in_script = true;
        let reply = self.server.call(self.now_ms, self.client, parent, spec, argv, self.out);
        self.server.in_exec = was_in_exec;
        self.server.in_script = was_in_script;
        Ok(reply.unwrap_or(Reply::NilArray))
    }

    /// What the calling client's user may not do with this command, if anything.
    fn acl_refusal(
        &self,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
    ) -> Option<crate::acl::Denied> {
        let user = self.server.clients.get(&self.client).and_then(|c| self.server.users.get(&c.user))?;
        user.check(crate::acl::id_of(parent, spec)?, argv).err()
    }

    /// Runs a queued command inside `EXEC`, with the same effects and propagation as a direct
    /// call; blocking commands answer at once as if they timed out.
    pub fn run_queued(&mut self, argv: &[Vec<u8>]) -> Reply {
        match resolve(argv, self.server.version()) {
            Ok((parent, spec)) => {
                // The rules may have changed since the command was queued.
                if let Some(denied) = self.acl_refusal(parent, spec, argv) {
                    let reason = match denied {
                        crate::acl::Denied::Command => "no permission to execute the command or subcommand",
                        crate::acl::Denied::Key(_) => "no permission to touch the specified keys",
                        crate::acl::Denied::Channel(_) => {
                            "no permission to access one of the channels used as arguments"
                        }
                    };
                    return Reply::Error(format!(
                        "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {reason}"
                    ));
                }
                self.server.in_exec = true;
                let reply = self.server.call(self.now_ms, self.client, parent, spec, argv, self.out);
                self.server.in_exec = false;
                reply.unwrap_or(Reply::NilArray)
            }
            Err(e) => Reply::Error(e.to_string()),
        }
    }
}
