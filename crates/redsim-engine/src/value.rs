//! The values a key can hold, in the encodings Redis picks for them (small collections are
//! packed in insertion or sorted order, large ones are tables), so `OBJECT ENCODING` and the
//! order of replies follow Redis where Redis's order is not a hash table's.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::args::parse_i64;
use crate::stream::Stream;

/// Redis's defaults for when a small encoding turns into a table.
pub const HASH_MAX_LISTPACK_ENTRIES: usize = 512;
pub const HASH_MAX_LISTPACK_VALUE: usize = 64;
pub const SET_MAX_INTSET_ENTRIES: usize = 512;
pub const SET_MAX_LISTPACK_ENTRIES: usize = 128;
pub const SET_MAX_LISTPACK_VALUE: usize = 64;
pub const ZSET_MAX_LISTPACK_ENTRIES: usize = 128;
pub const ZSET_MAX_LISTPACK_VALUE: usize = 64;

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

    /// What `OBJECT ENCODING` answers. `packed_lists`: Redis 7.2+ keeps small lists in a listpack.
    pub fn encoding(&self, packed_lists: bool) -> &'static str {
        match self {
            Value::String(s) if s.len() <= 20 && parse_i64(s).is_some() => "int",
            Value::String(s) if s.len() <= 44 => "embstr",
            Value::String(_) => "raw",
            Value::List(l) if packed_lists && l.len() <= 128 && l.iter().map(|e| e.len() + 2).sum::<usize>() < 8192 => {
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

/// A hash: a listpack (insertion order) until it grows past 512 fields or a 64-byte field or
/// value, then a table (shown in field order; Redis's own order there is its hash table's).
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

    /// Sets a field; true when it is new.
    pub fn insert(&mut self, field: &[u8], value: Vec<u8>) -> bool {
        if let Hash::Listpack(pairs) = self {
            if field.len() > HASH_MAX_LISTPACK_VALUE || value.len() > HASH_MAX_LISTPACK_VALUE {
                self.convert();
            } else if let Some(slot) = pairs.iter_mut().find(|(f, _)| f == field) {
                slot.1 = value;
                return false;
            } else if pairs.len() < HASH_MAX_LISTPACK_ENTRIES {
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
/// 512, a listpack (insertion order, Redis 7.2+) while small, otherwise a table.
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
    /// An empty set in the encoding Redis would create for its first member.
    pub fn for_member(member: &[u8], packed: bool) -> Set {
        if parse_i64(member).is_some() {
            Set::Intset(Vec::new())
        } else if packed && member.len() <= SET_MAX_LISTPACK_VALUE {
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

    /// Adds a member; true when it was not there. `packed`: listpack sets exist (7.2+).
    pub fn insert(&mut self, member: &[u8], packed: bool) -> bool {
        if self.contains(member) {
            return false;
        }
        match self {
            Set::Intset(v) => match parse_i64(member) {
                Some(n) if v.len() < SET_MAX_INTSET_ENTRIES => {
                    // Not there (checked above), so the search says where it goes.
                    let at = v.binary_search(&n).unwrap_or_else(|at| at);
                    v.insert(at, n);
                    return true;
                }
                _ => {
                    let members: Vec<Vec<u8>> = v.iter().map(|n| n.to_string().into_bytes()).collect();
                    let fits =
                        packed && members.len() < SET_MAX_LISTPACK_ENTRIES && member.len() <= SET_MAX_LISTPACK_VALUE;
                    *self = if fits { Set::Listpack(members) } else { Set::Table(members.into_iter().collect()) };
                }
            },
            Set::Listpack(v) => {
                if v.len() >= SET_MAX_LISTPACK_ENTRIES || member.len() > SET_MAX_LISTPACK_VALUE {
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
/// whether Redis would still hold it in a listpack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZSet {
    pub scores: BTreeMap<Vec<u8>, f64>,
    pub order: BTreeSet<(Score, Vec<u8>)>,
    pub packed: bool,
}

impl ZSet {
    pub fn new(first_member_len: usize) -> ZSet {
        ZSet { packed: first_member_len <= ZSET_MAX_LISTPACK_VALUE, ..ZSet::default() }
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
    pub fn insert(&mut self, member: &[u8], score: f64) -> bool {
        let old = self.scores.insert(member.to_vec(), score);
        if let Some(old) = old {
            self.order.remove(&(Score(old), member.to_vec()));
        }
        self.order.insert((Score(score), member.to_vec()));
        if self.len() > ZSET_MAX_LISTPACK_ENTRIES || member.len() > ZSET_MAX_LISTPACK_VALUE {
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
