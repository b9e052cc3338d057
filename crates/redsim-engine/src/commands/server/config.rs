//! `CONFIG GET|SET|RESETSTAT`: the parameters the engine models.

use super::*;

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
