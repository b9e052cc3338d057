//! `COMMAND`: the command table as Redis describes itself (`INFO`, `DOCS`, `GETKEYS`, `LIST`, ...).

use super::*;

/// `COMMAND [subcommand]`: with no subcommand, `COMMAND INFO` of every command.
pub static COMMAND: CommandSpec = CommandSpec::new("command", -1, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[subcommand]", "Returns detailed information about all commands.")
    .run(|ctx, _| {
        let version = ctx.version();
        Ok(Reply::Array(
            crate::command::table()
                .iter()
                .filter(|c| c.available_in(version))
                .map(|c| command_info(c, None, version))
                .collect(),
        ))
    })
    .subcommands(&[
        COMMAND_COUNT,
        COMMAND_DOCS,
        COMMAND_GETKEYS,
        COMMAND_GETKEYSANDFLAGS,
        COMMAND_HELP,
        COMMAND_INFO,
        COMMAND_LIST,
    ]);

/// `COMMAND COUNT`
const COMMAND_COUNT: CommandSpec = CommandSpec::new("count", 2, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns a count of commands.")
    .run(|ctx, _| {
        let version = ctx.version();
        Ok(Reply::Integer(crate::command::table().iter().filter(|c| c.available_in(version)).count() as i64))
    });

const COMMAND_DOCS: CommandSpec = CommandSpec::new("docs", -2, SERVER, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[command-name [command-name ...]]", "Returns documentary information about one, multiple or all commands.")
    .run(command_docs);
const COMMAND_GETKEYS: CommandSpec = CommandSpec::new("getkeys", -4, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("command [arg [arg ...]]", "Extracts the key names from an arbitrary command.")
    .run(|ctx, mut args| {
        let found = keys_of(ctx, args.rest().to_vec())?;
        Ok(Reply::Array(found.into_iter().map(|(k, _)| Reply::bulk(k)).collect()))
    });
const COMMAND_GETKEYSANDFLAGS: CommandSpec = CommandSpec::new("getkeysandflags", -4, SERVER, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("command [arg [arg ...]]", "Extracts the key names and access flags for an arbitrary command.")
    .run(|ctx, mut args| {
        let found = keys_of(ctx, args.rest().to_vec())?;
        Ok(Reply::Array(
            found
                .into_iter()
                .map(|(k, flags)| {
                    Reply::Array(vec![Reply::bulk(k), Reply::Set(flags.iter().map(|f| Reply::status(f)).collect())])
                })
                .collect(),
        ))
    });
const COMMAND_HELP: CommandSpec = CommandSpec::new("help", 2, SERVER, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(crate::commands::stream::help_reply(
            "COMMAND",
            &[
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.",
                "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
                "    Return a list of all commands in this Redis server.",
            ],
        ))
    });
const COMMAND_INFO: CommandSpec = CommandSpec::new("info", -2, SERVER, "2.8.13")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[command-name [command-name ...]]", "Returns information about one, multiple or all commands.")
    .run(|ctx, mut args| {
        let version = ctx.version();
        let names = args.rest();
        if names.is_empty() {
            return Ok(Reply::Array(
                crate::command::table()
                    .iter()
                    .filter(|c| c.available_in(version))
                    .map(|c| command_info(c, None, version))
                    .collect(),
            ));
        }
        Ok(Reply::Array(
            names
                .iter()
                .map(|n| {
                    find_command(n, version).map_or(Reply::Nil, |(parent, spec)| command_info(spec, parent, version))
                })
                .collect(),
        ))
    });
const COMMAND_LIST: CommandSpec = CommandSpec::new("list", -2, SERVER, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .acl(&[Category::Connection])
    .doc("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]", "Returns a list of command names.")
    .run(command_list);

/// A command or `container|subcommand` by name.
fn find_command(name: &[u8], version: crate::Version) -> Option<(Option<&'static CommandSpec>, &'static CommandSpec)> {
    let text = String::from_utf8_lossy(name);
    let (top, sub) = match text.split_once('|') {
        Some((t, s)) => (t.to_string(), Some(s.to_string())),
        None => (text.to_string(), None),
    };
    let top = crate::command::lookup(top.as_bytes()).filter(|c| c.available_in(version))?;
    match sub {
        None => Some((None, top)),
        Some(sub) => top.subcommand(sub.as_bytes()).map(|s| (Some(top), s)),
    }
}

/// The flags `COMMAND INFO` prints, in Redis's order.
fn command_flags(spec: &CommandSpec) -> Vec<&'static str> {
    Flag::PRINTED.iter().filter(|f| spec.has(**f)).filter_map(|f| f.name()).collect()
}

/// One `COMMAND INFO` entry: name, arity, flags, first/last/step, ACL categories, tips, key
/// specs, subcommands.
fn command_info(spec: &'static CommandSpec, parent: Option<&'static CommandSpec>, version: crate::Version) -> Reply {
    let full = crate::command::full_name(parent, spec);
    let categories = crate::acl::id_of(parent, spec).map_or(0, |id| crate::acl::registry()[id].categories);
    let cats = crate::acl::CATEGORIES
        .iter()
        .enumerate()
        .filter(|(i, _)| categories & (1 << i) != 0)
        .map(|(_, c)| Reply::status(&format!("@{c}")))
        .collect();
    let (first, last, step) = spec.keys;
    let mut key_specs = Vec::new();
    if first > 0 {
        let flags: &[&str] = if spec.has(Flag::ReadOnly) { &["RO", "access"] } else { &["RW", "access", "update"] };
        let lastkey = if last < 0 { i64::from(last) } else { i64::from(last - first) };
        key_specs.push(Reply::Map(vec![
            (Reply::bulk("flags"), Reply::Set(flags.iter().map(|f| Reply::status(f)).collect())),
            (
                Reply::bulk("begin_search"),
                Reply::Map(vec![
                    (Reply::bulk("type"), Reply::bulk("index")),
                    (Reply::bulk("spec"), Reply::Map(vec![(Reply::bulk("index"), Reply::Integer(i64::from(first)))])),
                ]),
            ),
            (
                Reply::bulk("find_keys"),
                Reply::Map(vec![
                    (Reply::bulk("type"), Reply::bulk("range")),
                    (
                        Reply::bulk("spec"),
                        Reply::Map(vec![
                            (Reply::bulk("lastkey"), Reply::Integer(lastkey)),
                            (Reply::bulk("keystep"), Reply::Integer(i64::from(step))),
                            (Reply::bulk("limit"), Reply::Integer(0)),
                        ]),
                    ),
                ]),
            ),
        ]));
    }
    let subs = spec
        .subcommands
        .iter()
        .filter(|s| s.available_in(version))
        .map(|s| command_info(s, Some(spec), version))
        .collect();
    Reply::Array(vec![
        Reply::bulk(full.clone()),
        Reply::Integer(i64::from(spec.arity)),
        Reply::Set(command_flags(spec).iter().map(|f| Reply::status(f)).collect()),
        Reply::Integer(i64::from(first)),
        Reply::Integer(i64::from(last)),
        Reply::Integer(i64::from(step)),
        Reply::Set(cats),
        Reply::Set(vec![]),
        Reply::Array(key_specs),
        Reply::Array(subs),
    ])
}

fn command_docs(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let version = ctx.version();
    fn doc(spec: &'static CommandSpec, version: crate::Version) -> Reply {
        let mut fields = vec![
            (Reply::bulk("summary"), Reply::bulk(spec.summary)),
            (Reply::bulk("since"), Reply::bulk(spec.since)),
            (Reply::bulk("group"), Reply::bulk(spec.group)),
        ];
        let subs: Vec<(Reply, Reply)> = spec
            .subcommands
            .iter()
            .filter(|s| s.available_in(version))
            .map(|s| (Reply::bulk(format!("{}|{}", spec.name, s.name)), doc(s, version)))
            .collect();
        if !subs.is_empty() {
            fields.push((Reply::bulk("subcommands"), Reply::Map(subs)));
        }
        Reply::Map(fields)
    }
    let names = args.rest();
    let entries: Vec<(Reply, Reply)> = if names.is_empty() {
        crate::command::table()
            .iter()
            .filter(|c| c.available_in(version))
            .map(|c| (Reply::bulk(c.name), doc(c, version)))
            .collect()
    } else {
        names
            .iter()
            .filter_map(|n| find_command(n, version))
            .map(|(parent, spec)| (Reply::bulk(crate::command::full_name(parent, spec)), doc(spec, version)))
            .collect()
    };
    Ok(Reply::Map(entries))
}

/// The keys of a full command line, with Redsim's reading of their access (`COMMAND GETKEYS`).
fn keys_of(ctx: &mut Ctx, argv: Vec<Vec<u8>>) -> Result<Vec<(Vec<u8>, Vec<&'static str>)>> {
    let version = ctx.version();
    let (parent, spec) = match crate::server::resolve(&argv, version) {
        Ok(found) => found,
        Err(Error::WrongArity { .. }) => {
            return Err(Error::other("ERR Invalid number of arguments specified for command"))
        }
        Err(_) => return Err(Error::other("ERR Invalid command specified")),
    };
    let Some(id) = crate::acl::id_of(parent, spec) else { return Err(Error::other("ERR Invalid command specified")) };
    let entry = &crate::acl::registry()[id];
    let found = crate::acl::command_keys(entry, &argv);
    if found.is_empty() && spec.keys.0 <= 0 && !spec.has(Flag::MovableKeys) {
        return Err(Error::other("ERR The command has no key arguments"));
    }
    Ok(found
        .into_iter()
        .map(|(at, access)| {
            let flags = match access {
                crate::acl::READ => vec!["RO", "access"],
                crate::acl::WRITE => vec!["OW", "update"],
                _ => vec!["RW", "access", "update"],
            };
            (argv[at].clone(), flags)
        })
        .collect())
}

fn command_list(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let version = ctx.version();
    let rest = args.rest();
    let filter: Option<(String, Vec<u8>)> = match rest {
        [] => None,
        [by, kind, value] if by.eq_ignore_ascii_case(b"FILTERBY") => {
            let kind = String::from_utf8_lossy(kind).to_ascii_uppercase();
            if !matches!(kind.as_str(), "MODULE" | "ACLCAT" | "PATTERN") {
                return Err(Error::Syntax);
            }
            Some((kind, value.clone()))
        }
        _ => return Err(Error::Syntax),
    };
    let names = crate::acl::registry()
        .iter()
        .filter(|e| e.available_in(version))
        .filter(|e| match &filter {
            None => true,
            Some((kind, value)) => match kind.as_str() {
                "MODULE" => false,
                "ACLCAT" => {
                    crate::acl::category_flag(&String::from_utf8_lossy(value)).is_some_and(|f| e.categories & f != 0)
                }
                _ => crate::glob::matches(value, e.fullname.as_bytes(), true),
            },
        })
        .map(|e| Reply::bulk(e.fullname.as_str()))
        .collect();
    Ok(Reply::Array(names))
}
