//! Idempotent production (Redis 8.6): `XADD ... IDMP pid iid` and `IDMPAUTO pid` remember, per
//! producer, the idempotent IDs (iids) of recent entries, so a producer that retries an `XADD` gets
//! the ID of the entry it already added instead of a second entry.
//!
//! Each producer keeps at most `maxsize` iids (the oldest go first) and each iid at most
//! `duration` seconds. `XCFGSET` changes either setting and, when a value really changes, forgets
//! every producer's iids; the lifetime counters stay.

use std::collections::{BTreeMap, VecDeque};

use super::id::StreamId;

/// Redis's defaults (`stream-idmp-duration`, `stream-idmp-maxsize`).
pub const DEFAULT_DURATION_S: u64 = 100;
pub const DEFAULT_MAXSIZE: u64 = 100;
pub const DURATION_RANGE: (u64, u64) = (1, 86_400);
pub const MAXSIZE_RANGE: (u64, u64) = (1, 10_000);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdmpRecord {
    pub iid: Vec<u8>,
    pub id: StreamId,
    /// When it was added (virtual ms).
    pub at_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idmp {
    pub duration_s: u64,
    pub maxsize: u64,
    /// Each producer's iids, oldest first.
    pub producers: BTreeMap<Vec<u8>, VecDeque<IdmpRecord>>,
    /// Lifetime counts: entries added with an iid, and retries answered with an earlier entry.
    pub added: u64,
    pub duplicates: u64,
}

impl Default for Idmp {
    fn default() -> Self {
        Idmp::new(DEFAULT_DURATION_S, DEFAULT_MAXSIZE)
    }
}

impl Idmp {
    pub fn new(duration_s: u64, maxsize: u64) -> Idmp {
        Idmp { duration_s, maxsize, producers: BTreeMap::new(), added: 0, duplicates: 0 }
    }

    fn live(&self, record: &IdmpRecord, now_ms: u64) -> bool {
        now_ms < record.at_ms.saturating_add(self.duration_s * 1000)
    }

    /// Drops the producer's iids whose time is up.
    fn expire(&mut self, pid: &[u8], now_ms: u64) {
        let duration_ms = self.duration_s * 1000;
        if let Some(records) = self.producers.get_mut(pid) {
            while records.front().is_some_and(|r| now_ms >= r.at_ms.saturating_add(duration_ms)) {
                records.pop_front();
            }
            if records.is_empty() {
                self.producers.remove(pid);
            }
        }
    }

    /// The entry a producer already added with this iid, if it still remembers it (a retry,
    /// counted as a duplicate).
    pub fn seen(&mut self, pid: &[u8], iid: &[u8], now_ms: u64) -> Option<StreamId> {
        self.expire(pid, now_ms);
        let id = self.producers.get(pid)?.iter().rev().find(|r| r.iid == iid)?.id;
        self.duplicates += 1;
        Some(id)
    }

    /// The entry a producer added with this iid, if still remembered (not counted).
    pub fn remembered(&mut self, pid: &[u8], iid: &[u8], now_ms: u64) -> Option<StreamId> {
        self.expire(pid, now_ms);
        Some(self.producers.get(pid)?.iter().rev().find(|r| r.iid == iid)?.id)
    }

    /// `XIDMPRECORD`: a record received from elsewhere, kept like one of `record`'s but not
    /// counted as an entry added here.
    pub fn restore(&mut self, pid: &[u8], iid: Vec<u8>, id: StreamId, now_ms: u64) {
        self.record(pid, iid, id, now_ms);
        self.added -= 1;
    }

    /// Remembers that the producer added entry `id` with this iid.
    pub fn record(&mut self, pid: &[u8], iid: Vec<u8>, id: StreamId, now_ms: u64) {
        let maxsize = self.maxsize.max(1) as usize;
        let records = self.producers.entry(pid.to_vec()).or_default();
        records.push_back(IdmpRecord { iid, id, at_ms: now_ms });
        while records.len() > maxsize {
            records.pop_front();
        }
        self.added += 1;
    }

    /// `XCFGSET`: a setting that really changes forgets every producer's iids.
    pub fn configure(&mut self, duration_s: Option<u64>, maxsize: Option<u64>) {
        let changed = duration_s.is_some_and(|d| d != self.duration_s) || maxsize.is_some_and(|m| m != self.maxsize);
        self.duration_s = duration_s.unwrap_or(self.duration_s);
        self.maxsize = maxsize.unwrap_or(self.maxsize);
        if changed {
            self.producers.clear();
        }
    }

    /// `pids-tracked` and `iids-tracked` at `now_ms`.
    pub fn tracked(&self, now_ms: u64) -> (usize, usize) {
        let mut pids = 0;
        let mut iids = 0;
        for records in self.producers.values() {
            let live = records.iter().filter(|r| self.live(r, now_ms)).count();
            pids += usize::from(live > 0);
            iids += live;
        }
        (pids, iids)
    }
}

/// The iid `IDMPAUTO` derives from an entry's content: the same field-value pairs in any order
/// give the same iid.
pub fn auto_iid(pairs: &[Vec<u8>]) -> Vec<u8> {
    let mut sorted: Vec<(&[u8], &[u8])> = pairs.chunks(2).map(|p| (p[0].as_slice(), p[1].as_slice())).collect();
    sorted.sort();
    let mut canonical = Vec::new();
    for (field, value) in sorted {
        canonical.extend_from_slice(&(field.len() as u64).to_le_bytes());
        canonical.extend_from_slice(field);
        canonical.extend_from_slice(&(value.len() as u64).to_le_bytes());
        canonical.extend_from_slice(value);
    }
    redsim_lua::sha1::hex(&canonical).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64) -> StreamId {
        StreamId::new(ms, 0)
    }

    #[test]
    fn retries_find_the_first_entry_until_evicted_or_expired() {
        let mut idmp = Idmp::new(2, 3);
        for (n, iid) in ["a", "b", "c"].iter().enumerate() {
            assert_eq!(idmp.seen(b"p", iid.as_bytes(), 0), None);
            idmp.record(b"p", iid.as_bytes().to_vec(), id(n as u64 + 1), 0);
        }
        assert_eq!(idmp.seen(b"p", b"a", 10), Some(id(1)));
        assert_eq!(idmp.seen(b"q", b"a", 10), None, "producers are separate");
        idmp.record(b"p", b"d".to_vec(), id(4), 10);
        assert_eq!(idmp.seen(b"p", b"a", 20), None, "the oldest of four went");
        assert_eq!(idmp.tracked(20), (1, 3));
        assert_eq!(idmp.seen(b"p", b"d", 2_009), Some(id(4)));
        assert_eq!(idmp.seen(b"p", b"d", 2_010), None, "two seconds later it is forgotten");
        assert_eq!(idmp.tracked(2_010), (0, 0));
        assert_eq!((idmp.added, idmp.duplicates), (4, 2));
    }

    #[test]
    fn a_setting_that_changes_forgets_the_iids() {
        let mut idmp = Idmp::default();
        idmp.record(b"p", b"a".to_vec(), id(1), 0);
        idmp.configure(Some(100), Some(100));
        assert_eq!(idmp.tracked(0), (1, 1));
        idmp.configure(Some(5), None);
        assert_eq!(idmp.tracked(0), (0, 0));
        assert_eq!((idmp.duration_s, idmp.maxsize, idmp.added), (5, 100, 1));
    }

    #[test]
    fn auto_iids_ignore_field_order() {
        let pairs = |s: &[&str]| s.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(auto_iid(&pairs(&["a", "1", "b", "2"])), auto_iid(&pairs(&["b", "2", "a", "1"])));
        assert_ne!(auto_iid(&pairs(&["a", "1"])), auto_iid(&pairs(&["a", "2"])));
        assert_ne!(auto_iid(&pairs(&["ab", "c"])), auto_iid(&pairs(&["a", "bc"])));
    }
}
