//! The command table: one row per command as data, read by the dispatcher (arity, subcommands),
//! by `COMMAND`, and by the console's hints and Tab completion.

use crate::args::Args;
use crate::error::Result;
use crate::reply::Reply;
use crate::server::Ctx;

/// Runs a command whose name and arity have been checked. `Args` starts after the command name
/// (after the subcommand name for a subcommand).
pub type Handler = fn(&mut Ctx<'_>, Args<'_>) -> Result<Reply>;

/// What a command is, as Redis's command JSON files say it: the dispatcher, `COMMAND INFO` and the
/// ACL categories read these, and nothing else decides them by a command's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Write,
    ReadOnly,
    /// May add data: refused when memory is over `maxmemory` (Redis's `denyoom`).
    DenyOom,
    Admin,
    PubSub,
    NoScript,
    Blocking,
    Loading,
    Stale,
    Fast,
    SkipMonitor,
    SkipSlowlog,
    /// Runs before the client has authenticated (`AUTH`, `HELLO`).
    NoAuth,
    NoMandatoryKeys,
    NoAsyncLoading,
    NoMulti,
    /// Its keys are not all at the positions `keys` gives (Redis derives this from its key specs).
    MovableKeys,
    AllowBusy,
    /// Redsim's own, not printed: a RESP2 client in subscribed mode may run it (Redis's
    /// `processCommand` lists these commands by their functions).
    WhileSubscribed,
    /// Redsim's own, not printed: inside `MULTI` it acts at once instead of being queued
    /// (Redis's `processCommand` lists these by their functions too).
    ActsInMulti,
}

impl Flag {
    /// Every flag: Redis's in the order `COMMAND INFO` prints them, then Redsim's own.
    pub const ALL: [Flag; 20] = [
        Flag::Write,
        Flag::ReadOnly,
        Flag::DenyOom,
        Flag::Admin,
        Flag::PubSub,
        Flag::NoScript,
        Flag::Blocking,
        Flag::Loading,
        Flag::Stale,
        Flag::SkipMonitor,
        Flag::SkipSlowlog,
        Flag::Fast,
        Flag::NoAuth,
        Flag::NoMandatoryKeys,
        Flag::NoAsyncLoading,
        Flag::NoMulti,
        Flag::MovableKeys,
        Flag::AllowBusy,
        Flag::WhileSubscribed,
        Flag::ActsInMulti,
    ];

    /// Redis's flags in the order `COMMAND INFO` prints them.
    pub const PRINTED: &'static [Flag] = Flag::ALL.split_at(18).0;

    /// The flag's bit in a set of flags.
    pub const fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The name `COMMAND INFO` prints; `None` for Redsim's own.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Flag::Write => "write",
            Flag::ReadOnly => "readonly",
            Flag::DenyOom => "denyoom",
            Flag::Admin => "admin",
            Flag::PubSub => "pubsub",
            Flag::NoScript => "noscript",
            Flag::Blocking => "blocking",
            Flag::Loading => "loading",
            Flag::Stale => "stale",
            Flag::Fast => "fast",
            Flag::SkipMonitor => "skip_monitor",
            Flag::SkipSlowlog => "skip_slowlog",
            Flag::NoAuth => "no_auth",
            Flag::NoMandatoryKeys => "no_mandatory_keys",
            Flag::NoAsyncLoading => "no_async_loading",
            Flag::NoMulti => "no_multi",
            Flag::MovableKeys => "movablekeys",
            Flag::AllowBusy => "allow_busy",
            Flag::WhileSubscribed | Flag::ActsInMulti => return None,
        })
    }
}

/// Redis's ACL categories, in its order (`ACL CAT`, and the order `ACL LIST` tries them in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Keyspace,
    Read,
    Write,
    Set,
    SortedSet,
    List,
    Hash,
    String,
    Bitmap,
    HyperLogLog,
    Geo,
    Stream,
    PubSub,
    Admin,
    Fast,
    Slow,
    Blocking,
    Dangerous,
    Connection,
    Transaction,
    Scripting,
    /// Redis 8.8's arrays.
    Array,
}

impl Category {
    pub const ALL: [Category; 22] = [
        Category::Keyspace,
        Category::Read,
        Category::Write,
        Category::Set,
        Category::SortedSet,
        Category::List,
        Category::Hash,
        Category::String,
        Category::Bitmap,
        Category::HyperLogLog,
        Category::Geo,
        Category::Stream,
        Category::PubSub,
        Category::Admin,
        Category::Fast,
        Category::Slow,
        Category::Blocking,
        Category::Dangerous,
        Category::Connection,
        Category::Transaction,
        Category::Scripting,
        Category::Array,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Category::Keyspace => "keyspace",
            Category::Read => "read",
            Category::Write => "write",
            Category::Set => "set",
            Category::SortedSet => "sortedset",
            Category::List => "list",
            Category::Hash => "hash",
            Category::String => "string",
            Category::Bitmap => "bitmap",
            Category::HyperLogLog => "hyperloglog",
            Category::Geo => "geo",
            Category::Stream => "stream",
            Category::PubSub => "pubsub",
            Category::Admin => "admin",
            Category::Fast => "fast",
            Category::Slow => "slow",
            Category::Blocking => "blocking",
            Category::Dangerous => "dangerous",
            Category::Connection => "connection",
            Category::Transaction => "transaction",
            Category::Scripting => "scripting",
            Category::Array => "array",
        }
    }

    /// The category's bit in a set of categories (its place in `ALL`).
    pub fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// One command or subcommand: its table row. `CommandSpec::new` and the builder methods below
/// are the one way to declare a command:
///
/// ```ignore
/// pub static XLEN: CommandSpec = CommandSpec::new("xlen", 2, STREAM, "5.0.0")
///     .flags(&[Flag::ReadOnly, Flag::Fast])
///     .keys(1, 1, 1)
///     .doc("key", "Return the number of messages in a stream.")
///     .run(xlen);
/// ```
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
    /// `since`'s major and minor numbers, read once when the row is made.
    since_version: (u8, u8),
    pub summary: &'static str,
    /// The arguments after the name, as redis.io writes them.
    pub syntax: &'static str,
    /// `None` for a container whose work is done by its subcommands.
    pub run: Option<Handler>,
    pub subcommands: &'static [CommandSpec],
    /// ACL categories beyond those its group and flags give it (Redis's `acl_categories`:
    /// `@keyspace`, `@dangerous`, `@connection`, ...).
    pub acl: &'static [Category],
    /// A blocking command that waits for a key of this type: a write that leaves the key of
    /// another type does not serve it (list and sorted-set pops). `None`: any write to the key
    /// runs it again (stream reads).
    pub waits_for: Option<&'static str>,
}

/// The major and minor numbers of a version written `major.minor[.patch]` (0 where one is
/// missing), in a constant context.
const fn major_minor(text: &str) -> (u8, u8) {
    let bytes = text.as_bytes();
    let mut parts = [0u8; 2];
    let (mut i, mut part) = (0, 0);
    while i < bytes.len() && part < 2 {
        let b = bytes[i];
        if b == b'.' {
            part += 1;
        } else if b.is_ascii_digit() {
            parts[part] = parts[part].saturating_mul(10).saturating_add(b - b'0');
        }
        i += 1;
    }
    (parts[0], parts[1])
}

/// A row is one static: two rows are the same command when they are the same row.
impl PartialEq for CommandSpec {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for CommandSpec {}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommandSpec({})", self.name)
    }
}

impl CommandSpec {
    /// A row with its name, arity, group and the version that introduced it; the rest comes from
    /// the builder methods.
    pub const fn new(name: &'static str, arity: i32, group: &'static str, since: &'static str) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags: &[],
            keys: (0, 0, 0),
            group,
            since,
            since_version: major_minor(since),
            summary: "",
            syntax: "",
            run: None,
            subcommands: &[],
            acl: &[],
            waits_for: None,
        }
    }

    pub const fn flags(mut self, flags: &'static [Flag]) -> CommandSpec {
        self.flags = flags;
        self
    }

    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> CommandSpec {
        self.keys = (first, last, step);
        self
    }

    /// Its arguments after the name, as redis.io writes them, and its one-line summary.
    pub const fn doc(mut self, syntax: &'static str, summary: &'static str) -> CommandSpec {
        self.syntax = syntax;
        self.summary = summary;
        self
    }

    pub const fn run(mut self, run: Handler) -> CommandSpec {
        self.run = Some(run);
        self
    }

    pub const fn subcommands(mut self, subcommands: &'static [CommandSpec]) -> CommandSpec {
        self.subcommands = subcommands;
        self
    }

    pub const fn acl(mut self, categories: &'static [Category]) -> CommandSpec {
        self.acl = categories;
        self
    }

    pub const fn waits_for(mut self, type_name: &'static str) -> CommandSpec {
        self.waits_for = Some(type_name);
        self
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
        version == crate::Version::LATEST || version.at_least(self.since_version.0, self.since_version.1)
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
