//! Generic key commands.

use crate::args::Args;
use crate::command::{CommandSpec, Flag};
use crate::error::Result;
use crate::reply::Reply;
use crate::server::Ctx;

const GENERIC: &str = "generic";

/// `DEL key [key ...]`
pub static DEL: CommandSpec = CommandSpec {
    name: "del",
    arity: -2,
    flags: &[Flag::Write],
    keys: (1, -1, 1),
    group: GENERIC,
    since: "1.0.0",
    summary: "Deletes one or more keys.",
    syntax: "key [key ...]",
    run: Some(delete),
    subcommands: &[],
};

/// `UNLINK key [key ...]`: `DEL` whose memory is reclaimed in the background; the same here.
pub static UNLINK: CommandSpec = CommandSpec {
    name: "unlink",
    arity: -2,
    flags: &[Flag::Write, Flag::Fast],
    keys: (1, -1, 1),
    group: GENERIC,
    since: "4.0.0",
    summary: "Asynchronously deletes one or more keys.",
    syntax: "key [key ...]",
    run: Some(delete),
    subcommands: &[],
};

fn delete(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let deleted = args.rest().iter().filter(|key| ctx.delete(key)).count();
    Ok(Reply::Integer(deleted as i64))
}

/// `EXISTS key [key ...]`: a key named twice counts twice.
pub static EXISTS: CommandSpec = CommandSpec {
    name: "exists",
    arity: -2,
    flags: &[Flag::ReadOnly, Flag::Fast],
    keys: (1, -1, 1),
    group: GENERIC,
    since: "1.0.0",
    summary: "Determines whether one or more keys exist.",
    syntax: "key [key ...]",
    run: Some(exists),
    subcommands: &[],
};

fn exists(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let found = args.rest().iter().filter(|key| ctx.lookup(key).is_some()).count();
    Ok(Reply::Integer(found as i64))
}

/// `TYPE key`
pub static TYPE: CommandSpec = CommandSpec {
    name: "type",
    arity: 2,
    flags: &[Flag::ReadOnly, Flag::Fast],
    keys: (1, 1, 1),
    group: GENERIC,
    since: "1.0.0",
    summary: "Determines the type of value stored at a key.",
    syntax: "key",
    run: Some(key_type),
    subcommands: &[],
};

fn key_type(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::status(ctx.lookup(key).map_or("none", |v| v.type_name())))
}
