//! Server commands: FLUSHALL, FLUSHDB, DBSIZE, INFO, TIME, COMMAND.

use crate::args::Args;
use crate::command::{self, Category, CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;

const SERVER: &str = "server";

/// `FLUSHALL [ASYNC|SYNC]`
pub static FLUSHALL: CommandSpec = CommandSpec::new("flushall", -1, SERVER, "1.0.0")
    .flags(&[Flag::Write])
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc("[ASYNC | SYNC]", "Removes all keys from all databases.")
    .run(flushall);

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
pub static FLUSHDB: CommandSpec = CommandSpec::new("flushdb", -1, SERVER, "1.0.0")
    .flags(&[Flag::Write])
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc("[ASYNC | SYNC]", "Remove all keys from the current database.")
    .run(flushdb);

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
pub static DBSIZE: CommandSpec = CommandSpec::new("dbsize", 1, SERVER, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .acl(&[Category::Keyspace])
    .doc("", "Returns the number of keys in the database.")
    .run(|ctx, _| Ok(Reply::Integer(ctx.db().len() as i64)));

/// `TIME`: the virtual clock, as seconds and microseconds.
pub static TIME: CommandSpec = CommandSpec::new("time", 1, SERVER, "2.6.0")
    .flags(&[Flag::Loading, Flag::Stale, Flag::Fast])
    .doc("", "Returns the server time.")
    .run(|ctx, _| {
        let (secs, micros) = (ctx.now_ms / 1000, (ctx.now_ms % 1000) * 1000);
        Ok(Reply::Array(vec![Reply::bulk(secs.to_string()), Reply::bulk(micros.to_string())]))
    });

/// `INFO [section [section ...]]`
pub static INFO: CommandSpec = CommandSpec::new("info", -1, SERVER, "1.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Dangerous])
    .doc("[section [section ...]]", "Returns information and statistics about the server.")
    .run(info);

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
        let used = ctx.server.used_memory();
        let dataset = used - crate::server::STARTUP_MEMORY;
        let max = ctx.server.config.maxmemory as usize;
        sections.push(format!(
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_startup:{}\r\nused_memory_dataset:{dataset}\r\nmaxmemory:{max}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\n",
            human_bytes(used),
            crate::server::STARTUP_MEMORY,
            human_bytes(max),
            ctx.server.config.maxmemory_policy
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
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\nexpired_keys:{}\r\nevicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\n",
            stats.connections_received,
            stats.commands_processed,
            stats.expired_keys,
            stats.evicted_keys,
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

/// `COMMAND [subcommand]`: with no subcommand, `COMMAND INFO` of every command.
pub static COMMAND: CommandSpec = CommandSpec::new("command", -1, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[subcommand]", "Returns detailed information about all commands.")
    .run(|ctx, _| {
        let version = ctx.version();
        Ok(Reply::Array(
            command::table()
                .iter()
                .filter(|c| c.available_in(version))
                .map(|c| command_info(c, None, version))
                .collect(),
        ))
    })
    .subcommands(&[
        COMMAND_COUNT,
        COMMAND_DOCS,
        COMMAND_GETKEYS,
        COMMAND_GETKEYSANDFLAGS,
        COMMAND_HELP,
        COMMAND_INFO,
        COMMAND_LIST,
    ]);

/// `COMMAND COUNT`
const COMMAND_COUNT: CommandSpec = CommandSpec::new("count", 2, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns a count of commands.")
    .run(|ctx, _| {
        let version = ctx.version();
        Ok(Reply::Integer(command::table().iter().filter(|c| c.available_in(version)).count() as i64))
    });

const COMMAND_DOCS: CommandSpec = CommandSpec::new("docs", -2, SERVER, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[command-name [command-name ...]]", "Returns documentary information about one, multiple or all commands.")
    .run(command_docs);
const COMMAND_GETKEYS: CommandSpec = CommandSpec::new("getkeys", -4, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("command [arg [arg ...]]", "Extracts the key names from an arbitrary command.")
    .run(|ctx, mut args| {
        let found = keys_of(ctx, args.rest().to_vec())?;
        Ok(Reply::Array(found.into_iter().map(|(k, _)| Reply::bulk(k)).collect()))
    });
const COMMAND_GETKEYSANDFLAGS: CommandSpec = CommandSpec::new("getkeysandflags", -4, SERVER, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("command [arg [arg ...]]", "Extracts the key names and access flags for an arbitrary command.")
    .run(|ctx, mut args| {
        let found = keys_of(ctx, args.rest().to_vec())?;
        Ok(Reply::Array(
            found
                .into_iter()
                .map(|(k, flags)| {
                    Reply::Array(vec![Reply::bulk(k), Reply::Set(flags.iter().map(|f| Reply::status(f)).collect())])
                })
                .collect(),
        ))
    });
const COMMAND_HELP: CommandSpec = CommandSpec::new("help", 2, SERVER, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(crate::commands::stream::help_reply(
            "COMMAND",
            &[
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.",
                "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
                "    Return a list of all commands in this Redis server.",
            ],
        ))
    });
const COMMAND_INFO: CommandSpec = CommandSpec::new("info", -2, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[command-name [command-name ...]]", "Returns information about one, multiple or all commands.")
    .run(|ctx, mut args| {
        let version = ctx.version();
        let names = args.rest();
        if names.is_empty() {
            return Ok(Reply::Array(
                command::table()
                    .iter()
                    .filter(|c| c.available_in(version))
                    .map(|c| command_info(c, None, version))
                    .collect(),
            ));
        }
        Ok(Reply::Array(
            names
                .iter()
                .map(|n| {
                    find_command(n, version).map_or(Reply::Nil, |(parent, spec)| command_info(spec, parent, version))
                })
                .collect(),
        ))
    });
const COMMAND_LIST: CommandSpec = CommandSpec::new("list", -2, SERVER, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]", "Returns a list of command names.")
    .run(command_list);

/// A command or `container|subcommand` by name.
fn find_command(name: &[u8], version: crate::Version) -> Option<(Option<&'static CommandSpec>, &'static CommandSpec)> {
    let text = String::from_utf8_lossy(name);
    let (top, sub) = match text.split_once('|') {
        Some((t, s)) => (t.to_string(), Some(s.to_string())),
        None => (text.to_string(), None),
    };
    let top = command::lookup(top.as_bytes()).filter(|c| c.available_in(version))?;
    match sub {
        None => Some((None, top)),
        Some(sub) => top.subcommand(sub.as_bytes()).map(|s| (Some(top), s)),
    }
}

/// The flags `COMMAND INFO` prints, in Redis's order.
fn command_flags(spec: &CommandSpec) -> Vec<&'static str> {
    Flag::PRINTED.iter().filter(|f| spec.has(**f)).filter_map(|f| f.name()).collect()
}

/// One `COMMAND INFO` entry: name, arity, flags, first/last/step, ACL categories, tips, key
/// specs, subcommands.
fn command_info(spec: &'static CommandSpec, parent: Option<&'static CommandSpec>, version: crate::Version) -> Reply {
    let full = command::full_name(parent, spec);
    let categories = crate::acl::id_of(parent, spec).map_or(0, |id| crate::acl::registry()[id].categories);
    let cats = crate::acl::CATEGORIES
        .iter()
        .enumerate()
        .filter(|(i, _)| categories & (1 << i) != 0)
        .map(|(_, c)| Reply::status(&format!("@{c}")))
        .collect();
    let (first, last, step) = spec.keys;
    let mut key_specs = Vec::new();
    if first > 0 {
        let flags: &[&str] = if spec.has(Flag::ReadOnly) { &["RO", "access"] } else { &["RW", "access", "update"] };
        let lastkey = if last < 0 { i64::from(last) } else { i64::from(last - first) };
        key_specs.push(Reply::Map(vec![
            (Reply::bulk("flags"), Reply::Set(flags.iter().map(|f| Reply::status(f)).collect())),
            (
                Reply::bulk("begin_search"),
                Reply::Map(vec![
                    (Reply::bulk("type"), Reply::bulk("index")),
                    (Reply::bulk("spec"), Reply::Map(vec![(Reply::bulk("index"), Reply::Integer(i64::from(first)))])),
                ]),
            ),
            (
                Reply::bulk("find_keys"),
                Reply::Map(vec![
                    (Reply::bulk("type"), Reply::bulk("range")),
                    (
                        Reply::bulk("spec"),
                        Reply::Map(vec![
                            (Reply::bulk("lastkey"), Reply::Integer(lastkey)),
                            (Reply::bulk("keystep"), Reply::Integer(i64::from(step))),
                            (Reply::bulk("limit"), Reply::Integer(0)),
                        ]),
                    ),
                ]),
            ),
        ]));
    }
    let subs = spec
        .subcommands
        .iter()
        .filter(|s| s.available_in(version))
        .map(|s| command_info(s, Some(spec), version))
        .collect();
    Reply::Array(vec![
        Reply::bulk(full.clone()),
        Reply::Integer(i64::from(spec.arity)),
        Reply::Set(command_flags(spec).iter().map(|f| Reply::status(f)).collect()),
        Reply::Integer(i64::from(first)),
        Reply::Integer(i64::from(last)),
        Reply::Integer(i64::from(step)),
        Reply::Set(cats),
        Reply::Set(vec![]),
        Reply::Array(key_specs),
        Reply::Array(subs),
    ])
}

fn command_docs(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let version = ctx.version();
    fn doc(spec: &'static CommandSpec, version: crate::Version) -> Reply {
        let mut fields = vec![
            (Reply::bulk("summary"), Reply::bulk(spec.summary)),
            (Reply::bulk("since"), Reply::bulk(spec.since)),
            (Reply::bulk("group"), Reply::bulk(spec.group)),
        ];
        let subs: Vec<(Reply, Reply)> = spec
            .subcommands
            .iter()
            .filter(|s| s.available_in(version))
            .map(|s| (Reply::bulk(format!("{}|{}", spec.name, s.name)), doc(s, version)))
            .collect();
        if !subs.is_empty() {
            fields.push((Reply::bulk("subcommands"), Reply::Map(subs)));
        }
        Reply::Map(fields)
    }
    let names = args.rest();
    let entries: Vec<(Reply, Reply)> = if names.is_empty() {
        command::table()
            .iter()
            .filter(|c| c.available_in(version))
            .map(|c| (Reply::bulk(c.name), doc(c, version)))
            .collect()
    } else {
        names
            .iter()
            .filter_map(|n| find_command(n, version))
            .map(|(parent, spec)| (Reply::bulk(command::full_name(parent, spec)), doc(spec, version)))
            .collect()
    };
    Ok(Reply::Map(entries))
}

/// The keys of a full command line, with Redsim's reading of their access (`COMMAND GETKEYS`).
fn keys_of(ctx: &mut Ctx, argv: Vec<Vec<u8>>) -> Result<Vec<(Vec<u8>, Vec<&'static str>)>> {
    let version = ctx.version();
    let (parent, spec) = match crate::server::resolve(&argv, version) {
        Ok(found) => found,
        Err(Error::WrongArity { .. }) => {
            return Err(Error::other("ERR Invalid number of arguments specified for command"))
        }
        Err(_) => return Err(Error::other("ERR Invalid command specified")),
    };
    let Some(id) = crate::acl::id_of(parent, spec) else { return Err(Error::other("ERR Invalid command specified")) };
    let entry = &crate::acl::registry()[id];
    let found = crate::acl::command_keys(entry, &argv);
    if found.is_empty() && spec.keys.0 <= 0 && !spec.has(Flag::MovableKeys) {
        return Err(Error::other("ERR The command has no key arguments"));
    }
    Ok(found
        .into_iter()
        .map(|(at, access)| {
            let flags = match access {
                crate::acl::READ => vec!["RO", "access"],
                crate::acl::WRITE => vec!["OW", "update"],
                _ => vec!["RW", "access", "update"],
            };
            (argv[at].clone(), flags)
        })
        .collect())
}

fn command_list(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let version = ctx.version();
    let rest = args.rest();
    let filter: Option<(String, Vec<u8>)> = match rest {
        [] => None,
        [by, kind, value] if by.eq_ignore_ascii_case(b"FILTERBY") => {
            let kind = String::from_utf8_lossy(kind).to_ascii_uppercase();
            if !matches!(kind.as_str(), "MODULE" | "ACLCAT" | "PATTERN") {
                return Err(Error::Syntax);
            }
            Some((kind, value.clone()))
        }
        _ => return Err(Error::Syntax),
    };
    let names = crate::acl::registry()
        .iter()
        .filter(|e| e.available_in(version))
        .filter(|e| match &filter {
            None => true,
            Some((kind, value)) => match kind.as_str() {
                "MODULE" => false,
                "ACLCAT" => {
                    crate::acl::category_flag(&String::from_utf8_lossy(value)).is_some_and(|f| e.categories & f != 0)
                }
                _ => crate::glob::matches(value, e.fullname.as_bytes(), true),
            },
        })
        .map(|e| Reply::bulk(e.fullname.as_str()))
        .collect();
    Ok(Reply::Array(names))
}

/// `CONFIG <subcommand> [<arg> ...]`
pub static CONFIG: CommandSpec = CommandSpec::new("config", -2, SERVER, "2.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for server configuration commands.")
    .subcommands(&[CONFIG_GET, CONFIG_SET, CONFIG_RESETSTAT]);

/// `CONFIG GET parameter [parameter ...]`
const CONFIG_GET: CommandSpec = CommandSpec::new("get", -3, SERVER, "2.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .doc("parameter [parameter ...]", "Returns the effective values of configuration parameters.")
    .run(config_get);

/// `CONFIG SET parameter value [parameter value ...]`
const CONFIG_SET: CommandSpec = CommandSpec::new("set", -4, SERVER, "2.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .doc("parameter value [parameter value ...]", "Sets configuration parameters in-flight.")
    .run(config_set);

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
    "maxmemory",
    "maxmemory-policy",
    "maxmemory-samples",
    "lfu-log-factor",
    "lfu-decay-time",
    "slowlog-log-slower-than",
    "slowlog-max-len",
];

/// Redis's `memtoull`: bytes, or a number with `k`, `kb`, `m`, `mb`, `g` or `gb`.
fn memory_value(text: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(text).to_ascii_lowercase();
    let units: [(&str, u64); 6] =
        [("kb", 1024), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1000), ("m", 1_000_000), ("g", 1_000_000_000)];
    let (digits, mul) = units
        .iter()
        .find(|(u, _)| text.ends_with(u))
        .map_or((text.as_str(), 1), |(u, m)| (&text[..text.len() - u.len()], *m));
    let digits = digits.strip_suffix('b').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(mul)
}

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
        "slowlog-log-slower-than" => ctx.server.config.slowlog_slower_than.to_string(),
        "slowlog-max-len" => ctx.server.config.slowlog_max_len.to_string(),
        "maxmemory" => ctx.server.config.maxmemory.to_string(),
        "maxmemory-policy" => ctx.server.config.maxmemory_policy.to_string(),
        "maxmemory-samples" => ctx.server.config.maxmemory_samples.to_string(),
        "lfu-log-factor" => ctx.server.dbs[0].lfu.log_factor.to_string(),
        "lfu-decay-time" => ctx.server.dbs[0].lfu.decay_minutes.to_string(),
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
    let mut memory =
        (ctx.server.config.maxmemory, ctx.server.config.maxmemory_policy, ctx.server.config.maxmemory_samples);
    let mut lfu = ctx.server.dbs[0].lfu;
    let mut slowlog = (ctx.server.config.slowlog_slower_than, ctx.server.config.slowlog_max_len);
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
        let int_max = |v: Option<i64>, low: i64| match v {
            Some(v) if (low..=i64::from(i32::MAX)).contains(&v) => Ok(v),
            Some(_) => Err(invalid(&format!("argument must be between {low} and 2147483647 inclusive"))),
            None => Err(invalid("argument couldn't be parsed into an integer")),
        };
        match name.as_str() {
            "slowlog-log-slower-than" => {
                slowlog.0 = match value {
                    Some(v) if v >= -1 => v,
                    Some(_) => return Err(invalid("argument must be between -1 and 9223372036854775807 inclusive")),
                    None => return Err(invalid("argument couldn't be parsed into an integer")),
                }
            }
            "slowlog-max-len" => slowlog.1 = in_range(value, i64::MAX)? as u64,
            "maxmemory" => {
                memory.0 = memory_value(&pair[1]).ok_or_else(|| invalid("argument must be a memory value"))?
            }
            "maxmemory-policy" => {
                let wanted = String::from_utf8_lossy(&pair[1]).to_ascii_lowercase();
                memory.1 =
                    crate::server::EVICTION_POLICIES.iter().copied().find(|p| *p == wanted).ok_or_else(|| {
                        invalid(&format!(
                            "argument(s) must be one of the following: {}",
                            crate::server::EVICTION_POLICIES.join(", ")
                        ))
                    })?;
            }
            "maxmemory-samples" => memory.2 = int_max(value, 1)? as usize,
            "lfu-log-factor" => lfu.log_factor = int_max(value, 0)?,
            "lfu-decay-time" => lfu.decay_minutes = int_max(value, 0)?,
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
    (ctx.server.config.maxmemory, ctx.server.config.maxmemory_policy, ctx.server.config.maxmemory_samples) = memory;
    (ctx.server.config.slowlog_slower_than, ctx.server.config.slowlog_max_len) = slowlog;
    ctx.server.slowlog.truncate(slowlog.1 as usize);
    let lfu_mode = ctx.server.lfu_policy();
    for db in &mut ctx.server.dbs {
        db.lfu = lfu;
        db.lfu_mode = lfu_mode;
    }
    Ok(Reply::ok())
}

/// `CONFIG RESETSTAT`
const CONFIG_RESETSTAT: CommandSpec = CommandSpec::new("resetstat", 2, SERVER, "2.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .doc("", "Resets the server's statistics.")
    .run(|ctx, _| {
        let stats = &mut ctx.server.stats;
        // The counters INFO stats shows start again; the replication offset and changes since
        // the last save are not statistics and stay.
        stats.commands_processed = 0;
        stats.expired_keys = 0;
        stats.connections_received = 0;
        stats.keyspace_hits = 0;
        stats.keyspace_misses = 0;
        Ok(Reply::ok())
    });

/// `MEMORY <subcommand>`
pub static MEMORY: CommandSpec = CommandSpec::new("memory", -2, SERVER, "4.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for memory diagnostics commands.")
    .subcommands(&[
        CommandSpec::new("doctor", 2, SERVER, "4.0.0")
            .doc("", "Outputs a memory problems report.")
            .run(|ctx, _| {
            let text = if ctx.server.used_memory() < 5 * 1024 * 1024 {
                "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."
            } else {
                "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base."
            };
            Ok(Reply::bulk(text))
        }),
        CommandSpec::new("help", 2, SERVER, "4.0.0")
            .flags(&[Flag::Loading, Flag::Stale])
            .doc("", "Returns helpful text about the different subcommands.")
            .run(|_, _| {
                Ok(crate::commands::stream::help_reply(
                    "MEMORY",
                    &[
                        "DOCTOR",
                        "    Return memory problems reports.",
                        "MALLOC-STATS",
                        "    Return internal statistics report from the memory allocator.",
                        "PURGE",
                        "    Attempt to purge dirty pages for reclamation by the allocator.",
                        "STATS",
                        "    Return information about the memory usage of the server.",
                        "USAGE <key> [SAMPLES <count>]",
                        "    Return memory in bytes used by <key> and its value. Nested values are",
                        "    sampled up to <count> times (default: 5, 0 means sample all).",
                    ],
                ))
            }),
        CommandSpec::new("malloc-stats", 2, SERVER, "4.0.0")
            .doc("", "Returns the allocator statistics.")
            .run(|_, _| {
            Ok(Reply::bulk("Stats not supported for the current allocator"))
        }),
        CommandSpec::new("purge", 2, SERVER, "4.0.0")
            .doc("", "Asks the allocator to release memory.")
            .run(|_, _| Ok(Reply::ok())),
        CommandSpec::new("stats", 2, SERVER, "4.0.0")
            .doc("", "Returns details about memory usage.")
            .run(memory_stats),
        CommandSpec::new("usage", -3, SERVER, "4.0.0")
            .flags(&[Flag::ReadOnly])
            .keys(2, 2, 1)
            .doc("key [SAMPLES count]", "Estimates the memory usage of a key.")
            .run(memory_usage),
    ]);

fn memory_usage(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let mut samples = crate::memory::DEFAULT_SAMPLES;
    let rest = args.rest();
    let mut j = 0;
    while j < rest.len() {
        if rest[j].eq_ignore_ascii_case(b"SAMPLES") && j + 1 < rest.len() {
            let n = crate::args::parse_i64(&rest[j + 1]).ok_or(Error::NotInteger)?;
            if n < 0 {
                return Err(Error::Syntax);
            }
            samples = n as usize;
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let db = ctx.db_index();
    Ok(ctx.server.key_memory(db, &key, samples).map_or(Reply::Nil, |n| Reply::Integer(n as i64)))
}

fn memory_stats(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let server = &*ctx.server;
    let used = server.used_memory();
    let startup = crate::server::STARTUP_MEMORY;
    let dataset = used - startup;
    let keys: usize = server.dbs.iter().map(|d| d.len()).sum();
    let int = |n: usize| Reply::Integer(n as i64);
    let mut fields = vec![
        (Reply::bulk("peak.allocated"), int(used)),
        (Reply::bulk("total.allocated"), int(used)),
        (Reply::bulk("startup.allocated"), int(startup)),
        (Reply::bulk("replication.backlog"), int(0)),
        (Reply::bulk("clients.slaves"), int(0)),
        (Reply::bulk("clients.normal"), int(0)),
        (Reply::bulk("cluster.links"), int(0)),
        (Reply::bulk("aof.buffer"), int(0)),
        (Reply::bulk("lua.caches"), int(0)),
        (Reply::bulk("functions.caches"), int(0)),
    ];
    for (i, d) in server.dbs.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        let slots = |n: usize| if n == 0 { 0 } else { n.next_power_of_two().max(4) };
        fields.push((
            Reply::bulk(format!("db.{i}")),
            Reply::Map(vec![
                (Reply::bulk("overhead.hashtable.main"), int(56 + 8 * slots(d.len()) + 24 * d.len())),
                (
                    Reply::bulk("overhead.hashtable.expires"),
                    int(56 + 8 * slots(d.expires_len()) + 24 * d.expires_len()),
                ),
                (Reply::bulk("overhead.hashtable.slot-to-keys"), int(0)),
            ]),
        ));
    }
    let pct =
        |part: usize, whole: usize| Reply::Double(if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 });
    fields.extend([
        (Reply::bulk("overhead.total"), int(startup)),
        (Reply::bulk("keys.count"), int(keys)),
        (Reply::bulk("keys.bytes-per-key"), int(dataset.checked_div(keys).unwrap_or(0))),
        (Reply::bulk("dataset.bytes"), int(dataset)),
        (Reply::bulk("dataset.percentage"), pct(dataset, used - startup.min(used) + 1)),
        (Reply::bulk("peak.percentage"), Reply::Double(100.0)),
        (Reply::bulk("fragmentation"), Reply::Double(1.0)),
    ]);
    Ok(Reply::Map(fields))
}

/// `SLOWLOG <subcommand>`
pub static SLOWLOG: CommandSpec = CommandSpec::new("slowlog", -2, SERVER, "2.2.12")
    .doc("<subcommand> [<arg> ...]", "A container for slow log commands.")
    .subcommands(&[
        CommandSpec::new("get", -2, SERVER, "2.2.12")
            .flags(&[Flag::Admin, Flag::Loading, Flag::Stale])
            .doc("[count]", "Returns the slow log's entries.")
            .run(slowlog_get),
        CommandSpec::new("help", 2, SERVER, "6.2.0")
            .flags(&[Flag::Loading, Flag::Stale])
            .doc("", "Show helpful text about the different subcommands")
            .run(|_, _| {
                Ok(crate::commands::stream::help_reply(
                    "SLOWLOG",
                    &[
                        "GET [<count>]",
                        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                        "    Entries are made of:",
                        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                        "    client name",
                        "LEN",
                        "    Return the length of the slowlog.",
                        "RESET",
                        "    Reset the slowlog.",
                    ],
                ))
            }),
        CommandSpec::new("len", 2, SERVER, "2.2.12")
            .flags(&[Flag::Admin, Flag::Loading, Flag::Stale])
            .doc("", "Returns the number of entries in the slow log.")
            .run(|ctx, _| Ok(Reply::Integer(ctx.server.slowlog.len() as i64))),
        CommandSpec::new("reset", 2, SERVER, "2.2.12")
            .flags(&[Flag::Admin, Flag::Loading, Flag::Stale])
            .doc("", "Clears all entries from the slow log.")
            .run(|ctx, _| {
                ctx.server.slowlog.clear();
                Ok(Reply::ok())
            }),
    ]);

fn slowlog_get(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let count = match args.rest() {
        [] => 10,
        [n] => match crate::args::parse_i64(n) {
            Some(-1) => usize::MAX,
            Some(n) if n >= 0 => n as usize,
            _ => return Err(Error::other("ERR count should be greater than or equal to -1")),
        },
        _ => return Err(crate::commands::stream::subcommand_syntax_error("SLOWLOG", &ctx.argv[1])),
    };
    Ok(Reply::Array(
        ctx.server
            .slowlog
            .iter()
            .take(count)
            .map(|e| {
                Reply::Array(vec![
                    Reply::Integer(e.id as i64),
                    Reply::Integer(e.time_s as i64),
                    Reply::Integer(e.duration_us),
                    Reply::Array(e.args.iter().map(|a| Reply::bulk(a.clone())).collect()),
                    Reply::bulk(e.addr.clone()),
                    Reply::bulk(e.name.clone()),
                ])
            })
            .collect(),
    ))
}
