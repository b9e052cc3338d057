//! String commands.

use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

const STRING: &str = "string";

/// `GET key`
pub static GET: CommandSpec = CommandSpec {
    name: "get",
    arity: 2,
    flags: &[Flag::ReadOnly, Flag::Fast],
    keys: (1, 1, 1),
    group: STRING,
    since: "1.0.0",
    summary: "Returns the string value of a key.",
    syntax: "key",
    run: Some(get),
    subcommands: &[],
};

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
pub static SET: CommandSpec = CommandSpec {
    name: "set",
    arity: -3,
    flags: &[Flag::Write],
    keys: (1, 1, 1),
    group: STRING,
    since: "1.0.0",
    summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
    syntax: "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
    run: Some(set),
    subcommands: &[],
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Condition {
    Always,
    IfMissing,
    IfExists,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry<'a> {
    None,
    KeepTtl,
    /// `EX`, `PX`, `EXAT` or `PXAT` with the unparsed number.
    Option(&'a [u8], ExpiryUnit),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExpiryUnit {
    Seconds,
    Milliseconds,
    UnixSeconds,
    UnixMilliseconds,
}

struct Set<'a> {
    key: &'a [u8],
    value: &'a [u8],
    condition: Condition,
    get: bool,
    expiry: Expiry<'a>,
}

impl<'a> Set<'a> {
    /// Redis accepts the options in any order; a repeated or conflicting one is a syntax error.
    fn parse(mut args: Args<'a>) -> Result<Set<'a>> {
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
            let unit = [
                ("EX", ExpiryUnit::Seconds),
                ("PX", ExpiryUnit::Milliseconds),
                ("EXAT", ExpiryUnit::UnixSeconds),
                ("PXAT", ExpiryUnit::UnixMilliseconds),
            ]
            .into_iter()
            .find(|(word, _)| is(word))
            .map(|(_, unit)| unit);
            if is("NX") && set.condition != Condition::IfExists {
                set.condition = Condition::IfMissing;
            } else if is("XX") && set.condition != Condition::IfMissing {
                set.condition = Condition::IfExists;
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
fn expire_at_ms(number: &[u8], unit: ExpiryUnit, now_ms: u64, command: &str) -> Result<u64> {
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
    let set = Set::parse(args)?;
    let expire_at = match set.expiry {
        Expiry::Option(number, unit) => Some(expire_at_ms(number, unit, ctx.now_ms, "set")?),
        _ => None,
    };
    let old = ctx.lookup(set.key).map(|v| v.clone());
    let old_reply = if set.get { Some(string_reply(old.as_ref())?) } else { None };
    let found = old.is_some();
    let blocked = match set.condition {
        Condition::IfMissing => found,
        Condition::IfExists => !found,
        Condition::Always => false,
    };
    if blocked {
        return Ok(old_reply.unwrap_or(Reply::Nil));
    }
    ctx.store(set.key, Value::String(set.value.to_vec()), set.expiry == Expiry::KeepTtl);
    if let Some(at_ms) = expire_at {
        let db = ctx.db_index();
        ctx.db().set_expire(set.key, at_ms);
        ctx.effect(Effect::ExpireSet { db, key: set.key.to_vec(), at_ms: Some(at_ms) });
    }
    Ok(old_reply.unwrap_or_else(Reply::ok))
}
