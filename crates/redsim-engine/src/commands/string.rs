//! String commands.

use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::ld::LongDouble;
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

const STRING: &str = "string";

/// `GET key`
pub static GET: CommandSpec = CommandSpec::new("get", 2, STRING, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the string value of a key.")
    .run(get);

fn get(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    string_reply(ctx.lookup(key).map(|v| &*v))
}

fn string_reply(value: Option<&Value>) -> Result<Reply> {
    match value {
        None => Ok(Reply::Nil),
        Some(Value::String(s)) => Ok(Reply::Bulk(s.clone())),
        Some(_) => Err(Error::WrongType),
    }
}

/// `SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]`
pub static SET: CommandSpec = CommandSpec::new("set", -3, STRING, "1.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.")
    .run(set);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Condition<'a> {
    Always,
    IfMissing,
    IfExists,
    /// Redis 8.4: the current value is (`IFEQ`) or is not (`IFNE`) this one.
    IfEqual(&'a [u8], bool),
    /// Redis 8.4: the current value's digest is (`IFDEQ`) or is not (`IFDNE`) this one.
    IfDigest(&'a [u8], bool),
}

impl Condition<'_> {
    /// Whether the write is refused, given the current value (`None`: no key). A value
    /// condition on a key of another type is `WRONGTYPE`.
    fn refuses(self, old: Option<&Value>) -> Result<bool> {
        let text = |old: Option<&Value>| match old {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::WrongType),
        };
        Ok(match self {
            Condition::Always => false,
            Condition::IfMissing => old.is_some(),
            Condition::IfExists => old.is_none(),
            Condition::IfEqual(v, equal) => match text(old)? {
                None => equal,
                Some(s) => (s == v) != equal,
            },
            Condition::IfDigest(d, equal) => match text(old)? {
                None => equal,
                Some(s) => digest(&s).as_bytes().eq_ignore_ascii_case(d) != equal,
            },
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry<'a> {
    None,
    KeepTtl,
    /// `EX`, `PX`, `EXAT` or `PXAT` with the unparsed number.
    Option(&'a [u8], ExpiryUnit),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExpiryUnit {
    Seconds,
    Milliseconds,
    UnixSeconds,
    UnixMilliseconds,
}

impl ExpiryUnit {
    /// The unit an option word names: `EX`, `PX`, `EXAT` or `PXAT`, in any case.
    pub(crate) fn from_word(word: &[u8]) -> Option<ExpiryUnit> {
        [
            (&b"EX"[..], ExpiryUnit::Seconds),
            (b"PX", ExpiryUnit::Milliseconds),
            (b"EXAT", ExpiryUnit::UnixSeconds),
            (b"PXAT", ExpiryUnit::UnixMilliseconds),
        ]
        .into_iter()
        .find(|(w, _)| word.eq_ignore_ascii_case(w))
        .map(|(_, unit)| unit)
    }
}

struct Set<'a> {
    key: &'a [u8],
    value: &'a [u8],
    condition: Condition<'a>,
    get: bool,
    expiry: Expiry<'a>,
}

impl<'a> Set<'a> {
    /// Redis accepts the options in any order; a repeated or conflicting one is a syntax error.
    /// `compare`: the 8.4 conditions (`IFEQ`, `IFNE`, `IFDEQ`, `IFDNE`) are known.
    fn parse(mut args: Args<'a>, compare: bool) -> Result<Set<'a>> {
        let mut set = Set {
            key: args.next()?,
            value: args.next()?,
            condition: Condition::Always,
            get: false,
            expiry: Expiry::None,
        };
        while let Some(option) = args.peek() {
            args.next()?;
            let is = |word: &str| option.eq_ignore_ascii_case(word.as_bytes());
            let unit = ExpiryUnit::from_word(option);
            let value_condition = ["IFEQ", "IFNE", "IFDEQ", "IFDNE"].into_iter().position(&is);
            if is("NX") && matches!(set.condition, Condition::Always | Condition::IfMissing) {
                set.condition = Condition::IfMissing;
            } else if is("XX") && matches!(set.condition, Condition::Always | Condition::IfExists) {
                set.condition = Condition::IfExists;
            } else if let (true, Some(which), Some(_), Condition::Always) =
                (compare, value_condition, args.peek(), set.condition)
            {
                let operand = args.next()?;
                set.condition = match which {
                    0 => Condition::IfEqual(operand, true),
                    1 => Condition::IfEqual(operand, false),
                    2 => Condition::IfDigest(operand, true),
                    _ => Condition::IfDigest(operand, false),
                };
            } else if is("GET") {
                set.get = true;
            } else if is("KEEPTTL") && !matches!(set.expiry, Expiry::Option(..)) {
                set.expiry = Expiry::KeepTtl;
            } else if let (Some(unit), Some(_)) = (unit, args.peek()) {
                match set.expiry {
                    Expiry::Option(_, previous) if previous != unit => return Err(Error::Syntax),
                    Expiry::KeepTtl => return Err(Error::Syntax),
                    _ => set.expiry = Expiry::Option(args.next()?, unit),
                }
            } else {
                return Err(Error::Syntax);
            }
        }
        Ok(set)
    }
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute expiry time in milliseconds.
pub(crate) fn expire_at_ms(number: &[u8], unit: ExpiryUnit, now_ms: u64, command: &str) -> Result<u64> {
    let invalid = || Error::InvalidExpireTime { command: command.to_string() };
    let mut ms = parse_i64(number).ok_or(Error::NotInteger)?;
    let in_seconds = matches!(unit, ExpiryUnit::Seconds | ExpiryUnit::UnixSeconds);
    if ms <= 0 || (in_seconds && ms > i64::MAX / 1000) {
        return Err(invalid());
    }
    if in_seconds {
        ms *= 1000;
    }
    if matches!(unit, ExpiryUnit::Seconds | ExpiryUnit::Milliseconds) {
        ms = ms.wrapping_add(now_ms as i64);
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms as u64)
}

fn set(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    let set = Set::parse(args, ctx.version().at_least(8, 4))?;
    let expire_at = match set.expiry {
        Expiry::Option(number, unit) => Some(expire_at_ms(number, unit, ctx.now_ms, "set")?),
        _ => None,
    };
    // The old value is copied only when `GET` or a condition reads it; a plain SET only lets a
    // key whose time is up expire first (Redis's `lookupKeyWrite` in `setKey`).
    let old = if set.get || !matches!(set.condition, Condition::Always) {
        ctx.lookup(set.key).map(|v| v.clone())
    } else {
        let _ = ctx.expire_if_needed(set.key);
        None
    };
    let old_reply = if set.get { Some(string_reply(old.as_ref())?) } else { None };
    if set.condition.refuses(old.as_ref())? {
        return Ok(old_reply.unwrap_or(Reply::Nil));
    }
    // Replicas get a plain SET: the condition held here.
    let compared = matches!(set.condition, Condition::IfEqual(..) | Condition::IfDigest(..));
    ctx.store(set.key, Value::String(set.value.to_vec()), set.expiry == Expiry::KeepTtl);
    if let Some(at_ms) = expire_at {
        let db = ctx.db_index();
        ctx.db().set_expire(set.key, at_ms);
        ctx.effect(|| Effect::ExpireSet { db, key: set.key.to_vec(), at_ms: Some(at_ms) });
        // Replicas get the expiry as an absolute time.
        ctx.propagate_as = Some(vec![
            b"SET".to_vec(),
            set.key.to_vec(),
            set.value.to_vec(),
            b"PXAT".to_vec(),
            at_ms.to_string().into_bytes(),
        ]);
    } else if compared {
        let mut argv = vec![b"SET".to_vec(), set.key.to_vec(), set.value.to_vec()];
        if set.expiry == Expiry::KeepTtl {
            argv.push(b"KEEPTTL".to_vec());
        }
        ctx.propagate_as = Some(argv);
    } else if set.get {
        // Without GET (which may be given more than once).
        let argv: Vec<Vec<u8>> = ctx
            .argv
            .iter()
            .enumerate()
            .filter(|(j, a)| *j < 3 || !a.eq_ignore_ascii_case(b"GET"))
            .map(|(_, a)| a.clone())
            .collect();
        ctx.propagate_as = Some(argv);
    }
    Ok(old_reply.unwrap_or_else(Reply::ok))
}

/// Redis's `proto-max-bulk-len` default: the largest string a command may build.
const MAX_STRING: usize = 512 * 1024 * 1024;

fn too_big() -> Error {
    Error::other("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
}

/// The string at `key`: `None` when missing, `WRONGTYPE` for another type.
fn string_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Vec<u8>>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType),
    }
}

pub static MGET: CommandSpec = CommandSpec::new("mget", -2, STRING, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, -1, 1)
    .doc("key [key ...]", "Atomically returns the string values of one or more keys.")
    .run(mget);

fn mget(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let values = args
        .rest()
        .iter()
        .map(|key| match ctx.lookup(key) {
            Some(Value::String(s)) => Reply::Bulk(s.clone()),
            _ => Reply::Nil,
        })
        .collect();
    Ok(Reply::Array(values))
}

pub static MSET: CommandSpec = CommandSpec::new("mset", -3, STRING, "1.0.1")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, -1, 2)
    .doc("key value [key value ...]", "Atomically creates or modifies the string values of one or more keys.")
    .run(mset);
pub static MSETNX: CommandSpec = CommandSpec::new("msetnx", -3, STRING, "1.0.1")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, -1, 2)
    .doc(
        "key value [key value ...]",
        "Atomically modifies the string values of one or more keys only when all keys don't exist.",
    )
    .run(msetnx);

fn mset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let pairs = args.rest();
    if pairs.len() % 2 == 1 {
        return Err(Error::WrongArity { name: "mset".into() });
    }
    for pair in pairs.chunks(2) {
        ctx.store(&pair[0], Value::String(pair[1].clone()), false);
    }
    Ok(Reply::ok())
}

fn msetnx(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let pairs = args.rest();
    if pairs.len() % 2 == 1 {
        return Err(Error::WrongArity { name: "msetnx".into() });
    }
    if pairs.chunks(2).any(|pair| ctx.lookup(&pair[0]).is_some()) {
        return Ok(Reply::Integer(0));
    }
    for pair in pairs.chunks(2) {
        ctx.store(&pair[0], Value::String(pair[1].clone()), false);
    }
    Ok(Reply::Integer(1))
}

pub static SETNX: CommandSpec = CommandSpec::new("setnx", 3, STRING, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key value", "Set the string value of a key only when the key doesn't exist.")
    .run(setnx);

fn setnx(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, value) = (args.next()?, args.next()?);
    if ctx.lookup(key).is_some() {
        return Ok(Reply::Integer(0));
    }
    ctx.store(key, Value::String(value.to_vec()), false);
    Ok(Reply::Integer(1))
}

pub static SETEX: CommandSpec = CommandSpec::new("setex", 4, STRING, "2.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key seconds value",
        "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
    )
    .run(setex);
pub static PSETEX: CommandSpec = CommandSpec::new("psetex", 4, STRING, "2.6.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key milliseconds value",
        "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
    )
    .run(psetex);

fn setex(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    set_with_ttl(ctx, args, ExpiryUnit::Seconds, "setex")
}

fn psetex(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    set_with_ttl(ctx, args, ExpiryUnit::Milliseconds, "psetex")
}

fn set_with_ttl(ctx: &mut Ctx, mut args: Args, unit: ExpiryUnit, name: &str) -> Result<Reply> {
    let (key, ttl, value) = (args.next()?, args.next()?, args.next()?);
    let at = expire_at_ms(ttl, unit, ctx.now_ms, name)?;
    ctx.store(key, Value::String(value.to_vec()), false);
    ctx.set_expiry(key, Some(at));
    ctx.propagate_as =
        Some(vec![b"SET".to_vec(), key.to_vec(), value.to_vec(), b"PXAT".to_vec(), at.to_string().into_bytes()]);
    Ok(Reply::ok())
}

pub static GETSET: CommandSpec = CommandSpec::new("getset", 3, STRING, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key value", "Returns the previous string value of a key after setting it to a new value.")
    .run(getset);

fn getset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, value) = (args.next()?, args.next()?);
    let old = string_reply(ctx.lookup(key).map(|v| &*v))?;
    ctx.store(key, Value::String(value.to_vec()), false);
    Ok(old)
}

pub static GETDEL: CommandSpec = CommandSpec::new("getdel", 2, STRING, "6.2.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the string value of a key after deleting the key.")
    .run(getdel);

fn getdel(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let old = string_reply(ctx.lookup(key).map(|v| &*v))?;
    if old != Reply::Nil {
        ctx.delete(key);
        let lazy = ctx.server.config.settings.flag("lazyfree-lazy-user-del");
        ctx.propagate_as = Some(vec![if lazy { b"UNLINK".to_vec() } else { b"DEL".to_vec() }, key.to_vec()]);
    }
    Ok(old)
}

pub static GETEX: CommandSpec = CommandSpec::new("getex", -2, STRING, "6.2.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
        "Returns the string value of a key after setting its expiration time.",
    )
    .run(getex);

fn getex(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let mut expiry: Option<Option<(&[u8], ExpiryUnit)>> = None;
    while let Some(option) = args.peek() {
        args.next()?;
        let is = |word: &str| option.eq_ignore_ascii_case(word.as_bytes());
        let unit = ExpiryUnit::from_word(option);
        match (unit, args.peek(), expiry) {
            (Some(unit), Some(_), None) => expiry = Some(Some((args.next()?, unit))),
            (None, _, None) if is("PERSIST") => expiry = Some(None),
            _ => return Err(Error::Syntax),
        }
    }
    let at = match expiry {
        Some(Some((number, unit))) => Some(Some(expire_at_ms(number, unit, ctx.now_ms, "getex")?)),
        Some(None) => Some(None),
        None => None,
    };
    let value = string_reply(ctx.lookup(key).map(|v| &*v))?;
    if value == Reply::Nil {
        return Ok(value);
    }
    match at {
        Some(Some(at)) if at <= ctx.now_ms => {
            ctx.delete(key);
            let lazy = ctx.server.config.settings.flag("lazyfree-lazy-expire");
            ctx.propagate_as = Some(vec![if lazy { b"UNLINK".to_vec() } else { b"DEL".to_vec() }, key.to_vec()]);
        }
        Some(Some(at)) => {
            ctx.set_expiry(key, Some(at));
            ctx.dirty += 1;
            ctx.propagate_as = Some(vec![b"PEXPIREAT".to_vec(), key.to_vec(), at.to_string().into_bytes()]);
        }
        Some(None) if ctx.db().expire_at(key).is_some() => {
            ctx.set_expiry(key, None);
            ctx.dirty += 1;
            ctx.propagate_as = Some(vec![b"PERSIST".to_vec(), key.to_vec()]);
        }
        _ => {}
    }
    Ok(value)
}

pub static INCR: CommandSpec = CommandSpec::new("incr", 2, STRING, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.")
    .run(incr);
pub static DECR: CommandSpec = CommandSpec::new("decr", 2, STRING, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.")
    .run(decr);
pub static INCRBY: CommandSpec = CommandSpec::new("incrby", 3, STRING, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key increment",
        "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    )
    .run(incrby);
pub static DECRBY: CommandSpec = CommandSpec::new("decrby", 3, STRING, "1.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key decrement",
        "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
    )
    .run(decrby);

fn incr(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    add_to(ctx, args.next()?, 1)
}

fn decr(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    add_to(ctx, args.next()?, -1)
}

fn incrby(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let by = args.next_i64()?;
    add_to(ctx, key, by)
}

fn decrby(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let by = args.next_i64()?;
    if by == i64::MIN {
        return Err(Error::other("ERR decrement would overflow"));
    }
    add_to(ctx, key, -by)
}

/// Redis's `incrDecrCommand`.
fn add_to(ctx: &mut Ctx, key: &[u8], by: i64) -> Result<Reply> {
    let overflow = || Error::other("ERR increment or decrement would overflow");
    // One lookup: the value is rewritten where it is.
    let new = match string_at(ctx, key)? {
        Some(s) => {
            let new = parse_i64(s).ok_or(Error::NotInteger)?.checked_add(by).ok_or_else(overflow)?;
            s.clear();
            push_i64(s, new);
            Some(new)
        }
        None => None,
    };
    match new {
        Some(new) => {
            ctx.modified(key);
            Ok(Reply::Integer(new))
        }
        None => {
            let mut text = Vec::with_capacity(20);
            push_i64(&mut text, by);
            ctx.store(key, Value::String(text), false);
            Ok(Reply::Integer(by))
        }
    }
}

/// Writes `v` in decimal.
fn push_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    crate::stream::id::push_decimal(out, v.unsigned_abs());
}

pub static INCRBYFLOAT: CommandSpec = CommandSpec::new("incrbyfloat", 3, STRING, "2.6.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key increment",
        "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    )
    .run(incrbyfloat);

fn incrbyfloat(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let current = match string_at(ctx, key)? {
        None => LongDouble::ZERO,
        Some(s) => parse_ld(s).ok_or(Error::NotFloat)?,
    };
    let by = parse_ld(args.next()?).ok_or(Error::NotFloat)?;
    let new = current + by;
    if !new.is_finite() {
        return Err(Error::other("ERR increment would produce NaN or Infinity"));
    }
    let text = new.human().into_bytes();
    match string_at(ctx, key)? {
        Some(s) => {
            *s = text.clone();
            ctx.modified(key);
        }
        None => ctx.store(key, Value::String(text.clone()), false),
    }
    // A new string object, never an integer (`createStringObjectFromLongDouble`).
    ctx.db().force_encoding(key, Some(if text.len() <= 44 { "embstr" } else { "raw" }));
    // Replicas get the result, so float rounding cannot make them drift.
    ctx.propagate_as = Some(vec![b"SET".to_vec(), key.to_vec(), text.clone(), b"KEEPTTL".to_vec()]);
    Ok(Reply::Bulk(text))
}

/// Redis's `string2ld`: what `strtold` accepts, without leading spaces, trailing bytes or NaN.
pub(crate) fn parse_long_double(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || text.len() > 5120 || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned.starts_with("0x") || unsigned.starts_with("nan") {
        return None;
    }
    let value: f64 = match unsigned {
        "inf" | "infinity" => {
            if lower.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        _ => lower.parse().ok()?,
    };
    (!value.is_nan()).then_some(value)
}

/// Redis's `string2ld` in `long double` (80-bit, as on x86-64): what `strtold` accepts (decimal,
/// hexadecimal, `inf`), without leading spaces, trailing bytes, NaN, or a result out of range.
pub(crate) fn parse_ld(bytes: &[u8]) -> Option<crate::ld::LongDouble> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || text.len() >= 5120 || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    crate::ld::LongDouble::parse(text)
}

pub static APPEND: CommandSpec = CommandSpec::new("append", 3, STRING, "2.0.0")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key value", "Appends a string to the value of a key. Creates the key if it doesn't exist.")
    .run(append);

fn append(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, value) = (args.next()?, args.next()?);
    let len = match string_at(ctx, key)? {
        Some(s) => {
            if s.len() + value.len() > MAX_STRING {
                return Err(too_big());
            }
            s.extend_from_slice(value);
            let len = s.len();
            ctx.modified(key);
            ctx.db().mark_raw(key);
            len
        }
        None => {
            ctx.store(key, Value::String(value.to_vec()), false);
            value.len()
        }
    };
    Ok(Reply::Integer(len as i64))
}

pub static STRLEN: CommandSpec = CommandSpec::new("strlen", 2, STRING, "2.2.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the length of a string value.")
    .run(strlen);

fn strlen(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(string_at(ctx, key)?.map_or(0, |s| s.len()) as i64))
}

pub static GETRANGE: CommandSpec = CommandSpec::new("getrange", 4, STRING, "2.4.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key start end", "Returns a substring of the string stored at a key.")
    .run(getrange);
pub static SUBSTR: CommandSpec = CommandSpec::new("substr", 4, STRING, "1.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key start end", "Returns a substring from a string value.")
    .run(getrange);

fn getrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    let Some(s) = string_at(ctx, key)? else { return Ok(Reply::bulk("")) };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Ok(Reply::bulk(""));
    }
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { (len + end).max(0) } else { end }.min(len - 1);
    if start > end || len == 0 {
        return Ok(Reply::bulk(""));
    }
    Ok(Reply::Bulk(s[start as usize..=end as usize].to_vec()))
}

pub static SETRANGE: CommandSpec = CommandSpec::new("setrange", 4, STRING, "2.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key offset value",
        "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
    )
    .run(setrange);

fn setrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let offset = args.next_i64()?;
    let value = args.next()?;
    if offset < 0 {
        return Err(Error::other("ERR offset is out of range"));
    }
    let offset = offset as usize;
    let needed = offset.saturating_add(value.len());
    match string_at(ctx, key)? {
        None => {
            if value.is_empty() {
                return Ok(Reply::Integer(0));
            }
            if needed > MAX_STRING {
                return Err(too_big());
            }
            let mut s = vec![0; offset];
            s.extend_from_slice(value);
            ctx.store(key, Value::String(s), false);
            ctx.db().mark_raw(key);
            Ok(Reply::Integer(needed as i64))
        }
        Some(s) => {
            if value.is_empty() {
                return Ok(Reply::Integer(s.len() as i64));
            }
            if needed > MAX_STRING {
                return Err(too_big());
            }
            if s.len() < needed {
                s.resize(needed, 0);
            }
            s[offset..needed].copy_from_slice(value);
            let len = s.len();
            ctx.modified(key);
            ctx.db().mark_raw(key);
            Ok(Reply::Integer(len as i64))
        }
    }
}

pub static LCS: CommandSpec = CommandSpec::new("lcs", -3, STRING, "7.0.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 2, 1)
    .doc("key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", "Finds the longest common substring.")
    .run(lcs);

/// Redis's `lcsCommand`: the classic dynamic programme, then a walk back collecting matches.
fn lcs(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (ka, kb) = (args.next()?, args.next()?);
    let fetch = |v: Option<&mut Value>| match v {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::other("ERR The specified keys must contain string values")),
    };
    let a = fetch(ctx.lookup(ka))?;
    let b = fetch(ctx.lookup(kb))?;
    let (mut get_len, mut get_idx, mut with_len, mut min_len) = (false, false, false, 0i64);
    while let Some(opt) = args.peek() {
        args.next()?;
        if opt.eq_ignore_ascii_case(b"IDX") {
            get_idx = true;
        } else if opt.eq_ignore_ascii_case(b"LEN") {
            get_len = true;
        } else if opt.eq_ignore_ascii_case(b"WITHMATCHLEN") {
            with_len = true;
        } else if opt.eq_ignore_ascii_case(b"MINMATCHLEN") && args.peek().is_some() {
            min_len = args.next_i64()?.max(0);
        } else {
            return Err(Error::Syntax);
        }
    }
    if get_idx && get_len {
        return Err(Error::other("ERR If you want both the length and indexes, please just use IDX."));
    }
    if (a.len() as u64 + 1) * (b.len() as u64 + 1) > 1 << 31 {
        return Err(Error::other("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    }
    let (n, m) = (a.len(), b.len());
    let width = m + 1;
    let mut table = vec![0u32; (n + 1) * width];
    for i in 1..=n {
        for j in 1..=m {
            table[i * width + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * width + j - 1] + 1
            } else {
                table[(i - 1) * width + j].max(table[i * width + j - 1])
            };
        }
    }
    let total = table[n * width + m] as usize;
    let mut result = vec![0u8; total];
    let mut matches = Vec::new();
    let (mut i, mut j, mut idx) = (n, m, total);
    let mut range: Option<(usize, usize, usize, usize)> = None; // a_start, a_end, b_start, b_end
    let push = |range: (usize, usize, usize, usize), matches: &mut Vec<Reply>| {
        let (a0, a1, b0, b1) = range;
        let len = a1 - a0 + 1;
        if (len as i64) >= min_len {
            let mut item = vec![
                Reply::Array(vec![Reply::Integer(a0 as i64), Reply::Integer(a1 as i64)]),
                Reply::Array(vec![Reply::Integer(b0 as i64), Reply::Integer(b1 as i64)]),
            ];
            if with_len {
                item.push(Reply::Integer(len as i64));
            }
            matches.push(Reply::Array(item));
        }
    };
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            match &mut range {
                None => range = Some((i - 1, i - 1, j - 1, j - 1)),
                Some(r) if r.0 == i && r.2 == j => {
                    r.0 -= 1;
                    r.2 -= 1;
                }
                Some(_) => emit = true,
            }
            if !emit {
                idx -= 1;
                i -= 1;
                j -= 1;
                if i == 0 || j == 0 {
                    emit = true;
                }
            }
        } else if table[(i - 1) * width + j] > table[i * width + j - 1] {
            i -= 1;
            emit = range.is_some();
        } else {
            j -= 1;
            emit = range.is_some();
        }
        if emit {
            if let Some(r) = range.take() {
                if get_idx {
                    push(r, &mut matches);
                }
            }
        }
    }
    if let Some(r) = range.take() {
        if get_idx {
            push(r, &mut matches);
        }
    }
    if get_idx {
        return Ok(Reply::Map(vec![
            (Reply::bulk("matches"), Reply::Array(matches)),
            (Reply::bulk("len"), Reply::Integer(total as i64)),
        ]));
    }
    if get_len {
        return Ok(Reply::Integer(total as i64));
    }
    Ok(Reply::Bulk(result))
}

/// Redis 8.4's hash digest of a value (`DIGEST`, `IFDEQ`): XXH3-64 as 16 lower-case hex digits.
pub(crate) fn digest(value: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(value))
}

#[cfg(test)]
mod digest_tests {
    #[test]
    fn digest_is_xxh3_in_hex() {
        // redis.io's DIGEST example.
        assert_eq!(super::digest(b"Hello world"), "b6acb9d84a38ff74");
    }
}
