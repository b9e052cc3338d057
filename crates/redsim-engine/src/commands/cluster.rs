//! `CLUSTER` and the connection commands of Redis Cluster (`ASKING`, `READONLY`, `READWRITE`),
//! as Redis 7.0's `clusterCommand` answers them. The state is [`crate::cluster::Cluster`]; what
//! needs another node (`MEET`) is asked of the host through the `Outcome`.

use crate::args::Args;
use crate::cluster::{key_slot, Cluster, SLOTS};
use crate::command::{Category, CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;

const CLUSTER_GROUP: &str = "cluster";
const DISABLED: &str = "ERR This instance has cluster support disabled";

fn state<'a>(ctx: &'a mut Ctx) -> Result<&'a mut Cluster> {
    ctx.server.cluster.as_deref_mut().ok_or_else(|| Error::other(DISABLED))
}

/// Redis's `getSlotOrReply`.
fn slot_arg(arg: &[u8]) -> Result<u16> {
    crate::args::parse_i64(arg)
        .filter(|s| (0..SLOTS as i64).contains(s))
        .map(|s| s as u16)
        .ok_or_else(|| Error::other("ERR Invalid or out of range slot"))
}

fn node_arg(c: &Cluster, id: &[u8], unknown: &str) -> Result<usize> {
    c.index_of(id).ok_or_else(|| Error::other(format!("ERR {unknown} {}", String::from_utf8_lossy(id))))
}

/// Keys of database 0 in a slot, in the order the keyspace keeps them.
fn keys_in_slot(ctx: &mut Ctx, slot: u16) -> Vec<Vec<u8>> {
    let now = ctx.now_ms;
    let db = &ctx.server.dbs[0];
    db.keys().filter(|(k, _)| key_slot(k) == slot && !db.is_expired(k, now)).map(|(k, _)| k.clone()).collect()
}

/// `CLUSTER <subcommand>`
pub static CLUSTER: CommandSpec = CommandSpec::new("cluster", -2, CLUSTER_GROUP, "3.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for Redis Cluster commands.")
    .subcommands(&[
        ADDSLOTS,
        ADDSLOTSRANGE,
        BUMPEPOCH,
        COUNT_FAILURE_REPORTS,
        COUNTKEYSINSLOT,
        DELSLOTS,
        DELSLOTSRANGE,
        FAILOVER,
        FLUSHSLOTS,
        FORGET,
        GETKEYSINSLOT,
        HELP,
        INFO,
        KEYSLOT,
        LINKS,
        MEET,
        MYID,
        MYSHARDID,
        NODES,
        REPLICAS,
        REPLICATE,
        RESET,
        SAVECONFIG,
        SET_CONFIG_EPOCH,
        SETSLOT,
        SHARDS,
        SLAVES,
        SLOTS_,
    ]);

const ADMIN: &[Flag] = &[Flag::NoAsyncLoading, Flag::Admin, Flag::Stale];
const READ: &[Flag] = &[Flag::Loading, Flag::Stale];

const ADDSLOTS: CommandSpec = CommandSpec::new("addslots", -3, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("slot [slot ...]", "Assigns new hash slots to a node.")
    .run(|ctx, args| change_slots(ctx, args, false, false));
const ADDSLOTSRANGE: CommandSpec = CommandSpec::new("addslotsrange", -4, CLUSTER_GROUP, "7.0.0")
    .flags(ADMIN)
    .doc("start-slot end-slot [start-slot end-slot ...]", "Assigns new hash slot ranges to a node.")
    .run(|ctx, args| change_slots(ctx, args, false, true));
const DELSLOTS: CommandSpec = CommandSpec::new("delslots", -3, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("slot [slot ...]", "Sets hash slots as unbound for a node.")
    .run(|ctx, args| change_slots(ctx, args, true, false));
const DELSLOTSRANGE: CommandSpec = CommandSpec::new("delslotsrange", -4, CLUSTER_GROUP, "7.0.0")
    .flags(ADMIN)
    .doc("start-slot end-slot [start-slot end-slot ...]", "Sets hash slot ranges as unbound for a node.")
    .run(|ctx, args| change_slots(ctx, args, true, true));

/// `ADDSLOTS`, `DELSLOTS` and their `RANGE` forms: every argument is checked before any slot
/// changes (Redis's `checkSlotAssignmentsOrReply`).
fn change_slots(ctx: &mut Ctx, mut args: Args, del: bool, ranges: bool) -> Result<Reply> {
    let words = args.rest();
    state(ctx)?;
    let mut wanted: Vec<(u16, u16)> = Vec::new();
    if ranges {
        if words.len() % 2 == 1 {
            return Err(Error::WrongArity {
                name: if del { "cluster|delslotsrange" } else { "cluster|addslotsrange" }.into(),
            });
        }
        for pair in words.chunks(2) {
            let (first, last) = (slot_arg(&pair[0])?, slot_arg(&pair[1])?);
            if first > last {
                return Err(Error::other(format!(
                    "ERR start slot number {first} is greater than end slot number {last}"
                )));
            }
            wanted.push((first, last));
        }
    } else {
        for w in words {
            slot_arg(w)?;
        }
        wanted.extend(words.iter().map(|w| slot_arg(w).map(|s| (s, s))).collect::<Result<Vec<_>>>()?);
    }
    let c = state(ctx)?;
    let mut seen = vec![false; SLOTS];
    for &(first, last) in &wanted {
        for slot in first..=last {
            let owned = c.owner_index(slot).is_some();
            if del && !owned {
                return Err(Error::other(format!("ERR Slot {slot} is already unassigned")));
            }
            if !del && owned {
                return Err(Error::other(format!("ERR Slot {slot} is already busy")));
            }
            if std::mem::replace(&mut seen[usize::from(slot)], true) {
                return Err(Error::other(format!("ERR Slot {slot} specified multiple times")));
            }
        }
    }
    for (slot, _) in seen.iter().enumerate().filter(|(_, &s)| s) {
        let slot = slot as u16;
        c.importing.remove(&slot);
        c.assign(slot, (!del).then_some(0));
    }
    Ok(Reply::ok())
}

const BUMPEPOCH: CommandSpec = CommandSpec::new("bumpepoch", 2, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("", "Advances the cluster config epoch.")
    .run(|ctx, _| {
        let c = state(ctx)?;
        let bumped = c.bump_epoch();
        Ok(Reply::status(&format!("{} {}", if bumped { "BUMPED" } else { "STILL" }, c.myself().config_epoch)))
    });

const COUNT_FAILURE_REPORTS: CommandSpec = CommandSpec::new("count-failure-reports", 3, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("node-id", "Returns the number of active failure reports active for a node.")
    .run(|ctx, mut args| {
        let id = args.next()?;
        let c = state(ctx)?;
        let node = node_arg(c, id, "Unknown node")?;
        Ok(Reply::Integer(c.nodes[node].fail_reports.len() as i64))
    });

const COUNTKEYSINSLOT: CommandSpec = CommandSpec::new("countkeysinslot", 3, CLUSTER_GROUP, "3.0.0")
    .flags(READ)
    .doc("slot", "Returns the number of keys in a hash slot.")
    .run(|ctx, mut args| {
        state(ctx)?;
        let slot = args.next_i64()?;
        if !(0..SLOTS as i64).contains(&slot) {
            return Err(Error::other("ERR Invalid slot"));
        }
        Ok(Reply::Integer(keys_in_slot(ctx, slot as u16).len() as i64))
    });

const GETKEYSINSLOT: CommandSpec = CommandSpec::new("getkeysinslot", 4, CLUSTER_GROUP, "3.0.0")
    .flags(READ)
    .doc("slot count", "Returns the key names in a hash slot.")
    .run(|ctx, mut args| {
        state(ctx)?;
        let slot = args.next_i64()?;
        let count = args.next_i64()?;
        if !(0..SLOTS as i64).contains(&slot) || count < 0 {
            return Err(Error::other("ERR Invalid slot or number of keys"));
        }
        let keys = keys_in_slot(ctx, slot as u16);
        Ok(Reply::Array(keys.into_iter().take(count as usize).map(Reply::Bulk).collect()))
    });

const FAILOVER: CommandSpec = CommandSpec::new("failover", -2, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("[FORCE | TAKEOVER]", "Forces a replica to perform a manual failover of its master.")
    .run(failover);

/// `CLUSTER FAILOVER [FORCE|TAKEOVER]` on a replica: it takes a new epoch and its primary's
/// slots at once (the agreement a real manual failover waits for is not simulated) and stops
/// replicating; the old primary learns it from the next announcement and follows it.
fn failover(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let force = match args.rest() {
        [] => false,
        [w] if w.eq_ignore_ascii_case(b"force") || w.eq_ignore_ascii_case(b"takeover") => true,
        [_] => return Err(Error::Syntax),
        _ => return Err(Error::WrongArity { name: "cluster|failover".into() }),
    };
    let c = state(ctx)?;
    let Some(primary) = c.myself().replica_of.clone() else {
        return Err(Error::other("ERR You should send CLUSTER FAILOVER to a replica"));
    };
    let Some(p) = c.index_of(primary.as_bytes()) else {
        return Err(Error::other("ERR I'm a replica but my master is unknown to me"));
    };
    if !force && c.nodes[p].failed {
        return Err(Error::other("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE"));
    }
    c.bump_epoch();
    for (first, last) in c.ranges_of(p) {
        for slot in first..=last {
            c.assign(slot, Some(0));
        }
    }
    c.nodes[0].replica_of = None;
    c.nodes[p].replica_of = Some(c.nodes[0].id.clone());
    ctx.server.master = None;
    Ok(Reply::ok())
}

const FLUSHSLOTS: CommandSpec = CommandSpec::new("flushslots", 2, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("", "Deletes all slots information from a node.")
    .run(|ctx, _| {
        state(ctx)?;
        if !ctx.server.dbs[0].is_empty() {
            return Err(Error::other("ERR DB must be empty to perform CLUSTER FLUSHSLOTS."));
        }
        let c = state(ctx)?;
        for (first, last) in c.ranges_of(0) {
            for slot in first..=last {
                c.assign(slot, None);
            }
        }
        Ok(Reply::ok())
    });

const FORGET: CommandSpec = CommandSpec::new("forget", 3, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("node-id", "Removes a node from the nodes table.")
    .run(|ctx, mut args| {
        let id = args.next()?;
        let c = state(ctx)?;
        let n = node_arg(c, id, "Unknown node")?;
        if n == 0 {
            return Err(Error::other("ERR I tried hard but I can't forget myself..."));
        }
        if c.myself().replica_of.as_deref().map(str::as_bytes) == Some(id) {
            return Err(Error::other("ERR Can't forget my master!"));
        }
        c.forget(n);
        Ok(Reply::ok())
    });

const HELP: CommandSpec = CommandSpec::new("help", 2, CLUSTER_GROUP, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|ctx, _| {
        state(ctx)?;
        Ok(super::stream::help_reply("CLUSTER", HELP_LINES))
    });

const HELP_LINES: &[&str] = &[
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
];

const INFO: CommandSpec = CommandSpec::new("info", 2, CLUSTER_GROUP, "3.0.0")
    .flags(READ)
    .doc("", "Returns information about the state of a node.")
    .run(|ctx, _| {
        let c = state(ctx)?;
        let failed = |slot: u16| c.owner(slot).is_some_and(|n| n.failed);
        let assigned = c.slots_assigned();
        let fail = (0..SLOTS as u16).filter(|&s| failed(s)).count();
        let pfail = (0..SLOTS as u16).filter(|&s| c.owner(s).is_some_and(|n| n.pfail && !n.failed)).count();
        let my_epoch = c.shown_epoch(0);
        let mut text = format!(
            "cluster_state:{}\r\ncluster_slots_assigned:{assigned}\r\ncluster_slots_ok:{}\r\ncluster_slots_pfail:{pfail}\r\ncluster_slots_fail:{fail}\r\ncluster_known_nodes:{}\r\ncluster_size:{}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{my_epoch}\r\n",
            if c.is_ok() { "ok" } else { "fail" },
            assigned - fail - pfail,
            c.nodes.len(),
            c.size(),
            c.current_epoch,
        );
        if c.messages_sent > 0 {
            text.push_str(&format!("cluster_stats_messages_ping_sent:{}\r\n", c.messages_sent));
        }
        text.push_str(&format!("cluster_stats_messages_sent:{}\r\n", c.messages_sent));
        if c.messages_received > 0 {
            text.push_str(&format!("cluster_stats_messages_ping_received:{}\r\n", c.messages_received));
        }
        text.push_str(&format!("cluster_stats_messages_received:{}\r\n", c.messages_received));
        text.push_str("total_cluster_links_buffer_limit_exceeded:0\r\n");
        Ok(Reply::Verbatim("txt".into(), text.into_bytes()))
    });

const KEYSLOT: CommandSpec = CommandSpec::new("keyslot", 3, CLUSTER_GROUP, "3.0.0")
    .flags(READ)
    .doc("key", "Returns the hash slot for a key.")
    .run(|ctx, mut args| {
        state(ctx)?;
        Ok(Reply::Integer(i64::from(key_slot(args.next()?))))
    });

const LINKS: CommandSpec = CommandSpec::new("links", 2, CLUSTER_GROUP, "7.0.0")
    .flags(READ)
    .doc("", "Returns a list of all TCP links to and from peer nodes.")
    .run(|ctx, _| {
        let c = state(ctx)?;
        let mut out = Vec::new();
        for n in c.nodes.iter().skip(1) {
            for direction in ["to", "from"] {
                out.push(Reply::Map(vec![
                    (Reply::bulk("direction"), Reply::bulk(direction)),
                    (Reply::bulk("node"), Reply::bulk(&n.id)),
                    (Reply::bulk("create-time"), Reply::Integer(n.pong_ms as i64)),
                    (Reply::bulk("events"), Reply::bulk("r")),
                    (Reply::bulk("send-buffer-allocated"), Reply::Integer(0)),
                    (Reply::bulk("send-buffer-used"), Reply::Integer(0)),
                ]));
            }
        }
        Ok(Reply::Array(out))
    });

const MEET: CommandSpec = CommandSpec::new("meet", -4, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("ip port [cluster-bus-port]", "Forces a node to handshake with another node.")
    .run(|ctx, mut args| {
        let (ip, port) = (args.next()?.to_vec(), args.next()?.to_vec());
        let cport = args.rest().first().cloned();
        state(ctx)?;
        if args.remaining() > 0 {
            return Err(Error::WrongArity { name: "cluster|meet".into() });
        }
        let port_n = crate::args::parse_i64(&port).ok_or_else(|| {
            Error::other(format!("ERR Invalid TCP base port specified: {}", String::from_utf8_lossy(&port)))
        })?;
        let cport_n = match &cport {
            Some(c) => crate::args::parse_i64(c).ok_or_else(|| {
                Error::other(format!("ERR Invalid TCP bus port specified: {}", String::from_utf8_lossy(c)))
            })?,
            None => port_n + 10_000,
        };
        let ip_text = String::from_utf8_lossy(&ip).into_owned();
        let valid = ip_text.parse::<std::net::IpAddr>().is_ok()
            && (1..=65535).contains(&port_n)
            && (1..=65535).contains(&cport_n);
        if !valid {
            return Err(Error::other(format!(
                "ERR Invalid node address specified: {ip_text}:{}",
                String::from_utf8_lossy(&port)
            )));
        }
        ctx.out.cluster_meet = Some((ip_text, port_n as u16));
        Ok(Reply::ok())
    });

const MYID: CommandSpec = CommandSpec::new("myid", 2, CLUSTER_GROUP, "3.0.0")
    .flags(READ)
    .doc("", "Returns the ID of a node.")
    .run(|ctx, _| Ok(Reply::bulk(&state(ctx)?.myself().id)));

const MYSHARDID: CommandSpec = CommandSpec::new("myshardid", 2, CLUSTER_GROUP, "7.2.0")
    .flags(READ)
    .doc("", "Returns the shard ID of a node.")
    .run(|ctx, _| {
        let c = state(ctx)?;
        // A shard is named after its primary.
        let primary = c.myself().replica_of.clone().unwrap_or_else(|| c.myself().id.clone());
        Ok(Reply::bulk(crate::server::replid_from(crate::cluster::crc16(primary.as_bytes()).into())))
    });

const NODES: CommandSpec = CommandSpec::new("nodes", 2, CLUSTER_GROUP, "3.0.0")
    .flags(READ)
    .doc("", "Returns the cluster configuration for a node.")
    .run(|ctx, _| {
        let c = state(ctx)?;
        let mut text = String::new();
        for i in 0..c.nodes.len() {
            text.push_str(&describe(c, i));
            text.push('\n');
        }
        Ok(Reply::Verbatim("txt".into(), text.into_bytes()))
    });

/// One line of `CLUSTER NODES` (Redis's `clusterGenNodeDescription`).
fn describe(c: &Cluster, i: usize) -> String {
    let n = &c.nodes[i];
    let mut flags = Vec::new();
    if i == 0 {
        flags.push("myself");
    }
    flags.push(if n.is_primary() { "master" } else { "slave" });
    if n.failed {
        flags.push("fail");
    } else if n.pfail {
        flags.push("fail?");
    }
    let mut line = format!(
        "{} {}:{}@{} {} {} 0 {} {} connected",
        n.id,
        n.ip,
        n.port,
        n.cport,
        flags.join(","),
        n.replica_of.as_deref().unwrap_or("-"),
        n.pong_ms,
        c.shown_epoch(i)
    );
    for (first, last) in c.ranges_of(i) {
        if first == last {
            line.push_str(&format!(" {first}"));
        } else {
            line.push_str(&format!(" {first}-{last}"));
        }
    }
    if i == 0 {
        for slot in 0..SLOTS as u16 {
            if let Some(to) = c.migrating.get(&slot) {
                line.push_str(&format!(" [{slot}->-{to}]"));
            } else if let Some(from) = c.importing.get(&slot) {
                line.push_str(&format!(" [{slot}-<-{from}]"));
            }
        }
    }
    line
}

const REPLICAS: CommandSpec = CommandSpec::new("replicas", 3, CLUSTER_GROUP, "5.0.0")
    .flags(ADMIN)
    .doc("node-id", "Lists the replica nodes of a master node.")
    .run(replicas);
const SLAVES: CommandSpec = CommandSpec::new("slaves", 3, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("node-id", "Lists the replica nodes of a master node.")
    .run(replicas);

fn replicas(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let id = args.next()?;
    let c = state(ctx)?;
    let n = node_arg(c, id, "Unknown node")?;
    if !c.nodes[n].is_primary() {
        return Err(Error::other("ERR The specified node is not a master"));
    }
    Ok(Reply::Array(c.replicas_of(n).into_iter().map(|r| Reply::Bulk(describe(c, r).into_bytes())).collect()))
}

const REPLICATE: CommandSpec = CommandSpec::new("replicate", 3, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("node-id", "Configure a node as replica of a master node.")
    .run(|ctx, mut args| {
        let id = args.next()?;
        let keys = ctx.server.dbs[0].len();
        let c = state(ctx)?;
        let n = node_arg(c, id, "Unknown node")?;
        if n == 0 {
            return Err(Error::other("ERR Can't replicate myself"));
        }
        if !c.nodes[n].is_primary() {
            return Err(Error::other("ERR I can only replicate a master, not a replica."));
        }
        if c.myself().is_primary() && (!c.ranges_of(0).is_empty() || keys != 0) {
            return Err(Error::other("ERR To set a master the node must be empty and without assigned slots."));
        }
        let (ip, port) = (c.nodes[n].ip.clone(), c.nodes[n].port);
        c.nodes[0].replica_of = Some(c.nodes[n].id.clone());
        c.changed = true;
        ctx.server.master = Some(crate::server::MasterLink::new(ip.into_bytes(), port));
        Ok(Reply::ok())
    });

const RESET: CommandSpec = CommandSpec::new("reset", -2, CLUSTER_GROUP, "3.0.0")
    .flags(&[Flag::Admin, Flag::Stale, Flag::NoScript])
    .doc("[HARD | SOFT]", "Resets a node.")
    .run(|ctx, mut args| {
        let hard = match args.rest() {
            [] => false,
            [w] if w.eq_ignore_ascii_case(b"hard") => true,
            [w] if w.eq_ignore_ascii_case(b"soft") => false,
            [_] => return Err(Error::Syntax),
            _ => return Err(Error::WrongArity { name: "cluster|reset".into() }),
        };
        let keys = ctx.server.dbs[0].len();
        let c = state(ctx)?;
        if c.myself().is_primary() && keys != 0 {
            return Err(Error::other("ERR CLUSTER RESET can't be called with master nodes containing keys"));
        }
        let was_replica = !c.myself().is_primary();
        let mut me = c.myself().clone();
        me.replica_of = None;
        if hard {
            me.config_epoch = 0;
            me.id = crate::server::replid_from(u64::from(crate::cluster::crc16(me.id.as_bytes())) + 1);
        }
        let current_epoch = if hard { 0 } else { c.current_epoch };
        let mut fresh = Cluster::new(me.id.clone(), me.ip.clone(), me.port);
        fresh.nodes[0] = me;
        fresh.current_epoch = current_epoch;
        fresh.changed = true;
        *c = fresh;
        if was_replica {
            ctx.server.master = None;
            for db in &mut ctx.server.dbs {
                db.clear();
            }
        }
        Ok(Reply::ok())
    });

const SAVECONFIG: CommandSpec = CommandSpec::new("saveconfig", 2, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("", "Forces a node to save the cluster configuration to disk.")
    .run(|ctx, _| {
        state(ctx)?;
        Ok(Reply::ok())
    });

const SET_CONFIG_EPOCH: CommandSpec = CommandSpec::new("set-config-epoch", 3, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("config-epoch", "Sets the configuration epoch for a new node.")
    .run(|ctx, mut args| {
        state(ctx)?;
        let epoch = args.next_i64()?;
        let c = state(ctx)?;
        if epoch < 0 {
            return Err(Error::other(format!("ERR Invalid config epoch specified: {epoch}")));
        }
        if c.nodes.len() > 1 {
            return Err(Error::other(
                "ERR The user can assign a config epoch only when the node does not know any other node.",
            ));
        }
        if c.myself().config_epoch != 0 {
            return Err(Error::other("ERR Node config epoch is already non-zero"));
        }
        c.nodes[0].config_epoch = epoch as u64;
        c.current_epoch = c.current_epoch.max(epoch as u64);
        c.changed = true;
        Ok(Reply::ok())
    });

const SETSLOT: CommandSpec = CommandSpec::new("setslot", -4, CLUSTER_GROUP, "3.0.0")
    .flags(ADMIN)
    .doc("slot <IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE>", "Binds a hash slot to a node.")
    .run(setslot);

fn setslot(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let words = args.rest().to_vec();
    let c = state(ctx)?;
    if !c.myself().is_primary() {
        return Err(Error::other("ERR Please use SETSLOT only with masters."));
    }
    let slot = slot_arg(&words[0])?;
    let action = words[1].to_ascii_lowercase();
    let target = |c: &Cluster, unknown: &str| -> Result<usize> {
        let n = node_arg(c, &words[2], unknown)?;
        if !c.nodes[n].is_primary() {
            return Err(Error::other("ERR Target node is not a master"));
        }
        Ok(n)
    };
    let invalid = || Error::other("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    match (action.as_slice(), words.len()) {
        (b"migrating", 3) => {
            if c.owner_index(slot) != Some(0) {
                return Err(Error::other(format!("ERR I'm not the owner of hash slot {slot}")));
            }
            let n = target(c, "I don't know about node")?;
            let id = c.nodes[n].id.clone();
            c.migrating.insert(slot, id);
        }
        (b"importing", 3) => {
            if c.owner_index(slot) == Some(0) {
                return Err(Error::other(format!("ERR I'm already the owner of hash slot {slot}")));
            }
            let n = target(c, "I don't know about node")?;
            let id = c.nodes[n].id.clone();
            c.importing.insert(slot, id);
        }
        (b"stable", 2) => {
            c.importing.remove(&slot);
            c.migrating.remove(&slot);
        }
        (b"node", 3) => {
            let n = target(c, "Unknown node")?;
            let mine = c.owner_index(slot) == Some(0);
            let keys = keys_in_slot(ctx, slot).len();
            let c = state(ctx)?;
            if mine && n != 0 && keys != 0 {
                return Err(Error::other(format!(
                    "ERR Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot."
                )));
            }
            if keys == 0 {
                c.migrating.remove(&slot);
            }
            c.assign(slot, Some(n));
            if n == 0 && c.importing.remove(&slot).is_some() {
                // The slot came here by hand: a new epoch makes the rest of the cluster agree.
                c.bump_epoch();
            }
        }
        _ => return Err(invalid()),
    }
    Ok(Reply::ok())
}

const SHARDS: CommandSpec = CommandSpec::new("shards", 2, CLUSTER_GROUP, "7.0.0")
    .flags(READ)
    .doc("", "Returns the mapping of cluster slots to shards.")
    .run(|ctx, _| {
        let own_offset = ctx.server.stats.repl_offset;
        let c = state(ctx)?;
        let mut shards = Vec::new();
        for p in (0..c.nodes.len()).filter(|&i| c.nodes[i].is_primary()) {
            let slots: Vec<Reply> = c
                .ranges_of(p)
                .into_iter()
                .flat_map(|(a, b)| [Reply::Integer(i64::from(a)), Reply::Integer(i64::from(b))])
                .collect();
            let mut nodes = vec![p];
            nodes.extend(c.replicas_of(p));
            let details = nodes
                .into_iter()
                .map(|i| {
                    let n = &c.nodes[i];
                    let offset = if i == 0 { own_offset } else { n.repl_offset };
                    let health = if n.failed {
                        "fail"
                    } else if !n.is_primary() && offset == 0 {
                        "loading"
                    } else {
                        "online"
                    };
                    Reply::Map(vec![
                        (Reply::bulk("id"), Reply::bulk(&n.id)),
                        (Reply::bulk("port"), Reply::Integer(i64::from(n.port))),
                        (Reply::bulk("ip"), Reply::bulk(&n.ip)),
                        (Reply::bulk("endpoint"), Reply::bulk(&n.ip)),
                        (Reply::bulk("role"), Reply::bulk(if n.is_primary() { "master" } else { "replica" })),
                        (Reply::bulk("replication-offset"), Reply::Integer(offset as i64)),
                        (Reply::bulk("health"), Reply::bulk(health)),
                    ])
                })
                .collect();
            shards.push(Reply::Map(vec![
                (Reply::bulk("slots"), Reply::Array(slots)),
                (Reply::bulk("nodes"), Reply::Array(details)),
            ]));
        }
        Ok(Reply::Array(shards))
    });

const SLOTS_: CommandSpec = CommandSpec::new("slots", 2, CLUSTER_GROUP, "3.0.0")
    .flags(READ)
    .doc("", "Returns the mapping of cluster slots to nodes.")
    .run(|ctx, _| {
        let c = state(ctx)?;
        let node = |i: usize| {
            let n = &c.nodes[i];
            Reply::Array(vec![
                Reply::bulk(&n.ip),
                Reply::Integer(i64::from(n.port)),
                Reply::bulk(&n.id),
                Reply::Map(Vec::new()),
            ])
        };
        let out = c
            .runs()
            .into_iter()
            .map(|(first, last, owner)| {
                let mut entry = vec![Reply::Integer(i64::from(first)), Reply::Integer(i64::from(last)), node(owner)];
                entry.extend(c.replicas_of(owner).into_iter().filter(|&r| !c.nodes[r].failed).map(node));
                Reply::Array(entry)
            })
            .collect();
        Ok(Reply::Array(out))
    });

/// `ASKING`: the next command may use a slot this node is importing.
pub static ASKING: CommandSpec = CommandSpec::new("asking", 1, CLUSTER_GROUP, "3.0.0")
    .flags(&[Flag::Fast])
    .acl(&[Category::Connection])
    .doc("", "Signals that a cluster client is following an -ASK redirect.")
    .run(|ctx, _| {
        state(ctx)?;
        ctx.client_mut().asking = true;
        Ok(Reply::ok())
    });

/// `READONLY`: reads of a replica's primary's slots are served by the replica.
pub static READONLY: CommandSpec = CommandSpec::new("readonly", 1, CLUSTER_GROUP, "3.0.0")
    .flags(&[Flag::Loading, Flag::Stale, Flag::Fast])
    .acl(&[Category::Connection])
    .doc("", "Enables read-only queries for a connection to a Redis Cluster replica node.")
    .run(|ctx, _| {
        state(ctx)?;
        ctx.client_mut().cluster_readonly = true;
        Ok(Reply::ok())
    });

/// `READWRITE`
pub static READWRITE: CommandSpec = CommandSpec::new("readwrite", 1, CLUSTER_GROUP, "3.0.0")
    .flags(&[Flag::Loading, Flag::Stale, Flag::Fast])
    .acl(&[Category::Connection])
    .doc("", "Enables read-write queries for a connection to a Redis Cluster replica node.")
    .run(|ctx, _| {
        state(ctx)?;
        ctx.client_mut().cluster_readonly = false;
        Ok(Reply::ok())
    });

/// `MIGRATE host port <key | ""> destination-db timeout [COPY] [REPLACE] [AUTH password |
/// AUTH2 username password] [KEYS key [key ...]]`: the arguments are checked and the keys
/// serialised here, as Redis's `migrateCommand` does; the host sends them and gives the target's
/// answers to `Server::migrate_done`, which replies and deletes what moved.
pub static MIGRATE: CommandSpec = CommandSpec::new("migrate", -6, "generic", "2.6.0")
    .flags(&[Flag::Write, Flag::MovableKeys])
    .keys(3, 3, 1)
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc(
        "host port <key | \"\"> destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key [key ...]]",
        "Atomically transfers a key from one Redis instance to another.",
    )
    .run(migrate);

fn migrate(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv.to_vec();
    let (mut copy, mut replace) = (false, false);
    let mut auth: Option<(Option<Vec<u8>>, Vec<u8>)> = None;
    let (mut first_key, mut num_keys) = (3, 1);
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let word = &argv[j];
        if word.eq_ignore_ascii_case(b"copy") {
            copy = true;
        } else if word.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if word.eq_ignore_ascii_case(b"auth") {
            if more == 0 {
                return Err(Error::Syntax);
            }
            j += 1;
            auth = Some((None, argv[j].clone()));
        } else if word.eq_ignore_ascii_case(b"auth2") {
            if more < 2 {
                return Err(Error::Syntax);
            }
            auth = Some((Some(argv[j + 1].clone()), argv[j + 2].clone()));
            j += 2;
        } else if word.eq_ignore_ascii_case(b"keys") {
            if !argv[3].is_empty() {
                return Err(Error::other(
                    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
                ));
            }
            first_key = j + 1;
            num_keys = argv.len() - j - 1;
            break;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let timeout = crate::args::parse_i64(&argv[5]).ok_or(Error::NotInteger)?;
    let db = crate::args::parse_i64(&argv[4]).ok_or(Error::NotInteger)?;
    let timeout = if timeout <= 0 { 1000 } else { timeout };
    let wanted: Vec<Vec<u8>> = argv[first_key..first_key + num_keys].to_vec();
    let format = super::keys::dump_format(ctx);
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for key in wanted {
        if let Some(value) = ctx.lookup(&key) {
            let payload = crate::rdb::dump(value, &format);
            found.push((key, payload));
        }
    }
    if found.is_empty() {
        return Ok(Reply::status("NOKEY"));
    }
    let mut commands: Vec<Vec<Vec<u8>>> = Vec::new();
    if let Some((user, password)) = auth {
        let mut line = vec![b"AUTH".to_vec()];
        line.extend(user);
        line.push(password);
        commands.push(line);
    }
    commands.push(vec![b"SELECT".to_vec(), db.to_string().into_bytes()]);
    let preamble = commands.len();
    let restore: &[u8] = if ctx.server.cluster.is_some() { b"RESTORE-ASKING" } else { b"RESTORE" };
    let mut keys = Vec::new();
    for (key, payload) in found {
        let ttl = match ctx.db().expire_at(&key) {
            Some(at) if at < ctx.now_ms => continue,
            Some(at) => (at - ctx.now_ms).max(1),
            None => 0,
        };
        let mut line = vec![restore.to_vec(), key.clone(), ttl.to_string().into_bytes(), payload];
        if replace {
            line.push(b"REPLACE".to_vec());
        }
        commands.push(line);
        keys.push(key);
    }
    let port = std::str::from_utf8(&argv[2]).ok().and_then(|p| p.trim().parse::<u16>().ok()).unwrap_or(0);
    ctx.out.migrate = Some(crate::server::Migrate {
        host: String::from_utf8_lossy(&argv[1]).into_owned(),
        port,
        timeout_ms: timeout as u64,
        commands,
        preamble,
        keys,
        copy,
    });
    // The reply comes with `Server::migrate_done`.
    Ok(Reply::Many(Vec::new()))
}
