//! `MONITOR` and `RESET`, and what monitors are shown (Redis's `replicationFeedMonitors`).

use super::*;
use crate::server::{ClientId, Server};

/// `MONITOR`: from now on, this connection is shown every command the others run.
pub static MONITOR: CommandSpec = CommandSpec::new("monitor", 1, SERVER, "1.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Admin, Category::Dangerous])
    .doc("", "Listens for all requests received by the server in real-time.")
    .run(monitor);

fn monitor(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    // A client that expects one reply per command (inside MULTI) cannot become a monitor.
    if ctx.deny_blocking {
        return Err(Error::other("ERR MONITOR isn't allowed for DENY BLOCKING client"));
    }
    let id = ctx.client;
    let c = ctx.client_mut();
    // Already a monitor or a replica: nothing happens, not even a reply.
    if c.monitor || c.replica.is_some() {
        ctx.server.silent = true;
        return Ok(Reply::ok());
    }
    c.monitor = true;
    ctx.server.monitors.push(id);
    Ok(Reply::ok())
}

/// `RESET`: the connection as it was when it was opened.
pub static RESET: CommandSpec = CommandSpec::new("reset", 1, "connection", "6.2.0")
    .flags(&[
        Flag::NoScript,
        Flag::Loading,
        Flag::Stale,
        Flag::Fast,
        Flag::NoAuth,
        Flag::AllowBusy,
        Flag::WhileSubscribed,
        Flag::ActsInMulti,
    ])
    .acl(&[Category::Connection])
    .doc("", "Resets the connection.")
    .run(reset);

fn reset(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    if ctx.client().replica.is_some() {
        return Err(Error::other("ERR can only reset normal client connections"));
    }
    let id = ctx.client;
    ctx.server.reset_client(id);
    Ok(Reply::status("RESET"))
}

impl Server {
    /// Redis's `clearClientConnectionState`.
    pub(crate) fn reset_client(&mut self, id: ClientId) {
        self.monitors.retain(|&m| m != id);
        self.tracking_disable(id);
        self.unwatch_all(id);
        for map in [&mut self.pubsub_channels, &mut self.pubsub_patterns, &mut self.pubsub_shard_channels] {
            map.values_mut().for_each(|list| list.retain(|&c| c != id));
            map.retain(|_, list| !list.is_empty());
        }
        let authenticated = !self.auth_required_by_default();
        let Some(c) = self.clients.get_mut(&id) else { return };
        c.monitor = false;
        c.db = 0;
        c.protocol = crate::reply::Protocol::Resp2;
        c.user = b"default".to_vec();
        c.authenticated = authenticated;
        c.clear_transaction();
        c.channels.clear();
        c.patterns.clear();
        c.shard_channels.clear();
        c.name = None;
        c.fieldsets.clear();
        c.reply_mode = crate::server::ReplyMode::On;
    }

    /// Shows a command to the monitors, as `+<seconds>.<micros> [<db> <addr>] "arg" ...`; a
    /// command a script ran shows `lua` for the address. Secrets are shown as `(redacted)`.
    pub(crate) fn feed_monitors(
        &mut self,
        now_ms: u64,
        client: ClientId,
        argv: &[Vec<u8>],
        out: &mut crate::server::Outcome,
    ) {
        if self.monitors.is_empty() {
            return;
        }
        let db = self.clients.get(&client).map_or(0, |c| c.db);
        let who =
            if self.in_script { "lua".to_string() } else { crate::commands::connection::client_addr(self, client) };
        let mut line = format!("{}.{:06} [{db} {who}]", now_ms / 1000, (now_ms % 1000) * 1000);
        let redacted = redacted_args(argv);
        for (i, arg) in argv.iter().enumerate() {
            line.push(' ');
            if redacted.contains(&i) {
                line.push_str("\"(redacted)\"");
            } else {
                crate::cli::quote_into(arg, &mut line);
            }
        }
        for &m in &self.monitors {
            out.woken.push((m, Reply::Status(line.clone())));
        }
    }
}

/// The arguments Redis hides from monitors and the slow log: passwords (Redis's
/// `redactClientCommandArgument` callers).
pub(crate) fn redacted_args(argv: &[Vec<u8>]) -> Vec<usize> {
    let is = |i: usize, word: &[u8]| argv.get(i).is_some_and(|a| a.eq_ignore_ascii_case(word));
    let mut hidden = Vec::new();
    if is(0, b"auth") {
        hidden.extend(1..argv.len());
    } else if is(0, b"hello") {
        let mut i = 2;
        while i < argv.len() {
            if is(i, b"auth") && i + 2 < argv.len() {
                hidden.extend([i + 1, i + 2]);
                i += 3;
            } else {
                i += if is(i, b"setname") { 2 } else { 1 };
            }
        }
    } else if is(0, b"migrate") {
        let mut i = 6;
        while i < argv.len() {
            if is(i, b"auth") {
                hidden.push(i + 1);
                i += 2;
            } else if is(i, b"auth2") {
                hidden.extend([i + 1, i + 2]);
                i += 3;
            } else if is(i, b"keys") {
                break;
            } else {
                i += 1;
            }
        }
    } else if is(0, b"config") && is(1, b"set") {
        let mut i = 2;
        while i + 1 < argv.len() {
            let name = String::from_utf8_lossy(&argv[i]).to_ascii_lowercase();
            if matches!(name.as_str(), "requirepass" | "masterauth" | "masteruser") {
                hidden.push(i + 1);
            }
            i += 2;
        }
    }
    hidden.retain(|&i| i < argv.len());
    hidden
}
