//! XGROUP: creating, moving and destroying consumer groups, and managing their consumers.

use super::{c_str, effect, help_reply, lookup, subcommand_syntax_error, STREAM};
use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::StreamEffect;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{parse_id, ConsumerGroup, IdSyntax, StreamId, ENTRIES_READ_UNKNOWN};
use crate::value::Value;

/// `XGROUP <subcommand> [<arg> ...]`
pub static XGROUP: CommandSpec = CommandSpec::new("xgroup", -2, STREAM, "5.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for consumer groups commands.")
    .subcommands(&[CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP]);

const CREATE: CommandSpec = CommandSpec::new("create", -5, STREAM, "5.0.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(2, 2, 1)
    .doc("key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]", "Creates a consumer group.")
    .run(create);

const SETID: CommandSpec = CommandSpec::new("setid", -5, STREAM, "5.0.0")
    .flags(&[Flag::Write])
    .keys(2, 2, 1)
    .doc("key group <id | $> [ENTRIESREAD entries-read]", "Sets the last-delivered ID of a consumer group.")
    .run(setid);

const DESTROY: CommandSpec = CommandSpec::new("destroy", 4, STREAM, "5.0.0")
    .flags(&[Flag::Write])
    .keys(2, 2, 1)
    .doc("key group", "Destroys a consumer group.")
    .run(destroy);

const CREATECONSUMER: CommandSpec = CommandSpec::new("createconsumer", 5, STREAM, "6.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(2, 2, 1)
    .doc("key group consumer", "Creates a consumer in a consumer group.")
    .run(createconsumer);

const DELCONSUMER: CommandSpec = CommandSpec::new("delconsumer", 5, STREAM, "5.0.0")
    .flags(&[Flag::Write])
    .keys(2, 2, 1)
    .doc("key group consumer", "Deletes a consumer from a consumer group.")
    .run(delconsumer);

const HELP: CommandSpec = CommandSpec::new("help", 2, STREAM, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| Ok(help_reply("XGROUP", HELP_LINES)));

const HELP_LINES: &[&str] = &[
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
];

/// `ERR The XGROUP subcommand requires the key to exist...`
fn no_key() -> Error {
    Error::other(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
    )
}

/// `NOGROUP No such consumer group 'g' for key name 'k'`
fn no_group(key: &[u8], group: &[u8]) -> Error {
    Error::other(format!("NOGROUP No such consumer group '{}' for key name '{}'", c_str(group), c_str(key)))
}

/// `ERR unknown subcommand or wrong number of arguments for '<as typed>'. Try XGROUP HELP.`
fn syntax_error(ctx: &Ctx) -> Error {
    subcommand_syntax_error("XGROUP", ctx.argv.get(1).map_or(&[][..], |s| s.as_slice()))
}

/// What CREATE and SETID take after the ID: `MKSTREAM` (CREATE only) and `ENTRIESREAD n`.
struct Options {
    mkstream: bool,
    entries_read: i64,
}

/// Redis's `xgroupCommand` reads the options before it looks at the key.
fn options(ctx: &Ctx, create: bool) -> Result<Options> {
    let mut opts = Options { mkstream: false, entries_read: ENTRIES_READ_UNKNOWN };
    let given = ctx.argv.get(5..).unwrap_or_default();
    let mut i = 0;
    while i < given.len() {
        let opt = given[i].as_slice();
        if create && opt.eq_ignore_ascii_case(b"MKSTREAM") {
            opts.mkstream = true;
            i += 1;
        } else if opt.eq_ignore_ascii_case(b"ENTRIESREAD") && i + 1 < given.len() {
            opts.entries_read = parse_i64(&given[i + 1]).ok_or(Error::NotInteger)?;
            if opts.entries_read < 0 && opts.entries_read != ENTRIES_READ_UNKNOWN {
                return Err(Error::other("ERR value for ENTRIESREAD must be positive or -1"));
            }
            i += 2;
        } else {
            return Err(syntax_error(ctx));
        }
    }
    Ok(opts)
}

/// The stream at `key`, which every subcommand but `CREATE ... MKSTREAM` requires.
fn stream<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut crate::stream::Stream> {
    lookup(ctx, key)?.ok_or_else(no_key)
}

/// The stream at `key` and its group `group`, which SETID, CREATECONSUMER and DELCONSUMER require
/// (the key first, then the group, as Redis checks them).
fn group_of<'c>(ctx: &'c mut Ctx, key: &[u8], group: &[u8]) -> Result<(StreamId, &'c mut ConsumerGroup)> {
    let stream = stream(ctx, key)?;
    let last_id = stream.last_id;
    let cg = stream.groups.get_mut(group).ok_or_else(|| no_group(key, group))?;
    Ok((last_id, cg))
}

/// `XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]`
fn create(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, group, id_arg) = (args.next()?.to_vec(), args.next()?.to_vec(), args.next()?.to_vec());
    let opts = options(ctx, true)?;
    let exists = lookup(ctx, &key)?.is_some();
    if !exists && !opts.mkstream {
        return Err(no_key());
    }
    if !(5..=8).contains(&ctx.argv.len()) {
        return Err(syntax_error(ctx));
    }
    let last_id = lookup(ctx, &key)?.map_or(StreamId::MIN, |s| s.last_id);
    let id = if id_arg == b"$" { last_id } else { parse_id(&id_arg, IdSyntax::STRICT)?.id };
    if !exists {
        ctx.store(&key, Value::Stream(Box::new(ctx.server.new_stream())), false);
    }
    let stream = stream(ctx, &key)?;
    if stream.groups.contains_key(&group) {
        return Err(Error::other("BUSYGROUP Consumer Group name already exists"));
    }
    stream.groups.insert(group.clone(), ConsumerGroup::new(id, opts.entries_read));
    ctx.dirty += 1;
    effect(ctx, &key, StreamEffect::GroupCreated { group, last_delivered_id: id });
    Ok(Reply::ok())
}

/// `XGROUP SETID key group <id | $> [ENTRIESREAD entries-read]`
fn setid(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, group, id_arg) = (args.next()?.to_vec(), args.next()?.to_vec(), args.next()?.to_vec());
    let opts = options(ctx, false)?;
    let argc = ctx.argv.len();
    let (last_id, cg) = group_of(ctx, &key, &group)?;
    if argc != 5 && argc != 7 {
        return Err(syntax_error(ctx));
    }
    let id = if id_arg == b"$" { last_id } else { parse_id(&id_arg, IdSyntax::lenient(0))?.id };
    cg.last_delivered_id = id;
    cg.entries_read = opts.entries_read;
    ctx.dirty += 1;
    effect(ctx, &key, StreamEffect::GroupMoved { group, last_delivered_id: id, entries_read: opts.entries_read });
    Ok(Reply::ok())
}

/// `XGROUP DESTROY key group`
fn destroy(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, group) = (args.next()?.to_vec(), args.next()?.to_vec());
    if stream(ctx, &key)?.groups.remove(&group).is_none() {
        return Ok(Reply::Integer(0));
    }
    ctx.dirty += 1;
    // Clients blocked in XREADGROUP on this group must hear that it is gone.
    ctx.signal_ready(&key);
    effect(ctx, &key, StreamEffect::GroupDestroyed { group });
    Ok(Reply::Integer(1))
}

/// `XGROUP CREATECONSUMER key group consumer`
fn createconsumer(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, group, consumer) = (args.next()?.to_vec(), args.next()?.to_vec(), args.next()?.to_vec());
    let now_ms = ctx.now_ms;
    let (_, cg) = group_of(ctx, &key, &group)?;
    if !cg.ensure_consumer(&consumer, now_ms) {
        return Ok(Reply::Integer(0));
    }
    ctx.dirty += 1;
    effect(ctx, &key, StreamEffect::ConsumerCreated { group, consumer });
    Ok(Reply::Integer(1))
}

/// `XGROUP DELCONSUMER key group consumer`
fn delconsumer(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, group, consumer) = (args.next()?.to_vec(), args.next()?.to_vec(), args.next()?.to_vec());
    let (_, cg) = group_of(ctx, &key, &group)?;
    let Some(pending) = cg.delete_consumer(&consumer) else {
        return Ok(Reply::Integer(0));
    };
    ctx.dirty += 1;
    effect(ctx, &key, StreamEffect::ConsumerDeleted { group, consumer, pending });
    Ok(Reply::Integer(pending as i64))
}
