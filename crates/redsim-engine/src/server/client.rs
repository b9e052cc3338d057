//! Connections: what the server keeps of each client.

use super::*;

#[derive(Clone, Debug)]
pub struct Client {
    pub id: ClientId,
    pub name: Option<Vec<u8>>,
    /// `CLIENT SETINFO lib-name` and `lib-ver` (Redis 7.2).
    pub lib_name: Option<Vec<u8>>,
    pub lib_ver: Option<Vec<u8>>,
    pub db: usize,
    pub protocol: Protocol,
    pub created_ms: u64,
    pub last_command_ms: u64,
    /// `SCRIPT DEBUG YES|SYNC`: the next `EVAL` opens a Lua debugging session (`Some(true)`:
    /// synchronous, the server waits; `Some(false)`: on a copy of the data, as Redis's fork).
    pub ldb: Option<bool>,
    /// `Some` between `MULTI` and `EXEC`/`DISCARD`.
    pub(super) multi: Option<Transaction>,
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
    /// Set once the client has asked for the replication stream (`SYNC`/`PSYNC`).
    pub replica: Option<ReplicaLink>,
    /// The replication offset after this client's last write (Redis's `woff`): what `WAIT`
    /// waits for replicas to acknowledge.
    pub woff: u64,
    /// What a replica-to-be announced before its `SYNC` (`REPLCONF listening-port`, `ip-address`).
    pub announced_port: u16,
    /// Cluster: `ASKING` was sent (good for the next command), `READONLY` is on.
    pub asking: bool,
    pub cluster_readonly: bool,
    pub announced_ip: Option<String>,
    /// `CLIENT TRACKING ON ...`.
    pub tracking: Option<super::tracking::Tracking>,
    /// `CLIENT CACHING yes|no` for the next command.
    pub caching_given: bool,
    /// `CLIENT REPLY`.
    pub reply_mode: ReplyMode,
    /// `MONITOR`: every command of the others is shown to it.
    pub monitor: bool,
    /// `CLIENT NO-EVICT on`.
    pub no_evict: bool,
    /// The peer's and the local address, when the host knows them (`ip:port`).
    pub addr: Option<String>,
    pub laddr: Option<String>,
    /// `HIMPORT PREPARE`'s fieldsets, by name (Redis 8.10).
    pub fieldsets: std::collections::BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
}

/// `CLIENT REPLY ON|OFF|SKIP`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReplyMode {
    #[default]
    On,
    Off,
    /// `SKIP` was given: the command after the next one is answered again.
    SkipNext,
    /// This command's reply is skipped.
    Skip,
}

/// A replica's side of its link, as its primary sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaLink {
    /// What it said with `REPLCONF listening-port`.
    pub listening_port: u16,
    /// The replication offset it last acknowledged (`REPLCONF ACK`).
    pub acked_offset: u64,
    /// The address it announced (`REPLCONF ip-address`), else its connection's.
    pub ip: Option<String>,
    /// When it last acknowledged (Redis's `repl_ack_time`), for the `lag` `INFO` shows.
    pub acked_ms: u64,
}

impl Client {
    pub(crate) fn new(id: ClientId, now_ms: u64) -> Client {
        Client {
            id,
            name: None,
            lib_name: None,
            lib_ver: None,
            db: 0,
            protocol: Protocol::Resp2,
            created_ms: now_ms,
            last_command_ms: now_ms,
            ldb: None,
            multi: None,
            watched: Vec::new(),
            dirty_cas: false,
            channels: Vec::new(),
            patterns: Vec::new(),
            shard_channels: Vec::new(),
            last_command: None,
            user: b"default".to_vec(),
            replica: None,
            woff: 0,
            announced_port: 0,
            asking: false,
            cluster_readonly: false,
            announced_ip: None,
            tracking: None,
            caching_given: false,
            reply_mode: ReplyMode::On,
            monitor: false,
            no_evict: false,
            addr: None,
            laddr: None,
            fieldsets: Default::default(),
            authenticated: true,
        }
    }

    /// Leaves `MULTI` without running anything (`DISCARD`, `RESET`).
    pub(crate) fn clear_transaction(&mut self) {
        self.multi = None;
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
pub(super) struct Transaction {
    pub(super) queued: Vec<Argv>,
    /// A command was rejected while queueing: `EXEC` must answer `EXECABORT`.
    pub(super) aborted: bool,
}
