//! Hash commands.

use super::drop_if_empty;
use super::keys::parse_scan_options;
use super::string::parse_ld;
use crate::args::{parse_i64, Args};
use crate::command::command;
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
        let db = ctx.db_index();
        let now = ctx.now_ms;
        ctx.server.dbs[db].set_at(key, Value::Hash(Box::default()), false, now);
    }
    Ok(hash_at(ctx, key)?.expect("just created"))
}

command!(
    HSET,
    "hset",
    -4,
    [Write, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key field value [field value ...]",
    "Creates or modifies the value of a field in a hash.",
    |ctx, args| hset(ctx, args, false)
);
command!(
    HMSET,
    "hmset",
    -4,
    [Write, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key field value [field value ...]",
    "Sets the values of multiple fields.",
    |ctx, args| hset(ctx, args, true)
);

fn hset(ctx: &mut Ctx, mut args: Args, legacy: bool) -> Result<Reply> {
    let key = args.next()?;
    let pairs = args.rest();
    if pairs.len() % 2 == 1 {
        return Err(Error::WrongArity { name: if legacy { "hmset" } else { "hset" }.into() });
    }
    let hash = hash_or_create(ctx, key)?;
    let created = pairs.chunks(2).filter(|p| hash.insert(&p[0], p[1].clone())).count();
    ctx.modified(key);
    Ok(if legacy { Reply::ok() } else { Reply::Integer(created as i64) })
}

command!(
    HSETNX,
    "hsetnx",
    4,
    [Write, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key field value",
    "Sets the value of a field in a hash only when the field doesn't exist.",
    hsetnx
);

fn hsetnx(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field, value) = (args.next()?, args.next()?, args.next()?);
    let hash = hash_or_create(ctx, key)?;
    if hash.get(field).is_some() {
        return Ok(Reply::Integer(0));
    }
    hash.insert(field, value.to_vec());
    ctx.modified(key);
    Ok(Reply::Integer(1))
}

command!(
    HGET,
    "hget",
    3,
    [ReadOnly, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key field",
    "Returns the value of a field in a hash.",
    hget
);

fn hget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    Ok(hash_at(ctx, key)?.and_then(|h| h.get(field)).map_or(Reply::Nil, |v| Reply::Bulk(v.clone())))
}

command!(
    HMGET,
    "hmget",
    -3,
    [ReadOnly, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key field [field ...]",
    "Returns the values of all fields in a hash.",
    hmget
);

fn hmget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let fields = args.rest();
    let hash = hash_at(ctx, key)?;
    Ok(Reply::Array(
        fields
            .iter()
            .map(|f| hash.as_ref().and_then(|h| h.get(f)).map_or(Reply::Nil, |v| Reply::Bulk(v.clone())))
            .collect(),
    ))
}

command!(
    HGETALL,
    "hgetall",
    2,
    [ReadOnly],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key",
    "Returns all fields and values in a hash.",
    hgetall
);
command!(HKEYS, "hkeys", 2, [ReadOnly], (1, 1, 1), HASH, "2.0.0", "key", "Returns all fields in a hash.", hkeys);
command!(HVALS, "hvals", 2, [ReadOnly], (1, 1, 1), HASH, "2.0.0", "key", "Returns all values in a hash.", hvals);

fn hgetall(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Map(
        hash_at(ctx, key)?
            .map(|h| h.iter().map(|(f, v)| (Reply::Bulk(f.clone()), Reply::Bulk(v.clone()))).collect())
            .unwrap_or_default(),
    ))
}

fn hkeys(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Array(
        hash_at(ctx, key)?.map(|h| h.iter().map(|(f, _)| Reply::Bulk(f.clone())).collect()).unwrap_or_default(),
    ))
}

fn hvals(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Array(
        hash_at(ctx, key)?.map(|h| h.iter().map(|(_, v)| Reply::Bulk(v.clone())).collect()).unwrap_or_default(),
    ))
}

command!(
    HDEL,
    "hdel",
    -3,
    [Write, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key field [field ...]",
    "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
    hdel
);

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

command!(
    HEXISTS,
    "hexists",
    3,
    [ReadOnly, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key field",
    "Determines whether a field exists in a hash.",
    hexists
);
command!(
    HLEN,
    "hlen",
    2,
    [ReadOnly, Fast],
    (1, 1, 1),
    HASH,
    "2.0.0",
    "key",
    "Returns the number of fields in a hash.",
    hlen
);
command!(
    HSTRLEN,
    "hstrlen",
    3,
    [ReadOnly, Fast],
    (1, 1, 1),
    HASH,
    "3.2.0",
    "key field",
    "Returns the length of the value of a field.",
    hstrlen
);

fn hexists(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    Ok(Reply::Integer(hash_at(ctx, key)?.is_some_and(|h| h.get(field).is_some()) as i64))
}

fn hlen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(hash_at(ctx, key)?.map_or(0, |h| h.len()) as i64))
}

fn hstrlen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    Ok(Reply::Integer(hash_at(ctx, key)?.and_then(|h| h.get(field)).map_or(0, |v| v.len()) as i64))
}

command!(HINCRBY, "hincrby", 4, [Write, Fast], (1, 1, 1), HASH, "2.0.0", "key field increment",
    "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
    hincrby);

fn hincrby(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    let by = args.next_i64()?;
    let hash = hash_or_create(ctx, key)?;
    let current = match hash.get(field) {
        None => 0,
        Some(v) => parse_i64(v).ok_or_else(|| Error::other("ERR hash value is not an integer"))?,
    };
    let new = current.checked_add(by).ok_or_else(|| Error::other("ERR increment or decrement would overflow"))?;
    hash.insert(field, new.to_string().into_bytes());
    ctx.modified(key);
    Ok(Reply::Integer(new))
}

command!(
    HINCRBYFLOAT,
    "hincrbyfloat",
    4,
    [Write, Fast],
    (1, 1, 1),
    HASH,
    "2.6.0",
    "key field increment",
    "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
    hincrbyfloat
);

fn hincrbyfloat(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, field) = (args.next()?, args.next()?);
    let by = parse_ld(args.next()?).ok_or(Error::NotFloat)?;
    if !by.is_finite() {
        return Err(Error::other("ERR value is NaN or Infinity"));
    }
    let hash = hash_or_create(ctx, key)?;
    let current = match hash.get(field) {
        None => crate::ld::LongDouble::ZERO,
        Some(v) => parse_ld(v).ok_or_else(|| Error::other("ERR hash value is not a float"))?,
    };
    let new = current.add(by);
    if !new.is_finite() {
        return Err(Error::other("ERR increment would produce NaN or Infinity"));
    }
    let text = new.human().into_bytes();
    hash.insert(field, text.clone());
    ctx.modified(key);
    ctx.propagate_as = Some(vec![b"HSET".to_vec(), key.to_vec(), field.to_vec(), text.clone()]);
    Ok(Reply::Bulk(text))
}

command!(
    HRANDFIELD,
    "hrandfield",
    -2,
    [ReadOnly],
    (1, 1, 1),
    HASH,
    "6.2.0",
    "key [count [WITHVALUES]]",
    "Returns one or more random fields from a hash.",
    hrandfield
);

fn hrandfield(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.peek() {
        None => None,
        Some(_) => Some(args.next_i64()?),
    };
    let with_values = match args.peek() {
        None => false,
        Some(opt) if opt.eq_ignore_ascii_case(b"WITHVALUES") && args.remaining() == 1 => true,
        Some(_) => return Err(Error::Syntax),
    };
    if let Some(n) = count {
        if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&n) {
            return Err(Error::other(format!(
                "ERR value is out of range, value must between {} and {}",
                -(i64::MAX / 2),
                i64::MAX / 2
            )));
        }
    }
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = match hash_at(ctx, key)? {
        None => return Ok(if count.is_some() { Reply::Array(vec![]) } else { Reply::Nil }),
        Some(h) => h.iter().map(|(f, v)| (f.clone(), v.clone())).collect(),
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

command!(
    HSCAN,
    "hscan",
    -3,
    [ReadOnly],
    (1, 1, 1),
    HASH,
    "2.8.0",
    "key cursor [MATCH pattern] [COUNT count]",
    "Iterates over fields and values of a hash.",
    hscan
);

fn hscan(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let cursor = crate::args::parse_u64(args.next()?).ok_or_else(|| Error::other("ERR invalid cursor"))?;
    let (pattern, count, _) = parse_scan_options(&mut args, false)?;
    let pairs: Vec<(Vec<u8>, Vec<u8>)> =
        hash_at(ctx, key)?.map(|h| h.iter().map(|(f, v)| (f.clone(), v.clone())).collect()).unwrap_or_default();
    let (next, items) = super::set::scan_page(
        pairs,
        cursor,
        count,
        matches!(ctx.db().get(key), Some(Value::Hash(h)) if matches!(**h, Hash::Listpack(_))),
    );
    let mut out = Vec::new();
    for (f, v) in items {
        if pattern.is_none_or(|p| crate::glob::matches(p, &f, false)) {
            out.push(Reply::Bulk(f));
            out.push(Reply::Bulk(v));
        }
    }
    Ok(Reply::Array(vec![Reply::Bulk(next.to_string().into_bytes()), Reply::Array(out)]))
}
