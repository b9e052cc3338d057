//! XNACK (Redis 8.8): a consumer hands pending entries back to its group without acknowledging
//! them, so another consumer can take them at once instead of after an idle timeout.

use super::{effect, group_mut, lookup, no_such_key_or_group, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, IdSyntax};

/// `XNACK key group <SILENT | FAIL | FATAL> IDS numids id [id ...] [RETRYCOUNT count] [FORCE]`
pub static XNACK: CommandSpec = CommandSpec::new("xnack", -7, STREAM, "8.8.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key group <SILENT | FAIL | FATAL> IDS numids id [id ...] [RETRYCOUNT count] [FORCE]", "Releases pending messages back to the group's PEL without acknowledging them, making them available for re-delivery.")
    .run(xnack);

/// What releasing does to the delivery count (redis.io's XNACK page, "mode").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The delivery did not count: one less.
    Silent,
    /// This consumer failed: unchanged.
    Fail,
    /// The message is bad: the highest count there is.
    Fatal,
}

fn xnack(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let group = args.next()?.to_vec();
    let mode = match args.next()?.to_ascii_uppercase().as_slice() {
        b"SILENT" => Mode::Silent,
        b"FAIL" => Mode::Fail,
        b"FATAL" => Mode::Fatal,
        _ => return Err(Error::Syntax),
    };
    if !args.eat("IDS") {
        return Err(Error::Syntax);
    }
    let numids = parse_i64(args.next()?)
        .filter(|&n| n > 0)
        .ok_or_else(|| Error::other("ERR Number of IDs must be a positive integer"))? as usize;
    let rest = args.rest();
    if numids > rest.len() {
        return Err(Error::other("ERR The `numids` parameter must match the number of arguments"));
    }
    let ids = rest[..numids].iter().map(|a| parse_id(a, IdSyntax::STRICT).map(|p| p.id)).collect::<Result<Vec<_>>>()?;
    let (mut retry_count, mut force) = (None, false);
    let mut options = rest[numids..].iter();
    while let Some(option) = options.next() {
        if option.eq_ignore_ascii_case(b"RETRYCOUNT") {
            let n = options.next().ok_or(Error::Syntax)?;
            retry_count = Some(parse_i64(n).filter(|&n| n >= 0).ok_or(Error::NotInteger)? as u64);
        } else if option.eq_ignore_ascii_case(b"FORCE") {
            force = true;
        } else {
            return Err(Error::Syntax);
        }
    }
    let now_ms = ctx.now_ms;
    let count_after = move |count: u64| match (retry_count, mode) {
        (Some(n), _) => n,
        (None, Mode::Silent) => count.saturating_sub(1),
        (None, Mode::Fail) => count,
        (None, Mode::Fatal) => i64::MAX as u64,
    };
    let stream = lookup(ctx, &key)?;
    let Some(stream) = stream.filter(|s| s.groups.contains_key(&group)) else {
        return Err(no_such_key_or_group(&key, &group, ""));
    };
    let mut released = Vec::new();
    for id in ids {
        // FORCE makes an entry of the stream pending (and released) even if it was not.
        let create = (force && stream.contains(id)).then_some(now_ms);
        let cg = group_mut(stream, &key, &group, "")?;
        if let Some(from) = cg.release(id, count_after, create) {
            released.push((from, id, cg.pending.get(&id).map_or(0, |p| p.delivery_count)));
        }
    }
    ctx.dirty += released.len() as u64;
    let count = released.len() as i64;
    for (from, id, delivery_count) in released {
        effect(ctx, &key, StreamEffect::Released { group: group.clone(), from: from.to_vec(), id, delivery_count });
    }
    Ok(Reply::Integer(count))
}
