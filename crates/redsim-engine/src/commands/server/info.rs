//! `INFO`: Redis 7.0's sections and fields, in its order, with the engine's own counters where
//! it keeps them and a still, plausible value where a simulator has nothing to measure (CPU
//! time, allocator fragmentation, forks).

use super::*;

/// `INFO [section [section ...]]`
pub static INFO: CommandSpec = CommandSpec::new("info", -1, SERVER, "1.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Dangerous])
    .doc("[section [section ...]]", "Returns information and statistics about the server.")
    .run(info);

/// Every section, in the order Redis prints them, and whether `INFO` with no argument shows it.
const SECTIONS: [(&str, bool); 15] = [
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("errorstats", true),
    ("latencystats", false),
    ("cluster", true),
    ("keyspace", true),
    // Only for `INFO everything` / a named section.
    ("module_list", false),
    ("", false),
];

fn info(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let wanted: Vec<String> = args.rest().iter().map(|s| String::from_utf8_lossy(s).to_ascii_lowercase()).collect();
    let default = wanted.is_empty() || wanted.iter().any(|w| w == "default");
    let all = wanted.iter().any(|w| w == "all" || w == "everything");
    let show = |section: &str| {
        let listed = SECTIONS.iter().find(|(name, _)| *name == section).is_some_and(|(_, d)| *d);
        all || (default && listed) || wanted.iter().any(|w| w == section)
    };
    let mut sections: Vec<String> = Vec::new();
    for (name, _) in SECTIONS.iter().take(13) {
        if show(name) {
            sections.push(section(ctx, name));
        }
    }
    Ok(Reply::Verbatim("txt".into(), sections.join("\r\n").into_bytes()))
}

fn lines(title: &str, fields: &[(&str, String)]) -> String {
    let mut out = format!("# {title}\r\n");
    for (k, v) in fields {
        out.push_str(k);
        out.push(':');
        out.push_str(v);
        out.push_str("\r\n");
    }
    out
}

fn section(ctx: &mut Ctx, name: &str) -> String {
    let now = ctx.now_ms;
    let s = &*ctx.server;
    let settings = &s.config.settings;
    let uptime_s = now.saturating_sub(s.started_ms.unwrap_or(now)) / 1000;
    match name {
        "server" => lines(
            "Server",
            &[
                ("redis_version", s.version().full()),
                ("redis_git_sha1", "00000000".into()),
                ("redis_git_dirty", "0".into()),
                ("redis_build_id", "72656473696d".into()),
                ("redis_mode", if s.cluster.is_some() { "cluster" } else { "standalone" }.into()),
                ("os", "Redsim".into()),
                ("arch_bits", "64".into()),
                ("monotonic_clock", "POSIX clock_gettime".into()),
                ("multiplexing_api", "epoll".into()),
                ("atomicvar_api", "c11-builtin".into()),
                ("gcc_version", "0.0.0".into()),
                ("process_id", "1".into()),
                ("process_supervised", "no".into()),
                ("run_id", s.replid.clone()),
                ("tcp_port", settings.number("port").to_string()),
                ("server_time_usec", (now * 1000).to_string()),
                ("uptime_in_seconds", uptime_s.to_string()),
                ("uptime_in_days", (uptime_s / 86_400).to_string()),
                ("hz", settings.number("hz").to_string()),
                ("configured_hz", settings.number("hz").to_string()),
                ("lru_clock", ((now / 1000) & ((1 << 24) - 1)).to_string()),
                ("executable", "/usr/bin/redsim-server".into()),
                ("config_file", String::new()),
                ("io_threads_active", "0".into()),
            ],
        ),
        "clients" => {
            let replicas = s.clients.values().filter(|c| c.replica.is_some()).count();
            lines(
                "Clients",
                &[
                    ("connected_clients", (s.clients.len() - replicas).to_string()),
                    ("cluster_connections", "0".into()),
                    ("maxclients", settings.number("maxclients").to_string()),
                    ("client_recent_max_input_buffer", "20480".into()),
                    ("client_recent_max_output_buffer", "0".into()),
                    ("blocked_clients", s.blocked.len().to_string()),
                    ("tracking_clients", s.tracking_clients().to_string()),
                    ("clients_in_timeout_table", s.blocked.values().filter(|b| b.deadline_ms != 0).count().to_string()),
                ],
            )
        }
        "memory" => {
            let used = s.used_memory();
            let startup = crate::server::STARTUP_MEMORY;
            let dataset = used.saturating_sub(startup);
            let max = s.config.maxmemory as usize;
            let scripts = s.scripts.bodies.len();
            let libraries = s.scripts.libraries.len();
            let functions: usize = s.scripts.libraries.values().map(|l| l.functions.len()).sum();
            let percent = |part: usize, whole: usize| {
                if whole == 0 {
                    "0.00%".to_string()
                } else {
                    format!("{:.2}%", part as f64 * 100.0 / whole as f64)
                }
            };
            lines(
                "Memory",
                &[
                    ("used_memory", used.to_string()),
                    ("used_memory_human", human_bytes(used)),
                    ("used_memory_rss", (used + 6 * 1024 * 1024).to_string()),
                    ("used_memory_rss_human", human_bytes(used + 6 * 1024 * 1024)),
                    ("used_memory_peak", used.to_string()),
                    ("used_memory_peak_human", human_bytes(used)),
                    ("used_memory_peak_perc", "100.00%".into()),
                    ("used_memory_overhead", startup.to_string()),
                    ("used_memory_startup", startup.to_string()),
                    ("used_memory_dataset", dataset.to_string()),
                    ("used_memory_dataset_perc", percent(dataset, used.saturating_sub(startup).max(dataset))),
                    ("allocator_allocated", used.to_string()),
                    ("allocator_active", used.to_string()),
                    ("allocator_resident", used.to_string()),
                    ("total_system_memory", "25276071936".into()),
                    ("total_system_memory_human", "23.54G".into()),
                    ("used_memory_lua", "32768".into()),
                    ("used_memory_vm_eval", "32768".into()),
                    ("used_memory_lua_human", "32.00K".into()),
                    ("used_memory_scripts_eval", (scripts * 200).to_string()),
                    ("number_of_cached_scripts", scripts.to_string()),
                    ("number_of_functions", functions.to_string()),
                    ("number_of_libraries", libraries.to_string()),
                    ("used_memory_vm_functions", "32768".into()),
                    ("used_memory_vm_total", "65536".into()),
                    ("used_memory_vm_total_human", "64.00K".into()),
                    ("used_memory_functions", (200 + libraries * 200).to_string()),
                    ("used_memory_scripts", (200 + libraries * 200 + scripts * 200).to_string()),
                    ("used_memory_scripts_human", human_bytes(200 + libraries * 200 + scripts * 200)),
                    ("maxmemory", max.to_string()),
                    ("maxmemory_human", human_bytes(max)),
                    ("maxmemory_policy", s.config.maxmemory_policy.to_string()),
                    ("allocator_frag_ratio", "1.00".into()),
                    ("allocator_frag_bytes", "0".into()),
                    ("allocator_rss_ratio", "1.00".into()),
                    ("allocator_rss_bytes", "0".into()),
                    ("rss_overhead_ratio", "1.00".into()),
                    ("rss_overhead_bytes", "0".into()),
                    ("mem_fragmentation_ratio", "1.00".into()),
                    ("mem_fragmentation_bytes", "0".into()),
                    ("mem_not_counted_for_evict", "0".into()),
                    ("mem_replication_backlog", "0".into()),
                    ("mem_total_replication_buffers", "0".into()),
                    ("mem_clients_slaves", "0".into()),
                    ("mem_clients_normal", "0".into()),
                    ("mem_cluster_links", "0".into()),
                    ("mem_aof_buffer", "0".into()),
                    // Sizes follow jemalloc's size classes, as Debian's Redis allocates.
                    ("mem_allocator", "jemalloc-5.3.0".into()),
                    ("active_defrag_running", "0".into()),
                    ("lazyfree_pending_objects", "0".into()),
                    ("lazyfreed_objects", "0".into()),
                ],
            )
        }
        "persistence" => {
            let mut fields = vec![
                ("loading", "0".into()),
                ("async_loading", "0".into()),
                ("current_cow_peak", "0".into()),
                ("current_cow_size", "0".into()),
                ("current_cow_size_age", "0".into()),
                ("current_fork_perc", "0.00".into()),
                ("current_save_keys_processed", "0".into()),
                ("current_save_keys_total", "0".into()),
                ("rdb_changes_since_last_save", s.stats.changes.to_string()),
                ("rdb_bgsave_in_progress", "0".into()),
                ("rdb_last_save_time", s.lastsave_s.to_string()),
                ("rdb_last_bgsave_status", "ok".into()),
                ("rdb_last_bgsave_time_sec", "-1".into()),
                ("rdb_current_bgsave_time_sec", "-1".into()),
                ("rdb_saves", "0".into()),
                ("rdb_last_cow_size", "0".into()),
                ("rdb_last_load_keys_expired", "0".into()),
                ("rdb_last_load_keys_loaded", "0".into()),
                ("aof_enabled", u8::from(settings.flag("appendonly")).to_string()),
                ("aof_rewrite_in_progress", "0".into()),
                ("aof_rewrite_scheduled", "0".into()),
                ("aof_last_rewrite_time_sec", "-1".into()),
                ("aof_current_rewrite_time_sec", "-1".into()),
                ("aof_last_bgrewrite_status", "ok".into()),
                ("aof_rewrites", "0".into()),
                ("aof_rewrites_consecutive_failures", "0".into()),
                ("aof_last_write_status", "ok".into()),
                ("aof_last_cow_size", "0".into()),
                ("module_fork_in_progress", "0".into()),
                ("module_fork_last_cow_size", "0".into()),
            ];
            // Redis 8.10: whether an online backup has started and is not sealed yet.
            if s.version().at_least(8, 10) {
                fields.insert(fields.len() - 2, ("backup_in_progress", u8::from(s.backup.in_progress()).to_string()));
            }
            lines("Persistence", &fields)
        }
        "stats" => {
            let st = &s.stats;
            let mut fields = vec![
                ("total_connections_received", st.connections_received.to_string()),
                ("total_commands_processed", st.commands_processed.to_string()),
                ("instantaneous_ops_per_sec", "0".into()),
                ("total_net_input_bytes", st.net_input_bytes.to_string()),
                ("total_net_output_bytes", "0".into()),
                ("total_net_repl_input_bytes", "0".into()),
                ("total_net_repl_output_bytes", "0".into()),
                ("instantaneous_input_kbps", "0.00".into()),
                ("instantaneous_output_kbps", "0.00".into()),
                ("instantaneous_input_repl_kbps", "0.00".into()),
                ("instantaneous_output_repl_kbps", "0.00".into()),
                ("rejected_connections", "0".into()),
                ("sync_full", s.clients.values().filter(|c| c.replica.is_some()).count().to_string()),
                ("sync_partial_ok", "0".into()),
                ("sync_partial_err", "0".into()),
                ("expired_subkeys", st.expired_subkeys.to_string()),
                ("expired_keys", st.expired_keys.to_string()),
                ("expired_stale_perc", "0.00".into()),
                ("expired_time_cap_reached_count", "0".into()),
                ("expire_cycle_cpu_milliseconds", "0".into()),
                ("evicted_keys", st.evicted_keys.to_string()),
                ("evicted_clients", "0".into()),
                ("total_eviction_exceeded_time", "0".into()),
                ("current_eviction_exceeded_time", "0".into()),
                ("keyspace_hits", st.keyspace_hits.to_string()),
                ("keyspace_misses", st.keyspace_misses.to_string()),
                ("pubsub_channels", s.pubsub_channels.len().to_string()),
                ("pubsub_patterns", s.pubsub_patterns.len().to_string()),
                ("pubsubshard_channels", s.pubsub_shard_channels.len().to_string()),
                ("latest_fork_usec", "0".into()),
                ("total_forks", "0".into()),
                ("migrate_cached_sockets", "0".into()),
                ("slave_expires_tracked_keys", "0".into()),
                ("active_defrag_hits", "0".into()),
                ("active_defrag_misses", "0".into()),
                ("active_defrag_key_hits", "0".into()),
                ("active_defrag_key_misses", "0".into()),
                ("total_active_defrag_time", "0".into()),
                ("current_active_defrag_time", "0".into()),
                ("tracking_total_keys", s.tracking_totals().0.to_string()),
                ("tracking_total_items", s.tracking_totals().1.to_string()),
                ("tracking_total_prefixes", s.tracking_totals().2.to_string()),
                ("unexpected_error_replies", "0".into()),
                ("total_error_replies", st.total_error_replies.to_string()),
                ("dump_payload_sanitizations", "0".into()),
                ("total_reads_processed", st.commands_processed.to_string()),
                ("total_writes_processed", st.commands_processed.to_string()),
                ("io_threaded_reads_processed", "0".into()),
                ("io_threaded_writes_processed", "0".into()),
                ("reply_buffer_shrinks", "0".into()),
                ("reply_buffer_expands", "0".into()),
            ];
            // Hash fields got their own expiry in 7.4.
            if !s.config.version.at_least(7, 4) {
                fields.retain(|(name, _)| *name != "expired_subkeys");
            }
            lines("Stats", &fields)
        }
        "replication" => {
            let mut fields: Vec<(&str, String)> = Vec::new();
            match &s.master {
                None => fields.push(("role", "master".into())),
                Some(m) => {
                    let up = m.is_up();
                    // Offsets before the link ever came up are 1, as Redis prints them.
                    let offset = if up || s.stats.repl_offset > 0 { s.stats.repl_offset } else { 1 };
                    let last_io = if up { "0".to_string() } else { "-1".into() };
                    fields.extend([
                        ("role", "slave".to_string()),
                        ("master_host", String::from_utf8_lossy(&m.host).into_owned()),
                        ("master_port", m.port.to_string()),
                        ("master_link_status", if up { "up" } else { "down" }.into()),
                        ("master_last_io_seconds_ago", last_io),
                        ("master_sync_in_progress", "0".into()),
                        ("slave_read_repl_offset", offset.to_string()),
                        ("slave_repl_offset", offset.to_string()),
                    ]);
                    if !up {
                        let since = match m.down_since_ms {
                            0 => -1,
                            at => (now.saturating_sub(at) / 1000) as i64,
                        };
                        fields.push(("master_link_down_since_seconds", since.to_string()));
                    }
                    fields.extend([
                        ("slave_priority", settings.number("replica-priority").to_string()),
                        ("slave_read_only", u8::from(settings.flag("replica-read-only")).to_string()),
                        ("replica_announced", u8::from(settings.flag("replica-announced")).to_string()),
                    ]);
                }
            }
            let replicas: Vec<(&crate::server::ReplicaLink, &crate::server::Client)> =
                s.clients.values().filter_map(|c| Some((c.replica.as_ref()?, c))).collect();
            fields.push(("connected_slaves", replicas.len().to_string()));
            let mut replica_lines = Vec::new();
            for (i, (r, c)) in replicas.iter().enumerate() {
                replica_lines.push((
                    format!("slave{i}"),
                    format!(
                        "ip={},port={},state=online,offset={},lag={}",
                        crate::commands::server::replication::replica_ip(r, c),
                        r.listening_port,
                        r.acked_offset,
                        (now / 1000).saturating_sub(r.acked_ms / 1000)
                    ),
                ));
            }
            let mut out = lines("Replication", &fields);
            for (k, v) in replica_lines {
                out.push_str(&format!("{k}:{v}\r\n"));
            }
            let backlog = settings.number("repl-backlog-size");
            let active = u8::from(!replicas.is_empty() || s.backlog.is_some());
            let (first, histlen) = match s.backlog {
                Some(kept) => kept,
                None if active == 1 => (1, s.stats.repl_offset),
                None => (0, 0),
            };
            let (replid2, second) = match &s.replid2 {
                Some((id, offset)) => (id.clone(), *offset as i64),
                None => ("0".repeat(40), -1),
            };
            let rest = lines(
                "",
                &[
                    ("master_failover_state", s.failover_state().into()),
                    ("master_replid", s.replid.clone()),
                    ("master_replid2", replid2),
                    ("master_repl_offset", s.stats.repl_offset.to_string()),
                    ("second_repl_offset", second.to_string()),
                    ("repl_backlog_active", active.to_string()),
                    ("repl_backlog_size", backlog.to_string()),
                    ("repl_backlog_first_byte_offset", first.to_string()),
                    ("repl_backlog_histlen", histlen.to_string()),
                ],
            );
            out.push_str(rest.trim_start_matches("# \r\n"));
            out
        }
        "cpu" => {
            let used = format!("{:.6}", uptime_s as f64 / 1000.0);
            lines(
                "CPU",
                &[
                    ("used_cpu_sys", used.clone()),
                    ("used_cpu_user", used.clone()),
                    ("used_cpu_sys_children", "0.000000".into()),
                    ("used_cpu_user_children", "0.000000".into()),
                    ("used_cpu_sys_main_thread", used.clone()),
                    ("used_cpu_user_main_thread", used),
                ],
            )
        }
        "modules" => "# Modules\r\n".to_string(),
        "commandstats" => {
            let mut out = String::from("# Commandstats\r\n");
            for (name, c) in &s.stats.commands {
                let per_call = if c.calls == 0 { 0.0 } else { c.usec as f64 / c.calls as f64 };
                out.push_str(&format!(
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
                    c.calls, c.usec, c.rejected_calls, c.failed_calls
                ));
            }
            out
        }
        "errorstats" => {
            let mut out = String::from("# Errorstats\r\n");
            for (code, n) in &s.stats.errors {
                out.push_str(&format!("errorstat_{code}:count={n}\r\n"));
            }
            out
        }
        "latencystats" => {
            let mut out = String::from("# Latencystats\r\n");
            if settings.flag("latency-tracking") {
                let percentiles: Vec<f64> = match settings.value("latency-tracking-info-percentiles") {
                    Some(crate::config::Stored::Percentiles(p)) => p.clone(),
                    _ => Vec::new(),
                };
                for (name, c) in s.stats.commands.iter().filter(|(_, c)| c.calls > 0) {
                    let parts: Vec<String> = percentiles
                        .iter()
                        .map(|p| {
                            let label = crate::config::trimmed_float_text(*p);
                            format!("p{label}={:.3}", c.percentile(*p))
                        })
                        .collect();
                    out.push_str(&format!("latency_percentiles_usec_{name}:{}\r\n", parts.join(",")));
                }
            }
            out
        }
        "cluster" => format!("# Cluster\r\ncluster_enabled:{}\r\n", u8::from(s.cluster.is_some())),
        _ => {
            let mut out = String::from("# Keyspace\r\n");
            for (i, db) in s.dbs.iter().enumerate().filter(|(_, db)| !db.is_empty()) {
                let ttls: Vec<u64> = db.expires().map(|(_, at)| at.saturating_sub(now)).collect();
                let avg = if ttls.is_empty() { 0 } else { ttls.iter().sum::<u64>() / ttls.len() as u64 };
                out.push_str(&format!("db{i}:keys={},expires={},avg_ttl={avg}", db.len(), db.expires_len()));
                if s.config.version.at_least(7, 4) {
                    out.push_str(&format!(",subexpiry={}", db.hashes_with_field_expires()));
                }
                out.push_str("\r\n");
            }
            out
        }
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
