//! `SLOWLOG GET|LEN|RESET|HELP`

use super::*;

/// `SLOWLOG <subcommand>`
pub static SLOWLOG: CommandSpec = CommandSpec::new("slowlog", -2, SERVER, "2.2.12")
    .doc("<subcommand> [<arg> ...]", "A container for slow log commands.")
    .subcommands(&[
        CommandSpec::new("get", -2, SERVER, "2.2.12")
            .flags(&[Flag::Admin, Flag::Loading, Flag::Stale])
            .doc("[count]", "Returns the slow log's entries.")
            .run(slowlog_get),
        CommandSpec::new("help", 2, SERVER, "6.2.0")
            .flags(&[Flag::Loading, Flag::Stale])
            .doc("", "Show helpful text about the different subcommands")
            .run(|_, _| {
                Ok(crate::commands::stream::help_reply(
                    "SLOWLOG",
                    &[
                        "GET [<count>]",
                        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                        "    Entries are made of:",
                        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                        "    client name",
                        "LEN",
                        "    Return the length of the slowlog.",
                        "RESET",
                        "    Reset the slowlog.",
                    ],
                ))
            }),
        CommandSpec::new("len", 2, SERVER, "2.2.12")
            .flags(&[Flag::Admin, Flag::Loading, Flag::Stale])
            .doc("", "Returns the number of entries in the slow log.")
            .run(|ctx, _| Ok(Reply::Integer(ctx.server.slowlog.len() as i64))),
        CommandSpec::new("reset", 2, SERVER, "2.2.12")
            .flags(&[Flag::Admin, Flag::Loading, Flag::Stale])
            .doc("", "Clears all entries from the slow log.")
            .run(|ctx, _| {
                ctx.server.slowlog.clear();
                Ok(Reply::ok())
            }),
    ]);

fn slowlog_get(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let count = match args.rest() {
        [] => 10,
        [n] => match crate::args::parse_i64(n) {
            Some(-1) => usize::MAX,
            Some(n) if n >= 0 => n as usize,
            _ => return Err(Error::other("ERR count should be greater than or equal to -1")),
        },
        _ => return Err(crate::commands::stream::subcommand_syntax_error("SLOWLOG", &ctx.argv[1])),
    };
    Ok(Reply::Array(
        ctx.server
            .slowlog
            .iter()
            .take(count)
            .map(|e| {
                Reply::Array(vec![
                    Reply::Integer(e.id as i64),
                    Reply::Integer(e.time_s as i64),
                    Reply::Integer(e.duration_us),
                    Reply::Array(e.args.iter().map(|a| Reply::bulk(a.clone())).collect()),
                    Reply::bulk(e.addr.clone()),
                    Reply::bulk(e.name.clone()),
                ])
            })
            .collect(),
    ))
}
