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
    if ctx.server.cluster.is_some() && index != 0 {
        return Err(Error::other("ERR SELECT is not allowed in cluster mode"));
    }
    let index = usize::try_from(index).ok().filter(|&i| i < DB_COUNT).ok_or(Error::DbIndexOutOfRange)?;
    ctx.client_mut().db = index;
    let client = ctx.client;
    ctx.effect(|| Effect::ClientChanged { client });
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
    ctx.effect(|| Effect::ClientChanged { client });
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
    .subcommands(&[
        CLIENT_CACHING,
        CLIENT_GETNAME,
        CLIENT_GETREDIR,
        CLIENT_HELP,
        CLIENT_ID,
        CLIENT_INFO,
        CLIENT_KILL,
        CLIENT_LIST,
        CLIENT_NO_EVICT,
        CLIENT_PAUSE,
        CLIENT_REPLY,
        CLIENT_SETINFO,
        CLIENT_SETNAME,
        CLIENT_TRACKING,
        CLIENT_TRACKINGINFO,
        CLIENT_UNBLOCK,
        CLIENT_UNPAUSE,
    ]);

/// `CLIENT ID`
const CLIENT_ID: CommandSpec = CommandSpec::new("id", 2, CONNECTION, "5.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns the unique client ID of the connection.")
    .run(|ctx, _| Ok(Reply::Integer(ctx.client as i64)));

/// `CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>` (Redis 7.2): what a client library says
/// of itself, shown by `CLIENT LIST` and `CLIENT INFO`. An empty value clears it.
const CLIENT_SETINFO: CommandSpec = CommandSpec::new("setinfo", 4, CONNECTION, "7.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("<LIB-NAME libname | LIB-VER libver>", "Sets information specific to the client or connection.")
    .run(client_setinfo);

fn client_setinfo(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (attr, value) = (args.next()?, args.next()?);
    let name = attr.eq_ignore_ascii_case(b"lib-name");
    if !name && !attr.eq_ignore_ascii_case(b"lib-ver") {
        return Err(Error::other(format!("ERR Unrecognized option '{}'", String::from_utf8_lossy(attr))));
    }
    if value.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(Error::other(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(attr)
        )));
    }
    let value = (!value.is_empty()).then(|| value.to_vec());
    let client = ctx.client_mut();
    if name {
        client.lib_name = value;
    } else {
        client.lib_ver = value;
    }
    let client = ctx.client;
    ctx.effect(|| Effect::ClientChanged { client });
    Ok(Reply::ok())
}

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
    ctx.effect(|| Effect::ClientChanged { client });
    Ok(Reply::ok())
}

/// `CLIENT GETNAME`
const CLIENT_GETNAME: CommandSpec = CommandSpec::new("getname", 2, CONNECTION, "2.6.9")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns the name of the connection.")
    .run(|ctx, _| Ok(ctx.client().name.clone().map_or(Reply::Nil, Reply::Bulk)));

/// One line of `CLIENT LIST` / `CLIENT INFO`, with the fields Redis 7.0 prints. Addresses come
/// from the host when it has them; buffer and memory figures are fixed, plausible values (the
/// query buffer of the client asking holds its own command, as in Redis).
pub(crate) fn client_line(ctx: &Ctx, id: crate::server::ClientId) -> String {
    client_line_of(ctx.server, id, ctx.now_ms, (id == ctx.client).then_some(ctx.argv))
}

/// `client_line` for a client, `running` being the command line it is running (if it is the
/// one asking).
pub(crate) fn client_line_of(
    server: &crate::server::Server,
    id: crate::server::ClientId,
    now: u64,
    running: Option<&[Vec<u8>]>,
) -> String {
    let c = &server.clients[&id];
    let (sub, psub, ssub) = (c.channels.len(), c.patterns.len(), c.shard_channels.len());
    let mut flags = String::new();
    if c.replica.is_some() {
        flags.push('S');
    }
    if c.monitor {
        flags.push('O');
    }
    if c.in_transaction() {
        flags.push('x');
    }
    if server.is_blocked(id) {
        flags.push('b');
    }
    if c.tracking.is_some() {
        flags.push('t');
    }
    if c.tracking.as_ref().is_some_and(|t| t.broken_redirect) {
        flags.push('R');
    }
    if c.tracking.as_ref().is_some_and(|t| t.bcast) {
        flags.push('B');
    }
    if c.dirty_cas {
        flags.push('d');
    }
    if sub + psub + ssub > 0 {
        flags.push('P');
    }
    if c.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let name = c.name.as_deref().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
    let multi = if c.in_transaction() { c.queued_len() as i64 } else { -1 };
    let own = running.is_some();
    let qbuf = running.map_or(0, crate::server::resp_len);
    let argv_mem: usize = running.map_or(0, |argv| argv.iter().map(Vec::len).sum());
    let redir = match &c.tracking {
        None => -1,
        Some(t) => t.redirect as i64,
    };
    format!(
        "id={id} addr={addr} laddr={laddr} fd={fd} name={name} age={age} idle={idle} flags={flags} db={db} \
         sub={sub} psub={psub} ssub={ssub} multi={multi} qbuf={qbuf} qbuf-free={free} argv-mem={argv_mem} multi-mem=0 rbs=1024 rbp=0 obl=0 \
         oll=0 omem=0 tot-mem={mem} events=r cmd={cmd} user={user} redir={redir} resp={resp}{lib}\n",
        addr = client_addr(server, id),
        laddr = c.laddr.clone().unwrap_or_else(|| format!("127.0.0.1:{}", server.config.settings.number("port"))),
        user = String::from_utf8_lossy(&c.user),
        fd = 7 + id,
        free = if own { 20474 } else { 0 },
        mem = 22400 + argv_mem,
        age = now.saturating_sub(c.created_ms) / 1000,
        idle = now.saturating_sub(c.last_command_ms) / 1000,
        db = c.db,
        cmd = match c.last_command {
            Some((Some(parent), name)) => format!("{parent}|{name}"),
            Some((None, name)) => name.to_string(),
            None => "NULL".to_string(),
        },
        resp = if c.protocol == Protocol::Resp3 { 3 } else { 2 },
        // Redis 7.2 added what the client library says of itself.
        lib = if server.version().at_least(7, 2) {
            let text = |v: &Option<Vec<u8>>| v.as_deref().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
            format!(" lib-name={} lib-ver={}", text(&c.lib_name), text(&c.lib_ver))
        } else {
            String::new()
        },
    )
}

/// A client's `ip:port`: the host's, or one made up from its id.
pub(crate) fn client_addr(server: &crate::server::Server, id: crate::server::ClientId) -> String {
    server.clients.get(&id).and_then(|c| c.addr.clone()).unwrap_or_else(|| format!("127.0.0.1:{}", 50000 + id))
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
        let wanted_kind = kind.as_deref().is_none_or(|k| client_type_is(c, k));
        if wanted_kind && ids.as_ref().is_none_or(|l| l.contains(&id)) {
            text.push_str(&client_line(ctx, id));
        }
    }
    Ok(Reply::Verbatim("txt".into(), text.into_bytes()))
}

const CLIENT_INFO: CommandSpec = CommandSpec::new("info", 2, CONNECTION, "6.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns information about the connection.")
    .run(|ctx, _| Ok(Reply::Verbatim("txt".into(), client_line(ctx, ctx.client).into_bytes())));

const CLIENT_KILL: CommandSpec = CommandSpec::new("kill", -3, CONNECTION, "2.4.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("<ip:port | [ID client-id] [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME <YES | NO>]>", "Terminates open connections.")
    .run(client_kill);

/// Whether a client is of a `TYPE` (`normal`, `replica`/`slave`, `master`, `pubsub`).
fn client_type_is(c: &crate::server::Client, kind: &[u8]) -> bool {
    match kind {
        b"pubsub" => c.in_pubsub_mode(),
        b"replica" | b"slave" => c.replica.is_some(),
        b"master" => false,
        _ => !c.in_pubsub_mode() && c.replica.is_none(),
    }
}

/// `CLIENT KILL addr` (old form, `OK` or an error) or `CLIENT KILL <filter value> ...` (the
/// number killed). The killed clients' connections are closed.
fn client_kill(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let rest = args.rest();
    let addr_of = |id: u64| client_addr(ctx.server, id).into_bytes();
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
    let (mut by_user, mut by_laddr): (Option<Vec<u8>>, Option<Vec<u8>>) = (None, None);
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
            b"USER" => {
                if !ctx.server.users.contains_key(value) {
                    return Err(Error::other(format!("ERR No such user '{}'", String::from_utf8_lossy(value))));
                }
                by_user = Some(value.clone());
            }
            b"LADDR" => by_laddr = Some(value.clone()),
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
        .filter(|&id| by_type.as_deref().is_none_or(|k| client_type_is(&ctx.server.clients[&id], k)))
        .filter(|&id| by_user.as_ref().is_none_or(|u| ctx.server.clients[&id].user == *u))
        .filter(|&id| {
            by_laddr.as_ref().is_none_or(|l| {
                let c = &ctx.server.clients[&id];
                let laddr = c
                    .laddr
                    .clone()
                    .unwrap_or_else(|| format!("127.0.0.1:{}", ctx.server.config.settings.number("port")));
                laddr.as_bytes() == l.as_slice()
            })
        })
        .filter(|&id| !(skipme && id == me))
        .collect();
    for &id in &victims {
        ctx.kill_client(id);
    }
    Ok(Reply::Integer(victims.len() as i64))
}

const CLIENT_HELP: CommandSpec = CommandSpec::new("help", 2, CONNECTION, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(crate::commands::stream::help_reply(
            "CLIENT",
            &[
                "CACHING (YES|NO)",
                "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
                "GETREDIR",
                "    Return the client ID we are redirecting to when tracking is enabled.",
                "GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are:",
                "    * ADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made from the specified address",
                "    * LADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made to specified local address",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Kill connections by type.",
                "    * USER <username>",
                "      Kill connections authenticated by <username>.",
                "    * SKIPME (YES|NO)",
                "      Skip killing current connection (default: yes).",
                "LIST [options ...]",
                "    Return information about client connections. Options:",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Return clients of specified type.",
                "UNPAUSE",
                "    Stop the current client pause, resuming traffic.",
                "PAUSE <timeout> [WRITE|ALL]",
                "    Suspend all, or just write, clients for <timeout> milliseconds.",
                "REPLY (ON|OFF|SKIP)",
                "    Control the replies sent to the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                "    Unblock the specified blocked client.",
                "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
                "         [OPTIN] [OPTOUT] [NOLOOP]",
                "    Control server assisted client side caching.",
                "TRACKINGINFO",
                "    Report tracking status for the current connection.",
                "NO-EVICT (ON|OFF)",
                "    Protect current client connection from eviction.",
            ],
        ))
    });

const CLIENT_REPLY: CommandSpec = CommandSpec::new("reply", 3, CONNECTION, "3.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("<ON | OFF | SKIP>", "Instructs the server whether to reply to commands.")
    .run(|ctx, mut args| {
        use crate::server::ReplyMode;
        let mode = args.next()?.to_ascii_lowercase();
        let c = ctx.client_mut();
        match mode.as_slice() {
            b"on" => {
                c.reply_mode = ReplyMode::On;
                Ok(Reply::ok())
            }
            b"off" => {
                c.reply_mode = ReplyMode::Off;
                Ok(Reply::Many(Vec::new()))
            }
            b"skip" => {
                if c.reply_mode != ReplyMode::Off {
                    c.reply_mode = ReplyMode::SkipNext;
                }
                Ok(Reply::Many(Vec::new()))
            }
            _ => Err(Error::Syntax),
        }
    });

const CLIENT_UNBLOCK: CommandSpec = CommandSpec::new("unblock", -3, CONNECTION, "5.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("client-id [TIMEOUT | ERROR]", "Unblocks a client blocked by a blocking command from a different connection.")
    .run(|ctx, mut args| {
        let id = crate::args::parse_i64(args.next()?).ok_or(Error::NotInteger)?;
        let error = match args.rest() {
            [] => false,
            [r] if r.eq_ignore_ascii_case(b"TIMEOUT") => false,
            [r] if r.eq_ignore_ascii_case(b"ERROR") => true,
            _ => return Err(Error::other("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
        };
        Ok(Reply::Integer(i64::from(ctx.server.unblock_client(id as u64, error, ctx.out))))
    });

const CLIENT_PAUSE: CommandSpec = CommandSpec::new("pause", -3, CONNECTION, "2.9.50")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("timeout [WRITE | ALL]", "Suspends commands processing.")
    .run(|ctx, mut args| {
        let timeout = crate::args::parse_i64(args.next()?)
            .ok_or_else(|| Error::other("ERR timeout is not an integer or out of range"))?;
        if timeout < 0 {
            return Err(Error::other("ERR timeout is negative"));
        }
        let writes_only = match args.rest() {
            [] => false,
            [m] if m.eq_ignore_ascii_case(b"ALL") => false,
            [m] if m.eq_ignore_ascii_case(b"WRITE") => true,
            _ => return Err(Error::other("ERR CLIENT PAUSE mode must be WRITE or ALL")),
        };
        let end = ctx.now_ms.saturating_add(timeout as u64);
        // A longer or wider pause replaces a shorter one, as in Redis.
        let pause = match ctx.server.pause {
            Some(p) => crate::server::Pause { end_ms: p.end_ms.max(end), writes_only: p.writes_only && writes_only },
            None => crate::server::Pause { end_ms: end, writes_only },
        };
        ctx.server.pause = Some(pause);
        Ok(Reply::ok())
    });

const CLIENT_UNPAUSE: CommandSpec = CommandSpec::new("unpause", 2, CONNECTION, "6.2.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Resumes processing commands from paused clients.")
    .run(|ctx, _| {
        ctx.server.pause = None;
        let now = ctx.now_ms;
        ctx.server.resume_postponed(now, ctx.out);
        Ok(Reply::ok())
    });

const CLIENT_NO_EVICT: CommandSpec = CommandSpec::new("no-evict", 3, CONNECTION, "7.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("<ON | OFF>", "Sets the client eviction mode of the connection.")
    .run(|ctx, mut args| {
        let on = match args.next()?.to_ascii_lowercase().as_slice() {
            b"on" => true,
            b"off" => false,
            _ => return Err(Error::Syntax),
        };
        ctx.client_mut().no_evict = on;
        Ok(Reply::ok())
    });

const CLIENT_GETREDIR: CommandSpec = CommandSpec::new("getredir", 2, CONNECTION, "6.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns the client ID to which the connection's tracking notifications are redirected.")
    .run(|ctx, _| {
        Ok(Reply::Integer(match &ctx.client().tracking {
            None => -1,
            Some(t) => t.redirect as i64,
        }))
    });

const CLIENT_TRACKINGINFO: CommandSpec = CommandSpec::new("trackinginfo", 2, CONNECTION, "6.2.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns information about server-assisted client-side caching for the connection.")
    .run(|ctx, _| {
        let c = ctx.client();
        let mut flags = Vec::new();
        let (redirect, prefixes) = match &c.tracking {
            None => {
                flags.push("off");
                (-1, Vec::new())
            }
            Some(t) => {
                flags.push("on");
                if t.bcast {
                    flags.push("bcast");
                }
                if t.optin {
                    flags.push("optin");
                    if c.caching_given {
                        flags.push("caching-yes");
                    }
                }
                if t.optout {
                    flags.push("optout");
                    if c.caching_given {
                        flags.push("caching-no");
                    }
                }
                if t.noloop {
                    flags.push("noloop");
                }
                if t.broken_redirect {
                    flags.push("broken_redirect");
                }
                let prefixes =
                    if t.bcast { t.prefixes.iter().map(|p| Reply::Bulk(p.clone())).collect() } else { Vec::new() };
                (t.redirect as i64, prefixes)
            }
        };
        Ok(Reply::Map(vec![
            (Reply::bulk("flags"), Reply::Set(flags.into_iter().map(Reply::bulk).collect())),
            (Reply::bulk("redirect"), Reply::Integer(redirect)),
            (Reply::bulk("prefixes"), Reply::Array(prefixes)),
        ]))
    });

const CLIENT_CACHING: CommandSpec = CommandSpec::new("caching", 3, CONNECTION, "6.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("<YES | NO>", "Instructs the server whether to track the keys in the next request.")
    .run(|ctx, mut args| {
        let opt = args.next()?.to_ascii_lowercase();
        let Some(t) = ctx.client().tracking.clone() else {
            return Err(Error::other("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"));
        };
        match opt.as_slice() {
            b"yes" if t.optin => {}
            b"yes" => return Err(Error::other("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")),
            b"no" if t.optout => {}
            b"no" => return Err(Error::other("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")),
            _ => return Err(Error::Syntax),
        }
        ctx.client_mut().caching_given = true;
        Ok(Reply::ok())
    });

const CLIENT_TRACKING: CommandSpec = CommandSpec::new("tracking", -3, CONNECTION, "6.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc(
        "<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
        "Controls server-assisted client-side caching for the connection.",
    )
    .run(client_tracking);

/// Redis's `CLIENT TRACKING`, with its checks in its order.
fn client_tracking(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let on_off = args.next()?.to_ascii_lowercase();
    let rest = args.rest();
    let mut mode = crate::server::tracking::Tracking::default();
    let mut j = 0;
    while j < rest.len() {
        let more = rest.len() - j - 1;
        let is = |w: &str| rest[j].eq_ignore_ascii_case(w.as_bytes());
        if is("redirect") && more > 0 {
            j += 1;
            if mode.redirect != 0 {
                return Err(Error::other("ERR A client can only redirect to a single other client"));
            }
            let id = crate::args::parse_i64(&rest[j]).ok_or(Error::NotInteger)?;
            if !ctx.server.clients.contains_key(&(id as u64)) {
                return Err(Error::other("ERR The client ID you want redirect to does not exist"));
            }
            mode.redirect = id as u64;
        } else if is("bcast") {
            mode.bcast = true;
        } else if is("optin") {
            mode.optin = true;
        } else if is("optout") {
            mode.optout = true;
        } else if is("noloop") {
            mode.noloop = true;
        } else if is("prefix") && more > 0 {
            j += 1;
            mode.prefixes.push(rest[j].clone());
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    match on_off.as_slice() {
        b"on" => {
            if !mode.bcast && !mode.prefixes.is_empty() {
                return Err(Error::other("ERR PREFIX option requires BCAST mode to be enabled"));
            }
            if let Some(old) = &ctx.client().tracking {
                if old.bcast != mode.bcast {
                    return Err(Error::other("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."));
                }
            }
            if mode.bcast && (mode.optin || mode.optout) {
                return Err(Error::other("ERR OPTIN and OPTOUT are not compatible with BCAST"));
            }
            if mode.optin && mode.optout {
                return Err(Error::other("ERR You can't specify both OPTIN mode and OPTOUT mode"));
            }
            if let Some(old) = &ctx.client().tracking {
                if (mode.optin && old.optout) || (mode.optout && old.optin) {
                    return Err(Error::other("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."));
                }
            }
            if mode.bcast {
                let existing = ctx.client().tracking.as_ref().map(|t| t.prefixes.clone()).unwrap_or_default();
                for (i, p) in mode.prefixes.iter().enumerate() {
                    if let Some(e) = existing.iter().find(|e| e.starts_with(p) || p.starts_with(e)) {
                        return Err(Error::other(format!(
                            "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                            String::from_utf8_lossy(p),
                            String::from_utf8_lossy(e)
                        )));
                    }
                    if let Some(q) = mode.prefixes[i + 1..].iter().find(|q| q.starts_with(p) || p.starts_with(q)) {
                        return Err(Error::other(format!(
                            "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                            String::from_utf8_lossy(p),
                            String::from_utf8_lossy(q)
                        )));
                    }
                }
            }
            let client = ctx.client;
            ctx.server.tracking_enable(client, mode);
        }
        b"off" => {
            let client = ctx.client;
            ctx.server.tracking_disable(client);
        }
        _ => return Err(Error::Syntax),
    }
    Ok(Reply::ok())
}
