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
    let mut flags: Vec<&'static str> =
        Flag::PRINTED.iter().filter(|f| spec.has(**f)).filter_map(|f| f.name()).collect();
    // A module's command (vector sets) says so, after `denyoom` in Redis's table.
    if spec.group == "module" {
        let at = flags.iter().take_while(|f| matches!(**f, "write" | "readonly" | "denyoom")).count();
        flags.insert(at, "module");
    }
    flags
}

/// Arguments as `COMMAND DOCS` prints them (Redis's `addReplyCommandArgList`).
fn args_reply(args: &[crate::meta::Arg]) -> Reply {
    Reply::Array(
        args.iter()
            .map(|a| {
                let mut fields =
                    vec![(Reply::bulk("name"), Reply::bulk(a.name)), (Reply::bulk("type"), Reply::bulk(a.kind))];
                if a.key_spec >= 0 {
                    fields.push((Reply::bulk("key_spec_index"), Reply::Integer(i64::from(a.key_spec))));
                }
                let texts = [
                    ("token", a.token),
                    ("summary", a.summary),
                    ("since", a.since),
                    ("deprecated_since", a.deprecated_since),
                ];
                for (name, value) in texts {
                    if let Some(v) = value {
                        fields.push((Reply::bulk(name), Reply::bulk(v)));
                    }
                }
                if !a.flags.is_empty() {
                    fields.push((Reply::bulk("flags"), Reply::Set(a.flags.iter().map(|f| Reply::status(f)).collect())));
                }
                if matches!(a.kind, "oneof" | "block") {
                    fields.push((Reply::bulk("arguments"), args_reply(a.args)));
                }
                Reply::Map(fields)
            })
            .collect(),
    )
}

/// A key spec as `COMMAND INFO` prints it (Redis's `addReplyCommandKeySpecs`).
fn key_spec_reply(spec: &crate::meta::KeySpec) -> Reply {
    use crate::meta::{Begin, Find};
    let int = |n: i32| Reply::Integer(i64::from(n));
    let typed = |kind: &str, fields: Vec<(Reply, Reply)>| {
        Reply::Map(vec![(Reply::bulk("type"), Reply::bulk(kind)), (Reply::bulk("spec"), Reply::Map(fields))])
    };
    let begin = match spec.begin {
        Begin::Index(pos) => typed("index", vec![(Reply::bulk("index"), int(pos))]),
        Begin::Keyword(word, from) => {
            typed("keyword", vec![(Reply::bulk("keyword"), Reply::bulk(word)), (Reply::bulk("startfrom"), int(from))])
        }
        Begin::Unknown => typed("unknown", vec![]),
    };
    let find = match spec.find {
        Find::Range(last, step, limit) => typed(
            "range",
            vec![
                (Reply::bulk("lastkey"), int(last)),
                (Reply::bulk("keystep"), int(step)),
                (Reply::bulk("limit"), int(limit)),
            ],
        ),
        Find::Keynum(idx, first, step) => typed(
            "keynum",
            vec![
                (Reply::bulk("keynumidx"), int(idx)),
                (Reply::bulk("firstkey"), int(first)),
                (Reply::bulk("keystep"), int(step)),
            ],
        ),
        Find::Unknown => typed("unknown", vec![]),
    };
    let mut fields = Vec::new();
    if let Some(notes) = spec.notes {
        fields.push((Reply::bulk("notes"), Reply::bulk(notes)));
    }
    fields.push((Reply::bulk("flags"), Reply::Set(spec.flags.iter().map(|f| Reply::status(f)).collect())));
    fields.push((Reply::bulk("begin_search"), begin));
    fields.push((Reply::bulk("find_keys"), find));
    Reply::Map(fields)
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
    let meta = crate::meta::lookup(&full, version);
    let (first, last, step) = spec.keys;
    let key_specs = match meta {
        Some(meta) => meta.key_specs.iter().map(key_spec_reply).collect(),
        None if first > 0 => {
            let flags: &'static [&'static str] =
                if spec.has(Flag::ReadOnly) { &["RO", "access"] } else { &["RW", "access", "update"] };
            let lastkey = if last < 0 { last } else { last - first };
            vec![key_spec_reply(&crate::meta::KeySpec {
                notes: None,
                flags,
                begin: crate::meta::Begin::Index(first),
                find: crate::meta::Find::Range(lastkey, step, 0),
            })]
        }
        None => Vec::new(),
    };
    let flags: Vec<&str> = meta.map_or_else(|| command_flags(spec), |m| m.flags.to_vec());
    let tips = meta.map_or(&[][..], |m| m.tips).iter().map(|t| Reply::bulk(*t)).collect();
    let (first, last, step) = meta.map_or((first, last, step), |m| m.keys);
    let subs = spec
        .subcommands
        .iter()
        .filter(|s| s.available_in(version))
        .map(|s| command_info(s, Some(spec), version))
        .collect();
    Reply::Array(vec![
        Reply::bulk(full.clone()),
        Reply::Integer(i64::from(meta.map_or(spec.arity, |m| m.arity))),
        Reply::Set(flags.iter().map(|f| Reply::status(f)).collect()),
        Reply::Integer(i64::from(first)),
        Reply::Integer(i64::from(last)),
        Reply::Integer(i64::from(step)),
        Reply::Set(cats),
        Reply::Set(tips),
        Reply::Set(key_specs),
        Reply::Array(subs),
    ])
}

fn command_docs(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let version = ctx.version();
    fn doc(spec: &'static CommandSpec, parent: Option<&'static CommandSpec>, version: crate::Version) -> Reply {
        let full = crate::command::full_name(parent, spec);
        let meta = crate::meta::lookup(&full, version);
        let mut fields = vec![
            (Reply::bulk("summary"), Reply::bulk(meta.map_or(spec.summary, |m| m.summary))),
            (Reply::bulk("since"), Reply::bulk(meta.map_or(spec.since, |m| m.since))),
            (Reply::bulk("group"), Reply::bulk(meta.map_or(spec.group, |m| m.group))),
        ];
        if spec.group == "module" {
            fields.push((Reply::bulk("module"), Reply::bulk("vectorset")));
        }
        if let Some(meta) = meta {
            if let Some(complexity) = meta.complexity {
                fields.push((Reply::bulk("complexity"), Reply::bulk(complexity)));
            }
            if !meta.doc_flags.is_empty() {
                fields.push((
                    Reply::bulk("doc_flags"),
                    Reply::Set(meta.doc_flags.iter().map(|f| Reply::status(f)).collect()),
                ));
            }
            if let Some(since) = meta.deprecated_since {
                fields.push((Reply::bulk("deprecated_since"), Reply::bulk(since)));
            }
            if let Some(by) = meta.replaced_by {
                fields.push((Reply::bulk("replaced_by"), Reply::bulk(by)));
            }
            if !meta.history.is_empty() {
                let history =
                    meta.history.iter().map(|(v, what)| Reply::Array(vec![Reply::bulk(*v), Reply::bulk(*what)]));
                fields.push((Reply::bulk("history"), Reply::Set(history.collect())));
            }
            if meta.has_args {
                fields.push((Reply::bulk("arguments"), args_reply(meta.args)));
            }
        }
        let subs: Vec<(Reply, Reply)> = spec
            .subcommands
            .iter()
            .filter(|s| s.available_in(version))
            .map(|s| (Reply::bulk(format!("{}|{}", spec.name, s.name)), doc(s, Some(spec), version)))
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
            .map(|c| (Reply::bulk(c.name), doc(c, None, version)))
            .collect()
    } else {
        names
            .iter()
            .filter_map(|n| find_command(n, version))
            .map(|(parent, spec)| (Reply::bulk(crate::command::full_name(parent, spec)), doc(spec, parent, version)))
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
    // Redis prefers the key specs when their flags hold for every call.
    let full = crate::command::full_name(parent, spec);
    if let Some(found) = crate::meta::lookup(&full, version).and_then(|m| crate::meta::keys_by_specs(m, &argv)) {
        if found.is_empty() {
            return Err(Error::other("ERR The command has no key arguments"));
        }
        return Ok(found.into_iter().map(|(at, flags)| (argv[at].clone(), flags.to_vec())).collect());
    }
    // Commands whose key flags depend on their arguments (Redis's `setGetKeys`,
    // `bitfieldGetKeys`).
    let variable: Option<Vec<&'static str>> = match full.as_str() {
        "set" if argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"GET")) => Some(vec!["RW", "access", "update"]),
        "set" => Some(vec!["OW", "update"]),
        "bitfield" if bitfield_reads_only(&argv) => Some(vec!["RO", "access"]),
        "bitfield" => Some(vec!["RW", "access", "update"]),
        _ => None,
    };
    if let (Some(flags), Some(key)) = (variable, argv.get(1)) {
        return Ok(vec![(key.clone(), flags)]);
    }
    let entry = &crate::acl::registry()[id];
    let found = crate::acl::command_keys(entry, &argv);
    // SORT reads its key and overwrites the one after its last STORE (`sortGetKeys`).
    if full == "sort" {
        return Ok(found
            .into_iter()
            .map(|(at, _)| (argv[at].clone(), if at == 1 { vec!["RO", "access"] } else { vec!["OW", "update"] }))
            .collect());
    }
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

/// Whether a BITFIELD line only reads: GETs and OVERFLOWs with their arguments, nothing else
/// (a line Redis cannot read counts as a write).
fn bitfield_reads_only(argv: &[Vec<u8>]) -> bool {
    let mut i = 2;
    while i < argv.len() {
        let left = argv.len() - i - 1;
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"GET") && left >= 2 {
            i += 3;
        } else if a.eq_ignore_ascii_case(b"OVERFLOW") && left >= 1 {
            i += 2;
        } else {
            return false;
        }
    }
    true
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
                "ACLCAT" => crate::acl::category_flag(&String::from_utf8_lossy(value), version)
                    .is_some_and(|f| e.categories & f != 0),
                _ => crate::glob::matches(value, e.fullname.as_bytes(), true),
            },
        })
        .map(|e| Reply::bulk(e.fullname.as_str()))
        .collect();
    Ok(Reply::Array(names))
}
