//! Users and what they may run (Redis's ACL): command categories, users with passwords, and the
//! permissions of their selectors (commands, key patterns, channel patterns), with `ACL LIST`'s
//! description of them.
//!
//! A selector keeps one bit per command and subcommand, as Redis does, plus a bit for "future
//! commands" that only `+@all` sets; `ACL LIST` describes the bits again by Redis's best-fit walk
//! over the categories, then the single commands that still differ.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::command::{self, Category, CommandSpec, Flag};
use crate::Version;

/// Redis's categories' names, in its order (`ACL CAT`, and the order `ACL LIST` tries them in).
pub const CATEGORIES: [&str; 22] = {
    let mut names = [""; 22];
    let mut i = 0;
    while i < Category::ALL.len() {
        names[i] = Category::ALL[i].name();
        i += 1;
    }
    names
};

/// One command or subcommand, with its ACL bit (its index in `registry()`).
pub struct Entry {
    pub fullname: String,
    pub spec: &'static CommandSpec,
    pub parent: Option<&'static CommandSpec>,
    pub categories: u32,
    /// The bits of a container's subcommands.
    pub subs: Vec<usize>,
}

impl Entry {
    pub fn available_in(&self, version: Version) -> bool {
        self.spec.available_in(version) && self.parent.is_none_or(|p| p.available_in(version))
    }
}

fn categories_of(spec: &CommandSpec, parent: Option<&CommandSpec>) -> u32 {
    let group = parent.map_or(spec.group, |p| p.group);
    let mut c = 0;
    let by_group = match group {
        "string" => Some(Category::String),
        "list" => Some(Category::List),
        "hash" => Some(Category::Hash),
        "set" => Some(Category::Set),
        "sorted-set" => Some(Category::SortedSet),
        "stream" => Some(Category::Stream),
        "hyperloglog" => Some(Category::HyperLogLog),
        "geo" => Some(Category::Geo),
        "bitmap" => Some(Category::Bitmap),
        "pubsub" => Some(Category::PubSub),
        "scripting" => Some(Category::Scripting),
        "transactions" => Some(Category::Transaction),
        "array" => Some(Category::Array),
        _ => None,
    };
    // Containers and help subcommands carry no data-type category.
    let help = spec.name == "help" && parent.is_some();
    if let Some(category) = by_group.filter(|_| spec.run.is_some() && !(help && group == "pubsub")) {
        c |= category.bit();
    }
    for category in spec.acl {
        c |= category.bit();
    }
    // Redis's setImplicitACLCategories.
    if spec.has(Flag::Write) {
        c |= Category::Write.bit();
    }
    if spec.has(Flag::ReadOnly) && c & Category::Scripting.bit() == 0 && !help {
        c |= Category::Read.bit();
    }
    if spec.has(Flag::Admin) {
        c |= Category::Admin.bit() | Category::Dangerous.bit();
    }
    if spec.has(Flag::Fast) {
        c |= Category::Fast.bit();
    }
    if spec.has(Flag::Blocking) {
        c |= Category::Blocking.bit();
    }
    if c & Category::Fast.bit() == 0 {
        c |= Category::Slow.bit();
    }
    c
}

/// Every command and subcommand, each with its bit.
pub fn registry() -> &'static [Entry] {
    static REGISTRY: OnceLock<Vec<Entry>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut out = Vec::new();
        for &spec in command::table() {
            let at = out.len();
            out.push(Entry {
                fullname: spec.name.to_string(),
                spec,
                parent: None,
                categories: categories_of(spec, None),
                subs: Vec::new(),
            });
            for sub in spec.subcommands {
                let fullname = format!("{}|{}", spec.name, sub.name);
                let categories = categories_of(sub, Some(spec));
                let id = out.len();
                out[at].subs.push(id);
                out.push(Entry { fullname, spec: sub, parent: Some(spec), categories, subs: Vec::new() });
            }
        }
        out
    })
}

/// The bit of a command (`get`) or subcommand (`config|get`), ignoring case.
pub fn find(name: &[u8], version: Version) -> Option<usize> {
    registry().iter().position(|e| e.fullname.as_bytes().eq_ignore_ascii_case(name) && e.available_in(version))
}

/// The bit of a command as it was resolved.
pub fn id_of(parent: Option<&CommandSpec>, spec: &CommandSpec) -> Option<usize> {
    // Every command passes the ACL check: a binary search by the spec's address (and the
    // parent's, for a subcommand: a subcommand's spec may be a copy of a constant), sorted once,
    // instead of a scan of the registry. Addresses compare without touching the names.
    type Key = (usize, usize);
    static BY_SPEC: OnceLock<Vec<(Key, usize)>> = OnceLock::new();
    let sorted = BY_SPEC.get_or_init(|| {
        let mut all: Vec<(Key, usize)> = registry()
            .iter()
            .enumerate()
            .map(|(i, e)| {
                ((e.spec as *const CommandSpec as usize, e.parent.map_or(0, |p| p as *const CommandSpec as usize)), i)
            })
            .collect();
        all.sort_unstable();
        all
    });
    let key: Key = (spec as *const CommandSpec as usize, parent.map_or(0, |p| p as *const CommandSpec as usize));
    // A client mostly sends the same command again: the last answer is tried first.
    thread_local! {
        static LAST: std::cell::Cell<Option<(Key, usize)>> = const { std::cell::Cell::new(None) };
    }
    if let Some((_, i)) = LAST.with(|l| l.get()).filter(|(k, _)| *k == key) {
        return Some(i);
    }
    // The first entry with this key is the one the registry lists first.
    let at = sorted.partition_point(|(k, _)| *k < key);
    let found = sorted.get(at).filter(|(k, _)| *k == key).map(|&(_, i)| i);
    if let Some(i) = found {
        LAST.with(|l| l.set(Some((key, i))));
    }
    found
}

/// `ACL CAT <category>`: the commands in it, in table order.
pub fn commands_in(category: &str, version: Version) -> Option<Vec<&'static str>> {
    let flag = category_flag(category, version)?;
    Some(
        registry()
            .iter()
            .filter(|e| e.categories & flag != 0 && e.available_in(version))
            .map(|e| e.fullname.as_str())
            .collect(),
    )
}

/// The categories a version has (`array` came with Redis 8.8).
pub fn categories(version: Version) -> &'static [&'static str] {
    if version.at_least(8, 8) {
        &CATEGORIES
    } else {
        &CATEGORIES[..21]
    }
}

pub fn category_flag(name: &str, version: Version) -> Option<u32> {
    categories(version).iter().position(|c| c.eq_ignore_ascii_case(name)).map(|i| 1 << i)
}

/// Read and write access a key pattern grants (`~` both, `%R~` read, `%W~` write).
pub const READ: u8 = 1;
pub const WRITE: u8 = 2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: Vec<u8>,
    pub access: u8,
}

/// What a user may do: Redis's `aclSelector`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// One bit per registry entry.
    allowed: Vec<bool>,
    /// Set by `+@all` only: commands added later would be allowed too.
    future: bool,
    /// `+cmd|first-arg` of otherwise denied commands.
    firstargs: BTreeMap<usize, Vec<Vec<u8>>>,
    pub allkeys: bool,
    pub keys: Vec<KeyPattern>,
    pub allchannels: bool,
    pub channels: Vec<Vec<u8>>,
}

/// Why a command was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    Command,
    /// The argument index of the key.
    Key(usize),
    /// The argument index of the channel.
    Channel(usize),
}

impl Denied {
    fn rank(&self) -> (u8, usize) {
        match self {
            Denied::Command => (0, 0),
            Denied::Key(i) => (1, *i),
            Denied::Channel(i) => (2, *i),
        }
    }
}

/// Why an ACL rule was refused (`ACLSetUserStringError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    Syntax,
    Unknown,
    KeyAfterAll,
    ChannelAfterAll,
    NoSuchPassword,
    BadHash,
    FirstArgOfSubcommand,
}

impl RuleError {
    pub fn text(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::Unknown => "Unknown command or category name in ACL",
            RuleError::KeyAfterAll => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            RuleError::ChannelAfterAll => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
            }
            RuleError::NoSuchPassword => "The password you are trying to remove from the user does not exist",
            RuleError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            RuleError::FirstArgOfSubcommand => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

fn has_spaces(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b.is_ascii_whitespace() || b == 0 || b == 0x0b)
}

impl Default for Selector {
    fn default() -> Self {
        Selector {
            allowed: vec![false; registry().len()],
            future: false,
            firstargs: BTreeMap::new(),
            allkeys: false,
            keys: Vec::new(),
            allchannels: false,
            channels: Vec::new(),
        }
    }
}

impl Selector {
    /// Everything: the default user's selector.
    pub fn all() -> Selector {
        let mut s = Selector::default();
        // A rule that always applies.
        let _ = s.apply(b"+@all", Version::LATEST);
        s.allkeys = true;
        s.allchannels = true;
        s
    }

    fn set(&mut self, id: usize, allow: bool) {
        self.allowed[id] = allow;
        self.firstargs.remove(&id);
        for &sub in &registry()[id].subs {
            self.allowed[sub] = allow;
        }
    }

    fn set_category(&mut self, flag: u32, allow: bool) {
        for (id, e) in registry().iter().enumerate() {
            if e.categories & flag != 0 {
                self.set(id, allow);
            }
        }
    }

    /// Redis's `ACLSetSelector`: one rule about commands, keys or channels.
    pub fn apply(&mut self, op: &[u8], version: Version) -> Result<(), RuleError> {
        let is = |word: &str| op.eq_ignore_ascii_case(word.as_bytes());
        if is("allkeys") || op == b"~*" {
            self.allkeys = true;
            self.keys.clear();
        } else if is("resetkeys") {
            self.allkeys = false;
            self.keys.clear();
        } else if is("allchannels") || op == b"&*" {
            self.allchannels = true;
            self.channels.clear();
        } else if is("resetchannels") {
            self.allchannels = false;
            self.channels.clear();
        } else if is("allcommands") || is("+@all") {
            self.allowed.iter_mut().for_each(|b| *b = true);
            self.future = true;
            self.firstargs.clear();
        } else if is("nocommands") || is("-@all") {
            self.allowed.iter_mut().for_each(|b| *b = false);
            self.future = false;
            self.firstargs.clear();
        } else if op[0] == b'~' || op[0] == b'%' {
            if self.allkeys {
                return Err(RuleError::KeyAfterAll);
            }
            let (access, offset) = if op[0] == b'%' {
                let mut access = 0;
                let mut offset = 1;
                loop {
                    match op.get(offset).map(u8::to_ascii_uppercase) {
                        Some(b'R') if access & READ == 0 => access |= READ,
                        Some(b'W') if access & WRITE == 0 => access |= WRITE,
                        Some(b'~') => {
                            offset += 1;
                            break;
                        }
                        // A `%` form without `~` is a pattern of nothing (Redis takes the end).
                        None => break,
                        _ => return Err(RuleError::Syntax),
                    }
                    offset += 1;
                }
                (access, offset)
            } else {
                (READ | WRITE, 1)
            };
            let pattern = &op[offset.min(op.len())..];
            if has_spaces(pattern) {
                return Err(RuleError::Syntax);
            }
            match self.keys.iter_mut().find(|k| k.pattern == pattern) {
                Some(k) => k.access |= access,
                None => self.keys.push(KeyPattern { pattern: pattern.to_vec(), access }),
            }
            self.allkeys = false;
        } else if op[0] == b'&' {
            if self.allchannels {
                return Err(RuleError::ChannelAfterAll);
            }
            let pattern = &op[1..];
            if has_spaces(pattern) {
                return Err(RuleError::Syntax);
            }
            if !self.channels.iter().any(|c| c == pattern) {
                self.channels.push(pattern.to_vec());
            }
            self.allchannels = false;
        } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
            let name = String::from_utf8_lossy(&op[2..]);
            let flag = category_flag(&name, version).ok_or(RuleError::Unknown)?;
            self.set_category(flag, op[0] == b'+');
        } else if op[0] == b'+' {
            let name = &op[1..];
            match name.iter().rposition(|&b| b == b'|') {
                None => {
                    let id = find(name, version).ok_or(RuleError::Unknown)?;
                    self.set(id, true);
                }
                Some(bar) => {
                    let (cmd, arg) = (&name[..bar], &name[bar + 1..]);
                    let id = find(cmd, version).ok_or(RuleError::Unknown)?;
                    if registry()[id].parent.is_some() {
                        return Err(RuleError::FirstArgOfSubcommand);
                    }
                    if arg.is_empty() {
                        return Err(RuleError::Syntax);
                    }
                    if registry()[id].spec.subcommands.is_empty() {
                        let args = self.firstargs.entry(id).or_default();
                        if !args.iter().any(|a| a.eq_ignore_ascii_case(arg)) {
                            args.push(arg.to_vec());
                        }
                    } else {
                        let sub = find(name, version).ok_or(RuleError::Unknown)?;
                        self.set(sub, true);
                    }
                }
            }
        } else if op[0] == b'-' {
            // Unlike `-@all`, this leaves the "future commands" bit alone (Redis does too).
            let id = find(&op[1..], version).ok_or(RuleError::Unknown)?;
            self.set(id, false);
        } else {
            return Err(RuleError::Syntax);
        }
        Ok(())
    }

    fn count(&self, flag: u32, version: Version) -> (usize, usize) {
        let (mut on, mut off) = (0, 0);
        for (id, e) in registry().iter().enumerate() {
            if e.categories & flag != 0 && e.available_in(version) {
                if self.allowed[id] {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// Redis's `ACLDescribeSelectorCommandRules`: `+@all` or `-@all`, the categories that fit
    /// best one after another, then the single commands that still differ.
    pub fn describe_commands(&self, version: Version) -> String {
        let additive = !self.future;
        let mut rules = vec![if additive { "-@all".to_string() } else { "+@all".to_string() }];
        let mut fake = Selector::default();
        // Rules that always apply.
        let _ = fake.apply(if additive { b"-@all" } else { b"+@all" }, version);
        let mut temp = self.clone();
        let mut applied = [false; CATEGORIES.len()];
        loop {
            let mut best = None;
            let (mut mindiff, mut maxsame) = (usize::MAX, 0);
            for (j, name) in CATEGORIES.iter().enumerate() {
                if applied[j] {
                    continue;
                }
                let (on, off) = temp.count(1 << j, version);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some((j, *name));
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some((j, name)) = best else { break };
            fake.set_category(1 << j, additive);
            temp.set_category(1 << j, !additive);
            rules.push(format!("{}@{name}", if additive { '+' } else { '-' }));
            applied[j] = true;
        }
        for (id, e) in registry().iter().enumerate() {
            if !e.available_in(version) {
                continue;
            }
            if self.allowed[id] != fake.allowed[id] {
                rules.push(format!("{}{}", if self.allowed[id] { '+' } else { '-' }, e.fullname));
                fake.set(id, self.allowed[id]);
            }
            if !self.allowed[id] {
                for arg in self.firstargs.get(&id).into_iter().flatten() {
                    rules.push(format!("+{}|{}", e.fullname, String::from_utf8_lossy(arg)));
                }
            }
        }
        rules.join(" ")
    }

    pub fn describe_keys(&self) -> Vec<String> {
        if self.allkeys {
            return vec!["~*".into()];
        }
        self.keys
            .iter()
            .map(|k| {
                let prefix = match k.access {
                    READ => "%R~",
                    WRITE => "%W~",
                    _ => "~",
                };
                format!("{prefix}{}", String::from_utf8_lossy(&k.pattern))
            })
            .collect()
    }

    /// `ACL LIST`'s form of the selector: keys, channels, commands.
    pub fn describe(&self, version: Version) -> String {
        let mut parts = self.describe_keys();
        if self.allchannels {
            parts.push("&*".into());
        } else {
            parts.push("resetchannels".into());
            parts.extend(self.channels.iter().map(|c| format!("&{}", String::from_utf8_lossy(c))));
        }
        parts.push(self.describe_commands(version));
        parts.join(" ")
    }

    fn check_key(&self, key: &[u8], access: u8) -> bool {
        self.allkeys
            || self.keys.iter().any(|k| k.access & access == access && crate::glob::matches(&k.pattern, key, false))
    }

    /// Redis's `ACLSelectorCheckCmd`.
    fn check(&self, id: usize, argv: &[Vec<u8>]) -> Result<(), Denied> {
        let e = &registry()[id];
        // `AUTH` and `HELLO` (Redis's `no-auth` flag) are never refused for the command itself.
        let no_auth = matches!(e.fullname.as_str(), "auth" | "hello");
        if !self.allowed[id] && !no_auth {
            let at = if e.parent.is_some() { 2 } else { 1 };
            let ok = argv.len() >= 2
                && self
                    .firstargs
                    .get(&id)
                    .is_some_and(|args| args.iter().any(|a| argv.get(at).is_some_and(|x| x.eq_ignore_ascii_case(a))));
            if !ok {
                return Err(Denied::Command);
            }
        }
        if !self.allkeys {
            for (at, access) in command_keys(e, argv) {
                if !self.check_key(&argv[at], access) {
                    return Err(Denied::Key(at));
                }
            }
        }
        if !self.allchannels {
            let (first, count, literal) = match e.fullname.as_str() {
                "publish" | "spublish" => (1, 1, false),
                "subscribe" | "ssubscribe" => (1, argv.len().saturating_sub(1), false),
                "psubscribe" => (1, argv.len().saturating_sub(1), true),
                _ => (0, 0, false),
            };
            for (at, channel) in argv.iter().enumerate().skip(first).take(count) {
                let allowed = self.channels.iter().any(|p| {
                    if literal {
                        p == channel
                    } else {
                        crate::glob::matches(p, channel, false)
                    }
                });
                if !allowed {
                    return Err(Denied::Channel(at));
                }
            }
        }
        Ok(())
    }
}

/// Write commands that only insert, update or delete, without reading the key (their key specs
/// have no `ACCESS` flag): a `%W~` pattern is enough for them.
const WRITE_ONLY: &[&str] = &[
    "del",
    "unlink",
    "lpush",
    "rpush",
    "lpushx",
    "rpushx",
    "sadd",
    "hset",
    "hmset",
    "hsetnx",
    "zadd",
    "xadd",
    "mset",
    "msetnx",
    "setex",
    "psetex",
    "expire",
    "pexpire",
    "expireat",
    "pexpireat",
    "persist",
    "append",
    "setrange",
    "pfadd",
    "geoadd",
    "hdel",
    "srem",
    "zrem",
    "xdel",
    "xtrim",
    "ltrim",
    "lset",
];

/// The keys a command names, with the access it needs to each: the fixed positions of its
/// spec, plus the `numkeys` and keyword forms Redis finds with its key specs.
pub fn command_keys(e: &Entry, argv: &[Vec<u8>]) -> Vec<(usize, u8)> {
    let spec = e.spec;
    let access = if spec.has(Flag::Write) {
        if WRITE_ONLY.contains(&e.fullname.as_str()) {
            WRITE
        } else {
            READ | WRITE
        }
    } else {
        READ
    };
    let argc = argv.len() as i64;
    let mut out = Vec::new();
    // A `numkeys` larger than the arguments there are names no key (Redis's keynum spec).
    let numkeys_at = |at: usize| -> Vec<usize> {
        let n = argv.get(at).and_then(|a| crate::args::parse_i64(a)).unwrap_or(0).max(0) as usize;
        if at + 1 + n > argv.len() {
            return Vec::new();
        }
        (at + 1..at + 1 + n).collect()
    };
    let movable: Option<Vec<usize>> = match e.fullname.as_str() {
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" => Some(numkeys_at(2)),
        "zunion" | "zinter" | "zdiff" | "sintercard" | "sunioncard" | "sdiffcard" | "zintercard" | "lmpop"
        | "zmpop" => Some(numkeys_at(1)),
        "zunionstore" | "zinterstore" | "zdiffstore" => {
            let mut v = vec![1];
            v.extend(numkeys_at(2));
            Some(v)
        }
        "blmpop" | "bzmpop" => Some(numkeys_at(2)),
        // MSETEX numkeys key value [key value ...]: every other argument from the third.
        "msetex" => {
            let n = argv.get(1).and_then(|a| crate::args::parse_i64(a)).unwrap_or(0).max(0) as usize;
            Some((0..n).map(|i| 2 + 2 * i).filter(|&at| at + 1 < argv.len()).collect())
        }
        "xread" | "xreadgroup" => {
            let at = argv.iter().position(|a| a.eq_ignore_ascii_case(b"STREAMS"));
            Some(at.map_or(Vec::new(), |at| {
                let rest = argv.len() - at - 1;
                (at + 1..at + 1 + rest / 2).collect()
            }))
        }
        // Redis's `sortGetKeys`: LIMIT, GET and BY skip their arguments, and the last STORE
        // wins (the word after STORE is read as an option again).
        "sort" => {
            let mut store = None;
            let mut i = 2;
            while i < argv.len() {
                let a = &argv[i];
                if a.eq_ignore_ascii_case(b"LIMIT") {
                    i += 2;
                } else if a.eq_ignore_ascii_case(b"GET") || a.eq_ignore_ascii_case(b"BY") {
                    i += 1;
                } else if a.eq_ignore_ascii_case(b"STORE") && i + 1 < argv.len() {
                    store = Some(i + 1);
                }
                i += 1;
            }
            Some(std::iter::once(1).chain(store).collect())
        }
        "sort_ro" => Some(vec![1]),
        // Redis's `migrateGetKeys`: the key, or with an empty key what follows KEYS.
        "migrate" => {
            let keys_at = (6..argv.len())
                .find(|&i| argv[i].eq_ignore_ascii_case(b"KEYS") && argv.get(3).is_some_and(|k| k.is_empty()));
            Some(match keys_at {
                Some(at) => (at + 1..argv.len()).collect(),
                None => vec![3],
            })
        }
        "georadius" | "georadiusbymember" => {
            let mut v = vec![1];
            for (i, a) in argv.iter().enumerate().skip(2) {
                if (a.eq_ignore_ascii_case(b"STORE") || a.eq_ignore_ascii_case(b"STOREDIST")) && i + 1 < argv.len() {
                    v.push(i + 1);
                }
            }
            Some(v)
        }
        _ => None,
    };
    if let Some(positions) = movable {
        out.extend(positions.into_iter().filter(|&i| i < argv.len()).map(|i| (i, access)));
        return out;
    }
    let (first, last, step) = spec.keys;
    if first <= 0 {
        return out;
    }
    let last = if last < 0 { argc + i64::from(last) } else { i64::from(last) };
    let mut i = i64::from(first);
    while i <= last && i < argc {
        out.push((i as usize, access));
        i += i64::from(step.max(1));
    }
    out
}

/// A user: Redis's `user` with its root selector and any others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: Vec<u8>,
    pub enabled: bool,
    pub nopass: bool,
    /// `Some(true)`: `sanitize-payload`, `Some(false)`: `skip-sanitize-payload`.
    pub sanitize: Option<bool>,
    /// SHA-256 hex of each password.
    pub passwords: Vec<String>,
    /// The root selector first.
    pub selectors: Vec<Selector>,
}

impl User {
    pub fn new(name: &[u8]) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: None,
            passwords: Vec::new(),
            selectors: vec![Selector::default()],
        }
    }

    /// Redis's default user: `on nopass ~* &* +@all`.
    pub fn default_user() -> User {
        User { enabled: true, nopass: true, selectors: vec![Selector::all()], ..User::new(b"default") }
    }

    /// Redis's `ACLSetUser`: one rule.
    pub fn apply(&mut self, op: &[u8], version: Version) -> Result<(), RuleError> {
        let is = |word: &str| op.eq_ignore_ascii_case(word.as_bytes());
        if op.is_empty() {
            return Ok(());
        }
        if is("on") {
            self.enabled = true;
        } else if is("off") {
            self.enabled = false;
        } else if is("skip-sanitize-payload") {
            self.sanitize = Some(false);
        } else if is("sanitize-payload") {
            self.sanitize = Some(true);
        } else if is("nopass") {
            self.nopass = true;
            self.passwords.clear();
        } else if is("resetpass") {
            self.nopass = false;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let hash = password_hash(op)?;
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.nopass = false;
        } else if op[0] == b'<' || op[0] == b'!' {
            let hash = password_hash(op)?;
            let at = self.passwords.iter().position(|p| *p == hash).ok_or(RuleError::NoSuchPassword)?;
            self.passwords.remove(at);
        } else if op[0] == b'(' && op.last() == Some(&b')') {
            let mut selector = Selector::default();
            let inner = &op[1..op.len() - 1];
            for rule in crate::cli::split_args(inner).ok_or(RuleError::Syntax)? {
                selector.apply(&rule, version)?;
            }
            self.selectors.push(selector);
        } else if is("clearselectors") {
            self.selectors.truncate(1);
        } else if is("reset") {
            for rule in
                ["resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload", "clearselectors", "-@all"]
            {
                // Rules that always apply.
                let _ = self.apply(rule.as_bytes(), version);
            }
        } else {
            self.selectors[0].apply(op, version)?;
        }
        Ok(())
    }

    /// `ACL LIST`'s line for the user, after `user <name> `.
    pub fn describe(&self, version: Version) -> String {
        let mut parts = self.flags();
        parts.extend(self.passwords.iter().map(|p| format!("#{p}")));
        let mut out = parts.join(" ");
        for (i, s) in self.selectors.iter().enumerate() {
            if i == 0 {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&s.describe(version));
            } else {
                out.push_str(&format!(" ({})", s.describe(version)));
            }
        }
        out
    }

    pub fn flags(&self) -> Vec<String> {
        let mut flags = vec![if self.enabled { "on" } else { "off" }.to_string()];
        if self.nopass {
            flags.push("nopass".into());
        }
        match self.sanitize {
            Some(false) => flags.push("skip-sanitize-payload".into()),
            Some(true) => flags.push("sanitize-payload".into()),
            None => {}
        }
        flags
    }

    /// Redis's `ACLCheckAllUserCommandPerm`: allowed if any selector allows; otherwise the most
    /// telling refusal (a channel over a key over the command, the later argument first).
    pub fn check(&self, id: usize, argv: &[Vec<u8>]) -> Result<(), Denied> {
        let mut worst = Denied::Command;
        for s in &self.selectors {
            match s.check(id, argv) {
                Ok(()) => return Ok(()),
                Err(d) if d.rank() > worst.rank() => worst = d,
                Err(_) => {}
            }
        }
        Err(worst)
    }

    /// Redis's `ACLUserCheckCmdWithUnrestrictedKeyAccess` for read access: some selector allows
    /// the command and every key (`allkeys`, or a `*` pattern that may be read).
    pub fn unrestricted_key_access(&self, id: usize, argv: &[Vec<u8>]) -> bool {
        self.selectors.iter().any(|s| {
            s.check(id, argv).is_ok()
                && (s.allkeys || s.keys.iter().any(|k| k.access & READ == READ && k.pattern == b"*"))
        })
    }

    pub fn password_matches(&self, password: &[u8]) -> bool {
        self.nopass || self.passwords.contains(&crate::sha256::hex(password))
    }
}

fn password_hash(op: &[u8]) -> Result<String, RuleError> {
    if op[0] == b'>' || op[0] == b'<' {
        return Ok(crate::sha256::hex(&op[1..]));
    }
    let hash = &op[1..];
    if hash.len() != 64 || !hash.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
        return Err(RuleError::BadHash);
    }
    Ok(String::from_utf8_lossy(hash).into_owned())
}

#[cfg(test)]
mod tests {
    use crate::{Server, Version};

    fn run(server: &mut Server, client: u64, line: &str) -> String {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        crate::cli::format_reply(&server.execute(0, client, &argv).reply.unwrap()).trim_end().replace('\n', " | ")
    }

    // Redis 7.2 put the user's name in NOPERM errors and shortened the key and channel ones
    // (the texts clients print today, e.g. "NOPERM No permissions to access a key").
    #[test]
    fn newer_profiles_name_the_user_in_noperm_errors() {
        for (version, command, key, dry) in [
            (
                Version::V7_0,
                "(error) NOPERM this user has no permissions to run the 'set' command",
                "(error) NOPERM this user has no permissions to access one of the keys used as arguments",
                "\"This user has no permissions to access the 'x' key\"",
            ),
            (
                Version::LATEST,
                "(error) NOPERM User u has no permissions to run the 'set' command",
                "(error) NOPERM No permissions to access a key",
                "\"User u has no permissions to access the 'x' key\"",
            ),
        ] {
            let mut server = Server::new(version);
            let admin = server.connect(0);
            let u = server.connect(0);
            assert_eq!(run(&mut server, admin, "ACL SETUSER u on nopass ~k* +get"), "OK");
            assert_eq!(run(&mut server, u, "AUTH u x"), "OK");
            assert_eq!(run(&mut server, u, "SET k v"), command);
            assert_eq!(run(&mut server, u, "GET x"), key);
            assert_eq!(run(&mut server, admin, "ACL DRYRUN u get x"), dry);
            assert_eq!(
                run(&mut server, u, "ACL WHOAMI"),
                "(error) NOPERM".to_string() + &command[14..].replace("'set'", "'acl|whoami'")
            );
            let log = run(&mut server, admin, "ACL LOG 1");
            assert!(log.contains("\"reason\" => \"command\"") || log.contains("\"command\""), "{log}");
        }
    }

    #[test]
    fn selectors_add_permissions() {
        let mut server = Server::new(Version::V7_0);
        let admin = server.connect(0);
        let u = server.connect(0);
        run(&mut server, admin, "ACL SETUSER u on nopass ~a* +get (~b* +set)");
        assert_eq!(run(&mut server, admin, "ACL LIST"), "1) \"user default on nopass ~* &* +@all\" | 2) \"user u on nopass ~a* resetchannels -@all +get (~b* resetchannels -@all +set)\"");
        run(&mut server, u, "AUTH u x");
        assert_eq!(run(&mut server, u, "SET b1 v"), "OK");
        assert_eq!(run(&mut server, u, "GET a1"), "(nil)");
        assert_eq!(
            run(&mut server, u, "SET a1 v"),
            "(error) NOPERM this user has no permissions to access one of the keys used as arguments"
        );
    }
}
