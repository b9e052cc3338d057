//! Redis 8.4's string commands that compare before they write: `DIGEST`, `DELEX` and `MSETEX`
//! (`SET`'s `IFEQ`/`IFNE`/`IFDEQ`/`IFDNE` live with `SET`). They follow redis.io's pages; where a
//! page gives no error text, the text is chosen to be the one Redis uses for the same mistake
//! elsewhere (README, "Chosen here").

use super::string::{digest, expire_at_ms, ExpiryUnit};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

const STRING: &str = "string";

pub static DIGEST: CommandSpec = CommandSpec::new("digest", 2, STRING, "8.4.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key", "Returns the hash digest of a string value as a hexadecimal string.")
    .run(|ctx, mut args| {
        let key = args.next()?;
        match ctx.lookup(key) {
            None => Ok(Reply::Nil),
            Some(Value::String(s)) => Ok(Reply::bulk(digest(s))),
            Some(_) => Err(Error::WrongType),
        }
    });

pub static DELEX: CommandSpec = CommandSpec::new("delex", -2, STRING, "8.4.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [IFEQ ifeq-value | IFNE ifne-value | IFDEQ ifdeq-digest | IFDNE ifdne-digest]",
        "Conditionally removes the specified key based on value or hash digest comparison.",
    )
    .run(delex);

/// `DELEX key [IFEQ v | IFNE v | IFDEQ d | IFDNE d]`: 1 when the key went. Without a condition
/// any key goes, as with `DEL`; a condition needs a string. Replicas receive `DEL key`.
fn delex(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let condition = match args.rest() {
        [] => None,
        [word, operand] => {
            let word = word.to_ascii_uppercase();
            let (digest_compare, equal) = match word.as_slice() {
                b"IFEQ" => (false, true),
                b"IFNE" => (false, false),
                b"IFDEQ" => (true, true),
                b"IFDNE" => (true, false),
                _ => return Err(Error::Syntax),
            };
            Some((digest_compare, equal, operand.clone()))
        }
        _ => return Err(Error::Syntax),
    };
    let goes = match (ctx.lookup(key), &condition) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(Value::String(s)), Some((false, equal, v))) => (s == v) == *equal,
        (Some(Value::String(s)), Some((true, equal, d))) => digest(s).as_bytes().eq_ignore_ascii_case(d) == *equal,
        (Some(_), Some(_)) => return Err(Error::WrongType),
    };
    if !goes {
        return Ok(Reply::Integer(0));
    }
    ctx.delete(key);
    ctx.propagate_as = Some(vec![b"DEL".to_vec(), key.to_vec()]);
    Ok(Reply::Integer(1))
}

pub static MSETEX: CommandSpec = CommandSpec::new("msetex", -4, STRING, "8.4.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::MovableKeys])
    .doc(
        "numkeys key value [key value ...] [NX | XX] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
        "Atomically sets multiple string keys with an optional shared expiration in a single operation.",
    )
    .run(msetex);

/// `MSETEX`: every pair set (1) or, under `NX`/`XX`, none (0), all with the same expiry.
/// Replicas receive it with the expiry as `PXAT`.
fn msetex(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let numkeys = parse_i64(args.next()?)
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::other("ERR numkeys should be greater than 0"))?;
    let rest = args.rest();
    let wanted = usize::try_from(numkeys).unwrap_or(usize::MAX).saturating_mul(2);
    if wanted > rest.len() {
        return Err(Error::WrongArity { name: "msetex".into() });
    }
    let (pairs, options) = rest.split_at(wanted);
    let (mut only_new, mut only_existing, mut keep_ttl) = (false, false, false);
    let mut expiry: Option<(&[u8], ExpiryUnit, usize)> = None;
    let mut i = 0;
    while i < options.len() {
        let word = options[i].to_ascii_uppercase();
        let unit = ExpiryUnit::from_word(&word);
        match (word.as_slice(), unit) {
            (b"NX", _) if !only_existing => only_new = true,
            (b"XX", _) if !only_new => only_existing = true,
            (b"KEEPTTL", _) if expiry.is_none() => keep_ttl = true,
            (_, Some(unit)) if expiry.is_none() && !keep_ttl && i + 1 < options.len() => {
                expiry = Some((&options[i + 1], unit, 2 + wanted + i + 1));
                i += 1;
            }
            _ => return Err(Error::Syntax),
        }
        i += 1;
    }
    let at_ms = match expiry {
        Some((number, unit, _)) => Some(expire_at_ms(number, unit, ctx.now_ms, "msetex")?),
        None => None,
    };
    if only_new || only_existing {
        let mut existing = 0;
        for pair in pairs.chunks(2) {
            existing += usize::from(ctx.lookup(&pair[0]).is_some());
        }
        if (only_new && existing > 0) || (only_existing && existing < pairs.len() / 2) {
            return Ok(Reply::Integer(0));
        }
    }
    let db = ctx.db_index();
    for pair in pairs.chunks(2) {
        ctx.store(&pair[0], Value::String(pair[1].clone()), keep_ttl);
        ctx.notify(crate::notify::STRING, "set", &pair[0]);
        if let Some(at_ms) = at_ms {
            ctx.db().set_expire(&pair[0], at_ms);
            ctx.effect(|| Effect::ExpireSet { db, key: pair[0].clone(), at_ms: Some(at_ms) });
            ctx.notify(crate::notify::GENERIC, "expire", &pair[0]);
        }
    }
    if let (Some((_, _, at)), Some(at_ms)) = (expiry, at_ms) {
        let mut argv = ctx.argv.to_vec();
        argv[at - 1] = b"PXAT".to_vec();
        argv[at] = at_ms.to_string().into_bytes();
        ctx.propagate_as = Some(argv);
    }
    Ok(Reply::Integer(1))
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    #[test]
    fn set_compares_before_it_writes() {
        check(
            Version::V8_4,
            "@0 > SET k hello\nOK\n\
             @0 > DIGEST k\n\"9555e8555c62dcfd\"\n\
             @0 > SET k world IFEQ nope\n(nil)\n\
             @0 > SET k world IFEQ hello\nOK\n\
             @0 > SET k again IFNE world\n(nil)\n\
             @0 > SET k again IFNE other GET\n\"world\"\n\
             @0 > SET missing v IFEQ x\n(nil)\n\
             @0 > EXISTS missing\n(integer) 0\n\
             @0 > SET missing v IFNE x\nOK\n\
             @0 > SET missing w IFDNE 0000000000000000\nOK\n\
             @0 > SET k x IFEQ a NX\n(error) ERR syntax error\n\
             @0 > SET k x IFEQ\n(error) ERR syntax error\n\
             @0 > LPUSH l a\n(integer) 1\n\
             @0 > SET l x IFEQ a\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
             @0 > DIGEST l\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
             @0 > DIGEST nosuch\n(nil)\n",
        );
        check(Version::V8_2, "@0 > SET k v IFEQ v\n(error) ERR syntax error\n");
    }

    #[test]
    fn delex_deletes_on_condition() {
        check(
            Version::V8_4,
            "@0 > SET k hello\nOK\n\
             @0 > DELEX k IFEQ nope\n(integer) 0\n\
             @0 > DELEX k IFNE hello\n(integer) 0\n\
             @0 > DELEX k IFDNE 9555e8555c62dcfd\n(integer) 0\n\
             @0 > DELEX k IFDEQ 9555E8555C62DCFD\n(integer) 1\n\
             @0 > DELEX k\n(integer) 0\n\
             @0 > LPUSH l a\n(integer) 1\n\
             @0 > DELEX l IFEQ a\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
             @0 > DELEX l\n(integer) 1\n\
             @0 > DELEX l IFEQ\n(error) ERR syntax error\n\
             @0 > DELEX l BOGUS x\n(error) ERR syntax error\n",
        );
    }

    #[test]
    fn msetex_sets_all_or_none_with_one_expiry() {
        check(
            Version::V8_4,
            "@1000 > MSETEX 2 a 1 b 2 EX 10\n(integer) 1\n\
             @1000 > PTTL a\n(integer) 10000\n\
             @1000 > MGET a b\n1) \"1\"\n2) \"2\"\n\
             @1000 > MSETEX 2 a 3 c 4 NX\n(integer) 0\n\
             @1000 > EXISTS c\n(integer) 0\n\
             @1000 > MSETEX 2 a 5 c 6 XX\n(integer) 0\n\
             @1000 > MSETEX 2 a 5 b 6 XX KEEPTTL\n(integer) 1\n\
             @1000 > PTTL b\n(integer) 10000\n\
             @1000 > MSETEX 1 a 7\n(integer) 1\n\
             @1000 > PTTL a\n(integer) -1\n\
             @1000 > MSETEX 0 a 1\n(error) ERR numkeys should be greater than 0\n\
             @1000 > MSETEX 2 a 1\n(error) ERR wrong number of arguments for 'msetex' command\n\
             @1000 > MSETEX 1 a 1 NX XX\n(error) ERR syntax error\n\
             @1000 > MSETEX 1 a 1 EX 10 KEEPTTL\n(error) ERR syntax error\n\
             @1000 > MSETEX 1 a 1 EX 0\n(error) ERR invalid expire time in 'msetex' command\n",
        );
    }
}
