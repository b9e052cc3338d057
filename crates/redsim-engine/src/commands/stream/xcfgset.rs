//! XCFGSET (Redis 8.6): a stream's settings for idempotent producers; XIDMPRECORD (Redis 8.8):
//! one producer's record of an entry, as replicas and the AOF receive it.

use super::{lookup, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::idmp::{DURATION_RANGE, MAXSIZE_RANGE};
use crate::stream::{parse_id, IdSyntax};

/// `XCFGSET key [IDMP-DURATION duration] [IDMP-MAXSIZE maxsize]`
pub static XCFGSET: CommandSpec = CommandSpec::new("xcfgset", -2, STREAM, "8.6.0")
    .flags(&[Flag::Write, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [IDMP-DURATION idmp-duration] [IDMP-MAXSIZE idmp-maxsize]",
        "Sets the IDMP configuration parameters for a stream.",
    )
    .run(xcfgset);

fn xcfgset(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let rest = args.rest();
    if rest.is_empty() {
        return Err(Error::other("ERR At least one parameter (IDMP-DURATION or IDMP-MAXSIZE) is required"));
    }
    let (mut duration, mut maxsize) = (None, None);
    for pair in rest.chunks(2) {
        let [name, value] = pair else { return Err(Error::Syntax) };
        let (slot, what, (low, high)) = if name.eq_ignore_ascii_case(b"IDMP-DURATION") {
            (&mut duration, "IDMP-DURATION", DURATION_RANGE)
        } else if name.eq_ignore_ascii_case(b"IDMP-MAXSIZE") {
            (&mut maxsize, "IDMP-MAXSIZE", MAXSIZE_RANGE)
        } else {
            return Err(Error::Syntax);
        };
        let n = parse_i64(value).ok_or(Error::NotInteger)?;
        if n < low as i64 || n > high as i64 {
            return Err(Error::other(format!("ERR {what} must be between {low} and {high}")));
        }
        *slot = Some(n as u64);
    }
    let stream = lookup(ctx, &key)?.ok_or(Error::NoSuchKey)?;
    stream.idmp.configure(duration, maxsize);
    ctx.dirty += 1;
    Ok(Reply::ok())
}

/// `XIDMPRECORD key pid iid stream-id`
pub static XIDMPRECORD: CommandSpec = CommandSpec::new("xidmprecord", 5, STREAM, "8.8.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key pid iid stream-id", "An internal command for setting IDMP metadata on an existing stream message.")
    .run(xidmprecord);

/// Records that producer `pid` added entry `stream-id` under `iid`, as an `XADD ... IDMP` would
/// have (what Redis propagates after such an `XADD` and writes when it rewrites its AOF). The
/// record is as old as the command; the lifetime counters do not move.
fn xidmprecord(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let (pid, iid) = (args.next()?.to_vec(), args.next()?.to_vec());
    let id = parse_id(args.next()?, IdSyntax::STRICT)?.id;
    let now_ms = ctx.now_ms;
    let stream = lookup(ctx, &key)?.ok_or(Error::NoSuchKey)?;
    if pid.is_empty() || iid.is_empty() {
        return Err(Error::other("ERR IDMP producer-id and idempotent-id must not be empty"));
    }
    if !stream.contains(id) {
        return Err(Error::other("ERR The specified stream ID was deleted or doesn't exist"));
    }
    match stream.idmp.remembered(&pid, &iid, now_ms) {
        Some(known) if known == id => return Ok(Reply::ok()),
        Some(_) => {
            return Err(Error::other(
                "ERR The specified IDMP producer-id/idempotent-id pair maps to a different stream ID",
            ))
        }
        None => {}
    }
    stream.idmp.restore(&pid, iid, id, now_ms);
    ctx.modified(&key);
    Ok(Reply::ok())
}
