//! Sorted-set commands: members ordered by (score, member), scores printed as Redis prints
//! doubles.

use super::drop_if_empty;
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::{Protocol, Reply};
use crate::server::Ctx;
use crate::value::{Value, ZSet};

const ZSET: &str = "sorted-set";

/// Members with their scores, in the order a range found them.
type Members = Vec<(Vec<u8>, f64)>;

/// The sorted set at `key`, stored empty first when missing (its encoding chosen for `elements`
/// members, the first `member_len` bytes long).
fn zset_or_create<'c>(ctx: &'c mut Ctx, key: &[u8], elements: usize, member_len: usize) -> Result<&'c mut ZSet> {
    if zset_at(ctx, key)?.is_none() {
        let zset = ZSet::new(elements, member_len, &ctx.server.config.encodings);
        return match ctx.store_mut(key, Value::ZSet(Box::new(zset)), false) {
            Value::ZSet(z) => Ok(z),
            _ => Err(Error::WrongType),
        };
    }
    // There, as the lookup above found it.
    match ctx.found_again(key) {
        Some(Value::ZSet(v)) => Ok(v),
        _ => Err(Error::WrongType),
    }
}

fn zset_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut ZSet>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(Error::WrongType),
    }
}

fn score_reply(score: f64) -> Reply {
    Reply::Double(score)
}

pub static ZADD: CommandSpec = CommandSpec::new("zadd", -4, ZSET, "1.2.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
        "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
    )
    .run(zadd);

/// Redis's `zaddGenericCommand`.
pub(super) fn zadd(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) = (false, false, false, false, false, false);
    while let Some(opt) = args.peek() {
        let is = |name: &[u8]| opt.eq_ignore_ascii_case(name);
        if is(b"NX") {
            nx = true;
        } else if is(b"XX") {
            xx = true;
        } else if is(b"GT") {
            gt = true;
        } else if is(b"LT") {
            lt = true;
        } else if is(b"CH") {
            ch = true;
        } else if is(b"INCR") {
            incr = true;
        } else {
            break;
        }
        args.next()?;
    }
    let pairs = args.rest();
    if pairs.is_empty() || pairs.len() % 2 == 1 {
        return Err(Error::Syntax);
    }
    if nx && xx {
        return Err(Error::other("ERR XX and NX options at the same time are not compatible"));
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return Err(Error::other("ERR GT, LT, and/or NX options at the same time are not compatible"));
    }
    if incr && pairs.len() > 2 {
        return Err(Error::other("ERR INCR option supports a single increment-element pair"));
    }
    let mut scores = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks(2) {
        scores.push(crate::args::parse_f64(&pair[0]).ok_or(Error::NotFloat)?);
    }
    if xx && zset_at(ctx, key)?.is_none() {
        return Ok(if incr { Reply::Nil } else { Reply::Integer(0) });
    }
    let enc = ctx.server.config.encodings;
    let zset = zset_or_create(ctx, key, pairs.len() / 2, pairs[1].len())?;
    let (mut added, mut updated, mut last) = (0i64, 0i64, None);
    for (pair, &score) in pairs.chunks(2).zip(&scores) {
        let member = &pair[1];
        match zset.score(member) {
            Some(current) => {
                if nx {
                    continue;
                }
                let new = if incr { current + score } else { score };
                if new.is_nan() {
                    return Err(Error::other("ERR resulting score is not a number (NaN)"));
                }
                if (lt && new >= current) || (gt && new <= current) {
                    continue;
                }
                last = Some(new);
                if new != current {
                    zset.insert(member, new, &enc);
                    updated += 1;
                }
            }
            None => {
                if xx {
                    continue;
                }
                zset.insert(member, score, &enc);
                added += 1;
                last = Some(score);
            }
        }
    }
    if added + updated > 0 {
        ctx.modified(key);
    }
    drop_if_empty(ctx, key);
    Ok(if incr {
        last.map_or(Reply::Nil, score_reply)
    } else {
        Reply::Integer(if ch { added + updated } else { added })
    })
}

pub static ZINCRBY: CommandSpec = CommandSpec::new("zincrby", 4, ZSET, "1.2.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key increment member", "Increments the score of a member in a sorted set.")
    .run(zincrby);

fn zincrby(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let by = crate::args::parse_f64(args.next()?).ok_or(Error::NotFloat)?;
    let member = args.next()?;
    let enc = ctx.server.config.encodings;
    let zset = zset_or_create(ctx, key, 1, member.len())?;
    let new = zset.score(member).unwrap_or(0.0) + by;
    if new.is_nan() {
        return Err(Error::other("ERR resulting score is not a number (NaN)"));
    }
    zset.insert(member, new, &enc);
    ctx.modified(key);
    Ok(score_reply(new))
}

pub static ZREM: CommandSpec = CommandSpec::new("zrem", -3, ZSET, "1.2.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key member [member ...]",
        "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
    )
    .run(zrem);

fn zrem(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let members = args.rest();
    let Some(zset) = zset_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let removed = members.iter().filter(|m| zset.remove(m)).count();
    if removed > 0 {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Reply::Integer(removed as i64))
}

pub static ZCARD: CommandSpec = CommandSpec::new("zcard", 2, ZSET, "1.2.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the number of members in a sorted set.")
    .run(zcard);
pub static ZSCORE: CommandSpec = CommandSpec::new("zscore", 3, ZSET, "1.2.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key member", "Returns the score of a member in a sorted set.")
    .run(zscore);
pub static ZMSCORE: CommandSpec = CommandSpec::new("zmscore", -3, ZSET, "6.2.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key member [member ...]", "Returns the score of one or more members in a sorted set.")
    .run(zmscore);

fn zcard(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(zset_at(ctx, key)?.map_or(0, |z| z.len()) as i64))
}

fn zscore(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, member) = (args.next()?, args.next()?);
    Ok(zset_at(ctx, key)?.and_then(|z| z.score(member)).map_or(Reply::Nil, score_reply))
}

fn zmscore(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let members = args.rest();
    let zset = zset_at(ctx, key)?;
    Ok(Reply::Array(
        members.iter().map(|m| zset.as_ref().and_then(|z| z.score(m)).map_or(Reply::Nil, score_reply)).collect(),
    ))
}

pub static ZRANK: CommandSpec = CommandSpec::new("zrank", -3, ZSET, "2.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key member [WITHSCORE]", "Returns the index of a member in a sorted set ordered by ascending scores.")
    .run(|c, a| zrank(c, a, false));
pub static ZREVRANK: CommandSpec = CommandSpec::new("zrevrank", -3, ZSET, "2.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key member [WITHSCORE]", "Returns the index of a member in a sorted set ordered by descending scores.")
    .run(|c, a| zrank(c, a, true));

fn zrank(ctx: &mut Ctx, mut args: Args, rev: bool) -> Result<Reply> {
    let (key, member) = (args.next()?, args.next()?);
    let with_score = match args.remaining() {
        0 => false,
        // WITHSCORE arrived in Redis 7.2.
        1 if ctx.version().at_least(7, 2) => {
            if !args.next()?.eq_ignore_ascii_case(b"WITHSCORE") {
                return Err(Error::Syntax);
            }
            true
        }
        _ => return Err(Error::WrongArity { name: if rev { "zrevrank" } else { "zrank" }.into() }),
    };
    let Some(zset) = zset_at(ctx, key)? else {
        return Ok(if with_score { Reply::NilArray } else { Reply::Nil });
    };
    let Some(rank) = zset.rank(member) else {
        return Ok(if with_score { Reply::NilArray } else { Reply::Nil });
    };
    let rank = if rev { zset.len() - 1 - rank } else { rank } as i64;
    Ok(if with_score {
        // Ranked, so it has a score.
        Reply::Array(vec![Reply::Integer(rank), score_reply(zset.score(member).unwrap_or(0.0))])
    } else {
        Reply::Integer(rank)
    })
}

/// A score bound as `ZRANGEBYSCORE` takes it: `(1.5` is exclusive, `-inf`/`+inf` allowed.
fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.strip_prefix(b"(") {
        Some(rest) => crate::args::parse_f64(rest).map(|v| (v, true)),
        None => crate::args::parse_f64(arg).map(|v| (v, false)),
    }
}

#[derive(Clone, Debug)]
enum LexBound {
    Min,
    Max,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

fn parse_lex_bound(arg: &[u8]) -> Option<LexBound> {
    match arg.first() {
        Some(b'-') if arg.len() == 1 => Some(LexBound::Min),
        Some(b'+') if arg.len() == 1 => Some(LexBound::Max),
        Some(b'[') => Some(LexBound::Incl(arg[1..].to_vec())),
        Some(b'(') => Some(LexBound::Excl(arg[1..].to_vec())),
        _ => None,
    }
}

fn above_lex_min(m: &[u8], min: &LexBound) -> bool {
    match min {
        LexBound::Min => true,
        LexBound::Max => false,
        LexBound::Incl(v) => m >= v.as_slice(),
        LexBound::Excl(v) => m > v.as_slice(),
    }
}

fn below_lex_max(m: &[u8], max: &LexBound) -> bool {
    match max {
        LexBound::Min => false,
        LexBound::Max => true,
        LexBound::Incl(v) => m <= v.as_slice(),
        LexBound::Excl(v) => m < v.as_slice(),
    }
}

#[derive(Clone, Debug)]
enum Range {
    Rank(i64, i64),
    Score { min: (f64, bool), max: (f64, bool) },
    Lex { min: LexBound, max: LexBound },
}

fn score_in(score: f64, min: (f64, bool), max: (f64, bool)) -> bool {
    (if min.1 { score > min.0 } else { score >= min.0 }) && (if max.1 { score < max.0 } else { score <= max.0 })
}

/// Members (with scores) in `range`, ascending or descending, after `LIMIT offset count`.
fn select(zset: &ZSet, range: &Range, rev: bool, offset: i64, count: i64) -> Vec<(Vec<u8>, f64)> {
    let len = zset.len();
    let iter: Box<dyn Iterator<Item = (&Vec<u8>, f64)>> =
        if rev { Box::new(zset.iter().rev()) } else { Box::new(zset.iter()) };
    let picked: Box<dyn Iterator<Item = (&Vec<u8>, f64)>> = match range {
        Range::Rank(start, end) => {
            let l = len as i64;
            let mut s = if *start < 0 { start + l } else { *start };
            let mut e = if *end < 0 { end + l } else { *end };
            if s < 0 {
                s = 0;
            }
            if s > e || s >= l {
                return Vec::new();
            }
            if e >= l {
                e = l - 1;
            }
            Box::new(iter.skip(s as usize).take((e - s + 1) as usize))
        }
        Range::Score { min, max } => {
            let (min, max) = (*min, *max);
            Box::new(iter.filter(move |(_, s)| score_in(*s, min, max)))
        }
        Range::Lex { min, max } => {
            let (min, max) = (min.clone(), max.clone());
            Box::new(iter.filter(move |(m, _)| above_lex_min(m, &min) && below_lex_max(m, &max)))
        }
    };
    if offset < 0 {
        return Vec::new();
    }
    let take = if count < 0 { usize::MAX } else { count as usize };
    picked.skip(offset as usize).take(take).map(|(m, s)| (m.clone(), s)).collect()
}

fn range_reply(ctx: &Ctx, items: Vec<(Vec<u8>, f64)>, with_scores: bool) -> Reply {
    let resp3 = ctx.client().protocol == Protocol::Resp3;
    Reply::Array(if with_scores && resp3 {
        items.into_iter().map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), score_reply(s)])).collect()
    } else if with_scores {
        items.into_iter().flat_map(|(m, s)| [Reply::Bulk(m), score_reply(s)]).collect()
    } else {
        items.into_iter().map(|(m, _)| Reply::Bulk(m)).collect()
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// Redis's `zrangeGenericCommand`: `first`/`second` are the two bounds as given, `options` the
/// rest. `by`/`rev` are preset by the legacy commands. Returns the members and whether
/// `WITHSCORES` was asked for.
#[allow(clippy::too_many_arguments)]
fn zrange_generic(
    ctx: &mut Ctx,
    key: &[u8],
    first: &[u8],
    second: &[u8],
    options: &[Vec<u8>],
    mut by: By,
    mut rev: bool,
    modern: bool,
) -> Result<(Members, bool)> {
    let (mut with_scores, mut limit) = (false, None::<(i64, i64)>);
    let mut i = 0;
    while i < options.len() {
        let opt = options[i].to_ascii_uppercase();
        let left = options.len() - 1 - i;
        match opt.as_slice() {
            b"WITHSCORES" => with_scores = true,
            b"LIMIT" if left >= 2 => {
                let offset = parse_i64(&options[i + 1]).ok_or(Error::NotInteger)?;
                let count = parse_i64(&options[i + 2]).ok_or(Error::NotInteger)?;
                limit = Some((offset, count));
                i += 2;
            }
            b"BYSCORE" if modern && by == By::Rank => by = By::Score,
            b"BYLEX" if modern && by == By::Rank => by = By::Lex,
            b"REV" if modern => rev = true,
            _ => return Err(Error::Syntax),
        }
        i += 1;
    }
    if limit.is_some() && by == By::Rank {
        return Err(Error::other(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if with_scores && by == By::Lex {
        return Err(Error::other("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    // With REV the bounds come max first, except for ranks.
    let (low, high) = if rev && by != By::Rank { (second, first) } else { (first, second) };
    let range = match by {
        By::Rank => Range::Rank(parse_i64(low).ok_or(Error::NotInteger)?, parse_i64(high).ok_or(Error::NotInteger)?),
        By::Score => {
            let bad = || Error::other("ERR min or max is not a float");
            Range::Score { min: parse_score_bound(low).ok_or_else(bad)?, max: parse_score_bound(high).ok_or_else(bad)? }
        }
        By::Lex => {
            let bad = || Error::other("ERR min or max not valid string range item");
            Range::Lex { min: parse_lex_bound(low).ok_or_else(bad)?, max: parse_lex_bound(high).ok_or_else(bad)? }
        }
    };
    let (offset, count) = limit.unwrap_or((0, -1));
    let Some(zset) = zset_at(ctx, key)? else { return Ok((Vec::new(), with_scores)) };
    Ok((select(zset, &range, rev, offset, count), with_scores))
}

fn zrange_reply(ctx: &mut Ctx, mut args: Args, by: By, rev: bool, modern: bool) -> Result<Reply> {
    let key = args.next()?;
    let (first, second) = (args.next()?, args.next()?);
    let options = args.rest();
    let (items, with_scores) = zrange_generic(ctx, key, first, second, options, by, rev, modern)?;
    Ok(range_reply(ctx, items, with_scores))
}

pub static ZRANGE: CommandSpec = CommandSpec::new("zrange", -4, ZSET, "1.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc(
        "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
        "Returns members in a sorted set within a range of indexes.",
    )
    .run(|c, a| zrange_reply(c, a, By::Rank, false, true));
pub static ZREVRANGE: CommandSpec = CommandSpec::new("zrevrange", -4, ZSET, "1.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key start stop [WITHSCORES]", "Returns members in a sorted set within a range of indexes in reverse order.")
    .run(|c, a| zrange_reply(c, a, By::Rank, true, false));
pub static ZRANGEBYSCORE: CommandSpec = CommandSpec::new("zrangebyscore", -4, ZSET, "1.0.5")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key min max [WITHSCORES] [LIMIT offset count]", "Returns members in a sorted set within a range of scores.")
    .run(|c, a| zrange_reply(c, a, By::Score, false, false));
pub static ZREVRANGEBYSCORE: CommandSpec = CommandSpec::new("zrevrangebyscore", -4, ZSET, "2.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc(
        "key max min [WITHSCORES] [LIMIT offset count]",
        "Returns members in a sorted set within a range of scores in reverse order.",
    )
    .run(|c, a| zrange_reply(c, a, By::Score, true, false));
pub static ZRANGEBYLEX: CommandSpec = CommandSpec::new("zrangebylex", -4, ZSET, "2.8.9")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key min max [LIMIT offset count]", "Returns members in a sorted set within a lexicographical range.")
    .run(|c, a| zrange_reply(c, a, By::Lex, false, false));
pub static ZREVRANGEBYLEX: CommandSpec = CommandSpec::new("zrevrangebylex", -4, ZSET, "2.8.9")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc(
        "key max min [LIMIT offset count]",
        "Returns members in a sorted set within a lexicographical range in reverse order.",
    )
    .run(|c, a| zrange_reply(c, a, By::Lex, true, false));

pub static ZCOUNT: CommandSpec = CommandSpec::new("zcount", 4, ZSET, "2.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key min max", "Returns the count of members in a sorted set that have scores within a range.")
    .run(zcount);
pub static ZLEXCOUNT: CommandSpec = CommandSpec::new("zlexcount", 4, ZSET, "2.8.9")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key min max", "Returns the number of members in a sorted set within a lexicographical range.")
    .run(zlexcount);

fn zcount(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let bad = || Error::other("ERR min or max is not a float");
    let min = parse_score_bound(args.next()?).ok_or_else(bad)?;
    let max = parse_score_bound(args.next()?).ok_or_else(bad)?;
    let Some(zset) = zset_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let n = zset.iter().filter(|(_, s)| score_in(*s, min, max)).count();
    Ok(Reply::Integer(n as i64))
}

fn zlexcount(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let bad = || Error::other("ERR min or max not valid string range item");
    let min = parse_lex_bound(args.next()?).ok_or_else(bad)?;
    let max = parse_lex_bound(args.next()?).ok_or_else(bad)?;
    let Some(zset) = zset_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    Ok(Reply::Integer(zset.iter().filter(|(m, _)| above_lex_min(m, &min) && below_lex_max(m, &max)).count() as i64))
}

pub static ZREMRANGEBYRANK: CommandSpec = CommandSpec::new("zremrangebyrank", 4, ZSET, "2.0.0")
    .flags(&[Flag::Write])
    .keys(1, 1, 1)
    .doc("key start stop", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.")
    .run(|c, a| zremrange(c, a, By::Rank));
pub static ZREMRANGEBYSCORE: CommandSpec = CommandSpec::new("zremrangebyscore", 4, ZSET, "1.2.0")
    .flags(&[Flag::Write])
    .keys(1, 1, 1)
    .doc(
        "key min max",
        "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
    )
    .run(|c, a| zremrange(c, a, By::Score));
pub static ZREMRANGEBYLEX: CommandSpec = CommandSpec::new("zremrangebylex", 4, ZSET, "2.8.9")
    .flags(&[Flag::Write])
    .keys(1, 1, 1)
    .doc("key min max", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.")
    .run(|c, a| zremrange(c, a, By::Lex));

fn zremrange(ctx: &mut Ctx, mut args: Args, by: By) -> Result<Reply> {
    let key = args.next()?;
    let (first, second) = (args.next()?, args.next()?);
    let (items, _) = zrange_generic(ctx, key, first, second, &[], by, false, false)?;
    let Some(zset) = zset_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    for (m, _) in &items {
        zset.remove(m);
    }
    if !items.is_empty() {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Reply::Integer(items.len() as i64))
}

pub static ZPOPMIN: CommandSpec = CommandSpec::new("zpopmin", -2, ZSET, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key [count]", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.")
    .run(|c, a| zpop(c, a, false));
pub static ZPOPMAX: CommandSpec = CommandSpec::new("zpopmax", -2, ZSET, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key [count]", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.")
    .run(|c, a| zpop(c, a, true));

/// Pops up to `count` members from the low or high end; `None` when the key is missing.
fn pop_members(ctx: &mut Ctx, key: &[u8], count: usize, max: bool) -> Result<Option<Members>> {
    let Some(zset) = zset_at(ctx, key)? else { return Ok(None) };
    let picked: Vec<(Vec<u8>, f64)> = if max {
        zset.iter().rev().take(count).map(|(m, s)| (m.clone(), s)).collect()
    } else {
        zset.iter().take(count).map(|(m, s)| (m.clone(), s)).collect()
    };
    for (m, _) in &picked {
        zset.remove(m);
    }
    if !picked.is_empty() {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Some(picked))
}

fn zpop(ctx: &mut Ctx, mut args: Args, max: bool) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.remaining() {
        0 => None,
        1 => Some(parse_i64(args.next()?).ok_or(Error::NotInteger)?),
        _ => return Err(Error::Syntax),
    };
    if count.is_some_and(|n| n < 0) {
        return Err(Error::OutOfRange);
    }
    let popped = pop_members(ctx, key, count.unwrap_or(1) as usize, max)?.unwrap_or_default();
    let resp3 = ctx.client().protocol == Protocol::Resp3;
    Ok(Reply::Array(if count.is_some() && resp3 {
        popped.into_iter().map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), score_reply(s)])).collect()
    } else {
        popped.into_iter().flat_map(|(m, s)| [Reply::Bulk(m), score_reply(s)]).collect()
    }))
}

pub static BZPOPMIN: CommandSpec = CommandSpec::new("bzpopmin", -3, ZSET, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::Blocking])
    .keys(1, -2, 1)
    .waits_for("zset")
    .doc("key [key ...] timeout", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.")
    .run(|c, a| bzpop(c, a, false));
pub static BZPOPMAX: CommandSpec = CommandSpec::new("bzpopmax", -3, ZSET, "5.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::Blocking])
    .keys(1, -2, 1)
    .waits_for("zset")
    .doc("key [key ...] timeout", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.")
    .run(|c, a| bzpop(c, a, true));

fn bzpop(ctx: &mut Ctx, mut args: Args, max: bool) -> Result<Reply> {
    let rest = args.rest();
    let (keys, timeout) = rest.split_at(rest.len() - 1);
    let deadline = super::list::parse_timeout(ctx, &timeout[0])?;
    for key in keys {
        // A sorted set is never empty: an empty one is deleted.
        if let Some((m, s)) = pop_members(ctx, key, 1, max)?.and_then(|popped| popped.into_iter().next()) {
            let command: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
            ctx.propagate_as = Some(vec![command.to_vec(), key.clone()]);
            return Ok(Reply::Array(vec![Reply::Bulk(key.clone()), Reply::Bulk(m), score_reply(s)]));
        }
    }
    super::list::block_or_nil(ctx, keys, Some(deadline))
}

/// The members and scores of a sorted set or a set (members score 1), for the set algebra.
fn load_scored(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Members>> {
    Ok(match ctx.lookup(key) {
        None => None,
        Some(Value::ZSet(z)) => Some(z.iter().map(|(m, s)| (m.clone(), s)).collect()),
        Some(Value::Set(s)) => Some(s.members().into_iter().map(|m| (m, 1.0)).collect()),
        Some(_) => return Err(Error::WrongType),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(a: f64, b: f64, how: Aggregate) -> f64 {
    match how {
        Aggregate::Sum => {
            let s = a + b;
            if s.is_nan() {
                0.0
            } else {
                s
            }
        }
        Aggregate::Min => a.min(b),
        Aggregate::Max => a.max(b),
    }
}

/// Redis's `zunionInterDiffGenericCommand`. `dest` is `Some` for the STORE forms.
fn set_algebra(ctx: &mut Ctx, args: &[Vec<u8>], dest: Option<&[u8]>, op: Op, name: &str) -> Result<Reply> {
    let numkeys = parse_i64(&args[0]).ok_or(Error::NotInteger)?;
    if numkeys < 1 {
        return Err(Error::other(format!("ERR at least 1 input key is needed for '{name}' command")));
    }
    if numkeys as usize > args.len() - 1 {
        return Err(Error::Syntax);
    }
    let keys = &args[1..=numkeys as usize];
    let options = &args[1 + numkeys as usize..];
    let mut weights = vec![1.0; keys.len()];
    let (mut how, mut with_scores) = (Aggregate::Sum, false);
    let mut i = 0;
    while i < options.len() {
        let opt = options[i].to_ascii_uppercase();
        let left = options.len() - 1 - i;
        if op != Op::Diff && opt == b"WEIGHTS" && left >= keys.len() {
            for (w, arg) in weights.iter_mut().zip(&options[i + 1..=i + keys.len()]) {
                *w = crate::args::parse_f64(arg).ok_or_else(|| Error::other("ERR weight value is not a float"))?;
            }
            i += keys.len();
        } else if op != Op::Diff && opt == b"AGGREGATE" && left >= 1 {
            how = match options[i + 1].to_ascii_uppercase().as_slice() {
                b"SUM" => Aggregate::Sum,
                b"MIN" => Aggregate::Min,
                b"MAX" => Aggregate::Max,
                _ => return Err(Error::Syntax),
            };
            i += 1;
        } else if dest.is_none() && opt == b"WITHSCORES" {
            with_scores = true;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    let mut inputs = Vec::with_capacity(keys.len());
    for key in keys {
        inputs.push(load_scored(ctx, key)?);
    }
    let weigh = |s: f64, w: f64| {
        let v = s * w;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let enc = ctx.server.config.encodings;
    let mut result = ZSet::empty();
    match op {
        Op::Union => {
            for (input, &w) in inputs.iter().zip(&weights) {
                for (m, s) in input.iter().flatten() {
                    let v = weigh(*s, w);
                    let new = result.score(m).map_or(v, |cur| aggregate(cur, v, how));
                    result.insert(m, new, &enc);
                }
            }
        }
        Op::Inter => {
            let all: Option<Vec<_>> = inputs.iter().map(Option::as_ref).collect();
            if let Some((first, rest)) = all.as_deref().and_then(<[_]>::split_first) {
                'members: for (m, s) in first.iter() {
                    let mut v = weigh(*s, weights[0]);
                    for (input, &w) in rest.iter().zip(&weights[1..]) {
                        match input.iter().find(|(x, _)| x == m) {
                            Some((_, s2)) => v = aggregate(v, weigh(*s2, w), how),
                            None => continue 'members,
                        }
                    }
                    result.insert(m, v, &enc);
                }
            }
        }
        Op::Diff => {
            if let Some(first) = &inputs[0] {
                for (m, s) in first {
                    if !inputs[1..].iter().flatten().any(|other| other.iter().any(|(x, _)| x == m)) {
                        result.insert(m, *s, &enc);
                    }
                }
            }
        }
    }
    result.settle(&enc);
    match dest {
        Some(dest) => {
            let len = result.len();
            if len == 0 {
                ctx.delete(dest);
            } else {
                ctx.store(dest, Value::ZSet(Box::new(result)), false);
            }
            Ok(Reply::Integer(len as i64))
        }
        None => {
            let items = result.iter().map(|(m, s)| (m.clone(), s)).collect();
            Ok(range_reply(ctx, items, with_scores))
        }
    }
}

/// The `STORE` forms: the destination first, then what `ZUNION`/`ZINTER`/`ZDIFF` take.
fn store_form(ctx: &mut Ctx, mut args: Args, op: Op, name: &str) -> Result<Reply> {
    let dest = args.next()?.to_vec();
    set_algebra(ctx, args.rest(), Some(&dest), op, name)
}

pub static ZUNIONSTORE: CommandSpec = CommandSpec::new("zunionstore", -4, ZSET, "2.0.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::MovableKeys])
    .keys(1, 1, 1)
    .doc(
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        "Stores the union of multiple sorted sets in a key.",
    )
    .run(|c, a| store_form(c, a, Op::Union, "zunionstore"));
pub static ZINTERSTORE: CommandSpec = CommandSpec::new("zinterstore", -4, ZSET, "2.0.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::MovableKeys])
    .keys(1, 1, 1)
    .doc(
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        "Stores the intersect of multiple sorted sets in a key.",
    )
    .run(|c, a| store_form(c, a, Op::Inter, "zinterstore"));
pub static ZDIFFSTORE: CommandSpec = CommandSpec::new("zdiffstore", -4, ZSET, "6.2.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::MovableKeys])
    .keys(1, 1, 1)
    .doc("destination numkeys key [key ...]", "Stores the difference of multiple sorted sets in a key.")
    .run(|c, a| store_form(c, a, Op::Diff, "zdiffstore"));
pub static ZUNION: CommandSpec = CommandSpec::new("zunion", -3, ZSET, "6.2.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .doc(
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
        "Returns the union of multiple sorted sets.",
    )
    .run(|c, mut a| set_algebra(c, a.rest(), None, Op::Union, "zunion"));
pub static ZINTER: CommandSpec = CommandSpec::new("zinter", -3, ZSET, "6.2.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .doc(
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
        "Returns the intersect of multiple sorted sets.",
    )
    .run(|c, mut a| set_algebra(c, a.rest(), None, Op::Inter, "zinter"));
pub static ZDIFF: CommandSpec = CommandSpec::new("zdiff", -3, ZSET, "6.2.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .doc("numkeys key [key ...] [WITHSCORES]", "Returns the difference between multiple sorted sets.")
    .run(|c, mut a| set_algebra(c, a.rest(), None, Op::Diff, "zdiff"));

pub static ZRANGESTORE: CommandSpec = CommandSpec::new("zrangestore", -5, ZSET, "6.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 2, 1)
    .doc(
        "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
        "Stores a range of members from sorted set in a key.",
    )
    .run(zrangestore);

fn zrangestore(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (dest, src) = (args.next()?, args.next()?);
    let (first, second) = (args.next()?, args.next()?);
    let options = args.rest();
    if options.iter().any(|o| o.eq_ignore_ascii_case(b"WITHSCORES")) {
        return Err(Error::Syntax);
    }
    let (items, _) = zrange_generic(ctx, src, first, second, options, By::Rank, false, true)?;
    let len = items.len();
    if len == 0 {
        ctx.delete(dest);
    } else {
        let enc = ctx.server.config.encodings;
        let mut z = ZSet::empty();
        for (m, s) in &items {
            z.insert(m, *s, &enc);
        }
        z.settle(&enc);
        ctx.store(dest, Value::ZSet(Box::new(z)), false);
    }
    Ok(Reply::Integer(len as i64))
}

pub static ZINTERCARD: CommandSpec = CommandSpec::new("zintercard", -3, ZSET, "7.0.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .doc(
        "numkeys key [key ...] [LIMIT limit]",
        "Returns the number of members of the intersect of multiple sorted sets.",
    )
    .run(zintercard);

fn zintercard(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    // Redis 7.0 runs it through the same parser as ZINTER, with its error texts.
    let numkeys = parse_i64(args.next()?).ok_or(Error::NotInteger)?;
    if numkeys < 1 {
        return Err(Error::other("ERR at least 1 input key is needed for 'zintercard' command"));
    }
    if numkeys as usize > args.remaining() {
        return Err(Error::Syntax);
    }
    let rest = args.rest();
    let (keys, options) = rest.split_at(numkeys as usize);
    let mut limit = 0i64;
    match options {
        [] => {}
        [opt, n] if opt.eq_ignore_ascii_case(b"LIMIT") => {
            limit = parse_i64(n).filter(|n| *n >= 0).ok_or_else(|| Error::other("ERR LIMIT can't be negative"))?;
        }
        _ => return Err(Error::Syntax),
    }
    let mut argv = vec![numkeys.to_string().into_bytes()];
    argv.extend(keys.iter().cloned());
    let Reply::Array(members) = set_algebra(ctx, &argv, None, Op::Inter, "zintercard")? else { unreachable!() };
    let n = members.len() as i64;
    Ok(Reply::Integer(if limit > 0 { n.min(limit) } else { n }))
}

pub static ZMPOP: CommandSpec = CommandSpec::new("zmpop", -4, ZSET, "7.0.0")
    .flags(&[Flag::Write, Flag::MovableKeys])
    .doc("numkeys key [key ...] <MIN | MAX> [COUNT count]", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.")
    .run(|c, a| zmpop(c, a, false));
pub static BZMPOP: CommandSpec = CommandSpec::new("bzmpop", -5, ZSET, "7.0.0")
    .flags(&[Flag::Write, Flag::Blocking, Flag::MovableKeys])
    .waits_for("zset")
    .doc("timeout numkeys key [key ...] <MIN | MAX> [COUNT count]", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.")
    .run(|c, a| zmpop(c, a, true));

fn zmpop(ctx: &mut Ctx, mut args: Args, blocking: bool) -> Result<Reply> {
    let deadline = if blocking { Some(super::list::parse_timeout(ctx, args.next()?)?) } else { None };
    let numkeys = parse_i64(args.next()?)
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::other("ERR numkeys should be greater than 0"))?;
    if numkeys as usize >= args.remaining() {
        return Err(Error::Syntax);
    }
    let rest = args.rest();
    let (keys, options) = rest.split_at(numkeys as usize);
    let max = match options[0].to_ascii_uppercase().as_slice() {
        b"MIN" => false,
        b"MAX" => true,
        _ => return Err(Error::Syntax),
    };
    let count = match &options[1..] {
        [] => 1,
        [opt, n] if opt.eq_ignore_ascii_case(b"COUNT") => {
            parse_i64(n).filter(|n| *n > 0).ok_or_else(|| Error::other("ERR count should be greater than 0"))? as usize
        }
        _ => return Err(Error::Syntax),
    };
    for key in keys {
        if let Some(popped) = pop_members(ctx, key, count, max)? {
            let command: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
            ctx.propagate_as = Some(vec![command.to_vec(), key.clone(), popped.len().to_string().into_bytes()]);
            let items = popped.into_iter().map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), score_reply(s)])).collect();
            return Ok(Reply::Array(vec![Reply::Bulk(key.clone()), Reply::Array(items)]));
        }
    }
    super::list::block_or_nil(ctx, keys, deadline)
}

pub static ZRANDMEMBER: CommandSpec = CommandSpec::new("zrandmember", -2, ZSET, "6.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key [count [WITHSCORES]]", "Returns one or more random members from a sorted set.")
    .run(zrandmember);

fn zrandmember(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.peek() {
        None => None,
        Some(_) => Some(super::set::random_count(args.next()?)?),
    };
    let with_scores = match args.peek() {
        None => false,
        Some(opt) if opt.eq_ignore_ascii_case(b"WITHSCORES") && args.remaining() == 1 => true,
        Some(_) => return Err(Error::Syntax),
    };
    if with_scores && count.is_some_and(|n| !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&n)) {
        return Err(Error::other("ERR value is out of range"));
    }
    super::set::check_picks(count)?;
    let items: Members = match zset_at(ctx, key)? {
        None => return Ok(if count.is_some() { Reply::Array(vec![]) } else { Reply::Nil }),
        Some(z) => z.iter().map(|(m, s)| (m.clone(), s)).collect(),
    };
    let picks = super::set::random_picks(ctx, items.len(), count);
    if count.is_none() {
        return Ok(Reply::Bulk(items[picks[0]].0.clone()));
    }
    let chosen = picks.into_iter().map(|i| items[i].clone()).collect();
    Ok(range_reply(ctx, chosen, with_scores))
}

pub static ZSCAN: CommandSpec = CommandSpec::new("zscan", -3, ZSET, "2.8.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key cursor [MATCH pattern] [COUNT count]", "Iterates over members and scores of a sorted set.")
    .run(zscan);

fn zscan(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let cursor = crate::args::parse_u64(args.next()?).ok_or_else(|| Error::other("ERR invalid cursor"))?;
    let (pattern, count, _) = super::keys::parse_scan_options(&mut args, false)?;
    let (items, small): (Members, bool) = match zset_at(ctx, key)? {
        None => (Vec::new(), true),
        Some(z) => (z.iter().map(|(m, s)| (m.clone(), s)).collect(), z.packed),
    };
    let (next, page) = super::set::scan_page(items, cursor, count, small, |(m, _)| m);
    let mut out = Vec::new();
    for (m, s) in page {
        if pattern.is_none_or(|p| crate::glob::matches(p, &m, false)) {
            out.push(Reply::Bulk(m));
            out.push(score_reply(s));
        }
    }
    Ok(Reply::Array(vec![Reply::Bulk(next.to_string().into_bytes()), Reply::Array(out)]))
}
