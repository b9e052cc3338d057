//! Connection commands: PING, ECHO, SELECT, HELLO, CLIENT, QUIT.

use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::{Protocol, Reply};
use crate::server::{Ctx, DB_COUNT};

const CONNECTION: &str = "connection";

/// Answers `PONG`, or echoes the message. `PING [message]`
pub static PING: CommandSpec = CommandSpec {
    name: "ping",
    arity: -1,
    flags: &[Flag::Fast, Flag::Stale],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "1.0.0",
    summary: "Returns the server's liveliness response.",
    syntax: "[message]",
    run: Some(ping),
    subcommands: &[],
};

fn ping(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if args.remaining() > 1 {
        return Err(Error::WrongArity { name: "ping".into() });
    }
    let message = args.next().ok();
    // A subscribed RESP2 client gets its pong in the shape of a pub/sub message.
    let client = ctx.client();
    if client.protocol == crate::reply::Protocol::Resp2 && client.in_pubsub_mode() {
        return Ok(Reply::Array(vec![Reply::bulk("pong"), Reply::bulk(message.unwrap_or_default())]));
    }
    Ok(message.map_or_else(|| Reply::status("PONG"), Reply::bulk))
}

/// `ECHO message`
pub static ECHO: CommandSpec = CommandSpec {
    name: "echo",
    arity: 2,
    flags: &[Flag::Fast],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "1.0.0",
    summary: "Returns the given string.",
    syntax: "message",
    run: Some(echo),
    subcommands: &[],
};

fn echo(_: &mut Ctx, mut args: Args) -> Result<Reply> {
    args.next().map(Reply::bulk)
}

/// `SELECT index`
pub static SELECT: CommandSpec = CommandSpec {
    name: "select",
    arity: 2,
    flags: &[Flag::Fast, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "1.0.0",
    summary: "Changes the selected database.",
    syntax: "index",
    run: Some(select),
    subcommands: &[],
};

fn select(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let index = args.next_i32()?;
    let index = usize::try_from(index).ok().filter(|&i| i < DB_COUNT).ok_or(Error::DbIndexOutOfRange)?;
    ctx.client_mut().db = index;
    let client = ctx.client;
    ctx.effect(Effect::ClientChanged { client });
    Ok(Reply::ok())
}

/// `QUIT`: the connection is closed after the reply.
pub static QUIT: CommandSpec = CommandSpec {
    name: "quit",
    arity: -1,
    flags: &[Flag::Fast, Flag::Loading, Flag::Stale, Flag::NoScript, Flag::AllowBusy],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "1.0.0",
    summary: "Closes the connection.",
    syntax: "",
    run: Some(quit),
    subcommands: &[],
};

fn quit(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.out.close = true;
    Ok(Reply::ok())
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
pub static HELLO: CommandSpec = CommandSpec {
    name: "hello",
    arity: -1,
    flags: &[Flag::Fast, Flag::Loading, Flag::Stale, Flag::NoScript],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "6.0.0",
    summary: "Handshakes with the Redis server.",
    syntax: "[protover [AUTH username password] [SETNAME clientname]]",
    run: Some(hello),
    subcommands: &[],
};

fn hello(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let mut protocol = None;
    if !args.is_empty() {
        let version = parse_i64(args.next()?)
            .ok_or_else(|| Error::other("ERR Protocol version is not an integer or out of range"))?;
        protocol = match version {
            2 => Some(Protocol::Resp2),
            3 => Some(Protocol::Resp3),
            _ => return Err(Error::other("NOPROTO unsupported protocol version")),
        };
    }
    let mut name = None;
    while let Some(option) = args.peek() {
        args.next()?;
        if option.eq_ignore_ascii_case(b"AUTH") && args.remaining() >= 2 {
            let (user, _password) = (args.next()?, args.next()?);
            // No ACL users yet: only `default` exists, and it has `nopass`.
            if user != b"default" {
                return Err(Error::other("WRONGPASS invalid username-password pair or user is disabled."));
            }
        } else if option.eq_ignore_ascii_case(b"SETNAME") && !args.is_empty() {
            name = Some(valid_client_name(args.next()?)?);
        } else {
            return Err(Error::other(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(option)
            )));
        }
    }
    let version = ctx.version().full();
    let client = ctx.client_mut();
    if let Some(name) = name {
        client.name = name;
    }
    if let Some(protocol) = protocol {
        client.protocol = protocol;
    }
    let proto = if client.protocol == Protocol::Resp3 { 3 } else { 2 };
    let id = client.id as i64;
    let client = ctx.client;
    ctx.effect(Effect::ClientChanged { client });
    Ok(Reply::Map(vec![
        (Reply::bulk("server"), Reply::bulk("redis")),
        (Reply::bulk("version"), Reply::bulk(version)),
        (Reply::bulk("proto"), Reply::Integer(proto)),
        (Reply::bulk("id"), Reply::Integer(id)),
        (Reply::bulk("mode"), Reply::bulk("standalone")),
        (Reply::bulk("role"), Reply::bulk("master")),
        (Reply::bulk("modules"), Reply::Array(vec![])),
    ]))
}

/// An empty name clears it; otherwise only printable characters without spaces are allowed.
fn valid_client_name(name: &[u8]) -> Result<Option<Vec<u8>>> {
    if name.is_empty() {
        return Ok(None);
    }
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(Error::other("ERR Client names cannot contain spaces, newlines or special characters."));
    }
    Ok(Some(name.to_vec()))
}

/// `CLIENT <subcommand> [<arg> ...]`
pub static CLIENT: CommandSpec = CommandSpec {
    name: "client",
    arity: -2,
    flags: &[],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "2.4.0",
    summary: "A container for client connection commands.",
    syntax: "<subcommand> [<arg> ...]",
    run: None,
    subcommands: &[CLIENT_ID, CLIENT_SETNAME, CLIENT_GETNAME],
};

/// `CLIENT ID`
const CLIENT_ID: CommandSpec = CommandSpec {
    name: "id",
    arity: 2,
    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "5.0.0",
    summary: "Returns the unique client ID of the connection.",
    syntax: "",
    run: Some(|ctx, _| Ok(Reply::Integer(ctx.client as i64))),
    subcommands: &[],
};

/// `CLIENT SETNAME connection-name`
const CLIENT_SETNAME: CommandSpec = CommandSpec {
    name: "setname",
    arity: 3,
    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "2.6.9",
    summary: "Sets the connection name.",
    syntax: "connection-name",
    run: Some(client_setname),
    subcommands: &[],
};

fn client_setname(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = valid_client_name(args.next()?)?;
    ctx.client_mut().name = name;
    let client = ctx.client;
    ctx.effect(Effect::ClientChanged { client });
    Ok(Reply::ok())
}

/// `CLIENT GETNAME`
const CLIENT_GETNAME: CommandSpec = CommandSpec {
    name: "getname",
    arity: 2,
    flags: &[Flag::NoScript, Flag::Loading, Flag::Stale],
    keys: (0, 0, 0),
    group: CONNECTION,
    since: "2.6.9",
    summary: "Returns the name of the connection.",
    syntax: "",
    run: Some(|ctx, _| Ok(ctx.client().name.clone().map_or(Reply::Nil, Reply::Bulk))),
    subcommands: &[],
};
