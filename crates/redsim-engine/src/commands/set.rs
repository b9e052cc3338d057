//! Set commands.

use super::drop_if_empty;
use super::keys::parse_scan_options;
use crate::args::Args;
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::{Set, Value};

const SET: &str = "set";

/// The set at `key`, made by `make` and stored there when missing (as a write that is recorded
/// and signalled when `recorded`; SADD's own bookkeeping comes after it adds).
fn set_or_create<'c>(ctx: &'c mut Ctx, key: &[u8], make: impl FnOnce() -> Set, recorded: bool) -> Result<&'c mut Set> {
    if set_at(ctx, key)?.is_none() {
        let value = Value::Set(Box::new(make()));
        let stored = if recorded {
            ctx.store_mut(key, value, false)
        } else {
            let (db, now) = (ctx.db_index(), ctx.now_ms);
            ctx.server.dbs[db].insert_at(key, value, false, now)
        };
        return match stored {
            Value::Set(s) => Ok(s),
            _ => Err(Error::WrongType),
        };
    }
    // There, as the lookup above found it.
    match ctx.found_again(key) {
        Some(Value::Set(v)) => Ok(v),
        _ => Err(Error::WrongType),
    }
}

fn set_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Set>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType),
    }
}

/// The encoding thresholds in force.
fn packed(ctx: &Ctx) -> crate::value::Encodings {
    ctx.server.config.encodings
}

/// The count of `SRANDMEMBER`/`HRANDFIELD`/`ZRANDMEMBER` (Redis's range check), with a limit of
/// Redsim's own on repeated picks: Redis would try to build a reply of any size (a count of
/// -2^63+1 takes the server down), Redsim refuses beyond `MAX_PICKS`.
pub(crate) fn random_count(arg: &[u8]) -> Result<i64> {
    let n = crate::args::parse_i64(arg).ok_or(Error::NotInteger)?;
    if n == i64::MIN {
        return Err(Error::other(format!(
            "ERR value is out of range, value must between {} and {}",
            -i64::MAX,
            i64::MAX
        )));
    }
    Ok(n)
}

/// Redsim's own limit on how many repeated picks one reply may hold.
pub(crate) fn check_picks(count: Option<i64>) -> Result<()> {
    match count {
        Some(n) if n < -MAX_PICKS => {
            Err(Error::other(format!("ERR count is too large: Redsim answers at most {MAX_PICKS} elements")))
        }
        _ => Ok(()),
    }
}

/// The most elements a negative random count may ask for.
pub(crate) const MAX_PICKS: i64 = 10_000_000;

/// Indexes for `SRANDMEMBER`/`HRANDFIELD`/`ZRANDMEMBER`: one pick for no count, distinct picks
/// for a positive count, picks that may repeat for a negative one.
pub(crate) fn random_picks(ctx: &mut Ctx, len: usize, count: Option<i64>) -> Vec<usize> {
    if len == 0 {
        return Vec::new();
    }
    match count {
        None => vec![(ctx.server.random() % len as u64) as usize],
        Some(n) if n < 0 => (0..n.unsigned_abs()).map(|_| (ctx.server.random() % len as u64) as usize).collect(),
        Some(n) => {
            let mut all: Vec<usize> = (0..len).collect();
            let wanted = (n as usize).min(len);
            for i in 0..wanted {
                let j = i + (ctx.server.random() % (len - i) as u64) as usize;
                all.swap(i, j);
            }
            all.truncate(wanted);
            all
        }
    }
}

/// One page of an `*SCAN` over a collection's elements. Small encodings answer everything at
/// once with cursor 0, as Redis does; tables go `count` at a time.
///
/// A table's elements are visited in the order of a hash of their names, and the cursor is the
/// hash to go on from (never 0, which ends the iteration). So, as with Redis's reversed-bits
/// cursor, an element present from the first call to the last is returned whatever is added or
/// removed meanwhile: removing elements moves no other element past the cursor. Elements that
/// share a hash come in one page.
pub(crate) fn scan_page<T>(
    items: Vec<T>,
    cursor: u64,
    count: u64,
    small: bool,
    name: fn(&T) -> &[u8],
) -> (u64, Vec<T>) {
    if small {
        return (0, items);
    }
    let place = |item: &T| super::hll::murmur64a(name(item)).max(1);
    let mut keyed: Vec<(u64, T)> =
        items.into_iter().map(|item| (place(&item), item)).filter(|(h, _)| *h >= cursor).collect();
    let order = |(a, x): &(u64, T), (b, y): &(u64, T)| a.cmp(b).then_with(|| name(x).cmp(name(y)));
    let mut end = usize::try_from(count).unwrap_or(usize::MAX).min(keyed.len());
    if end < keyed.len() {
        // The page and the element after it, without ordering all the rest.
        keyed.select_nth_unstable_by(end, order);
        keyed[..end].sort_unstable_by(order);
        if end > 0 && keyed[end].0 == keyed[end - 1].0 {
            // Names that share the page's last hash all come now, so the cursor moves on.
            keyed.sort_unstable_by(order);
            while end < keyed.len() && keyed[end].0 == keyed[end - 1].0 {
                end += 1;
            }
        }
    } else {
        keyed.sort_unstable_by(order);
    }
    let next = keyed.get(end).map_or(0, |(h, _)| *h);
    keyed.truncate(end);
    (next, keyed.into_iter().map(|(_, item)| item).collect())
}

pub static SADD: CommandSpec = CommandSpec::new("sadd", -3, SET, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key member [member ...]", "Adds one or more members to a set. Creates the key if it doesn't exist.")
    .run(sadd);

fn sadd(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let members = args.rest();
    let packed = packed(ctx);
    let set = set_or_create(ctx, key, || Set::for_member(&members[0], members.len(), &packed), false)?;
    let added = members.iter().filter(|m| set.insert(m, &packed)).count();
    if added > 0 {
        ctx.modified(key);
    }
    Ok(Reply::Integer(added as i64))
}

pub static SREM: CommandSpec = CommandSpec::new("srem", -3, SET, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key member [member ...]",
        "Removes one or more members from a set. Deletes the set if the last member was removed.",
    )
    .run(srem);

fn srem(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let members = args.rest();
    let Some(set) = set_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let removed = members.iter().filter(|m| set.remove(m)).count();
    if removed > 0 {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Reply::Integer(removed as i64))
}

pub static SCARD: CommandSpec = CommandSpec::new("scard", 2, SET, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the number of members in a set.")
    .run(scard);
pub static SISMEMBER: CommandSpec = CommandSpec::new("sismember", 3, SET, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key member", "Determines whether a member belongs to a set.")
    .run(sismember);
pub static SMISMEMBER: CommandSpec = CommandSpec::new("smismember", -3, SET, "6.2.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key member [member ...]", "Determines whether multiple members belong to a set.")
    .run(smismember);
pub static SMEMBERS: CommandSpec = CommandSpec::new("smembers", 2, SET, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key", "Returns all members of a set.")
    .run(smembers);

fn scard(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(set_at(ctx, key)?.map_or(0, |s| s.len()) as i64))
}

fn sismember(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, member) = (args.next()?, args.next()?);
    Ok(Reply::Integer(set_at(ctx, key)?.is_some_and(|s| s.contains(member)) as i64))
}

fn smismember(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let members = args.rest();
    let set = set_at(ctx, key)?;
    Ok(Reply::Array(
        members.iter().map(|m| Reply::Integer(set.as_ref().is_some_and(|s| s.contains(m)) as i64)).collect(),
    ))
}

fn members_reply(members: Vec<Vec<u8>>) -> Reply {
    Reply::Set(members.into_iter().map(Reply::Bulk).collect())
}

fn smembers(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(members_reply(set_at(ctx, key)?.map(|s| s.members()).unwrap_or_default()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Algebra {
    Inter,
    Union,
    Diff,
}

/// The members of every set named, in order (`None` for a missing key), type-checked first.
fn load_sets(ctx: &mut Ctx, keys: &[Vec<u8>]) -> Result<Vec<Option<Set>>> {
    keys.iter().map(|k| Ok(set_at(ctx, k)?.map(|s| s.clone()))).collect()
}

/// Redis's `sinterGenericCommand`/`sunionDiffGenericCommand`, keeping the first set's order.
fn combine(sets: &[Option<Set>], op: Algebra, packed: &crate::value::Encodings) -> Set {
    let empty = Set::default();
    let first = sets[0].as_ref().unwrap_or(&empty);
    let mut out = Set::default();
    match op {
        Algebra::Inter => {
            if sets.iter().any(Option::is_none) {
                return out;
            }
            for m in first.members() {
                if sets[1..].iter().all(|s| s.as_ref().is_some_and(|s| s.contains(&m))) {
                    out.insert(&m, packed);
                }
            }
        }
        Algebra::Union => {
            for s in sets.iter().flatten() {
                for m in s.members() {
                    out.insert(&m, packed);
                }
            }
        }
        Algebra::Diff => {
            for m in first.members() {
                if !sets[1..].iter().flatten().any(|s| s.contains(&m)) {
                    out.insert(&m, packed);
                }
            }
        }
    }
    out
}

pub static SINTER: CommandSpec = CommandSpec::new("sinter", -2, SET, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, -1, 1)
    .doc("key [key ...]", "Returns the intersect of multiple sets.")
    .run(|ctx, args| algebra(ctx, args, Algebra::Inter));
pub static SUNION: CommandSpec = CommandSpec::new("sunion", -2, SET, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, -1, 1)
    .doc("key [key ...]", "Returns the union of multiple sets.")
    .run(|ctx, args| algebra(ctx, args, Algebra::Union));
pub static SDIFF: CommandSpec = CommandSpec::new("sdiff", -2, SET, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, -1, 1)
    .doc("key [key ...]", "Returns the difference of multiple sets.")
    .run(|ctx, args| algebra(ctx, args, Algebra::Diff));
pub static SINTERSTORE: CommandSpec = CommandSpec::new("sinterstore", -3, SET, "1.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, -1, 1)
    .doc("destination key [key ...]", "Stores the intersect of multiple sets in a key.")
    .run(|ctx, args| algebra_store(ctx, args, Algebra::Inter));
pub static SUNIONSTORE: CommandSpec = CommandSpec::new("sunionstore", -3, SET, "1.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, -1, 1)
    .doc("destination key [key ...]", "Stores the union of multiple sets in a key.")
    .run(|ctx, args| algebra_store(ctx, args, Algebra::Union));
pub static SDIFFSTORE: CommandSpec = CommandSpec::new("sdiffstore", -3, SET, "1.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, -1, 1)
    .doc("destination key [key ...]", "Stores the difference of multiple sets in a key.")
    .run(|ctx, args| algebra_store(ctx, args, Algebra::Diff));

fn algebra(ctx: &mut Ctx, mut args: Args, op: Algebra) -> Result<Reply> {
    let sets = load_sets(ctx, args.rest())?;
    Ok(members_reply(combine(&sets, op, &packed(ctx)).members()))
}

fn algebra_store(ctx: &mut Ctx, mut args: Args, op: Algebra) -> Result<Reply> {
    let dest = args.next()?;
    let sets = load_sets(ctx, args.rest())?;
    let result = combine(&sets, op, &packed(ctx));
    let len = result.len();
    if len == 0 {
        ctx.delete(dest);
    } else {
        ctx.store(dest, Value::Set(Box::new(result)), false);
    }
    Ok(Reply::Integer(len as i64))
}

pub static SINTERCARD: CommandSpec = CommandSpec::new("sintercard", -3, SET, "7.0.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .doc("numkeys key [key ...] [LIMIT limit]", "Returns the number of members of the intersect of multiple sets.")
    .run(sintercard);

fn sintercard(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    card_generic(ctx, args, Algebra::Inter, false)
}

pub static SUNIONCARD: CommandSpec = CommandSpec::new("sunioncard", -3, SET, "8.10.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .doc("numkeys key [key ...] [APPROX] [LIMIT limit]", "Returns the number of members of the union of multiple sets.")
    .run(|ctx, args| card_generic(ctx, args, Algebra::Union, true));

pub static SDIFFCARD: CommandSpec = CommandSpec::new("sdiffcard", -3, SET, "8.10.0")
    .flags(&[Flag::ReadOnly, Flag::MovableKeys])
    .doc(
        "numkeys key [key ...] [LIMIT limit]",
        "Returns the number of members of the difference between the first set and all the successive sets.",
    )
    .run(|ctx, args| card_generic(ctx, args, Algebra::Diff, false));

/// `SINTERCARD`, `SUNIONCARD` and `SDIFFCARD`: the size of the combination, at most `LIMIT`
/// (0: no limit). `SUNIONCARD ... APPROX` estimates it with a HyperLogLog of the members, as
/// redis.io describes (Redsim's HyperLogLog is Redis's). The errors are SINTERCARD's.
fn card_generic(ctx: &mut Ctx, mut args: Args, op: Algebra, approx_allowed: bool) -> Result<Reply> {
    let numkeys = crate::args::parse_i64(args.next()?)
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::other("ERR numkeys should be greater than 0"))?;
    if numkeys as usize > args.remaining() {
        return Err(Error::other("ERR Number of keys can't be greater than number of args"));
    }
    let rest = args.rest();
    let (keys, options) = rest.split_at(numkeys as usize);
    let (mut limit, mut approx) = (0i64, false);
    let mut i = 0;
    while i < options.len() {
        if options[i].eq_ignore_ascii_case(b"LIMIT") && i + 1 < options.len() {
            limit = crate::args::parse_i64(&options[i + 1])
                .filter(|n| *n >= 0)
                .ok_or_else(|| Error::other("ERR LIMIT can't be negative"))?;
            i += 2;
        } else if approx_allowed && options[i].eq_ignore_ascii_case(b"APPROX") {
            approx = true;
            i += 1;
        } else {
            return Err(Error::Syntax);
        }
    }
    let sets = load_sets(ctx, keys)?;
    let combined = combine(&sets, op, &crate::value::Encodings::default());
    let count = if approx {
        let members = combined.members();
        super::hll::estimate(members.iter().map(Vec::as_slice)) as i64
    } else {
        combined.len() as i64
    };
    Ok(Reply::Integer(if limit > 0 { count.min(limit) } else { count }))
}

pub static SMOVE: CommandSpec = CommandSpec::new("smove", 4, SET, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 2, 1)
    .doc("source destination member", "Moves a member from one set to another.")
    .run(smove);

fn smove(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (src, dst, member) = (args.next()?, args.next()?, args.next()?);
    let from_exists = set_at(ctx, src)?.is_some();
    set_at(ctx, dst)?;
    if !from_exists {
        return Ok(Reply::Integer(0));
    }
    if src == dst {
        return Ok(Reply::Integer(set_at(ctx, src)?.is_some_and(|s| s.contains(member)) as i64));
    }
    if !set_at(ctx, src)?.is_some_and(|s| s.remove(member)) {
        return Ok(Reply::Integer(0));
    }
    ctx.modified(src);
    drop_if_empty(ctx, src);
    let packed = packed(ctx);
    if set_or_create(ctx, dst, || Set::for_member(member, 1, &packed), true)?.insert(member, &packed) {
        ctx.modified(dst);
    }
    Ok(Reply::Integer(1))
}

pub static SPOP: CommandSpec = CommandSpec::new("spop", -2, SET, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key [count]", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.")
    .run(spop);
pub static SRANDMEMBER: CommandSpec = CommandSpec::new("srandmember", -2, SET, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key [count]", "Get one or multiple random members from a set")
    .run(srandmember);

fn spop(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.peek() {
        None => None,
        Some(_) => {
            let n = args.next_i64()?;
            if n < 0 {
                return Err(Error::OutOfRange);
            }
            Some(n)
        }
    };
    if !args.is_empty() {
        return Err(Error::Syntax);
    }
    let members = match set_at(ctx, key)? {
        None => return Ok(if count.is_some() { Reply::Set(vec![]) } else { Reply::Nil }),
        Some(s) => s.members(),
    };
    let picks = random_picks(ctx, members.len(), count.or(Some(1)));
    if let Some(set) = set_at(ctx, key)? {
        for &i in &picks {
            set.remove(&members[i]);
        }
    }
    if !picks.is_empty() {
        ctx.modified(key);
        drop_if_empty(ctx, key);
        // Replicas remove the same members: SREM (in batches of 1024), or DEL for all of them.
        if picks.len() == members.len() && count.is_some() {
            ctx.propagate_as = Some(vec![b"DEL".to_vec(), key.to_vec()]);
        } else if count.is_none() {
            ctx.propagate_as = Some(vec![b"SREM".to_vec(), key.to_vec(), members[picks[0]].clone()]);
        } else {
            ctx.prevent_propagation = true;
            for batch in picks.chunks(1024) {
                let mut argv = vec![b"SREM".to_vec(), key.to_vec()];
                argv.extend(batch.iter().map(|&i| members[i].clone()));
                ctx.also_propagate.push(argv);
            }
        }
    }
    Ok(match count {
        None => Reply::Bulk(members[picks[0]].clone()),
        Some(_) => Reply::Set(picks.into_iter().map(|i| Reply::Bulk(members[i].clone())).collect()),
    })
}

fn srandmember(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.peek() {
        None => None,
        Some(_) => Some(random_count(args.next()?)?),
    };
    if !args.is_empty() {
        return Err(Error::Syntax);
    }
    check_picks(count)?;
    let members = match set_at(ctx, key)? {
        None => return Ok(if count.is_some() { Reply::Array(vec![]) } else { Reply::Nil }),
        Some(s) => s.members(),
    };
    let picks = random_picks(ctx, members.len(), count);
    Ok(match count {
        None => Reply::Bulk(members[picks[0]].clone()),
        Some(_) => Reply::Array(picks.into_iter().map(|i| Reply::Bulk(members[i].clone())).collect()),
    })
}

pub static SSCAN: CommandSpec = CommandSpec::new("sscan", -3, SET, "2.8.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key cursor [MATCH pattern] [COUNT count]", "Iterates over members of a set.")
    .run(sscan);

fn sscan(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let cursor = crate::args::parse_u64(args.next()?).ok_or_else(|| Error::other("ERR invalid cursor"))?;
    let (pattern, count, _) = parse_scan_options(&mut args, false)?;
    let (members, small) = match set_at(ctx, key)? {
        None => (Vec::new(), true),
        Some(s) => (s.members(), !matches!(s, Set::Table(_))),
    };
    let (next, page) = scan_page(members, cursor, count, small, |m| m);
    let found = page
        .into_iter()
        .filter(|m| pattern.is_none_or(|p| crate::glob::matches(p, m, false)))
        .map(Reply::Bulk)
        .collect();
    Ok(Reply::Array(vec![Reply::Bulk(next.to_string().into_bytes()), Reply::Array(found)]))
}

#[cfg(test)]
mod card_tests {
    use crate::testing::check;
    use crate::Version;

    // redis.io's SUNIONCARD and SDIFFCARD examples (Redis 8.10), and the errors SINTERCARD has.
    #[test]
    fn union_and_difference_cardinalities() {
        check(
            Version::LATEST,
            "@0 > SADD key1 a b c\n(integer) 3\n\
             @0 > SADD key2 c d e\n(integer) 3\n\
             @0 > SUNIONCARD 2 key1 key2\n(integer) 5\n\
             @0 > SUNIONCARD 2 key1 key2 LIMIT 3\n(integer) 3\n\
             @0 > SUNIONCARD 3 key1 key2 nosuch APPROX\n(integer) 5\n\
             @0 > SDIFFCARD 2 key1 key2\n(integer) 2\n\
             @0 > SDIFFCARD 2 key1 key2 LIMIT 1\n(integer) 1\n\
             @0 > SDIFFCARD 2 key1 key2 APPROX\n(error) ERR syntax error\n\
             @0 > SUNIONCARD 0 key1\n(error) ERR numkeys should be greater than 0\n\
             @0 > SUNIONCARD 3 key1\n(error) ERR Number of keys can't be greater than number of args\n\
             @0 > SUNIONCARD 1 key1 LIMIT -1\n(error) ERR LIMIT can't be negative\n\
             @0 > SET s x\nOK\n\
             @0 > SUNIONCARD 2 key1 s\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n",
        );
        check(
            Version::V8_8,
            "@0 > SUNIONCARD 1 k\n(error) ERR unknown command 'SUNIONCARD', with args beginning with: '1' 'k' \n",
        );
    }
}

#[cfg(test)]
mod scan_tests {
    use crate::reply::Reply;
    use crate::{Server, Version};

    fn run(server: &mut Server, words: &[&str]) -> Reply {
        let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        server.execute(0, 1, &argv).reply.expect("a reply")
    }

    /// Redis's regression test for issue 4906: most elements of a set, hash and sorted set are
    /// removed halfway through an `*SCAN`; every element that stays is still returned.
    #[test]
    fn elements_present_throughout_a_scan_are_all_returned() {
        for (kind, add, remove) in [("set", "SADD", "SREM"), ("hash", "HSET", "HDEL"), ("zset", "ZADD", "ZREM")] {
            for removed_at in 1..6 {
                let mut s = Server::new(Version::V7_0);
                s.connect(0);
                for i in 0..600 {
                    let i = i.to_string();
                    let words: Vec<&str> = match kind {
                        "set" => vec![add, "k", &i],
                        _ => vec![add, "k", &i, &i],
                    };
                    run(&mut s, &words);
                }
                let scan = match kind {
                    "set" => "SSCAN",
                    "hash" => "HSCAN",
                    _ => "ZSCAN",
                };
                let (mut cursor, mut calls, mut found) = ("0".to_string(), 0, std::collections::BTreeSet::new());
                loop {
                    let Reply::Array(parts) = run(&mut s, &[scan, "k", &cursor]) else {
                        panic!("{scan} answers an array")
                    };
                    let (Reply::Bulk(next), Reply::Array(items)) = (&parts[0], &parts[1]) else {
                        panic!("cursor, items")
                    };
                    let step = if kind == "set" { 1 } else { 2 };
                    for item in items.iter().step_by(step) {
                        let Reply::Bulk(name) = item else { panic!("a bulk name") };
                        found.insert(String::from_utf8(name.clone()).unwrap().parse::<u32>().unwrap());
                    }
                    cursor = String::from_utf8(next.clone()).unwrap();
                    calls += 1;
                    if calls == removed_at {
                        let names: Vec<String> = (100..600).map(|i| i.to_string()).collect();
                        let mut words = vec![remove, "k"];
                        words.extend(names.iter().map(String::as_str));
                        run(&mut s, &words);
                    }
                    if cursor == "0" {
                        break;
                    }
                    assert!(calls < 1000, "the scan ends");
                }
                let missing: Vec<u32> = (0..100).filter(|i| !found.contains(i)).collect();
                assert!(missing.is_empty(), "{scan}, removal after call {removed_at}: missing {missing:?}");
            }
        }
    }
}
