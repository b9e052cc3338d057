//! `CONFIG GET|SET|RESETSTAT|REWRITE|HELP` over the parameter table in [`crate::config`].

use super::*;

/// `CONFIG <subcommand> [<arg> ...]`
pub static CONFIG: CommandSpec = CommandSpec::new("config", -2, SERVER, "2.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for server configuration commands.")
    .subcommands(&[CONFIG_GET, CONFIG_SET, CONFIG_RESETSTAT, CONFIG_REWRITE, CONFIG_HELP]);

/// `CONFIG GET parameter [parameter ...]`
const CONFIG_GET: CommandSpec = CommandSpec::new("get", -3, SERVER, "2.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .doc("parameter [parameter ...]", "Returns the effective values of configuration parameters.")
    .run(config_get);

/// `CONFIG SET parameter value [parameter value ...]`
const CONFIG_SET: CommandSpec = CommandSpec::new("set", -4, SERVER, "2.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .doc("parameter value [parameter value ...]", "Sets configuration parameters in-flight.")
    .run(config_set);

fn config_get(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let pairs = ctx.server.config.settings.get(args.rest());
    Ok(Reply::Map(pairs.into_iter().map(|(name, value)| (Reply::Bulk(name), Reply::Bulk(value))).collect()))
}

fn config_set(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let rest = args.rest();
    // Local clients may set protected parameters when `enable-protected-configs` says `local`
    // (every client of the engine is local).
    let protected = ctx.server.config.settings.choice("enable-protected-configs") != "no";
    let before = ctx.server.config.settings.clone();
    let changed = ctx.server.config.settings.set(rest, protected).map_err(|e| Error::other(e.to_string()))?;
    // A new port is the host's to listen on (Redis's `updatePort`); if it cannot, every value
    // set here goes back.
    let port = ctx.server.config.settings.number("port");
    if let (Some(host), true) = (ctx.host.as_deref_mut(), port != before.number("port")) {
        if !host.listen(u16::try_from(port).unwrap_or(0)) {
            ctx.server.config.settings = before;
            ctx.server.apply_config(&changed);
            return Err(Error::other(
                "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.",
            ));
        }
    }
    ctx.server.apply_config(&changed);
    // A lower limit starts evicting at once (Redis's `updateMaxmemory` starts its eviction
    // timer), not only when the next command comes.
    if rest.chunks(2).any(|p| p[0].eq_ignore_ascii_case(b"maxmemory")) && ctx.server.config.maxmemory > 0 {
        let now_ms = ctx.now_ms;
        ctx.server.evict_now(now_ms, ctx.out);
    }
    Ok(Reply::ok())
}

/// `CONFIG RESETSTAT`
const CONFIG_RESETSTAT: CommandSpec = CommandSpec::new("resetstat", 2, SERVER, "2.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .doc("", "Resets the server's statistics.")
    .run(|ctx, _| {
        let stats = &mut ctx.server.stats;
        // The counters INFO stats shows start again; the replication offset and changes since
        // the last save are not statistics and stay.
        stats.commands_processed = 0;
        stats.expired_keys = 0;
        stats.expired_subkeys = 0;
        stats.connections_received = 0;
        stats.keyspace_hits = 0;
        stats.keyspace_misses = 0;
        stats.commands.clear();
        stats.errors.clear();
        stats.total_error_replies = 0;
        stats.net_input_bytes = 0;
        Ok(Reply::ok())
    });

/// `CONFIG REWRITE`: the engine was started from no file, so there is none to rewrite.
const CONFIG_REWRITE: CommandSpec = CommandSpec::new("rewrite", 2, SERVER, "2.8.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .doc("", "Persists the effective configuration to file.")
    .run(|_, _| Err(Error::other("ERR The server is running without a config file")));

/// `CONFIG HELP`
const CONFIG_HELP: CommandSpec = CommandSpec::new("help", 2, SERVER, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(crate::commands::stream::help_reply(
            "CONFIG",
            &[
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
            ],
        ))
    });
