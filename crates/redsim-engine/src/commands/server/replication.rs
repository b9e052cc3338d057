//! The primary's side of replication and persistence: `SYNC`/`PSYNC` (a client becomes a
//! replica: it gets the data as an RDB file, then every write as the replication stream),
//! `REPLCONF`, `ROLE`, `WAIT`, and `SAVE`/`BGSAVE`/`LASTSAVE`/`BGREWRITEAOF`. The engine
//! builds the RDB and the stream; the host (redsim-server, the app) writes them where they go.

use super::*;

/// `SYNC`
pub static SYNC: CommandSpec = CommandSpec::new("sync", 1, SERVER, "1.0.0")
    .flags(&[Flag::NoAsyncLoading, Flag::Admin, Flag::NoMulti, Flag::NoScript])
    .doc("", "An internal command used in replication.")
    .run(|ctx, _| Ok(attach_replica(ctx, None)));

/// `PSYNC replicationid offset`: always a full resynchronisation here.
pub static PSYNC: CommandSpec = CommandSpec::new("psync", -3, SERVER, "2.8.0")
    .flags(&[Flag::NoAsyncLoading, Flag::Admin, Flag::NoMulti, Flag::NoScript])
    .doc("replicationid offset", "An internal command used in replication.")
    .run(|ctx, _| {
        let line = format!("+FULLRESYNC {} {}\r\n", ctx.server.replid, ctx.server.stats.repl_offset);
        Ok(attach_replica(ctx, Some(line)))
    });

/// Makes the calling client a replica: the next write reaches it with a `SELECT` first.
fn attach_replica(ctx: &mut Ctx, header: Option<String>) -> Reply {
    if ctx.client().replica.is_some() {
        // Redis ignores a second SYNC from a replica.
        return Reply::Many(Vec::new());
    }
    let db = ctx.db_index();
    let info = crate::rdb::file::ReplicationInfo {
        stream_db: db,
        replid: ctx.server.replid.clone(),
        offset: ctx.server.stats.repl_offset,
    };
    let rdb = crate::rdb::file::save(ctx.server, ctx.now_ms, Some(&info));
    ctx.server.propagate = true;
    ctx.server.repl_seldb = None;
    let offset = ctx.server.stats.repl_offset;
    let (listening_port, ip) = (ctx.client().announced_port, ctx.client().announced_ip.clone());
    let acked_ms = ctx.now_ms;
    ctx.client_mut().replica = Some(crate::server::ReplicaLink { listening_port, acked_offset: offset, ip, acked_ms });
    let mut bytes = header.unwrap_or_default().into_bytes();
    bytes.extend_from_slice(format!("${}\r\n", rdb.len()).as_bytes());
    bytes.extend_from_slice(&rdb);
    Reply::Raw(bytes)
}

/// `REPLCONF option value [option value ...]`
pub static REPLCONF: CommandSpec = CommandSpec::new("replconf", -1, SERVER, "3.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale, Flag::AllowBusy])
    .doc("", "An internal command for configuring the replication stream.")
    .run(replconf);

fn replconf(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(Error::Syntax);
    }
    for pair in rest.chunks(2) {
        let option = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
        match option.as_str() {
            "listening-port" => {
                let port = crate::args::parse_i64(&pair[1]).ok_or(Error::NotInteger)? as u16;
                let client = ctx.client_mut();
                client.announced_port = port;
                if let Some(link) = client.replica.as_mut() {
                    link.listening_port = port;
                }
            }
            "ip-address" => {
                let ip = String::from_utf8_lossy(&pair[1]).into_owned();
                let client = ctx.client_mut();
                client.announced_ip = Some(ip.clone());
                if let Some(link) = client.replica.as_mut() {
                    link.ip = Some(ip);
                }
            }
            "capa" | "rdb-only" | "rdb-filter-only" => {}
            "ack" | "fack" => {
                // Replicas acknowledge without a reply; clients in WAIT may have enough now.
                if let Some(offset) = crate::args::parse_i64(&pair[1]) {
                    let woken = ctx.server.replica_acked(ctx.now_ms, ctx.client, offset.max(0) as u64);
                    ctx.out.woken.extend(woken.woken);
                    ctx.out.effects.extend(woken.effects);
                }
                return Ok(Reply::Many(Vec::new()));
            }
            "getack" => return Ok(Reply::Many(Vec::new())),
            _ => {
                return Err(Error::other(format!(
                    "ERR Unrecognized REPLCONF option: {}",
                    String::from_utf8_lossy(&pair[0])
                )))
            }
        }
    }
    Ok(Reply::ok())
}

/// `ROLE`
pub static ROLE: CommandSpec = CommandSpec::new("role", 1, SERVER, "2.8.12")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast])
    .acl(&[Category::Admin, Category::Dangerous])
    .doc("", "Returns the replication role.")
    .run(|ctx, _| {
        if let Some(m) = &ctx.server.master {
            return Ok(Reply::Array(vec![
                Reply::bulk("slave"),
                Reply::Bulk(m.host.clone()),
                Reply::Integer(i64::from(m.port)),
                Reply::bulk(if m.is_up() { "connected" } else { "connect" }),
                Reply::Integer(if m.is_up() { ctx.server.stats.repl_offset as i64 } else { -1 }),
            ]));
        }
        let replicas = ctx
            .server
            .clients
            .values()
            .filter_map(|c| Some((c.replica.as_ref()?, c)))
            .map(|(r, c)| {
                Reply::Array(vec![
                    Reply::bulk(replica_ip(r, c)),
                    Reply::bulk(r.listening_port.to_string()),
                    Reply::bulk(r.acked_offset.to_string()),
                ])
            })
            .collect();
        Ok(Reply::Array(vec![
            Reply::bulk("master"),
            Reply::Integer(ctx.server.stats.repl_offset as i64),
            Reply::Array(replicas),
        ]))
    });

/// The address a primary shows for a replica: the one it announced, else its connection's.
pub(crate) fn replica_ip(r: &crate::server::ReplicaLink, c: &crate::server::Client) -> String {
    r.ip.clone()
        .or_else(|| c.addr.as_ref().and_then(|a| a.rsplit_once(':')).map(|(host, _)| host.to_string()))
        .unwrap_or_else(|| "127.0.0.1".into())
}

/// `WAIT numreplicas timeout`: how many replicas have acknowledged the caller's last write. The
/// client blocks until enough have (`REPLCONF ACK`, or the host's [`Server::replica_acked`]) or
/// the timeout passes, and then gets how many had.
pub static WAIT: CommandSpec = CommandSpec::new("wait", 3, "generic", "3.0.0")
    .flags(&[Flag::NoScript])
    .acl(&[Category::Connection])
    .doc("numreplicas timeout", "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.")
    .run(wait);

fn wait(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if ctx.server.master.is_some() {
        return Err(Error::other("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."));
    }
    let wanted = args.next_i64()?;
    let timeout = args.next_i64()?;
    if timeout < 0 {
        return Err(Error::other("ERR timeout is negative"));
    }
    let offset = ctx.client().woff;
    let acked = ctx.server.acks_at(offset);
    if acked >= wanted || ctx.deny_blocking || ctx.server.in_script {
        return Ok(Reply::Integer(acked));
    }
    ctx.server.get_ack = true;
    Err(Error::Block(crate::error::BlockOn::acks(offset, wanted, timeout as u64, ctx.now_ms)))
}

/// `SAVE`: the RDB file is made now and handed to the host to write.
pub static SAVE: CommandSpec = CommandSpec::new("save", 1, SERVER, "1.0.0")
    .flags(&[Flag::NoAsyncLoading, Flag::Admin, Flag::NoScript, Flag::NoMulti])
    .doc("", "Synchronously saves the database(s) to disk.")
    .run(|ctx, _| {
        save_now(ctx);
        Ok(Reply::ok())
    });

fn save_now(ctx: &mut Ctx) {
    let rdb = crate::rdb::file::save(ctx.server, ctx.now_ms, None);
    ctx.server.stats.changes = 0;
    ctx.server.lastsave_s = ctx.now_ms / 1000;
    ctx.out.saved = Some(rdb);
}

/// `BGSAVE [SCHEDULE]`: the save a child process would make, made at once.
pub static BGSAVE: CommandSpec = CommandSpec::new("bgsave", -1, SERVER, "1.0.0")
    .flags(&[Flag::NoAsyncLoading, Flag::Admin, Flag::NoScript])
    .doc("[SCHEDULE]", "Asynchronously saves the database(s) to disk.")
    .run(|ctx, mut args| {
        match args.rest() {
            [] => {}
            [s] if s.eq_ignore_ascii_case(b"SCHEDULE") => {}
            _ => return Err(Error::Syntax),
        }
        save_now(ctx);
        Ok(Reply::status("Background saving started"))
    });

/// `SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]`: saves when told to or when save points are
/// configured (not with NOSAVE), then tells the host to stop; the caller gets no reply. A
/// simulator has no shutdown in progress to abort, and no replicas to wait for.
pub static SHUTDOWN: CommandSpec = CommandSpec::new("shutdown", -1, SERVER, "1.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale, Flag::NoMulti, Flag::AllowBusy])
    .acl(&[Category::Admin, Category::Dangerous])
    .doc(
        "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
        "Synchronously saves the database(s) to disk and shuts down the Redis server.",
    )
    .run(shutdown);

fn shutdown(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (mut nosave, mut save, mut flags, mut abort) = (false, false, false, false);
    for word in args.rest() {
        match word.to_ascii_lowercase().as_slice() {
            b"nosave" => nosave = true,
            b"save" => save = true,
            b"now" | b"force" => flags = true,
            b"abort" => abort = true,
            _ => return Err(Error::Syntax),
        }
    }
    if (abort && (nosave || save || flags)) || (nosave && save) {
        return Err(Error::Syntax);
    }
    if abort {
        return Err(Error::other("ERR No shutdown in progress."));
    }
    // A script busy past its threshold: only SHUTDOWN NOSAVE stops the server, and the script.
    if let Some(busy) = ctx.server.busy_error() {
        if !nosave {
            return Err(Error::other(busy));
        }
        ctx.server.stop_script_for_shutdown();
    }
    let save_points = !ctx.server.config.settings.text("save").is_empty();
    if !nosave && (save || save_points) {
        save_now(ctx);
    }
    ctx.out.shutdown = true;
    ctx.out.close = true;
    ctx.server.silent = true;
    Ok(Reply::ok())
}

/// `LASTSAVE`
pub static LASTSAVE: CommandSpec = CommandSpec::new("lastsave", 1, SERVER, "1.0.0")
    .flags(&[Flag::Loading, Flag::Stale, Flag::Fast])
    .acl(&[Category::Admin, Category::Dangerous])
    .doc("", "Returns the Unix timestamp of the last successful save to disk.")
    .run(|ctx, _| Ok(Reply::Integer(ctx.server.lastsave_s as i64)));

/// `BGREWRITEAOF`: the engine keeps no append-only file; the host that keeps one rewrites it.
pub static BGREWRITEAOF: CommandSpec = CommandSpec::new("bgrewriteaof", 1, SERVER, "1.0.0")
    .flags(&[Flag::NoAsyncLoading, Flag::Admin, Flag::NoScript])
    .doc("", "Asynchronously rewrites the append-only file to disk.")
    .run(|ctx, _| {
        ctx.out.rewrite_aof = true;
        ctx.server.aof_seq += 1;
        Ok(Reply::status("Background append only file rewriting started"))
    });

/// `REPLICAOF host port | NO ONE`
pub static REPLICAOF: CommandSpec = CommandSpec::new("replicaof", 3, SERVER, "5.0.0")
    .flags(&[Flag::NoAsyncLoading, Flag::Admin, Flag::NoScript, Flag::Stale])
    .doc("<host port | NO ONE>", "Configures a server as replica of another, or promotes it to a master.")
    .run(replicaof);

/// `SLAVEOF host port | NO ONE`: the old name.
pub static SLAVEOF: CommandSpec = CommandSpec::new("slaveof", 3, SERVER, "1.0.0")
    .flags(&[Flag::NoAsyncLoading, Flag::Admin, Flag::NoScript, Flag::Stale])
    .doc("<host port | NO ONE>", "Sets a Redis server as a replica of another, or promotes it to being a master.")
    .run(replicaof);

/// Redis's `replicaofCommand`. Becoming a replica drops the connected replicas (their
/// connections close) and makes the server refuse writes from its clients
/// (`replica-read-only`); the link to the primary is the host's to make, and stays down until
/// it does. A replica that becomes a primary keeps its history as the second replication ID
/// and starts a new one.
fn replicaof(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if ctx.server.cluster.is_some() {
        return Err(Error::other("ERR REPLICAOF not allowed in cluster mode."));
    }
    let (host, port) = (args.next()?.to_vec(), args.next()?.to_vec());
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        if ctx.server.master.take().is_some() {
            let offset = ctx.server.stats.repl_offset;
            let old = std::mem::take(&mut ctx.server.replid);
            ctx.server.replid = crate::server::next_replid(&old, offset);
            ctx.server.replid2 = Some((old, offset + 1));
            ctx.server.repl_seldb = None;
            ctx.out.replicaof = Some(None);
        }
        return Ok(Reply::ok());
    }
    if ctx.client().replica.is_some() {
        return Err(Error::other("ERR Command is not valid when client is a replica."));
    }
    let port = crate::args::parse_i64(&port)
        .filter(|p| (0..=65535).contains(p))
        .ok_or_else(|| Error::other("ERR Invalid master port"))? as u16;
    if ctx.server.master.as_ref().is_some_and(|m| m.host.eq_ignore_ascii_case(&host) && m.port == port) {
        return Ok(Reply::status("OK Already connected to specified master"));
    }
    ctx.server.master = Some(crate::server::MasterLink::new(host.clone(), port));
    ctx.out.replicaof = Some(Some((host, port)));
    let replicas: Vec<crate::server::ClientId> = ctx.server.replicas().collect();
    for id in replicas {
        ctx.kill_client(id);
    }
    // What this execution would still have propagated goes nowhere now.
    ctx.server.drop_pending_propagation();
    Ok(Reply::ok())
}

/// `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]`, with Redis's argument checks and
/// refusals: writes pause until a replica has caught up, then the roles swap (see
/// [`crate::server`]'s `failover`).
pub static FAILOVER: CommandSpec = CommandSpec::new("failover", -1, SERVER, "6.2.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Stale])
    .doc(
        "[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]",
        "Starts a coordinated failover from a server to one of its replicas.",
    )
    .run(failover);

fn failover(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if ctx.server.cluster.is_some() {
        return Err(Error::other("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead."));
    }
    let argv = args.rest();
    if argv.len() == 1 && argv[0].eq_ignore_ascii_case(b"abort") {
        if ctx.server.failover.is_none() {
            return Err(Error::other("ERR No failover in progress."));
        }
        let now_ms = ctx.now_ms;
        ctx.server.abort_failover(now_ms, ctx.out);
        return Ok(Reply::ok());
    }
    let (mut timeout, mut force, mut host) = (0i64, false, None);
    let mut j = 0;
    while j < argv.len() {
        let word = &argv[j];
        if word.eq_ignore_ascii_case(b"timeout") && j + 1 < argv.len() && timeout == 0 {
            timeout = crate::args::parse_i64(&argv[j + 1]).ok_or(Error::NotInteger)?;
            if timeout <= 0 {
                return Err(Error::other("ERR FAILOVER timeout must be greater than 0"));
            }
            j += 1;
        } else if word.eq_ignore_ascii_case(b"to") && j + 2 < argv.len() && host.is_none() {
            let port = crate::args::parse_i64(&argv[j + 2]).ok_or(Error::NotInteger)?;
            host = Some((argv[j + 1].clone(), port));
            j += 2;
        } else if word.eq_ignore_ascii_case(b"force") && !force {
            force = true;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    if ctx.server.failover.is_some() {
        return Err(Error::other("ERR FAILOVER already in progress."));
    }
    if ctx.server.master.is_some() {
        return Err(Error::other("ERR FAILOVER is not valid when server is a replica."));
    }
    if ctx.server.replicas().next().is_none() {
        return Err(Error::other("ERR FAILOVER requires connected replicas."));
    }
    if force && (timeout == 0 || host.is_none()) {
        return Err(Error::other("ERR FAILOVER with force option requires both a timeout and target HOST and IP."));
    }
    let target = match host {
        Some((host, port)) => {
            let port = u16::try_from(port).ok();
            if port.and_then(|p| ctx.server.find_replica(&host, p)).is_none() {
                return Err(Error::other("ERR FAILOVER target HOST and PORT is not a replica."));
            }
            port.map(|p| (host, p))
        }
        None => None,
    };
    let end_ms = (timeout > 0).then(|| ctx.now_ms.saturating_add(timeout as u64));
    ctx.server.start_failover(target, end_ms, force);
    Ok(Reply::ok())
}
