//! Stream commands, one file per family, all over `crate::stream::Stream`.

#[cfg(test)]
mod tests;
pub mod xadd;
pub mod xcfgset;
pub mod xclaim;
pub mod xdel;
pub mod xgroup;
pub mod xinfo;
pub mod xnack;
pub mod xpending;
pub mod xrange;
pub mod xread;

use crate::effect::{Effect, StreamEffect};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{Stream, StreamEntry, StreamId};
use crate::value::Value;

pub(crate) const STREAM: &str = "stream";

/// The stream at `key` after lazy expiry: `None` when missing, `WRONGTYPE` for another type.
pub(crate) fn lookup<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Stream>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType),
    }
}

/// The stream at `key` when this command has just looked it up (or stored it): no second
/// expiry check, access time or keyspace hit.
pub(crate) fn lookup_again<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Stream>> {
    let db = ctx.db_index();
    match ctx.server.dbs[db].get_mut(key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType),
    }
}

/// Records a stream change for the views.
pub(crate) fn effect(ctx: &mut Ctx, key: &[u8], change: StreamEffect) {
    if !ctx.server.observe {
        return;
    }
    let db = ctx.db_index();
    ctx.effect(|| Effect::Stream { db, key: key.to_vec(), change });
}

pub(crate) fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.to_bytes())
}

/// `[id, [field, value, ...]]`, as every stream read replies with an entry.
/// The same reply built straight from the node's bytes.
pub(crate) fn node_entry_reply(node: &crate::stream::Node, meta: crate::stream::EntryMeta) -> Reply {
    let mut fields = Vec::with_capacity(4);
    node.visit_fields(meta, |f, v| {
        fields.push(Reply::Bulk(f.to_vec()));
        fields.push(Reply::Bulk(v.to_vec()));
    });
    Reply::Array(vec![id_reply(meta.id), Reply::Array(fields)])
}

pub(crate) fn entry_reply(entry: StreamEntry) -> Reply {
    let fields = entry.fields.into_iter().flat_map(|(f, v)| [Reply::Bulk(f), Reply::Bulk(v)]).collect();
    Reply::Array(vec![id_reply(entry.id), Reply::Array(fields)])
}

/// The group `group` of the stream at `key`, or Redis's `NOGROUP No such key 'k' or consumer
/// group 'g'<suffix>`: a group looked up once, with the error Redis gives when it is not there.
pub(crate) fn group_mut<'s>(
    stream: &'s mut Stream,
    key: &[u8],
    group: &[u8],
    suffix: &str,
) -> Result<&'s mut crate::stream::ConsumerGroup> {
    stream.groups.get_mut(group).ok_or_else(|| no_such_key_or_group(key, group, suffix))
}

/// `group_mut` for reading.
pub(crate) fn group_ref<'s>(
    stream: &'s Stream,
    key: &[u8],
    group: &[u8],
    suffix: &str,
) -> Result<&'s crate::stream::ConsumerGroup> {
    stream.groups.get(group).ok_or_else(|| no_such_key_or_group(key, group, suffix))
}

/// `-NOGROUP No such key 'k' or consumer group 'g'` (with Redis's `%s` truncation at NUL).
pub(crate) fn no_such_key_or_group(key: &[u8], group: &[u8], suffix: &str) -> Error {
    Error::other(format!("NOGROUP No such key '{}' or consumer group '{}'{suffix}", c_str(key), c_str(group)))
}

/// A name printed with `%s`: up to the first NUL byte.
pub(crate) fn c_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `ERR unknown subcommand or wrong number of arguments for 'x'. Try XGROUP HELP.`
pub(crate) fn subcommand_syntax_error(container: &str, sub: &[u8]) -> Error {
    let shown: String = c_str(sub).chars().take(128).collect();
    Error::other(format!("ERR unknown subcommand or wrong number of arguments for '{shown}'. Try {container} HELP."))
}

/// Redis's `addReplyHelp`: a header, the lines, and the HELP footer, all as status replies.
pub(crate) fn help_reply(container: &str, lines: &[&str]) -> Reply {
    let mut out = vec![Reply::status(&format!("{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))];
    out.extend(lines.iter().map(|l| Reply::status(l)));
    out.push(Reply::status("HELP"));
    out.push(Reply::status("    Prints this help."));
    Reply::Array(out)
}

/// The keyspace events of a group read or claim: only a consumer it created is one
/// (`xgroup-createconsumer`, as Redis's `streamCreateConsumer` sends it); reading, claiming and
/// acknowledging send none.
pub(crate) fn notify_group_changes(ctx: &mut Ctx, key: &[u8], changes: &[StreamEffect]) {
    for change in changes {
        if matches!(change, StreamEffect::ConsumerCreated { .. }) {
            ctx.notify(crate::notify::STREAM, "xgroup-createconsumer", key);
        }
    }
}

/// What replicas and the AOF receive for a group read or claim, built from its effects as Redis
/// builds it (`streamPropagateXCLAIM`, `streamPropagateGroupID`, `streamPropagateConsumerCreation`):
/// a new consumer as `XGROUP CREATECONSUMER`, each entry that became pending as `XCLAIM ... FORCE
/// JUSTID LASTID`, a pending entry whose stream entry is gone as its removal, and the group's new
/// position as `XGROUP SETID ... ENTRIESREAD`. `history`: deliveries from a consumer's own PEL,
/// which Redis does not propagate.
pub(crate) fn propagate_group_changes(ctx: &mut Ctx, key: &[u8], changes: &[StreamEffect], history: bool) {
    if !ctx.server.propagating() {
        return;
    }
    ctx.prevent_propagation = true;
    let newer = ctx.version().at_least(7, 4);
    let Ok(Some(stream)) = lookup(ctx, key) else { return };
    let mut out: Vec<crate::server::Argv> = Vec::new();
    let mut moved: Option<(Vec<u8>, StreamId, i64)> = None;
    let xclaim = |group: &[u8], consumer: &[u8], id: StreamId, lastid: StreamId, stream: &Stream| {
        let pel = stream.groups.get(group).and_then(|g| g.pending.get(&id));
        let (time, count) = pel.map_or((0, 0), |p| (p.delivery_time, p.delivery_count));
        vec![
            b"XCLAIM".to_vec(),
            key.to_vec(),
            group.to_vec(),
            consumer.to_vec(),
            b"0".to_vec(),
            id.to_bytes(),
            b"TIME".to_vec(),
            time.to_string().into_bytes(),
            b"RETRYCOUNT".to_vec(),
            count.to_string().into_bytes(),
            b"FORCE".to_vec(),
            b"JUSTID".to_vec(),
            b"LASTID".to_vec(),
            lastid.to_bytes(),
        ]
    };
    // What Redis propagates depends on the command: a read with NOACK sends the new consumer
    // and the group's position; other reads send one XCLAIM per entry (which carries the
    // position), and from 7.4 the position as well; a claim sends the position only if it
    // claimed nothing.
    let noack_read = changes.iter().any(|c| matches!(c, StreamEffect::Delivered { noack: true, .. }));
    let read = changes.iter().any(|c| matches!(c, StreamEffect::Delivered { .. }));
    let claimed = changes.iter().any(|c| matches!(c, StreamEffect::Claimed { .. }));
    let position_too = if read { noack_read || newer } else { !claimed };
    for change in changes {
        match change {
            StreamEffect::ConsumerCreated { .. } if !noack_read => {}
            StreamEffect::ConsumerCreated { group, consumer } => {
                out.push(vec![
                    b"XGROUP".to_vec(),
                    b"CREATECONSUMER".to_vec(),
                    key.to_vec(),
                    group.clone(),
                    consumer.clone(),
                ]);
            }
            StreamEffect::Delivered { group, consumer, id, noack: false, .. } if !history => {
                out.push(xclaim(group, consumer, *id, *id, stream));
            }
            StreamEffect::Claimed { group, to, id, .. } => {
                let lastid = stream.groups.get(group).map_or(StreamId::MIN, |g| g.last_delivered_id);
                out.push(xclaim(group, to, *id, lastid, stream));
            }
            StreamEffect::PendingDropped { group, id } => {
                out.push(vec![b"XACK".to_vec(), key.to_vec(), group.clone(), id.to_bytes()]);
            }
            StreamEffect::GroupMoved { group, last_delivered_id, entries_read } if position_too => {
                moved = Some((group.clone(), *last_delivered_id, *entries_read));
            }
            _ => {}
        }
    }
    if let Some((group, last, entries_read)) = moved {
        out.push(vec![
            b"XGROUP".to_vec(),
            b"SETID".to_vec(),
            key.to_vec(),
            group,
            last.to_bytes(),
            b"ENTRIESREAD".to_vec(),
            entries_read.to_string().into_bytes(),
        ]);
    }
    ctx.also_propagate.extend(out);
}
