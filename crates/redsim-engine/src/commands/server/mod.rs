//! Server commands: `FLUSHALL`, `FLUSHDB`, `DBSIZE` and `TIME` here; `INFO`, `COMMAND`, `CONFIG`,
//! `MEMORY` and `SLOWLOG` each in a file of their own.

use crate::args::Args;
use crate::command::{Category, CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;

mod backup;
mod command;
mod config;
mod debug;
mod info;
pub(crate) mod latency;
mod lolwut;
mod memory;
mod module;
mod monitor;
mod replication;
mod slowlog;

pub use self::command::COMMAND;
pub use backup::{Backup, BACKUP};
pub use config::CONFIG;
pub use debug::DEBUG;
pub use info::INFO;
pub use latency::LATENCY;
pub use lolwut::LOLWUT;
pub use memory::MEMORY;
pub use module::MODULE;
pub(crate) use monitor::redacted_args;
pub use monitor::{MONITOR, RESET};
pub use replication::{
    BGREWRITEAOF, BGSAVE, FAILOVER, LASTSAVE, PSYNC, REPLCONF, REPLICAOF, ROLE, SAVE, SHUTDOWN, SLAVEOF, SYNC, WAIT,
};
pub use slowlog::SLOWLOG;

const SERVER: &str = "server";

/// `FLUSHALL [ASYNC|SYNC]`
pub static FLUSHALL: CommandSpec = CommandSpec::new("flushall", -1, SERVER, "1.0.0")
    .flags(&[Flag::Write])
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc("[ASYNC | SYNC]", "Removes all keys from all databases.")
    .run(flushall);

/// Redis accepts exactly one optional `ASYNC` or `SYNC`; both flush at once here.
fn flush_mode(mut args: Args) -> Result<()> {
    match args.remaining() {
        0 => Ok(()),
        1 if args.eat("ASYNC") || args.eat("SYNC") => Ok(()),
        _ => Err(Error::Syntax),
    }
}

fn flushall(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    flush_mode(args)?;
    for db in 0..ctx.server.dbs.len() {
        ctx.server.touch_watched_in_db(db, None);
    }
    ctx.server.dbs.iter_mut().for_each(|db| db.clear());
    ctx.server.tracking_flush();
    ctx.signal_flushed(None);
    // Always propagated, like Redis, even when nothing was there.
    ctx.dirty += 1;
    ctx.effect(|| Effect::Flushed { db: None });
    Ok(Reply::ok())
}

/// `FLUSHDB [ASYNC|SYNC]`
pub static FLUSHDB: CommandSpec = CommandSpec::new("flushdb", -1, SERVER, "1.0.0")
    .flags(&[Flag::Write])
    .acl(&[Category::Keyspace, Category::Dangerous])
    .doc("[ASYNC | SYNC]", "Remove all keys from the current database.")
    .run(flushdb);

fn flushdb(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    flush_mode(args)?;
    let index = ctx.db_index();
    ctx.server.touch_watched_in_db(index, None);
    ctx.db().clear();
    ctx.server.tracking_flush();
    ctx.dirty += 1;
    let db = ctx.db_index();
    ctx.signal_flushed(Some(db));
    ctx.effect(|| Effect::Flushed { db: Some(db) });
    Ok(Reply::ok())
}

/// `DBSIZE`
pub static DBSIZE: CommandSpec = CommandSpec::new("dbsize", 1, SERVER, "1.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .acl(&[Category::Keyspace])
    .doc("", "Returns the number of keys in the database.")
    .run(|ctx, _| Ok(Reply::Integer(ctx.db().len() as i64)));

/// `TIME`: the virtual clock, as seconds and microseconds.
pub static TIME: CommandSpec = CommandSpec::new("time", 1, SERVER, "2.6.0")
    .flags(&[Flag::Loading, Flag::Stale, Flag::Fast])
    .doc("", "Returns the server time.")
    .run(|ctx, _| {
        let (secs, micros) = (ctx.now_ms / 1000, (ctx.now_ms % 1000) * 1000);
        Ok(Reply::Array(vec![Reply::bulk(secs.to_string()), Reply::bulk(micros.to_string())]))
    });
