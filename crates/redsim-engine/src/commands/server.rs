//! Server commands: FLUSHALL, FLUSHDB, DBSIZE, INFO, TIME, COMMAND.

use crate::args::Args;
use crate::command::{self, CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;

const SERVER: &str = "server";

/// `FLUSHALL [ASYNC|SYNC]`
pub static FLUSHALL: CommandSpec = CommandSpec {
    name: "flushall",
    arity: -1,
    flags: &[Flag::Write],
    keys: (0, 0, 0),
    group: SERVER,
    since: "1.0.0",
    summary: "Removes all keys from all databases.",
    syntax: "[ASYNC | SYNC]",
    run: Some(flushall),
    subcommands: &[],
};

/// Redis accepts exactly one optional `ASYNC` or `SYNC`; both flush at once here.
fn flush_mode(mut args: Args) -> Result<()> {
    match args.remaining() {
        0 => Ok(()),
        1 if args.eat("ASYNC") || args.eat("SYNC") => Ok(()),
        _ => Err(Error::Syntax),
    }
}

fn flushall(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    flush_mode(args)?;
    for db in 0..ctx.server.dbs.len() {
        ctx.server.touch_watched_in_db(db, None);
    }
    ctx.server.dbs.iter_mut().for_each(|db| db.clear());
    ctx.signal_flushed(None);
    // Always propagated, like Redis, even when nothing was there.
    ctx.dirty += 1;
    ctx.effect(Effect::Flushed { db: None });
    Ok(Reply::ok())
}

/// `FLUSHDB [ASYNC|SYNC]`
pub static FLUSHDB: CommandSpec = CommandSpec {
    name: "flushdb",
    arity: -1,
    flags: &[Flag::Write],
    keys: (0, 0, 0),
    group: SERVER,
    since: "1.0.0",
    summary: "Remove all keys from the current database.",
    syntax: "[ASYNC | SYNC]",
    run: Some(flushdb),
    subcommands: &[],
};

fn flushdb(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    flush_mode(args)?;
    let index = ctx.db_index();
    ctx.server.touch_watched_in_db(index, None);
    ctx.db().clear();
    ctx.dirty += 1;
    let db = ctx.db_index();
    ctx.signal_flushed(Some(db));
    ctx.effect(Effect::Flushed { db: Some(db) });
    Ok(Reply::ok())
}

/// `DBSIZE`
pub static DBSIZE: CommandSpec = CommandSpec {
    name: "dbsize",
    arity: 1,
    flags: &[Flag::ReadOnly, Flag::Fast],
    keys: (0, 0, 0),
    group: SERVER,
    since: "1.0.0",
    summary: "Returns the number of keys in the database.",
    syntax: "",
    run: Some(|ctx, _| Ok(Reply::Integer(ctx.db().len() as i64))),
    subcommands: &[],
};

/// `TIME`: the virtual clock, as seconds and microseconds.
pub static TIME: CommandSpec = CommandSpec {
    name: "time",
    arity: 1,
    flags: &[Flag::Loading, Flag::Stale, Flag::Fast],
    keys: (0, 0, 0),
    group: SERVER,
    since: "2.6.0",
    summary: "Returns the server time.",
    syntax: "",
    run: Some(|ctx, _| {
        let (secs, micros) = (ctx.now_ms / 1000, (ctx.now_ms % 1000) * 1000);
        Ok(Reply::Array(vec![Reply::bulk(secs.to_string()), Reply::bulk(micros.to_string())]))
    }),
    subcommands: &[],
};

/// `INFO [section [section ...]]`
pub static INFO: CommandSpec = CommandSpec {
    name: "info",
    arity: -1,
    flags: &[Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: SERVER,
    since: "1.0.0",
    summary: "Returns information and statistics about the server.",
    syntax: "[section [section ...]]",
    run: Some(info),
    subcommands: &[],
};

fn info(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let wanted: Vec<String> = args.rest().iter().map(|s| String::from_utf8_lossy(s).to_ascii_lowercase()).collect();
    let everything = wanted.is_empty() || wanted.iter().any(|w| matches!(w.as_str(), "all" | "everything" | "default"));
    let show = |section: &str| everything || wanted.iter().any(|w| w == section);
    let mut sections = Vec::new();
    if show("server") {
        sections.push(format!(
            "# Server\r\nredis_version:{}\r\nredis_mode:standalone\r\nos:Redsim\r\narch_bits:64\r\nprocess_id:1\r\ntcp_port:6379\r\nuptime_in_seconds:{}\r\n",
            ctx.version().full(),
            ctx.now_ms / 1000
        ));
    }
    if show("clients") {
        sections.push(format!(
            "# Clients\r\nconnected_clients:{}\r\nblocked_clients:{}\r\n",
            ctx.server.clients.len(),
            ctx.server.blocked.len()
        ));
    }
    if show("memory") {
        let used: usize =
            ctx.server.dbs.iter().map(|db| db.keys().map(|(k, v)| k.len() + value_bytes(v)).sum::<usize>()).sum();
        sections.push(format!(
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n",
            human_bytes(used)
        ));
    }
    if show("persistence") {
        sections.push(format!(
            "# Persistence\r\nloading:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n",
            ctx.server.stats.changes
        ));
    }
    if show("stats") {
        let stats = &ctx.server.stats;
        sections.push(format!(
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\nexpired_keys:{}\r\nevicted_keys:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\n",
            stats.connections_received,
            stats.commands_processed,
            stats.expired_keys,
            stats.keyspace_hits,
            stats.keyspace_misses,
            ctx.server.pubsub_channels.len(),
            ctx.server.pubsub_patterns.len()
        ));
    }
    if show("replication") {
        sections.push(format!(
            "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:{}\r\n",
            ctx.server.stats.repl_offset
        ));
    }
    if show("keyspace") {
        let mut text = String::from("# Keyspace\r\n");
        for (i, db) in ctx.server.dbs.iter().enumerate().filter(|(_, db)| !db.is_empty()) {
            text.push_str(&format!("db{i}:keys={},expires={},avg_ttl=0\r\n", db.len(), db.expires_len()));
        }
        sections.push(text);
    }
    Ok(Reply::Bulk(sections.join("\r\n").into_bytes()))
}

/// A rough size of a value in bytes, for `INFO memory` (not Redis's allocator accounting).
fn value_bytes(value: &crate::value::Value) -> usize {
    use crate::value::Value;
    match value {
        Value::String(s) => s.len() + 16,
        Value::List(l) => l.iter().map(|e| e.len() + 11).sum::<usize>() + 32,
        Value::Hash(h) => h.iter().map(|(f, v)| f.len() + v.len() + 4).sum::<usize>() + 32,
        Value::Set(s) => s.members().iter().map(|m| m.len() + 8).sum::<usize>() + 32,
        Value::ZSet(z) => z.iter().map(|(m, _)| m.len() + 24).sum::<usize>() + 32,
        Value::Stream(s) => s.nodes.values().map(|n| n.bytes()).sum::<usize>() + 64,
    }
}

/// Redis's `bytesToHuman`.
fn human_bytes(n: usize) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", n / (1024.0 * 1024.0 * 1024.0))
    }
}

/// `COMMAND [subcommand]`: only `COUNT` so far.
pub static COMMAND: CommandSpec = CommandSpec {
    name: "command",
    arity: -1,
    flags: &[Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: SERVER,
    since: "2.8.13",
    summary: "Returns detailed information about all commands.",
    syntax: "[subcommand]",
    run: None,
    subcommands: &[COMMAND_COUNT],
};

/// `COMMAND COUNT`
const COMMAND_COUNT: CommandSpec = CommandSpec {
    name: "count",
    arity: 2,
    flags: &[Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: SERVER,
    since: "2.8.13",
    summary: "Returns a count of commands.",
    syntax: "",
    run: Some(|ctx, _| {
        let version = ctx.version();
        Ok(Reply::Integer(command::table().iter().filter(|c| c.available_in(version)).count() as i64))
    }),
    subcommands: &[],
};

/// `CONFIG <subcommand> [<arg> ...]`
pub static CONFIG: CommandSpec = CommandSpec {
    name: "config",
    arity: -2,
    flags: &[],
    keys: (0, 0, 0),
    group: SERVER,
    since: "2.0.0",
    summary: "A container for server configuration commands.",
    syntax: "<subcommand> [<arg> ...]",
    run: None,
    subcommands: &[CONFIG_GET, CONFIG_SET, CONFIG_RESETSTAT],
};

/// `CONFIG GET parameter [parameter ...]`
const CONFIG_GET: CommandSpec = CommandSpec {
    name: "get",
    arity: -3,
    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: SERVER,
    since: "2.0.0",
    summary: "Returns the effective values of configuration parameters.",
    syntax: "parameter [parameter ...]",
    run: Some(config_get),
    subcommands: &[],
};

/// `CONFIG SET parameter value [parameter value ...]`
const CONFIG_SET: CommandSpec = CommandSpec {
    name: "set",
    arity: -4,
    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: SERVER,
    since: "2.0.0",
    summary: "Sets configuration parameters in-flight.",
    syntax: "parameter value [parameter value ...]",
    run: Some(config_set),
    subcommands: &[],
};

/// The parameters the engine models, in the order Redis 7.0 lists them for a pattern (its own
/// table order comes from a hash table, so only the listed cases can match it).
const PARAMETERS: &[&str] = &[
    "stream-node-max-entries",
    "stream-node-max-bytes",
    "save",
    "appendonly",
    "notify-keyspace-events",
    "stream-idmp-duration",
    "stream-idmp-maxsize",
];

/// Whether the emulated Redis has the parameter (the IDMP defaults came with 8.6).
fn parameter_known(ctx: &Ctx, name: &str) -> bool {
    !name.starts_with("stream-idmp-") || ctx.version().at_least(8, 6)
}

fn parameter_value(ctx: &Ctx, name: &str) -> String {
    let limits = ctx.server.config.stream_node_limits;
    match name {
        "stream-node-max-bytes" => limits.max_bytes.to_string(),
        "stream-node-max-entries" => limits.max_entries.to_string(),
        // The engine keeps nothing on disk (the simulator models persistence on its own).
        "save" => String::new(),
        "appendonly" => "no".to_string(),
        "notify-keyspace-events" => crate::notify::to_text(ctx.server.config.notify),
        "stream-idmp-duration" => ctx.server.config.idmp_duration_s.to_string(),
        "stream-idmp-maxsize" => ctx.server.config.idmp_maxsize.to_string(),
        _ => unreachable!("only listed parameters are asked for"),
    }
}

fn config_get(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let mut found: Vec<&str> = Vec::new();
    for pattern in args.rest() {
        let pattern = pattern.to_ascii_lowercase();
        for name in
            PARAMETERS.iter().filter(|n| parameter_known(ctx, n) && crate::glob::matches(&pattern, n.as_bytes(), true))
        {
            if !found.contains(name) {
                found.push(name);
            }
        }
    }
    let pairs = found.iter().map(|n| (Reply::bulk(n), Reply::bulk(parameter_value(ctx, n)))).collect();
    Ok(Reply::Map(pairs))
}

fn config_set(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(Error::WrongArity { name: "config|set".into() });
    }
    let mut limits = ctx.server.config.stream_node_limits;
    let (mut idmp_duration, mut idmp_maxsize) = (ctx.server.config.idmp_duration_s, ctx.server.config.idmp_maxsize);
    for pair in rest.chunks(2) {
        let name = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
        let value = crate::args::parse_i64(&pair[1]);
        let invalid = |reason: &str| {
            Error::other(format!(
                "ERR CONFIG SET failed (possibly related to argument '{}') - {reason}",
                String::from_utf8_lossy(&pair[0])
            ))
        };
        let in_range = |v: Option<i64>, max: i64| match v {
            Some(v) if (0..=max).contains(&v) => Ok(v),
            Some(_) => Err(invalid(&format!("argument must be between 0 and {max} inclusive"))),
            None => Err(invalid("argument couldn't be parsed into an integer")),
        };
        let idmp_range = |v: Option<i64>, (low, high): (u64, u64)| match v {
            Some(v) if (low as i64..=high as i64).contains(&v) => Ok(v as u64),
            Some(_) => Err(invalid(&format!("argument must be between {low} and {high} inclusive"))),
            None => Err(invalid("argument couldn't be parsed into an integer")),
        };
        match name.as_str() {
            "stream-idmp-duration" if parameter_known(ctx, &name) => {
                idmp_duration = idmp_range(value, crate::stream::idmp::DURATION_RANGE)?;
            }
            "stream-idmp-maxsize" if parameter_known(ctx, &name) => {
                idmp_maxsize = idmp_range(value, crate::stream::idmp::MAXSIZE_RANGE)?;
            }
            "stream-node-max-bytes" => limits.max_bytes = in_range(value, i64::MAX)?,
            "stream-node-max-entries" => limits.max_entries = in_range(value, i64::MAX)?,
            "notify-keyspace-events" => {
                ctx.server.config.notify = crate::notify::parse(&pair[1])
                    .ok_or_else(|| invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))?;
            }
            _ => {
                return Err(Error::other(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                    String::from_utf8_lossy(&pair[0])
                )))
            }
        }
    }
    ctx.server.config.stream_node_limits = limits;
    ctx.server.config.idmp_duration_s = idmp_duration;
    ctx.server.config.idmp_maxsize = idmp_maxsize;
    Ok(Reply::ok())
}

/// `CONFIG RESETSTAT`
const CONFIG_RESETSTAT: CommandSpec = CommandSpec {
    name: "resetstat",
    arity: 2,
    flags: &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: SERVER,
    since: "2.0.0",
    summary: "Resets the server's statistics.",
    syntax: "",
    run: Some(|ctx, _| {
        let stats = &mut ctx.server.stats;
        // The counters INFO stats shows start again; the replication offset and changes since
        // the last save are not statistics and stay.
        stats.commands_processed = 0;
        stats.expired_keys = 0;
        stats.connections_received = 0;
        stats.keyspace_hits = 0;
        stats.keyspace_misses = 0;
        Ok(Reply::ok())
    }),
    subcommands: &[],
};
