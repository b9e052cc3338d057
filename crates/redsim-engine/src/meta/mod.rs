//! Redis's own description of each command, per profile: the flags `COMMAND INFO` prints, its
//! tips and key specs, and the documentation fields of `COMMAND DOCS`. The tables are generated
//! from a Redis source tree by `scripts/gen-command-meta.py` (7.0.15 for the 7.0 profile, 7.4.1 for
//! the newer ones); commands a table lacks are described from their `CommandSpec`.

mod v7_0;
mod v7_4;

use crate::Version;

/// One command or `container|subcommand`.
#[derive(Debug)]
pub struct Meta {
    pub name: &'static str,
    /// As `COMMAND INFO` prints them, in its order.
    pub flags: &'static [&'static str],
    pub write: bool,
    pub denyoom: bool,
    pub stale: bool,
    pub may_replicate: bool,
    pub summary: &'static str,
    pub since: &'static str,
    pub group: &'static str,
    pub arity: i32,
    /// The legacy (first, last, step) `COMMAND INFO` prints, derived from the key specs.
    pub keys: (i32, i32, i32),
    pub tips: &'static [&'static str],
    pub key_specs: &'static [KeySpec],
    pub complexity: Option<&'static str>,
    pub doc_flags: &'static [&'static str],
    pub deprecated_since: Option<&'static str>,
    pub replaced_by: Option<&'static str>,
    pub history: &'static [(&'static str, &'static str)],
    pub args: &'static [Arg],
    /// Whether Redis lists arguments at all (an empty list is still printed).
    pub has_args: bool,
}

/// One argument in `COMMAND DOCS`.
#[derive(Debug)]
pub struct Arg {
    pub name: &'static str,
    /// `string`, `integer`, `double`, `key`, `pattern`, `unix-time`, `pure-token`, `oneof`, `block`.
    pub kind: &'static str,
    /// Which key spec a `key` argument belongs to; -1 for the others.
    pub key_spec: i32,
    pub token: Option<&'static str>,
    pub summary: Option<&'static str>,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    pub flags: &'static [&'static str],
    pub args: &'static [Arg],
}

/// Where a command's keys are (Redis's `keySpec`).
#[derive(Debug)]
pub struct KeySpec {
    pub notes: Option<&'static str>,
    pub flags: &'static [&'static str],
    pub begin: Begin,
    pub find: Find,
}

#[derive(Debug)]
pub enum Begin {
    /// The first key is at this argument.
    Index(i32),
    /// After this keyword, searched from the argument `startfrom` (backwards if negative).
    Keyword(&'static str, i32),
    Unknown,
}

#[derive(Debug)]
pub enum Find {
    /// `lastkey` (relative to the first, or from the end if negative), `keystep`, `limit`.
    Range(i32, i32, i32),
    /// `keynumidx`, `firstkey`, `keystep`: the key count is an argument.
    Keynum(i32, i32, i32),
    Unknown,
}

/// Redis's description of `full_name` (`get` or `client|kill`) in this profile.
/// `lookup` for a command of the table, remembered per command: the server asks for every
/// command it runs (its flags), and the name and the search cost more than the command itself
/// when clients pipeline.
pub fn for_spec(
    parent: Option<&'static crate::command::CommandSpec>,
    spec: &'static crate::command::CommandSpec,
    version: Version,
) -> Option<&'static Meta> {
    with_flags(parent, spec, version).0
}

/// [`for_spec`], and the command's flags as a set of [`crate::command::Flag`] bits (by their
/// place in the enum): Redis's table's where it lists the command, Redsim's own spec's otherwise.
/// Found once per command and version, then remembered (every command asks).
pub fn with_flags(
    parent: Option<&'static crate::command::CommandSpec>,
    spec: &'static crate::command::CommandSpec,
    version: Version,
) -> (Option<&'static Meta>, u32) {
    type Key = (usize, usize, bool);
    type Found = (Option<&'static Meta>, u32);
    const SLOTS: usize = 256;
    thread_local! {
        // A direct-mapped cache in front of the map: the few commands a workload sends are found
        // without hashing.
        static RECENT: std::cell::Cell<[(Key, Found); SLOTS]> =
            const { std::cell::Cell::new([((0, 0, false), (None, 0)); SLOTS]) };
        static FOUND: std::cell::RefCell<crate::FnvMap<Key, Found>> =
            std::cell::RefCell::new(crate::FnvMap::default());
    }
    let key = (
        spec as *const crate::command::CommandSpec as usize,
        parent.map_or(0, |p| p as *const crate::command::CommandSpec as usize),
        version == Version::V7_0,
    );
    let slot = (key.0 >> 3 ^ key.1 >> 5) % SLOTS;
    let recent = RECENT.with(|r| {
        let entries = r.as_array_of_cells();
        entries[slot].get()
    });
    if recent.0 == key {
        return recent.1;
    }
    if let Some(found) = FOUND.with(|f| f.borrow().get(&key).copied()) {
        RECENT.with(|r| r.as_array_of_cells()[slot].set((key, found)));
        return found;
    }
    let meta = lookup(&crate::command::full_name(parent, spec), version);
    let bits = crate::command::Flag::ALL.iter().fold(0u32, |bits, &flag| {
        let has = match (meta, flag.name()) {
            (Some(m), Some(name)) => m.flags.contains(&name),
            _ => spec.has(flag),
        };
        if has {
            bits | flag.bit()
        } else {
            bits
        }
    });
    FOUND.with(|f| f.borrow_mut().insert(key, (meta, bits)));
    RECENT.with(|r| r.as_array_of_cells()[slot].set((key, (meta, bits))));
    (meta, bits)
}

pub fn lookup(full_name: &str, version: Version) -> Option<&'static Meta> {
    let table = if version == Version::V7_0 { v7_0::TABLE } else { v7_4::TABLE };
    table.binary_search_by(|m| m.name.cmp(full_name)).ok().map(|i| &table[i])
}

/// The arguments that are keys, with their flags, as Redis's `getKeysUsingKeySpecs` finds them;
/// `None` where the specs cannot say (an unknown or incomplete spec, a bad key count), and the
/// command's own key finder must.
pub fn keys_by_specs(meta: &Meta, argv: &[Vec<u8>]) -> Option<Vec<(usize, &'static [&'static str])>> {
    if meta.key_specs.iter().any(|s| s.flags.contains(&"variable_flags")) {
        return None;
    }
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in meta.key_specs {
        if spec.flags.contains(&"not_key") {
            continue;
        }
        let mut first: i64 = match spec.begin {
            Begin::Index(pos) => i64::from(pos),
            Begin::Keyword(word, from) => {
                let from = i64::from(from);
                let (start, end) = if from > 0 { (from, argc - 1) } else { (argc + from, 1) };
                let mut found = 0;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if argv[i as usize].eq_ignore_ascii_case(word.as_bytes()) {
                        found = i + 1;
                        break;
                    }
                    i = if start <= end { i + 1 } else { i - 1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            Begin::Unknown => return None,
        };
        let (last, step) = match spec.find {
            Find::Range(lastkey, step, limit) => {
                let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (last, i64::from(step))
            }
            Find::Keynum(idx, firstkey, step) => {
                let at = first + i64::from(idx);
                if i64::from(idx) >= argc || at >= argc {
                    return None;
                }
                let numkeys: i64 = std::str::from_utf8(&argv[at as usize]).ok()?.parse().ok()?;
                if numkeys < 0 {
                    return None;
                }
                first += i64::from(firstkey);
                (first + numkeys - 1, i64::from(step))
            }
            Find::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            keys.push((i as usize, spec.flags));
            i += step.max(1);
        }
        if spec.flags.contains(&"incomplete") {
            return None;
        }
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_lookup() {
        for table in [v7_0::TABLE, v7_4::TABLE] {
            assert!(table.windows(2).all(|w| w[0].name < w[1].name));
        }
        assert!(lookup("client|kill", Version::V7_0).is_some());
        assert_eq!(
            lookup("set", Version::V7_0).unwrap().key_specs[0].flags,
            ["RW", "access", "update", "variable_flags"]
        );
    }

    #[test]
    fn specs_find_keys_as_redis_does() {
        let argv = |s: &str| s.split(' ').map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>();
        let lmpop = lookup("lmpop", Version::V7_0).unwrap();
        let found = keys_by_specs(lmpop, &argv("lmpop 2 a b left")).unwrap();
        assert_eq!(found.iter().map(|k| k.0).collect::<Vec<_>>(), [2, 3]);
        assert!(keys_by_specs(lmpop, &argv("lmpop x a b left")).is_none());
        let mset = lookup("mset", Version::V7_0).unwrap();
        assert_eq!(keys_by_specs(mset, &argv("mset a 1 b 2")).unwrap().iter().map(|k| k.0).collect::<Vec<_>>(), [1, 3]);
        let georadius = lookup("georadius", Version::V7_0).unwrap();
        let found = keys_by_specs(georadius, &argv("georadius k 0 0 1 km store dst")).unwrap();
        assert_eq!(found.iter().map(|k| k.0).collect::<Vec<_>>(), [1, 7]);
    }
}
