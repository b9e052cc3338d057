//! `INCREX` (Redis 8.8): an increment with bounds and expiry in one command, following redis.io's
//! page. Where the page gives no error text, the text is the one Redis uses for the same mistake
//! in `INCRBY`, `INCRBYFLOAT` and `SET` (README, "Chosen here").
//!
//! `INCREX key [BYINT n | BYFLOAT f] [LBOUND lo] [UBOUND hi] [SATURATE]
//!        [EX s | PX ms | EXAT s | PXAT ms | PERSIST] [ENX]`

use std::cmp::Ordering;

use super::string::{expire_at_ms, parse_ld, ExpiryUnit};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::ld::LongDouble;
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

pub static INCREX: CommandSpec = CommandSpec::new("increx", -2, "string", "8.8.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [BYFLOAT increment | BYINT increment] [LBOUND lowerbound] [UBOUND upperbound] [SATURATE] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] [ENX]",
        "Increments the numeric value of a key with optional bounds and expiration.",
    )
    .run(increx);

/// What to do with the key's time to live.
#[derive(Clone, Copy, PartialEq)]
enum Ttl<'a> {
    Keep,
    Set(&'a [u8], ExpiryUnit),
    Persist,
}

struct Options<'a> {
    by: Option<&'a [u8]>,
    float: bool,
    low: Option<&'a [u8]>,
    high: Option<&'a [u8]>,
    saturate: bool,
    ttl: Ttl<'a>,
    only_without_ttl: bool,
}

fn parse<'a>(args: &'a [Vec<u8>]) -> Result<Options<'a>> {
    let mut o = Options {
        by: None,
        float: false,
        low: None,
        high: None,
        saturate: false,
        ttl: Ttl::Keep,
        only_without_ttl: false,
    };
    let mut i = 0;
    while i < args.len() {
        let word = args[i].to_ascii_uppercase();
        let operand = args.get(i + 1).map(Vec::as_slice);
        let unit = ExpiryUnit::from_word(&word);
        match (word.as_slice(), operand, unit) {
            (b"BYINT" | b"BYFLOAT", Some(n), _) if o.by.is_none() => {
                o.by = Some(n);
                o.float = word == b"BYFLOAT";
                i += 1;
            }
            (b"LBOUND", Some(n), _) if o.low.is_none() => {
                o.low = Some(n);
                i += 1;
            }
            (b"UBOUND", Some(n), _) if o.high.is_none() => {
                o.high = Some(n);
                i += 1;
            }
            (b"SATURATE", _, _) => o.saturate = true,
            (b"PERSIST", _, _) if o.ttl == Ttl::Keep => o.ttl = Ttl::Persist,
            (b"ENX", _, _) => o.only_without_ttl = true,
            (_, Some(n), Some(unit)) if o.ttl == Ttl::Keep => {
                o.ttl = Ttl::Set(n, unit);
                i += 1;
            }
            _ => return Err(Error::Syntax),
        }
        i += 1;
    }
    // ENX only qualifies a new expiry.
    if o.only_without_ttl && !matches!(o.ttl, Ttl::Set(..)) {
        return Err(Error::Syntax);
    }
    Ok(o)
}

fn bound_error() -> Error {
    Error::other("ERR LBOUND must be less than or equal to UBOUND")
}

/// The new value and the increment applied, `None` when the result falls outside the bounds and
/// the operation is skipped.
fn add_int(current: &[u8], o: &Options) -> Result<Option<(i64, i64)>> {
    let by = o.by.map_or(Ok(1), |b| parse_i64(b).ok_or(Error::NotInteger))?;
    let low = o.low.map_or(Ok(i64::MIN), |b| parse_i64(b).ok_or(Error::NotInteger))?;
    let high = o.high.map_or(Ok(i64::MAX), |b| parse_i64(b).ok_or(Error::NotInteger))?;
    if low > high {
        return Err(bound_error());
    }
    let cur = if current.is_empty() { 0 } else { parse_i64(current).ok_or(Error::NotInteger)? };
    let wanted = i128::from(cur) + i128::from(by);
    let new = if wanted < i128::from(low) || wanted > i128::from(high) {
        if !o.saturate {
            return Ok(None);
        }
        wanted.clamp(i128::from(low), i128::from(high))
    } else {
        wanted
    };
    let applied =
        i64::try_from(new - i128::from(cur)).map_err(|_| Error::other("ERR increment or decrement would overflow"))?;
    Ok(Some((new as i64, applied)))
}

fn add_float(current: &[u8], o: &Options) -> Result<Option<(LongDouble, LongDouble)>> {
    let float = |b: &[u8]| parse_ld(b).filter(|v| v.is_finite()).ok_or(Error::NotFloat);
    let by = o.by.map_or(Ok(LongDouble::ZERO), float)?;
    let (low, high) = (o.low.map(float).transpose()?, o.high.map(float).transpose()?);
    if let (Some(l), Some(h)) = (low, high) {
        if l.compare(h) == Ordering::Greater {
            return Err(bound_error());
        }
    }
    let cur = if current.is_empty() { LongDouble::ZERO } else { parse_ld(current).ok_or(Error::NotFloat)? };
    let mut new = cur + by;
    let below = low.filter(|l| new.compare(*l) == Ordering::Less);
    let above = high.filter(|h| new.compare(*h) == Ordering::Greater);
    if let Some(limit) = below.or(above) {
        if !o.saturate {
            return Ok(None);
        }
        new = limit;
    }
    if !new.is_finite() {
        return Err(Error::other("ERR increment would produce NaN or Infinity"));
    }
    Ok(Some((new, new + cur.negate())))
}

/// `INCREX`: `[new value, increment applied]`; out of bounds without `SATURATE`, the current
/// value and 0, and nothing changes. Replicas receive the result as a `SET`.
fn increx(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let o = parse(args.rest())?;
    let at_ms = match o.ttl {
        Ttl::Set(n, unit) => Some(expire_at_ms(n, unit, ctx.now_ms, "increx")?),
        _ => None,
    };
    let current = match ctx.lookup(&key) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(Error::WrongType),
    };
    let text = current.clone().unwrap_or_default();
    let (stored, reply) = if o.float {
        match add_float(&text, &o)? {
            None => {
                let cur = if text.is_empty() { LongDouble::ZERO } else { parse_ld(&text).ok_or(Error::NotFloat)? };
                return Ok(Reply::Array(vec![Reply::Bulk(cur.human().into_bytes()), Reply::bulk("0")]));
            }
            Some((new, applied)) => {
                let new = new.human().into_bytes();
                (new.clone(), Reply::Array(vec![Reply::Bulk(new), Reply::Bulk(applied.human().into_bytes())]))
            }
        }
    } else {
        match add_int(&text, &o)? {
            None => {
                let cur = if text.is_empty() { 0 } else { parse_i64(&text).ok_or(Error::NotInteger)? };
                return Ok(Reply::Array(vec![Reply::Integer(cur), Reply::Integer(0)]));
            }
            Some((new, applied)) => {
                (new.to_string().into_bytes(), Reply::Array(vec![Reply::Integer(new), Reply::Integer(applied)]))
            }
        }
    };
    let had_ttl = ctx.db().expire_at(&key).is_some();
    ctx.store(&key, Value::String(stored.clone()), true);
    ctx.notify(crate::notify::STRING, if o.float { "incrbyfloat" } else { "incrby" }, &key);
    let mut propagated = vec![b"SET".to_vec(), key.clone(), stored];
    match (o.ttl, at_ms) {
        (Ttl::Set(..), Some(at)) if !(o.only_without_ttl && had_ttl) => {
            ctx.set_expiry(&key, Some(at));
            ctx.notify(crate::notify::GENERIC, "expire", &key);
            propagated.extend([b"PXAT".to_vec(), at.to_string().into_bytes()]);
        }
        (Ttl::Persist, _) if had_ttl => {
            ctx.set_expiry(&key, None);
            ctx.notify(crate::notify::GENERIC, "persist", &key);
        }
        (Ttl::Persist, _) => {}
        _ => propagated.push(b"KEEPTTL".to_vec()),
    }
    let db = ctx.db_index();
    ctx.effect(|| Effect::KeyWritten { db, key: key.clone() });
    ctx.propagate_as = Some(propagated);
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    // redis.io's INCREX examples (at virtual time 0), then the choices made here.
    #[test]
    fn increments_within_bounds_with_expiry() {
        check(
            Version::V8_8,
            "@0 > INCREX mykey1\n1) (integer) 1\n2) (integer) 1\n\
             @0 > INCREX mykey1\n1) (integer) 2\n2) (integer) 1\n\
             @0 > SET mykey2 100\nOK\n\
             @0 > INCREX mykey2 BYINT 5\n1) (integer) 105\n2) (integer) 5\n\
             @0 > INCREX mykey2 BYINT -10\n1) (integer) 95\n2) (integer) -10\n\
             @0 > SET mykey3 1.5\nOK\n\
             @0 > INCREX mykey3 BYFLOAT 0.25\n1) \"1.75\"\n2) \"0.25\"\n\
             @0 > INCREX mykey4 BYINT 1 EX 100\n1) (integer) 1\n2) (integer) 1\n\
             @0 > TTL mykey4\n(integer) 100\n\
             @0 > SET mykey5 10\nOK\n\
             @0 > INCREX mykey5 BYINT 1 EX 100 ENX\n1) (integer) 11\n2) (integer) 1\n\
             @0 > TTL mykey5\n(integer) 100\n\
             @0 > SET mykey5 10 EX 500\nOK\n\
             @0 > INCREX mykey5 BYINT 1 EX 10 ENX\n1) (integer) 11\n2) (integer) 1\n\
             @0 > TTL mykey5\n(integer) 500\n\
             @0 > SET mykey6 5 EX 1000\nOK\n\
             @0 > INCREX mykey6 BYINT 1 PERSIST\n1) (integer) 6\n2) (integer) 1\n\
             @0 > TTL mykey6\n(integer) -1\n\
             @0 > SET mykey7 99\nOK\n\
             @0 > INCREX mykey7 BYINT 5 UBOUND 100\n1) (integer) 99\n2) (integer) 0\n\
             @0 > INCREX mykey7 BYINT 5 UBOUND 100 SATURATE\n1) (integer) 100\n2) (integer) 1\n\
             @0 > INCREX f BYFLOAT 2.5 UBOUND 2 SATURATE\n1) \"2\"\n2) \"2\"\n\
             @0 > INCREX f BYFLOAT -5 LBOUND 0\n1) \"2\"\n2) \"0\"\n\
             @0 > INCREX missing BYINT 5 UBOUND 1\n1) (integer) 0\n2) (integer) 0\n\
             @0 > EXISTS missing\n(integer) 0\n\
             @0 > INCREX m BYINT 1 LBOUND 5 UBOUND 1\n(error) ERR LBOUND must be less than or equal to UBOUND\n\
             @0 > INCREX m BYINT x\n(error) ERR value is not an integer or out of range\n\
             @0 > INCREX m BYFLOAT x\n(error) ERR value is not a valid float\n\
             @0 > INCREX m ENX\n(error) ERR syntax error\n\
             @0 > INCREX m EX 10 PERSIST\n(error) ERR syntax error\n\
             @0 > INCREX m BYINT 1 BYFLOAT 1\n(error) ERR syntax error\n\
             @0 > INCREX mykey3 BYINT 1\n(error) ERR value is not an integer or out of range\n\
             @0 > LPUSH l a\n(integer) 1\n\
             @0 > INCREX l\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
             @0 > SET big 9223372036854775807\nOK\n\
             @0 > INCREX big\n1) (integer) 9223372036854775807\n2) (integer) 0\n\
             @0 > INCREX big SATURATE\n1) (integer) 9223372036854775807\n2) (integer) 0\n",
        );
        check(Version::V8_6, "@0 > INCREX k\n(error) ERR unknown command 'INCREX', with args beginning with: 'k' \n");
    }
}
