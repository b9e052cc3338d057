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
pub static XGROUP: CommandSpec = CommandSpec {
    name: "xgroup",
    arity: -2,
    flags: &[],
    keys: (0, 0, 0),
    group: STREAM,
    since: "5.0.0",
    summary: "A container for consumer groups commands.",
    syntax: "<subcommand> [<arg> ...]",
    run: None,
    subcommands: &[CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP],
};

const CREATE: CommandSpec = CommandSpec {
    name: "create",
    arity: -5,
    flags: &[Flag::Write],
    keys: (2, 2, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "Creates a consumer group.",
    syntax: "key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]",
    run: Some(xgroup),
    subcommands: &[],
};

const SETID: CommandSpec = CommandSpec {
    name: "setid",
    arity: -5,
    flags: &[Flag::Write],
    keys: (2, 2, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "Sets the last-delivered ID of a consumer group.",
    syntax: "key group <id | $> [ENTRIESREAD entries-read]",
    run: Some(xgroup),
    subcommands: &[],
};

const DESTROY: CommandSpec = CommandSpec {
    name: "destroy",
    arity: 4,
    flags: &[Flag::Write],
    keys: (2, 2, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "Destroys a consumer group.",
    syntax: "key group",
    run: Some(xgroup),
    subcommands: &[],
};

const CREATECONSUMER: CommandSpec = CommandSpec {
    name: "createconsumer",
    arity: 5,
    flags: &[Flag::Write],
    keys: (2, 2, 1),
    group: STREAM,
    since: "6.2.0",
    summary: "Creates a consumer in a consumer group.",
    syntax: "key group consumer",
    run: Some(xgroup),
    subcommands: &[],
};

const DELCONSUMER: CommandSpec = CommandSpec {
    name: "delconsumer",
    arity: 5,
    flags: &[Flag::Write],
    keys: (2, 2, 1),
    group: STREAM,
    since: "5.0.0",
    summary: "Deletes a consumer from a consumer group.",
    syntax: "key group consumer",
    run: Some(xgroup),
    subcommands: &[],
};

const HELP: CommandSpec = CommandSpec {
    name: "help",
    arity: 2,
    flags: &[Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: STREAM,
    since: "5.0.0",
    summary: "Returns helpful text about the different subcommands.",
    syntax: "",
    run: Some(|_, _| Ok(help_reply("XGROUP", HELP_LINES))),
    subcommands: &[],
};

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

/// One handler for every subcommand, following Redis's `xgroupCommand` step by step so the
/// order of its checks (options, key, group, then the subcommand's own) stays the same.
fn xgroup(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let typed_sub = ctx.argv[1].clone();
    let sub = String::from_utf8_lossy(&typed_sub).to_ascii_lowercase();
    let argc = ctx.argv.len();
    let syntax_error = || subcommand_syntax_error("XGROUP", &typed_sub);
    let key = args.next()?.to_vec();
    let group = args.next()?.to_vec();
    let id_arg = args.peek().map(<[u8]>::to_vec);

    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_UNKNOWN;
    if sub == "create" || sub == "setid" {
        let options = &ctx.argv[5.min(argc)..];
        let mut i = 0;
        while i < options.len() {
            let opt = options[i].as_slice();
            if sub == "create" && opt.eq_ignore_ascii_case(b"MKSTREAM") {
                mkstream = true;
                i += 1;
            } else if opt.eq_ignore_ascii_case(b"ENTRIESREAD") && i + 1 < options.len() {
                entries_read = parse_i64(&options[i + 1]).ok_or(Error::NotInteger)?;
                if entries_read < 0 && entries_read != ENTRIES_READ_UNKNOWN {
                    return Err(Error::other("ERR value for ENTRIESREAD must be positive or -1"));
                }
                i += 2;
            } else {
                return Err(syntax_error());
            }
        }
    }

    let exists = lookup(ctx, &key)?.is_some();
    if !mkstream {
        if !exists {
            return Err(Error::other(
                "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
            ));
        }
        let has_group = lookup(ctx, &key)?.is_some_and(|s| s.groups.contains_key(&group));
        if !has_group && matches!(sub.as_str(), "setid" | "createconsumer" | "delconsumer") {
            return Err(Error::other(format!(
                "NOGROUP No such consumer group '{}' for key name '{}'",
                c_str(&group),
                c_str(&key)
            )));
        }
    }

    let now_ms = ctx.now_ms;
    match sub.as_str() {
        "create" if (5..=8).contains(&argc) => {
            let id_arg = id_arg.expect("arity guarantees an ID");
            let last_id = lookup(ctx, &key)?.map_or(StreamId::MIN, |s| s.last_id);
            let id = if id_arg == b"$" { last_id } else { parse_id(&id_arg, IdSyntax::STRICT)?.id };
            if !exists {
                ctx.store(&key, Value::Stream(Box::new(ctx.server.new_stream())), false);
            }
            let stream = lookup(ctx, &key)?.expect("exists or was just created");
            if stream.groups.contains_key(&group) {
                return Err(Error::other("BUSYGROUP Consumer Group name already exists"));
            }
            stream.groups.insert(group.clone(), ConsumerGroup::new(id, entries_read));
            ctx.dirty += 1;
            effect(ctx, &key, StreamEffect::GroupCreated { group, last_delivered_id: id });
            Ok(Reply::ok())
        }
        "setid" if argc == 5 || argc == 7 => {
            let id_arg = id_arg.expect("arity guarantees an ID");
            let stream = lookup(ctx, &key)?.expect("checked above");
            let id = if id_arg == b"$" { stream.last_id } else { parse_id(&id_arg, IdSyntax::lenient(0))?.id };
            let cg = stream.groups.get_mut(&group).expect("checked above");
            cg.last_delivered_id = id;
            cg.entries_read = entries_read;
            ctx.dirty += 1;
            effect(ctx, &key, StreamEffect::GroupMoved { group, last_delivered_id: id, entries_read });
            Ok(Reply::ok())
        }
        "destroy" if argc == 4 => {
            let stream = lookup(ctx, &key)?.expect("checked above");
            if stream.groups.remove(&group).is_none() {
                return Ok(Reply::Integer(0));
            }
            ctx.dirty += 1;
            // Clients blocked in XREADGROUP on this group must hear that it is gone.
            ctx.signal_ready(&key);
            effect(ctx, &key, StreamEffect::GroupDestroyed { group });
            Ok(Reply::Integer(1))
        }
        "createconsumer" if argc == 5 => {
            let consumer = args.next()?.to_vec();
            let stream = lookup(ctx, &key)?.expect("checked above");
            let cg = stream.groups.get_mut(&group).expect("checked above");
            if !cg.ensure_consumer(&consumer, now_ms) {
                return Ok(Reply::Integer(0));
            }
            ctx.dirty += 1;
            effect(ctx, &key, StreamEffect::ConsumerCreated { group, consumer });
            Ok(Reply::Integer(1))
        }
        "delconsumer" if argc == 5 => {
            let consumer = args.next()?.to_vec();
            let stream = lookup(ctx, &key)?.expect("checked above");
            let cg = stream.groups.get_mut(&group).expect("checked above");
            let Some(pending) = cg.delete_consumer(&consumer) else {
                return Ok(Reply::Integer(0));
            };
            ctx.dirty += 1;
            effect(ctx, &key, StreamEffect::ConsumerDeleted { group, consumer, pending });
            Ok(Reply::Integer(pending as i64))
        }
        _ => Err(syntax_error()),
    }
}
