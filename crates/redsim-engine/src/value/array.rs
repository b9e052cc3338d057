//! Redis 8.8's array: a sparse map from indexes (0 to 2^64-1) to strings, with an insert cursor
//! for `ARINSERT`/`ARRING`.
//!
//! Redis keeps an array in slices of `array-slice-size` consecutive indexes, each either dense (a
//! run of slots) or sparse (index-value pairs), reached through a directory of slices and, for
//! slices far out, a super-directory. Redsim keeps the elements in index order and works out the
//! slice figures `ARINFO` reports from them (`SliceStats`); what those figures mean beyond
//! redis.io's page is Redsim's model (docs/COMMANDS.md, "Chosen here").

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

/// The slices one directory holds; slices beyond it are entries of the super-directory.
pub const DIRECTORY_SLICES: u64 = 1 << 16;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Array {
    items: BTreeMap<u64, Vec<u8>>,
    /// The index the next `ARINSERT` writes; `None` once an insert wrote index 2^64-1.
    next: Option<u64>,
}

impl Array {
    pub fn new() -> Array {
        Array { items: BTreeMap::new(), next: Some(0) }
    }

    /// Non-empty slots (`ARCOUNT`).
    pub fn count(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The highest set index plus one (`ARLEN`), which may be 2^64.
    pub fn len(&self) -> u128 {
        self.items.last_key_value().map_or(0, |(i, _)| u128::from(*i) + 1)
    }

    pub fn first_index(&self) -> Option<u64> {
        self.items.first_key_value().map(|(i, _)| *i)
    }

    pub fn last_index(&self) -> Option<u64> {
        self.items.last_key_value().map(|(i, _)| *i)
    }

    pub fn get(&self, index: u64) -> Option<&Vec<u8>> {
        self.items.get(&index)
    }

    /// Stores `value` at `index`; true when the slot was empty.
    pub fn set(&mut self, index: u64, value: Vec<u8>) -> bool {
        self.items.insert(index, value).is_none()
    }

    /// Empties the slot; true when it held a value.
    pub fn delete(&mut self, index: u64) -> bool {
        self.items.remove(&index).is_some()
    }

    /// Empties every slot in `range`, returning how many held a value.
    pub fn delete_range(&mut self, range: RangeInclusive<u64>) -> usize {
        let doomed: Vec<u64> = self.items.range(range).map(|(i, _)| *i).collect();
        for i in &doomed {
            self.items.remove(i);
        }
        doomed.len()
    }

    /// The elements in `range`, lowest index first.
    pub fn range(&self, range: RangeInclusive<u64>) -> impl DoubleEndedIterator<Item = (u64, &Vec<u8>)> {
        self.items.range(range).map(|(i, v)| (*i, v))
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &Vec<u8>)> {
        self.items.iter().map(|(i, v)| (*i, v))
    }

    /// The insert cursor (`ARNEXT`); `None` when exhausted.
    pub fn next_insert(&self) -> Option<u64> {
        self.next
    }

    pub fn seek(&mut self, index: u64) {
        self.next = Some(index);
    }

    /// Sets the cursor, `None` for exhausted (a value read back from a dump).
    pub fn set_next(&mut self, next: Option<u64>) {
        self.next = next;
    }

    /// `ARINSERT` of one value: written at the cursor, which moves on. The index written, or
    /// `None` (nothing written) when the cursor is exhausted.
    pub fn insert(&mut self, value: Vec<u8>) -> Option<u64> {
        let at = self.next?;
        self.items.insert(at, value);
        self.next = at.checked_add(1);
        Some(at)
    }

    /// `ARRING` of one value into a ring of `size` slots (size > 0): written at the cursor modulo
    /// the size, the cursor moving to the slot after it.
    pub fn ring_insert(&mut self, size: u64, value: Vec<u8>) -> u64 {
        let cursor = self.next.map_or(1u128 << 64, u128::from);
        let at = (cursor % u128::from(size)) as u64;
        self.items.insert(at, value);
        self.next = at.checked_add(1);
        at
    }

    /// Drops every element at `size` or beyond (a ring made smaller).
    pub fn truncate(&mut self, size: u64) {
        self.items.split_off(&size);
    }

    /// The elements most recently inserted, newest first: walking back from the cursor and
    /// wrapping around at the end of the array, as a ring buffer is read.
    pub fn newest_first(&self) -> impl Iterator<Item = (u64, &Vec<u8>)> {
        let cursor = self.next.map_or(u128::from(u64::MAX) + 1, u128::from);
        let before = u64::try_from(cursor).ok();
        let (low, high): (Vec<_>, Vec<_>) = match before {
            Some(c) => (self.items.range(..c).rev().collect(), self.items.range(c..).rev().collect()),
            None => (self.items.iter().rev().collect(), Vec::new()),
        };
        low.into_iter().chain(high).map(|(i, v)| (*i, v))
    }

    /// The slices that hold elements and how full each is, for `ARINFO`.
    pub fn slices(&self, slice_size: u64, sparse_max: u64) -> SliceStats {
        let slice_size = slice_size.max(1);
        let mut stats = SliceStats::default();
        let mut current: Option<(u64, u64)> = None;
        let close = |stats: &mut SliceStats, slice: u64, n: u64| {
            stats.slices += 1;
            if slice < DIRECTORY_SLICES {
                stats.directory_size = stats.directory_size.max(slice + 1);
            } else {
                stats.super_dir_entries += 1;
            }
            if n > sparse_max {
                stats.dense += 1;
                stats.dense_elements += n;
            } else {
                stats.sparse += 1;
                stats.sparse_elements += n;
            }
        };
        for &index in self.items.keys() {
            let slice = index / slice_size;
            match current {
                Some((s, n)) if s == slice => current = Some((s, n + 1)),
                Some((s, n)) => {
                    close(&mut stats, s, n);
                    current = Some((slice, 1));
                }
                None => current = Some((slice, 1)),
            }
        }
        if let Some((s, n)) = current {
            close(&mut stats, s, n);
        }
        stats.slice_size = slice_size;
        stats
    }

    /// Bytes of the elements' values, for `MEMORY USAGE`.
    pub fn value_bytes(&self) -> usize {
        self.items.values().map(Vec::len).sum()
    }
}

/// What `ARINFO` reports of the slices.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SliceStats {
    pub slices: u64,
    pub directory_size: u64,
    pub super_dir_entries: u64,
    pub slice_size: u64,
    pub dense: u64,
    pub sparse: u64,
    pub dense_elements: u64,
    pub sparse_elements: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    #[test]
    fn ring_reads_back_newest_first() {
        let mut a = Array::new();
        for x in ["v0", "v1", "v2", "v3"] {
            a.ring_insert(3, v(x));
        }
        let newest: Vec<_> = a.newest_first().map(|(_, v)| v.clone()).collect();
        assert_eq!(newest, [v("v3"), v("v2"), v("v1")]);
        assert_eq!(a.next_insert(), Some(1));
    }

    #[test]
    fn cursor_exhausts_at_the_last_index() {
        let mut a = Array::new();
        a.seek(u64::MAX);
        assert_eq!(a.insert(v("x")), Some(u64::MAX));
        assert_eq!(a.next_insert(), None);
        assert_eq!(a.insert(v("y")), None);
        assert_eq!(a.len(), 1u128 << 64);
    }

    #[test]
    fn slices_by_index() {
        let mut a = Array::new();
        for i in [0, 1, 100, 5000, 1 << 40] {
            a.set(i, v("x"));
        }
        let s = a.slices(4096, 512);
        assert_eq!((s.slices, s.directory_size, s.super_dir_entries), (3, 2, 1));
        assert_eq!((s.dense, s.sparse, s.sparse_elements), (0, 3, 5));
    }
}
