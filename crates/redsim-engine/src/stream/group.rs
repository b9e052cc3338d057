//! Consumer groups (Redis's `streamCG`), their consumers (`streamConsumer`) and the pending
//! entries list (`streamNACK`s).

use std::collections::{BTreeMap, BTreeSet};

use super::id::StreamId;

/// Redis's `SCG_INVALID_ENTRIES_READ`: the group's read counter is unknown.
pub const ENTRIES_READ_UNKNOWN: i64 = -1;

/// An entry delivered to a consumer and not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    pub consumer: Vec<u8>,
    /// Virtual ms of the last delivery (or what `XCLAIM ... TIME/IDLE` set).
    pub delivery_time: u64,
    pub delivery_count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumer {
    pub name: Vec<u8>,
    /// Last time the consumer tried to read or claim (Redis's `seen_time`).
    pub seen_time: u64,
    /// Last time it actually got something (Redis 7.2's `active_time`); `None` if never.
    pub active_time: Option<u64>,
    /// Its own pending entries; each is also in the group's PEL, pointing back here.
    pub pending: BTreeSet<StreamId>,
}

impl Consumer {
    pub fn new(name: &[u8], now_ms: u64) -> Consumer {
        Consumer { name: name.to_vec(), seen_time: now_ms, active_time: None, pending: BTreeSet::new() }
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
        if let Some(consumer) = self.consumers.get_mut(&entry.consumer) {
            consumer.pending.remove(&id);
        }
        Some(entry)
    }

    /// Gives pending entry `id` to `consumer` (which must exist), creating it if needed, and
    /// returns the previous owner.
    pub fn assign_pending(
        &mut self,
        id: StreamId,
        consumer: &[u8],
        delivery_time: u64,
        delivery_count: u64,
    ) -> Option<Vec<u8>> {
        let previous = self.pending.get(&id).map(|p| p.consumer.clone());
        if let Some(prev) = &previous {
            if prev.as_slice() != consumer {
                if let Some(c) = self.consumers.get_mut(prev) {
                    c.pending.remove(&id);
                }
            }
        }
        self.pending.insert(id, PendingEntry { consumer: consumer.to_vec(), delivery_time, delivery_count });
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pending.insert(id);
        }
        previous
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
