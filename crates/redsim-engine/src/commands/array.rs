//! Array commands (Redis 8.8), following redis.io's pages: `ARSET`, `ARGET`, `ARMSET`, `ARMGET`,
//! `ARINSERT`, `ARRING`, `ARNEXT`, `ARSEEK`, `ARDEL`, `ARDELRANGE`, `ARGETRANGE`, `ARSCAN`,
//! `ARLASTITEMS`, `ARCOUNT`, `ARLEN`, `ARINFO`, `ARGREP`, `AROP`.
//!
//! Indexes are unsigned 64-bit numbers. Where the pages give no error text, the texts are the
//! ones Redis uses for the same mistake elsewhere (a bad number, a count that must be positive);
//! the few new ones are listed in docs/COMMANDS.md ("Chosen here").

use super::drop_if_empty;
use crate::args::{parse_i64, parse_u64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::ld::LongDouble;
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::{Array, Value};

const ARRAY: &str = "array";
const SINCE: &str = "8.8.0";

/// The most positions one `ARGETRANGE` returns (redis.io, "Limits").
const MAX_RANGE: u64 = 1_000_000;

const W: &[Flag] = &[Flag::Write, Flag::DenyOom, Flag::Fast];
const W_SLOW: &[Flag] = &[Flag::Write];
const R: &[Flag] = &[Flag::ReadOnly, Flag::Fast];
const R_SLOW: &[Flag] = &[Flag::ReadOnly];

fn index(arg: &[u8]) -> Result<u64> {
    parse_u64(arg).ok_or(Error::NotInteger)
}

/// A count that must be at least 1 (`ARRING`'s size, `LIMIT`).
fn positive(arg: &[u8]) -> Result<u64> {
    match parse_i64(arg) {
        None => Err(Error::NotInteger),
        Some(n) if n <= 0 => Err(Error::other("ERR value is out of range, must be positive")),
        Some(n) => Ok(n as u64),
    }
}

/// A number of Redsim's arrays that may not fit a signed integer reply (a length of 2^64, an
/// index past 2^63): those come as bulk strings of their decimal digits.
fn number(n: u128) -> Reply {
    match i64::try_from(n) {
        Ok(n) => Reply::Integer(n),
        Err(_) => Reply::bulk(n.to_string()),
    }
}

fn array_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Array>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(Error::WrongType),
    }
}

/// The array at `key`, created empty when missing (the caller writes to it at once).
fn array_or_create<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Array> {
    if array_at(ctx, key)?.is_none() {
        let (db, now) = (ctx.db_index(), ctx.now_ms);
        return match ctx.server.dbs[db].insert_at(key, Value::Array(Box::new(Array::new())), false, now) {
            Value::Array(a) => Ok(a),
            _ => Err(Error::WrongType),
        };
    }
    array_at(ctx, key)?.ok_or(Error::WrongType)
}

fn index_pair(index: u64, value: &[u8]) -> Reply {
    Reply::Array(vec![number(index.into()), Reply::bulk(value)])
}

pub static ARSET: CommandSpec = CommandSpec::new("arset", -4, ARRAY, SINCE)
    .flags(W)
    .keys(1, 1, 1)
    .doc("key index value [value ...]", "Sets one or more contiguous values starting at an index in an array.")
    .run(arset);

fn arset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let start = index(args.next()?)?;
    let values = args.rest();
    if start.checked_add(values.len() as u64 - 1).is_none() {
        return Err(Error::other("ERR index out of range"));
    }
    let a = array_or_create(ctx, key)?;
    // (Not `start..`: that range would step past 2^64-1 after the last value.)
    let added = values.iter().enumerate().filter(|(k, v)| a.set(start + *k as u64, v.to_vec())).count();
    ctx.modified(key);
    Ok(Reply::Integer(added as i64))
}

pub static ARMSET: CommandSpec = CommandSpec::new("armset", -4, ARRAY, SINCE)
    .flags(W)
    .keys(1, 1, 1)
    .doc("key index value [index value ...]", "Sets multiple index-value pairs in an array.")
    .run(armset);

fn armset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let rest = args.rest();
    if rest.len() % 2 != 0 {
        return Err(Error::WrongArity { name: "armset".into() });
    }
    let pairs = rest.chunks(2).map(|p| Ok((index(&p[0])?, p[1].clone()))).collect::<Result<Vec<(u64, Vec<u8>)>>>()?;
    let a = array_or_create(ctx, key)?;
    let added = pairs.into_iter().filter(|(i, v)| a.set(*i, v.clone())).count();
    ctx.modified(key);
    Ok(Reply::Integer(added as i64))
}

pub static ARGET: CommandSpec = CommandSpec::new("arget", 3, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key index", "Gets the value at an index in an array.")
    .run(arget);

fn arget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let i = index(args.next()?)?;
    Ok(array_at(ctx, key)?.and_then(|a| a.get(i)).map_or(Reply::Nil, Reply::bulk))
}

pub static ARMGET: CommandSpec = CommandSpec::new("armget", -3, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key index [index ...]", "Gets values at multiple indices in an array.")
    .run(armget);

fn armget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let indexes = args.rest().iter().map(|a| index(a)).collect::<Result<Vec<u64>>>()?;
    let a = array_at(ctx, key)?;
    Ok(Reply::Array(
        indexes.iter().map(|&i| a.as_ref().and_then(|a| a.get(i)).map_or(Reply::Nil, Reply::bulk)).collect(),
    ))
}

fn cursor_exhausted() -> Error {
    Error::other("ERR array insert cursor exhausted")
}

pub static ARINSERT: CommandSpec = CommandSpec::new("arinsert", -3, ARRAY, SINCE)
    .flags(W)
    .keys(1, 1, 1)
    .doc("key value [value ...]", "Inserts one or more values at consecutive indices.")
    .run(arinsert);

fn arinsert(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let values = args.rest();
    // All or nothing: the cursor must have room for every value.
    if let Some(a) = array_at(ctx, key)? {
        let room = a.next_insert().map_or(0, |n| u128::from(u64::MAX - n) + 1);
        if room < values.len() as u128 {
            return Err(cursor_exhausted());
        }
    }
    let a = array_or_create(ctx, key)?;
    let mut last = 0;
    for v in values {
        last = a.insert(v.clone()).ok_or_else(cursor_exhausted)?;
    }
    ctx.modified(key);
    Ok(number(last.into()))
}

pub static ARRING: CommandSpec = CommandSpec::new("arring", -4, ARRAY, SINCE)
    .flags(W)
    .keys(1, 1, 1)
    .doc(
        "key size value [value ...]",
        "Inserts values into a ring buffer of specified size, wrapping and truncating as needed.",
    )
    .run(arring);

fn arring(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let size = positive(args.next()?)?;
    let values = args.rest();
    let a = array_or_create(ctx, key)?;
    a.truncate(size);
    let mut last = 0;
    for v in values {
        last = a.ring_insert(size, v.clone());
    }
    ctx.modified(key);
    Ok(number(last.into()))
}

pub static ARNEXT: CommandSpec = CommandSpec::new("arnext", 2, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key", "Returns the next index ARINSERT would use.")
    .run(arnext);

fn arnext(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(match array_at(ctx, key)? {
        None => Reply::Integer(0),
        Some(a) => a.next_insert().map_or(Reply::Nil, |n| number(n.into())),
    })
}

pub static ARSEEK: CommandSpec = CommandSpec::new("arseek", 3, ARRAY, SINCE)
    .flags(W)
    .keys(1, 1, 1)
    .doc("key index", "Sets the ARINSERT / ARRING cursor to a specific index.")
    .run(arseek);

fn arseek(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let i = index(args.next()?)?;
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    a.seek(i);
    ctx.modified(key);
    Ok(Reply::Integer(1))
}

pub static ARDEL: CommandSpec = CommandSpec::new("ardel", -3, ARRAY, SINCE)
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key index [index ...]", "Deletes elements at the specified indices in an array.")
    .run(ardel);

fn ardel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let indexes = args.rest().iter().map(|a| index(a)).collect::<Result<Vec<u64>>>()?;
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let deleted = indexes.iter().filter(|&&i| a.delete(i)).count();
    if deleted > 0 {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Reply::Integer(deleted as i64))
}

pub static ARDELRANGE: CommandSpec = CommandSpec::new("ardelrange", -4, ARRAY, SINCE)
    .flags(W_SLOW)
    .keys(1, 1, 1)
    .doc("key start end [start end ...]", "Deletes elements in one or more ranges.")
    .run(ardelrange);

fn ardelrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let rest = args.rest();
    if rest.len() % 2 != 0 {
        return Err(Error::WrongArity { name: "ardelrange".into() });
    }
    let ranges = rest
        .chunks(2)
        .map(|p| {
            let (a, b) = (index(&p[0])?, index(&p[1])?);
            Ok(a.min(b)..=a.max(b))
        })
        .collect::<Result<Vec<_>>>()?;
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let deleted: usize = ranges.into_iter().map(|r| a.delete_range(r)).sum();
    if deleted > 0 {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Reply::Integer(deleted as i64))
}

pub static ARGETRANGE: CommandSpec = CommandSpec::new("argetrange", 4, ARRAY, SINCE)
    .flags(R_SLOW)
    .keys(1, 1, 1)
    .doc("key start end", "Gets values in a range of indices.")
    .run(argetrange);

fn argetrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (index(args.next()?)?, index(args.next()?)?);
    let (low, high) = (start.min(end), start.max(end));
    if high - low >= MAX_RANGE {
        return Err(Error::other(format!("ERR ARGETRANGE can return at most {MAX_RANGE} elements")));
    }
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let mut out = vec![Reply::Nil; (high - low + 1) as usize];
    for (i, v) in a.range(low..=high) {
        out[(i - low) as usize] = Reply::bulk(v);
    }
    if start > end {
        out.reverse();
    }
    Ok(Reply::Array(out))
}

/// `LIMIT n` at the end of `ARSCAN`.
fn scan_limit(args: &mut Args) -> Result<Option<u64>> {
    let mut limit = None;
    while !args.is_empty() {
        if args.eat("LIMIT") {
            limit = Some(positive(args.next()?)?);
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(limit)
}

pub static ARSCAN: CommandSpec = CommandSpec::new("arscan", -4, ARRAY, SINCE)
    .flags(R_SLOW)
    .keys(1, 1, 1)
    .doc("key start end [LIMIT limit]", "Iterates existing elements in a range, returning index-value pairs.")
    .run(arscan);

fn arscan(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (index(args.next()?)?, index(args.next()?)?);
    let limit = scan_limit(&mut args)?.unwrap_or(u64::MAX);
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let range = a.range(start.min(end)..=start.max(end));
    let items: Box<dyn Iterator<Item = (u64, &Vec<u8>)>> =
        if start > end { Box::new(range.rev()) } else { Box::new(range) };
    Ok(Reply::Array(items.take(usize::try_from(limit).unwrap_or(usize::MAX)).map(|(i, v)| index_pair(i, v)).collect()))
}

pub static ARLASTITEMS: CommandSpec = CommandSpec::new("arlastitems", -3, ARRAY, SINCE)
    .flags(R_SLOW)
    .keys(1, 1, 1)
    .doc("key count [REV]", "Returns the most recently inserted elements.")
    .run(arlastitems);

fn arlastitems(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = match parse_i64(args.next()?) {
        None => return Err(Error::NotInteger),
        Some(n) if n < 0 => return Err(Error::other("ERR value is out of range, must be positive")),
        Some(n) => n as usize,
    };
    let rev = args.eat("REV");
    if !args.is_empty() {
        return Err(Error::Syntax);
    }
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let mut items: Vec<Reply> = a.newest_first().take(count).map(|(_, v)| Reply::bulk(v)).collect();
    if !rev {
        items.reverse();
    }
    Ok(Reply::Array(items))
}

pub static ARCOUNT: CommandSpec = CommandSpec::new("arcount", 2, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key", "Returns the number of non-empty elements in an array.")
    .run(arcount);

fn arcount(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(array_at(ctx, key)?.map_or(0, |a| a.count() as i64)))
}

pub static ARLEN: CommandSpec = CommandSpec::new("arlen", 2, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key", "Returns the length of an array (max index + 1).")
    .run(arlen);

fn arlen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(number(array_at(ctx, key)?.map_or(0, |a| a.len())))
}

pub static ARINFO: CommandSpec = CommandSpec::new("arinfo", -2, ARRAY, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key [FULL]", "Returns metadata about an array.")
    .run(arinfo);

fn arinfo(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let full = args.eat("FULL");
    if !args.is_empty() {
        return Err(Error::Syntax);
    }
    let settings = &ctx.server.config.settings;
    let slice_size = settings.number("array-slice-size").max(1) as u64;
    let sparse_max = settings.number("array-sparse-kmax").max(0) as u64;
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Nil) };
    let s = a.slices(slice_size, sparse_max);
    let field = |name: &str, value: Reply| (Reply::bulk(name), value);
    let mut map = vec![
        field("count", Reply::Integer(a.count() as i64)),
        field("len", number(a.len())),
        field("next-insert-index", a.next_insert().map_or(Reply::Nil, |n| number(n.into()))),
        field("slices", Reply::Integer(s.slices as i64)),
        field("directory-size", Reply::Integer(s.directory_size as i64)),
        field("super-dir-entries", Reply::Integer(s.super_dir_entries as i64)),
        field("slice-size", Reply::Integer(s.slice_size as i64)),
    ];
    if full {
        let average = |elements: u64, slices: u64| if slices == 0 { 0.0 } else { elements as f64 / slices as f64 };
        let fill = |elements: u64, slices: u64| 100.0 * average(elements, slices) / s.slice_size as f64;
        let two = |x: f64| Reply::bulk(format!("{x:.2}"));
        map.extend([
            field("dense-slices", Reply::Integer(s.dense as i64)),
            field("sparse-slices", Reply::Integer(s.sparse as i64)),
            field("dense-avg-count", two(average(s.dense_elements, s.dense))),
            field("sparse-avg-count", two(average(s.sparse_elements, s.sparse))),
            field("dense-avg-fill-percent", two(fill(s.dense_elements, s.dense))),
            field("sparse-avg-fill-percent", two(fill(s.sparse_elements, s.sparse))),
        ]);
    }
    Ok(Reply::Map(map))
}

/// `-` and `+` (the array's first and last index) or an index.
fn bound(arg: &[u8], word: &[u8], or: u64) -> Result<u64> {
    if arg == word {
        Ok(or)
    } else {
        index(arg)
    }
}

enum Predicate {
    Exact(Vec<u8>),
    Substring(Vec<u8>),
    Glob(Vec<u8>),
    Re(regex_lite::Regex),
}

impl Predicate {
    fn matches(&self, value: &[u8], nocase: bool) -> bool {
        match self {
            Predicate::Exact(s) if nocase => value.eq_ignore_ascii_case(s),
            Predicate::Exact(s) => value == s.as_slice(),
            Predicate::Substring(s) if s.is_empty() => true,
            Predicate::Substring(s) if nocase => value.windows(s.len()).any(|w| w.eq_ignore_ascii_case(s)),
            Predicate::Substring(s) => value.windows(s.len()).any(|w| w == s.as_slice()),
            Predicate::Glob(p) => crate::glob::matches(p, value, nocase),
            Predicate::Re(re) => re.is_match(&String::from_utf8_lossy(value)),
        }
    }
}

pub static ARGREP: CommandSpec = CommandSpec::new("argrep", -6, ARRAY, SINCE)
    .flags(R_SLOW)
    .keys(1, 1, 1)
    .doc(
        "key start end <EXACT string | MATCH string | GLOB pattern | RE pattern> [<EXACT string | MATCH string | GLOB pattern | RE pattern> ...] [AND | OR] [LIMIT limit] [WITHVALUES] [NOCASE]",
        "Searches array elements in a range using textual predicates.",
    )
    .run(argrep);

fn argrep(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let start = bound(args.next()?, b"-", 0)?;
    let end = bound(args.next()?, b"+", u64::MAX)?;
    let (mut words, mut all, mut any, mut limit, mut with_values, mut nocase) =
        (Vec::new(), false, false, None, false, false);
    while let Some(word) = args.peek() {
        let upper = word.to_ascii_uppercase();
        args.next()?;
        match upper.as_slice() {
            b"EXACT" | b"MATCH" | b"GLOB" | b"RE" => words.push((upper, args.next()?)),
            b"AND" => all = true,
            b"OR" => any = true,
            b"LIMIT" => limit = Some(positive(args.next()?)?),
            b"WITHVALUES" => with_values = true,
            b"NOCASE" => nocase = true,
            _ => return Err(Error::Syntax),
        }
    }
    if words.is_empty() || (all && any) {
        return Err(Error::Syntax);
    }
    let mut predicates = Vec::new();
    for (word, arg) in words {
        predicates.push(match word.as_slice() {
            b"EXACT" => Predicate::Exact(arg.to_vec()),
            b"MATCH" => Predicate::Substring(arg.to_vec()),
            b"GLOB" => Predicate::Glob(arg.to_vec()),
            _ => {
                let text = std::str::from_utf8(arg).map_err(|_| bad_regex())?;
                let re = regex_lite::RegexBuilder::new(text)
                    .case_insensitive(nocase)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|_| bad_regex())?;
                Predicate::Re(re)
            }
        });
    }
    let Some(a) = array_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let range = a.range(start.min(end)..=start.max(end));
    let items: Box<dyn Iterator<Item = (u64, &Vec<u8>)>> =
        if start > end { Box::new(range.rev()) } else { Box::new(range) };
    let hit = |v: &[u8]| {
        if all {
            predicates.iter().all(|p| p.matches(v, nocase))
        } else {
            predicates.iter().any(|p| p.matches(v, nocase))
        }
    };
    let found =
        items.filter(|(_, v)| hit(v)).take(limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX)));
    Ok(Reply::Array(found.map(|(i, v)| if with_values { index_pair(i, v) } else { number(i.into()) }).collect()))
}

fn bad_regex() -> Error {
    Error::other("ERR invalid regular expression")
}

pub static AROP: CommandSpec = CommandSpec::new("arop", -5, ARRAY, SINCE)
    .flags(R_SLOW)
    .keys(1, 1, 1)
    .doc(
        "key start end <SUM | MIN | MAX | AND | OR | XOR | MATCH value | USED>",
        "Performs aggregate operations on array elements in a range.",
    )
    .run(arop);

/// An element read as a number: an integer when it is one, else a long double.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(LongDouble, f64),
}

fn numeric(v: &[u8]) -> Option<Num> {
    if let Some(i) = parse_i64(v) {
        return Some(Num::Int(i));
    }
    let text = std::str::from_utf8(v).ok()?;
    let f = crate::args::parse_f64(v)?;
    Some(Num::Float(LongDouble::parse(text).or_else(|| LongDouble::parse(&f.to_string()))?, f))
}

fn arop(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (index(args.next()?)?, index(args.next()?)?);
    let op = args.next()?.to_ascii_uppercase();
    let wanted = if op == b"MATCH" { Some(args.next()?) } else { None };
    if !args.is_empty()
        || !matches!(op.as_slice(), b"SUM" | b"MIN" | b"MAX" | b"AND" | b"OR" | b"XOR" | b"MATCH" | b"USED")
    {
        return Err(Error::Syntax);
    }
    let Some(a) = array_at(ctx, key)? else {
        return Ok(match op.as_slice() {
            b"MATCH" | b"USED" => Reply::Integer(0),
            _ => Reply::Nil,
        });
    };
    let values: Vec<&Vec<u8>> = a.range(start.min(end)..=start.max(end)).map(|(_, v)| v).collect();
    let numbers: Vec<(Num, &Vec<u8>)> = values.iter().filter_map(|v| numeric(v).map(|n| (n, *v))).collect();
    Ok(match op.as_slice() {
        b"USED" => Reply::Integer(values.len() as i64),
        b"MATCH" => Reply::Integer(values.iter().filter(|v| Some(v.as_slice()) == wanted).count() as i64),
        b"SUM" if numbers.is_empty() => Reply::Nil,
        b"SUM" => {
            let ints: Option<i128> =
                numbers
                    .iter()
                    .try_fold(0i128, |acc, (n, _)| if let Num::Int(i) = n { Some(acc + i128::from(*i)) } else { None });
            match ints {
                Some(total) => Reply::bulk(total.to_string()),
                None => {
                    let zero = LongDouble::parse("0").ok_or(Error::NotFloat)?;
                    let total = numbers.iter().fold(zero, |acc, (n, _)| {
                        acc + match n {
                            Num::Int(i) => LongDouble::parse(&i.to_string()).unwrap_or(zero),
                            Num::Float(ld, _) => *ld,
                        }
                    });
                    Reply::bulk(total.human())
                }
            }
        }
        b"MIN" | b"MAX" => {
            let as_f64 = |n: &Num| match n {
                Num::Int(i) => *i as f64,
                Num::Float(_, f) => *f,
            };
            let pick = numbers.iter().copied().reduce(|best, cand| {
                let better =
                    if op == b"MIN" { as_f64(&cand.0) < as_f64(&best.0) } else { as_f64(&cand.0) > as_f64(&best.0) };
                if better {
                    cand
                } else {
                    best
                }
            });
            pick.map_or(Reply::Nil, |(_, v)| Reply::bulk(v))
        }
        _ if numbers.is_empty() => Reply::Nil,
        _ => {
            let ints = numbers.iter().map(|(n, _)| match n {
                Num::Int(i) => *i,
                Num::Float(_, f) => f.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64,
            });
            Reply::Integer(match op.as_slice() {
                b"AND" => ints.fold(-1, |acc, i| acc & i),
                b"OR" => ints.fold(0, |acc, i| acc | i),
                _ => ints.fold(0, |acc, i| acc ^ i),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    // redis.io's examples, each page's block after FLUSHALL.
    #[test]
    fn redis_io_examples() {
        let v = Version::V8_8;
        check(
            v,
            "@0 > ARSET myarray 0 \"hello\"\n(integer) 1\n\
             @0 > ARGET myarray 0\n\"hello\"\n\
             @0 > ARSET myarray 2 \"a\" \"b\" \"c\"\n(integer) 3\n\
             @0 > ARGET myarray 2\n\"a\"\n\
             @0 > ARGET myarray 4\n\"c\"\n\
             @0 > ARGET myarray 1\n(nil)\n",
        );
        check(
            v,
            "@0 > ARMSET myarray 0 \"a\" 1 \"b\" 5 \"c\"\n(integer) 3\n\
             @0 > ARMGET myarray 0 1 5 3\n1) \"a\"\n2) \"b\"\n3) \"c\"\n4) (nil)\n",
        );
        check(
            v,
            "@0 > ARINSERT myarray \"alpha\"\n(integer) 0\n\
             @0 > ARINSERT myarray \"beta\"\n(integer) 1\n\
             @0 > ARINSERT myarray \"gamma\"\n(integer) 2\n\
             @0 > ARGET myarray 1\n\"beta\"\n\
             @0 > ARNEXT myarray\n(integer) 3\n\
             @0 > ARSEEK myarray 10\n(integer) 1\n\
             @0 > ARINSERT myarray \"c\"\n(integer) 10\n\
             @0 > ARNEXT myarray\n(integer) 11\n",
        );
        check(
            v,
            "@0 > ARSET myarray 0 \"a\"\n(integer) 1\n\
             @0 > ARSET myarray 1 \"b\"\n(integer) 1\n\
             @0 > ARSET myarray 2 \"c\"\n(integer) 1\n\
             @0 > ARDEL myarray 1\n(integer) 1\n\
             @0 > ARGET myarray 1\n(nil)\n\
             @0 > ARDEL myarray 0 2\n(integer) 2\n\
             @0 > ARCOUNT myarray\n(integer) 0\n\
             @0 > EXISTS myarray\n(integer) 0\n",
        );
        check(
            v,
            "@0 > ARMSET myarray 0 \"a\" 1 \"b\" 2 \"c\" 3 \"d\" 4 \"e\"\n(integer) 5\n\
             @0 > ARDELRANGE myarray 1 3\n(integer) 3\n\
             @0 > ARCOUNT myarray\n(integer) 2\n\
             @0 > ARGETRANGE myarray 4 0\n1) \"e\"\n2) (nil)\n3) (nil)\n4) (nil)\n5) \"a\"\n\
             @0 > ARSET myarray 5 \"b\"\n(integer) 1\n\
             @0 > ARLEN myarray\n(integer) 6\n",
        );
        check(
            v,
            "@0 > ARMSET myarray 0 \"a\" 1 \"b\" 100 \"c\"\n(integer) 3\n\
             @0 > ARINSERT myarray \"d\"\n(integer) 0\n\
             @0 > ARINFO myarray\n 1) \"count\"\n 2) (integer) 3\n 3) \"len\"\n 4) (integer) 101\n \
             5) \"next-insert-index\"\n 6) (integer) 1\n 7) \"slices\"\n 8) (integer) 1\n \
             9) \"directory-size\"\n10) (integer) 1\n11) \"super-dir-entries\"\n12) (integer) 0\n\
             13) \"slice-size\"\n14) (integer) 4096\n",
        );
        check(
            v,
            "@0 > ARRING readings 3 \"v0\"\n(integer) 0\n\
             @0 > ARRING readings 3 \"v1\"\n(integer) 1\n\
             @0 > ARRING readings 3 \"v2\"\n(integer) 2\n\
             @0 > ARRING readings 3 \"v3\"\n(integer) 0\n\
             @0 > ARGET readings 0\n\"v3\"\n\
             @0 > ARCOUNT readings\n(integer) 3\n\
             @0 > ARLASTITEMS readings 3\n1) \"v1\"\n2) \"v2\"\n3) \"v3\"\n\
             @0 > ARLASTITEMS readings 3 REV\n1) \"v3\"\n2) \"v2\"\n3) \"v1\"\n",
        );
        check(
            v,
            "@0 > ARSET myarray 0 \"a\"\n(integer) 1\n\
             @0 > ARSET myarray 5 \"b\"\n(integer) 1\n\
             @0 > ARSET myarray 9 \"c\"\n(integer) 1\n\
             @0 > ARSCAN myarray 0 10\n1) 1) (integer) 0\n   2) \"a\"\n2) 1) (integer) 5\n   2) \"b\"\n3) 1) (integer) 9\n   2) \"c\"\n\
             @0 > ARSCAN myarray 0 10 LIMIT 2\n1) 1) (integer) 0\n   2) \"a\"\n2) 1) (integer) 5\n   2) \"b\"\n\
             @0 > ARSCAN myarray 10 0 LIMIT 1\n1) 1) (integer) 9\n   2) \"c\"\n",
        );
        check(
            v,
            "@0 > ARMSET log 0 \"boot: ok\" 1 \"warn: disk\" 2 \"ERROR: cpu\" 3 \"info: ready\" 4 \"error: net\"\n(integer) 5\n\
             @0 > ARGREP log - + MATCH \"error\" NOCASE\n1) (integer) 2\n2) (integer) 4\n\
             @0 > ARGREP log - + MATCH \"error\" NOCASE WITHVALUES\n1) 1) (integer) 2\n   2) \"ERROR: cpu\"\n2) 1) (integer) 4\n   2) \"error: net\"\n\
             @0 > ARGREP log 0 4 GLOB \"warn:*\" OR GLOB \"error:*\"\n1) (integer) 1\n2) (integer) 4\n\
             @0 > ARGREP log 0 4 RE \"^[A-Za-z]+: (cpu|net)$\" NOCASE WITHVALUES\n1) 1) (integer) 2\n   2) \"ERROR: cpu\"\n2) 1) (integer) 4\n   2) \"error: net\"\n\
             @0 > ARGREP log 0 4 EXACT \"info: ready\"\n1) (integer) 3\n\
             @0 > ARGREP log - + MATCH \"error\" NOCASE LIMIT 1\n1) (integer) 2\n\
             @0 > ARGREP log 4 0 MATCH \"o\" AND GLOB \"*:*\"\n1) (integer) 4\n2) (integer) 3\n3) (integer) 0\n\
             @0 > ARGREP log 0 4 RE \"(\"\n(error) ERR invalid regular expression\n\
             @0 > ARGREP log 0 4 EXACT a AND EXACT b OR\n(error) ERR syntax error\n",
        );
        check(
            v,
            "@0 > ARMSET myarray 0 \"10\" 1 \"20\" 2 \"30\"\n(integer) 3\n\
             @0 > AROP myarray 0 2 SUM\n\"60\"\n\
             @0 > AROP myarray 0 2 MIN\n\"10\"\n\
             @0 > AROP myarray 0 2 MAX\n\"30\"\n\
             @0 > AROP myarray 0 2 MATCH \"10\"\n(integer) 1\n\
             @0 > AROP myarray 0 2 USED\n(integer) 3\n\
             @0 > ARMSET flags 0 \"255\" 1 \"15\" 2 \"240\"\n(integer) 3\n\
             @0 > AROP flags 0 2 AND\n(integer) 0\n\
             @0 > AROP flags 0 2 OR\n(integer) 255\n\
             @0 > AROP flags 2 0 XOR\n(integer) 0\n\
             @0 > ARMSET f 0 0.1 1 0.2 2 x\n(integer) 3\n\
             @0 > AROP f 0 2 SUM\n\"0.3\"\n\
             @0 > AROP f 2 2 SUM\n(nil)\n\
             @0 > AROP f 0 2 MIN\n\"0.1\"\n\
             @0 > AROP missing 0 2 USED\n(integer) 0\n",
        );
    }

    #[test]
    fn errors_and_edges() {
        check(
            Version::V8_8,
            "@0 > ARSET a -1 x\n(error) ERR value is not an integer or out of range\n\
             @0 > ARSET a 18446744073709551615 x y\n(error) ERR index out of range\n\
             @0 > ARSET a 18446744073709551615 x\n(integer) 1\n\
             @0 > ARLEN a\n\"18446744073709551616\"\n\
             @0 > ARSCAN a 0 18446744073709551615\n1) 1) \"18446744073709551615\"\n   2) \"x\"\n\
             @0 > ARMSET a 1 x 2\n(error) ERR wrong number of arguments for 'armset' command\n\
             @0 > ARGETRANGE a 0 1000000\n(error) ERR ARGETRANGE can return at most 1000000 elements\n\
             @0 > ARGETRANGE nokey 0 3\n(empty array)\n\
             @0 > ARRING r 0 x\n(error) ERR value is out of range, must be positive\n\
             @0 > ARSCAN a 0 1 LIMIT 0\n(error) ERR value is out of range, must be positive\n\
             @0 > ARLASTITEMS a -1\n(error) ERR value is out of range, must be positive\n\
             @0 > AROP a 0 1 AVG\n(error) ERR syntax error\n\
             @0 > ARSEEK nokey 5\n(integer) 0\n\
             @0 > ARNEXT nokey\n(integer) 0\n\
             @0 > ARSEEK a 18446744073709551614\n(integer) 1\n\
             @0 > ARINSERT a p q r\n(error) ERR array insert cursor exhausted\n\
             @0 > ARINSERT a p q\n\"18446744073709551615\"\n\
             @0 > ARNEXT a\n(nil)\n\
             @0 > ARINFO nokey\n(nil)\n\
             @0 > SET s v\nOK\n\
             @0 > ARGET s 0\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
             @0 > TYPE a\narray\n\
             @0 > OBJECT ENCODING a\n\"sliced\"\n\
             @0 > ARRING r 5 a b c d e f g\n(integer) 1\n\
             @0 > ARRING r 2 z\n(integer) 0\n\
             @0 > ARGETRANGE r 0 4\n1) \"z\"\n2) \"g\"\n3) (nil)\n4) (nil)\n5) (nil)\n",
        );
        check(
            Version::V8_6,
            "@0 > ARGET k 0\n(error) ERR unknown command 'ARGET', with args beginning with: 'k' '0' \n",
        );
    }

    #[test]
    fn dump_and_restore_keep_the_cursor() {
        check(
            Version::V8_8,
            "@0 > ARMSET a 0 x 70000 y\n(integer) 2\n\
             @0 > ARSEEK a 7\n(integer) 1\n\
             @0 > COPY a b\n(integer) 1\n\
             @0 > ARNEXT b\n(integer) 7\n\
             @0 > ARINFO b FULL\n 1) \"count\"\n 2) (integer) 2\n 3) \"len\"\n 4) (integer) 70001\n \
             5) \"next-insert-index\"\n 6) (integer) 7\n 7) \"slices\"\n 8) (integer) 2\n \
             9) \"directory-size\"\n10) (integer) 18\n11) \"super-dir-entries\"\n12) (integer) 0\n\
             13) \"slice-size\"\n14) (integer) 4096\n15) \"dense-slices\"\n16) (integer) 0\n\
             17) \"sparse-slices\"\n18) (integer) 2\n19) \"dense-avg-count\"\n20) \"0.00\"\n\
             21) \"sparse-avg-count\"\n22) \"1.00\"\n23) \"dense-avg-fill-percent\"\n24) \"0.00\"\n\
             25) \"sparse-avg-fill-percent\"\n26) \"0.02\"\n",
        );
    }
}

#[cfg(test)]
mod acl_tests {
    use crate::testing::check;
    use crate::Version;

    #[test]
    fn the_array_category_comes_with_8_8() {
        check(
            Version::V8_8,
            "@0 > ACL CAT array\n 1) \"arcount\"\n 2) \"ardel\"\n 3) \"ardelrange\"\n 4) \"arget\"\n 5) \"argetrange\"\n \
             6) \"argrep\"\n 7) \"arinfo\"\n 8) \"arinsert\"\n 9) \"arlastitems\"\n10) \"arlen\"\n11) \"armget\"\n\
             12) \"armset\"\n13) \"arnext\"\n14) \"arop\"\n15) \"arring\"\n16) \"arscan\"\n17) \"arseek\"\n18) \"arset\"\n\
             @0 > ACL SETUSER u +@array\nOK\n",
        );
        check(
            Version::V8_6,
            "@0 > ACL CAT array\n(error) ERR Unknown category 'array'\n\
             @0 > ACL SETUSER u +@array\n(error) ERR Error in ACL SETUSER modifier '+@array': Unknown command or category name in ACL\n",
        );
    }
}
