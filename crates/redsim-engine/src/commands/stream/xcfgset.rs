//! XCFGSET (Redis 8.6): a stream's settings for idempotent producers.

use super::{lookup, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::idmp::{DURATION_RANGE, MAXSIZE_RANGE};

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
