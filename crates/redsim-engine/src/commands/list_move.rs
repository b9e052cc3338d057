//! `LMOVEM` and `BLMOVEM` (Redis 8.10): `LMOVE` for several elements at once, following
//! redis.io's pages.
//!
//! `LMOVEM source destination LEFT|RIGHT LEFT|RIGHT [COUNT n | EXACTLY n  OBO | BULK]`
//! `BLMOVEM source destination LEFT|RIGHT LEFT|RIGHT timeout [COUNT n | EXACTLY n  OBO | BULK]`
//!
//! Elements are popped from one end of `source`; `OBO` pushes them one by one (so on the same
//! list it reverses them), `BULK` pushes them as a batch in their order in `source` (so on the
//! same list it changes nothing). The reply is the moved elements as `destination` holds them,
//! left to right.

use super::list::{
    block_or_nil, list_at, list_or_create, moved_events, parse_end, parse_timeout, pop_end, push_end, End,
};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;

pub static LMOVEM: CommandSpec = CommandSpec::new("lmovem", -5, "list", "8.10.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 2, 1)
    .doc(
        "source destination <LEFT | RIGHT> <LEFT | RIGHT> [<COUNT count | EXACTLY exactly> <OBO | BULK>]",
        "Atomically moves one or more elements from one list to another and returns them.",
    )
    .run(lmovem);

pub static BLMOVEM: CommandSpec = CommandSpec::new("blmovem", -6, "list", "8.10.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::Blocking])
    .keys(1, 2, 1)
    .waits_for("list")
    .doc(
        "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout [<COUNT count | EXACTLY exactly> <OBO | BULK>]",
        "Moves up to (or exactly) a number of elements from one list to another and returns them. Blocks until the elements are available otherwise. Deletes the source list if it becomes empty.",
    )
    .run(blmovem);

/// How many elements, and whether all of them must be there.
struct HowMany {
    count: usize,
    exactly: bool,
    one_by_one: bool,
}

fn how_many(rest: &[Vec<u8>]) -> Result<Option<HowMany>> {
    let [selector, n, order] = rest else {
        return if rest.is_empty() { Ok(None) } else { Err(Error::Syntax) };
    };
    let exactly = match selector.to_ascii_uppercase().as_slice() {
        b"COUNT" => false,
        b"EXACTLY" => true,
        _ => return Err(Error::Syntax),
    };
    let count = parse_i64(n).filter(|&c| c > 0).ok_or_else(|| Error::other("ERR count should be greater than 0"))?;
    let one_by_one = match order.to_ascii_uppercase().as_slice() {
        b"OBO" => true,
        b"BULK" => false,
        _ => return Err(Error::Syntax),
    };
    Ok(Some(HowMany { count: usize::try_from(count).unwrap_or(usize::MAX), exactly, one_by_one }))
}

fn lmovem(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (src, dst) = (args.next()?.to_vec(), args.next()?.to_vec());
    let (from, to) = (parse_end(args.next()?)?, parse_end(args.next()?)?);
    let how = how_many(args.rest())?;
    let nothing = if how.as_ref().is_some_and(|h| h.exactly) { Reply::Nil } else { Reply::Array(Vec::new()) };
    Ok(move_many(ctx, &src, &dst, (from, to), how.as_ref())?.unwrap_or(nothing))
}

/// Served as `LMOVEM` when `source` holds enough (one element for `COUNT`, all of them for
/// `EXACTLY`); parked otherwise, and re-run each time `source` is pushed to. Inside `MULTI` or a
/// script, or at the timeout, the reply is nil.
fn blmovem(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (src, dst) = (args.next()?.to_vec(), args.next()?.to_vec());
    let (from, to) = (parse_end(args.next()?)?, parse_end(args.next()?)?);
    let timeout = args.next()?.to_vec();
    let how = how_many(args.rest())?;
    let deadline = parse_timeout(ctx, &timeout)?;
    match move_many(ctx, &src, &dst, (from, to), how.as_ref())? {
        Some(reply) => {
            let mut argv = ctx.argv.to_vec();
            argv.remove(5);
            argv[0] = b"LMOVEM".to_vec();
            ctx.propagate_as = Some(argv);
            Ok(reply)
        }
        None => block_or_nil(ctx, &[src], Some(deadline)).map(|r| if r == Reply::NilArray { Reply::Nil } else { r }),
    }
}

/// Moves what `how` asks for, or answers `None` when `source` cannot satisfy it.
fn move_many(
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    (from, to): (End, End),
    how: Option<&HowMany>,
) -> Result<Option<Reply>> {
    let Some(available) = list_at(ctx, src)?.map(|l| l.len()) else { return Ok(None) };
    list_at(ctx, dst)?;
    let (wanted, one_by_one) = match how {
        None => (1, true),
        Some(h) if h.exactly && available < h.count => return Ok(None),
        Some(h) => (h.count.min(available), h.one_by_one),
    };
    let mut popped = Vec::with_capacity(wanted);
    if let Some(list) = list_at(ctx, src)? {
        for _ in 0..wanted {
            popped.extend(pop_end(list, from));
        }
    }
    ctx.modified(src);
    // The batch in its order in the source (BULK keeps it; OBO pushes in the order popped).
    let pushed: Vec<Vec<u8>> = match (one_by_one, from) {
        (true, _) | (false, End::Left) => popped.clone(),
        (false, End::Right) => popped.iter().rev().cloned().collect(),
    };
    let dest = list_or_create(ctx, dst)?;
    let in_order: Vec<Vec<u8>> = match (one_by_one, to) {
        (true, End::Left) => pushed.iter().rev().cloned().collect(),
        (false, End::Left) => pushed.clone(),
        (_, End::Right) => pushed.clone(),
    };
    if to == End::Left {
        for value in in_order.iter().rev() {
            push_end(dest, End::Left, value.clone());
        }
    } else {
        for value in &in_order {
            push_end(dest, End::Right, value.clone());
        }
    }
    ctx.modified(dst);
    moved_events(ctx, src, dst, from, to);
    Ok(Some(Reply::Array(in_order.into_iter().map(Reply::Bulk).collect())))
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    // redis.io's LMOVEM example, then what its page says in words.
    #[test]
    fn moves_several_elements_one_by_one_or_in_bulk() {
        check(
            Version::LATEST,
            "@0 > RPUSH mylist 1 2 3 4\n(integer) 4\n\
             @0 > LMOVEM mylist myotherlist LEFT LEFT COUNT 2 OBO\n1) \"2\"\n2) \"1\"\n\
             @0 > LRANGE mylist 0 -1\n1) \"3\"\n2) \"4\"\n\
             @0 > LRANGE myotherlist 0 -1\n1) \"2\"\n2) \"1\"\n\
             @0 > LMOVEM mylist myotherlist LEFT LEFT EXACTLY 5 BULK\n(nil)\n\
             @0 > RPUSH somelist a b c\n(integer) 3\n\
             @0 > LMOVEM somelist somelist LEFT LEFT EXACTLY 2 OBO\n1) \"b\"\n2) \"a\"\n\
             @0 > LRANGE somelist 0 -1\n1) \"b\"\n2) \"a\"\n3) \"c\"\n\
             @0 > LMOVEM somelist somelist RIGHT RIGHT COUNT 2 BULK\n1) \"a\"\n2) \"c\"\n\
             @0 > LRANGE somelist 0 -1\n1) \"b\"\n2) \"a\"\n3) \"c\"\n\
             @0 > RPUSH src x y z\n(integer) 3\n\
             @0 > LMOVEM src dst RIGHT LEFT COUNT 10 BULK\n1) \"x\"\n2) \"y\"\n3) \"z\"\n\
             @0 > EXISTS src\n(integer) 0\n\
             @0 > LMOVEM dst out LEFT RIGHT\n1) \"x\"\n\
             @0 > LMOVEM nosuch out LEFT RIGHT\n(empty array)\n\
             @0 > LMOVEM nosuch out LEFT RIGHT EXACTLY 1 OBO\n(nil)\n\
             @0 > LMOVEM dst out LEFT RIGHT COUNT 0 OBO\n(error) ERR count should be greater than 0\n\
             @0 > LMOVEM dst out LEFT RIGHT COUNT 1\n(error) ERR syntax error\n\
             @0 > LMOVEM dst out UP RIGHT\n(error) ERR syntax error\n",
        );
    }

    // BLMOVEM waits while the source is empty (COUNT) or short (EXACTLY), re-checking at each push.
    #[test]
    fn blmovem_waits_for_enough_elements() {
        check(
            Version::LATEST,
            "@0 a> BLMOVEM src dst LEFT RIGHT 0 EXACTLY 3 BULK\n(blocked)\n\
             @10 b> RPUSH src 1 2\n(integer) 2\n\
             @20 b> RPUSH src 3 4\n(integer) 4\na: 1) \"1\"\n2) \"2\"\n3) \"3\"\n\
             @30 b> LRANGE src 0 -1\n1) \"4\"\n\
             @40 a> BLMOVEM src dst RIGHT LEFT 1 COUNT 5 OBO\n1) \"4\"\n\
             @50 a> BLMOVEM src dst RIGHT LEFT 1 COUNT 5 OBO\n(blocked)\n\
             @1050 b> LLEN dst\n(integer) 4\na: (nil)\n\
             @1100 b> MULTI\nOK\n\
             @1100 b> BLMOVEM src dst LEFT LEFT 0\nQUEUED\n\
             @1100 b> EXEC\n1) (nil)\n\
             @1200 b> BLMOVEM src dst LEFT LEFT -1\n(error) ERR timeout is negative\n\
             @1200 b> BLMOVEM src dst LEFT LEFT 0 COUNT 0 BULK\n(error) ERR count should be greater than 0\n\
             @1200 b> SET s x\nOK\n\
             @1200 b> BLMOVEM s dst LEFT LEFT 0\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n",
        );
    }
}
