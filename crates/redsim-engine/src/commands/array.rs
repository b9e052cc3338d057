//! Array commands (Redis 8.8): `ARSET`, `ARMSET`, `ARGET`, `ARMGET`, `ARINSERT`, `ARRING`,
//! `ARNEXT`, `ARSEEK`, `ARDEL`, `ARDELRANGE`, `ARGETRANGE`, `ARSCAN`, `ARLASTITEMS`, `ARCOUNT`,
//! `ARLEN`, `ARINFO`, `ARGREP`, `AROP`, with the replies, error texts, keyspace events (class `a`)
//! and dirty counts of Redis's `t_array.c`.
//!
//! Indexes run from 0 to 2^64-2 (2^64-1 is Redis's "no insert yet" mark, and only `ARSEEK`
//! takes it). The insert cursor is the last index `ARINSERT`/`ARRING` wrote.

use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::ld::LongDouble;
use crate::notify::ARRAY as EVENTS;
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::array::Limits;
use crate::value::{Array, Value};

const ARRAY: &str = "array";
const SINCE: &str = "8.8.0";

/// The most positions one `ARGETRANGE` or `ARLASTITEMS` walks (`AR_MAX_REPLY_ITEMS`).
const MAX_REPLY_ITEMS: u64 = 1_000_000;
const MAX_PREDICATES: usize = 250;
const MAX_RE_LEN: usize = 2048;

const W_FAST: &[Flag] = &[Flag::Write, Flag::DenyOom, Flag::Fast];
const W: &[Flag] = &[Flag::Write, Flag::DenyOom];
/// Writes that never add memory (deletes, the cursor).
const DEL_FAST: &[Flag] = &[Flag::Write, Flag::Fast];
const DEL: &[Flag] = &[Flag::Write];
const R_FAST: &[Flag] = &[Flag::ReadOnly, Flag::Fast];
const R: &[Flag] = &[Flag::ReadOnly];

/// Redis's `string2ull`: `string2ll` when that works (and is not negative), else `strtoull` on
/// the whole text (leading spaces and a sign allowed, a `-` negating modulo 2^64).
pub(crate) fn string2ull(bytes: &[u8]) -> Option<u64> {
    let text = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
    if let Some(n) = parse_i64(text) {
        return u64::try_from(n).ok();
    }
    let body = text.trim_ascii_start();
    let (neg, digits) = match body.first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    if text.is_empty() || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { n.wrapping_neg() } else { n })
}

/// An index (`getArrayIndexFromObject`): 2^64-1 only where `allow_max`.
fn index_of(arg: &[u8], allow_max: bool) -> Option<u64> {
    string2ull(arg).filter(|&i| allow_max || i != u64::MAX)
}

fn index(arg: &[u8]) -> Result<u64> {
    index_of(arg, false).ok_or_else(|| Error::other("ERR invalid array index"))
}

fn limits(ctx: &Ctx) -> Limits {
    ctx.server.config.array_limits()
}

fn array_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Array>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(Error::WrongType),
    }
}

/// `lookupArrayForWriteOrReply`: the array, created empty (with the configured slice size)
/// when missing.
fn array_or_create<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Array> {
    if array_at(ctx, key)?.is_none() {
        let slice_size = ctx.server.config.settings.number("array-slice-size") as u32;
        let (db, now) = (ctx.db_index(), ctx.now_ms);
        return match ctx.server.dbs[db].insert_at(key, Value::Array(Box::new(Array::new(slice_size))), false, now) {
            Value::Array(a) => Ok(a),
            _ => Err(Error::WrongType),
        };
    }
    array_at(ctx, key)?.ok_or(Error::WrongType)
}

/// A write's bookkeeping: the modified key, the event, and `dirty` raised by `changes`.
fn written(ctx: &mut Ctx, key: &[u8], event: &str, changes: u64) {
    ctx.modified(key);
    ctx.dirty += changes.saturating_sub(1);
    ctx.notify(EVENTS, event, key);
}

/// After a delete: the key goes when its last element went (`del` after the array event).
fn deleted(ctx: &mut Ctx, key: &[u8], event: &str, n: u64) {
    if n == 0 {
        return;
    }
    let empty = matches!(ctx.db().get(key), Some(Value::Array(a)) if a.is_empty());
    if empty {
        let db = ctx.db_index();
        ctx.server.dbs[db].remove(key);
    }
    written(ctx, key, event, n);
    if empty {
        let db = ctx.db_index();
        ctx.effect(|| crate::Effect::KeyDeleted { db, key: key.to_vec() });
        ctx.notify(crate::notify::GENERIC, "del", key);
    }
}

fn pair(index: u64, value: &[u8]) -> Reply {
    Reply::Array(vec![Reply::unsigned(index), Reply::bulk(value)])
}

fn arity_error(ctx: &Ctx) -> Error {
    let name = String::from_utf8_lossy(&ctx.argv[0]).to_lowercase();
    Error::WrongArity { name }
}

pub static ARSET: CommandSpec = CommandSpec::new("arset", -4, ARRAY, SINCE)
    .flags(W_FAST)
    .keys(1, 1, 1)
    .doc("key index value [value ...]", "Sets one or more contiguous values starting at an index in an array.")
    .run(arset);

fn arset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let start = index(args.next()?)?;
    let values = args.rest();
    let n = values.len() as u64;
    let last =
        start.checked_add(n - 1).filter(|&l| l != u64::MAX).ok_or_else(|| Error::other("ERR array index overflow"))?;
    let limits = limits(ctx);
    let a = array_or_create(ctx, key)?;
    let before = a.count();
    if n > 1 {
        a.prepare_range_set(start, last, limits);
    }
    for (k, v) in values.iter().enumerate() {
        a.set(start + k as u64, v.clone(), limits);
    }
    let added = a.count() - before;
    written(ctx, key, "arset", n);
    Ok(Reply::Integer(added as i64))
}

pub static ARMSET: CommandSpec = CommandSpec::new("armset", -4, ARRAY, SINCE)
    .flags(W_FAST)
    .keys(1, 1, 1)
    .doc("key index value [index value ...]", "Sets multiple index-value pairs in an array.")
    .run(armset);

fn armset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(arity_error(ctx));
    }
    let pairs = rest.chunks(2).map(|p| Ok((index(&p[0])?, &p[1]))).collect::<Result<Vec<_>>>()?;
    let limits = limits(ctx);
    let a = array_or_create(ctx, key)?;
    let before = a.count();
    for (i, v) in &pairs {
        a.set(*i, v.to_vec(), limits);
    }
    let added = a.count() - before;
    written(ctx, key, "armset", pairs.len() as u64);
    Ok(Reply::Integer(added as i64))
}

pub static ARGET: CommandSpec = CommandSpec::new("arget", 3, ARRAY, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key index", "Gets the value at an index in an array.")
    .run(arget);

fn arget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let a = array_at(ctx, key)?;
    let i = index(args.next()?)?;
    Ok(a.and_then(|a| a.get(i)).map_or(Reply::Nil, Reply::bulk))
}

pub static ARMGET: CommandSpec = CommandSpec::new("armget", -3, ARRAY, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key index [index ...]", "Gets values at multiple indices in an array.")
    .run(armget);

fn armget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let a = array_at(ctx, key)?;
    let indexes = args.rest().iter().map(|i| index(i)).collect::<Result<Vec<u64>>>()?;
    Ok(Reply::Array(
        indexes.iter().map(|&i| a.as_ref().and_then(|a| a.get(i)).map_or(Reply::Nil, Reply::bulk)).collect(),
    ))
}

pub static ARINSERT: CommandSpec = CommandSpec::new("arinsert", -3, ARRAY, SINCE)
    .flags(W_FAST)
    .keys(1, 1, 1)
    .doc("key value [value ...]", "Inserts one or more values at consecutive indices.")
    .run(arinsert);

fn arinsert(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let values = args.rest();
    let n = values.len() as u64;
    let limits = limits(ctx);
    let a = array_or_create(ctx, key)?;
    let overflow = || Error::other("ERR insert index overflow");
    let start = match a.insert_idx() {
        None => 0,
        Some(i) if i >= u64::MAX - 1 => return Err(overflow()),
        Some(i) => i + 1,
    };
    let last = start.checked_add(n - 1).filter(|&l| l != u64::MAX).ok_or_else(overflow)?;
    if n > 1 {
        a.prepare_range_set(start, last, limits);
    }
    for (k, v) in values.iter().enumerate() {
        a.set(start + k as u64, v.clone(), limits);
    }
    a.set_insert_idx(Some(last));
    written(ctx, key, "arinsert", n);
    Ok(Reply::unsigned(last))
}

pub static ARRING: CommandSpec = CommandSpec::new("arring", -4, ARRAY, SINCE)
    .flags(W)
    .keys(1, 1, 1)
    .doc(
        "key size value [value ...]",
        "Inserts values into a ring buffer of specified size, wrapping and truncating as needed.",
    )
    .run(arring);

/// `arRingRework`: the newest run of elements (walking back from the cursor inside the old span,
/// stopping at the first hole, at most `keep`) copied oldest first to indexes 0, 1, ... of a
/// new array.
fn ring_rework(a: &Array, old_span: u64, keep: u64, slice_size: u32, limits: Limits) -> Array {
    let anchor = a.insert_idx().map_or(old_span - 1, |i| i % old_span);
    let mut kept = Vec::new();
    let mut at = anchor;
    while (kept.len() as u64) < keep {
        let Some(v) = a.get(at) else { break };
        kept.push(v.clone());
        at = if at == 0 { old_span - 1 } else { at - 1 };
    }
    let mut fresh = Array::new(slice_size);
    let n = kept.len() as u64;
    for (i, v) in kept.into_iter().rev().enumerate() {
        fresh.set(i as u64, v, limits);
    }
    if n > 0 {
        fresh.set_insert_idx(Some(n - 1));
    }
    fresh
}

fn arring(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let size = parse_i64(args.next()?).ok_or_else(|| Error::other("ERR invalid size"))?;
    if size <= 0 {
        return Err(Error::other("ERR size must be positive"));
    }
    let size = size as u64;
    let values = args.rest();
    let limits = limits(ctx);
    let slice_size = ctx.server.config.settings.number("array-slice-size") as u32;
    let a = array_or_create(ctx, key)?;
    // A ring made smaller, or made larger after it wrapped, keeps its newest elements in order.
    let span = a.len();
    let next = a.insert_idx().map_or(0, |i| i.wrapping_add(1));
    let keep = if span == 0 || size == span {
        None
    } else if size < span {
        Some(size)
    } else if a.insert_idx().is_some() && next < span {
        Some(span)
    } else {
        None
    };
    if let Some(keep) = keep {
        *a = ring_rework(a, span, keep, slice_size, limits);
    }
    let mut cursor = 0;
    for v in values {
        cursor = a.insert_idx().map_or(0, |i| i.wrapping_add(1));
        if cursor >= size {
            cursor %= size;
        }
        a.set(cursor, v.clone(), limits);
        a.set_insert_idx(Some(cursor));
    }
    written(ctx, key, "arring", values.len() as u64);
    Ok(Reply::unsigned(cursor))
}

pub static ARNEXT: CommandSpec = CommandSpec::new("arnext", 2, ARRAY, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key", "Returns the next index ARINSERT would use.")
    .run(arnext);

fn arnext(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(match array_at(ctx, key)?.map(|a| a.insert_idx()) {
        None | Some(None) => Reply::Integer(0),
        Some(Some(i)) if i == u64::MAX - 1 => Reply::Nil,
        Some(Some(i)) => Reply::unsigned(i + 1),
    })
}

pub static ARSEEK: CommandSpec = CommandSpec::new("arseek", 3, ARRAY, SINCE)
    .flags(DEL_FAST)
    .keys(1, 1, 1)
    .doc("key index", "Sets the ARINSERT / ARRING cursor to a specific index.")
    .run(arseek);

fn arseek(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let i = index_of(args.next()?, true).ok_or_else(|| Error::other("ERR invalid array index"))?;
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    a.set_insert_idx(i.checked_sub(1));
    written(ctx, key, "arseek", 1);
    Ok(Reply::Integer(1))
}

pub static ARDEL: CommandSpec = CommandSpec::new("ardel", -3, ARRAY, SINCE)
    .flags(DEL_FAST)
    .keys(1, 1, 1)
    .doc("key index [index ...]", "Deletes elements at the specified indices in an array.")
    .run(ardel);

fn ardel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let indexes = args.rest().iter().map(|i| index(i)).collect::<Result<Vec<u64>>>()?;
    let limits = limits(ctx);
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let n = indexes.iter().filter(|&&i| a.delete(i, limits)).count() as u64;
    deleted(ctx, key, "ardel", n);
    Ok(Reply::Integer(n as i64))
}

pub static ARDELRANGE: CommandSpec = CommandSpec::new("ardelrange", -4, ARRAY, SINCE)
    .flags(DEL)
    .keys(1, 1, 1)
    .doc("key start end [start end ...]", "Deletes elements in one or more ranges.")
    .run(ardelrange);

fn ardelrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(arity_error(ctx));
    }
    let ranges = rest
        .chunks(2)
        .map(|p| {
            let (a, b) = (index(&p[0])?, index(&p[1])?);
            Ok((a.min(b), a.max(b)))
        })
        .collect::<Result<Vec<_>>>()?;
    let limits = limits(ctx);
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let n: u64 = ranges.into_iter().map(|(lo, hi)| a.delete_range(lo, hi, limits)).sum();
    deleted(ctx, key, "ardelrange", n);
    Ok(Reply::unsigned(n))
}

pub static ARGETRANGE: CommandSpec = CommandSpec::new("argetrange", 4, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key start end", "Gets values in a range of indices.")
    .run(argetrange);

fn argetrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (index(args.next()?)?, index(args.next()?)?);
    let a = array_at(ctx, key)?;
    let (lo, hi) = (start.min(end), start.max(end));
    if hi - lo >= MAX_REPLY_ITEMS {
        return Err(Error::other(format!("ERR range exceeds maximum of {MAX_REPLY_ITEMS} items")));
    }
    let mut out = vec![Reply::Nil; (hi - lo + 1) as usize];
    if let Some(a) = a {
        for (i, v) in a.range(lo, hi) {
            out[(i - lo) as usize] = Reply::bulk(v);
        }
    }
    if start > end {
        out.reverse();
    }
    Ok(Reply::Array(out))
}

pub static ARSCAN: CommandSpec = CommandSpec::new("arscan", -4, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key start end [LIMIT limit]", "Iterates existing elements in a range, returning index-value pairs.")
    .run(arscan);

fn limit_of(arg: &[u8]) -> Result<u64> {
    match parse_i64(arg) {
        None => Err(Error::NotInteger),
        Some(n) if n <= 0 => Err(Error::other("ERR LIMIT must be positive")),
        Some(n) => Ok(n as u64),
    }
}

/// The elements in `start..=end`, backwards when `start > end`.
fn walk(a: &Array, start: u64, end: u64) -> Box<dyn Iterator<Item = (u64, &Vec<u8>)> + '_> {
    let items = a.range(start.min(end), start.max(end));
    if start > end {
        Box::new(items.rev())
    } else {
        Box::new(items)
    }
}

fn arscan(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (index(args.next()?)?, index(args.next()?)?);
    let limit = match args.rest() {
        [] => u64::MAX,
        [word, n] if word.eq_ignore_ascii_case(b"LIMIT") => limit_of(n)?,
        [_, _] => return Err(Error::Syntax),
        _ => return Err(arity_error(ctx)),
    };
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    Ok(Reply::Array(walk(a, start, end).take(take).map(|(i, v)| pair(i, v)).collect()))
}

pub static ARLASTITEMS: CommandSpec = CommandSpec::new("arlastitems", -3, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key count [REV]", "Returns the most recently inserted elements.")
    .run(arlastitems);

fn arlastitems(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = parse_i64(args.next()?).ok_or_else(|| Error::other("ERR invalid COUNT"))?;
    if count <= 0 {
        return Ok(Reply::Array(Vec::new()));
    }
    let rev = match args.rest() {
        [] => false,
        [word] if word.eq_ignore_ascii_case(b"REV") => true,
        [_] => return Err(Error::Syntax),
        _ => return Err(arity_error(ctx)),
    };
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let len = a.len();
    let wanted = (count as u64).min(len);
    if wanted > a.count() && wanted > MAX_REPLY_ITEMS {
        return Err(Error::other(format!("ERR count exceeds maximum of {MAX_REPLY_ITEMS} items")));
    }
    // Positions (holes included) walking back from the cursor, wrapping at the array's end.
    let mut at = match a.insert_idx() {
        Some(i) if i < len => i,
        _ => len - 1,
    };
    let mut newest_first = Vec::with_capacity(wanted as usize);
    for _ in 0..wanted {
        newest_first.push(a.get(at).map_or(Reply::Nil, Reply::bulk));
        at = if at == 0 { len - 1 } else { at - 1 };
    }
    if !rev {
        newest_first.reverse();
    }
    Ok(Reply::Array(newest_first))
}

pub static ARCOUNT: CommandSpec = CommandSpec::new("arcount", 2, ARRAY, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key", "Returns the number of non-empty elements in an array.")
    .run(arcount);

fn arcount(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::unsigned(array_at(ctx, key)?.map_or(0, |a| a.count())))
}

pub static ARLEN: CommandSpec = CommandSpec::new("arlen", 2, ARRAY, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key", "Returns the length of an array (max index + 1).")
    .run(arlen);

fn arlen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::unsigned(array_at(ctx, key)?.map_or(0, |a| a.len())))
}

pub static ARINFO: CommandSpec = CommandSpec::new("arinfo", -2, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key [FULL]", "Returns metadata about an array.")
    .run(arinfo);

fn arinfo(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let full = match args.rest() {
        [] => false,
        [word] if word.eq_ignore_ascii_case(b"FULL") => true,
        _ => return Err(Error::Syntax),
    };
    let Some(a) = array_at(ctx, key)? else { return Err(Error::other("ERR no such key")) };
    let info = a.info();
    let field = |name: &str, value: Reply| (Reply::bulk(name), value);
    let next = match a.insert_idx() {
        None => 0,
        Some(i) if i == u64::MAX - 1 => 0,
        Some(i) => i + 1,
    };
    let mut map = vec![
        field("count", Reply::unsigned(a.count())),
        field("len", Reply::unsigned(a.len())),
        field("next-insert-index", Reply::unsigned(next)),
        field("slices", Reply::unsigned(info.slices)),
        field("directory-size", Reply::unsigned(info.directory_size)),
        field("super-dir-entries", Reply::unsigned(info.super_dir_entries)),
        field("slice-size", Reply::Integer(i64::from(info.slice_size))),
    ];
    if full {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        map.extend([
            field("dense-slices", Reply::unsigned(info.dense)),
            field("sparse-slices", Reply::unsigned(info.sparse)),
            field("avg-dense-size", Reply::Double(ratio(info.dense_window_total, info.dense))),
            field("avg-dense-fill", Reply::Double(ratio(info.dense_count_total, info.dense_window_total))),
            field("avg-sparse-size", Reply::Double(ratio(info.sparse_cap_total, info.sparse))),
        ]);
    }
    Ok(Reply::Map(map))
}

enum Predicate {
    Exact(Vec<u8>),
    Substring(Vec<u8>),
    Glob(Vec<u8>),
    Re(regex_lite::Regex),
}

impl Predicate {
    fn matches(&self, value: &[u8], nocase: bool) -> bool {
        let eq = |a: &[u8], b: &[u8]| if nocase { a.eq_ignore_ascii_case(b) } else { a == b };
        match self {
            Predicate::Exact(s) => eq(value, s),
            Predicate::Substring(s) => s.is_empty() || value.windows(s.len()).any(|w| eq(w, s)),
            Predicate::Glob(p) => crate::glob::matches(p, value, nocase),
            Predicate::Re(re) => re.is_match(&String::from_utf8_lossy(value)),
        }
    }
}

pub static ARGREP: CommandSpec = CommandSpec::new("argrep", -6, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc(
        "key start end <EXACT string | MATCH string | GLOB pattern | RE pattern> [<EXACT string | MATCH string | GLOB pattern | RE pattern> ...] [AND | OR] [LIMIT limit] [WITHVALUES] [NOCASE]",
        "Searches array elements in a range using textual predicates.",
    )
    .run(argrep);

/// `-` (the first index), `+` (the last) or an index.
#[derive(Clone, Copy)]
enum Bound {
    First,
    Last,
    At(u64),
}

fn bound(arg: &[u8]) -> Result<Bound> {
    match arg {
        b"-" => Ok(Bound::First),
        b"+" => Ok(Bound::Last),
        _ => index(arg).map(Bound::At),
    }
}

/// A POSIX extended regular expression (`REG_EXTENDED`) as the regex engine reads it; `None`
/// when it uses a back-reference, which Redis refuses.
fn compile_re(pattern: &[u8], nocase: bool) -> Result<regex_lite::Regex> {
    if pattern.is_empty() {
        return Err(Error::other("ERR regular expression is empty"));
    }
    let has_backref = pattern.windows(2).any(|w| w[0] == b'\\' && (b'1'..=b'9').contains(&w[1]));
    let text = String::from_utf8_lossy(pattern);
    let re =
        regex_lite::RegexBuilder::new(&text).case_insensitive(nocase).size_limit(1 << 20).build().map_err(|e| {
            if has_backref {
                Error::other("ERR regular expression backreferences are not supported")
            } else {
                Error::other(format!("ERR invalid regular expression: {}", re_error_text(&e.to_string())))
            }
        })?;
    if has_backref {
        return Err(Error::other("ERR regular expression backreferences are not supported"));
    }
    Ok(re)
}

/// TRE's `regerror` text for the mistake the regex engine names.
fn re_error_text(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    let has = |words: &str| m.contains(words);
    if has("without closing ')'") || has("without matching '('") {
        "Missing ')'"
    } else if has("no closing bracket") {
        "Missing ']'"
    } else if has("unclosed counted repetition") {
        "Missing '}'"
    } else if has("min bigger than its max") || has("counted repetition") {
        "Invalid contents of {}"
    } else if has("end of pattern") && has("escape") {
        "Trailing backslash"
    } else if has("invalid range") {
        "Invalid character range"
    } else if has("repetition operator") {
        "Invalid use of repetition operators"
    } else {
        "Invalid regexp"
    }
}

fn argrep(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (bound(args.next()?)?, bound(args.next()?)?);
    let (mut words, mut all, mut limit, mut with_values, mut nocase) = (Vec::new(), false, u64::MAX, false, false);
    let rest = args.rest();
    let mut i = 0;
    while i < rest.len() {
        let word = rest[i].to_ascii_uppercase();
        match word.as_slice() {
            b"EXACT" | b"MATCH" | b"GLOB" | b"RE" => {
                let pattern = rest.get(i + 1).ok_or(Error::Syntax)?;
                if words.len() >= MAX_PREDICATES {
                    return Err(Error::other(format!("ERR too many predicates, maximum is {MAX_PREDICATES}")));
                }
                if word == b"RE" && pattern.len() > MAX_RE_LEN {
                    return Err(Error::other(format!(
                        "ERR regular expression is too long, maximum is {MAX_RE_LEN} bytes"
                    )));
                }
                words.push((word, pattern));
                i += 2;
            }
            b"LIMIT" => {
                limit = limit_of(rest.get(i + 1).ok_or(Error::Syntax)?)?;
                i += 2;
            }
            b"WITHVALUES" | b"NOCASE" | b"AND" | b"OR" => {
                match word.as_slice() {
                    b"WITHVALUES" => with_values = true,
                    b"NOCASE" => nocase = true,
                    b"AND" => all = true,
                    _ => all = false,
                }
                i += 1;
            }
            _ => return Err(Error::Syntax),
        }
    }
    if words.is_empty() {
        return Err(Error::Syntax);
    }
    let mut predicates = Vec::new();
    for (word, pattern) in words {
        predicates.push(match word.as_slice() {
            b"EXACT" => Predicate::Exact(pattern.clone()),
            b"MATCH" => Predicate::Substring(pattern.clone()),
            b"GLOB" => Predicate::Glob(pattern.clone()),
            _ => Predicate::Re(compile_re(pattern, nocase)?),
        });
    }
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    if a.is_empty() {
        return Ok(Reply::Array(Vec::new()));
    }
    let max_index = a.len() - 1;
    let resolve = |b: Bound| match b {
        Bound::First => 0,
        Bound::Last => max_index,
        Bound::At(i) => i,
    };
    let hit = |v: &[u8]| {
        if all {
            predicates.iter().all(|p| p.matches(v, nocase))
        } else {
            predicates.iter().any(|p| p.matches(v, nocase))
        }
    };
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let found = walk(a, resolve(start), resolve(end)).filter(|(_, v)| hit(v)).take(take);
    Ok(Reply::Array(found.map(|(i, v)| if with_values { pair(i, v) } else { Reply::unsigned(i) }).collect()))
}

pub static AROP: CommandSpec = CommandSpec::new("arop", -5, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc(
        "key start end <SUM | MIN | MAX | AND | OR | XOR | MATCH value | USED>",
        "Performs aggregate operations on array elements in a range.",
    )
    .run(arop);

/// An element as `AROP` reads it: an integer, a number, or neither (skipped).
enum Num {
    Int(i64),
    Float(LongDouble),
}

/// Whether Redis keeps the text as an immediate double (`arTryEncodeFloat`): digits with one
/// point, whose double has its two lowest bits clear and prints back (as `d2string` prints it,
/// `.0` restored on whole numbers) as exactly the text.
fn immediate_double(text: &[u8]) -> Option<f64> {
    let body = text.strip_prefix(b"-").unwrap_or(text);
    if body.is_empty() || body.iter().filter(|&&b| b == b'.').count() != 1 {
        return None;
    }
    if !body.iter().all(|&b| b == b'.' || b.is_ascii_digit()) {
        return None;
    }
    let d: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    if !d.is_finite() || d.to_bits() & 3 != 0 {
        return None;
    }
    let printed = d2string(d)?;
    let s = std::str::from_utf8(text).ok()?;
    (printed == s || format!("{printed}.0") == s).then_some(d)
}

/// Redis's `d2string` for a finite double (integers as integers, else `fpconv_dtoa`'s shortest
/// digits); `None` where it would use exponent notation, which no immediate double's text has.
fn d2string(d: f64) -> Option<String> {
    if d == 0.0 {
        return Some(if d.is_sign_negative() { "-0" } else { "0" }.into());
    }
    const HALF: f64 = (i64::MAX / 2) as f64;
    if (-HALF..=HALF).contains(&d) && d.fract() == 0.0 {
        return Some(format!("{}", d as i64));
    }
    // The shortest digits and the exponent of the last one (fpconv's K).
    let sci = format!("{:e}", d.abs());
    let (mantissa, exp) = sci.split_once('e')?;
    let exp: i64 = exp.parse().ok()?;
    let ndigits = mantissa.chars().filter(char::is_ascii_digit).count() as i64;
    let k = exp - ndigits + 1;
    let plain = if k >= 0 { exp.abs() < ndigits + 7 } else { k > -7 || exp.abs() < 4 };
    plain.then(|| format!("{d}"))
}

/// Whether Redis keeps a value inside its slot (an integer of 62 bits, an immediate double, a
/// string of up to 7 bytes) rather than in an allocation of its own.
pub(crate) fn value_inline(v: &[u8]) -> bool {
    const LIMIT: i64 = 1 << 61;
    v.len() <= 7 || parse_i64(v).is_some_and(|i| (-LIMIT..LIMIT).contains(&i)) || immediate_double(v).is_some()
}

fn numeric(v: &[u8]) -> Option<Num> {
    if let Some(i) = parse_i64(v) {
        return Some(Num::Int(i));
    }
    if let Some(d) = immediate_double(v) {
        return Some(Num::Float(LongDouble::from_f64(d)));
    }
    if v.is_empty() || v.len() >= 5 * 1024 {
        return None;
    }
    LongDouble::parse(std::str::from_utf8(v).ok()?).map(Num::Float)
}

fn arop(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (index(args.next()?)?, index(args.next()?)?);
    let op = args.next()?.to_ascii_uppercase();
    if !matches!(op.as_slice(), b"SUM" | b"MIN" | b"MAX" | b"AND" | b"OR" | b"XOR" | b"MATCH" | b"USED") {
        return Err(Error::other("ERR unknown operation"));
    }
    let rest = args.rest();
    let wanted = match (op.as_slice(), rest) {
        (b"MATCH", [value]) => Some(value.as_slice()),
        (b"MATCH", _) => return Err(Error::other("ERR MATCH requires a value argument")),
        (_, []) => None,
        _ => return Err(arity_error(ctx)),
    };
    let Some(a) = array_at(ctx, key)? else {
        return Ok(match op.as_slice() {
            b"MATCH" | b"USED" => Reply::Integer(0),
            _ => Reply::Nil,
        });
    };
    let values = walk(a, start, end).map(|(_, v)| v);
    Ok(match op.as_slice() {
        b"USED" => Reply::Integer(values.count() as i64),
        b"MATCH" => Reply::Integer(values.filter(|v| Some(v.as_slice()) == wanted).count() as i64),
        b"AND" | b"OR" | b"XOR" => {
            let ints = values.filter_map(|v| match numeric(v)? {
                Num::Int(i) => Some(i),
                Num::Float(ld) => ld.trunc_i64(),
            });
            let folded = ints.reduce(|acc, i| match op.as_slice() {
                b"AND" => acc & i,
                b"OR" => acc | i,
                _ => acc ^ i,
            });
            folded.map_or(Reply::Nil, Reply::Integer)
        }
        _ => {
            let mut acc: Option<LongDouble> = None;
            let mut nan = false;
            for n in values.filter_map(|v| numeric(v)) {
                let n = match n {
                    Num::Int(i) => LongDouble::from_i64(i),
                    Num::Float(ld) => ld,
                };
                acc = Some(match acc {
                    None => n,
                    Some(a) => match op.as_slice() {
                        b"SUM" => {
                            // Infinities of both signs make NaN (x87's negative "indefinite").
                            nan |= matches!((a, n), (LongDouble::Inf { neg: x }, LongDouble::Inf { neg: y }) if x != y);
                            a + n
                        }
                        b"MIN" if n.compare(a).is_lt() => n,
                        b"MAX" if n.compare(a).is_gt() => n,
                        _ => a,
                    },
                });
            }
            match acc {
                None => Reply::Nil,
                Some(_) if nan => Reply::bulk("-nan"),
                Some(total) => Reply::bulk(total.auto()),
            }
        }
    })
}

#[cfg(test)]
mod tests;
