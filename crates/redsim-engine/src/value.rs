//! The values a key can hold, in the encodings Redis picks for them (small collections are
//! packed in insertion or sorted order, large ones are tables), so `OBJECT ENCODING` and the
//! order of replies follow Redis where Redis's order is not a hash table's.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::args::parse_i64;
use crate::stream::Stream;

/// When a small encoding turns into a table: the `*-max-listpack-*`, `set-max-intset-entries`
/// and `list-max-listpack-size` parameters, and whether the version has Redis 7.2's listpack
/// sets and lists and its size hints when a collection is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encodings {
    pub hash_entries: usize,
    pub hash_value: usize,
    pub set_intset_entries: usize,
    pub set_listpack: bool,
    pub set_entries: usize,
    pub set_value: usize,
    pub zset_entries: usize,
    pub zset_value: usize,
    pub list_listpack: bool,
    pub list_fill: i64,
}

impl Default for Encodings {
    /// Redis's defaults, in the newest versions.
    fn default() -> Self {
        Encodings {
            hash_entries: 512,
            hash_value: 64,
            set_intset_entries: 512,
            set_listpack: true,
            set_entries: 128,
            set_value: 64,
            zset_entries: 128,
            zset_value: 64,
            list_listpack: true,
            list_fill: -2,
        }
    }
}

impl Encodings {
    /// Redis's `intsetMaxEntries`: at most 2^30 whatever the setting.
    fn intset_entries(&self) -> usize {
        self.set_intset_entries.min(1 << 30)
    }

    /// Redis's `quicklistNodeExceedsLimit` for a list of `count` items taking `bytes` in a
    /// listpack (`halved`: the limits a shrinking list must get under to become a listpack).
    fn list_exceeds(&self, bytes: usize, count: usize, halved: bool) -> bool {
        const SIZE_SAFETY_LIMIT: usize = 8192;
        const LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
        let div = if halved { 2 } else { 1 };
        if self.list_fill >= 0 {
            let count_limit = usize::try_from(self.list_fill.max(1)).unwrap_or(usize::MAX) / div;
            bytes > SIZE_SAFETY_LIMIT || count > count_limit
        } else {
            let level = usize::try_from(-(self.list_fill + 1)).unwrap_or(usize::MAX).min(LEVELS.len() - 1);
            bytes > LEVELS[level] / div
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(Vec<u8>),
    List(Box<VecDeque<Vec<u8>>>),
    Hash(Box<Hash>),
    Set(Box<Set>),
    ZSet(Box<ZSet>),
    Stream(Box<Stream>),
}

impl Value {
    /// What `TYPE` answers for a key holding this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// What `OBJECT ENCODING` answers. A list is a listpack (Redis 7.2+) while it fits in one
    /// quicklist node by `list-max-listpack-size`.
    pub fn encoding(&self, enc: &Encodings) -> &'static str {
        match self {
            Value::String(s) if s.len() <= 20 && parse_i64(s).is_some() => "int",
            Value::String(s) if s.len() <= 44 => "embstr",
            Value::String(_) => "raw",
            Value::List(l)
                if enc.list_listpack
                    && !enc.list_exceeds(
                        crate::memory::listpack_bytes(l.iter().map(|e| e.as_slice())),
                        l.len(),
                        false,
                    ) =>
            {
                "listpack"
            }
            Value::List(_) => "quicklist",
            Value::Hash(h) => match **h {
                Hash::Listpack(_) => "listpack",
                Hash::Table(_) => "hashtable",
            },
            Value::Set(s) => match **s {
                Set::Intset(_) => "intset",
                Set::Listpack(_) => "listpack",
                Set::Table(_) => "hashtable",
            },
            Value::ZSet(z) => {
                if z.packed {
                    "listpack"
                } else {
                    "skiplist"
                }
            }
            Value::Stream(_) => "stream",
        }
    }

    /// Number of elements (1 for a string), for views and `MEMORY`-style summaries.
    pub fn len(&self) -> usize {
        match self {
            Value::String(_) => 1,
            Value::List(l) => l.len(),
            Value::Hash(h) => h.len(),
            Value::Set(s) => s.len(),
            Value::ZSet(z) => z.len(),
            Value::Stream(s) => s.length as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A hash: a listpack (insertion order) until it grows past `hash-max-listpack-entries` fields
/// or gets a field or value longer than `hash-max-listpack-value`, then a table (shown in field order; Redis's own order there is its hash table's).
#[derive(Clone, Debug, PartialEq)]
pub enum Hash {
    Listpack(Vec<(Vec<u8>, Vec<u8>)>),
    Table(BTreeMap<Vec<u8>, Vec<u8>>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Listpack(Vec::new())
    }
}

impl Hash {
    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(v) => v.len(),
            Hash::Table(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, field: &[u8]) -> Option<&Vec<u8>> {
        match self {
            Hash::Listpack(v) => v.iter().find(|(f, _)| f == field).map(|(_, v)| v),
            Hash::Table(m) => m.get(field),
        }
    }

    /// Redis's `hashTypeTryConversion` before fields and values are written: a table if any of
    /// them is too long for a listpack or (7.2+) there are more pairs than it may hold.
    pub fn prepare(&mut self, args: &[Vec<u8>], enc: &Encodings) {
        if matches!(self, Hash::Listpack(_))
            && ((enc.set_listpack && args.len() / 2 > enc.hash_entries)
                || args.iter().any(|a| a.len() > enc.hash_value))
        {
            self.convert();
        }
    }

    /// Sets a field; true when it is new.
    pub fn insert(&mut self, field: &[u8], value: Vec<u8>, enc: &Encodings) -> bool {
        if let Hash::Listpack(pairs) = self {
            if field.len() > enc.hash_value || value.len() > enc.hash_value {
                self.convert();
            } else if let Some(slot) = pairs.iter_mut().find(|(f, _)| f == field) {
                slot.1 = value;
                return false;
            } else if pairs.len() < enc.hash_entries {
                pairs.push((field.to_vec(), value));
                return true;
            } else {
                self.convert();
            }
        }
        match self {
            Hash::Table(m) => m.insert(field.to_vec(), value).is_none(),
            Hash::Listpack(_) => unreachable!("converted above"),
        }
    }

    fn convert(&mut self) {
        if let Hash::Listpack(pairs) = self {
            *self = Hash::Table(std::mem::take(pairs).into_iter().collect());
        }
    }

    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(v) => match v.iter().position(|(f, _)| f == field) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            Hash::Table(m) => m.remove(field).is_some(),
        }
    }

    pub fn iter(&self) -> Box<dyn Iterator<Item = (&Vec<u8>, &Vec<u8>)> + '_> {
        match self {
            Hash::Listpack(v) => Box::new(v.iter().map(|(f, v)| (f, v))),
            Hash::Table(m) => Box::new(m.iter()),
        }
    }
}

/// A set: an intset (sorted integers) while every member is an integer and there are at most
/// `set-max-intset-entries`, a listpack (insertion order, Redis 7.2+) while small, otherwise a
/// table.
#[derive(Clone, Debug, PartialEq)]
pub enum Set {
    Intset(Vec<i64>),
    Listpack(Vec<Vec<u8>>),
    Table(BTreeSet<Vec<u8>>),
}

impl Default for Set {
    fn default() -> Self {
        Set::Intset(Vec::new())
    }
}

impl Set {
    /// An empty set in the encoding Redis creates for its first member when `size_hint`
    /// members are about to be added (Redis's `setTypeCreate`; the hint counts from 7.2).
    pub fn for_member(member: &[u8], size_hint: usize, enc: &Encodings) -> Set {
        let integer = parse_i64(member).is_some();
        if !enc.set_listpack {
            return if integer { Set::Intset(Vec::new()) } else { Set::Table(BTreeSet::new()) };
        }
        if integer && size_hint <= enc.set_intset_entries {
            Set::Intset(Vec::new())
        } else if size_hint <= enc.set_entries {
            Set::Listpack(Vec::new())
        } else {
            Set::Table(BTreeSet::new())
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Set::Intset(v) => v.len(),
            Set::Listpack(v) => v.len(),
            Set::Table(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Intset(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            Set::Listpack(v) => v.iter().any(|m| m == member),
            Set::Table(s) => s.contains(member),
        }
    }

    /// Adds a member; true when it was not there (Redis's `setTypeAdd`).
    pub fn insert(&mut self, member: &[u8], enc: &Encodings) -> bool {
        if self.contains(member) {
            return false;
        }
        match self {
            Set::Intset(v) => match parse_i64(member) {
                Some(n) if v.len() < enc.intset_entries() => {
                    // Not there (checked above), so the search says where it goes.
                    let at = v.binary_search(&n).unwrap_or_else(|at| at);
                    v.insert(at, n);
                    return true;
                }
                Some(_) => {
                    // One past the limit: a table (in every version).
                    *self = Set::Table(v.iter().map(|n| n.to_string().into_bytes()).collect());
                }
                None => {
                    let members: Vec<Vec<u8>> = v.iter().map(|n| n.to_string().into_bytes()).collect();
                    let longest = members.iter().map(Vec::len).max().unwrap_or(0);
                    let fits = enc.set_listpack
                        && members.len() < enc.set_entries
                        && member.len() <= enc.set_value
                        && longest <= enc.set_value;
                    *self = if fits { Set::Listpack(members) } else { Set::Table(members.into_iter().collect()) };
                }
            },
            Set::Listpack(v) => {
                if v.len() >= enc.set_entries || member.len() > enc.set_value {
                    *self = Set::Table(std::mem::take(v).into_iter().collect());
                }
            }
            Set::Table(_) => {}
        }
        match self {
            Set::Listpack(v) => v.push(member.to_vec()),
            Set::Table(s) => {
                s.insert(member.to_vec());
            }
            Set::Intset(_) => unreachable!("converted above"),
        }
        true
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Intset(v) => match parse_i64(member).map(|n| v.binary_search(&n)) {
                Some(Ok(i)) => {
                    v.remove(i);
                    true
                }
                _ => false,
            },
            Set::Listpack(v) => match v.iter().position(|m| m == member) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            Set::Table(s) => s.remove(member),
        }
    }

    /// Members in the set's own order.
    pub fn members(&self) -> Vec<Vec<u8>> {
        match self {
            Set::Intset(v) => v.iter().map(|n| n.to_string().into_bytes()).collect(),
            Set::Listpack(v) => v.clone(),
            Set::Table(s) => s.iter().cloned().collect(),
        }
    }
}

/// A score with a total order (scores are never NaN).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

/// A sorted set: members ordered by (score, member bytes), as Redis orders them. `packed` tells
/// whether Redis would still hold it in a listpack (`zset-max-listpack-*`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZSet {
    pub scores: BTreeMap<Vec<u8>, f64>,
    pub order: BTreeSet<(Score, Vec<u8>)>,
    pub packed: bool,
}

impl ZSet {
    /// The sorted set `ZADD` creates for `size_hint` members, the first `first_member_len`
    /// bytes long (Redis 7.0 looks only at whether listpacks may hold anything; 7.2's
    /// `zsetTypeCreate` at the number of members).
    pub fn new(size_hint: usize, first_member_len: usize, enc: &Encodings) -> ZSet {
        let hint = if enc.set_listpack { size_hint } else { size_hint.min(1) };
        ZSet { packed: hint <= enc.zset_entries && first_member_len <= enc.zset_value, ..ZSet::default() }
    }

    /// An empty sorted set to fill (a store command's result); call [`ZSet::settle`] after.
    pub fn empty() -> ZSet {
        ZSet { packed: true, ..ZSet::default() }
    }

    /// Redis's `zsetConvertToListpackIfNeeded` for a new result: packed if it fits.
    pub fn settle(&mut self, enc: &Encodings) {
        self.packed = self.len() <= enc.zset_entries && self.scores.keys().all(|m| m.len() <= enc.zset_value);
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Sets a member's score; true when the member is new.
    pub fn insert(&mut self, member: &[u8], score: f64, enc: &Encodings) -> bool {
        let old = self.scores.insert(member.to_vec(), score);
        if let Some(old) = old {
            self.order.remove(&(Score(old), member.to_vec()));
        }
        self.order.insert((Score(score), member.to_vec()));
        if self.len() > enc.zset_entries || member.len() > enc.zset_value {
            self.packed = false;
        }
        old.is_none()
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.scores.remove(member) {
            Some(score) => {
                self.order.remove(&(Score(score), member.to_vec()));
                true
            }
            None => false,
        }
    }

    /// 0-based rank in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        Some(self.order.range(..(Score(score), member.to_vec())).count())
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Vec<u8>, f64)> {
        self.order.iter().map(|(s, m)| (m, s.0))
    }
}
