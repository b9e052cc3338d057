//! MULTI, EXEC and DISCARD. Queueing itself happens in the dispatcher, like Redis's
//! `processCommand`, because it must see every command before it runs.

use crate::args::Args;
use crate::command::{CommandSpec, Flag};
use crate::error::Result;
use crate::reply::Reply;
use crate::server::Ctx;

const TRANSACTIONS: &str = "transactions";

/// `MULTI`
pub static MULTI: CommandSpec = CommandSpec::new("multi", 1, TRANSACTIONS, "1.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy, Flag::ActsInMulti])
    .doc("", "Starts a transaction.")
    .run(multi);

fn multi(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.begin_transaction()?;
    Ok(Reply::ok())
}

/// `EXEC`
pub static EXEC: CommandSpec = CommandSpec::new("exec", 1, TRANSACTIONS, "1.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::ActsInMulti])
    .doc("", "Executes all commands in a transaction.")
    .run(exec);

fn exec(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let Some(queued) = ctx.take_transaction()? else { return Ok(Reply::NilArray) };
    Ok(Reply::Array(queued.iter().map(|argv| ctx.run_queued(argv)).collect()))
}

pub static WATCH: CommandSpec = CommandSpec::new("watch", -2, TRANSACTIONS, "2.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy, Flag::ActsInMulti])
    .keys(1, -1, 1)
    .doc("key [key ...]", "Monitors changes to keys to determine the execution of a transaction.")
    .run(watch);
pub static UNWATCH: CommandSpec = CommandSpec::new("unwatch", 1, TRANSACTIONS, "2.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy])
    .doc("", "Forgets about watched keys of a transaction.")
    .run(unwatch);

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
pub static DISCARD: CommandSpec = CommandSpec::new("discard", 1, TRANSACTIONS, "2.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy, Flag::ActsInMulti])
    .doc("", "Discards a transaction.")
    .run(discard);

fn discard(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.discard_transaction()?;
    Ok(Reply::ok())
}
