//! XDEL and XSETID: changes to a stream's entries and counters outside of appending.

use super::{effect, lookup, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, DeletePolicy, IdSyntax, StreamId};

/// `XDEL key id [id ...]`
pub static XDEL: CommandSpec = CommandSpec::new("xdel", -3, STREAM, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key id [id ...]", "Returns the number of messages after removing them from a stream.")
    .run(xdel);

fn xdel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    if lookup(ctx, &key)?.is_none() {
        return Ok(Reply::Integer(0));
    }
    // Every ID is checked before anything is deleted: all or nothing.
    let ids = args.rest().iter().map(|a| parse_id(a, IdSyntax::STRICT).map(|p| p.id)).collect::<Result<Vec<_>>>()?;
    let Some(stream) = lookup(ctx, &key)? else { return Ok(Reply::Integer(0)) };
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
pub static XSETID: CommandSpec = CommandSpec::new("xsetid", -3, STREAM, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
        "An internal command for replicating stream values.",
    )
    .run(xsetid);

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

/// `XDELEX key [KEEPREF | DELREF | ACKED] IDS numids id [id ...]` (Redis 8.2)
pub static XDELEX: CommandSpec = CommandSpec::new("xdelex", -5, STREAM, "8.2.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key [KEEPREF | DELREF | ACKED] IDS numids id [id ...]", "Deletes one or multiple entries from the stream.")
    .run(xdelex);

/// `XACKDEL key group [KEEPREF | DELREF | ACKED] IDS numids id [id ...]` (Redis 8.2)
pub static XACKDEL: CommandSpec = CommandSpec::new("xackdel", -6, STREAM, "8.2.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key group [KEEPREF | DELREF | ACKED] IDS numids id [id ...]",
        "Deletes one or multiple entries from the stream.",
    )
    .run(xackdel);

/// One answer per ID, as `XDELEX` and `XACKDEL` reply.
const NO_ID: i64 = -1;
const DELETED: i64 = 1;
const STILL_REFERENCED: i64 = 2;

/// Parses `[KEEPREF | DELREF | ACKED] IDS numids id ...` in any order; the `IDS` block may come
/// before or after the policy, as in Redis.
fn parse_policy_and_ids(rest: &[Vec<u8>]) -> Result<(DeletePolicy, Vec<StreamId>)> {
    let mut policy: Option<DeletePolicy> = None;
    let mut ids: Option<&[Vec<u8>]> = None;
    let mut i = 0;
    while i < rest.len() {
        let more = rest.len() - 1 - i;
        let opt = rest[i].as_slice();
        if opt.eq_ignore_ascii_case(b"IDS") && more > 0 && ids.is_none() {
            let n = parse_i64(&rest[i + 1])
                .filter(|n| *n > 0)
                .ok_or_else(|| Error::other("ERR Number of IDs must be a positive integer"))?;
            let start = i + 2;
            if n as u64 > (rest.len() - start) as u64 {
                return Err(Error::other("ERR The `numids` parameter must match the number of arguments"));
            }
            ids = Some(&rest[start..start + n as usize]);
            i = start + n as usize;
            continue;
        } else if let Some(p) = DeletePolicy::parse(opt).filter(|_| policy.is_none()) {
            policy = Some(p);
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    let ids = ids.ok_or(Error::Syntax)?;
    let ids = ids.iter().map(|a| parse_id(a, IdSyntax::STRICT).map(|p| p.id)).collect::<Result<Vec<_>>>()?;
    Ok((policy.unwrap_or_default(), ids))
}

/// After entries were deleted: Redis's first-ID bookkeeping.
fn after_deletes(stream: &mut crate::stream::Stream, deleted: &[(StreamId, bool)]) {
    if deleted.is_empty() {
        return;
    }
    let first_deleted = deleted.iter().any(|(id, _)| *id <= stream.first_id);
    if stream.length == 0 || first_deleted {
        stream.refresh_first_id();
    }
}

/// Deletes one entry for `XDELEX`/`XACKDEL`, keeping max-deleted-entry-id as XDEL does.
fn delete_one(stream: &mut crate::stream::Stream, id: StreamId) -> Option<bool> {
    let node_freed = stream.delete(id)?;
    if id > stream.max_deleted_entry_id {
        stream.max_deleted_entry_id = id;
    }
    Some(node_freed)
}

fn xdelex(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let (policy, ids) = parse_policy_and_ids(args.rest())?;
    let Some(stream) = lookup(ctx, &key)? else {
        return Ok(Reply::Array(ids.iter().map(|_| Reply::Integer(NO_ID)).collect()));
    };
    let mut replies = Vec::with_capacity(ids.len());
    let mut deleted = Vec::new();
    let mut dropped = Vec::new();
    for id in ids {
        if policy == DeletePolicy::Acked && stream.is_referenced(id) {
            replies.push(Reply::Integer(STILL_REFERENCED));
            continue;
        }
        if policy == DeletePolicy::DelRef {
            dropped.extend(stream.drop_refs(id).into_iter().map(|(g, _)| (g, id)));
        }
        match delete_one(stream, id) {
            Some(node_freed) => {
                deleted.push((id, node_freed));
                replies.push(Reply::Integer(DELETED));
            }
            None => replies.push(Reply::Integer(NO_ID)),
        }
    }
    after_deletes(stream, &deleted);
    ctx.dirty += (deleted.len() + dropped.len()) as u64;
    for (group, id) in dropped {
        effect(ctx, &key, StreamEffect::PendingDropped { group, id });
    }
    for (id, node_freed) in deleted {
        effect(ctx, &key, StreamEffect::Deleted { id, node_freed });
    }
    Ok(Reply::Array(replies))
}

fn xackdel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let group = args.next()?.to_vec();
    let (policy, ids) = parse_policy_and_ids(args.rest())?;
    let no_group = || Reply::Array(ids.iter().map(|_| Reply::Integer(NO_ID)).collect());
    let Some(stream) = lookup(ctx, &key)? else { return Ok(no_group()) };
    if !stream.groups.contains_key(&group) {
        return Ok(no_group());
    }
    let mut replies = Vec::with_capacity(ids.len());
    let mut acked = Vec::new();
    let mut deleted = Vec::new();
    let mut dropped = Vec::new();
    for &id in &ids {
        let Some(pending) = stream.groups.get_mut(&group).and_then(|cg| cg.remove_pending(id)) else {
            replies.push(Reply::Integer(NO_ID));
            continue;
        };
        acked.push((id, pending.consumer));
        if policy == DeletePolicy::Acked && stream.is_referenced(id) {
            replies.push(Reply::Integer(STILL_REFERENCED));
            continue;
        }
        if policy == DeletePolicy::DelRef {
            dropped.extend(stream.drop_refs(id).into_iter().map(|(g, _)| (g, id)));
        }
        if let Some(node_freed) = delete_one(stream, id) {
            deleted.push((id, node_freed));
        }
        replies.push(Reply::Integer(DELETED));
    }
    after_deletes(stream, &deleted);
    ctx.dirty += (acked.len() + deleted.len() + dropped.len()) as u64;
    for (id, consumer) in acked {
        effect(ctx, &key, StreamEffect::Acked { group: group.clone(), consumer: consumer.to_vec(), id });
    }
    for (group, id) in dropped {
        effect(ctx, &key, StreamEffect::PendingDropped { group, id });
    }
    for (id, node_freed) in deleted {
        effect(ctx, &key, StreamEffect::Deleted { id, node_freed });
    }
    Ok(Reply::Array(replies))
}
