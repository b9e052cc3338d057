//! `MEMORY USAGE|STATS|DOCTOR|...`: memory as Redis accounts for it (`crate::memory`).

use super::*;

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
            Ok(Reply::Verbatim("txt".into(), text.as_bytes().to_vec()))
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
            Ok(Reply::Verbatim("txt".into(), b"Stats not supported for the current allocator".to_vec()))
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
