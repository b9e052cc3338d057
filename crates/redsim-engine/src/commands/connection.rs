//! Connection commands: PING, ECHO, SELECT, HELLO, CLIENT, QUIT.

use crate::args::{parse_i64, Args};
use crate::command::{Category, CommandSpec, Flag};
use crate::effect::Effect;
use crate::error::{Error, Result};
use crate::reply::{Protocol, Reply};
use crate::server::{Ctx, DB_COUNT};

const CONNECTION: &str = "connection";

/// Answers `PONG`, or echoes the message. `PING [message]`
pub static PING: CommandSpec = CommandSpec::new("ping", -1, CONNECTION, "1.0.0")
    .flags(&[Flag::Fast, Flag::Stale, Flag::WhileSubscribed])
    .acl(&[Category::Connection])
    .doc("[message]", "Returns the server's liveliness response.")
    .run(ping);

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
pub static ECHO: CommandSpec = CommandSpec::new("echo", 2, CONNECTION, "1.0.0")
    .flags(&[Flag::Fast])
    .acl(&[Category::Connection])
    .doc("message", "Returns the given string.")
    .run(echo);

fn echo(_: &mut Ctx, mut args: Args) -> Result<Reply> {
    args.next().map(Reply::bulk)
}

/// `SELECT index`
pub static SELECT: CommandSpec = CommandSpec::new("select", 2, CONNECTION, "1.0.0")
    .flags(&[Flag::Fast, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("index", "Changes the selected database.")
    .run(select);

fn select(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let index = args.next_i32()?;
    let index = usize::try_from(index).ok().filter(|&i| i < DB_COUNT).ok_or(Error::DbIndexOutOfRange)?;
    ctx.client_mut().db = index;
    let client = ctx.client;
    ctx.effect(Effect::ClientChanged { client });
    Ok(Reply::ok())
}

/// `QUIT`: the connection is closed after the reply.
pub static QUIT: CommandSpec = CommandSpec::new("quit", -1, CONNECTION, "1.0.0")
    .flags(&[
        Flag::Fast,
        Flag::Loading,
        Flag::Stale,
        Flag::NoScript,
        Flag::AllowBusy,
        Flag::WhileSubscribed,
        Flag::ActsInMulti,
    ])
    .acl(&[Category::Connection])
    .doc("", "Closes the connection.")
    .run(quit);

fn quit(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.out.close = true;
    Ok(Reply::ok())
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
pub static HELLO: CommandSpec = CommandSpec::new("hello", -1, CONNECTION, "6.0.0")
    .flags(&[Flag::Fast, Flag::Loading, Flag::Stale, Flag::NoScript, Flag::NoAuth])
    .acl(&[Category::Connection])
    .doc("[protover [AUTH username password] [SETNAME clientname]]", "Handshakes with the Redis server.")
    .run(hello);

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
    let mut auth = None;
    while let Some(option) = args.peek() {
        args.next()?;
        if option.eq_ignore_ascii_case(b"AUTH") && args.remaining() >= 2 {
            auth = Some((args.next()?.to_vec(), args.next()?.to_vec()));
        } else if option.eq_ignore_ascii_case(b"SETNAME") && !args.is_empty() {
            name = Some(valid_client_name(args.next()?)?);
        } else {
            return Err(Error::other(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(option)
            )));
        }
    }
    // Redis's `helloCommand`: AUTH first, then the NOAUTH check, then the protocol and name.
    if let Some((user, password)) = auth {
        super::acl::authenticate(ctx, &user, &password)?;
    }
    if !ctx.client().authenticated
        && ctx.server.users.get(b"default".as_slice()).is_none_or(|u| !u.nopass || !u.enabled)
    {
        let proto = if ctx.version().at_least(7, 2) { "<proto> " } else { "" };
        return Err(Error::other(format!(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO {proto}AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
        )));
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
pub static CLIENT: CommandSpec = CommandSpec::new("client", -2, CONNECTION, "2.4.0")
    .doc("<subcommand> [<arg> ...]", "A container for client connection commands.")
    .subcommands(&[CLIENT_ID, CLIENT_SETNAME, CLIENT_GETNAME, CLIENT_LIST, CLIENT_INFO, CLIENT_KILL]);

/// `CLIENT ID`
const CLIENT_ID: CommandSpec = CommandSpec::new("id", 2, CONNECTION, "5.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns the unique client ID of the connection.")
    .run(|ctx, _| Ok(Reply::Integer(ctx.client as i64)));

/// `CLIENT SETNAME connection-name`
const CLIENT_SETNAME: CommandSpec = CommandSpec::new("setname", 3, CONNECTION, "2.6.9")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("connection-name", "Sets the connection name.")
    .run(client_setname);

fn client_setname(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = valid_client_name(args.next()?)?;
    ctx.client_mut().name = name;
    let client = ctx.client;
    ctx.effect(Effect::ClientChanged { client });
    Ok(Reply::ok())
}

/// `CLIENT GETNAME`
const CLIENT_GETNAME: CommandSpec = CommandSpec::new("getname", 2, CONNECTION, "2.6.9")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns the name of the connection.")
    .run(|ctx, _| Ok(ctx.client().name.clone().map_or(Reply::Nil, Reply::Bulk)));

/// One line of `CLIENT LIST` / `CLIENT INFO`, with the fields Redis 7.0 prints. Connection
/// details the simulator does not have (addresses, buffers, memory) get fixed, plausible values.
pub(crate) fn client_line(server: &crate::server::Server, id: crate::server::ClientId, now: u64) -> String {
    let c = &server.clients[&id];
    let (sub, psub, ssub) = (c.channels.len(), c.patterns.len(), c.shard_channels.len());
    let mut flags = String::new();
    if c.in_transaction() {
        flags.push('x');
    }
    if server.is_blocked(id) {
        flags.push('b');
    }
    if sub + psub + ssub > 0 {
        flags.push('P');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let name = c.name.as_deref().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
    let multi = if c.in_transaction() { c.queued_len() as i64 } else { -1 };
    format!(
        "id={id} addr=127.0.0.1:{port} laddr=127.0.0.1:6379 fd={fd} name={name} age={age} idle={idle} flags={flags} db={db} \
         sub={sub} psub={psub} ssub={ssub} multi={multi} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 \
         oll=0 omem=0 tot-mem=1024 events=r cmd={cmd} user={user} redir=-1 resp={resp}\n",
        user = String::from_utf8_lossy(&c.user),
        port = 50000 + id,
        fd = 7 + id,
        age = now.saturating_sub(c.created_ms) / 1000,
        idle = now.saturating_sub(c.last_command_ms) / 1000,
        db = c.db,
        cmd = match c.last_command {
            Some((Some(parent), name)) => format!("{parent}|{name}"),
            Some((None, name)) => name.to_string(),
            None => "NULL".to_string(),
        },
        resp = if c.protocol == Protocol::Resp3 { 3 } else { 2 },
    )
}

const CLIENT_LIST: CommandSpec = CommandSpec::new("list", -2, CONNECTION, "2.4.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]", "Lists open connections.")
    .run(client_list);

fn client_list(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let mut ids: Option<Vec<crate::server::ClientId>> = None;
    let mut kind: Option<Vec<u8>> = None;
    while let Some(opt) = args.peek() {
        args.next()?;
        if opt.eq_ignore_ascii_case(b"TYPE") && args.peek().is_some() {
            let t = args.next()?.to_ascii_lowercase();
            if !matches!(t.as_slice(), b"normal" | b"master" | b"replica" | b"slave" | b"pubsub") {
                return Err(Error::other(format!("ERR Unknown client type '{}'", String::from_utf8_lossy(&t))));
            }
            kind = Some(t);
        } else if opt.eq_ignore_ascii_case(b"ID") && args.peek().is_some() {
            let mut list = Vec::new();
            for arg in args.rest() {
                let id = crate::args::parse_i64(arg)
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Error::other("ERR Invalid client ID"))?;
                list.push(id as u64);
            }
            ids = Some(list);
        } else {
            return Err(Error::Syntax);
        }
    }
    let mut text = String::new();
    let all: Vec<crate::server::ClientId> = ctx.server.clients.keys().copied().collect();
    for id in all {
        let c = &ctx.server.clients[&id];
        let pubsub = c.in_pubsub_mode();
        let wanted_kind = match kind.as_deref() {
            None => true,
            Some(b"pubsub") => pubsub,
            Some(b"normal") => !pubsub,
            Some(_) => false,
        };
        if wanted_kind && ids.as_ref().is_none_or(|l| l.contains(&id)) {
            text.push_str(&client_line(ctx.server, id, ctx.now_ms));
        }
    }
    Ok(Reply::Bulk(text.into_bytes()))
}

const CLIENT_INFO: CommandSpec = CommandSpec::new("info", 2, CONNECTION, "6.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns information about the connection.")
    .run(|ctx, _| Ok(Reply::Bulk(client_line(ctx.server, ctx.client, ctx.now_ms).into_bytes())));

const CLIENT_KILL: CommandSpec = CommandSpec::new("kill", -3, CONNECTION, "2.4.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("<ip:port | [ID client-id] [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME <YES | NO>]>", "Terminates open connections.")
    .run(client_kill);

/// `CLIENT KILL addr` (old form, `OK` or an error) or `CLIENT KILL <filter value> ...` (the
/// number killed). The killed clients' connections are closed.
fn client_kill(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let rest = args.rest();
    let addr_of = |id: u64| format!("127.0.0.1:{}", 50000 + id).into_bytes();
    let ids: Vec<u64> = ctx.server.clients.keys().copied().collect();
    if rest.len() == 1 {
        let Some(&id) = ids.iter().find(|&&id| addr_of(id) == rest[0]) else {
            return Err(Error::other("ERR No such client"));
        };
        ctx.kill_client(id);
        return Ok(Reply::ok());
    }
    if rest.len() % 2 == 1 {
        return Err(Error::Syntax);
    }
    let (mut by_id, mut by_addr, mut by_type, mut skipme) = (None, None, None, true);
    for pair in rest.chunks(2) {
        let value = &pair[1];
        match pair[0].to_ascii_uppercase().as_slice() {
            b"ID" => {
                by_id = Some(
                    crate::args::parse_i64(value)
                        .filter(|n| *n > 0)
                        .ok_or_else(|| Error::other("ERR client-id should be greater than 0"))?
                        as u64,
                )
            }
            b"ADDR" => by_addr = Some(value.clone()),
            b"TYPE" => {
                let t = value.to_ascii_lowercase();
                if !matches!(t.as_slice(), b"normal" | b"master" | b"replica" | b"slave" | b"pubsub") {
                    return Err(Error::other(format!("ERR Unknown client type '{}'", String::from_utf8_lossy(value))));
                }
                by_type = Some(t);
            }
            b"USER" => {}
            b"LADDR" => {}
            b"SKIPME" => {
                skipme = match value.to_ascii_lowercase().as_slice() {
                    b"yes" => true,
                    b"no" => false,
                    _ => return Err(Error::Syntax),
                }
            }
            _ => return Err(Error::Syntax),
        }
    }
    let me = ctx.client;
    let victims: Vec<u64> = ids
        .into_iter()
        .filter(|&id| by_id.is_none_or(|want| want == id))
        .filter(|&id| by_addr.as_ref().is_none_or(|a| *a == addr_of(id)))
        .filter(|&id| {
            let pubsub = ctx.server.clients[&id].in_pubsub_mode();
            match by_type.as_deref() {
                None => true,
                Some(b"pubsub") => pubsub,
                Some(b"normal") => !pubsub,
                Some(_) => false,
            }
        })
        .filter(|&id| !(skipme && id == me))
        .collect();
    for &id in &victims {
        ctx.kill_client(id);
    }
    Ok(Reply::Integer(victims.len() as i64))
}
