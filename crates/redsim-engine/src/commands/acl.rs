//! `AUTH` and `ACL`: who a connection is, and what each user may run.

use crate::acl::{self, User};
use crate::args::{parse_i64, Args};
use crate::command::{Category, CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;

const CONNECTION: &str = "connection";
const SERVER: &str = "server";

/// `AUTH [username] password`
pub static AUTH: CommandSpec = CommandSpec::new("auth", -2, CONNECTION, "1.0.0")
    .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale, Flag::Fast, Flag::AllowBusy, Flag::NoAuth])
    .acl(&[Category::Connection])
    .doc("[username] password", "Authenticates the connection.")
    .run(auth);

fn auth(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let rest = args.rest();
    if rest.len() > 2 {
        return Err(Error::Syntax);
    }
    let (username, password) = match rest {
        [password] => {
            if ctx.server.users.get(b"default".as_slice()).is_some_and(|u| u.nopass) {
                return Err(Error::other(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                ));
            }
            (b"default".to_vec(), password.clone())
        }
        [username, password] => (username.clone(), password.clone()),
        _ => return Err(Error::Syntax),
    };
    authenticate(ctx, &username, &password)?;
    Ok(Reply::ok())
}

/// Redis's `ACLAuthenticateUser`, shared with `HELLO ... AUTH`.
pub(crate) fn authenticate(ctx: &mut Ctx, username: &[u8], password: &[u8]) -> Result<()> {
    let ok = ctx.server.users.get(username).is_some_and(|u| u.enabled && u.password_matches(password));
    if ok {
        let client = ctx.client_mut();
        client.user = username.to_vec();
        client.authenticated = true;
        return Ok(());
    }
    let context = if ctx.client().in_transaction() { "multi" } else { "toplevel" };
    let object = ctx.argv[0].clone();
    let (client, now) = (ctx.client, ctx.now_ms);
    ctx.server.log_acl_denial(client, "auth", context, &object, Some(username), now);
    Err(Error::other("WRONGPASS invalid username-password pair or user is disabled."))
}

/// `ACL <subcommand> [<arg> ...]`
pub static ACL: CommandSpec = CommandSpec::new("acl", -2, SERVER, "6.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for Access List Control commands.")
    .subcommands(&[
        CommandSpec::new("cat", -2, SERVER, "6.0.0")
            .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("[category]", "Lists the ACL categories, or the commands inside a category.")
            .run(cat),
        CommandSpec::new("deluser", -3, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("username [username ...]", "Deletes ACL users, and terminates their connections.")
            .run(deluser),
        CommandSpec::new("dryrun", -4, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc(
                "username command [arg [arg ...]]",
                "Simulates the execution of a command by a user, without executing the command.",
            )
            .run(dryrun),
        CommandSpec::new("genpass", -2, SERVER, "6.0.0")
            .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("[bits]", "Generates a pseudorandom, secure password that can be used to identify ACL users.")
            .run(genpass),
        CommandSpec::new("getuser", 3, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("username", "Lists the ACL rules of a user.")
            .run(getuser),
        HELP,
        CommandSpec::new("list", 2, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("", "Dumps the effective rules in ACL file format.")
            .run(list),
        CommandSpec::new("load", 2, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("", "Reloads the rules from the configured ACL file.")
            .run(no_file),
        CommandSpec::new("log", -2, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("[count | RESET]", "Lists recent security events generated due to ACL rules.")
            .run(log),
        CommandSpec::new("save", 2, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("", "Saves the effective ACL rules in the configured ACL file.")
            .run(no_file),
        CommandSpec::new("setuser", -3, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("username [rule [rule ...]]", "Creates and modifies an ACL user and its rules.")
            .run(setuser),
        CommandSpec::new("users", 2, SERVER, "6.0.0")
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("", "Lists all ACL users.")
            .run(users),
        CommandSpec::new("whoami", 2, SERVER, "6.0.0")
            .flags(&[Flag::NoScript, Flag::Loading, Flag::Stale])
            .doc("", "Returns the authenticated username of the current connection.")
            .run(whoami),
    ]);

const HELP: CommandSpec = CommandSpec::new("help", 2, SERVER, "6.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(super::stream::help_reply(
            "ACL",
            &[
                "CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories",
                "    when no category is specified.",
                "DELUSER <username> [<username> ...]",
                "    Delete a list of users.",
                "DRYRUN <username> <command> [<arg> ...]",
                "    Returns whether the user can execute the given command without executing the command.",
                "GETUSER <username>",
                "    Get the user's details.",
                "GENPASS [<bits>]",
                "    Generate a secure 256-bit user password. The optional `bits` argument can",
                "    be used to specify a different size.",
                "LIST",
                "    Show users details in config file format.",
                "LOAD",
                "    Reload users from the ACL file.",
                "LOG [<count> | RESET]",
                "    Show the ACL log entries.",
                "SAVE",
                "    Save the current config to the ACL file.",
                "SETUSER <username> <attribute> [<attribute> ...]",
                "    Create or modify a user with the specified attributes.",
                "USERS",
                "    List all the registered usernames.",
                "WHOAMI",
                "    Return the current connection username.",
            ],
        ))
    });

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn cat(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let version = ctx.version();
    match args.rest() {
        [] => Ok(Reply::Array(acl::categories(version).iter().copied().map(Reply::bulk).collect())),
        [category] => {
            let name = text(category);
            let commands = acl::commands_in(&name, version).ok_or_else(|| {
                Error::other(format!("ERR Unknown category '{}'", name.chars().take(128).collect::<String>()))
            })?;
            Ok(Reply::Array(commands.into_iter().map(Reply::bulk).collect()))
        }
        _ => Err(super::stream::subcommand_syntax_error("ACL", &ctx.argv[1])),
    }
}

/// Splits `ACL SETUSER` arguments, joining a selector written over several of them:
/// `(` `+get` `~k)` becomes `( +get ~k)` (Redis's `ACLMergeSelectorArguments`).
fn merge_selectors(rules: &[Vec<u8>]) -> std::result::Result<Vec<Vec<u8>>, Vec<u8>> {
    let mut out = Vec::new();
    let mut open: Option<(Vec<u8>, Vec<u8>)> = None;
    for rule in rules {
        if let Some((_, joined)) = open.as_mut() {
            joined.push(b' ');
            joined.extend_from_slice(rule);
            if rule.last() == Some(&b')') {
                out.extend(open.take().map(|(_, joined)| joined));
            }
            continue;
        }
        if rule.first() == Some(&b'(') && rule.last() != Some(&b')') {
            open = Some((rule.clone(), rule.clone()));
            continue;
        }
        out.push(rule.clone());
    }
    match open {
        Some((start, _)) => Err(start),
        None => Ok(out),
    }
}

fn setuser(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = args.next()?.to_vec();
    if name.iter().any(|&b| b.is_ascii_whitespace() || b == 0 || b == 0x0b) {
        return Err(Error::other("ERR Usernames can't contain spaces or null characters"));
    }
    let rules = merge_selectors(args.rest()).map_err(|start| {
        Error::other(format!("ERR Unmatched parenthesis in acl selector starting at '{}'.", text(&start)))
    })?;
    let version = ctx.version();
    let mut user = ctx.server.users.get(&name).cloned().unwrap_or_else(|| User::new(&name));
    for rule in &rules {
        user.apply(rule, version)
            .map_err(|e| Error::other(format!("ERR Error in ACL SETUSER modifier '{}': {}", text(rule), e.text())))?;
    }
    ctx.server.users.insert(name, user);
    Ok(Reply::ok())
}

fn deluser(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let names = args.rest();
    if names.iter().any(|n| n == b"default") {
        return Err(Error::other("ERR The 'default' user cannot be removed"));
    }
    let mut deleted = 0;
    for name in names {
        if ctx.server.users.remove(name).is_some() {
            deleted += 1;
            // Its connections go back to the default user, unauthenticated, and are closed.
            let clients: Vec<_> =
                ctx.server.clients.iter().filter(|(_, c)| &c.user == name).map(|(id, _)| *id).collect();
            for id in clients {
                if let Some(c) = ctx.server.clients.get_mut(&id) {
                    c.user = b"default".to_vec();
                    c.authenticated = false;
                }
                ctx.kill_client(id);
            }
        }
    }
    Ok(Reply::Integer(deleted))
}

fn selector_fields(s: &acl::Selector, version: crate::Version) -> Vec<(Reply, Reply)> {
    let channels = if s.allchannels {
        "&*".to_string()
    } else {
        s.channels.iter().map(|c| format!("&{}", text(c))).collect::<Vec<_>>().join(" ")
    };
    vec![
        (Reply::bulk("commands"), Reply::bulk(s.describe_commands(version))),
        (Reply::bulk("keys"), Reply::bulk(s.describe_keys().join(" "))),
        (Reply::bulk("channels"), Reply::bulk(channels)),
    ]
}

fn getuser(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = args.next()?;
    let version = ctx.version();
    let Some(user) = ctx.server.users.get(name) else {
        if version.at_least(7, 2) {
            return Err(Error::other(format!("ERR Can not find user '{}' in ACL", text(name))));
        }
        return Ok(Reply::Nil);
    };
    let mut fields = vec![
        (Reply::bulk("flags"), Reply::Set(user.flags().iter().map(Reply::bulk).collect())),
        (Reply::bulk("passwords"), Reply::Array(user.passwords.iter().map(Reply::bulk).collect())),
    ];
    fields.extend(selector_fields(&user.selectors[0], version));
    let others = user.selectors[1..].iter().map(|s| Reply::Map(selector_fields(s, version))).collect();
    fields.push((Reply::bulk("selectors"), Reply::Array(others)));
    Ok(Reply::Map(fields))
}

fn list(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let version = ctx.version();
    Ok(Reply::Array(
        ctx.server
            .users
            .values()
            .map(|u| Reply::bulk(format!("user {} {}", text(&u.name), u.describe(version))))
            .collect(),
    ))
}

fn users(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    Ok(Reply::Array(ctx.server.users.keys().map(Reply::bulk).collect()))
}

fn whoami(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    Ok(Reply::bulk(ctx.client().user.clone()))
}

fn no_file(_: &mut Ctx, _: Args) -> Result<Reply> {
    Err(Error::other(
        "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.",
    ))
}

fn genpass(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let bits = match args.rest() {
        [] => 256,
        [bits] => parse_i64(bits).ok_or(Error::NotInteger)?,
        _ => return Err(super::stream::subcommand_syntax_error("ACL", &ctx.argv[1])),
    };
    if bits <= 0 || bits > 4096 {
        return Err(Error::other(
            "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
        ));
    }
    let chars = (bits as usize).div_ceil(4);
    let mut out = String::with_capacity(chars);
    while out.len() < chars {
        let word = ctx.server.random();
        for i in 0..16 {
            if out.len() < chars {
                out.push(char::from(b"0123456789abcdef"[((word >> (i * 4)) & 0xf) as usize]));
            }
        }
    }
    Ok(Reply::bulk(out))
}

fn log(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let count = match args.rest() {
        [] => 10,
        [arg] if arg.eq_ignore_ascii_case(b"RESET") => {
            ctx.server.acl_log.clear();
            return Ok(Reply::ok());
        }
        [arg] => parse_i64(arg).ok_or(Error::NotInteger)?.max(0) as usize,
        _ => return Err(super::stream::subcommand_syntax_error("ACL", &ctx.argv[1])),
    };
    let now = ctx.now_ms;
    let newer = ctx.version().at_least(7, 2);
    let entries = ctx
        .server
        .acl_log
        .iter()
        .take(count)
        .map(|e| {
            let mut fields = vec![
                (Reply::bulk("count"), Reply::Integer(e.count as i64)),
                (Reply::bulk("reason"), Reply::bulk(e.reason)),
                (Reply::bulk("context"), Reply::bulk(e.context)),
                (Reply::bulk("object"), Reply::bulk(e.object.clone())),
                (Reply::bulk("username"), Reply::bulk(e.username.clone())),
                (Reply::bulk("age-seconds"), Reply::Double(now.saturating_sub(e.updated_ms) as f64 / 1000.0)),
                (Reply::bulk("client-info"), Reply::bulk(e.client_info.clone())),
            ];
            if newer {
                fields.extend([
                    (Reply::bulk("entry-id"), Reply::Integer(e.id as i64)),
                    (Reply::bulk("timestamp-created"), Reply::Integer(e.created_ms as i64)),
                    (Reply::bulk("timestamp-last-updated"), Reply::Integer(e.updated_ms as i64)),
                ]);
            }
            Reply::Map(fields)
        })
        .collect();
    Ok(Reply::Array(entries))
}

fn dryrun(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = args.next()?.to_vec();
    let argv = args.rest().to_vec();
    let version = ctx.version();
    let Some(user) = ctx.server.users.get(&name) else {
        return Err(Error::other(format!("ERR User '{}' not found", text(&name))));
    };
    let (parent, spec) = match crate::server::resolve(&argv, version) {
        Ok(found) => found,
        Err(Error::WrongArity { name }) => return Err(Error::WrongArity { name }),
        Err(_) => return Err(Error::other(format!("ERR Command '{}' not found", text(&argv[0])))),
    };
    let Some(id) = acl::id_of(parent, spec) else {
        return Err(Error::other(format!("ERR Command '{}' not found", text(&argv[0]))));
    };
    let who = if version.at_least(7, 2) { format!("User {}", text(&name)) } else { "This user".to_string() };
    Ok(match user.check(id, &argv) {
        Ok(()) => Reply::ok(),
        Err(acl::Denied::Command) => Reply::bulk(format!(
            "{who} has no permissions to run the '{}' command",
            crate::command::full_name(parent, spec)
        )),
        Err(acl::Denied::Key(at)) => {
            Reply::bulk(format!("{who} has no permissions to access the '{}' key", text(&argv[at])))
        }
        Err(acl::Denied::Channel(at)) => {
            Reply::bulk(format!("{who} has no permissions to access the '{}' channel", text(&argv[at])))
        }
    })
}
