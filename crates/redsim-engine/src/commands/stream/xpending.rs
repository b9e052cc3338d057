//! XACK and XPENDING: acknowledging and inspecting the pending entries list.

use super::{
    effect, id_reply, lookup, lookup_again, no_such_key_or_group,
    xrange::{interval_end, interval_start},
    STREAM,
};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, IdSyntax};

/// `XACK key group id [id ...]`
pub static XACK: CommandSpec = CommandSpec::new("xack", -4, STREAM, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key group id [id ...]",
        "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.",
    )
    .run(xack);

fn xack(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let group = args.next()?;
    // The group is looked up first: no key or no group answers 0 even for malformed IDs.
    if !lookup(ctx, key)?.is_some_and(|s| s.groups.contains_key(group)) {
        return Ok(Reply::Integer(0));
    }
    let ids = args.rest().iter().map(|a| parse_id(a, IdSyntax::STRICT).map(|p| p.id)).collect::<Result<Vec<_>>>()?;
    let observe = ctx.server.observe;
    // Looked up above: a group that is not there acknowledges nothing.
    let Some(cg) = lookup_again(ctx, key)?.and_then(|s| s.groups.get_mut(group)) else {
        return Ok(Reply::Integer(0));
    };
    let mut acked = Vec::new();
    let mut count = 0;
    cg.remove_pending_many(&ids, |id, entry| {
        count += 1;
        if observe {
            acked.push((id, entry.consumer.to_vec()));
        }
    });
    ctx.dirty += count;
    for (id, consumer) in acked {
        effect(ctx, key, StreamEffect::Acked { group: group.to_vec(), consumer, id });
    }
    Ok(Reply::Integer(count as i64))
}

/// `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`
pub static XPENDING: CommandSpec = CommandSpec::new("xpending", -3, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc(
        "key group [[IDLE min-idle-time] start end count [consumer]]",
        "Returns the information and entries from a stream consumer group's pending entries list.",
    )
    .run(xpending);

fn xpending(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let argc = ctx.argv.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(Error::Syntax);
    }
    let key = args.next()?.to_vec();
    let group = args.next()?.to_vec();
    // Range arguments are checked before the key, to report syntax errors first.
    let mut range = None;
    if argc >= 6 {
        let mut min_idle = 0;
        if args.eat("IDLE") {
            min_idle = parse_i64(args.next()?).ok_or(Error::NotInteger)?;
            if argc < 8 {
                return Err(Error::Syntax);
            }
        }
        let (start_arg, end_arg, count_arg) = (args.next()?, args.next()?, args.next()?);
        let count = parse_i64(count_arg).ok_or(Error::NotInteger)?.max(0);
        let start = interval_start(start_arg)?;
        let end = interval_end(end_arg)?;
        let consumer = args.peek().map(<[u8]>::to_vec);
        range = Some((min_idle, start, end, count, consumer));
    }
    let now_ms = ctx.now_ms;
    let stream = lookup(ctx, &key)?;
    let Some(cg) = stream.and_then(|s| s.groups.get(&group)) else {
        return Err(no_such_key_or_group(&key, &group, ""));
    };
    let Some((min_idle, start, end, mut count, consumer)) = range else {
        let (Some(&first), Some(&last)) = (cg.pending.keys().next(), cg.pending.keys().next_back()) else {
            return Ok(Reply::Array(vec![Reply::Integer(0), Reply::Nil, Reply::Nil, Reply::NilArray]));
        };
        let consumers = cg
            .consumers
            .values()
            .filter(|c| !c.pending.is_empty())
            .map(|c| Reply::Array(vec![Reply::bulk(&c.name), Reply::bulk(c.pending.len().to_string())]))
            .collect();
        return Ok(Reply::Array(vec![
            Reply::Integer(cg.pending.len() as i64),
            id_reply(first),
            id_reply(last),
            Reply::Array(consumers),
        ]));
    };
    let ids: Box<dyn Iterator<Item = _>> = match &consumer {
        Some(name) => match cg.consumers.get(name) {
            Some(c) => Box::new(c.pending.range(start..).copied()),
            None => return Ok(Reply::Array(vec![])),
        },
        None => Box::new(cg.pending.range(start..).map(|(id, _)| *id)),
    };
    let mut out = Vec::new();
    for id in ids {
        if count == 0 || id > end {
            break;
        }
        let pending = &cg.pending[&id];
        let idle = now_ms as i64 - pending.delivery_time as i64;
        if min_idle != 0 && idle < min_idle && !pending.released {
            continue;
        }
        count -= 1;
        out.push(Reply::Array(vec![
            id_reply(id),
            Reply::bulk(&pending.consumer),
            // An entry handed back by XNACK has no owner and no idle time.
            Reply::Integer(if pending.released { -1 } else { idle.max(0) }),
            Reply::Integer(pending.delivery_count as i64),
        ]));
    }
    Ok(Reply::Array(out))
}
