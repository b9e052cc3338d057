//! MULTI, EXEC and DISCARD. Queueing itself happens in the dispatcher, like Redis's
//! `processCommand`, because it must see every command before it runs.

use crate::args::Args;
use crate::command::{command, CommandSpec, Flag};
use crate::error::Result;
use crate::reply::Reply;
use crate::server::Ctx;

const TRANSACTIONS: &str = "transactions";

/// `MULTI`
pub static MULTI: CommandSpec = CommandSpec {
    name: "multi",
    arity: 1,
    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy],
    keys: (0, 0, 0),
    group: TRANSACTIONS,
    since: "1.2.0",
    summary: "Starts a transaction.",
    syntax: "",
    run: Some(multi),
    subcommands: &[],
};

fn multi(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.begin_transaction()?;
    Ok(Reply::ok())
}

/// `EXEC`
pub static EXEC: CommandSpec = CommandSpec {
    name: "exec",
    arity: 1,
    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: TRANSACTIONS,
    since: "1.2.0",
    summary: "Executes all commands in a transaction.",
    syntax: "",
    run: Some(exec),
    subcommands: &[],
};

fn exec(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let Some(queued) = ctx.take_transaction()? else { return Ok(Reply::NilArray) };
    Ok(Reply::Array(queued.iter().map(|argv| ctx.run_queued(argv)).collect()))
}

command!(
    WATCH,
    "watch",
    -2,
    [NoScript, Loading, Stale, Fast, AllowBusy],
    (1, -1, 1),
    TRANSACTIONS,
    "2.2.0",
    "key [key ...]",
    "Monitors changes to keys to determine the execution of a transaction.",
    watch
);
command!(
    UNWATCH,
    "unwatch",
    1,
    [NoScript, Loading, Stale, Fast, AllowBusy],
    (0, 0, 0),
    TRANSACTIONS,
    "2.2.0",
    "",
    "Forgets about watched keys of a transaction.",
    unwatch
);

fn watch(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if ctx.client().in_transaction() {
        return Err(crate::error::Error::other("ERR WATCH inside MULTI is not allowed"));
    }
    // No point in watching when the transaction is already doomed.
    if ctx.client().dirty_cas {
        return Ok(Reply::ok());
    }
    for key in args.rest() {
        ctx.watch(key);
    }
    Ok(Reply::ok())
}

fn unwatch(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let client = ctx.client;
    ctx.server.unwatch_all(client);
    Ok(Reply::ok())
}

/// `DISCARD`
pub static DISCARD: CommandSpec = CommandSpec {
    name: "discard",
    arity: 1,
    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy],
    keys: (0, 0, 0),
    group: TRANSACTIONS,
    since: "2.0.0",
    summary: "Discards a transaction.",
    syntax: "",
    run: Some(discard),
    subcommands: &[],
};

fn discard(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.discard_transaction()?;
    Ok(Reply::ok())
}
