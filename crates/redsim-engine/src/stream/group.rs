//! Consumer groups (Redis's `streamCG`), their consumers (`streamConsumer`) and the pending
//! entries list (`streamNACK`s).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::id::StreamId;

/// The owner of a released entry: no consumer (an empty name).
fn nobody() -> Arc<[u8]> {
    Arc::from(&b""[..])
}

/// Redis's `SCG_INVALID_ENTRIES_READ`: the group's read counter is unknown.
pub const ENTRIES_READ_UNKNOWN: i64 = -1;

/// An entry delivered to a consumer and not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    /// Shared with the consumer's own record: a pending entry costs no copy of the name.
    pub consumer: Arc<[u8]>,
    /// Virtual ms of the last delivery (or what `XCLAIM ... TIME/IDLE` set).
    pub delivery_time: u64,
    pub delivery_count: u64,
    /// Handed back by `XNACK` (Redis 8.8): owned by no consumer and claimable at once, whatever
    /// the minimum idle time asked for.
    pub released: bool,
}

impl PendingEntry {
    /// How long the entry has been idle, for claiming: a released entry counts as idle forever.
    pub fn idle_for_claim(&self, now_ms: u64) -> u64 {
        if self.released {
            u64::MAX
        } else {
            now_ms.saturating_sub(self.delivery_time)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumer {
    pub name: Arc<[u8]>,
    /// Last time the consumer tried to read or claim (Redis's `seen_time`).
    pub seen_time: u64,
    /// Last time it actually got something (Redis 7.2's `active_time`); `None` if never.
    pub active_time: Option<u64>,
    /// Its own pending entries; each is also in the group's PEL, pointing back here.
    pub pending: BTreeSet<StreamId>,
}

impl Consumer {
    pub fn new(name: &[u8], now_ms: u64) -> Consumer {
        Consumer { name: name.into(), seen_time: now_ms, active_time: None, pending: BTreeSet::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerGroup {
    pub last_delivered_id: StreamId,
    /// Logical count of entries read up to `last_delivered_id`, or `ENTRIES_READ_UNKNOWN`.
    pub entries_read: i64,
    pub pending: BTreeMap<StreamId, PendingEntry>,
    /// Ordered by name bytes, as Redis's radix tree orders them.
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl ConsumerGroup {
    pub fn new(last_delivered_id: StreamId, entries_read: i64) -> ConsumerGroup {
        ConsumerGroup { last_delivered_id, entries_read, pending: BTreeMap::new(), consumers: BTreeMap::new() }
    }

    /// Creates the consumer if it does not exist; true when created.
    pub fn ensure_consumer(&mut self, name: &[u8], now_ms: u64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(name.to_vec(), Consumer::new(name, now_ms));
        true
    }

    /// Removes a pending entry from the group and from its consumer.
    pub fn remove_pending(&mut self, id: StreamId) -> Option<PendingEntry> {
        let entry = self.pending.remove(&id)?;
        if let Some(consumer) = self.consumers.get_mut(&*entry.consumer) {
            consumer.pending.remove(&id);
        }
        Some(entry)
    }

    /// Removes pending entries (`XACK`), each from the group and from its consumer, looking a
    /// consumer up once for a run of its entries; `removed` sees each entry that was pending.
    pub fn remove_pending_many(&mut self, ids: &[StreamId], mut removed: impl FnMut(StreamId, &PendingEntry)) {
        let ConsumerGroup { pending, consumers, .. } = self;
        let mut owner: Option<(Arc<[u8]>, Option<&mut Consumer>)> = None;
        for &id in ids {
            let Some(entry) = pending.remove(&id) else { continue };
            if owner.as_ref().is_none_or(|(name, _)| **name != *entry.consumer) {
                owner = Some((entry.consumer.clone(), consumers.get_mut(&*entry.consumer)));
            }
            if let Some((_, Some(consumer))) = owner.as_mut() {
                consumer.pending.remove(&id);
            }
            removed(id, &entry);
        }
    }

    /// First deliveries of `ids` to `consumer` (which must exist), as `assign_pending(id,
    /// consumer, now_ms, 1)` for each in turn, with the consumer looked up once. Returns the
    /// entries that were pending already, with the consumer that had them.
    pub fn assign_new(&mut self, consumer: &[u8], ids: &[StreamId], now_ms: u64) -> Vec<(StreamId, Arc<[u8]>)> {
        let ConsumerGroup { pending, consumers, .. } = self;
        let Some(c) = consumers.get_mut(consumer) else {
            return ids
                .iter()
                .filter_map(|&id| self.assign_pending(id, consumer, now_ms, 1).map(|p| (id, p)))
                .collect();
        };
        let mut previous = Vec::new();
        for &id in ids {
            c.pending.insert(id);
            let entry =
                PendingEntry { consumer: c.name.clone(), delivery_time: now_ms, delivery_count: 1, released: false };
            if let Some(old) = pending.insert(id, entry) {
                previous.push((id, old.consumer));
            }
        }
        // An entry another consumer had leaves that consumer's list.
        for (id, owner) in &previous {
            if **owner != *consumer {
                if let Some(other) = consumers.get_mut(&**owner) {
                    other.pending.remove(id);
                }
            }
        }
        previous
    }

    /// Gives pending entry `id` to `consumer` (which must exist), creating it if needed, and
    /// returns the previous owner.
    pub fn assign_pending(
        &mut self,
        id: StreamId,
        consumer: &[u8],
        delivery_time: u64,
        delivery_count: u64,
    ) -> Option<Arc<[u8]>> {
        let name = match self.consumers.get_mut(consumer) {
            Some(c) => {
                c.pending.insert(id);
                c.name.clone()
            }
            None => consumer.into(),
        };
        let entry = PendingEntry { consumer: name, delivery_time, delivery_count, released: false };
        // One search of the PEL: a new entry (the usual case) is inserted where the search ended.
        let previous = match self.pending.entry(id) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(entry);
                return None;
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => slot.insert(entry).consumer,
        };
        if *previous != *consumer {
            if let Some(c) = self.consumers.get_mut(&*previous) {
                c.pending.remove(&id);
            }
        }
        Some(previous)
    }

    /// `XNACK`: the entry leaves its consumer and stays pending, owned by nobody, with this delivery
    /// count. Returns the consumer that had it (empty if none). With `create`, an entry that was
    /// not pending becomes a released one.
    pub fn release(
        &mut self,
        id: StreamId,
        delivery_count: impl Fn(u64) -> u64,
        create: Option<u64>,
    ) -> Option<Arc<[u8]>> {
        let entry = match self.pending.entry(id) {
            std::collections::btree_map::Entry::Vacant(vacant) => {
                let now_ms = create?;
                vacant.insert(PendingEntry {
                    consumer: nobody(),
                    delivery_time: now_ms,
                    delivery_count: delivery_count(0),
                    released: true,
                });
                return Some(nobody());
            }
            std::collections::btree_map::Entry::Occupied(occupied) => occupied.into_mut(),
        };
        let owner = std::mem::replace(&mut entry.consumer, nobody());
        entry.delivery_count = delivery_count(entry.delivery_count);
        entry.released = true;
        if let Some(c) = self.consumers.get_mut(&*owner) {
            c.pending.remove(&id);
        }
        Some(owner)
    }

    /// Deletes a consumer and its pending entries; returns how many it had.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let consumer = self.consumers.remove(name)?;
        for id in &consumer.pending {
            self.pending.remove(id);
        }
        Some(consumer.pending.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64) -> StreamId {
        StreamId::new(ms, 0)
    }

    /// A group where `b` holds 2 and 4, `a` holds 1, and `c` exists with nothing.
    fn group() -> ConsumerGroup {
        let mut g = ConsumerGroup::new(StreamId::MIN, 0);
        for name in [&b"a"[..], b"b", b"c"] {
            g.ensure_consumer(name, 0);
        }
        g.assign_pending(id(1), b"a", 5, 1);
        g.assign_pending(id(2), b"b", 5, 3);
        g.assign_pending(id(4), b"b", 5, 1);
        g
    }

    #[test]
    fn handing_out_at_once_ends_as_one_by_one() {
        let ids = [id(2), id(3), id(4), id(5)];
        let mut batch = group();
        let previous = batch.assign_new(b"c", &ids, 9);
        let mut single = group();
        let expected: Vec<(StreamId, Arc<[u8]>)> =
            ids.iter().filter_map(|&i| single.assign_pending(i, b"c", 9, 1).map(|p| (i, p))).collect();
        assert_eq!(batch, single);
        assert_eq!(previous, expected);
        assert_eq!(batch.consumers[&b"b"[..]].pending.len(), 0);
        assert_eq!(batch.consumers[&b"c"[..]].pending.len(), 4);
    }

    #[test]
    fn acknowledging_at_once_ends_as_one_by_one() {
        // Mixed owners, a repeat and an ID that is not pending.
        let ids = [id(2), id(1), id(1), id(9), id(4)];
        let mut batch = group();
        let mut seen = Vec::new();
        batch.remove_pending_many(&ids, |i, p| seen.push((i, p.consumer.clone())));
        let mut single = group();
        let expected: Vec<(StreamId, Arc<[u8]>)> =
            ids.iter().filter_map(|&i| single.remove_pending(i).map(|p| (i, p.consumer))).collect();
        assert_eq!(batch, single);
        assert_eq!(seen, expected);
        assert!(batch.pending.is_empty());
    }
}
