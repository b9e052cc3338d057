//! XRANGE, XREVRANGE and XLEN.

use super::{entry_reply, lookup, node_entry_reply, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, IdSyntax, StreamId};

/// `XRANGE key start end [COUNT count]`
pub static XRANGE: CommandSpec = CommandSpec::new("xrange", -4, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key start end [COUNT count]", "Returns the messages from a stream within a range of IDs.")
    .run(|ctx, args| range(ctx, args, false));

/// `XREVRANGE key end start [COUNT count]`
pub static XREVRANGE: CommandSpec = CommandSpec::new("xrevrange", -4, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key end start [COUNT count]", "Returns the messages from a stream within a range of IDs in reverse order.")
    .run(|ctx, args| range(ctx, args, true));

/// `XLEN key`
pub static XLEN: CommandSpec = CommandSpec::new("xlen", 2, STREAM, "5.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Return the number of messages in a stream.")
    .run(|ctx, mut args| {
        let key = args.next()?;
        Ok(Reply::Integer(lookup(ctx, key)?.map_or(0, |s| s.length as i64)))
    });

/// Redis's `streamParseIntervalIDOrReply` plus the increment for an exclusive start:
/// `(id` excludes `id`; `-`, `+` and `<ms>` are accepted when inclusive.
pub fn interval_start(arg: &[u8]) -> Result<StreamId> {
    match exclusive(arg) {
        Some(inner) => parse_id(inner, IdSyntax::STRICT)?
            .id
            .next()
            .ok_or_else(|| Error::other("ERR invalid start ID for the interval")),
        None => Ok(parse_id(arg, IdSyntax::lenient(0))?.id),
    }
}

/// The end of an interval: a bare `<ms>` means its last sequence number.
pub fn interval_end(arg: &[u8]) -> Result<StreamId> {
    match exclusive(arg) {
        Some(inner) => {
            let id = parse_id(inner, IdSyntax { missing_seq: u64::MAX, ..IdSyntax::STRICT })?.id;
            id.prev().ok_or_else(|| Error::other("ERR invalid end ID for the interval"))
        }
        None => Ok(parse_id(arg, IdSyntax::lenient(u64::MAX))?.id),
    }
}

fn exclusive(arg: &[u8]) -> Option<&[u8]> {
    (arg.len() > 1 && arg[0] == b'(').then(|| &arg[1..])
}

fn range(ctx: &mut Ctx, mut args: Args, rev: bool) -> Result<Reply> {
    let key = args.next()?;
    let (first, second) = (args.next()?, args.next()?);
    let (start_arg, end_arg) = if rev { (second, first) } else { (first, second) };
    let start = interval_start(start_arg)?;
    let end = interval_end(end_arg)?;
    let mut count: i64 = -1;
    while !args.is_empty() {
        if args.remaining() >= 2 && args.eat("COUNT") {
            count = parse_i64(args.next()?).ok_or(Error::NotInteger)?.max(0);
        } else {
            return Err(Error::Syntax);
        }
    }
    let Some(stream) = lookup(ctx, key)? else {
        return Ok(Reply::Array(vec![]));
    };
    if count == 0 {
        return Ok(Reply::NilArray);
    }
    let limit = if count < 0 { usize::MAX } else { count as usize };
    if rev {
        return Ok(Reply::Array(stream.range(start, end, true).take(limit).map(entry_reply).collect()));
    }
    let mut out = Vec::with_capacity(limit.min(64));
    stream.for_each_in_range(start, end, limit, |node, meta| out.push(node_entry_reply(node, meta)));
    Ok(Reply::Array(out))
}
