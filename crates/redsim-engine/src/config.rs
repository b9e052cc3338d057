//! Redis's configuration parameters: the table of every parameter a version has (name, alias,
//! type, default, bounds and flags, as Redis's `standardConfig` table declares them), the values
//! a server holds, and how `CONFIG GET` prints them and `CONFIG SET` (or a start-up option) reads,
//! checks and stores them.
//!
//! The server keeps one [`Settings`]; the parts of it the engine acts on (encoding thresholds,
//! stream node limits, memory, slow log, notifications) are copied into typed fields of
//! [`crate::server::Config`] whenever a value changes, so hot paths never look a name up.

use crate::version::Version;

/// What a parameter allows, as Redis's config flags.
pub type Flags = u16;
pub const IMMUTABLE: Flags = 1 << 0;
/// Its value is redacted from the slow log and `MONITOR`.
pub const SENSITIVE: Flags = 1 << 1;
pub const DEBUG: Flags = 1 << 2;
/// Only an exact name finds it (`CONFIG GET *` skips it).
pub const HIDDEN: Flags = 1 << 3;
/// Settable only when `enable-protected-configs` allows it.
pub const PROTECTED: Flags = 1 << 4;
pub const DENY_LOADING: Flags = 1 << 5;
/// The value is split on spaces into several words.
pub const MULTI_ARG: Flags = 1 << 6;
pub const VOLATILE: Flags = 1 << 7;

/// The C type a numeric parameter has in Redis, which decides how its bounds are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Num {
    Int,
    UInt,
    Long,
    ULong,
    LongLong,
    ULongLong,
    SizeT,
    SSizeT,
    TimeT,
    OffT,
}

impl Num {
    /// Redis compares these bounds as unsigned (so `-1` is a huge number and out of range).
    fn unsigned(self) -> bool {
        matches!(self, Num::UInt | Num::ULongLong | Num::SizeT)
    }
}

/// How a numeric value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Plain,
    /// `5mb`, `1gb`, `100k`.
    Memory,
    /// A memory value or `N%` (stored negative).
    MemoryOrPercent,
    Octal,
}

/// The names one multiple-choice parameter accepts, with the value each stands for (several
/// names may stand for one value; the first is the one shown).
pub type Choices = &'static [(&'static str, i32)];

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Bool(bool),
    Text(&'static str),
    Choice(Choices, &'static str),
    Number(Num, i128, i128, i64, Unit),
    /// A parameter with its own reader and writer (`save`, `bind`, `dir`, ...).
    Special,
}

#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: Flags,
    pub kind: Kind,
    since: Version,
    until: Option<Version>,
}

const fn p(name: &'static str, flags: Flags, kind: Kind) -> Param {
    Param { name, alias: None, flags, kind, since: Version::V7_0, until: None }
}

impl Param {
    const fn alias(mut self, alias: &'static str) -> Param {
        self.alias = Some(alias);
        self
    }

    const fn since(mut self, version: Version) -> Param {
        self.since = version;
        self
    }

    const fn until(mut self, version: Version) -> Param {
        self.until = Some(version);
        self
    }

    /// Whether a server of this version has the parameter.
    pub fn in_version(&self, version: Version) -> bool {
        version >= self.since && self.until.is_none_or(|u| version < u)
    }
}

const INT_MAX: i128 = i32::MAX as i128;
const INT_MIN: i128 = i32::MIN as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;

use Kind::{Bool, Choice, Number, Special, Text};
use Num::*;
use Unit::*;

const SUPERVISED_MODE: Choices = &[("upstart", 1), ("systemd", 2), ("auto", 3), ("no", 0)];
const SYSLOG_FACILITY: Choices = &[
    ("user", 8),
    ("local0", 128),
    ("local1", 136),
    ("local2", 144),
    ("local3", 152),
    ("local4", 160),
    ("local5", 168),
    ("local6", 176),
    ("local7", 184),
];
const LOGLEVEL: Choices = &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
/// In Redis's order, which its error message lists.
pub const MAXMEMORY_POLICY: Choices = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
const AOF_FSYNC: Choices = &[("everysec", 2), ("always", 1), ("no", 0)];
const SHUTDOWN_ON_SIG: Choices = &[("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)];
const REPL_DISKLESS_LOAD: Choices = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const TLS_AUTH_CLIENTS: Choices = &[("no", 0), ("yes", 1), ("optional", 2)];
const OOM_SCORE_ADJ: Choices = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: Choices = &[("allchannels", 1), ("resetchannels", 0)];
const SANITIZE_DUMP_PAYLOAD: Choices = &[("no", 0), ("yes", 1), ("clients", 2)];
const PROTECTED_ACTION: Choices = &[("no", 0), ("yes", 1), ("local", 2)];
const CLUSTER_PREFERRED_ENDPOINT_TYPE: Choices = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR_BEHAVIOR: Choices = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];

/// Every parameter of every version the engine emulates, in Redis's table order; where a
/// parameter changed between versions it has one row per span of versions.
pub static PARAMS: &[Param] = &[
    p("rdbchecksum", IMMUTABLE, Bool(true)),
    p("daemonize", IMMUTABLE, Bool(false)),
    p("io-threads-do-reads", DEBUG | IMMUTABLE, Bool(false)),
    p("always-show-logo", IMMUTABLE, Bool(false)),
    p("protected-mode", 0, Bool(true)),
    p("rdbcompression", 0, Bool(true)),
    p("rdb-del-sync-files", 0, Bool(false)),
    p("activerehashing", 0, Bool(true)),
    p("stop-writes-on-bgsave-error", 0, Bool(true)),
    p("set-proc-title", IMMUTABLE, Bool(true)),
    p("dynamic-hz", 0, Bool(true)),
    p("lazyfree-lazy-eviction", DEBUG, Bool(false)),
    p("lazyfree-lazy-expire", DEBUG, Bool(false)),
    p("lazyfree-lazy-server-del", DEBUG, Bool(false)),
    p("lazyfree-lazy-user-del", DEBUG, Bool(false)),
    p("lazyfree-lazy-user-flush", DEBUG, Bool(false)),
    p("repl-disable-tcp-nodelay", 0, Bool(false)),
    p("repl-diskless-sync", DEBUG, Bool(true)),
    p("aof-rewrite-incremental-fsync", 0, Bool(true)),
    p("no-appendfsync-on-rewrite", 0, Bool(false)),
    p("cluster-require-full-coverage", 0, Bool(true)),
    p("rdb-save-incremental-fsync", 0, Bool(true)),
    p("aof-load-truncated", 0, Bool(true)),
    p("aof-use-rdb-preamble", 0, Bool(true)),
    p("aof-timestamp-enabled", 0, Bool(false)),
    p("cluster-replica-no-failover", 0, Bool(false)).alias("cluster-slave-no-failover"),
    p("replica-lazy-flush", 0, Bool(false)).alias("slave-lazy-flush"),
    p("replica-serve-stale-data", 0, Bool(true)).alias("slave-serve-stale-data"),
    p("replica-read-only", DEBUG, Bool(true)).alias("slave-read-only"),
    p("replica-ignore-maxmemory", 0, Bool(true)).alias("slave-ignore-maxmemory"),
    p("jemalloc-bg-thread", 0, Bool(true)),
    p("activedefrag", DEBUG, Bool(false)),
    p("syslog-enabled", IMMUTABLE, Bool(false)),
    p("cluster-enabled", IMMUTABLE, Bool(false)),
    p("appendonly", DENY_LOADING, Bool(false)).until(Version::V8_0),
    p("appendonly", 0, Bool(false)).since(Version::V8_0),
    p("cluster-allow-reads-when-down", 0, Bool(false)),
    p("cluster-allow-pubsubshard-when-down", 0, Bool(true)),
    p("crash-log-enabled", 0, Bool(true)),
    p("crash-memcheck-enabled", 0, Bool(true)),
    p("use-exit-on-panic", HIDDEN, Bool(false)),
    p("disable-thp", IMMUTABLE, Bool(true)),
    p("cluster-allow-replica-migration", 0, Bool(true)),
    p("replica-announced", 0, Bool(true)),
    p("latency-tracking", 0, Bool(true)),
    p("aof-disable-auto-gc", 0, Bool(false)).until(Version::V7_2),
    p("aof-disable-auto-gc", HIDDEN, Bool(false)).since(Version::V7_2),
    p("replica-ignore-disk-write-errors", 0, Bool(false)),
    p("hide-user-data-from-log", 0, Bool(false)).since(Version::V7_4),
    p("aclfile", IMMUTABLE, Text("")),
    p("unixsocket", IMMUTABLE, Text("")),
    p("pidfile", IMMUTABLE, Text("")),
    p("replica-announce-ip", 0, Text("")).alias("slave-announce-ip"),
    p("masteruser", SENSITIVE, Text("")),
    p("cluster-announce-ip", 0, Text("")),
    p("cluster-config-file", IMMUTABLE, Text("nodes.conf")),
    p("cluster-announce-hostname", 0, Text("")),
    p("cluster-announce-human-nodename", 0, Text("")).since(Version::V7_2),
    p("syslog-ident", IMMUTABLE, Text("redis")),
    p("dbfilename", PROTECTED, Text("dump.rdb")),
    p("appendfilename", IMMUTABLE, Text("appendonly.aof")),
    p("appenddirname", IMMUTABLE, Text("appendonlydir")),
    p("server-cpulist", IMMUTABLE, Text("")).alias("server_cpulist").since(Version::V7_4),
    p("bio-cpulist", IMMUTABLE, Text("")).alias("bio_cpulist").since(Version::V7_4),
    p("aof-rewrite-cpulist", IMMUTABLE, Text("")).alias("aof_rewrite_cpulist").since(Version::V7_4),
    p("bgsave-cpulist", IMMUTABLE, Text("")).alias("bgsave_cpulist").since(Version::V7_4),
    p("ignore-warnings", 0, Text("")),
    p("proc-title-template", 0, Text("{title} {listen-addr} {server-mode}")),
    p("bind-source-addr", 0, Text("")),
    p("logfile", IMMUTABLE, Text("")),
    p("req-res-logfile", IMMUTABLE | HIDDEN, Text("")).since(Version::V7_2),
    p("locale-collate", 0, Text("")).since(Version::V7_2),
    p("masterauth", SENSITIVE, Text("")),
    p("requirepass", SENSITIVE, Text("")),
    p("supervised", IMMUTABLE, Choice(SUPERVISED_MODE, "no")),
    p("syslog-facility", IMMUTABLE, Choice(SYSLOG_FACILITY, "local0")),
    p("repl-diskless-load", DEBUG | DENY_LOADING, Choice(REPL_DISKLESS_LOAD, "disabled")),
    p("loglevel", 0, Choice(LOGLEVEL, "notice")),
    p("maxmemory-policy", 0, Choice(MAXMEMORY_POLICY, "noeviction")),
    p("appendfsync", 0, Choice(AOF_FSYNC, "everysec")),
    p("oom-score-adj", 0, Choice(OOM_SCORE_ADJ, "no")),
    p("acl-pubsub-default", 0, Choice(ACL_PUBSUB_DEFAULT, "resetchannels")),
    p("sanitize-dump-payload", DEBUG, Choice(SANITIZE_DUMP_PAYLOAD, "no")),
    p("enable-protected-configs", IMMUTABLE, Choice(PROTECTED_ACTION, "no")),
    p("enable-debug-command", IMMUTABLE, Choice(PROTECTED_ACTION, "no")),
    p("enable-module-command", IMMUTABLE, Choice(PROTECTED_ACTION, "no")),
    p("cluster-preferred-endpoint-type", 0, Choice(CLUSTER_PREFERRED_ENDPOINT_TYPE, "ip")),
    p("propagation-error-behavior", 0, Choice(PROPAGATION_ERROR_BEHAVIOR, "ignore")),
    p("shutdown-on-sigint", MULTI_ARG, Choice(SHUTDOWN_ON_SIG, "default")),
    p("shutdown-on-sigterm", MULTI_ARG, Choice(SHUTDOWN_ON_SIG, "default")),
    p("databases", IMMUTABLE, Number(Int, 1, INT_MAX, 16, Plain)),
    p("port", 0, Number(Int, 0, 65535, 6379, Plain)),
    p("io-threads", DEBUG | IMMUTABLE, Number(Int, 1, 128, 1, Plain)),
    p("auto-aof-rewrite-percentage", 0, Number(Int, 0, INT_MAX, 100, Plain)),
    p("cluster-replica-validity-factor", 0, Number(Int, 0, INT_MAX, 10, Plain)).alias("cluster-slave-validity-factor"),
    p("list-max-listpack-size", 0, Number(Int, INT_MIN, INT_MAX, -2, Plain)).alias("list-max-ziplist-size"),
    p("tcp-keepalive", 0, Number(Int, 0, INT_MAX, 300, Plain)),
    p("cluster-migration-barrier", 0, Number(Int, 0, INT_MAX, 1, Plain)),
    p("active-defrag-cycle-min", 0, Number(Int, 1, 99, 1, Plain)),
    p("active-defrag-cycle-max", 0, Number(Int, 1, 99, 25, Plain)),
    p("active-defrag-threshold-lower", 0, Number(Int, 0, 1000, 10, Plain)),
    p("active-defrag-threshold-upper", 0, Number(Int, 0, 1000, 100, Plain)),
    p("lfu-log-factor", 0, Number(Int, 0, INT_MAX, 10, Plain)),
    p("lfu-decay-time", 0, Number(Int, 0, INT_MAX, 1, Plain)),
    p("replica-priority", 0, Number(Int, 0, INT_MAX, 100, Plain)).alias("slave-priority"),
    p("repl-diskless-sync-delay", 0, Number(Int, 0, INT_MAX, 5, Plain)),
    p("maxmemory-samples", 0, Number(Int, 1, INT_MAX, 5, Plain)).until(Version::V7_4),
    p("maxmemory-samples", 0, Number(Int, 1, 64, 5, Plain)).since(Version::V7_4),
    p("maxmemory-eviction-tenacity", 0, Number(Int, 0, 100, 10, Plain)),
    p("timeout", 0, Number(Int, 0, INT_MAX, 0, Plain)),
    p("replica-announce-port", 0, Number(Int, 0, 65535, 0, Plain)).alias("slave-announce-port"),
    p("tcp-backlog", IMMUTABLE, Number(Int, 0, INT_MAX, 511, Plain)),
    p("cluster-port", IMMUTABLE, Number(Int, 0, 65535, 0, Plain)),
    p("cluster-announce-bus-port", 0, Number(Int, 0, 65535, 0, Plain)),
    p("cluster-announce-port", 0, Number(Int, 0, 65535, 0, Plain)),
    p("cluster-announce-tls-port", 0, Number(Int, 0, 65535, 0, Plain)),
    p("repl-timeout", 0, Number(Int, 1, INT_MAX, 60, Plain)),
    p("repl-ping-replica-period", 0, Number(Int, 1, INT_MAX, 10, Plain)).alias("repl-ping-slave-period"),
    p("list-compress-depth", DEBUG, Number(Int, 0, INT_MAX, 0, Plain)),
    p("rdb-key-save-delay", HIDDEN, Number(Int, INT_MIN, INT_MAX, 0, Plain)),
    p("key-load-delay", HIDDEN, Number(Int, INT_MIN, INT_MAX, 0, Plain)),
    p("active-expire-effort", 0, Number(Int, 1, 10, 1, Plain)),
    p("hz", 0, Number(Int, 0, INT_MAX, 10, Plain)),
    p("min-replicas-to-write", 0, Number(Int, 0, INT_MAX, 0, Plain)).alias("min-slaves-to-write"),
    p("min-replicas-max-lag", 0, Number(Int, 0, INT_MAX, 10, Plain)).alias("min-slaves-max-lag"),
    p("watchdog-period", HIDDEN, Number(Int, 0, INT_MAX, 0, Plain)),
    p("shutdown-timeout", 0, Number(Int, 0, INT_MAX, 10, Plain)),
    p("repl-diskless-sync-max-replicas", 0, Number(Int, 0, INT_MAX, 0, Plain)),
    p("maxclients", 0, Number(UInt, 1, UINT_MAX, 10000, Plain)),
    p("unixsocketperm", IMMUTABLE, Number(UInt, 0, 0o777, 0, Octal)),
    p("socket-mark-id", IMMUTABLE, Number(UInt, 0, UINT_MAX, 0, Plain)),
    p("max-new-connections-per-cycle", 0, Number(UInt, 1, 1000, 10, Plain)).since(Version::V7_4),
    p("max-new-tls-connections-per-cycle", 0, Number(UInt, 1, 1000, 1, Plain)).since(Version::V7_4),
    p("client-default-resp", IMMUTABLE | HIDDEN, Number(UInt, 2, 3, 2, Plain)).since(Version::V7_2),
    p("active-defrag-max-scan-fields", 0, Number(ULong, 1, LONG_MAX, 1000, Plain)),
    p("slowlog-max-len", 0, Number(ULong, 0, LONG_MAX, 128, Plain)),
    p("acllog-max-len", 0, Number(ULong, 0, LONG_MAX, 128, Plain)),
    p("busy-reply-threshold", 0, Number(LongLong, 0, LONG_MAX, 5000, Plain)).alias("lua-time-limit"),
    p("cluster-node-timeout", 0, Number(LongLong, 0, LONG_MAX, 15000, Plain)),
    p("cluster-ping-interval", HIDDEN, Number(LongLong, 0, LONG_MAX, 0, Plain)).since(Version::V7_2),
    p("slowlog-log-slower-than", 0, Number(LongLong, -1, LONG_MAX, 10000, Plain)),
    p("latency-monitor-threshold", 0, Number(LongLong, 0, LONG_MAX, 0, Plain)),
    p("proto-max-bulk-len", DEBUG, Number(LongLong, 1 << 20, LONG_MAX, 512 << 20, Memory)),
    p("stream-node-max-entries", 0, Number(LongLong, 0, LONG_MAX, 100, Plain)),
    p("repl-backlog-size", 0, Number(LongLong, 1, LONG_MAX, 1 << 20, Memory)),
    p("maxmemory", 0, Number(ULongLong, 0, ULLONG_MAX, 0, Memory)),
    p("cluster-link-sendbuf-limit", 0, Number(ULongLong, 0, ULLONG_MAX, 0, Memory)),
    p("hash-max-listpack-entries", 0, Number(SizeT, 0, LONG_MAX, 512, Plain)).alias("hash-max-ziplist-entries"),
    p("set-max-intset-entries", 0, Number(SizeT, 0, LONG_MAX, 512, Plain)),
    p("set-max-listpack-entries", 0, Number(SizeT, 0, LONG_MAX, 128, Plain)).since(Version::V7_2),
    p("set-max-listpack-value", 0, Number(SizeT, 0, LONG_MAX, 64, Plain)).since(Version::V7_2),
    p("zset-max-listpack-entries", 0, Number(SizeT, 0, LONG_MAX, 128, Plain)).alias("zset-max-ziplist-entries"),
    p("active-defrag-ignore-bytes", 0, Number(SizeT, 1, LONG_MAX, 100 << 20, Memory)),
    p("hash-max-listpack-value", 0, Number(SizeT, 0, LONG_MAX, 64, Memory)).alias("hash-max-ziplist-value"),
    p("stream-node-max-bytes", 0, Number(SizeT, 0, LONG_MAX, 4096, Memory)),
    p("zset-max-listpack-value", 0, Number(SizeT, 0, LONG_MAX, 64, Memory)).alias("zset-max-ziplist-value"),
    p("hll-sparse-max-bytes", 0, Number(SizeT, 0, LONG_MAX, 3000, Memory)),
    p("tracking-table-max-keys", 0, Number(SizeT, 0, LONG_MAX, 1000000, Plain)),
    p("client-query-buffer-limit", DEBUG, Number(SizeT, 1 << 20, LONG_MAX, 1 << 30, Memory)),
    p("maxmemory-clients", 0, Number(SSizeT, -100, LONG_MAX, 0, MemoryOrPercent)),
    p("repl-backlog-ttl", 0, Number(TimeT, 0, LONG_MAX, 3600, Plain)),
    p("auto-aof-rewrite-min-size", 0, Number(OffT, 0, LONG_MAX, 64 << 20, Memory)),
    p("loading-process-events-interval-bytes", HIDDEN, Number(OffT, 1024, INT_MAX, 2 << 20, Plain)),
    p("tls-port", 0, Number(Int, 0, 65535, 0, Plain)),
    p("tls-session-cache-size", 0, Number(Int, 0, INT_MAX, 20 * 1024, Plain)),
    p("tls-session-cache-timeout", 0, Number(Int, 0, INT_MAX, 300, Plain)),
    p("tls-cluster", 0, Bool(false)),
    p("tls-replication", 0, Bool(false)),
    p("tls-auth-clients", 0, Choice(TLS_AUTH_CLIENTS, "yes")),
    p("tls-prefer-server-ciphers", 0, Bool(false)),
    p("tls-session-caching", 0, Bool(true)),
    p("tls-cert-file", VOLATILE, Text("")),
    p("tls-key-file", VOLATILE, Text("")),
    p("tls-key-file-pass", 0, Text("")).until(Version::V7_4),
    p("tls-key-file-pass", SENSITIVE, Text("")).since(Version::V7_4),
    p("tls-client-cert-file", VOLATILE, Text("")),
    p("tls-client-key-file", VOLATILE, Text("")),
    p("tls-client-key-file-pass", 0, Text("")).until(Version::V7_4),
    p("tls-client-key-file-pass", SENSITIVE, Text("")).since(Version::V7_4),
    p("tls-dh-params-file", VOLATILE, Text("")),
    p("tls-ca-cert-file", VOLATILE, Text("")),
    p("tls-ca-cert-dir", VOLATILE, Text("")),
    p("tls-protocols", 0, Text("")),
    p("tls-ciphers", 0, Text("")),
    p("tls-ciphersuites", 0, Text("")),
    p("dir", PROTECTED | DENY_LOADING, Special),
    p("save", MULTI_ARG, Special),
    p("client-output-buffer-limit", MULTI_ARG, Special),
    p("oom-score-adj-values", MULTI_ARG, Special),
    p("notify-keyspace-events", 0, Special),
    p("bind", MULTI_ARG, Special),
    p("replicaof", IMMUTABLE | MULTI_ARG, Special).alias("slaveof"),
    p("latency-tracking-info-percentiles", MULTI_ARG, Special),
    p("server_cpulist", IMMUTABLE, Text("")).until(Version::V7_4),
    p("bio_cpulist", IMMUTABLE, Text("")).until(Version::V7_4),
    p("aof_rewrite_cpulist", IMMUTABLE, Text("")).until(Version::V7_4),
    p("bgsave_cpulist", IMMUTABLE, Text("")).until(Version::V7_4),
    // Idempotent producers (Redis 8.6): what a new stream starts with.
    p("stream-idmp-duration", 0, Number(LongLong, 1, 86_400, 100, Plain)).since(Version::V8_6),
    p("stream-idmp-maxsize", 0, Number(LongLong, 1, 10_000, 100, Plain)).since(Version::V8_6),
    // Arrays (Redis 8.8), with the defaults and slice-size bounds of `sparsearray.h`; the upper
    // bound of the two counts is Redsim's choice (a sparse slice's offsets are 16-bit).
    p("backupdirname", IMMUTABLE, Text("backupdir")).since(Version::LATEST),
    p("backup-sealed-ttl", 0, Number(LongLong, 0, LONG_MAX, 0, Plain)).since(Version::LATEST),
    p("array-slice-size", 0, Number(UInt, 256, 65536, 4096, Plain)).since(Version::V8_8),
    p("array-sparse-kmax", 0, Number(UInt, 0, 65535, 10, Plain)).since(Version::V8_8),
    p("array-sparse-kmin", 0, Number(UInt, 0, 65535, 5, Plain)).since(Version::V8_8),
];

/// One parameter's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Stored {
    Bool(bool),
    Text(Vec<u8>),
    Choice(i32),
    Number(i64),
    /// `dir`: the server's working directory.
    Dir(Vec<u8>),
    /// `save`: (seconds, changes) pairs.
    Save(Vec<(i64, i64)>),
    /// `client-output-buffer-limit`: hard bytes, soft bytes, soft seconds for normal, replica
    /// and pubsub clients.
    Buffers([(u64, u64, i64); 3]),
    /// `oom-score-adj-values`.
    Oom([i64; 3]),
    /// `notify-keyspace-events`.
    Notify(crate::notify::Flags),
    /// `bind`.
    Words(Vec<Vec<u8>>),
    /// `replicaof`: host and port, or none.
    ReplicaOf(Option<(Vec<u8>, i64)>),
    /// `latency-tracking-info-percentiles`.
    Percentiles(Vec<f64>),
}

const CLIENT_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

fn initial(param: &Param) -> Stored {
    match param.kind {
        Bool(b) => Stored::Bool(b),
        Text(t) => Stored::Text(t.as_bytes().to_vec()),
        Choice(names, default) => Stored::Choice(names.iter().find(|(n, _)| *n == default).map_or(0, |(_, v)| *v)),
        Number(_, _, _, default, _) => Stored::Number(default),
        Special => match param.name {
            "dir" => Stored::Dir(b"/".to_vec()),
            "save" => Stored::Save(vec![(3600, 1), (300, 100), (60, 10_000)]),
            "client-output-buffer-limit" => {
                Stored::Buffers([(0, 0, 0), (256 << 20, 64 << 20, 60), (32 << 20, 8 << 20, 60)])
            }
            "oom-score-adj-values" => Stored::Oom([0, 200, 800]),
            "notify-keyspace-events" => Stored::Notify(0),
            "bind" => Stored::Words(vec![b"*".to_vec(), b"-::*".to_vec()]),
            "replicaof" => Stored::ReplicaOf(None),
            _ => Stored::Percentiles(vec![50.0, 99.0, 99.9]),
        },
    }
}

/// Why `CONFIG SET` refused, worded as Redis words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetError {
    /// An odd number of arguments.
    Syntax,
    Unknown(Vec<u8>),
    /// `CONFIG SET failed (possibly related to argument '<name>') - <reason>`.
    Failed {
        name: Vec<u8>,
        reason: String,
    },
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetError::Syntax => write!(f, "ERR syntax error"),
            SetError::Unknown(name) => {
                write!(
                    f,
                    "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                    String::from_utf8_lossy(name)
                )
            }
            SetError::Failed { name, reason } => write!(
                f,
                "ERR CONFIG SET failed (possibly related to argument '{}') - {reason}",
                String::from_utf8_lossy(name)
            ),
        }
    }
}

/// The values of one server's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    version: Version,
    /// One per row of [`PARAMS`] (rows the version lacks keep their default, unseen).
    values: Vec<Stored>,
}

/// The row a name (or alias) finds in a version, ignoring case, and the name it was registered
/// under.
pub fn find(version: Version, name: &[u8]) -> Option<(usize, &'static str)> {
    let index = names(version);
    if name.iter().any(u8::is_ascii_uppercase) {
        index.get(name.to_ascii_lowercase().as_slice()).copied()
    } else {
        index.get(name).copied()
    }
}

/// Every name and alias a version has, lower case, to its row: the first row in table order
/// that has it, as a walk of the table finds. Built once per version (the engine asks for
/// parameters on every command).
fn names(version: Version) -> &'static crate::FnvMap<&'static [u8], (usize, &'static str)> {
    type Names = crate::FnvMap<&'static [u8], (usize, &'static str)>;
    static NAMES: std::sync::OnceLock<Vec<(Version, Names)>> = std::sync::OnceLock::new();
    let build = |version: Version| {
        let mut names = Names::default();
        for (i, p) in PARAMS.iter().enumerate().filter(|(_, p)| p.in_version(version)) {
            names.entry(p.name.as_bytes()).or_insert((i, p.name));
            if let Some(alias) = p.alias {
                names.entry(alias.as_bytes()).or_insert((i, alias));
            }
        }
        names
    };
    let all = NAMES.get_or_init(|| Version::ALL.iter().map(|&v| (v, build(v))).collect());
    // Every version is in `Version::ALL`; the first entry is only a fallback.
    all.iter().find(|(v, _)| *v == version).map_or(&all[0].1, |(_, names)| names)
}

/// C's `strcasecmp` equality on a NUL-terminated argument.
fn c_str(bytes: &[u8]) -> &[u8] {
    bytes.iter().position(|&b| b == 0).map_or(bytes, |end| &bytes[..end])
}

/// Redis's `sdssplitlen(value, " ")`: nothing for an empty value, else every piece between
/// single spaces (empty pieces included).
fn words(value: &[u8]) -> Vec<&[u8]> {
    if value.is_empty() {
        Vec::new()
    } else {
        value.split(|&b| b == b' ').collect()
    }
}

/// Redis's `memtoull`: digits with an optional unit (`b`, `k`, `kb`, `m`, `mb`, `g`, `gb`).
pub fn memtoull(text: &[u8]) -> Option<u64> {
    let text = c_str(text);
    if text.first() == Some(&b'-') {
        return None;
    }
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = text[digits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1_000_000,
        b"mb" => 1 << 20,
        b"g" => 1_000_000_000,
        b"gb" => 1 << 30,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    // strtoull: no digits is 0, and too many digits saturate.
    let value = text[..digits].iter().try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')));
    Some(value.unwrap_or(u64::MAX).wrapping_mul(mul))
}

/// C's `strtoll(text, &end, 10)` with `*end == '\0'` required: optional spaces and sign, digits,
/// saturating on overflow. `None` when anything follows the digits.
fn strtoll_whole(text: &[u8]) -> Option<i64> {
    let text = c_str(text);
    let mut rest = text.trim_ascii_start();
    let negative = match rest.first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        // No conversion: the end pointer is the start, so only an empty text passes.
        return text.is_empty().then_some(0);
    }
    if digits != rest.len() {
        return None;
    }
    let magnitude = rest.iter().try_fold(0i128, |n, &d| {
        let n = n * 10 + i128::from(d - b'0');
        (n <= i128::from(u64::MAX)).then_some(n)
    });
    let value = match magnitude {
        Some(m) if negative => (-m).max(i128::from(i64::MIN)),
        Some(m) => m.min(i128::from(i64::MAX)),
        None if negative => i128::from(i64::MIN),
        None => i128::from(i64::MAX),
    };
    Some(value as i64)
}

/// Redis's `configEnumGetName`.
fn choice_name(names: Choices, value: i32, bitflags: bool) -> String {
    if let Some((name, _)) = names.iter().find(|(_, v)| *v == value) {
        return (*name).to_string();
    }
    if !bitflags {
        return "unknown".to_string();
    }
    let mut unmatched = value;
    let mut shown = Vec::new();
    for (name, v) in names {
        if *v != 0 && *v == (unmatched & *v) {
            shown.push(*name);
            unmatched &= !*v;
        }
    }
    if shown.is_empty() || unmatched != 0 {
        "unknown".to_string()
    } else {
        shown.join(" ")
    }
}

/// `%f` with trailing zeros (and a trailing point) removed, as Redis's `trimDoubleString`.
pub fn trimmed_float_text(value: f64) -> String {
    let text = format!("{value:.6}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

impl Settings {
    pub fn new(version: Version) -> Settings {
        Settings { version, values: PARAMS.iter().map(initial).collect() }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// The row a name (or alias) finds in this version, ignoring case, and the name it was
    /// registered under.
    pub fn lookup(&self, name: &[u8]) -> Option<(usize, &'static str)> {
        find(self.version, name)
    }

    fn index(&self, name: &str) -> usize {
        self.lookup(name.as_bytes()).map_or(usize::MAX, |(i, _)| i)
    }

    /// The stored value of a parameter this version has (`None` for a name it lacks).
    pub fn value(&self, name: &str) -> Option<&Stored> {
        self.values.get(self.index(name))
    }

    /// A numeric parameter's value (0 if the version lacks it).
    pub fn number(&self, name: &str) -> i64 {
        match self.value(name) {
            Some(Stored::Number(n)) => *n,
            _ => 0,
        }
    }

    /// A yes/no parameter's value.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.value(name), Some(Stored::Bool(true)))
    }

    /// A multiple-choice parameter's value, as its name.
    pub fn choice(&self, name: &str) -> &'static str {
        let i = self.index(name);
        match (PARAMS.get(i).map(|p| p.kind), self.values.get(i)) {
            (Some(Choice(names, _)), Some(Stored::Choice(v))) => {
                names.iter().find(|(_, n)| n == v).map_or("unknown", |(name, _)| name)
            }
            _ => "",
        }
    }

    /// A text parameter's value.
    pub fn text(&self, name: &str) -> &[u8] {
        match self.value(name) {
            Some(Stored::Text(t) | Stored::Dir(t)) => t,
            _ => b"",
        }
    }

    /// The `save` points.
    pub fn save_points(&self) -> &[(i64, i64)] {
        match self.value("save") {
            Some(Stored::Save(points)) => points,
            _ => &[],
        }
    }

    /// What `CONFIG GET` shows for a row.
    pub fn shown(&self, index: usize) -> Vec<u8> {
        let (Some(param), Some(value)) = (PARAMS.get(index), self.values.get(index)) else {
            return Vec::new();
        };
        let text = match (param.kind, value) {
            (_, Stored::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
            (_, Stored::Text(t) | Stored::Dir(t)) => return t.clone(),
            (Choice(names, _), Stored::Choice(v)) => choice_name(names, *v, param.flags & MULTI_ARG != 0),
            (Number(_, _, _, _, unit), Stored::Number(n)) => match unit {
                MemoryOrPercent if *n < 0 => format!("{}%", n.unsigned_abs()),
                Memory | MemoryOrPercent => (*n as u64).to_string(),
                Octal => format!("{:o}", *n),
                Plain => n.to_string(),
            },
            (_, Stored::Save(points)) => points.iter().map(|(s, c)| format!("{s} {c}")).collect::<Vec<_>>().join(" "),
            (_, Stored::Buffers(limits)) => CLIENT_CLASSES
                .iter()
                .zip(limits)
                .map(|(class, (hard, soft, secs))| format!("{class} {hard} {soft} {secs}"))
                .collect::<Vec<_>>()
                .join(" "),
            (_, Stored::Oom(values)) => values.iter().map(i64::to_string).collect::<Vec<_>>().join(" "),
            (_, Stored::Notify(flags)) => crate::notify::to_text(*flags, self.version),
            (_, Stored::Words(words)) => return words.join(&b' '),
            (_, Stored::ReplicaOf(None)) => String::new(),
            (_, Stored::ReplicaOf(Some((host, port)))) => format!("{} {port}", String::from_utf8_lossy(host)),
            (_, Stored::Percentiles(values)) => {
                values.iter().map(|v| trimmed_float_text(*v)).collect::<Vec<_>>().join(" ")
            }
            _ => String::new(),
        };
        text.into_bytes()
    }

    /// `CONFIG GET pattern ...`: each matching (name as shown, value), once each. A pattern
    /// without glob characters finds one parameter by name, hidden ones too, and is shown as
    /// it was typed; a glob is matched against every name and alias that is not hidden.
    pub fn get(&self, patterns: &[Vec<u8>]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut found: Vec<(Vec<u8>, usize)> = Vec::new();
        let seen = |found: &[(Vec<u8>, usize)], name: &[u8]| found.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        for pattern in patterns {
            let pattern = c_str(pattern);
            if !pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
                if !seen(&found, pattern) {
                    if let Some((i, _)) = self.lookup(pattern) {
                        found.push((pattern.to_vec(), i));
                    }
                }
                continue;
            }
            for (i, param) in PARAMS.iter().enumerate() {
                if !param.in_version(self.version) || param.flags & HIDDEN != 0 {
                    continue;
                }
                for name in std::iter::once(param.name).chain(param.alias) {
                    if !seen(&found, name.as_bytes()) && crate::glob::matches(pattern, name.as_bytes(), true) {
                        found.push((name.as_bytes().to_vec(), i));
                    }
                }
            }
        }
        found.into_iter().map(|(name, i)| (name, self.shown(i))).collect()
    }

    /// `CONFIG SET name value ...` as Redis runs it: every name is checked first (unknown,
    /// immutable, protected, given twice), then every value is set, and if one is refused the
    /// earlier ones are undone. On success, the rows that changed.
    pub fn set(&mut self, pairs: &[Vec<u8>], protected_allowed: bool) -> Result<Vec<usize>, SetError> {
        if !pairs.len().is_multiple_of(2) {
            return Err(SetError::Syntax);
        }
        let mut rows: Vec<(usize, &'static str)> = Vec::new();
        let mut first_error: Option<SetError> = None;
        for pair in pairs.chunks(2) {
            // The first refusal is the one reported, whatever its kind.
            if first_error.is_some() {
                continue;
            }
            let Some((i, registered)) = self.lookup(&pair[0]) else {
                return Err(SetError::Unknown(pair[0].clone()));
            };
            let param = &PARAMS[i];
            let reason = if param.flags & IMMUTABLE != 0 {
                Some("can't set immutable config")
            } else if param.flags & PROTECTED != 0 && !protected_allowed {
                Some("can't set protected config")
            } else if rows.iter().any(|(r, n)| *r == i && *n == registered) {
                Some("duplicate parameter")
            } else {
                None
            };
            if let Some(reason) = reason {
                first_error = Some(SetError::Failed { name: pair[0].clone(), reason: reason.to_string() });
            }
            rows.push((i, registered));
        }
        if let Some(error) = first_error {
            return Err(error);
        }
        let mut next = self.clone();
        let mut changed = Vec::new();
        for ((i, registered), pair) in rows.iter().zip(pairs.chunks(2)) {
            match next.store(*i, &pair[1]) {
                Ok(true) => changed.push(*i),
                Ok(false) => {}
                Err(reason) => return Err(SetError::Failed { name: registered.as_bytes().to_vec(), reason }),
            }
        }
        next.settle();
        *self = next;
        Ok(changed)
    }

    /// A start-up option (`--name value` or a config-file line): like `CONFIG SET` of one
    /// parameter, but immutable and protected ones are allowed.
    pub fn load(&mut self, name: &[u8], value: &[u8]) -> Result<(), String> {
        let Some((i, _)) = self.lookup(name) else {
            return Err(format!("Bad directive or wrong number of arguments for '{}'", String::from_utf8_lossy(name)));
        };
        self.store(i, value)?;
        self.settle();
        Ok(())
    }

    /// What the apply step changes after a value is stored: `hz` is kept within 1..=500.
    fn settle(&mut self) {
        let hz = self.index("hz");
        if let Some(Stored::Number(n)) = self.values.get_mut(hz) {
            *n = (*n).clamp(1, 500);
        }
    }

    /// The arrays' parameters checked against each other (Redis 8.8's `isValidArray*`).
    fn check_array_limits(&self, name: &str, new: &Stored) -> Result<(), String> {
        let Stored::Number(n) = *new else { return Ok(()) };
        match name {
            "array-slice-size" if n <= 0 || n & (n - 1) != 0 => Err("array-slice-size must be a power of two".into()),
            "array-sparse-kmax" if n > 0 && n <= self.number("array-sparse-kmin") => {
                Err("array-sparse-kmax must be greater than array-sparse-kmin when non-zero".into())
            }
            "array-sparse-kmin" if self.number("array-sparse-kmax") > 0 && n >= self.number("array-sparse-kmax") => {
                Err("array-sparse-kmin must be less than array-sparse-kmax".into())
            }
            _ => Ok(()),
        }
    }

    /// Reads and checks one value and stores it; whether it changed anything.
    fn store(&mut self, index: usize, value: &[u8]) -> Result<bool, String> {
        let param = PARAMS[index];
        let new = parse(&param, value, self.version, &self.values[index])?;
        self.check_array_limits(param.name, &new)?;
        let slot = &mut self.values[index];
        let changed = *slot != new || param.flags & VOLATILE != 0;
        *slot = new;
        Ok(changed)
    }
}

/// Reads one value for a parameter, with Redis's checks and reasons.
fn parse(param: &Param, value: &[u8], version: Version, current: &Stored) -> Result<Stored, String> {
    let multi = param.flags & MULTI_ARG != 0;
    match param.kind {
        Bool(_) => {
            let yes = match c_str(value).to_ascii_lowercase().as_slice() {
                b"yes" => true,
                b"no" => false,
                _ => return Err("argument must be 'yes' or 'no'".to_string()),
            };
            if yes && param.name == "activedefrag" {
                return Err("Active defragmentation cannot be enabled: it requires a Redis server compiled with a \
                            modified Jemalloc like the one shipped by default with the Redis source distribution"
                    .to_string());
            }
            Ok(Stored::Bool(yes))
        }
        Text(_) => {
            let text = if param.name == "requirepass" || param.name == "masterauth" { value } else { c_str(value) };
            check_text(param.name, text, version)?;
            Ok(Stored::Text(text.to_vec()))
        }
        Choice(names, _) => {
            let given = if multi { words(value) } else { vec![value] };
            let mut result = 0;
            let known = !given.is_empty()
                && given.iter().all(|w| {
                    let matched: Vec<i32> = names
                        .iter()
                        .filter(|(n, _)| n.as_bytes().eq_ignore_ascii_case(c_str(w)))
                        .map(|(_, v)| *v)
                        .collect();
                    matched.iter().for_each(|v| result |= v);
                    !matched.is_empty()
                });
            if !known {
                let listed: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
                return Err(format!("argument(s) must be one of the following: {}", listed.join(", ")));
            }
            if param.name.starts_with("shutdown-on-sig") && result & 1 != 0 && result & 2 != 0 {
                return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".to_string());
            }
            Ok(Stored::Choice(result))
        }
        Number(ty, min, max, _, unit) => {
            let n = parse_number(value, unit)?;
            let out_of_range = if ty.unsigned() {
                let u = i128::from(n as u64);
                u > max || u < min
            } else if unit == MemoryOrPercent && n < 0 {
                if i128::from(n) < min {
                    return Err(format!("percentage argument must be less or equal to {}", -min));
                }
                false
            } else {
                i128::from(n) > max || i128::from(n) < min
            };
            if out_of_range {
                return Err(if unit == Octal {
                    format!("argument must be between {min:o} and {max:o} inclusive")
                } else {
                    format!("argument must be between {min} and {max} inclusive")
                });
            }
            Ok(Stored::Number(n))
        }
        Special => parse_special(param.name, value, current, version),
    }
}

/// Redis's `numericParseString`.
fn parse_number(value: &[u8], unit: Unit) -> Result<i64, String> {
    if matches!(unit, Memory | MemoryOrPercent) {
        if let Some(n) = memtoull(value) {
            return Ok(n as i64);
        }
    }
    if unit == MemoryOrPercent && value.len() > 1 && value.ends_with(b"%") {
        if let Some(n) = crate::args::parse_i64(&value[..value.len() - 1]).filter(|n| *n >= 0) {
            return Ok(-n);
        }
    }
    if unit == Octal {
        let text = c_str(value);
        let digits = text.trim_ascii_start();
        let digits = digits.strip_prefix(b"+").unwrap_or(digits);
        if !digits.is_empty() && digits.iter().all(|b| (b'0'..=b'7').contains(b)) {
            if let Ok(n) = i64::from_str_radix(std::str::from_utf8(digits).unwrap_or("x"), 8) {
                return Ok(n);
            }
        }
    }
    if unit == Plain {
        if let Some(n) = crate::args::parse_i64(value) {
            return Ok(n);
        }
    }
    Err(match unit {
        MemoryOrPercent => "argument must be a memory or percent value",
        Memory => "argument must be a memory value",
        Octal => "argument couldn't be parsed as an octal number",
        Plain => "argument couldn't be parsed into an integer",
    }
    .to_string())
}

/// The checks some text parameters have.
fn check_text(name: &str, text: &[u8], version: Version) -> Result<(), String> {
    let base_name = |t: &[u8]| !t.contains(&b'/');
    match name {
        "dbfilename" if !base_name(text) => Err("dbfilename can't be a path, just a filename".to_string()),
        "appendfilename" if text.is_empty() => Err("appendfilename can't be empty".to_string()),
        "appendfilename" if !base_name(text) => Err("appendfilename can't be a path, just a filename".to_string()),
        "appenddirname" if text.is_empty() => Err("appenddirname can't be empty".to_string()),
        "appenddirname" if !base_name(text) => Err("appenddirname can't be a path, just a dirname".to_string()),
        "cluster-announce-hostname" => {
            if text.len() >= 256 {
                Err("Hostnames must be less than 256 characters".to_string())
            } else if !text.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.') {
                Err("Hostnames may only contain alphanumeric characters, hyphens or dots".to_string())
            } else {
                Ok(())
            }
        }
        "cluster-announce-human-nodename" if version.at_least(7, 2) => {
            if text.iter().all(|c| c.is_ascii_alphanumeric() || b"-._".contains(c)) {
                Ok(())
            } else {
                Err("Human nodenames may only contain alphanumeric characters, hyphens, dots or underscores"
                    .to_string())
            }
        }
        "proc-title-template" => {
            if proc_title_ok(text) {
                Ok(())
            } else {
                Err("template format is invalid or contains unknown variables".to_string())
            }
        }
        _ => Ok(()),
    }
}

/// Redis's `validateProcTitleTemplate`: `sdstemplate` expands every `{variable}` (`{{` is a
/// literal brace) with an empty title, and something must be left after trimming spaces.
fn proc_title_ok(text: &[u8]) -> bool {
    let mut expanded: Vec<u8> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(open) = rest.iter().position(|&b| b == b'{') else {
            expanded.extend_from_slice(rest);
            break;
        };
        expanded.extend_from_slice(&rest[..open]);
        let after = &rest[open + 1..];
        match after.first() {
            None => return false,
            Some(b'{') => {
                expanded.push(b'{');
                rest = &after[1..];
                continue;
            }
            Some(_) => {}
        }
        let Some(close) = after.iter().position(|&b| b == b'}') else {
            return false;
        };
        let value: &[u8] = match &after[..close] {
            b"title" | b"server-mode" | b"unixsocket" => b"",
            b"listen-addr" | b"config-file" | b"port" | b"tls-port" => b"x",
            _ => return false,
        };
        expanded.extend_from_slice(value);
        rest = &after[close + 1..];
    }
    expanded.iter().any(|&b| b != b' ')
}

fn parse_special(name: &str, value: &[u8], current: &Stored, version: Version) -> Result<Stored, String> {
    let args = words(value);
    let wrong = || "wrong number of arguments".to_string();
    match name {
        "dir" => {
            if args.len() != 1 {
                return Err(wrong());
            }
            Ok(Stored::Dir(c_str(value).to_vec()))
        }
        "save" => {
            let args: Vec<&[u8]> = if args.len() == 1 && args[0].is_empty() { Vec::new() } else { args };
            let invalid = || "Invalid save parameters".to_string();
            if !args.len().is_multiple_of(2) {
                return Err(invalid());
            }
            let mut points = Vec::new();
            for pair in args.chunks(2) {
                let seconds = strtoll_whole(pair[0]).filter(|s| *s >= 1).ok_or_else(invalid)?;
                let changes = strtoll_whole(pair[1]).filter(|c| *c >= 0).ok_or_else(invalid)?;
                points.push((seconds, i64::from(changes as i32)));
            }
            Ok(Stored::Save(points))
        }
        "client-output-buffer-limit" => {
            if !args.len().is_multiple_of(4) {
                return Err("Wrong number of arguments in buffer limit configuration.".to_string());
            }
            // Classes not named keep their limits.
            let mut limits = match current {
                Stored::Buffers(limits) => *limits,
                _ => [(0, 0, 0); 3],
            };
            let mut given = Vec::new();
            for chunk in args.chunks(4) {
                let class = match c_str(chunk[0]).to_ascii_lowercase().as_slice() {
                    b"normal" => 0,
                    b"slave" | b"replica" => 1,
                    b"pubsub" => 2,
                    _ => return Err("Invalid client class specified in buffer limit configuration.".to_string()),
                };
                let bad = || "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string();
                let hard = memtoull(chunk[1]).ok_or_else(bad)?;
                let soft = memtoull(chunk[2]).ok_or_else(bad)?;
                let seconds =
                    strtoll_whole(chunk[3]).map(|s| i64::from(s as i32)).filter(|s| *s >= 0).ok_or_else(bad)?;
                given.push((class, (hard, soft, seconds)));
            }
            for (class, limit) in given {
                limits[class] = limit;
            }
            Ok(Stored::Buffers(limits))
        }
        "oom-score-adj-values" => {
            if args.len() != 3 {
                return Err(wrong());
            }
            let mut values = [0; 3];
            for (slot, arg) in values.iter_mut().zip(&args) {
                *slot = strtoll_whole(arg).filter(|v| (-2000..=2000).contains(v)).ok_or_else(|| {
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".to_string()
                })?;
            }
            Ok(Stored::Oom(values))
        }
        "notify-keyspace-events" => crate::notify::parse(c_str(value), version)
            .map(Stored::Notify)
            .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()),
        "bind" => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".to_string());
            }
            let args = if args.len() == 1 && args[0].is_empty() { Vec::new() } else { args };
            Ok(Stored::Words(args.iter().map(|a| a.to_vec()).collect()))
        }
        "replicaof" => {
            if args.len() != 2 {
                return Err(wrong());
            }
            if args[0].eq_ignore_ascii_case(b"no") && args[1].eq_ignore_ascii_case(b"one") {
                return Ok(Stored::ReplicaOf(None));
            }
            match strtoll_whole(args[1]) {
                Some(port) if (0..=65535).contains(&port) && !args[1].is_empty() => {
                    Ok(Stored::ReplicaOf(Some((args[0].to_vec(), port))))
                }
                _ => Err("Invalid master port".to_string()),
            }
        }
        _ => {
            let args = if args.len() == 1 && args[0].is_empty() { Vec::new() } else { args };
            let mut values = Vec::new();
            for arg in args {
                let v = crate::args::parse_f64(arg)
                    .ok_or_else(|| "Invalid latency-tracking-info-percentiles parameters".to_string())?;
                if !(0.0..=100.0).contains(&v) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".to_string()
                    );
                }
                values.push(v);
            }
            Ok(Stored::Percentiles(values))
        }
    }
}

/// Whether `CONFIG SET`'s argument at `index` (counting from the command name) is the value of
/// a sensitive parameter, which the slow log and `MONITOR` do not show.
pub fn redacted(argv: &[Vec<u8>], index: usize, version: Version) -> bool {
    if index < 3 || index.is_multiple_of(2) {
        return false;
    }
    find(version, &argv[index - 1]).is_some_and(|(i, _)| PARAMS[i].flags & SENSITIVE != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &mut Settings, args: &[&str]) -> Result<Vec<usize>, String> {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        s.set(&argv, false).map_err(|e| e.to_string())
    }

    fn get(s: &Settings, name: &str) -> String {
        String::from_utf8(s.get(&[name.as_bytes().to_vec()]).first().map(|(_, v)| v.clone()).unwrap_or_default())
            .unwrap_or_default()
    }

    #[test]
    fn seven_oh_has_redis_s_192_names() {
        let s = Settings::new(Version::V7_0);
        assert_eq!(s.get(&[b"*".to_vec()]).len(), 192);
        assert_eq!(get(&s, "hash-max-ziplist-entries"), "512");
        assert_eq!(
            get(&s, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        assert_eq!(get(&s, "latency-tracking-info-percentiles"), "50 99 99.9");
        assert_eq!(get(&s, "proc-title-template"), "{title} {listen-addr} {server-mode}");
        // Hidden ones answer an exact name only.
        assert_eq!(get(&s, "key-load-delay"), "0");
        assert!(s.get(&[b"key-load-*".to_vec()]).is_empty());
    }

    #[test]
    fn values_are_read_and_refused_as_redis_does() {
        let mut s = Settings::new(Version::V7_0);
        assert!(set(&mut s, &["maxmemory", "5gb"]).is_ok());
        assert_eq!(get(&s, "maxmemory"), "5368709120");
        assert!(set(&mut s, &["maxmemory", "k"]).is_ok());
        assert_eq!(get(&s, "maxmemory"), "0");
        assert!(set(&mut s, &["maxmemory", "99999999999999999999"]).is_ok());
        assert_eq!(get(&s, "maxmemory"), "18446744073709551615");
        assert_eq!(
            set(&mut s, &["maxmemory", "-1"]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
        );
        assert!(set(&mut s, &["maxmemory-clients", "10%"]).is_ok());
        assert_eq!(get(&s, "maxmemory-clients"), "10%");
        assert!(set(&mut s, &["maxmemory-clients", "101%"]).unwrap_err().ends_with("less or equal to 100"));
        assert!(set(&mut s, &["hz", "0"]).is_ok());
        assert_eq!(get(&s, "hz"), "1");
        assert!(set(&mut s, &["slowlog-max-len", "-1"])
            .unwrap_err()
            .ends_with("between 0 and 9223372036854775807 inclusive"));
        assert!(set(&mut s, &["maxclients", "-1"]).unwrap_err().ends_with("between 1 and 4294967295 inclusive"));
        assert!(set(&mut s, &["daemonize", "no"]).unwrap_err().ends_with("can't set immutable config"));
        assert!(set(&mut s, &["dir", "/tmp"]).unwrap_err().ends_with("can't set protected config"));
        assert!(set(&mut s, &["lua-time-limit", "10", "busy-reply-threshold", "20"]).is_ok());
        assert_eq!(get(&s, "lua-time-limit"), "20");
        assert!(set(&mut s, &["lua-time-limit", "10", "lua-time-limit", "20"])
            .unwrap_err()
            .ends_with("duplicate parameter"));
        assert!(set(&mut s, &["save", "1 2 3"]).unwrap_err().ends_with("Invalid save parameters"));
        assert!(set(&mut s, &["save", "100 10 200 20"]).is_ok());
        assert_eq!(get(&s, "save"), "100 10 200 20");
        assert!(set(&mut s, &["save", ""]).is_ok());
        assert_eq!(get(&s, "save"), "");
        assert!(set(&mut s, &["shutdown-on-sigint", "save nosave"]).unwrap_err().ends_with("simultaneously"));
        assert!(set(&mut s, &["shutdown-on-sigint", "nosave now"]).is_ok());
        assert_eq!(get(&s, "shutdown-on-sigint"), "nosave now");
        assert_eq!(
            set(&mut s, &["hash-max-ziplist-entries", "abc"]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument couldn't be parsed into an integer"
        );
        assert!(set(&mut s, &["client-output-buffer-limit", "pubsub 1k 2mb 3"]).is_ok());
        assert_eq!(
            get(&s, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1000 2097152 3"
        );
        assert_eq!(
            set(&mut s, &["nosuch", "1", "maxmemory", "1"]).unwrap_err(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
        );
        assert_eq!(
            set(&mut s, &["maxmemory", "1", "nosuch", "1"]).unwrap_err(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
        );
        // A refused value undoes the ones before it.
        assert!(set(&mut s, &["maxmemory", "7", "hz", "x"]).is_err());
        assert_ne!(get(&s, "maxmemory"), "7");
        assert!(set(&mut s, &["latency-tracking-info-percentiles", "50 99.99 100"]).is_ok());
        assert_eq!(get(&s, "latency-tracking-info-percentiles"), "50 99.99 100");
        assert!(set(&mut s, &["unixsocketperm", "1"]).unwrap_err().ends_with("immutable config"));
    }

    #[test]
    fn an_exact_name_is_shown_as_typed() {
        let s = Settings::new(Version::V7_0);
        assert_eq!(s.get(&[b"MAXMEMORY".to_vec()]), vec![(b"MAXMEMORY".to_vec(), b"0".to_vec())]);
    }

    #[test]
    fn newer_versions_have_their_own_rows() {
        let s = Settings::new(Version::LATEST);
        assert_eq!(get(&s, "set-max-listpack-entries"), "128");
        assert_eq!(get(&s, "server-cpulist"), "");
        assert!(s.lookup(b"server_cpulist").is_some());
        let mut s = s;
        assert!(set(&mut s, &["maxmemory-samples", "65"]).unwrap_err().ends_with("between 1 and 64 inclusive"));
        assert!(Settings::new(Version::V7_0).lookup(b"set-max-listpack-entries").is_none());
    }
}
