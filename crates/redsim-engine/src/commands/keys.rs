//! Generic key commands.

use crate::args::Args;

use crate::error::Result;
use crate::reply::Reply;
use crate::server::Ctx;

const GENERIC: &str = "generic";

/// `DEL key [key ...]`
pub static DEL: CommandSpec = CommandSpec::new("del", -2, GENERIC, "1.0.0")
    .flags(&[Flag::Write])
    .keys(1, -1, 1)
    .acl(&[Category::Keyspace])
    .doc("key [key ...]", "Deletes one or more keys.")
    .run(delete);

/// `UNLINK key [key ...]`: `DEL` whose memory is reclaimed in the background; the same here.
pub static UNLINK: CommandSpec = CommandSpec::new("unlink", -2, GENERIC, "4.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, -1, 1)
    .acl(&[Category::Keyspace])
    .doc("key [key ...]", "Asynchronously deletes one or more keys.")
    .run(delete);

fn delete(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let deleted = args.rest().iter().filter(|key| ctx.delete(key)).count();
    Ok(Reply::Integer(deleted as i64))
}

/// `EXISTS key [key ...]`: a key named twice counts twice.
pub static EXISTS: CommandSpec = CommandSpec::new("exists", -2, GENERIC, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, -1, 1)
    .acl(&[Category::Keyspace])
    .doc("key [key ...]", "Determines whether one or more keys exist.")
    .run(exists);

fn exists(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let found = args.rest().iter().filter(|key| ctx.lookup_no_touch(key).is_some()).count();
    Ok(Reply::Integer(found as i64))
}

/// `TYPE key`
pub static TYPE: CommandSpec = CommandSpec::new("type", 2, GENERIC, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key", "Determines the type of value stored at a key.")
    .run(key_type);

fn key_type(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::status(ctx.lookup_no_touch(key).map_or("none", |v| v.type_name())))
}

use crate::args::parse_i64;
use crate::command::{Category, CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::Error;
use crate::server::DB_COUNT;
use crate::value::Value;

/// Which `EXPIRE` condition was given.
#[derive(Clone, Copy, Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Redis's `parseExtendedExpireArgumentsOrReply`.
fn parse_expire_flags(options: &[Vec<u8>]) -> Result<ExpireFlags> {
    let mut flags = ExpireFlags::default();
    for opt in options {
        match opt.to_ascii_uppercase().as_slice() {
            b"NX" => flags.nx = true,
            b"XX" => flags.xx = true,
            b"GT" => flags.gt = true,
            b"LT" => flags.lt = true,
            _ => return Err(Error::other(format!("ERR Unsupported option {}", String::from_utf8_lossy(opt)))),
        }
    }
    if flags.nx && (flags.xx || flags.gt || flags.lt) {
        return Err(Error::other("ERR NX and XX, GT or LT options at the same time are not compatible"));
    }
    if flags.gt && flags.lt {
        return Err(Error::other("ERR GT and LT options at the same time are not compatible"));
    }
    Ok(flags)
}

pub static EXPIRE: CommandSpec = CommandSpec::new("expire", -3, GENERIC, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key seconds [NX | XX | GT | LT]", "Sets the expiration time of a key in seconds.")
    .run(|ctx, args| expire(ctx, args, 1000, false, "expire"));
pub static PEXPIRE: CommandSpec = CommandSpec::new("pexpire", -3, GENERIC, "2.6.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key milliseconds [NX | XX | GT | LT]", "Sets the expiration time of a key in milliseconds.")
    .run(|ctx, args| expire(ctx, args, 1, false, "pexpire"));
pub static EXPIREAT: CommandSpec = CommandSpec::new("expireat", -3, GENERIC, "1.2.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key unix-time-seconds [NX | XX | GT | LT]", "Sets the expiration time of a key to a Unix timestamp.")
    .run(|ctx, args| expire(ctx, args, 1000, true, "expireat"));
pub static PEXPIREAT: CommandSpec = CommandSpec::new("pexpireat", -3, GENERIC, "2.6.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc(
        "key unix-time-milliseconds [NX | XX | GT | LT]",
        "Sets the expiration time of a key to a Unix milliseconds timestamp.",
    )
    .run(|ctx, args| expire(ctx, args, 1, true, "pexpireat"));

/// Redis's `expireGenericCommand`.
fn expire(ctx: &mut Ctx, mut args: Args, unit_ms: i64, absolute: bool, name: &str) -> Result<Reply> {
    let key = args.next()?;
    let number = args.next()?;
    let flags = parse_expire_flags(args.rest())?;
    let mut when = parse_i64(number).ok_or(Error::NotInteger)?;
    let invalid = || Error::InvalidExpireTime { command: name.to_string() };
    if unit_ms == 1000 {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return Err(invalid());
        }
        when *= 1000;
    }
    let base = if absolute { 0 } else { ctx.now_ms as i64 };
    if when > i64::MAX - base {
        return Err(invalid());
    }
    when += base;
    if ctx.lookup(key).is_none() {
        return Ok(Reply::Integer(0));
    }
    let current = ctx.db().expire_at(key).map(|at| at as i64);
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        return Ok(Reply::Integer(0));
    }
    if when <= ctx.now_ms as i64 {
        ctx.delete(key);
        ctx.propagate_as = Some(vec![b"DEL".to_vec(), key.to_vec()]);
    } else {
        ctx.set_expiry(key, Some(when as u64));
        ctx.dirty += 1;
        ctx.propagate_as = Some(vec![b"PEXPIREAT".to_vec(), key.to_vec(), when.to_string().into_bytes()]);
    }
    Ok(Reply::Integer(1))
}

pub static TTL: CommandSpec = CommandSpec::new("ttl", 2, GENERIC, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key", "Returns the expiration time in seconds of a key.")
    .run(|ctx, args| ttl(ctx, args, false, false));
pub static PTTL: CommandSpec = CommandSpec::new("pttl", 2, GENERIC, "2.6.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key", "Returns the expiration time in milliseconds of a key.")
    .run(|ctx, args| ttl(ctx, args, true, false));
pub static EXPIRETIME: CommandSpec = CommandSpec::new("expiretime", 2, GENERIC, "7.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key", "Returns the expiration time of a key as a Unix timestamp.")
    .run(|ctx, args| ttl(ctx, args, false, true));
pub static PEXPIRETIME: CommandSpec = CommandSpec::new("pexpiretime", 2, GENERIC, "7.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key", "Returns the expiration time of a key as a Unix milliseconds timestamp.")
    .run(|ctx, args| ttl(ctx, args, true, true));

/// Redis's `ttlGenericCommand`.
fn ttl(ctx: &mut Ctx, mut args: Args, in_ms: bool, absolute: bool) -> Result<Reply> {
    let key = args.next()?;
    if ctx.lookup_no_touch(key).is_none() {
        return Ok(Reply::Integer(-2));
    }
    let Some(at) = ctx.db().expire_at(key) else { return Ok(Reply::Integer(-1)) };
    let left = if absolute { at as i64 } else { (at as i64 - ctx.now_ms as i64).max(0) };
    Ok(Reply::Integer(if in_ms { left } else { (left + 500) / 1000 }))
}

pub static PERSIST: CommandSpec = CommandSpec::new("persist", 2, GENERIC, "2.2.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key", "Removes the expiration time of a key.")
    .run(persist);

fn persist(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    if ctx.lookup(key).is_none() || ctx.db().expire_at(key).is_none() {
        return Ok(Reply::Integer(0));
    }
    ctx.set_expiry(key, None);
    ctx.dirty += 1;
    Ok(Reply::Integer(1))
}

pub static RENAME: CommandSpec = CommandSpec::new("rename", 3, GENERIC, "1.0.0")
    .flags(&[Flag::Write])
    .keys(1, 2, 1)
    .acl(&[Category::Keyspace])
    .doc("key newkey", "Renames a key and overwrites the destination.")
    .run(|ctx, args| rename(ctx, args, false));
pub static RENAMENX: CommandSpec = CommandSpec::new("renamenx", 3, GENERIC, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 2, 1)
    .acl(&[Category::Keyspace])
    .doc("key newkey", "Renames a key only when the target key name doesn't exist.")
    .run(|ctx, args| rename(ctx, args, true));

/// Redis's `renameGenericCommand`.
fn rename(ctx: &mut Ctx, mut args: Args, nx: bool) -> Result<Reply> {
    let (from, to) = (args.next()?, args.next()?);
    let Some(value) = ctx.lookup(from).map(|v| v.clone()) else { return Err(Error::NoSuchKey) };
    if from == to {
        return Ok(if nx { Reply::Integer(0) } else { Reply::ok() });
    }
    let expire = ctx.db().expire_at(from);
    let raw = ctx.db().forced_encoding(from);
    if ctx.lookup(to).is_some() {
        if nx {
            return Ok(Reply::Integer(0));
        }
        ctx.delete_quietly(to);
    }
    ctx.delete_quietly(from);
    ctx.store(to, value, false);
    if raw.is_some() {
        ctx.db().force_encoding(to, raw);
    }
    if let Some(at) = expire {
        ctx.set_expiry(to, Some(at));
    }
    Ok(if nx { Reply::Integer(1) } else { Reply::ok() })
}

/// Redis's `getIntFromObjectOrReply` then `selectDb` for a database argument.
fn db_arg(arg: &[u8]) -> Result<usize> {
    let n = parse_i64(arg).ok_or(Error::NotInteger)?;
    let n = i32::try_from(n).map_err(|_| Error::NotInteger)?;
    usize::try_from(n).ok().filter(|&i| i < DB_COUNT).ok_or_else(|| Error::other("ERR DB index is out of range"))
}

pub static COPY: CommandSpec = CommandSpec::new("copy", -3, GENERIC, "6.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 2, 1)
    .acl(&[Category::Keyspace])
    .doc("source destination [DB destination-db] [REPLACE]", "Copies the value of a key to a new key.")
    .run(copy);

fn copy(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (from, to) = (args.next()?, args.next()?);
    let src_db = ctx.db_index();
    let mut dst_db = src_db;
    let mut replace = false;
    while let Some(opt) = args.peek() {
        args.next()?;
        if opt.eq_ignore_ascii_case(b"REPLACE") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"DB") && args.peek().is_some() {
            dst_db = db_arg(args.next()?)?;
        } else {
            return Err(Error::Syntax);
        }
    }
    if ctx.server.cluster.is_some() && (src_db != 0 || dst_db != 0) {
        return Err(Error::other("ERR Copying to another database is not allowed in cluster mode"));
    }
    if src_db == dst_db && from == to {
        return Err(Error::other("ERR source and destination objects are the same"));
    }
    let Some(value) = ctx.lookup(from).map(|v| v.clone()) else { return Ok(Reply::Integer(0)) };
    let expire = ctx.db().expire_at(from);
    let raw = ctx.db().forced_encoding(from);
    let exists = in_db(ctx, dst_db, |ctx| ctx.lookup(to).is_some());
    if exists && !replace {
        return Ok(Reply::Integer(0));
    }
    // A module's value is copied by the module, and the vector set module has no copy callback.
    if matches!(value, Value::VectorSet(_)) {
        return Err(Error::other("ERR not supported for this module key"));
    }
    in_db(ctx, dst_db, |ctx| {
        if exists {
            ctx.delete(to);
        }
        ctx.store(to, value, false);
        if raw.is_some() {
            ctx.db().force_encoding(to, raw);
        }
        if let Some(at) = expire {
            ctx.set_expiry(to, Some(at));
        }
    });
    Ok(Reply::Integer(1))
}

/// Runs `f` with the client switched to database `db`, then switches back.
fn in_db<T>(ctx: &mut Ctx, db: usize, f: impl FnOnce(&mut Ctx) -> T) -> T {
    let home = ctx.db_index();
    ctx.client_mut().db = db;
    let out = f(ctx);
    ctx.client_mut().db = home;
    out
}

pub static MOVE: CommandSpec = CommandSpec::new("move", 3, GENERIC, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key db", "Moves a key to another database.")
    .run(move_key);

fn move_key(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if ctx.server.cluster.is_some() {
        return Err(Error::other("ERR MOVE is not allowed in cluster mode"));
    }
    let key = args.next()?;
    let dst = db_arg(args.next()?)?;
    if dst == ctx.db_index() {
        return Err(Error::other("ERR source and destination objects are the same"));
    }
    let Some(value) = ctx.lookup(key).map(|v| v.clone()) else { return Ok(Reply::Integer(0)) };
    let expire = ctx.db().expire_at(key);
    let raw = ctx.db().forced_encoding(key);
    if in_db(ctx, dst, |ctx| ctx.lookup(key).is_some()) {
        return Ok(Reply::Integer(0));
    }
    in_db(ctx, dst, |ctx| {
        ctx.store(key, value, false);
        if raw.is_some() {
            ctx.db().force_encoding(key, raw);
        }
        if let Some(at) = expire {
            ctx.set_expiry(key, Some(at));
        }
    });
    ctx.delete(key);
    Ok(Reply::Integer(1))
}

pub static SWAPDB: CommandSpec = CommandSpec::new("swapdb", 3, GENERIC, "4.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc("index1 index2", "Swaps two Redis databases.")
    .run(swapdb);

fn swapdb(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if ctx.server.cluster.is_some() {
        return Err(Error::other("ERR SWAPDB is not allowed in cluster mode"));
    }
    let parse = |arg: &[u8], which: &str| {
        let n = parse_i64(arg)
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| Error::other(format!("ERR invalid {which} DB index")))?;
        usize::try_from(n).ok().filter(|&i| i < DB_COUNT).ok_or_else(|| Error::other("ERR DB index is out of range"))
    };
    let a = parse(args.next()?, "first")?;
    let b = parse(args.next()?, "second")?;
    if a != b {
        ctx.server.touch_watched_in_db(a, Some(b));
        ctx.server.touch_watched_in_db(b, Some(a));
        ctx.server.dbs.swap(a, b);
        ctx.signal_flushed(Some(a));
        ctx.signal_flushed(Some(b));
        ctx.dirty += 1;
        ctx.effect(|| Effect::Flushed { db: Some(a) });
        ctx.effect(|| Effect::Flushed { db: Some(b) });
    }
    Ok(Reply::ok())
}

pub static KEYS: CommandSpec = CommandSpec::new("keys", 2, GENERIC, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc("pattern", "Returns all key names that match a pattern.")
    .run(keys);

fn keys(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let pattern = args.next()?;
    let now = ctx.now_ms;
    let db = ctx.db();
    let found = db
        .keys()
        .filter(|(k, _)| !db.is_expired(k, now) && crate::glob::matches(pattern, k, false))
        .map(|(k, _)| Reply::Bulk(k.clone()))
        .collect();
    Ok(Reply::Array(found))
}

pub static SCAN: CommandSpec = CommandSpec::new("scan", -2, GENERIC, "2.8.0")
    .flags(&[Flag::ReadOnly])
    .acl(&[Category::Keyspace])
    .doc("cursor [MATCH pattern] [COUNT count] [TYPE type]", "Iterates over the key names in the database.")
    .run(scan);

/// `SCAN`: the keys in the order of a hash of their names, the cursor being the hash to go on
/// from (see [`super::set::scan_page`]); like Redis's reversed-bits bucket cursor, a key present
/// for the whole iteration is returned, whatever is written meanwhile.
fn scan(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let cursor = args.next()?;
    let cursor: u64 = crate::args::parse_u64(cursor).ok_or_else(|| Error::other("ERR invalid cursor"))?;
    let (pattern, count, kind) = parse_scan_options(&mut args, true)?;
    let now = ctx.now_ms;
    let db = ctx.db();
    let keys: Vec<(&Vec<u8>, &Value)> = db.keys().collect();
    let (next, page) = super::set::scan_page(keys, cursor, count, false, |(k, _)| k);
    let found = page
        .into_iter()
        .filter(|(k, v)| {
            !db.is_expired(k, now)
                && pattern.is_none_or(|p| crate::glob::matches(p, k, false))
                && kind.is_none_or(|t| t.eq_ignore_ascii_case(v.type_name().as_bytes()))
        })
        .map(|(k, _)| Reply::Bulk(k.clone()))
        .collect();
    Ok(Reply::Array(vec![Reply::Bulk(next.to_string().into_bytes()), Reply::Array(found)]))
}

/// `[MATCH pattern] [COUNT count] [TYPE type]` as `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN` take them.
pub(crate) type ScanOptions<'a> = (Option<&'a [u8]>, u64, Option<&'a [u8]>);

/// (pattern, count, type).
pub(crate) fn parse_scan_options<'a>(args: &mut Args<'a>, with_type: bool) -> Result<ScanOptions<'a>> {
    parse_scan_options_with(args, with_type, None)
}

/// `parse_scan_options`, also taking `HSCAN`'s `NOVALUES` (Redis 7.4) when `novalues` is given.
pub(crate) fn parse_scan_options_with<'a>(
    args: &mut Args<'a>,
    with_type: bool,
    mut novalues: Option<&mut bool>,
) -> Result<ScanOptions<'a>> {
    let (mut pattern, mut count, mut kind) = (None, 10u64, None);
    while let Some(opt) = args.peek() {
        args.next()?;
        if let Some(flag) = novalues.as_deref_mut().filter(|_| opt.eq_ignore_ascii_case(b"NOVALUES")) {
            *flag = true;
            continue;
        }
        if args.peek().is_none() {
            return Err(Error::Syntax);
        }
        if opt.eq_ignore_ascii_case(b"COUNT") {
            let n = args.next_i64()?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            count = n as u64;
        } else if opt.eq_ignore_ascii_case(b"MATCH") {
            pattern = Some(args.next()?);
        } else if with_type && opt.eq_ignore_ascii_case(b"TYPE") {
            kind = Some(args.next()?);
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok((pattern, count, kind))
}

pub static RANDOMKEY: CommandSpec = CommandSpec::new("randomkey", 1, GENERIC, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .acl(&[Category::Keyspace])
    .doc("", "Returns a random key name from the database.")
    .run(randomkey);

fn randomkey(ctx: &mut Ctx, _args: Args) -> Result<Reply> {
    for _ in 0..100 {
        let len = ctx.db().len();
        if len == 0 {
            return Ok(Reply::Nil);
        }
        let pick = (ctx.server.random() % len as u64) as usize;
        // Below the length, so there is such a key.
        let Some(key) = ctx.db().nth_key(pick).cloned() else { continue };
        if ctx.lookup(&key).is_some() {
            return Ok(Reply::Bulk(key));
        }
    }
    Ok(Reply::Nil)
}

pub static TOUCH: CommandSpec = CommandSpec::new("touch", -2, GENERIC, "3.2.1")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, -1, 1)
    .acl(&[Category::Keyspace])
    .doc(
        "key [key ...]",
        "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
    )
    .run(touch);

/// `TOUCH`: `EXISTS` that marks each key used now.
fn touch(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let found = args.rest().iter().filter(|key| ctx.lookup(key).is_some()).count();
    Ok(Reply::Integer(found as i64))
}

/// `OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP`
pub static OBJECT: CommandSpec = CommandSpec::new("object", -2, GENERIC, "2.2.3")
    .doc("<subcommand> [arguments]", "A container for object introspection commands.")
    .subcommands(&[
        CommandSpec::new("encoding", 3, GENERIC, "2.2.3")
            .flags(&[Flag::ReadOnly])
            .keys(2, 2, 1)
            .acl(&[Category::Keyspace])
            .doc("key", "Returns the internal encoding of a Redis object.")
            .run(object_encoding),
        CommandSpec::new("freq", 3, GENERIC, "4.0.0")
            .flags(&[Flag::ReadOnly])
            .keys(2, 2, 1)
            .acl(&[Category::Keyspace])
            .doc("key", "Returns the logarithmic access frequency counter of a Redis object.")
            .run(object_freq),
        CommandSpec::new("help", 2, GENERIC, "6.2.0")
            .flags(&[Flag::ReadOnly])
            .keys(2, 2, 1)
            .acl(&[Category::Keyspace])
            .doc("", "Returns helpful text about the different subcommands.")
            .run(object_help),
        CommandSpec::new("idletime", 3, GENERIC, "2.2.3")
            .flags(&[Flag::ReadOnly])
            .keys(2, 2, 1)
            .acl(&[Category::Keyspace])
            .doc("key", "Returns the time since the last access to a Redis object.")
            .run(object_idletime),
        CommandSpec::new("refcount", 3, GENERIC, "2.2.3")
            .flags(&[Flag::ReadOnly])
            .keys(2, 2, 1)
            .acl(&[Category::Keyspace])
            .doc("key", "Returns the reference count of a value of a key.")
            .run(object_refcount),
    ]);

/// The value for `OBJECT key` subcommands, without touching its access time (Redis looks it up
/// with `LOOKUP_NOTOUCH`).
fn object_value<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Option<&'c mut Value> {
    if ctx.expire_if_needed(key) {
        return None;
    }
    ctx.db().get_mut(key)
}

fn object_encoding(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let enc = ctx.server.config.encodings;
    if object_value(ctx, key).is_none() {
        return Ok(Reply::Nil);
    }
    Ok(ctx.db().encoding_of(key, &enc).map_or(Reply::Nil, Reply::bulk))
}

fn object_freq(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    if object_value(ctx, key).is_none() {
        return Ok(Reply::Nil);
    }
    if ctx.server.lfu_policy() {
        let now = ctx.now_ms;
        return Ok(Reply::Integer(i64::from(ctx.db().lfu_counter(key, now).unwrap_or(0))));
    }
    Err(Error::other(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    ))
}

fn object_idletime(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    if object_value(ctx, key).is_none() {
        return Ok(Reply::Nil);
    }
    if ctx.server.lfu_policy() {
        return Err(Error::other(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    let since = ctx.db().access_ms(key).unwrap_or(0);
    Ok(Reply::Integer((ctx.now_ms.saturating_sub(since) / 1000) as i64))
}

fn object_refcount(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(match object_value(ctx, key) {
        None => Reply::Nil,
        // Small integers are Redis's shared objects (OBJ_SHARED_REFCOUNT).
        Some(Value::String(s)) if parse_i64(s).is_some_and(|n| (0..10_000).contains(&n)) => {
            Reply::Integer(i32::MAX as i64)
        }
        Some(_) => Reply::Integer(1),
    })
}

fn object_help(_ctx: &mut Ctx, _args: Args) -> Result<Reply> {
    Ok(crate::commands::stream::help_reply(
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    ))
}

/// `DUMP key`: the value in Redis's serialization format (see `crate::rdb`).
pub static DUMP: CommandSpec = CommandSpec::new("dump", 2, GENERIC, "2.6.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace])
    .doc("key", "Returns a serialized representation of the value stored at a key.")
    .run(dump);

pub(crate) fn dump_format(ctx: &Ctx) -> crate::rdb::Format {
    crate::rdb::Format {
        version: ctx.version(),
        compress: ctx.server.config.settings.flag("rdbcompression"),
        encodings: ctx.server.config.encodings,
        array_limits: ctx.server.config.array_limits(),
    }
}

fn dump(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let format = dump_format(ctx);
    Ok(match ctx.lookup(key) {
        None => Reply::Nil,
        Some(value) => Reply::Bulk(crate::rdb::dump(value, &format)),
    })
}

/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]`
/// `RESTORE-ASKING`: `RESTORE` that a cluster node importing the key's slot serves without a
/// preceding `ASKING` (what `MIGRATE` sends).
pub static RESTORE_ASKING: CommandSpec = CommandSpec::new("restore-asking", -4, "server", "3.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc(
        "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
        "An internal command for migrating keys in a cluster.",
    )
    .run(restore);

pub static RESTORE: CommandSpec = CommandSpec::new("restore", -4, GENERIC, "2.6.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc(
        "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
        "Creates a key from the serialized representation of a value.",
    )
    .run(restore);

fn restore(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let ttl_arg = args.next()?.to_vec();
    let payload = args.next()?.to_vec();
    let rest = args.rest();
    let (mut replace, mut absttl) = (false, false);
    let (mut freq, mut idle): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 0;
    while j < rest.len() {
        let more = rest.len() - j - 1;
        let is = |w: &str| rest[j].eq_ignore_ascii_case(w.as_bytes());
        if is("replace") {
            replace = true;
        } else if is("absttl") {
            absttl = true;
        } else if is("idletime") && more >= 1 && freq.is_none() {
            let v = crate::args::parse_i64(&rest[j + 1]).ok_or(Error::NotInteger)?;
            if v < 0 {
                return Err(Error::other("ERR Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            j += 1;
        } else if is("freq") && more >= 1 && idle.is_none() {
            let v = crate::args::parse_i64(&rest[j + 1]).ok_or(Error::NotInteger)?;
            if !(0..=255).contains(&v) {
                return Err(Error::other("ERR Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    if !replace && ctx.lookup(&key).is_some() {
        return Err(Error::other("BUSYKEY Target key name already exists."));
    }
    let ttl = crate::args::parse_i64(&ttl_arg).ok_or(Error::NotInteger)?;
    if ttl < 0 {
        return Err(Error::other("ERR Invalid TTL value, must be >= 0"));
    }
    let format = dump_format(ctx);
    let mut value = crate::rdb::restore(&payload, &format).map_err(|e| Error::other(e.message()))?;
    let deleted = replace && {
        let db = ctx.db_index();
        ctx.server.touch_watched(db, &key, false);
        ctx.server.dbs[db].remove(&key).is_some()
    };
    let at = if ttl > 0 && !absttl { ttl.saturating_add(ctx.now_ms as i64) } else { ttl };
    if ttl > 0 && at <= ctx.now_ms as i64 {
        // Already expired: the key is gone, and replicas delete it too.
        if deleted {
            ctx.modified(&key);
            ctx.notify(crate::notify::GENERIC, "del", &key);
            ctx.propagate_as = Some(vec![b"DEL".to_vec(), key.clone()]);
        }
        return Ok(Reply::ok());
    }
    ctx.server.number_vector_set(&mut value);
    ctx.store(&key, value, false);
    if ttl > 0 {
        ctx.set_expiry(&key, Some(at as u64));
        if !absttl {
            let mut argv = ctx.argv.to_vec();
            argv[2] = at.to_string().into_bytes();
            argv.push(b"ABSTTL".to_vec());
            ctx.propagate_as = Some(argv);
        }
    }
    let (now, db) = (ctx.now_ms, ctx.db_index());
    if ctx.server.lfu_policy() {
        if let Some(f) = freq {
            ctx.server.dbs[db].set_lfu_counter(&key, f as u8, now);
        }
    } else if let Some(idle) = idle {
        ctx.server.dbs[db].set_access_ms(&key, now.saturating_sub((idle as u64).saturating_mul(1000)));
    }
    ctx.notify(crate::notify::GENERIC, "restore", &key);
    Ok(Reply::ok())
}
