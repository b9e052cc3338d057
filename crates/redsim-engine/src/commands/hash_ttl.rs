//! Hash fields with their own time to live (Redis 7.4): `HEXPIRE`, `HPEXPIRE`, `HEXPIREAT`,
//! `HPEXPIREAT`, `HTTL`, `HPTTL`, `HEXPIRETIME`, `HPEXPIRETIME`, `HPERSIST`, and the lazy and
//! active expiry of fields, as Redis 7.4's `t_hash.c` does them.
//!
//! A field whose time has come is still stored until something removes it: a command that names
//! it (lazy expiry: `HGET`, `HMGET`, `HEXISTS`, `HSTRLEN`, `HINCRBY`, `HINCRBYFLOAT`, `HSETNX`)
//! or the active expiry cycle. Until then iterating commands skip it (`HGETALL`) and `HLEN`
//! still counts it, as in Redis. Each removal reaches replicas as `HDEL key field`.

use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::{Ctx, Outcome, Server};
use crate::value::Value;

const HASH: &str = "hash";

/// The latest expiry time a field may have (Redis's `HFE_MAX_ABS_TIME_MSEC`: 2^48-1 >> 2).
const MAX_ABS_TIME_MS: i64 = ((1 << 48) - 1) >> 2;

/// What a lookup of one field found (Redis's `GetFieldRes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldState {
    /// The field is there and live (or the hash or the field is missing: `Missing`).
    Live,
    Missing,
    /// Its time had come: it was removed (on a replica: only hidden).
    Expired,
    /// Its time had come and it was the hash's last field: the hash was removed too.
    ExpiredHash,
}

/// Redis's `hashTypeGetValue` lazy expiry for one field of the hash at `key` (the caller has
/// checked the key holds a hash). `notify` sends `hexpired` (and `del` when the hash goes) at
/// once; `HMGET` sends them once for all its fields.
pub(crate) fn expire_field(ctx: &mut Ctx, key: &[u8], field: &[u8], notify: bool) -> FieldState {
    lazy_expire(ctx, key, field, notify, false)
}

/// `expire_field` for commands that finish the hash's bookkeeping themselves (Redis's
/// `HFE_LAZY_NO_NOTIFICATION | HFE_LAZY_AVOID_HASH_DEL`: `HGETDEL`, `HGETEX`, `HSETEX`): no
/// event, and a hash left empty stays until the command removes it.
pub(crate) fn expire_field_quietly(ctx: &mut Ctx, key: &[u8], field: &[u8]) -> FieldState {
    lazy_expire(ctx, key, field, false, true)
}

fn lazy_expire(ctx: &mut Ctx, key: &[u8], field: &[u8], notify: bool, keep_hash: bool) -> FieldState {
    let now = ctx.now_ms;
    let db = ctx.db_index();
    let Some(Value::Hash(hash)) = ctx.server.dbs[db].get_mut(key) else { return FieldState::Missing };
    if hash.get(field).is_none() {
        return FieldState::Missing;
    }
    match hash.expire_of(field) {
        Some(at) if at < now => {}
        _ => return FieldState::Live,
    }
    // A replica hides the field but never removes it: its primary's HDEL will.
    if ctx.server.master.is_some() {
        return FieldState::Expired;
    }
    hash.remove(field);
    let emptied = hash.is_empty() && !keep_hash;
    ctx.server.also_propagate(db, vec![b"HDEL".to_vec(), key.to_vec(), field.to_vec()]);
    ctx.server.stats.expired_subkeys += 1;
    if notify {
        ctx.notify(crate::notify::HASH, "hexpired", key);
    }
    let state = if emptied {
        if notify {
            ctx.notify(crate::notify::GENERIC, "del", key);
        }
        ctx.server.dbs[db].remove(key);
        ctx.effect(|| crate::effect::Effect::KeyDeleted { db, key: key.to_vec() });
        FieldState::ExpiredHash
    } else {
        ctx.effect(|| crate::effect::Effect::KeyWritten { db, key: key.to_vec() });
        FieldState::Expired
    };
    if !keep_hash {
        ctx.server.touch_watched(db, key, false);
    }
    state
}

impl Server {
    /// Redis's `hashTypeDbActiveExpire`, run with the active expiry cycle: every hash with
    /// fields whose time has come loses them (see `expire_fields_of`).
    pub(crate) fn expire_hash_fields(&mut self, db: usize, at_ms: u64, out: &mut Outcome) {
        if self.master.is_some() {
            return;
        }
        for key in self.dbs[db].hexpire_keys() {
            match self.dbs[db].get(&key) {
                Some(Value::Hash(h)) if h.has_field_expires() => {
                    self.expire_fields_of(db, &key, at_ms, out);
                }
                _ => self.dbs[db].unwatch_field_expires(&key),
            }
        }
    }

    /// Redis's `hashTypeExpire`: removes the fields of the hash at `key` whose time is at or
    /// before `at_ms` (an `HDEL` each to replicas), sends `hexpired` once, and removes the hash
    /// with `del` when none is left; true when the hash went.
    pub(crate) fn expire_fields_of(&mut self, db: usize, key: &[u8], at_ms: u64, out: &mut Outcome) -> bool {
        let Some(Value::Hash(hash)) = self.dbs[db].get_mut(key) else { return false };
        let due = hash.fields_due(at_ms);
        if due.is_empty() {
            return false;
        }
        for field in &due {
            hash.remove(field);
        }
        let emptied = hash.is_empty();
        for field in due {
            self.stats.expired_subkeys += 1;
            self.also_propagate(db, vec![b"HDEL".to_vec(), key.to_vec(), field]);
        }
        crate::notify::notify(self, out, crate::notify::HASH, "hexpired", key, db);
        if emptied {
            self.dbs[db].remove(key);
            crate::notify::notify(self, out, crate::notify::GENERIC, "del", key, db);
            out.effects.push(crate::effect::Effect::KeyDeleted { db, key: key.to_vec() });
        } else {
            out.effects.push(crate::effect::Effect::KeyWritten { db, key: key.to_vec() });
        }
        self.touch_watched(db, key, false);
        emptied
    }
}

/// The `FIELDS numfields field ...` part: the fields, with Redis's errors in Redis's order.
pub(crate) fn fields<'a>(args: &mut Args<'a>, count_error: &str) -> Result<&'a [Vec<u8>]> {
    if !args.next()?.eq_ignore_ascii_case(b"FIELDS") {
        return Err(Error::other("ERR Mandatory argument FIELDS is missing or not at the right position"));
    }
    let count = parse_i64(args.next()?).filter(|&n| n >= 1).ok_or_else(|| Error::other(count_error))?;
    let fields = args.rest();
    if count as usize != fields.len() || count as u64 > usize::MAX as u64 {
        return Err(Error::other("ERR The `numfields` parameter must match the number of arguments"));
    }
    Ok(fields)
}

/// Checks the key holds a hash (or nothing), as `checkType` does before any argument is read.
pub(crate) fn hash_exists(ctx: &mut Ctx, key: &[u8]) -> Result<bool> {
    match ctx.lookup(key) {
        None => Ok(false),
        Some(Value::Hash(_)) => Ok(true),
        Some(_) => Err(Error::WrongType),
    }
}

const fn hexpire_spec(name: &'static str) -> CommandSpec {
    CommandSpec::new(name, -6, HASH, "7.4.0").flags(&[Flag::Write, Flag::DenyOom, Flag::Fast]).keys(1, 1, 1)
}

pub static HEXPIRE: CommandSpec = hexpire_spec("hexpire")
    .doc(
        "key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
        "Set expiry for hash field using relative time to expire (seconds)",
    )
    .run(|ctx, args| hexpire(ctx, args, true, 1000));
pub static HPEXPIRE: CommandSpec = hexpire_spec("hpexpire")
    .doc(
        "key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
        "Set expiry for hash field using relative time to expire (milliseconds)",
    )
    .run(|ctx, args| hexpire(ctx, args, true, 1));
pub static HEXPIREAT: CommandSpec = hexpire_spec("hexpireat")
    .doc(
        "key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
        "Set expiry for hash field using an absolute Unix timestamp (seconds)",
    )
    .run(|ctx, args| hexpire(ctx, args, false, 1000));
pub static HPEXPIREAT: CommandSpec = hexpire_spec("hpexpireat")
    .doc(
        "key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
        "Set expiry for hash field using an absolute Unix timestamp (milliseconds)",
    )
    .run(|ctx, args| hexpire(ctx, args, false, 1));

/// Redis's `parseExpireTime` for field times: an absolute time in ms from a count of `unit_ms`
/// (1000 or 1), from now when `relative`, with Redis's errors.
pub(crate) fn expire_time(ctx: &Ctx, arg: &[u8], unit_ms: i64, relative: bool) -> Result<u64> {
    let mut at = parse_i64(arg).ok_or(Error::NotInteger)?;
    if at < 0 {
        return Err(Error::other("ERR invalid expire time, must be >= 0"));
    }
    let name = String::from_utf8_lossy(&ctx.argv[0]).to_lowercase();
    let invalid = || Error::other(format!("ERR invalid expire time in '{name}' command"));
    if unit_ms == 1000 {
        if at > MAX_ABS_TIME_MS / 1000 {
            return Err(invalid());
        }
        at *= 1000;
    }
    let base = if relative { ctx.now_ms as i64 } else { 0 };
    if at > MAX_ABS_TIME_MS - base {
        return Err(invalid());
    }
    Ok((at + base) as u64)
}

/// The condition of `HEXPIRE ... NX|XX|GT|LT`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Condition {
    Always,
    Nx,
    Xx,
    Gt,
    Lt,
}

impl Condition {
    /// Whether a field whose expiry time is `previous` may get `at` (Redis's checks in
    /// `hashTypeSetExpiryListpack`: a field without one counts as later than any for LT).
    fn allows(self, previous: Option<u64>, at: u64) -> bool {
        match (self, previous) {
            (Condition::Always, _) => true,
            (Condition::Nx, p) => p.is_none(),
            (Condition::Xx | Condition::Gt, None) => false,
            (Condition::Lt, None) => true,
            (Condition::Xx, Some(_)) => true,
            (Condition::Gt, Some(p)) => at > p,
            (Condition::Lt, Some(p)) => at < p,
        }
    }
}

/// `HEXPIRE`, `HPEXPIRE`, `HEXPIREAT`, `HPEXPIREAT` (Redis's `hexpireGenericCommand`): for each
/// field 1 (time set), 2 (removed: the time is past), 0 (condition not met), -2 (no field).
/// Replicas receive `HPEXPIREAT` with the fields that got a time, and `HDEL` for those removed.
fn hexpire(ctx: &mut Ctx, mut args: Args, relative: bool, unit_ms: i64) -> Result<Reply> {
    let key = args.next()?;
    let exists = hash_exists(ctx, key)?;
    let at = expire_time(ctx, args.next()?, unit_ms, relative)?;
    let condition = match args.peek().map(|a| a.to_ascii_uppercase()) {
        Some(word) if word == b"NX" => Condition::Nx,
        Some(word) if word == b"XX" => Condition::Xx,
        Some(word) if word == b"GT" => Condition::Gt,
        Some(word) if word == b"LT" => Condition::Lt,
        _ => Condition::Always,
    };
    if condition != Condition::Always {
        args.next()?;
    }
    let fields = fields(&mut args, "ERR Parameter `numFields` should be greater than 0")?;
    if !exists {
        return Ok(Reply::Array(vec![Reply::Integer(-2); fields.len()]));
    }
    let db = ctx.db_index();
    // A replica takes times in the past as they come: its primary removes the fields.
    let past = at <= ctx.now_ms && ctx.server.master.is_none();
    let (mut updated, mut deleted) = (Vec::new(), 0);
    let mut codes = Vec::with_capacity(fields.len());
    if let Some(Value::Hash(hash)) = ctx.server.dbs[db].get_mut(key) {
        hash.prepare_expires();
    }
    for field in fields {
        let Some(Value::Hash(hash)) = ctx.server.dbs[db].get_mut(key) else { break };
        if hash.get(field).is_none() {
            codes.push(Reply::Integer(-2));
            continue;
        }
        if !condition.allows(hash.expire_of(field), at) {
            codes.push(Reply::Integer(0));
            continue;
        }
        if past {
            hash.remove(field);
            ctx.also_propagate.push(vec![b"HDEL".to_vec(), key.to_vec(), field.clone()]);
            ctx.server.stats.expired_subkeys += 1;
            deleted += 1;
            codes.push(Reply::Integer(2));
        } else {
            hash.set_expire(field, Some(at));
            updated.push(field.clone());
            codes.push(Reply::Integer(1));
        }
    }
    if !updated.is_empty() {
        ctx.server.dbs[db].watch_field_expires(key);
    }
    if deleted + updated.len() > 0 {
        ctx.dirty += (deleted + updated.len()) as u64;
        let emptied = matches!(ctx.server.dbs[db].get(key), Some(v) if v.is_empty());
        ctx.signal_ready(key);
        if emptied {
            ctx.server.dbs[db].remove(key);
            ctx.effect(|| crate::effect::Effect::KeyDeleted { db, key: key.to_vec() });
            ctx.notify(crate::notify::HASH, "hdel", key);
            ctx.notify(crate::notify::GENERIC, "del", key);
        } else {
            ctx.effect(|| crate::effect::Effect::KeyWritten { db, key: key.to_vec() });
            ctx.notify(crate::notify::HASH, if deleted > 0 { "hdel" } else { "hexpire" }, key);
        }
    }
    if updated.is_empty() {
        ctx.prevent_propagation = true;
    } else {
        let mut argv = vec![b"HPEXPIREAT".to_vec(), key.to_vec(), at.to_string().into_bytes()];
        if condition != Condition::Always {
            argv.push(ctx.argv[3].clone());
        }
        argv.push(b"FIELDS".to_vec());
        argv.push(updated.len().to_string().into_bytes());
        argv.extend(updated);
        ctx.propagate_as = Some(argv);
    }
    Ok(Reply::Array(codes))
}

const fn httl_spec(name: &'static str, syntax: &'static str, summary: &'static str) -> CommandSpec {
    CommandSpec::new(name, -5, HASH, "7.4.0").flags(&[Flag::ReadOnly, Flag::Fast]).keys(1, 1, 1).doc(syntax, summary)
}

pub static HTTL: CommandSpec =
    httl_spec("httl", "key FIELDS numfields field [field ...]", "Returns the TTL in seconds of a hash field.")
        .run(|ctx, args| httl(ctx, args, true, 1000));
pub static HPTTL: CommandSpec =
    httl_spec("hpttl", "key FIELDS numfields field [field ...]", "Returns the TTL in milliseconds of a hash field.")
        .run(|ctx, args| httl(ctx, args, true, 1));
pub static HEXPIRETIME: CommandSpec = httl_spec(
    "hexpiretime",
    "key FIELDS numfields field [field ...]",
    "Returns the expiration time of a hash field as a Unix timestamp, in seconds.",
)
.run(|ctx, args| httl(ctx, args, false, 1000));
pub static HPEXPIRETIME: CommandSpec = httl_spec(
    "hpexpiretime",
    "key FIELDS numfields field [field ...]",
    "Returns the expiration time of a hash field as a Unix timestamp, in msec.",
)
.run(|ctx, args| httl(ctx, args, false, 1));

/// `HTTL` and kin (Redis's `httlGenericCommand`): per field the time left (or the time), -1 for
/// a field without one, -2 for no field or one whose time has come.
fn httl(ctx: &mut Ctx, mut args: Args, relative: bool, unit_ms: u64) -> Result<Reply> {
    let key = args.next()?;
    let exists = hash_exists(ctx, key)?;
    let fields = fields(&mut args, "ERR Number of fields must be a positive integer")?;
    let now = ctx.now_ms;
    let Some(Value::Hash(hash)) = ctx.db().get(key).filter(|_| exists) else {
        return Ok(Reply::Array(vec![Reply::Integer(-2); fields.len()]));
    };
    // A listpackex counts a field due this very millisecond as gone; a table does not.
    let packed = matches!(**hash, crate::value::Hash::ListpackEx(_));
    let base = if relative { now } else { 0 };
    Ok(Reply::Array(
        fields
            .iter()
            .map(|f| {
                Reply::Integer(match (hash.get(f), hash.expire_of(f)) {
                    (None, _) => -2,
                    (Some(_), None) => -1,
                    (Some(_), Some(at)) if at < now || (packed && at == now) => -2,
                    (Some(_), Some(at)) if unit_ms == 1000 => ((at + 999 - base) / 1000) as i64,
                    (Some(_), Some(at)) => (at - base) as i64,
                })
            })
            .collect(),
    ))
}

pub static HPERSIST: CommandSpec = CommandSpec::new("hpersist", -5, HASH, "7.4.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key FIELDS numfields field [field ...]", "Removes the expiration time for each specified field")
    .run(hpersist);

/// `HPERSIST`: per field 1 (its time removed), -1 (it had none), -2 (no field, or its time had
/// come).
fn hpersist(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let exists = hash_exists(ctx, key)?;
    let fields = fields(&mut args, "ERR Number of fields must be a positive integer")?;
    let now = ctx.now_ms;
    let db = ctx.db_index();
    let Some(Value::Hash(hash)) = ctx.server.dbs[db].get_mut(key).filter(|_| exists) else {
        return Ok(Reply::Array(vec![Reply::Integer(-2); fields.len()]));
    };
    let mut changed = false;
    let mut codes = Vec::with_capacity(fields.len());
    for f in fields {
        codes.push(Reply::Integer(match (hash.get(f).is_some(), hash.expire_of(f)) {
            (false, _) => -2,
            (true, None) => -1,
            (true, Some(at)) if at < now => -2,
            (true, Some(_)) => {
                hash.set_expire(f, None);
                changed = true;
                1
            }
        }));
    }
    if changed {
        ctx.notify(crate::notify::HASH, "hpersist", key);
        ctx.modified(key);
    }
    Ok(Reply::Array(codes))
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    // The replies were checked against Redis 7.4.1 (tests/differential/scripts-7.4), here in
    // virtual time so the expiry moments are exact.
    #[test]
    fn fields_expire_lazily_and_actively_in_virtual_time() {
        check(
            Version::V7_4,
            "@0 > HSET h a 1 b 2 c 3\n(integer) 3\n\
             @0 > HPEXPIRE h 100 FIELDS 2 b a\n1) (integer) 1\n2) (integer) 1\n\
             @0 > OBJECT ENCODING h\n\"listpackex\"\n\
             @0 > HGETALL h\n1) \"a\"\n2) \"1\"\n3) \"b\"\n4) \"2\"\n5) \"c\"\n6) \"3\"\n\
             @40 > HPTTL h FIELDS 3 a c nosuch\n1) (integer) 60\n2) (integer) -1\n3) (integer) -2\n\
             @40 > HTTL h FIELDS 1 a\n1) (integer) 1\n\
             @100 > HGET h a\n\"1\"\n\
             @101 > HGETALL h\n1) \"c\"\n2) \"3\"\n\
             @101 > HLEN h\n(integer) 3\n\
             @101 > HGET h a\n(nil)\n\
             @101 > HLEN h\n(integer) 2\n\
             @1000 > HLEN h\n(integer) 1\n\
             @1000 > INFO keyspace\n\"# Keyspace\\r\\ndb0:keys=1,expires=0,avg_ttl=0,subexpiry=0\\r\\n\"\n",
        );
    }

    #[test]
    fn conditions_and_times_in_the_past() {
        check(
            Version::V7_4,
            "@0 > HSET h a 1 b 2\n(integer) 2\n\
             @0 > HEXPIRE h 10 NX FIELDS 2 a nosuch\n1) (integer) 1\n2) (integer) -2\n\
             @0 > HEXPIRE h 20 NX FIELDS 1 a\n1) (integer) 0\n\
             @0 > HEXPIRE h 5 GT FIELDS 2 a b\n1) (integer) 0\n2) (integer) 0\n\
             @0 > HEXPIRE h 5 LT FIELDS 2 a b\n1) (integer) 1\n2) (integer) 1\n\
             @0 > HEXPIRETIME h FIELDS 1 a\n1) (integer) 5\n\
             @0 > HPERSIST h FIELDS 2 a a\n1) (integer) 1\n2) (integer) -1\n\
             @0 > HPEXPIREAT h 0 FIELDS 2 a b\n1) (integer) 2\n2) (integer) 2\n\
             @0 > EXISTS h\n(integer) 0\n\
             @0 > HTTL h FIELDS 1 a\n1) (integer) -2\n\
             @0 > HEXPIRE h 10 FIELDS 2 a\n(error) ERR The `numfields` parameter must match the number of arguments\n\
             @0 > HEXPIRE h 10 FIELDS 0 a\n(error) ERR Parameter `numFields` should be greater than 0\n\
             @0 > HTTL h FIELDS 0 a\n(error) ERR Number of fields must be a positive integer\n\
             @0 > HEXPIRE h 10 a FIELDS 1 a\n(error) ERR Mandatory argument FIELDS is missing or not at the right position\n",
        );
        check(Version::V7_2, "@0 > HTTL h FIELDS 1 a\n(error) ERR unknown command 'HTTL', with args beginning with: 'h' 'FIELDS' '1' 'a' \n");
    }

    #[test]
    fn replicas_receive_absolute_times_and_deletions() {
        let mut server = crate::Server::new(Version::V7_4);
        server.propagate = true;
        let run = |server: &mut crate::Server, now: u64, line: &str| {
            let argv = crate::cli::split_args(line.as_bytes()).unwrap();
            server.tick(now);
            server.execute(now, 1, &argv)
        };
        run(&mut server, 0, "HSET h a 1 b 2 c 3");
        let out = run(&mut server, 1000, "HEXPIRE h 5 FIELDS 3 a nosuch b");
        let sent: Vec<String> =
            out.propagate.iter().map(|argv| String::from_utf8_lossy(&argv.join(&b' ')).into_owned()).collect();
        assert_eq!(sent.last().map(String::as_str), Some("HPEXPIREAT h 6000 FIELDS 2 a b"));
        // Read before the active cycle comes by: the lazy expiry sends the deletion.
        let argv = crate::cli::split_args(b"HGET h a").unwrap();
        let out = server.execute(6001, 1, &argv);
        let sent: Vec<String> =
            out.propagate.iter().map(|argv| String::from_utf8_lossy(&argv.join(&b' ')).into_owned()).collect();
        assert_eq!(sent, ["HDEL h a"]);
        // The cycle takes the other.
        let ticked = server.tick(7000);
        let sent: Vec<String> =
            ticked.propagate.iter().map(|argv| String::from_utf8_lossy(&argv.join(&b' ')).into_owned()).collect();
        assert_eq!(sent, ["HDEL h b"]);
    }
}
