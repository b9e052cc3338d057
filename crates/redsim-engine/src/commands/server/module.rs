//! `MODULE`: Redsim loads no module, so it answers as a Redis that could not load one does:
//! `LIST` is empty, `LOAD` and `LOADEX` fail, `UNLOAD` finds no such module. Loading and
//! unloading are refused unless `enable-module-command` allows them, as in Redis 7.0.

use super::*;

/// `MODULE <subcommand>`
pub static MODULE: CommandSpec = CommandSpec::new("module", -2, SERVER, "4.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for module commands.")
    .subcommands(&[MODULE_HELP, MODULE_LIST, MODULE_LOAD, MODULE_LOADEX, MODULE_UNLOAD]);

const MODULE_HELP: CommandSpec = CommandSpec::new("help", 2, SERVER, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(|_, _| {
        Ok(crate::commands::stream::help_reply(
            "MODULE",
            &[
                "LIST",
                "    Return a list of loaded modules.",
                "LOAD <path> [<arg> ...]",
                "    Load a module library from <path>, passing to it any optional arguments.",
                "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
                "    Load a module library from <path>, while passing it module configurations and optional arguments.",
                "UNLOAD <name>",
                "    Unload a module.",
            ],
        ))
    });

const MODULE_LIST: CommandSpec = CommandSpec::new("list", 2, SERVER, "4.0.0")
    .flags(&[Flag::Admin, Flag::NoScript])
    .doc("", "Returns all loaded modules.")
    .run(|_, _| Ok(Reply::Array(Vec::new())));

const LOAD_FLAGS: &[Flag] = &[Flag::NoAsyncLoading, Flag::Admin, Flag::NoScript];

const MODULE_LOAD: CommandSpec = CommandSpec::new("load", -3, SERVER, "4.0.0")
    .flags(LOAD_FLAGS)
    .doc("path [arg [arg ...]]", "Loads a module.")
    .run(|ctx, _| {
        protected(ctx)?;
        Err(Error::other("ERR Error loading the extension. Please check the server logs."))
    });

const MODULE_LOADEX: CommandSpec = CommandSpec::new("loadex", -3, SERVER, "7.0.0")
    .flags(LOAD_FLAGS)
    .doc(
        "path [CONFIG name value [CONFIG name value ...]] [ARGS args [args ...]]",
        "Loads a module using extended parameters.",
    )
    .run(|ctx, _| {
        protected(ctx)?;
        Err(Error::other("ERR Error loading the extension. Please check the server logs."))
    });

const MODULE_UNLOAD: CommandSpec =
    CommandSpec::new("unload", 3, SERVER, "4.0.0").flags(LOAD_FLAGS).doc("name", "Unloads a module.").run(|ctx, _| {
        protected(ctx)?;
        Err(Error::other("ERR Error unloading module: no such module with that name"))
    });

/// Redis's `CMD_PROTECTED` check for `MODULE LOAD`, `LOADEX` and `UNLOAD`.
fn protected(ctx: &mut Ctx) -> Result<()> {
    if ctx.server.config.settings.choice("enable-module-command") == "no" {
        return Err(Error::other(
            "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it \
             from a local connection, otherwise you need to set this option in the configuration file, and then \
             restart the server.",
        ));
    }
    Ok(())
}
