//! XINFO: what the stream, its groups and their consumers look like inside.

use super::{c_str, entry_reply, help_reply, id_reply, lookup, subcommand_syntax_error, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{ConsumerGroup, Stream, StreamId, ENTRIES_READ_UNKNOWN};

/// `XINFO <subcommand> [<arg> ...]`
pub static XINFO: CommandSpec = CommandSpec::new("xinfo", -2, STREAM, "5.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for stream introspection commands.")
    .subcommands(&[CONSUMERS, GROUPS, STREAM_INFO, HELP]);

const CONSUMERS: CommandSpec = CommandSpec::new("consumers", 4, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(2, 2, 1)
    .doc("key group", "Returns a list of the consumers in a consumer group.")
    .run(consumers);

const GROUPS: CommandSpec = CommandSpec::new("groups", 3, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(2, 2, 1)
    .doc("key", "Returns a list of the consumer groups of a stream.")
    .run(groups);

const STREAM_INFO: CommandSpec = CommandSpec::new("stream", -3, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(2, 2, 1)
    .doc("key [FULL [COUNT count]]", "Returns information about a stream.")
    .run(stream_info);

const HELP: CommandSpec = CommandSpec::new("help", 2, STREAM, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(help_reply(
            "XINFO",
            &[
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream.",
            ],
        ))
    });

fn field(name: &str, value: Reply) -> (Reply, Reply) {
    (Reply::bulk(name), value)
}

fn the_stream<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Stream> {
    lookup(ctx, key)?.ok_or(Error::NoSuchKey)
}

fn entries_read(cg: &ConsumerGroup) -> Reply {
    if cg.entries_read == ENTRIES_READ_UNKNOWN {
        Reply::Nil
    } else {
        Reply::Integer(cg.entries_read)
    }
}

fn lag(stream: &Stream, cg: &ConsumerGroup) -> Reply {
    stream.lag(cg).map_or(Reply::Nil, Reply::Integer)
}

fn consumers(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let group = args.next()?;
    let now = ctx.now_ms as i64;
    let with_inactive = ctx.version().at_least(7, 2);
    let stream = the_stream(ctx, key)?;
    let cg = stream.groups.get(group).ok_or_else(|| {
        Error::other(format!("NOGROUP No such consumer group '{}' for key name '{}'", c_str(group), c_str(key)))
    })?;
    let list = cg
        .consumers
        .values()
        .map(|c| {
            let mut fields = vec![
                field("name", Reply::bulk(&c.name)),
                field("pending", Reply::Integer(c.pending.len() as i64)),
                field("idle", Reply::Integer((now - c.seen_time as i64).max(0))),
            ];
            if with_inactive {
                let inactive = c.active_time.map_or(-1, |t| (now - t as i64).max(0));
                fields.push(field("inactive", Reply::Integer(inactive)));
            }
            Reply::Map(fields)
        })
        .collect();
    Ok(Reply::Array(list))
}

fn groups(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let stream = the_stream(ctx, key)?;
    let list = stream
        .groups
        .iter()
        .map(|(name, cg)| {
            Reply::Map(vec![
                field("name", Reply::bulk(name)),
                field("consumers", Reply::Integer(cg.consumers.len() as i64)),
                field("pending", Reply::Integer(cg.pending.len() as i64)),
                field("last-delivered-id", id_reply(cg.last_delivered_id)),
                field("entries-read", entries_read(cg)),
                field("lag", lag(stream, cg)),
            ])
        })
        .collect();
    Ok(Reply::Array(list))
}

fn stream_info(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let typed_sub = ctx.argv[1].clone();
    let with_active_time = ctx.version().at_least(7, 2);
    let with_idmp = ctx.version().at_least(8, 6);
    let newest_8_8 = ctx.version().at_least(8, 8);
    let now_ms = ctx.now_ms;
    let stream = the_stream(ctx, &key)?;
    let options = args.rest();
    let full_count = match options {
        [] => None,
        [full] if full.eq_ignore_ascii_case(b"FULL") => Some(10),
        [full, count, n] if full.eq_ignore_ascii_case(b"FULL") && count.eq_ignore_ascii_case(b"COUNT") => {
            let n = parse_i64(n).ok_or(Error::NotInteger)?;
            Some(if n < 0 { 10 } else { n })
        }
        _ => return Err(subcommand_syntax_error("XINFO", &typed_sub)),
    };
    let mut fields = vec![
        field("length", Reply::Integer(stream.length as i64)),
        field("radix-tree-keys", Reply::Integer(stream.nodes.len() as i64)),
        field("radix-tree-nodes", Reply::Integer(stream.radix_tree_nodes() as i64)),
        field("last-generated-id", id_reply(stream.last_id)),
        field("max-deleted-entry-id", id_reply(stream.max_deleted_entry_id)),
        field("entries-added", Reply::Integer(stream.entries_added as i64)),
        field("recorded-first-entry-id", id_reply(stream.first_id)),
    ];
    if with_idmp {
        let (pids, iids) = stream.idmp.tracked(now_ms);
        fields.extend([
            field("idmp-duration", Reply::Integer(stream.idmp.duration_s as i64)),
            field("idmp-maxsize", Reply::Integer(stream.idmp.maxsize as i64)),
            field("pids-tracked", Reply::Integer(pids as i64)),
            field("iids-tracked", Reply::Integer(iids as i64)),
            field("iids-added", Reply::Integer(stream.idmp.added as i64)),
            field("iids-duplicates", Reply::Integer(stream.idmp.duplicates as i64)),
        ]);
    }
    let Some(count) = full_count else {
        fields.push(field("groups", Reply::Integer(stream.groups.len() as i64)));
        fields.push(field("first-entry", stream.first_entry().map_or(Reply::Nil, entry_reply)));
        fields.push(field("last-entry", stream.last_entry().map_or(Reply::Nil, entry_reply)));
        return Ok(Reply::Map(fields));
    };
    let limit = if count == 0 { usize::MAX } else { count as usize };
    let entries = stream.range(StreamId::MIN, StreamId::MAX, false).take(limit).map(entry_reply).collect();
    fields.push(field("entries", Reply::Array(entries)));
    let groups = stream
        .groups
        .iter()
        .map(|(name, cg)| {
            let pel = cg
                .pending
                .iter()
                .take(limit)
                .map(|(id, p)| {
                    Reply::Array(vec![
                        id_reply(*id),
                        Reply::bulk(&p.consumer),
                        Reply::Integer(p.delivery_time as i64),
                        Reply::Integer(p.delivery_count as i64),
                    ])
                })
                .collect();
            let consumers = cg
                .consumers
                .values()
                .map(|c| {
                    let own = c
                        .pending
                        .iter()
                        .take(limit)
                        .map(|id| {
                            let p = &cg.pending[id];
                            Reply::Array(vec![
                                id_reply(*id),
                                Reply::Integer(p.delivery_time as i64),
                                Reply::Integer(p.delivery_count as i64),
                            ])
                        })
                        .collect();
                    let mut fields = vec![
                        field("name", Reply::bulk(&c.name)),
                        field("seen-time", Reply::Integer(c.seen_time as i64)),
                    ];
                    if with_active_time {
                        fields.push(field("active-time", Reply::Integer(c.active_time.map_or(-1, |t| t as i64))));
                    }
                    fields.push(field("pel-count", Reply::Integer(c.pending.len() as i64)));
                    fields.push(field("pending", Reply::Array(own)));
                    Reply::Map(fields)
                })
                .collect();
            let mut group = vec![
                field("name", Reply::bulk(name)),
                field("last-delivered-id", id_reply(cg.last_delivered_id)),
                field("entries-read", entries_read(cg)),
                field("lag", lag(stream, cg)),
                field("pel-count", Reply::Integer(cg.pending.len() as i64)),
                field("pending", Reply::Array(pel)),
                field("consumers", Reply::Array(consumers)),
            ];
            // Redis 8.8: the entries XNACK released, pending with no consumer.
            if newest_8_8 {
                let nacked = cg.pending.values().filter(|p| p.released).count();
                group.push(field("nacked-count", Reply::Integer(nacked as i64)));
            }
            Reply::Map(group)
        })
        .collect();
    fields.push(field("groups", Reply::Array(groups)));
    Ok(Reply::Map(fields))
}
