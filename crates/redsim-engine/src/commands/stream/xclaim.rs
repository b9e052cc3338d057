//! XCLAIM and XAUTOCLAIM: moving pending entries to another consumer.

use super::{
    effect, entry_reply, group_mut, group_ref, id_reply, lookup, no_such_key_or_group, xrange::interval_start, STREAM,
};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, IdSyntax, Stream, StreamId};

/// `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]`
pub static XCLAIM: CommandSpec = CommandSpec::new("xclaim", -6, STREAM, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]", "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.")
    .run(xclaim);

/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`
pub static XAUTOCLAIM: CommandSpec = CommandSpec::new("xautoclaim", -6, STREAM, "6.2.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key group consumer min-idle-time start [COUNT count] [JUSTID]", "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.")
    .run(xautoclaim);

fn number(arg: &[u8], message: &str) -> Result<i64> {
    parse_i64(arg).ok_or_else(|| Error::other(format!("ERR {message}")))
}

/// Gives `id` to `consumer`: the part XCLAIM and XAUTOCLAIM share. Returns the new delivery count.
#[allow(clippy::too_many_arguments)]
fn claim(
    stream: &mut Stream,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    id: StreamId,
    delivery_time: u64,
    delivery_count: Option<u64>,
    effects: &mut Vec<StreamEffect>,
) -> Result<u64> {
    let cg = group_mut(stream, key, group, "")?;
    let count = delivery_count.unwrap_or_else(|| cg.pending.get(&id).map_or(1, |p| p.delivery_count));
    let from = cg.assign_pending(id, consumer, delivery_time, count).map(|f| f.to_vec());
    effects.push(StreamEffect::Claimed {
        group: group.to_vec(),
        from,
        to: consumer.to_vec(),
        id,
        delivery_count: count,
    });
    Ok(count)
}

/// Creates the claiming consumer on first use, refreshing its seen time; records the effect.
fn claiming_consumer(
    stream: &mut Stream,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    now_ms: u64,
    effects: &mut Vec<StreamEffect>,
) -> Result<()> {
    let cg = group_mut(stream, key, group, "")?;
    if cg.ensure_consumer(consumer, now_ms) {
        effects.push(StreamEffect::ConsumerCreated { group: group.to_vec(), consumer: consumer.to_vec() });
    }
    if let Some(c) = cg.consumers.get_mut(consumer) {
        c.seen_time = now_ms;
    }
    Ok(())
}

fn xclaim(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let group = args.next()?.to_vec();
    let consumer = args.next()?.to_vec();
    if !lookup(ctx, &key)?.is_some_and(|s| s.groups.contains_key(&group)) {
        return Err(no_such_key_or_group(&key, &group, ""));
    }
    let min_idle = number(args.next()?, "Invalid min-idle-time argument for XCLAIM")?.max(0);
    let now = ctx.now_ms as i64;
    let mut ids = Vec::new();
    while let Some(arg) = args.peek() {
        match parse_id(arg, IdSyntax::STRICT) {
            Ok(p) => ids.push(p.id),
            Err(_) => break,
        }
        args.next()?;
    }
    let (mut force, mut justid) = (false, false);
    let mut retry_count: Option<u64> = None;
    let mut delivery_time: Option<i64> = None;
    let mut last_id = StreamId::MIN;
    while let Some(opt) = args.peek() {
        args.next()?;
        let more = !args.is_empty();
        let is = |word: &str| opt.eq_ignore_ascii_case(word.as_bytes());
        if is("FORCE") {
            force = true;
        } else if is("JUSTID") {
            justid = true;
        } else if is("IDLE") && more {
            delivery_time = Some(now.wrapping_sub(number(args.next()?, "Invalid IDLE option argument for XCLAIM")?));
        } else if is("TIME") && more {
            delivery_time = Some(number(args.next()?, "Invalid TIME option argument for XCLAIM")?);
        } else if is("RETRYCOUNT") && more {
            // A negative count is taken as no RETRYCOUNT at all.
            let n = number(args.next()?, "Invalid RETRYCOUNT option argument for XCLAIM")?;
            retry_count = u64::try_from(n).ok();
        } else if is("LASTID") && more {
            last_id = parse_id(args.next()?, IdSyntax::STRICT)?.id;
        } else {
            return Err(Error::other(format!("ERR Unrecognized XCLAIM option '{}'", super::c_str(opt))));
        }
    }
    // A delivery time in the future or before the epoch becomes now rather than an error.
    let delivery_time = delivery_time.filter(|&t| (0..=now).contains(&t)).unwrap_or(now) as u64;
    let now_ms = ctx.now_ms;
    let creates_consumer_always = ctx.version().at_least(7, 4);
    let stream = lookup(ctx, &key)?.ok_or_else(|| no_such_key_or_group(&key, &group, ""))?;
    let mut effects = Vec::new();
    let mut dirty = 0;
    {
        let cg = group_mut(stream, &key, &group, "")?;
        if last_id > cg.last_delivered_id {
            cg.last_delivered_id = last_id;
            dirty += 1;
            effects.push(StreamEffect::GroupMoved {
                group: group.clone(),
                last_delivered_id: last_id,
                entries_read: cg.entries_read,
            });
        }
    }
    if creates_consumer_always {
        claiming_consumer(stream, &key, &group, &consumer, now_ms, &mut effects)?;
    }
    let mut out = Vec::new();
    for id in ids {
        let exists = stream.contains(id);
        let cg = group_mut(stream, &key, &group, "")?;
        if !exists {
            if cg.remove_pending(id).is_some() {
                dirty += 1;
                effects.push(StreamEffect::PendingDropped { group: group.clone(), id });
            }
            continue;
        }
        let pending = match cg.pending.get(&id) {
            Some(p) => Some((p.idle_for_claim(now_ms), false)),
            None if force => Some((0, true)),
            None => None,
        };
        let Some((idle, forced)) = pending else {
            continue;
        };
        if !forced && min_idle > 0 && idle < min_idle as u64 {
            continue;
        }
        claiming_consumer(stream, &key, &group, &consumer, now_ms, &mut effects)?;
        let cg = group_mut(stream, &key, &group, "")?;
        // FORCE creates the PEL entry as a first delivery; this claim then counts as another.
        let previous = if forced { 1 } else { cg.pending.get(&id).map_or(1, |p| p.delivery_count) };
        let count = retry_count.unwrap_or(if justid { previous } else { previous + 1 });
        claim(stream, &key, &group, &consumer, id, delivery_time, Some(count), &mut effects)?;
        if let Some(c) = stream.groups.get_mut(&group).and_then(|g| g.consumers.get_mut(&consumer)) {
            c.active_time = Some(now_ms);
        }
        out.push(if justid { id_reply(id) } else { stream.entry(id).map_or(Reply::Nil, entry_reply) });
        dirty += 1;
    }
    ctx.dirty += dirty;
    super::notify_group_changes(ctx, &key, &effects);
    super::propagate_group_changes(ctx, &key, &effects, false);
    for change in effects {
        effect(ctx, &key, change);
    }
    Ok(Reply::Array(out))
}

fn xautoclaim(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let group = args.next()?.to_vec();
    let consumer = args.next()?.to_vec();
    let min_idle = number(args.next()?, "Invalid min-idle-time argument for XAUTOCLAIM")?.max(0);
    let start = interval_start(args.next()?)?;
    let mut count: i64 = 100;
    let mut justid = false;
    while !args.is_empty() {
        let more = args.remaining() > 1;
        if more && args.eat("COUNT") {
            let max = i64::MAX / 16;
            count = parse_i64(args.next()?)
                .filter(|c| (1..=max).contains(c))
                .ok_or_else(|| Error::other("ERR COUNT must be > 0"))?;
        } else if args.eat("JUSTID") {
            justid = true;
        } else {
            return Err(Error::Syntax);
        }
    }
    if !lookup(ctx, &key)?.is_some_and(|s| s.groups.contains_key(&group)) {
        return Err(no_such_key_or_group(&key, &group, ""));
    }
    let now_ms = ctx.now_ms;
    let creates_consumer_always = ctx.version().at_least(7, 4);
    let stream = lookup(ctx, &key)?.ok_or_else(|| no_such_key_or_group(&key, &group, ""))?;
    let mut effects = Vec::new();
    if creates_consumer_always {
        claiming_consumer(stream, &key, &group, &consumer, now_ms, &mut effects)?;
    }
    let mut attempts = count * 10;
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut dirty = 0;
    let mut cursor = start;
    let mut next = None;
    loop {
        let candidate = group_ref(stream, &key, &group, "")?
            .pending
            .range(cursor..)
            .next()
            .map(|(id, p)| (*id, p.idle_for_claim(now_ms)));
        let Some((id, idle)) = candidate else {
            break;
        };
        if attempts == 0 || count == 0 {
            next = Some(id);
            break;
        }
        attempts -= 1;
        cursor = match id.next() {
            Some(n) => n,
            None => {
                next = None;
                StreamId::MAX
            }
        };
        if !stream.contains(id) {
            group_mut(stream, &key, &group, "")?.remove_pending(id);
            effects.push(StreamEffect::PendingDropped { group: group.clone(), id });
            deleted.push(id_reply(id));
            dirty += 1;
            count -= 1;
        } else if min_idle == 0 || idle >= min_idle as u64 {
            claiming_consumer(stream, &key, &group, &consumer, now_ms, &mut effects)?;
            let previous = group_ref(stream, &key, &group, "")?.pending.get(&id).map_or(1, |p| p.delivery_count);
            let delivery_count = if justid { previous } else { previous + 1 };
            claim(stream, &key, &group, &consumer, id, now_ms, Some(delivery_count), &mut effects)?;
            if let Some(c) = stream.groups.get_mut(&group).and_then(|g| g.consumers.get_mut(&consumer)) {
                c.active_time = Some(now_ms);
            }
            claimed.push(if justid { id_reply(id) } else { stream.entry(id).map_or(Reply::Nil, entry_reply) });
            dirty += 1;
            count -= 1;
        }
        if id == StreamId::MAX {
            break;
        }
    }
    ctx.dirty += dirty;
    super::notify_group_changes(ctx, &key, &effects);
    super::propagate_group_changes(ctx, &key, &effects, false);
    for change in effects {
        effect(ctx, &key, change);
    }
    Ok(Reply::Array(vec![id_reply(next.unwrap_or(StreamId::MIN)), Reply::Array(claimed), Reply::Array(deleted)]))
}
