//! The command table: one row per command as data, read by the dispatcher (arity, subcommands),
//! by `COMMAND`, and by the console's hints and Tab completion.

use crate::args::Args;
use crate::error::Result;
use crate::reply::Reply;
use crate::server::Ctx;

/// Runs a command whose name and arity have been checked. `Args` starts after the command name
/// (after the subcommand name for a subcommand).
pub type Handler = fn(&mut Ctx<'_>, Args<'_>) -> Result<Reply>;

/// Properties the dispatcher and `COMMAND INFO` need, as in Redis's command JSON files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Write,
    ReadOnly,
    Fast,
    Admin,
    NoScript,
    Blocking,
    Loading,
    Stale,
    /// May run while the client is inside `MULTI` without being queued.
    NoMulti,
    AllowBusy,
}

impl Flag {
    pub fn name(self) -> &'static str {
        match self {
            Flag::Write => "write",
            Flag::ReadOnly => "readonly",
            Flag::Fast => "fast",
            Flag::Admin => "admin",
            Flag::NoScript => "noscript",
            Flag::Blocking => "blocking",
            Flag::Loading => "loading",
            Flag::Stale => "stale",
            Flag::NoMulti => "no_multi",
            Flag::AllowBusy => "allow_busy",
        }
    }
}

pub struct CommandSpec {
    /// Lower case, as Redis names it.
    pub name: &'static str,
    /// Redis's convention: `n` means exactly n arguments including the name, `-n` at least n.
    pub arity: i32,
    pub flags: &'static [Flag],
    /// Key positions: first, last (negative counts from the end), step. All 0 when no keys.
    pub keys: (i32, i32, i32),
    /// Redis's command group (`string`, `stream`, `connection`, ...).
    pub group: &'static str,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    pub summary: &'static str,
    /// The arguments after the name, as redis.io writes them.
    pub syntax: &'static str,
    /// `None` for a container whose work is done by its subcommands.
    pub run: Option<Handler>,
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// A command without subcommands and without keys (most subcommands of a container).
    #[allow(clippy::too_many_arguments)]
    pub const fn leaf(
        name: &'static str,
        arity: i32,
        flags: &'static [Flag],
        group: &'static str,
        since: &'static str,
        syntax: &'static str,
        summary: &'static str,
        run: Handler,
    ) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags,
            keys: (0, 0, 0),
            group,
            since,
            summary,
            syntax,
            run: Some(run),
            subcommands: &[],
        }
    }

    pub fn has(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }

    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// Whether the emulated Redis has this command (`since` is `major.minor.patch`).
    pub fn available_in(&self, version: crate::Version) -> bool {
        if version == crate::Version::LATEST {
            return true;
        }
        let mut parts = self.since.split('.').map(|p| p.parse::<u8>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        version.at_least(major, minor)
    }

    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands.iter().find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// Every top-level command the engine knows, in one list.
pub fn table() -> &'static [&'static CommandSpec] {
    crate::commands::TABLE
}

/// Finds a top-level command by name, ignoring case.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    // Clients mostly send the few commands they sent last (a producer's XADDs, a consumer's
    // XREADGROUP and XACK): the last four found are tried first.
    thread_local! {
        static RECENT: std::cell::Cell<[Option<&'static CommandSpec>; 4]> = const { std::cell::Cell::new([None; 4]) };
    }
    let recent = RECENT.get();
    if let Some(hit) = recent.iter().flatten().find(|c| c.name.as_bytes().eq_ignore_ascii_case(name)) {
        return Some(hit);
    }
    let found = search(name);
    if found.is_some() {
        RECENT.set([found, recent[0], recent[1], recent[2]]);
    }
    found
}

fn search(name: &[u8]) -> Option<&'static CommandSpec> {
    // Every command line goes through here: a binary search over the names, sorted once, that
    // compares the first eight bytes as one integer and the rest only when those are equal.
    fn prefix(name: &[u8]) -> u64 {
        let mut head = [0u8; 8];
        let n = name.len().min(8);
        head[..n].copy_from_slice(&name[..n]);
        u64::from_be_bytes(head)
    }
    static BY_NAME: std::sync::OnceLock<Vec<(u64, &'static CommandSpec)>> = std::sync::OnceLock::new();
    let sorted = BY_NAME.get_or_init(|| {
        let mut all: Vec<_> = table().iter().map(|c| (prefix(c.name.as_bytes()), *c)).collect();
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(b.1.name)));
        all
    });
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let lower = &*lower;
    let key = prefix(lower);
    sorted.binary_search_by(|(p, c)| p.cmp(&key).then_with(|| c.name.as_bytes().cmp(lower))).ok().map(|i| sorted[i].1)
}

/// The full name Redis uses in errors: `get`, or `xgroup|create` for a subcommand.
pub fn full_name(parent: Option<&CommandSpec>, cmd: &CommandSpec) -> String {
    match parent {
        Some(p) => format!("{}|{}", p.name, cmd.name),
        None => cmd.name.to_string(),
    }
}

/// Declares a command without subcommands as one table row:
/// `command!(NAME, "name", arity, [Flags], (first, last, step), group, "since", "syntax", "summary", handler);`
macro_rules! command {
    ($static:ident, $name:literal, $arity:expr, [$($flag:ident),*], $keys:expr, $group:expr, $since:literal,
     $syntax:literal, $summary:literal, $run:expr) => {
        pub static $static: $crate::command::CommandSpec = $crate::command::CommandSpec {
            name: $name,
            arity: $arity,
            flags: &[$($crate::command::Flag::$flag),*],
            keys: $keys,
            group: $group,
            since: $since,
            summary: $summary,
            syntax: $syntax,
            run: Some($run),
            subcommands: &[],
        };
    };
}
pub(crate) use command;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_every_command_in_any_case_and_nothing_else() {
        for spec in table() {
            let found = lookup(spec.name.to_ascii_uppercase().as_bytes()).map(|c| c.name);
            assert_eq!(found, Some(spec.name));
            assert_eq!(lookup(spec.name.as_bytes()).map(|c| c.name), Some(spec.name));
        }
        for missing in [&b""[..], b"xad", b"xaddd", b"\xff", b"zzzz", b"a"] {
            assert!(lookup(missing).is_none());
        }
    }
}
