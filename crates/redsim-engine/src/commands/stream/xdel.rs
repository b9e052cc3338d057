//! XDEL and XSETID: changes to a stream's entries and counters outside of appending.

use super::{effect, lookup, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, IdSyntax, StreamId};

/// `XDEL key id [id ...]`
pub static XDEL: CommandSpec = CommandSpec {
    name: "xdel",
    arity: -3,
    flags: &[Flag::Write, Flag::Fast],
    keys: (1, 1, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "Returns the number of messages after removing them from a stream.",
    syntax: "key id [id ...]",
    run: Some(xdel),
    subcommands: &[],
};

fn xdel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    if lookup(ctx, &key)?.is_none() {
        return Ok(Reply::Integer(0));
    }
    // Every ID is checked before anything is deleted: all or nothing.
    let ids = args.rest().iter().map(|a| parse_id(a, IdSyntax::STRICT).map(|p| p.id)).collect::<Result<Vec<_>>>()?;
    let stream = lookup(ctx, &key)?.expect("checked above");
    let mut deleted = Vec::new();
    let mut first_deleted = false;
    for id in ids {
        if let Some(node_freed) = stream.delete(id) {
            first_deleted |= id == stream.first_id;
            if id > stream.max_deleted_entry_id {
                stream.max_deleted_entry_id = id;
            }
            deleted.push((id, node_freed));
        }
    }
    if !deleted.is_empty() && (stream.length == 0 || first_deleted) {
        stream.refresh_first_id();
    }
    ctx.dirty += deleted.len() as u64;
    let count = deleted.len() as i64;
    for (id, node_freed) in deleted {
        effect(ctx, &key, StreamEffect::Deleted { id, node_freed });
    }
    Ok(Reply::Integer(count))
}

/// `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]`
pub static XSETID: CommandSpec = CommandSpec {
    name: "xsetid",
    arity: -3,
    flags: &[Flag::Write, Flag::Fast],
    keys: (1, 1, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "An internal command for replicating stream values.",
    syntax: "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
    run: Some(xsetid),
    subcommands: &[],
};

fn xsetid(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let id = parse_id(args.next()?, IdSyntax::STRICT)?.id;
    let mut entries_added: Option<u64> = None;
    let mut max_deleted = StreamId::MIN;
    while !args.is_empty() {
        let more = args.remaining() > 1;
        if more && args.eat("ENTRIESADDED") {
            let n = parse_i64(args.next()?).ok_or(Error::NotInteger)?;
            if n < 0 {
                return Err(Error::other("ERR entries_added must be positive"));
            }
            entries_added = Some(n as u64);
        } else if more && args.eat("MAXDELETEDID") {
            max_deleted = parse_id(args.next()?, IdSyntax::STRICT)?.id;
            if id < max_deleted {
                return Err(Error::other(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
        } else {
            return Err(Error::Syntax);
        }
    }
    let newer_checks = ctx.version().at_least(7, 2);
    let stream = lookup(ctx, &key)?.ok_or(Error::NoSuchKey)?;
    if newer_checks && id < stream.max_deleted_entry_id {
        return Err(Error::other("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"));
    }
    if stream.length > 0 {
        let top = stream.last_live_id().unwrap_or(StreamId::MIN);
        if id < top {
            return Err(Error::other("ERR The ID specified in XSETID is smaller than the target stream top item"));
        }
        if entries_added.is_some_and(|n| stream.length > n) {
            return Err(Error::other(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    stream.last_id = id;
    if let Some(n) = entries_added {
        stream.entries_added = n;
    }
    if !max_deleted.is_zero() {
        stream.max_deleted_entry_id = max_deleted;
    }
    ctx.dirty += 1;
    effect(ctx, &key, StreamEffect::IdSet { last_id: id });
    Ok(Reply::ok())
}
