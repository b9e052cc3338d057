//! Scripting: `EVAL`/`EVALSHA` with the script cache, and functions (`FUNCTION LOAD`, `FCALL`).
//! The Lua itself is `redsim-lua`; this file is the part Redis's `eval.c`, `function_lua.c` and
//! `script_lua.c` play around it: the cache by SHA1, shebang flags, the checks a command from a
//! script passes (`scriptCall`), the conversions between replies and Lua values, and error texts
//! with `script: <sha>, on @user_script:<line>.`

use crate::args::Args;
use crate::command::{full_name, CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::glob;
use crate::reply::{Protocol, Reply};
use crate::server::Ctx;
use redsim_lua::{Failure, Host, Registered, Resp};
use std::collections::BTreeMap;

const SCRIPTING: &str = "scripting";

/// Scripts and function libraries the server holds, and `math.random`'s state.
#[derive(Clone, Debug)]
pub struct Scripts {
    /// `EVAL`'s cache: SHA1 (lower-case hex) to body.
    pub bodies: BTreeMap<String, Vec<u8>>,
    /// Function libraries by name.
    pub libraries: BTreeMap<Vec<u8>, Library>,
    pub rand48: u64,
    /// lua-cjson's settings, changed by scripts (`cjson.encode_max_depth(...)`).
    pub cjson: redsim_lua::cjson_config::CjsonConfig,
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts {
            bodies: BTreeMap::new(),
            libraries: BTreeMap::new(),
            rand48: redsim_lua::RAND48_START,
            cjson: Default::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Library {
    pub code: Vec<u8>,
    pub functions: Vec<Registered>,
}

/// Commands a script may not call (Redis 7.0's `noscript` flag).
const NOSCRIPT: &[&str] = &[
    "acl",
    "auth",
    "bgrewriteaof",
    "bgsave",
    "blmove",
    "blpop",
    "brpop",
    "brpoplpush",
    "bzpopmax",
    "bzpopmin",
    "client",
    "config",
    "debug",
    "discard",
    "eval",
    "eval_ro",
    "evalsha",
    "evalsha_ro",
    "exec",
    "failover",
    "fcall",
    "fcall_ro",
    "function",
    "hello",
    "latency",
    "module",
    "monitor",
    "multi",
    "psubscribe",
    "psync",
    "punsubscribe",
    "quit",
    "replconf",
    "replicaof",
    "reset",
    "role",
    "save",
    "script",
    "shutdown",
    "slaveof",
    "ssubscribe",
    "subscribe",
    "sunsubscribe",
    "sync",
    "unsubscribe",
    "unwatch",
    "wait",
    "watch",
];

/// What a running script reaches: the calling client's context.
struct ScriptHost<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    run: crate::server::ScriptRun,
}

impl Host for ScriptHost<'_, '_> {
    fn call(&mut self, argv: Vec<Vec<u8>>, resp3: bool) -> std::result::Result<Resp, Vec<u8>> {
        match self.ctx.call_from_script(&argv, &mut self.run, is_noscript) {
            Ok(reply) => {
                let protocol = if resp3 { Protocol::Resp3 } else { Protocol::Resp2 };
                Ok(reply_to_resp(reply.for_version(self.ctx.version()).as_seen_by(protocol)))
            }
            Err(text) => Err(text.into_bytes()),
        }
    }

    fn version(&self) -> (String, u32) {
        let full = self.ctx.version().full();
        let mut parts = full.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (a, b, c) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (full, (a << 16) | (b << 8) | c)
    }

    fn rand48_state(&mut self) -> &mut u64 {
        &mut self.ctx.server.scripts.rand48
    }

    fn cjson(&mut self) -> &mut redsim_lua::cjson_config::CjsonConfig {
        &mut self.ctx.server.scripts.cjson
    }

    fn acl_check(&mut self, argv: Vec<Vec<u8>>) -> Option<bool> {
        let (parent, spec) = crate::server::resolve(&argv, self.ctx.version()).ok()?;
        Some(self.ctx.acl_refusal(parent, spec, &argv).is_none())
    }

    fn interrupt(&mut self) -> bool {
        let ctx = &mut *self.ctx;
        let Some(host) = ctx.host.as_deref_mut() else { return false };
        ctx.server.script_interrupt(host, self.run.write_dirty, ctx.argv)
    }

    fn ldb_read(&mut self) -> redsim_lua::LdbRead {
        match self.ctx.server.ldb_io.as_mut() {
            Some(io) => io.read(),
            None => redsim_lua::LdbRead::Gone,
        }
    }

    fn ldb_write(&mut self, logs: Vec<Vec<u8>>) {
        if let Some(io) = self.ctx.server.ldb_io.as_mut() {
            io.sends.push(logs);
        }
    }

    fn step_limit(&self) -> u64 {
        // A host that serves clients meanwhile lets a user kill the script instead.
        if self.ctx.host.is_some() {
            u64::MAX
        } else {
            redsim_lua::STEP_LIMIT
        }
    }
}

fn is_noscript(parent: Option<&CommandSpec>, spec: &CommandSpec) -> bool {
    let top = parent.unwrap_or(spec).name;
    // Of CLUSTER, only RESET; of COMMAND, OBJECT and the like, nothing.
    NOSCRIPT.contains(&top) || full_name(parent, spec) == "cluster|reset"
}

/// A reply as a script sees it, already in the shapes of its protocol (`as_seen_by`): RESP2's,
/// or RESP3's after `redis.setresp(3)`.
fn reply_to_resp(reply: Reply) -> Resp {
    match reply {
        Reply::Status(s) => Resp::Status(s.into_bytes()),
        Reply::Error(e) => Resp::Error(e.into_bytes()),
        Reply::Integer(n) => Resp::Int(n),
        // Above 2^63-1 (array lengths): the same bits as a signed integer, Redsim's choice.
        Reply::Unsigned(n) => Resp::Int(n as i64),
        Reply::Bulk(b) | Reply::Raw(b) | Reply::Verbatim(_, b) => Resp::Bulk(b),
        Reply::Nil | Reply::NilArray => Resp::Nil,
        Reply::Array(items) | Reply::Push(items) | Reply::Many(items) => {
            Resp::Array(items.into_iter().map(reply_to_resp).collect())
        }
        Reply::Set(items) => Resp::Set(items.into_iter().map(reply_to_resp).collect()),
        Reply::Map(pairs) => Resp::Map(pairs.into_iter().map(|(k, v)| (reply_to_resp(k), reply_to_resp(v))).collect()),
        Reply::Double(d) | Reply::ShortDouble(d) => Resp::Double(d),
        Reply::Boolean(b) => Resp::Bool(b),
    }
}

/// A script's result as the caller's reply.
fn resp_to_reply(r: Resp) -> Reply {
    match r {
        Resp::Status(s) => Reply::Status(String::from_utf8_lossy(&s).into_owned()),
        Resp::Error(e) => Reply::Error(String::from_utf8_lossy(&e).into_owned()),
        Resp::Int(n) => Reply::Integer(n),
        Resp::Bulk(b) => Reply::Bulk(b),
        Resp::Nil => Reply::Nil,
        Resp::Array(items) => Reply::Array(items.into_iter().map(resp_to_reply).collect()),
        Resp::Map(pairs) => Reply::Map(pairs.into_iter().map(|(k, v)| (resp_to_reply(k), resp_to_reply(v))).collect()),
        Resp::Set(items) => Reply::Set(items.into_iter().map(resp_to_reply).collect()),
        Resp::Double(d) => Reply::Double(d),
        Resp::Bool(b) => Reply::Boolean(b),
    }
}

/// `<message> script: <name>, on @<chunk>:<line>.`, newlines flattened as Redis does.
fn failure_reply(f: Failure, name: &str, chunk: &str) -> Reply {
    let msg = String::from_utf8_lossy(&f.message).replace(['\r', '\n'], " ");
    match f.line {
        Some(line) => Reply::Error(format!("{msg} script: {name}, on @{chunk}:{line}.")),
        None => Reply::Error(format!("{msg} script: {name}")),
    }
}

/// The flags of a `#!lua flags=...` first line; no shebang means Redis's old rules (may write).
pub(crate) struct ShebangFlags {
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot: bool,
}

/// The flags a script declared, for the checks before EVAL/EVALSHA/FCALL run it (Redis's
/// `evalGetCommandFlags` and `fcallGetCommandFlags`); `None` when it declared none or is unknown.
pub(crate) fn declared_flags(
    server: &crate::server::Server,
    parent: Option<&'static CommandSpec>,
    spec: &'static CommandSpec,
    argv: &[Vec<u8>],
) -> Option<ShebangFlags> {
    if parent.is_some() {
        return None;
    }
    let first = argv.get(1)?;
    match spec.name {
        "eval" | "eval_ro" => shebang_flags(first).ok().flatten(),
        "evalsha" | "evalsha_ro" => {
            let sha = String::from_utf8_lossy(first).to_ascii_lowercase();
            shebang_flags(server.scripts.bodies.get(&sha)?).ok().flatten()
        }
        "fcall" | "fcall_ro" => {
            let flags = server
                .scripts
                .libraries
                .values()
                .find_map(|lib| lib.functions.iter().find(|f| &f.name == first))?
                .flags
                .clone();
            let has = |n: &[u8]| flags.iter().any(|f| f == n);
            Some(ShebangFlags {
                no_writes: has(b"no-writes"),
                allow_oom: has(b"allow-oom"),
                allow_stale: has(b"allow-stale"),
                no_cluster: has(b"no-cluster"),
                allow_cross_slot: has(b"allow-cross-slot-keys"),
            })
        }
        _ => None,
    }
}

fn shebang_flags(body: &[u8]) -> Result<Option<ShebangFlags>> {
    if !body.starts_with(b"#!") {
        return Ok(None);
    }
    let line_end = body.iter().position(|&c| c == b'\n').unwrap_or(body.len());
    let line = String::from_utf8_lossy(&body[..line_end]).into_owned();
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or("");
    if engine != "#!lua" {
        return Err(Error::other(format!("ERR Unexpected engine in script shebang: {engine}")));
    }
    let mut flags = ShebangFlags {
        no_writes: false,
        allow_oom: false,
        allow_stale: false,
        no_cluster: false,
        allow_cross_slot: false,
    };
    for part in parts {
        let Some(list) = part.strip_prefix("flags=") else {
            return Err(Error::other(format!("ERR Unknown lua shebang option: {part}")));
        };
        for flag in list.split(',').filter(|f| !f.is_empty()) {
            match flag {
                "no-writes" => flags.no_writes = true,
                "allow-oom" => flags.allow_oom = true,
                "allow-stale" => flags.allow_stale = true,
                "no-cluster" => flags.no_cluster = true,
                "allow-cross-slot-keys" => flags.allow_cross_slot = true,
                other => return Err(Error::other(format!("ERR Unexpected flag in script shebang: {other}"))),
            }
        }
    }
    Ok(Some(flags))
}

/// A script's keys and its other arguments.
type KeysAndArgs = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// `numkeys key... arg...`, checked as Redis's `evalGetKeys` does.
fn keys_and_args(args: &mut Args) -> Result<KeysAndArgs> {
    let numkeys = args.next_i64()?;
    let rest = args.rest();
    if numkeys > rest.len() as i64 {
        return Err(Error::other("ERR Number of keys can't be greater than number of args"));
    }
    if numkeys < 0 {
        return Err(Error::other("ERR Number of keys can't be negative"));
    }
    let (keys, argv) = rest.split_at(numkeys as usize);
    Ok((keys.to_vec(), argv.to_vec()))
}

fn compile_script(body: &[u8]) -> Result<std::rc::Rc<redsim_lua::Proto>> {
    redsim_lua::compile(body, "user_script")
        .map_err(|msg| Error::other(format!("ERR Error compiling script (new function): {msg}")))
}

/// Runs a script as the calling client: the database it selects inside stays its own.
fn run_script(
    ctx: &mut Ctx,
    script: crate::server::ScriptRun,
    run: impl FnOnce(&mut ScriptHost) -> std::result::Result<Resp, Failure>,
) -> std::result::Result<Resp, Failure> {
    let db = ctx.db_index();
    let started_ms = ctx.host.as_deref_mut().map_or(ctx.now_ms, |y| y.now_ms());
    let eval = ctx.argv.first().is_some_and(|name| name.len() >= 4 && name[..4].eq_ignore_ascii_case(b"eval"));
    let from_master = ctx.server.obeys(ctx.client);
    ctx.server.script_started(ctx.client, eval, started_ms, from_master);
    let result = {
        let mut host = ScriptHost { ctx, run: script };
        run(&mut host)
    };
    ctx.server.script_ended();
    ctx.client_mut().db = db;
    result
}

fn eval_generic(ctx: &mut Ctx, mut args: Args, by_sha: bool, ro_command: bool) -> Result<Reply> {
    let first = args.next()?;
    // Under `SCRIPT DEBUG`: `EVALSHA` is refused, and `EVAL` runs in a debugging session.
    if by_sha && ctx.client().ldb.is_some() {
        if first.len() != 40 {
            return Err(Error::other("NOSCRIPT No matching script. Please use EVAL."));
        }
        return Err(Error::other("ERR Please use EVAL instead of EVALSHA for debugging"));
    }
    let debugging = !by_sha && ctx.server.debugging_eval(ctx.client);
    let (keys, argv) = keys_and_args(&mut args)?;
    let (sha, body) = if by_sha {
        let sha = String::from_utf8_lossy(first).to_ascii_lowercase();
        match ctx.server.scripts.bodies.get(&sha) {
            Some(body) => (sha, body.clone()),
            None => return Err(Error::other("NOSCRIPT No matching script. Please use EVAL.")),
        }
    } else {
        (redsim_lua::sha1::hex(first), first.to_vec())
    };
    let flags = shebang_flags(&body)?;
    let proto = compile_script(&body)?;
    ctx.server.scripts.bodies.entry(sha.clone()).or_insert(body);
    let clustered = ctx.server.cluster.is_some();
    if clustered && flags.as_ref().is_some_and(|f| f.no_cluster) {
        return Err(Error::other("ERR Can not run script on cluster, 'no-cluster' flag is set."));
    }
    let script = crate::server::ScriptRun {
        read_only: ro_command || flags.as_ref().is_some_and(|f| f.no_writes),
        allow_oom: flags.as_ref().is_some_and(|f| f.allow_oom),
        write_dirty: false,
        slot: keys.first().filter(|_| clustered).map(|k| crate::cluster::key_slot(k)),
        // A script without a shebang runs as before Redis 7.0: keys of any slot this node serves.
        cross_slot: flags.as_ref().is_none_or(|f| f.allow_cross_slot),
    };
    let result = if debugging {
        let source = ctx.server.scripts.bodies.get(&sha).cloned().unwrap_or_default();
        run_script(ctx, script, |host| {
            let (result, logs) = redsim_lua::eval_debug(host, proto, &keys, &argv, &source);
            if let Some(io) = host.ctx.server.ldb_io.as_mut() {
                io.final_logs = logs;
            }
            result
        })
    } else {
        run_script(ctx, script, |host| redsim_lua::eval(host, proto, &keys, &argv))
    };
    Ok(match result {
        Ok(resp) => resp_to_reply(resp),
        Err(f) => failure_reply(f, &sha, "user_script"),
    })
}

pub static EVAL: CommandSpec = CommandSpec::new("eval", -3, SCRIPTING, "2.6.0")
    .flags(&[Flag::NoScript, Flag::Stale, Flag::DenyOom, Flag::MovableKeys])
    .doc("script numkeys [key [key ...]] [arg [arg ...]]", "Executes a server-side Lua script.")
    .run(eval);

fn eval(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    eval_generic(ctx, args, false, false)
}

pub static EVALSHA: CommandSpec = CommandSpec::new("evalsha", -3, SCRIPTING, "2.6.0")
    .flags(&[Flag::NoScript, Flag::Stale, Flag::DenyOom, Flag::MovableKeys])
    .doc("sha1 numkeys [key [key ...]] [arg [arg ...]]", "Executes a server-side Lua script by SHA1 digest.")
    .run(evalsha);

fn evalsha(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    eval_generic(ctx, args, true, false)
}

pub static EVAL_RO: CommandSpec = CommandSpec::new("eval_ro", -3, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Stale, Flag::ReadOnly, Flag::MovableKeys])
    .doc("script numkeys [key [key ...]] [arg [arg ...]]", "Executes a read-only server-side Lua script.")
    .run(eval_ro);

fn eval_ro(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    eval_generic(ctx, args, false, true)
}

pub static EVALSHA_RO: CommandSpec = CommandSpec::new("evalsha_ro", -3, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Stale, Flag::ReadOnly, Flag::MovableKeys])
    .doc("sha1 numkeys [key [key ...]] [arg [arg ...]]", "Executes a read-only server-side Lua script by SHA1 digest.")
    .run(evalsha_ro);

fn evalsha_ro(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    eval_generic(ctx, args, true, true)
}

/// `SCRIPT <subcommand>`
pub static SCRIPT: CommandSpec = CommandSpec::new("script", -2, SCRIPTING, "2.6.0")
    .doc("<subcommand> [<arg> ...]", "A container for Lua scripts management commands.")
    .subcommands(&[SCRIPT_DEBUG, SCRIPT_EXISTS, SCRIPT_FLUSH, SCRIPT_HELP, SCRIPT_KILL, SCRIPT_LOAD]);

const SCRIPT_DEBUG: CommandSpec = CommandSpec::new("debug", 3, SCRIPTING, "3.2.0")
    .flags(&[Flag::NoScript])
    .doc("<YES | SYNC | NO>", "Sets the debug mode of server-side Lua scripts.")
    .run(script_debug);

/// `SCRIPT DEBUG YES|SYNC|NO`: whether the client's next `EVAL` opens a Lua debugging session
/// (see [`crate::server::ldb`]). A host that cannot serve one (the scenario world) refuses
/// rather than answer `OK` and then run the script undebugged.
fn script_debug(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let mode = args.next()?;
    let ldb = if mode.eq_ignore_ascii_case(b"no") {
        None
    } else if mode.eq_ignore_ascii_case(b"yes") {
        Some(false)
    } else if mode.eq_ignore_ascii_case(b"sync") {
        Some(true)
    } else {
        return Err(Error::other("ERR Use SCRIPT DEBUG YES/SYNC/NO"));
    };
    if ldb.is_some() && !ctx.server.debugger {
        return Err(Error::other("ERR The Lua debugger (SCRIPT DEBUG YES|SYNC) is not available here"));
    }
    ctx.client_mut().ldb = ldb;
    Ok(Reply::ok())
}

const SCRIPT_EXISTS: CommandSpec = CommandSpec::new("exists", -3, SCRIPTING, "2.6.0")
    .flags(&[Flag::NoScript])
    .doc("sha1 [sha1 ...]", "Determines whether server-side Lua scripts exist in the script cache.")
    .run(script_exists);
const SCRIPT_FLUSH: CommandSpec = CommandSpec::new("flush", -2, SCRIPTING, "2.6.0")
    .flags(&[Flag::NoScript])
    .doc("[ASYNC | SYNC]", "Removes all server-side Lua scripts from the script cache.")
    .run(script_flush);
const SCRIPT_HELP: CommandSpec = CommandSpec::new("help", 2, SCRIPTING, "5.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(script_help);
const SCRIPT_KILL: CommandSpec = CommandSpec::new("kill", 2, SCRIPTING, "2.6.0")
    .flags(&[Flag::NoScript, Flag::AllowBusy])
    .doc("", "Terminates a server-side Lua script during execution.")
    .run(script_kill);
const SCRIPT_LOAD: CommandSpec = CommandSpec::new("load", 3, SCRIPTING, "2.6.0")
    .flags(&[Flag::NoScript, Flag::Stale])
    .doc("script", "Loads a server-side Lua script to the script cache.")
    .run(script_load);

fn script_exists(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let shas = args.rest();
    Ok(Reply::Array(
        shas.iter()
            .map(|sha| {
                let sha = String::from_utf8_lossy(sha).to_ascii_lowercase();
                Reply::Integer(ctx.server.scripts.bodies.contains_key(&sha) as i64)
            })
            .collect(),
    ))
}

/// `ASYNC`/`SYNC` after `SCRIPT FLUSH` or `FUNCTION FLUSH`.
fn flush_mode(ctx: &Ctx, args: &mut Args, container: &str) -> Result<()> {
    match args.remaining() {
        0 => Ok(()),
        1 if args.eat("ASYNC") || args.eat("SYNC") => Ok(()),
        // Redis words the two differently.
        1 if container == "SCRIPT" => Err(Error::other("ERR SCRIPT FLUSH only support SYNC|ASYNC option")),
        1 => Err(Error::other(format!("ERR {container} FLUSH only supports SYNC|ASYNC option"))),
        _ => Err(crate::commands::subcommand_syntax_error(container, &ctx.argv[1])),
    }
}

fn script_flush(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    flush_mode(ctx, &mut args, "SCRIPT")?;
    ctx.server.scripts.bodies.clear();
    // A new Lua state: lua-cjson starts from its defaults again.
    ctx.server.scripts.cjson = Default::default();
    Ok(Reply::ok())
}

/// `SCRIPT KILL`: only while a script runs long enough for the server to serve others (see
/// [`crate::server::ServerHost`]); otherwise there is none to kill.
fn script_kill(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.server.kill_script(true).map_err(Error::other)?;
    Ok(Reply::ok())
}

fn script_load(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let body = args.next()?;
    shebang_flags(body)?;
    compile_script(body)?;
    let sha = redsim_lua::sha1::hex(body);
    ctx.server.scripts.bodies.entry(sha.clone()).or_insert_with(|| body.to_vec());
    Ok(Reply::Bulk(sha.into_bytes()))
}

fn script_help(_: &mut Ctx, _: Args) -> Result<Reply> {
    Ok(help(
        "SCRIPT",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    ))
}

fn help(container: &str, lines: &[&str]) -> Reply {
    crate::commands::stream::help_reply(container, lines)
}

// Functions.

/// `FUNCTION <subcommand>`
pub static FUNCTION: CommandSpec = CommandSpec::new("function", -2, SCRIPTING, "7.0.0")
    .doc("<subcommand> [<arg> ...]", "A container for function commands.")
    .subcommands(&[
        FUNCTION_DELETE,
        FUNCTION_DUMP,
        FUNCTION_FLUSH,
        FUNCTION_HELP,
        FUNCTION_KILL,
        FUNCTION_LIST,
        FUNCTION_LOAD,
        FUNCTION_RESTORE,
        FUNCTION_STATS,
    ]);

const FUNCTION_DELETE: CommandSpec = CommandSpec::new("delete", 3, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Write])
    .doc("library-name", "Deletes a library and its functions.")
    .run(function_delete);
const FUNCTION_DUMP: CommandSpec = CommandSpec::new("dump", 2, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript])
    .doc("", "Dumps all libraries into a serialized binary payload.")
    .run(function_dump);
const FUNCTION_RESTORE: CommandSpec = CommandSpec::new("restore", -3, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Write, Flag::DenyOom])
    .doc("serialized-value [FLUSH | APPEND | REPLACE]", "Restores all libraries from a payload.")
    .run(function_restore);
const FUNCTION_FLUSH: CommandSpec = CommandSpec::new("flush", -2, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Write])
    .doc("[ASYNC | SYNC]", "Deletes all libraries and functions.")
    .run(function_flush);
const FUNCTION_HELP: CommandSpec = CommandSpec::new("help", 2, SCRIPTING, "7.0.0")
    .flags(&[Flag::Loading, Flag::Stale])
    .doc("", "Returns helpful text about the different subcommands.")
    .run(function_help);
const FUNCTION_KILL: CommandSpec = CommandSpec::new("kill", 2, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::AllowBusy])
    .doc("", "Terminates a function during execution.")
    .run(function_kill);
const FUNCTION_LIST: CommandSpec = CommandSpec::new("list", -2, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript])
    .doc("[LIBRARYNAME library-name-pattern] [WITHCODE]", "Returns information about all libraries.")
    .run(function_list);
const FUNCTION_LOAD: CommandSpec = CommandSpec::new("load", -3, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Write])
    .doc("[REPLACE] function-code", "Creates a library.")
    .run(function_load);
const FUNCTION_STATS: CommandSpec = CommandSpec::new("stats", 2, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::AllowBusy])
    .doc("", "Returns information about a function during execution.")
    .run(function_stats);

/// Every library as `FUNCTION RESTORE` reads them: each one's code after the function opcode,
/// then the RDB version and CRC-64.
fn function_dump(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let mut out = Vec::new();
    let compress = ctx.server.config.settings.flag("rdbcompression");
    for library in ctx.server.scripts.libraries.values() {
        out.push(crate::rdb::file::OPCODE_FUNCTION2);
        crate::rdb::save_string(&mut out, &library.code, compress);
    }
    let format = crate::rdb::Format {
        version: ctx.version(),
        compress,
        encodings: ctx.server.config.encodings,
        array_limits: ctx.server.config.array_limits(),
    };
    out.extend_from_slice(&format.rdb_version().to_le_bytes());
    let crc = crate::rdb::crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(Reply::Bulk(out))
}

fn function_restore(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let payload = args.next()?.to_vec();
    let policy = match args.rest() {
        [] => "append".to_string(),
        [p] => String::from_utf8_lossy(p).to_ascii_lowercase(),
        _ => return Err(crate::commands::subcommand_syntax_error("FUNCTION", &ctx.argv[1])),
    };
    if !matches!(policy.as_str(), "append" | "replace" | "flush") {
        return Err(Error::other("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
    }
    let format = crate::rdb::Format {
        version: ctx.version(),
        compress: false,
        encodings: ctx.server.config.encodings,
        array_limits: ctx.server.config.array_limits(),
    };
    crate::rdb::verify_payload(&payload, &format)
        .map_err(|_| Error::other("ERR DUMP payload version or checksum are wrong"))?;
    let body = &payload[..payload.len() - 10];
    let mut reader = crate::rdb::Reader::new(body);
    let mut incoming: std::collections::BTreeMap<Vec<u8>, Library> = std::collections::BTreeMap::new();
    while reader.position() < body.len() {
        let kind = reader.byte().ok_or_else(|| Error::other("ERR can not read data type"))?;
        if kind != crate::rdb::file::OPCODE_FUNCTION2 {
            return Err(Error::other("ERR given type is not a function"));
        }
        let code = reader.string().ok_or_else(|| Error::other("ERR failed loading the given functions payload"))?;
        let (name, library) = compile_library(ctx, &code)?;
        if incoming.contains_key(&name) {
            return Err(Error::other(format!("ERR Library '{}' already exists", String::from_utf8_lossy(&name))));
        }
        incoming.insert(name, library);
    }
    let mut libraries =
        if policy == "flush" { std::collections::BTreeMap::new() } else { ctx.server.scripts.libraries.clone() };
    for name in incoming.keys() {
        if libraries.contains_key(name) {
            if policy != "replace" {
                return Err(Error::other(format!("ERR Library {} already exists", String::from_utf8_lossy(name))));
            }
            libraries.remove(name);
        }
    }
    for library in incoming.values() {
        for f in &library.functions {
            if libraries.values().any(|l| l.functions.iter().any(|g| g.name.eq_ignore_ascii_case(&f.name))) {
                return Err(Error::other(format!("ERR Function {} already exists", String::from_utf8_lossy(&f.name))));
            }
        }
    }
    libraries.extend(incoming);
    ctx.server.scripts.libraries = libraries;
    ctx.dirty += 1;
    Ok(Reply::ok())
}

fn function_delete(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = args.next()?;
    if ctx.server.scripts.libraries.remove(name).is_none() {
        return Err(Error::other("ERR Library not found"));
    }
    ctx.dirty += 1;
    Ok(Reply::ok())
}

fn function_flush(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    flush_mode(ctx, &mut args, "FUNCTION")?;
    ctx.server.scripts.libraries.clear();
    ctx.dirty += 1;
    Ok(Reply::ok())
}

fn function_kill(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    ctx.server.kill_script(false).map_err(Error::other)?;
    Ok(Reply::ok())
}

fn function_help(_: &mut Ctx, _: Args) -> Result<Reply> {
    Ok(help(
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    ))
}

/// Redis's `functionExtractLibMetaData` and the checks after it, in Redis's order: the first
/// line `#!<engine> name=<library>` (split as redis-cli splits a line, so quotes work), a valid
/// name, a known engine.
fn library_name(code: &[u8]) -> Result<Vec<u8>> {
    if !code.starts_with(b"#!") {
        return Err(Error::other("ERR Missing library metadata"));
    }
    let invalid = || Error::other("ERR Invalid library metadata");
    let line_end = code.iter().position(|&c| c == b'\n').ok_or_else(invalid)?;
    let parts = crate::cli::split_args(&code[..line_end]).filter(|p| !p.is_empty()).ok_or_else(invalid)?;
    let engine = &parts[0][2..];
    let mut name: Option<Vec<u8>> = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(Error::other("ERR Invalid metadata value, name argument was given multiple times"));
            }
            name = Some(part[5..].to_vec());
            continue;
        }
        return Err(Error::other(format!("ERR Invalid metadata value given: {}", String::from_utf8_lossy(part))));
    }
    let name = name.ok_or_else(|| Error::other("ERR Library name was not given"))?;
    if name.is_empty() || !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return Err(Error::other(
            "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(Error::other(format!("ERR Engine '{}' not found", String::from_utf8_lossy(engine))));
    }
    Ok(name)
}

/// Compiles a library and runs its registrations, without installing it: its name and what it
/// registered.
fn compile_library(ctx: &mut Ctx, code: &[u8]) -> Result<(Vec<u8>, Library)> {
    let name = library_name(code)?;
    let proto = redsim_lua::compile(code, "user_function")
        .map_err(|msg| Error::other(format!("ERR Error compiling function: {msg}")))?;
    let mut functions = Vec::new();
    let loaded = run_script(ctx, crate::server::ScriptRun::default(), |host| {
        functions = redsim_lua::load_library(host, proto)?;
        Ok(Resp::Nil)
    });
    if let Err(f) = loaded {
        let msg = String::from_utf8_lossy(&f.message).into_owned();
        return Err(Error::other(format!("ERR Error registering functions: {msg}")));
    }
    if functions.is_empty() {
        return Err(Error::other("ERR No functions registered"));
    }
    Ok((name, Library { code: code.to_vec(), functions }))
}

fn function_load(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let mut replace = false;
    while args.remaining() > 1 {
        if args.eat("REPLACE") {
            replace = true;
        } else {
            return Err(Error::other(format!(
                "ERR Unknown option given: {}",
                String::from_utf8_lossy(args.peek().unwrap_or_default())
            )));
        }
    }
    let code = args.next()?;
    // A library that exists is refused before its code runs.
    let name = library_name(code)?;
    if !replace && ctx.server.scripts.libraries.contains_key(&name) {
        return Err(Error::other(format!("ERR Library '{}' already exists", String::from_utf8_lossy(&name))));
    }
    let (name, library) = compile_library(ctx, code)?;
    for f in &library.functions {
        let clash = ctx
            .server
            .scripts
            .libraries
            .iter()
            .any(|(lib, l)| *lib != name && l.functions.iter().any(|g| g.name.eq_ignore_ascii_case(&f.name)));
        if clash {
            return Err(Error::other(format!("ERR Function {} already exists", String::from_utf8_lossy(&f.name))));
        }
    }
    ctx.server.scripts.libraries.insert(name.clone(), library);
    ctx.dirty += 1;
    Ok(Reply::Bulk(name))
}

fn function_list(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let mut with_code = false;
    let mut pattern: Option<Vec<u8>> = None;
    while !args.is_empty() {
        // A word given twice is an unknown argument the second time (Redis checks each only
        // until it has it).
        if !with_code && args.eat("WITHCODE") {
            with_code = true;
        } else if pattern.is_none() && args.eat("LIBRARYNAME") {
            pattern = Some(args.next().map_err(|_| Error::other("ERR library name argument was not given"))?.to_vec());
        } else {
            return Err(Error::other(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(args.peek().unwrap_or_default())
            )));
        }
    }
    let mut out = Vec::new();
    for (name, lib) in &ctx.server.scripts.libraries {
        if let Some(p) = &pattern {
            if !glob::matches(p, name, false) {
                continue;
            }
        }
        let functions = lib
            .functions
            .iter()
            .map(|f| {
                Reply::Map(vec![
                    (Reply::bulk("name"), Reply::Bulk(f.name.clone())),
                    (Reply::bulk("description"), f.description.clone().map_or(Reply::Nil, Reply::Bulk)),
                    (
                        Reply::bulk("flags"),
                        Reply::Set(
                            f.flags.iter().map(|fl| Reply::Status(String::from_utf8_lossy(fl).into_owned())).collect(),
                        ),
                    ),
                ])
            })
            .collect();
        let mut fields = vec![
            (Reply::bulk("library_name"), Reply::Bulk(name.clone())),
            (Reply::bulk("engine"), Reply::bulk("LUA")),
            (Reply::bulk("functions"), Reply::Array(functions)),
        ];
        if with_code {
            fields.push((Reply::bulk("library_code"), Reply::Bulk(lib.code.clone())));
        }
        out.push(Reply::Map(fields));
    }
    Ok(Reply::Array(out))
}

fn function_stats(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    // While a script (not a function) is busy, Redis 7.0 answers as to any other command.
    if ctx.server.busy_error() == Some(crate::server::BUSY_EVAL) {
        return Err(Error::other(crate::server::BUSY_EVAL));
    }
    let libs = &ctx.server.scripts.libraries;
    let functions: usize = libs.values().map(|l| l.functions.len()).sum();
    let running = match ctx.server.running_script() {
        Some((name, argv, duration)) => Reply::Map(vec![
            (Reply::bulk("name"), Reply::bulk(name)),
            (Reply::bulk("command"), Reply::Array(argv.iter().map(|a| Reply::Bulk(a.clone())).collect())),
            (Reply::bulk("duration_ms"), Reply::Integer(duration as i64)),
        ]),
        None => Reply::Nil,
    };
    Ok(Reply::Map(vec![
        (Reply::bulk("running_script"), running),
        (
            Reply::bulk("engines"),
            Reply::Map(vec![(
                Reply::bulk("LUA"),
                Reply::Map(vec![
                    (Reply::bulk("libraries_count"), Reply::Integer(libs.len() as i64)),
                    (Reply::bulk("functions_count"), Reply::Integer(functions as i64)),
                ]),
            )]),
        ),
    ]))
}

fn fcall_generic(ctx: &mut Ctx, mut args: Args, ro_command: bool) -> Result<Reply> {
    let name = args.next()?.to_vec();
    // Function names ignore case, as Redis's functions dictionary does.
    let found = ctx.server.scripts.libraries.values().find_map(|lib| {
        lib.functions
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(&name))
            .map(|f| (lib.code.clone(), f.name.clone(), f.flags.clone()))
    });
    let Some((code, name, flags)) = found else { return Err(Error::other("ERR Function not found")) };
    if args.peek().and_then(crate::args::parse_i64).is_none() {
        return Err(Error::other("ERR Bad number of keys provided"));
    }
    let (keys, argv) = keys_and_args(&mut args)?;
    let no_writes = flags.iter().any(|f| f == b"no-writes");
    if ro_command && !no_writes {
        return Err(Error::other("ERR Can not execute a script with write flag using *_ro command."));
    }
    // A loaded library compiled when it was loaded.
    let proto = redsim_lua::compile(&code, "user_function")
        .map_err(|e| Error::other(format!("ERR Error compiling function: {e}")))?;
    let clustered = ctx.server.cluster.is_some();
    if clustered && flags.iter().any(|f| f == b"no-cluster") {
        return Err(Error::other("ERR Can not run script on cluster, 'no-cluster' flag is set."));
    }
    let script = crate::server::ScriptRun {
        read_only: no_writes,
        allow_oom: flags.iter().any(|f| f == b"allow-oom"),
        write_dirty: false,
        slot: keys.first().filter(|_| clustered).map(|k| crate::cluster::key_slot(k)),
        cross_slot: flags.iter().any(|f| f == b"allow-cross-slot-keys"),
    };
    let result = run_script(ctx, script, |host| redsim_lua::fcall(host, proto, &name, &keys, &argv));
    Ok(match result {
        Ok(resp) => resp_to_reply(resp),
        Err(f) => failure_reply(f, &String::from_utf8_lossy(&name), "user_function"),
    })
}

pub static FCALL: CommandSpec = CommandSpec::new("fcall", -3, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Stale, Flag::DenyOom, Flag::MovableKeys])
    .doc("function numkeys [key [key ...]] [arg [arg ...]]", "Invokes a function.")
    .run(fcall);

fn fcall(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    fcall_generic(ctx, args, false)
}

pub static FCALL_RO: CommandSpec = CommandSpec::new("fcall_ro", -3, SCRIPTING, "7.0.0")
    .flags(&[Flag::NoScript, Flag::Stale, Flag::ReadOnly, Flag::MovableKeys])
    .doc("function numkeys [key [key ...]] [arg [arg ...]]", "Invokes a read-only function.")
    .run(fcall_ro);

fn fcall_ro(ctx: &mut Ctx, args: Args) -> Result<Reply> {
    fcall_generic(ctx, args, true)
}
