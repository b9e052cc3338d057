//! List commands, blocking ones included: `BLPOP` and friends park the client in the engine and
//! are run again when a push makes their key ready.

use std::collections::VecDeque;

use super::drop_if_empty;
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{BlockOn, Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

const LIST: &str = "list";

type List = VecDeque<Vec<u8>>;

/// The list at `key`, stored empty first when missing.
pub(super) fn list_or_create<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut List> {
    if list_at(ctx, key)?.is_none() {
        return match ctx.store_mut(key, Value::List(Box::default()), false) {
            Value::List(l) => Ok(l),
            _ => Err(Error::WrongType),
        };
    }
    // There, as the lookup above found it.
    match ctx.found_again(key) {
        Some(Value::List(v)) => Ok(v),
        _ => Err(Error::WrongType),
    }
}

pub(super) fn list_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut List>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(Error::WrongType),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    Left,
    Right,
}

pub(super) fn parse_end(arg: &[u8]) -> Result<End> {
    if arg.eq_ignore_ascii_case(b"LEFT") {
        Ok(End::Left)
    } else if arg.eq_ignore_ascii_case(b"RIGHT") {
        Ok(End::Right)
    } else {
        Err(Error::Syntax)
    }
}

pub(super) fn push_end(list: &mut List, end: End, value: Vec<u8>) {
    match end {
        End::Left => list.push_front(value),
        End::Right => list.push_back(value),
    }
}

pub(super) fn pop_end(list: &mut List, end: End) -> Option<Vec<u8>> {
    match end {
        End::Left => list.pop_front(),
        End::Right => list.pop_back(),
    }
}

pub static LPUSH: CommandSpec = CommandSpec::new("lpush", -3, LIST, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key element [element ...]", "Prepends one or more elements to a list. Creates the key if it doesn't exist.")
    .run(|c, a| push(c, a, End::Left, false));
pub static RPUSH: CommandSpec = CommandSpec::new("rpush", -3, LIST, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key element [element ...]", "Appends one or more elements to a list. Creates the key if it doesn't exist.")
    .run(|c, a| push(c, a, End::Right, false));
pub static LPUSHX: CommandSpec = CommandSpec::new("lpushx", -3, LIST, "2.2.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key element [element ...]", "Prepends one or more elements to a list only when the list exists.")
    .run(|c, a| push(c, a, End::Left, true));
pub static RPUSHX: CommandSpec = CommandSpec::new("rpushx", -3, LIST, "2.2.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key element [element ...]", "Appends an element to a list only when the list exists.")
    .run(|c, a| push(c, a, End::Right, true));

fn push(ctx: &mut Ctx, mut args: Args, end: End, only_existing: bool) -> Result<Reply> {
    let key = args.next()?;
    let values = args.rest();
    if only_existing && list_at(ctx, key)?.is_none() {
        return Ok(Reply::Integer(0));
    }
    let list = list_or_create(ctx, key)?;
    for v in values {
        push_end(list, end, v.clone());
    }
    let len = list.len();
    ctx.modified(key);
    Ok(Reply::Integer(len as i64))
}

pub static LPOP: CommandSpec = CommandSpec::new("lpop", -2, LIST, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [count]",
        "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
    )
    .run(|c, a| pop(c, a, End::Left));
pub static RPOP: CommandSpec = CommandSpec::new("rpop", -2, LIST, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [count]",
        "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
    )
    .run(|c, a| pop(c, a, End::Right));

fn pop(ctx: &mut Ctx, mut args: Args, end: End) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.remaining() {
        0 => None,
        1 => Some(parse_i64(args.next()?).filter(|n| *n >= 0).ok_or(Error::OutOfRange)? as usize),
        _ => return Err(Error::WrongArity { name: if end == End::Left { "lpop" } else { "rpop" }.into() }),
    };
    let Some(list) = list_at(ctx, key)? else {
        return Ok(if count.is_some() { Reply::NilArray } else { Reply::Nil });
    };
    let reply = match count {
        // A list is never empty: an empty one is deleted.
        None => pop_end(list, end).map_or(Reply::Nil, Reply::Bulk),
        Some(0) => return Ok(Reply::Array(vec![])),
        Some(n) => Reply::Array((0..n).map_while(|_| pop_end(list, end)).map(Reply::Bulk).collect()),
    };
    ctx.modified(key);
    drop_if_empty(ctx, key);
    Ok(reply)
}

pub static LLEN: CommandSpec = CommandSpec::new("llen", 2, LIST, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the length of a list.")
    .run(llen);

fn llen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(list_at(ctx, key)?.map_or(0, |l| l.len()) as i64))
}

/// Redis's start/end normalisation for `LRANGE` and `LTRIM`: `None` when the range is empty.
fn normalise(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

pub static LRANGE: CommandSpec = CommandSpec::new("lrange", 4, LIST, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key start stop", "Returns a range of elements from a list.")
    .run(lrange);

fn lrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    let Some(list) = list_at(ctx, key)? else { return Ok(Reply::Array(vec![])) };
    Ok(Reply::Array(match normalise(start, end, list.len()) {
        None => vec![],
        Some((s, e)) => list.range(s..=e).map(|v| Reply::Bulk(v.clone())).collect(),
    }))
}

pub static LTRIM: CommandSpec = CommandSpec::new("ltrim", 4, LIST, "1.0.0")
    .flags(&[Flag::Write])
    .keys(1, 1, 1)
    .doc("key start stop", "Removes elements from both ends a list. Deletes the list if all elements were trimmed.")
    .run(ltrim);

fn ltrim(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    let Some(list) = list_at(ctx, key)? else { return Ok(Reply::ok()) };
    match normalise(start, end, list.len()) {
        None => list.clear(),
        Some((s, e)) => {
            list.truncate(e + 1);
            list.drain(..s);
        }
    }
    ctx.modified(key);
    drop_if_empty(ctx, key);
    Ok(Reply::ok())
}

fn index_of(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

pub static LINDEX: CommandSpec = CommandSpec::new("lindex", 3, LIST, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key index", "Returns an element from a list by its index.")
    .run(lindex);

fn lindex(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let index = args.next_i64()?;
    let Some(list) = list_at(ctx, key)? else { return Ok(Reply::Nil) };
    Ok(index_of(index, list.len()).map_or(Reply::Nil, |i| Reply::Bulk(list[i].clone())))
}

pub static LSET: CommandSpec = CommandSpec::new("lset", 4, LIST, "1.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key index element", "Sets the value of an element in a list by its index.")
    .run(lset);

fn lset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let index = args.next_i64()?;
    let value = args.next()?;
    let list = list_at(ctx, key)?.ok_or(Error::NoSuchKey)?;
    let i = index_of(index, list.len()).ok_or_else(|| Error::other("ERR index out of range"))?;
    list[i] = value.to_vec();
    ctx.modified(key);
    Ok(Reply::ok())
}

pub static LINSERT: CommandSpec = CommandSpec::new("linsert", 5, LIST, "2.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key <BEFORE | AFTER> pivot element", "Inserts an element before or after another element in a list.")
    .run(linsert);

fn linsert(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let place = args.next()?;
    let after = if place.eq_ignore_ascii_case(b"AFTER") {
        true
    } else if place.eq_ignore_ascii_case(b"BEFORE") {
        false
    } else {
        return Err(Error::Syntax);
    };
    let (pivot, value) = (args.next()?, args.next()?);
    let Some(list) = list_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let Some(at) = list.iter().position(|v| v == pivot) else { return Ok(Reply::Integer(-1)) };
    list.insert(if after { at + 1 } else { at }, value.to_vec());
    let len = list.len();
    ctx.modified(key);
    Ok(Reply::Integer(len as i64))
}

pub static LREM: CommandSpec = CommandSpec::new("lrem", 4, LIST, "1.0.0")
    .flags(&[Flag::Write])
    .keys(1, 1, 1)
    .doc("key count element", "Removes elements from a list. Deletes the list if the last element was removed.")
    .run(lrem);

fn lrem(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = args.next_i64()?;
    let value = args.next()?;
    let Some(list) = list_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let limit = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
    let mut removed = 0;
    if count >= 0 {
        let mut i = 0;
        while i < list.len() && removed < limit {
            if list[i] == value {
                list.remove(i);
                removed += 1;
            } else {
                i += 1;
            }
        }
    } else {
        let mut i = list.len();
        while i > 0 && removed < limit {
            i -= 1;
            if list[i] == value {
                list.remove(i);
                removed += 1;
            }
        }
    }
    if removed > 0 {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Reply::Integer(removed as i64))
}

pub static LPOS: CommandSpec = CommandSpec::new("lpos", -3, LIST, "6.0.6")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc(
        "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
        "Returns the index of matching elements in a list.",
    )
    .run(lpos);

fn lpos(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, value) = (args.next()?, args.next()?);
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0i64);
    while let Some(opt) = args.peek() {
        args.next()?;
        let more = args.peek().is_some();
        if opt.eq_ignore_ascii_case(b"RANK") && more {
            rank = args.next_i64()?;
            if rank == 0 {
                return Err(Error::other(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
            if rank == i64::MIN && ctx.version().at_least(7, 2) {
                return Err(Error::other(format!(
                    "ERR value is out of range, value must between {} and {}",
                    -i64::MAX,
                    i64::MAX
                )));
            }
        } else if opt.eq_ignore_ascii_case(b"COUNT") && more {
            let n = args.next_i64()?;
            if n < 0 {
                return Err(Error::other("ERR COUNT can't be negative"));
            }
            count = Some(n);
        } else if opt.eq_ignore_ascii_case(b"MAXLEN") && more {
            maxlen = args.next_i64()?;
            if maxlen < 0 {
                return Err(Error::other("ERR MAXLEN can't be negative"));
            }
        } else {
            return Err(Error::Syntax);
        }
    }
    let Some(list) = list_at(ctx, key)? else {
        return Ok(if count.is_some() { Reply::Array(vec![]) } else { Reply::Nil });
    };
    let len = list.len();
    let scan = if maxlen == 0 { len } else { (maxlen as usize).min(len) };
    let indexes: Box<dyn Iterator<Item = usize>> =
        if rank > 0 { Box::new(0..scan) } else { Box::new((len - scan..len).rev()) };
    // Redis 7.0 negates LLONG_MIN into itself, which then matches the first element found.
    let mut skip = if rank == i64::MIN { 0 } else { rank.unsigned_abs() - 1 };
    let wanted = match count {
        Some(0) => usize::MAX,
        Some(n) => n as usize,
        None => 1,
    };
    let mut found = Vec::new();
    for i in indexes {
        if list[i] == value {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            found.push(Reply::Integer(i as i64));
            if found.len() >= wanted {
                break;
            }
        }
    }
    Ok(match count {
        Some(_) => Reply::Array(found),
        None => found.pop().unwrap_or(Reply::Nil),
    })
}

pub static LMOVE: CommandSpec = CommandSpec::new("lmove", 5, LIST, "6.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 2, 1)
    .doc("source destination <LEFT | RIGHT> <LEFT | RIGHT>", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.")
    .run(lmove);
pub static RPOPLPUSH: CommandSpec = CommandSpec::new("rpoplpush", 3, LIST, "1.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 2, 1)
    .doc("source destination", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.")
    .run(rpoplpush);

fn lmove(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (src, dst) = (args.next()?, args.next()?);
    let (from, to) = (parse_end(args.next()?)?, parse_end(args.next()?)?);
    Ok(move_one(ctx, src, dst, from, to)?.unwrap_or(Reply::Nil))
}

fn rpoplpush(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (src, dst) = (args.next()?, args.next()?);
    Ok(move_one(ctx, src, dst, End::Right, End::Left)?.unwrap_or(Reply::Nil))
}

/// Redis's `lmoveGenericCommand`: `None` when the source is missing.
fn move_one(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> Result<Option<Reply>> {
    if list_at(ctx, src)?.is_none() {
        return Ok(None);
    }
    list_at(ctx, dst)?;
    // Lists are never empty: an empty one is deleted.
    let Some(value) = list_at(ctx, src)?.and_then(|l| pop_end(l, from)) else { return Ok(None) };
    ctx.modified(src);
    push_end(list_or_create(ctx, dst)?, to, value.clone());
    ctx.modified(dst);
    moved_events(ctx, src, dst, from, to);
    Ok(Some(Reply::Bulk(value)))
}

/// The events of a move between lists, in Redis's order: the push to the destination, the pop
/// from the source, and the source's `del` when it is left empty.
pub(super) fn moved_events(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) {
    ctx.notify(crate::notify::LIST, if to == End::Left { "lpush" } else { "rpush" }, dst);
    ctx.notify(crate::notify::LIST, if from == End::Left { "lpop" } else { "rpop" }, src);
    drop_if_empty(ctx, src);
}

pub static LMPOP: CommandSpec = CommandSpec::new("lmpop", -4, LIST, "7.0.0")
    .flags(&[Flag::Write, Flag::MovableKeys])
    .doc(
        "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
        "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
    )
    .run(|c, a| mpop(c, a, false));
pub static BLMPOP: CommandSpec = CommandSpec::new("blmpop", -5, LIST, "7.0.0")
    .flags(&[Flag::Write, Flag::Blocking, Flag::MovableKeys])
    .waits_for("list")
    .doc("timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.")
    .run(|c, a| mpop(c, a, true));

fn mpop(ctx: &mut Ctx, mut args: Args, blocking: bool) -> Result<Reply> {
    let deadline = if blocking { Some(parse_timeout(ctx, args.next()?)?) } else { None };
    let numkeys = parse_i64(args.next()?)
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::other("ERR numkeys should be greater than 0"))?;
    if numkeys as usize >= args.remaining() {
        return Err(Error::Syntax);
    }
    let rest = args.rest();
    let (keys, options) = rest.split_at(numkeys as usize);
    let end = parse_end(&options[0])?;
    let mut count = 1usize;
    let mut i = 1;
    while i < options.len() {
        if options[i].eq_ignore_ascii_case(b"COUNT") && i + 1 < options.len() && count == 1 && i == 1 {
            count = parse_i64(&options[i + 1])
                .filter(|n| *n > 0)
                .ok_or_else(|| Error::other("ERR count should be greater than 0"))? as usize;
            i += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    for key in keys {
        if let Some(list) = list_at(ctx, key)? {
            let popped: Vec<Reply> = (0..count).map_while(|_| pop_end(list, end)).map(Reply::Bulk).collect();
            ctx.modified(key);
            drop_if_empty(ctx, key);
            // Replicas pop as many with LPOP/RPOP.
            let command = if end == End::Left { "LPOP" } else { "RPOP" };
            ctx.propagate_as =
                Some(vec![command.as_bytes().to_vec(), key.clone(), popped.len().to_string().into_bytes()]);
            return Ok(Reply::Array(vec![Reply::Bulk(key.clone()), Reply::Array(popped)]));
        }
    }
    block_or_nil(ctx, keys, deadline)
}

/// Redis's `getTimeoutFromObjectOrReply` for list and zset blocking commands (seconds, as a
/// float): the absolute deadline, 0 for none.
pub(crate) fn parse_timeout(ctx: &Ctx, arg: &[u8]) -> Result<u64> {
    let seconds = super::string::parse_long_double(arg)
        .ok_or_else(|| Error::other("ERR timeout is not a float or out of range"))?;
    if seconds < 0.0 {
        return Err(Error::other("ERR timeout is negative"));
    }
    let ms = (seconds * 1000.0).ceil();
    if ms > (i64::MAX as f64) - ctx.now_ms as f64 {
        return Err(Error::other("ERR timeout is out of range"));
    }
    Ok(if ms == 0.0 { 0 } else { ctx.now_ms + ms as u64 })
}

/// Nothing to serve: park the client (or answer a null array inside `MULTI` or a script).
pub(crate) fn block_or_nil(ctx: &mut Ctx, keys: &[Vec<u8>], deadline: Option<u64>) -> Result<Reply> {
    match deadline {
        Some(deadline_ms) if !ctx.deny_blocking => {
            Err(Error::Block(BlockOn::keys(keys.to_vec(), deadline_ms, ctx.argv.to_vec())))
        }
        _ => Ok(Reply::NilArray),
    }
}

pub static BLPOP: CommandSpec = CommandSpec::new("blpop", -3, LIST, "2.0.0")
    .flags(&[Flag::Write, Flag::Blocking])
    .keys(1, -2, 1)
    .waits_for("list")
    .doc("key [key ...] timeout", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.")
    .run(|c, a| bpop(c, a, End::Left));
pub static BRPOP: CommandSpec = CommandSpec::new("brpop", -3, LIST, "2.0.0")
    .flags(&[Flag::Write, Flag::Blocking])
    .keys(1, -2, 1)
    .waits_for("list")
    .doc("key [key ...] timeout", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.")
    .run(|c, a| bpop(c, a, End::Right));

fn bpop(ctx: &mut Ctx, mut args: Args, end: End) -> Result<Reply> {
    let rest = args.rest();
    let (keys, timeout) = rest.split_at(rest.len() - 1);
    let deadline = parse_timeout(ctx, &timeout[0])?;
    for key in keys {
        if let Some(value) = list_at(ctx, key)?.and_then(|l| pop_end(l, end)) {
            ctx.modified(key);
            drop_if_empty(ctx, key);
            let command = if end == End::Left { "LPOP" } else { "RPOP" };
            ctx.propagate_as = Some(vec![command.as_bytes().to_vec(), key.clone()]);
            return Ok(Reply::Array(vec![Reply::Bulk(key.clone()), Reply::Bulk(value)]));
        }
    }
    block_or_nil(ctx, keys, Some(deadline))
}

pub static BLMOVE: CommandSpec = CommandSpec::new("blmove", 6, LIST, "6.2.0")
    .flags(&[Flag::Write, Flag::Blocking, Flag::DenyOom])
    .keys(1, 2, 1)
    .waits_for("list")
    .doc("source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.")
    .run(blmove);
pub static BRPOPLPUSH: CommandSpec = CommandSpec::new("brpoplpush", 4, LIST, "2.2.0")
    .flags(&[Flag::Write, Flag::Blocking, Flag::DenyOom])
    .keys(1, 2, 1)
    .waits_for("list")
    .doc("source destination timeout", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.")
    .run(brpoplpush);

fn blmove(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (src, dst) = (args.next()?, args.next()?);
    let (from, to) = (parse_end(args.next()?)?, parse_end(args.next()?)?);
    let deadline = parse_timeout(ctx, args.next()?)?;
    match move_one(ctx, src, dst, from, to)? {
        Some(reply) => {
            let mut argv = ctx.argv[..5].to_vec();
            argv[0] = b"LMOVE".to_vec();
            ctx.propagate_as = Some(argv);
            Ok(reply)
        }
        None => {
            block_or_nil(ctx, &[src.to_vec()], Some(deadline))
                .map(|r| if r == Reply::NilArray { Reply::Nil } else { r })
        }
    }
}

fn brpoplpush(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (src, dst) = (args.next()?, args.next()?);
    let deadline = parse_timeout(ctx, args.next()?)?;
    match move_one(ctx, src, dst, End::Right, End::Left)? {
        Some(reply) => {
            ctx.propagate_as = Some(vec![b"RPOPLPUSH".to_vec(), src.to_vec(), dst.to_vec()]);
            Ok(reply)
        }
        None => {
            block_or_nil(ctx, &[src.to_vec()], Some(deadline))
                .map(|r| if r == Reply::NilArray { Reply::Nil } else { r })
        }
    }
}
