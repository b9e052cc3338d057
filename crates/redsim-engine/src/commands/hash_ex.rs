//! Redis 8.0's hash commands that read or write fields together with their times to live:
//! `HGETDEL`, `HGETEX`, `HSETEX`. They build on the field expiry of `hash_ttl`.
//!
//! Each looks at its fields quietly (a field whose time has come is removed without its own
//! event) and sends the events once at the end, as Redis's `t_hash.c` does; replicas receive
//! what the command did (`HDEL`, `HPEXPIREAT`, `HPERSIST`, `HSETEX ... PXAT`), never the command
//! with a relative time.

use super::hash_ttl::{expire_field_quietly, expire_time, fields, hash_exists, FieldState};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::{Hash, Value};

const HASH: &str = "hash";

/// The hash at `key`, which the caller has checked exists.
fn hash_mut<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Option<&'c mut Hash> {
    match ctx.db().get_mut(key) {
        Some(Value::Hash(h)) => Some(h),
        _ => None,
    }
}

/// Removes the hash at `key` if the command left it empty, with `del`.
fn drop_if_emptied(ctx: &mut Ctx, key: &[u8]) {
    if hash_mut(ctx, key).is_some_and(|h| h.is_empty()) {
        let db = ctx.db_index();
        ctx.server.dbs[db].remove(key);
        ctx.effect(|| Effect::KeyDeleted { db, key: key.to_vec() });
        ctx.notify(crate::notify::GENERIC, "del", key);
    }
}

/// Records `changes` changes to the hash at `key` (Redis's `signalModifiedKey` and
/// `server.dirty += changes`).
fn changed(ctx: &mut Ctx, key: &[u8], changes: u64) {
    let db = ctx.db_index();
    ctx.signal_ready(key);
    ctx.dirty += changes;
    ctx.effect(|| Effect::KeyWritten { db, key: key.to_vec() });
}

/// The value of a field after its quiet lazy expiry, and whether its time had come.
fn read_field(ctx: &mut Ctx, key: &[u8], field: &[u8]) -> (Option<Vec<u8>>, bool) {
    match expire_field_quietly(ctx, key, field) {
        FieldState::Live => (hash_mut(ctx, key).and_then(|h| h.get(field).cloned()), false),
        FieldState::Missing => (None, false),
        FieldState::Expired | FieldState::ExpiredHash => (None, true),
    }
}

pub static HGETDEL: CommandSpec = CommandSpec::new("hgetdel", -5, HASH, "8.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key FIELDS numfields field [field ...]", "Returns the value of a field and deletes it from the hash.")
    .run(hgetdel);

/// `HGETDEL`: each field's value (nil when missing), then the field is gone; replicas receive
/// `HDEL key field ...`.
fn hgetdel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let exists = hash_exists(ctx, key)?;
    let fields = fields(&mut args, "ERR Number of fields must be a positive integer")?;
    if !exists {
        return Ok(Reply::Array(vec![Reply::Nil; fields.len()]));
    }
    let (mut expired, mut deleted) = (false, 0u64);
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let (value, was_due) = read_field(ctx, key, field);
        expired |= was_due;
        if let Some(value) = value {
            if let Some(hash) = hash_mut(ctx, key) {
                hash.remove(field);
            }
            deleted += 1;
            out.push(Reply::Bulk(value));
        } else {
            out.push(Reply::Nil);
        }
    }
    if !expired && deleted == 0 {
        return Ok(Reply::Array(out));
    }
    changed(ctx, key, deleted);
    if expired {
        ctx.notify(crate::notify::HASH, "hexpired", key);
    }
    if deleted > 0 {
        ctx.notify(crate::notify::HASH, "hdel", key);
        let mut argv = vec![b"HDEL".to_vec(), key.to_vec()];
        argv.extend(fields.iter().cloned());
        ctx.propagate_as = Some(argv);
    }
    drop_if_emptied(ctx, key);
    Ok(Reply::Array(out))
}

pub static HGETEX: CommandSpec = CommandSpec::new("hgetex", -5, HASH, "8.0.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] FIELDS numfields field [field ...]",
        "Get the value of one or more fields of a given hash key, and optionally set their expiration time or time-to-live (TTL).",
    )
    .run(hgetex);

/// What `HGETEX` does to the fields it reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    Nothing,
    ExpireAt(u64),
    Persist,
}

/// `HGETEX`: each field's value, then (with an option) its new time or none. A time in the past
/// removes the fields (an `HDEL` each to replicas); otherwise replicas receive `HPEXPIREAT` or
/// `HPERSIST` for the fields it read.
fn hgetex(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let exists = hash_exists(ctx, key)?;
    let option = args.peek().map(<[u8]>::to_ascii_uppercase).unwrap_or_default();
    let then = match option.as_slice() {
        b"EX" | b"PX" | b"EXAT" | b"PXAT" => {
            args.next()?;
            let unit_ms = if option.starts_with(b"E") { 1000 } else { 1 };
            let relative = !option.ends_with(b"AT");
            // The time is there: the command has at least five arguments.
            Then::ExpireAt(expire_time(ctx, args.next()?, unit_ms, relative)?)
        }
        b"PERSIST" => {
            args.next()?;
            Then::Persist
        }
        _ => Then::Nothing,
    };
    // Redsim's choice where Redis would read past the arguments (`HGETEX k EX 1 FIELDS`).
    if args.remaining() < 2 {
        return Err(Error::WrongArity { name: "hgetex".into() });
    }
    let fields = fields(&mut args, "ERR Number of fields must be a positive integer")?;
    if !exists {
        return Ok(Reply::Array(vec![Reply::Nil; fields.len()]));
    }
    if then != Then::Nothing {
        if let Some(hash) = hash_mut(ctx, key) {
            hash.prepare_expires();
        }
    }
    let past = matches!(then, Then::ExpireAt(at) if at <= ctx.now_ms) && ctx.server.master.is_none();
    let (mut expired, mut deleted) = (false, 0u64);
    let mut updated = Vec::new();
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let (value, was_due) = read_field(ctx, key, field);
        expired |= was_due;
        out.push(value.as_ref().map_or(Reply::Nil, |v| Reply::Bulk(v.clone())));
        if value.is_none() {
            continue;
        }
        let Some(hash) = hash_mut(ctx, key) else { continue };
        match then {
            Then::Nothing => {}
            Then::Persist if hash.expire_of(field).is_some() => {
                hash.set_expire(field, None);
                updated.push(field.clone());
            }
            Then::Persist => {}
            Then::ExpireAt(_) if past => {
                hash.remove(field);
                ctx.also_propagate.push(vec![b"HDEL".to_vec(), key.to_vec(), field.clone()]);
                ctx.server.stats.expired_subkeys += 1;
                deleted += 1;
            }
            Then::ExpireAt(at) => {
                hash.set_expire(field, Some(at));
                updated.push(field.clone());
            }
        }
    }
    if !updated.is_empty() {
        let db = ctx.db_index();
        ctx.server.dbs[db].watch_field_expires(key);
    }
    if !expired && deleted == 0 && updated.is_empty() {
        return Ok(Reply::Array(out));
    }
    changed(ctx, key, deleted + updated.len() as u64);
    if expired {
        ctx.notify(crate::notify::HASH, "hexpired", key);
    }
    if !updated.is_empty() {
        let mut argv = match then {
            Then::ExpireAt(at) => {
                ctx.notify(crate::notify::HASH, "hexpire", key);
                vec![b"HPEXPIREAT".to_vec(), key.to_vec(), at.to_string().into_bytes()]
            }
            _ => {
                ctx.notify(crate::notify::HASH, "hpersist", key);
                vec![b"HPERSIST".to_vec(), key.to_vec()]
            }
        };
        argv.push(b"FIELDS".to_vec());
        argv.push(updated.len().to_string().into_bytes());
        argv.extend(updated);
        ctx.propagate_as = Some(argv);
    } else if deleted > 0 {
        ctx.notify(crate::notify::HASH, "hdel", key);
        ctx.prevent_propagation = true;
    } else {
        ctx.prevent_propagation = true;
    }
    drop_if_emptied(ctx, key);
    Ok(Reply::Array(out))
}

pub static HSETEX: CommandSpec = CommandSpec::new("hsetex", -6, HASH, "8.0.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [FNX | FXX] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] FIELDS numfields field value [field value ...]",
        "Set the value of one or more fields of a given hash key, and optionally set their expiration time or time-to-live (TTL).",
    )
    .run(hsetex);

/// `HSETEX`'s options, read before the key is looked at (Redis's `hsetexParseArgs`).
struct SetEx<'a> {
    only_new: bool,
    only_existing: bool,
    /// The absolute time, and where its argument is (for the command replicas receive).
    expire: Option<(u64, usize)>,
    keep_ttl: bool,
    pairs: &'a [Vec<u8>],
}

fn parse_hsetex<'a>(ctx: &Ctx, argv: &'a [Vec<u8>]) -> Result<SetEx<'a>> {
    let mut opts = SetEx { only_new: false, only_existing: false, expire: None, keep_ttl: false, pairs: &[] };
    let arity = || Error::WrongArity { name: "hsetex".into() };
    let mut i = 2;
    while i < argv.len() {
        let word = argv[i].to_ascii_uppercase();
        match word.as_slice() {
            b"FIELDS" => {
                if i + 3 >= argv.len() {
                    return Err(arity());
                }
                let count = parse_i64(&argv[i + 1])
                    .filter(|n| (1..=i64::from(i32::MAX)).contains(n))
                    .ok_or_else(|| Error::other("ERR invalid number of fields"))?;
                let remaining = argv.len() - i - 2;
                if !remaining.is_multiple_of(2) || count as usize != remaining / 2 {
                    return Err(arity());
                }
                opts.pairs = &argv[i + 2..];
                return Ok(opts);
            }
            b"EX" | b"PX" | b"EXAT" | b"PXAT" | b"KEEPTTL" => {
                if opts.expire.is_some() || opts.keep_ttl {
                    return Err(Error::other(
                        "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified",
                    ));
                }
                if word == b"KEEPTTL" {
                    opts.keep_ttl = true;
                } else {
                    if i + 1 >= argv.len() {
                        return Err(Error::other("ERR missing expire time"));
                    }
                    i += 1;
                    let unit_ms = if word.starts_with(b"E") { 1000 } else { 1 };
                    opts.expire = Some((expire_time(ctx, &argv[i], unit_ms, !word.ends_with(b"AT"))?, i));
                }
            }
            b"FNX" | b"FXX" => {
                if opts.only_new || opts.only_existing {
                    return Err(Error::other("ERR Only one of FXX or FNX arguments can be specified"));
                }
                opts.only_new = word == b"FNX";
                opts.only_existing = word == b"FXX";
            }
            _ => {
                return Err(Error::other(format!("ERR unknown argument: {}", String::from_utf8_lossy(&argv[i]))));
            }
        }
        i += 1;
    }
    Err(Error::Syntax)
}

/// `HSETEX`: sets the fields (all or, under `FNX`/`FXX`, none: 1 or 0), with a new time, the
/// old one (`KEEPTTL`) or none. Replicas receive it with `PXAT`, or `HDEL`s for a time past.
fn hsetex(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv;
    let opts = parse_hsetex(ctx, argv)?;
    let key = argv[1].as_slice();
    if !hash_exists(ctx, key)? {
        if opts.only_existing {
            return Ok(Reply::Integer(0));
        }
        let (db, now) = (ctx.db_index(), ctx.now_ms);
        ctx.server.dbs[db].insert_at(key, Value::Hash(Box::default()), false, now);
    }
    let fields: Vec<&Vec<u8>> = opts.pairs.iter().step_by(2).collect();
    let mut expired = false;
    if opts.only_new || opts.only_existing {
        let mut found = 0;
        for field in &fields {
            let (value, was_due) = read_field(ctx, key, field);
            expired |= was_due;
            found += usize::from(value.is_some());
            if (opts.only_existing && value.is_none()) || (opts.only_new && value.is_some()) {
                break;
            }
        }
        let refused = (opts.only_new && found > 0) || (opts.only_existing && found < fields.len());
        if refused {
            if expired {
                changed(ctx, key, 0);
                ctx.notify(crate::notify::HASH, "hexpired", key);
            }
            drop_if_emptied(ctx, key);
            return Ok(Reply::Integer(0));
        }
    }
    let enc = ctx.server.config.encodings;
    let now = ctx.now_ms;
    let past = opts.expire.is_some_and(|(at, _)| at <= now) && ctx.server.master.is_none();
    let db = ctx.db_index();
    let Some(hash) = hash_mut(ctx, key) else { return Ok(Reply::Integer(0)) };
    hash.prepare(opts.pairs, &enc);
    if opts.expire.is_some() {
        hash.prepare_expires();
    }
    let (mut updated, mut deleted) = (0, 0);
    let mut removed = Vec::new();
    for pair in opts.pairs.chunks(2) {
        if opts.expire.is_some() || opts.keep_ttl {
            hash.insert_keep_ttl(&pair[0], pair[1].clone(), &enc);
        } else {
            hash.insert(&pair[0], pair[1].clone(), &enc);
        }
        match opts.expire {
            Some(_) if past => {
                hash.remove(&pair[0]);
                removed.push(pair[0].clone());
                deleted += 1;
            }
            Some((at, _)) => {
                hash.set_expire(&pair[0], Some(at));
                updated += 1;
            }
            None => {}
        }
    }
    for field in removed {
        ctx.also_propagate.push(vec![b"HDEL".to_vec(), key.to_vec(), field]);
        ctx.server.stats.expired_subkeys += 1;
    }
    if updated > 0 {
        ctx.server.dbs[db].watch_field_expires(key);
    }
    changed(ctx, key, fields.len() as u64);
    if deleted > 0 {
        ctx.prevent_propagation = true;
    } else if let Some((at, pos)) = opts.expire {
        let mut rewritten = argv.to_vec();
        rewritten[pos - 1] = b"PXAT".to_vec();
        rewritten[pos] = at.to_string().into_bytes();
        ctx.propagate_as = Some(rewritten);
    }
    if expired {
        ctx.notify(crate::notify::HASH, "hexpired", key);
    }
    ctx.notify(crate::notify::HASH, "hset", key);
    if deleted > 0 || updated > 0 {
        ctx.notify(crate::notify::HASH, if deleted > 0 { "hdel" } else { "hexpire" }, key);
    }
    drop_if_emptied(ctx, key);
    Ok(Reply::Integer(1))
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    // No Redis 8 package exists here to compare with: these follow redis.io's pages (the
    // examples of HGETDEL, HGETEX and HSETEX) and the error texts of Redis's t_hash.c.
    #[test]
    fn hgetdel_returns_and_removes() {
        check(
            Version::V8_0,
            "@0 > HSET h f1 Hello f2 World f3 !\n(integer) 3\n\
             @0 > HGETDEL h FIELDS 2 f3 f4\n1) \"!\"\n2) (nil)\n\
             @0 > HGETDEL h FIELDS 2 f1 f2\n1) \"Hello\"\n2) \"World\"\n\
             @0 > EXISTS h\n(integer) 0\n\
             @0 > HGETDEL h FIELDS 1 f1\n1) (nil)\n\
             @0 > HGETDEL h FIELDS 2 f1\n(error) ERR The `numfields` parameter must match the number of arguments\n\
             @0 > HGETDEL h FIELD 1 f1\n(error) ERR Mandatory argument FIELDS is missing or not at the right position\n\
             @0 > HGETDEL h FIELDS 0 f1\n(error) ERR Number of fields must be a positive integer\n",
        );
        check(Version::V7_4, "@0 > HGETDEL h FIELDS 1 a\n(error) ERR unknown command 'HGETDEL', with args beginning with: 'h' 'FIELDS' '1' 'a' \n");
    }

    #[test]
    fn hgetex_reads_and_sets_times() {
        check(
            Version::V8_0,
            "@0 > HSET h f1 Hello f2 World\n(integer) 2\n\
             @0 > HGETEX h EX 120 FIELDS 1 f1\n1) \"Hello\"\n\
             @0 > HGETEX h PX 100000 FIELDS 2 f2 nosuch\n1) \"World\"\n2) (nil)\n\
             @9000 > HTTL h FIELDS 3 f1 f2 nosuch\n1) (integer) 111\n2) (integer) 91\n3) (integer) -2\n\
             @9000 > HGETEX h PERSIST FIELDS 1 f1\n1) \"Hello\"\n\
             @9000 > HTTL h FIELDS 1 f1\n1) (integer) -1\n\
             @9000 > HGETEX h FIELDS 1 f2\n1) \"World\"\n\
             @200000 > HGETEX h FIELDS 2 f1 f2\n1) \"Hello\"\n2) (nil)\n\
             @200000 > HGETEX h EXAT 1 FIELDS 1 f1\n1) \"Hello\"\n\
             @200000 > EXISTS h\n(integer) 0\n\
             @0 > HGETEX h EX -1 FIELDS 1 f1\n(error) ERR invalid expire time, must be >= 0\n\
             @0 > HGETEX h EX 10 FIELDS 2 f1\n(error) ERR The `numfields` parameter must match the number of arguments\n\
             @0 > HGETEX h EX 10 f1 f2\n(error) ERR Mandatory argument FIELDS is missing or not at the right position\n",
        );
    }

    #[test]
    fn hsetex_sets_all_or_nothing() {
        check(
            Version::V8_0,
            "@0 > HSETEX h EXAT 1740470400 FIELDS 2 f1 Hello f2 World\n(integer) 1\n\
             @0 > HEXPIRETIME h FIELDS 2 f1 f2\n1) (integer) 1740470400\n2) (integer) 1740470400\n\
             @0 > HSETEX h FNX EX 60 FIELDS 2 f1 Hello f2 World\n(integer) 0\n\
             @0 > HSETEX h FXX EX 60 KEEPTTL FIELDS 2 f1 hello f2 world\n(error) ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified\n\
             @0 > HSETEX h FXX KEEPTTL FIELDS 2 f1 hello f2 world\n(integer) 1\n\
             @0 > HEXPIRETIME h FIELDS 2 f1 f2\n1) (integer) 1740470400\n2) (integer) 1740470400\n\
             @0 > HSETEX h FIELDS 1 f1 plain\n(integer) 1\n\
             @0 > HTTL h FIELDS 1 f1\n1) (integer) -1\n\
             @0 > HSETEX h FXX FIELDS 2 f1 a nosuch b\n(integer) 0\n\
             @0 > HSETEX h FNX FXX FIELDS 1 f1 a\n(error) ERR Only one of FXX or FNX arguments can be specified\n\
             @0 > HSETEX h PX FIELDS 1 f1 a\n(error) ERR value is not an integer or out of range\n\
             @0 > HSETEX h BOGUS FIELDS 1 f1 a\n(error) ERR unknown argument: BOGUS\n\
             @0 > HSETEX h FIELDS 0 f1 a\n(error) ERR invalid number of fields\n\
             @0 > HSETEX h FIELDS 2 f1 a\n(error) ERR wrong number of arguments for 'hsetex' command\n\
             @0 > HSETEX h FIELDS 1 f1 a b\n(error) ERR wrong number of arguments for 'hsetex' command\n\
             @0 > HSETEX missing FXX FIELDS 1 f1 a\n(integer) 0\n\
             @0 > EXISTS missing\n(integer) 0\n\
             @5 > HSETEX h PXAT 1 FIELDS 2 f1 a f2 b\n(integer) 1\n\
             @5 > EXISTS h\n(integer) 0\n",
        );
    }

    #[test]
    fn replicas_receive_what_they_did() {
        let mut server = crate::Server::new(Version::V8_0);
        server.propagate = true;
        let mut sent = |now: u64, line: &str| -> Vec<String> {
            let argv = crate::cli::split_args(line.as_bytes()).unwrap();
            let out = server.execute(now, 1, &argv);
            out.propagate
                .iter()
                .map(|a| String::from_utf8_lossy(&a.join(&b' ')).into_owned())
                .filter(|s| !s.starts_with("SELECT"))
                .collect()
        };
        assert_eq!(sent(1000, "HSETEX h EX 5 FIELDS 2 a 1 b 2"), ["HSETEX h PXAT 6000 FIELDS 2 a 1 b 2"]);
        assert_eq!(sent(1000, "HGETEX h PX 10 FIELDS 2 a nosuch"), ["HPEXPIREAT h 1010 FIELDS 1 a"]);
        assert_eq!(sent(1000, "HGETEX h PERSIST FIELDS 2 a b"), ["HPERSIST h FIELDS 2 a b"]);
        assert_eq!(sent(1000, "HGETDEL h FIELDS 2 a nosuch"), ["HDEL h a nosuch"]);
        assert_eq!(sent(1000, "HGETEX h EXAT 0 FIELDS 1 b"), ["HDEL h b"]);
    }
}
