//! Hash commands.

use super::drop_if_empty;
use super::hash_ttl::{expire_field, FieldState};
use super::keys::parse_scan_options_with;
use super::string::parse_ld;
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::{Hash, Value};

const HASH: &str = "hash";

/// The hash at `key`: `None` when missing, `WRONGTYPE` for another type.
fn hash_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Hash>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(Error::WrongType),
    }
}

/// The hash at `key`, created empty when missing (Redis's `hashTypeLookupWriteOrCreate`).
fn hash_or_create<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Hash> {
    if hash_at(ctx, key)?.is_none() {
        let (db, now) = (ctx.db_index(), ctx.now_ms);
        return match ctx.server.dbs[db].insert_at(key, Value::Hash(Box::default()), false, now) {
            Value::Hash(h) => Ok(h),
            _ => Err(Error::WrongType),
        };
    }
    // There, as the lookup above found it.
    match ctx.found_again(key) {
        Some(Value::Hash(v)) => Ok(v),
        _ => Err(Error::WrongType),
    }
}

/// The value of `field` after its lazy expiry (Redis 7.4's field TTLs): `None` when the hash,
/// the field or its time is gone. `notify` sends `hexpired` for a field removed here.
fn live_field(ctx: &mut Ctx, key: &[u8], field: &[u8], notify: bool) -> Result<Option<Vec<u8>>> {
    if hash_at(ctx, key)?.is_none() || expire_field(ctx, key, field, notify) != FieldState::Live {
        return Ok(None);
    }
    Ok(match ctx.db().get(key) {
        Some(Value::Hash(h)) => h.get(field).cloned(),
        _ => None,
    })
}

/// The hash at `key` for a write of `field` (`HINCRBY`, `HSETNX`): created when missing, and
/// created anew when the lazy expiry of `field` removed its last field. Also whether the field
/// is live.
fn hash_for_field<'c>(ctx: &'c mut Ctx, key: &[u8], field: &[u8]) -> Result<(&'c mut Hash, bool)> {
    hash_or_create(ctx, key)?;
    let live = expire_field(ctx, key, field, true) == FieldState::Live;
    Ok((hash_or_create(ctx, key)?, live))
}

pub static HSET: CommandSpec = CommandSpec::new("hset", -4, HASH, "2.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key field value [field value ...]", "Creates or modifies the value of a field in a hash.")
    .run(|ctx, args| hset(ctx, args, false));
pub static HMSET: CommandSpec = CommandSpec::new("hmset", -4, HASH, "2.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key field value [field value ...]", "Sets the values of multiple fields.")
    .run(|ctx, args| hset(ctx, args, true));

fn hset(ctx: &mut Ctx, mut args: Args, legacy: bool) -> Result<Reply> {
    let key = args.next()?;
    let pairs = args.rest();
    if pairs.len() % 2 == 1 {
        return Err(Error::WrongArity { name: if legacy { "hmset" } else { "hset" }.into() });
    }
    let enc = ctx.server.config.encodings;
    let hash = hash_or_create(ctx, key)?;
    hash.prepare(pairs, &enc);
    let created = pairs.chunks(2).filter(|p| hash.insert(&p[0], p[1].clone(), &enc)).count();
    ctx.modified(key);
    Ok(if legacy { Reply::ok() } else { Reply::Integer(created as i64) })
}

pub static HSETNX: CommandSpec = CommandSpec::new("hsetnx", 4, HASH, "2.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key field value", "Sets the value of a field in a hash only when the field doesn't exist.")
    .run(hsetnx);

fn hsetnx(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field, value) = (args.next()?, args.next()?, args.next()?);
    let enc = ctx.server.config.encodings;
    let (hash, live) = hash_for_field(ctx, key, field)?;
    if live && hash.get(field).is_some() {
        return Ok(Reply::Integer(0));
    }
    hash.insert(field, value.to_vec(), &enc);
    ctx.modified(key);
    Ok(Reply::Integer(1))
}

pub static HGET: CommandSpec = CommandSpec::new("hget", 3, HASH, "2.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key field", "Returns the value of a field in a hash.")
    .run(hget);

fn hget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    Ok(live_field(ctx, key, field, true)?.map_or(Reply::Nil, Reply::Bulk))
}

pub static HMGET: CommandSpec = CommandSpec::new("hmget", -3, HASH, "2.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key field [field ...]", "Returns the values of all fields in a hash.")
    .run(hmget);

fn hmget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let fields = args.rest();
    if hash_at(ctx, key)?.is_none() {
        return Ok(Reply::Array(vec![Reply::Nil; fields.len()]));
    }
    // One `hexpired` (and `del`) for all the fields removed, as Redis's HMGET sends them.
    let (mut expired, mut deleted) = (false, false);
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        if deleted {
            out.push(Reply::Nil);
            continue;
        }
        match expire_field(ctx, key, f, false) {
            FieldState::Live => out.push(match ctx.db().get(key) {
                Some(Value::Hash(h)) => h.get(f).map_or(Reply::Nil, |v| Reply::Bulk(v.clone())),
                _ => Reply::Nil,
            }),
            state => {
                expired |= state == FieldState::Expired;
                deleted |= state == FieldState::ExpiredHash;
                out.push(Reply::Nil);
            }
        }
    }
    if expired {
        ctx.notify(crate::notify::HASH, "hexpired", key);
        if deleted {
            ctx.notify(crate::notify::GENERIC, "del", key);
        }
    }
    Ok(Reply::Array(out))
}

pub static HGETALL: CommandSpec = CommandSpec::new("hgetall", 2, HASH, "2.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key", "Returns all fields and values in a hash.")
    .run(hgetall);
pub static HKEYS: CommandSpec = CommandSpec::new("hkeys", 2, HASH, "2.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key", "Returns all fields in a hash.")
    .run(hkeys);
pub static HVALS: CommandSpec = CommandSpec::new("hvals", 2, HASH, "2.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key", "Returns all values in a hash.")
    .run(hvals);

fn hgetall(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let now = ctx.now_ms;
    Ok(Reply::Map(
        hash_at(ctx, key)?
            .map(|h| h.live(now).map(|(f, v)| (Reply::Bulk(f.clone()), Reply::Bulk(v.clone()))).collect())
            .unwrap_or_default(),
    ))
}

fn hkeys(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let now = ctx.now_ms;
    Ok(Reply::Array(
        hash_at(ctx, key)?.map(|h| h.live(now).map(|(f, _)| Reply::Bulk(f.clone())).collect()).unwrap_or_default(),
    ))
}

fn hvals(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let now = ctx.now_ms;
    Ok(Reply::Array(
        hash_at(ctx, key)?.map(|h| h.live(now).map(|(_, v)| Reply::Bulk(v.clone())).collect()).unwrap_or_default(),
    ))
}

pub static HDEL: CommandSpec = CommandSpec::new("hdel", -3, HASH, "2.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key field [field ...]",
        "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
    )
    .run(hdel);

fn hdel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let fields = args.rest();
    let Some(hash) = hash_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let deleted = fields.iter().filter(|f| hash.remove(f)).count();
    if deleted > 0 {
        ctx.modified(key);
        drop_if_empty(ctx, key);
    }
    Ok(Reply::Integer(deleted as i64))
}

pub static HEXISTS: CommandSpec = CommandSpec::new("hexists", 3, HASH, "2.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key field", "Determines whether a field exists in a hash.")
    .run(hexists);
pub static HLEN: CommandSpec = CommandSpec::new("hlen", 2, HASH, "2.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the number of fields in a hash.")
    .run(hlen);
pub static HSTRLEN: CommandSpec = CommandSpec::new("hstrlen", 3, HASH, "3.2.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key field", "Returns the length of the value of a field.")
    .run(hstrlen);

fn hexists(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    Ok(Reply::Integer(live_field(ctx, key, field, true)?.is_some() as i64))
}

fn hlen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(hash_at(ctx, key)?.map_or(0, |h| h.len()) as i64))
}

fn hstrlen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    Ok(Reply::Integer(live_field(ctx, key, field, true)?.map_or(0, |v| v.len()) as i64))
}

pub static HINCRBY: CommandSpec = CommandSpec::new("hincrby", 4, HASH, "2.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key field increment", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.")
    .run(hincrby);

fn hincrby(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    let by = args.next_i64()?;
    let enc = ctx.server.config.encodings;
    let (hash, live) = hash_for_field(ctx, key, field)?;
    let current = match hash.get(field).filter(|_| live) {
        None => 0,
        Some(v) => parse_i64(v).ok_or_else(|| Error::other("ERR hash value is not an integer"))?,
    };
    let new = current.checked_add(by).ok_or_else(|| Error::other("ERR increment or decrement would overflow"))?;
    hash.insert_keep_ttl(field, new.to_string().into_bytes(), &enc);
    ctx.modified(key);
    Ok(Reply::Integer(new))
}

pub static HINCRBYFLOAT: CommandSpec = CommandSpec::new("hincrbyfloat", 4, HASH, "2.6.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key field increment", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.")
    .run(hincrbyfloat);

fn hincrbyfloat(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    let by = parse_ld(args.next()?).ok_or(Error::NotFloat)?;
    if !by.is_finite() {
        return Err(Error::other("ERR value is NaN or Infinity"));
    }
    let enc = ctx.server.config.encodings;
    let (hash, live) = hash_for_field(ctx, key, field)?;
    let current = match hash.get(field).filter(|_| live) {
        None => crate::ld::LongDouble::ZERO,
        Some(v) => parse_ld(v).ok_or_else(|| Error::other("ERR hash value is not a float"))?,
    };
    let new = current + by;
    if !new.is_finite() {
        return Err(Error::other("ERR increment would produce NaN or Infinity"));
    }
    let text = new.human().into_bytes();
    hash.insert_keep_ttl(field, text.clone(), &enc);
    ctx.modified(key);
    ctx.propagate_as = Some(vec![b"HSET".to_vec(), key.to_vec(), field.to_vec(), text.clone()]);
    Ok(Reply::Bulk(text))
}

pub static HRANDFIELD: CommandSpec = CommandSpec::new("hrandfield", -2, HASH, "6.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key [count [WITHVALUES]]", "Returns one or more random fields from a hash.")
    .run(hrandfield);

fn hrandfield(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.peek() {
        None => None,
        Some(_) => Some(super::set::random_count(args.next()?)?),
    };
    let with_values = match args.peek() {
        None => false,
        Some(opt) if opt.eq_ignore_ascii_case(b"WITHVALUES") && args.remaining() == 1 => true,
        Some(_) => return Err(Error::Syntax),
    };
    if with_values && count.is_some_and(|n| !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&n)) {
        return Err(Error::other("ERR value is out of range"));
    }
    super::set::check_picks(count)?;
    let none = if count.is_some() { Reply::Array(vec![]) } else { Reply::Nil };
    if hash_at(ctx, key)?.is_none() {
        return Ok(none);
    }
    // Fields whose time has come go first (Redis's `hashTypeExpireIfNeeded`).
    let (db, now) = (ctx.db_index(), ctx.now_ms);
    if ctx.server.master.is_none() && ctx.server.expire_fields_of(db, key, now, ctx.out) {
        return Ok(none);
    }
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = match ctx.db().get(key) {
        Some(Value::Hash(h)) => h.live(now).map(|(f, v)| (f.clone(), v.clone())).collect(),
        _ => return Ok(none),
    };
    let picks = super::set::random_picks(ctx, pairs.len(), count);
    let Some(_) = count else { return Ok(Reply::Bulk(pairs[picks[0]].0.clone())) };
    let mut out = Vec::new();
    for i in picks {
        let (f, v) = &pairs[i];
        if with_values && ctx.client().protocol == crate::reply::Protocol::Resp3 {
            out.push(Reply::Array(vec![Reply::Bulk(f.clone()), Reply::Bulk(v.clone())]));
        } else {
            out.push(Reply::Bulk(f.clone()));
            if with_values {
                out.push(Reply::Bulk(v.clone()));
            }
        }
    }
    Ok(Reply::Array(out))
}

pub static HSCAN: CommandSpec = CommandSpec::new("hscan", -3, HASH, "2.8.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key cursor [MATCH pattern] [COUNT count] [NOVALUES]", "Iterates over fields and values of a hash.")
    .run(hscan);

fn hscan(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let cursor = crate::args::parse_u64(args.next()?).ok_or_else(|| Error::other("ERR invalid cursor"))?;
    let mut novalues = false;
    let newer = ctx.version().at_least(7, 4);
    let (pattern, count, _) = parse_scan_options_with(&mut args, false, newer.then_some(&mut novalues))?;
    let now = ctx.now_ms;
    let pairs: Vec<(Vec<u8>, Vec<u8>)> =
        hash_at(ctx, key)?.map(|h| h.live(now).map(|(f, v)| (f.clone(), v.clone())).collect()).unwrap_or_default();
    let (next, items) = super::set::scan_page(
        pairs,
        cursor,
        count,
        matches!(ctx.db().get(key), Some(Value::Hash(h)) if !matches!(**h, Hash::Table(..))),
        |(f, _)| f,
    );
    let mut out = Vec::new();
    for (f, v) in items {
        if pattern.is_none_or(|p| crate::glob::matches(p, &f, false)) {
            out.push(Reply::Bulk(f));
            if !novalues {
                out.push(Reply::Bulk(v));
            }
        }
    }
    Ok(Reply::Array(vec![Reply::Bulk(next.to_string().into_bytes()), Reply::Array(out)]))
}
