//! The values a key can hold, in the encodings Redis picks for them (small collections are
//! packed in insertion or sorted order, large ones are tables), so `OBJECT ENCODING` and the
//! order of replies follow Redis where Redis's order is not a hash table's.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::args::parse_i64;
use crate::stream::Stream;

pub mod array;
pub mod vset;
pub mod vset_filter;
pub use array::Array;
pub use vset::VectorSet;

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
    /// Redis 8.8's array.
    Array(Box<Array>),
    /// Redis 8's vector set (a module type built into the server).
    VectorSet(Box<VectorSet>),
}

impl Value {
    /// How much work freeing this value is (Redis's `lazyfreeGetFreeEffort`): one allocation for
    /// a string or a packed encoding, one per element of a table or skiplist, one per node of a
    /// list (quicklist) or stream, and each consumer group with its pending entries.
    pub fn free_effort(&self) -> usize {
        match self {
            // A quicklist node holds about 128 small elements under the default 8 KB size.
            Value::List(list) => list.len().div_ceil(128),
            Value::Set(set) => match &**set {
                Set::Table(members) => members.len(),
                _ => 1,
            },
            Value::Hash(hash) => match &**hash {
                Hash::Table(fields, _) => fields.len(),
                _ => 1,
            },
            Value::ZSet(zset) if !zset.packed => zset.len(),
            Value::Stream(stream) => {
                let groups = stream.groups.len();
                let pel = stream.groups.values().next().map_or(0, |g| g.pending.len());
                stream.nodes.len() + groups * (1 + pel)
            }
            _ => 1,
        }
    }

    /// What `TYPE` answers for a key holding this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
            Value::Array(_) => "array",
            Value::VectorSet(_) => "vectorset",
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
                Hash::ListpackEx(_) => "listpackex",
                Hash::Table(..) => "hashtable",
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
            Value::Array(_) => "sliced-array",
            // A module's value is a raw object.
            Value::VectorSet(_) => "raw",
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
            Value::Array(a) => a.count() as usize,
            Value::VectorSet(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A hash: a listpack (insertion order) until it grows past `hash-max-listpack-entries` fields
/// or gets a field or value longer than `hash-max-listpack-value`, then a table (shown in field
/// order; Redis's own order there is its hash table's). From Redis 7.4 a field may have its own
/// expiry time (`HEXPIRE`): a listpack then becomes a `listpackex`, and a table keeps the times
/// beside its fields.
#[derive(Clone, Debug, PartialEq)]
pub enum Hash {
    Listpack(Vec<(Vec<u8>, Vec<u8>)>),
    /// Redis 7.4's `listpackex`: each entry carries its expiry time (absolute virtual ms); those
    /// with one come first, earliest first, then those without, in the order they came.
    ListpackEx(Vec<(Vec<u8>, Vec<u8>, Option<u64>)>),
    /// A hash table and the expiry times of those of its fields that have one.
    Table(BTreeMap<Vec<u8>, Vec<u8>>, BTreeMap<Vec<u8>, u64>),
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
            Hash::ListpackEx(v) => v.len(),
            Hash::Table(m, _) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A field's value, whether or not its time has come (commands expire fields first).
    pub fn get(&self, field: &[u8]) -> Option<&Vec<u8>> {
        match self {
            Hash::Listpack(v) => v.iter().find(|(f, _)| f == field).map(|(_, v)| v),
            Hash::ListpackEx(v) => v.iter().find(|(f, _, _)| f == field).map(|(_, v, _)| v),
            Hash::Table(m, _) => m.get(field),
        }
    }

    /// A field's expiry time, when it exists and has one.
    pub fn expire_of(&self, field: &[u8]) -> Option<u64> {
        match self {
            Hash::Listpack(_) => None,
            Hash::ListpackEx(v) => v.iter().find(|(f, _, _)| f == field).and_then(|e| e.2),
            Hash::Table(_, expires) => expires.get(field).copied(),
        }
    }

    /// Whether any field has an expiry time.
    pub fn has_field_expires(&self) -> bool {
        match self {
            Hash::Listpack(_) => false,
            Hash::ListpackEx(v) => v.first().is_some_and(|e| e.2.is_some()),
            Hash::Table(_, expires) => !expires.is_empty(),
        }
    }

    /// Fields whose expiry time is at or before `at_ms`, earliest first (Redis's active expiry
    /// of hash fields takes them in that order).
    pub fn fields_due(&self, at_ms: u64) -> Vec<Vec<u8>> {
        match self {
            Hash::Listpack(_) => Vec::new(),
            Hash::ListpackEx(v) => {
                v.iter().take_while(|e| e.2.is_some_and(|t| t <= at_ms)).map(|e| e.0.clone()).collect()
            }
            Hash::Table(_, expires) => {
                let mut due: Vec<(u64, &Vec<u8>)> =
                    expires.iter().filter(|(_, &t)| t <= at_ms).map(|(f, &t)| (t, f)).collect();
                due.sort();
                due.into_iter().map(|(_, f)| f.clone()).collect()
            }
        }
    }

    /// Redis's `hashTypeSetExInit`: a listpack becomes a `listpackex` before field times are
    /// touched, whether or not any field then gets one.
    pub fn prepare_expires(&mut self) {
        if let Hash::Listpack(pairs) = self {
            *self = Hash::ListpackEx(std::mem::take(pairs).into_iter().map(|(f, v)| (f, v, None)).collect());
        }
    }

    /// Sets or clears the expiry time of a field that exists (Redis's `listpackExUpdateExpiry`
    /// moves the entry to its place in time order; a cleared one goes to the end).
    pub fn set_expire(&mut self, field: &[u8], at_ms: Option<u64>) {
        if at_ms.is_some() {
            self.prepare_expires();
        }
        match self {
            Hash::Listpack(_) => {}
            Hash::ListpackEx(entries) => {
                let Some(i) = entries.iter().position(|(f, _, _)| f == field) else { return };
                let (f, v, _) = entries.remove(i);
                insert_by_expiry(entries, (f, v, at_ms));
            }
            Hash::Table(map, expires) => {
                if !map.contains_key(field) {
                    return;
                }
                match at_ms {
                    Some(at) => expires.insert(field.to_vec(), at),
                    None => expires.remove(field),
                };
            }
        }
    }

    /// Redis's `hashTypeTryConversion` before fields and values are written: a table if any of
    /// them is too long for a listpack or (7.2+) there are more pairs than it may hold.
    pub fn prepare(&mut self, args: &[Vec<u8>], enc: &Encodings) {
        if !matches!(self, Hash::Table(..))
            && ((enc.set_listpack && args.len() / 2 > enc.hash_entries)
                || args.iter().any(|a| a.len() > enc.hash_value))
        {
            self.convert();
        }
    }

    /// Sets a field, clearing its expiry time (`HSET`); true when it is new.
    pub fn insert(&mut self, field: &[u8], value: Vec<u8>, enc: &Encodings) -> bool {
        self.write(field, value, enc, false)
    }

    /// Sets a field and keeps its expiry time (`HINCRBY`, `HINCRBYFLOAT`); true when it is new.
    pub fn insert_keep_ttl(&mut self, field: &[u8], value: Vec<u8>, enc: &Encodings) -> bool {
        self.write(field, value, enc, true)
    }

    fn write(&mut self, field: &[u8], value: Vec<u8>, enc: &Encodings, keep_ttl: bool) -> bool {
        let len = self.len();
        let too_long = field.len() > enc.hash_value || value.len() > enc.hash_value;
        match self {
            Hash::Listpack(pairs) if !too_long => {
                if let Some(slot) = pairs.iter_mut().find(|(f, _)| f == field) {
                    slot.1 = value;
                    return false;
                }
                if len < enc.hash_entries {
                    pairs.push((field.to_vec(), value));
                    return true;
                }
            }
            Hash::ListpackEx(entries) if !too_long => {
                if let Some(i) = entries.iter().position(|(f, _, _)| f == field) {
                    entries[i].1 = value;
                    if !keep_ttl && entries[i].2.is_some() {
                        let (f, v, _) = entries.remove(i);
                        entries.push((f, v, None));
                    }
                    return false;
                }
                if len < enc.hash_entries {
                    entries.push((field.to_vec(), value, None));
                    return true;
                }
            }
            _ => {}
        }
        self.convert();
        match self {
            Hash::Table(m, expires) => {
                if !keep_ttl {
                    expires.remove(field);
                }
                m.insert(field.to_vec(), value).is_none()
            }
            _ => false,
        }
    }

    fn convert(&mut self) {
        match self {
            Hash::Listpack(pairs) => *self = Hash::Table(std::mem::take(pairs).into_iter().collect(), BTreeMap::new()),
            Hash::ListpackEx(entries) => {
                let mut expires = BTreeMap::new();
                let mut map = BTreeMap::new();
                for (f, v, at) in std::mem::take(entries) {
                    if let Some(at) = at {
                        expires.insert(f.clone(), at);
                    }
                    map.insert(f, v);
                }
                *self = Hash::Table(map, expires);
            }
            Hash::Table(..) => {}
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
            Hash::ListpackEx(v) => match v.iter().position(|(f, _, _)| f == field) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            Hash::Table(m, expires) => {
                expires.remove(field);
                m.remove(field).is_some()
            }
        }
    }

    /// Every field and value, whether or not its time has come.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&Vec<u8>, &Vec<u8>)> + '_> {
        match self {
            Hash::Listpack(v) => Box::new(v.iter().map(|(f, v)| (f, v))),
            Hash::ListpackEx(v) => Box::new(v.iter().map(|(f, v, _)| (f, v))),
            Hash::Table(m, _) => Box::new(m.iter()),
        }
    }

    /// The fields whose time has not come at `now_ms` (Redis's iterators skip expired fields
    /// without deleting them: `HGETALL`, `HKEYS`, `HVALS`, `HRANDFIELD`, `HSCAN`).
    pub fn live(&self, now_ms: u64) -> Box<dyn Iterator<Item = (&Vec<u8>, &Vec<u8>)> + '_> {
        match self {
            Hash::Listpack(v) => Box::new(v.iter().map(|(f, v)| (f, v))),
            Hash::ListpackEx(v) => {
                Box::new(v.iter().filter(move |e| e.2.is_none_or(|t| t >= now_ms)).map(|(f, v, _)| (f, v)))
            }
            Hash::Table(m, expires) => {
                Box::new(m.iter().filter(move |(f, _)| expires.get(*f).is_none_or(|&t| t >= now_ms)))
            }
        }
    }
}

/// Puts an entry in a `listpackex` where Redis does: before the first entry without an expiry
/// time or with one at or after its own; an entry without one goes last.
fn insert_by_expiry(entries: &mut Vec<(Vec<u8>, Vec<u8>, Option<u64>)>, entry: (Vec<u8>, Vec<u8>, Option<u64>)) {
    let Some(at) = entry.2 else {
        entries.push(entry);
        return;
    };
    let i = entries.iter().position(|e| e.2.is_none_or(|t| t >= at)).unwrap_or(entries.len());
    entries.insert(i, entry);
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
        let grows = !self.scores.contains_key(member);
        if self.len() + usize::from(grows) > enc.zset_entries || member.len() > enc.zset_value {
            self.packed = false;
        }
        // A listpack keeps -0 as the integer 0, which reads back as +0.
        let score = if self.packed && score == 0.0 { 0.0 } else { score };
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
