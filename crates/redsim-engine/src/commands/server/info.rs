//! `INFO`: the sections Redis prints, with the counters the simulation moves.

use super::*;

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
