//! Streams as Redis keeps them: an ordered map of nodes keyed by their first ID, each node holding
//! up to `stream-node-max-entries` entries or `stream-node-max-bytes` bytes, with the stream's
//! counters and its consumer groups.

pub mod group;
pub mod id;
pub mod idmp;
pub mod listpack;
pub mod node;
pub mod nodes;
mod rax;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use group::{Consumer, ConsumerGroup, PendingEntry, ENTRIES_READ_UNKNOWN};
pub use id::{parse_id, IdSyntax, ParsedId, StreamId};
pub use idmp::Idmp;
pub use node::{EntryMeta, Node, StreamEntry};
pub use nodes::Nodes;

/// Nodes of Redis's radix tree holding these 16-byte keys (in increasing order).
pub fn rax_node_count(keys: impl Iterator<Item = [u8; 16]>) -> usize {
    rax::node_count(keys)
}

/// Redis's `STREAM_LISTPACK_MAX_SIZE`.
pub const LISTPACK_MAX_SIZE: usize = 1 << 30;

/// Node limits, from `CONFIG`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLimits {
    pub max_entries: i64,
    pub max_bytes: i64,
}

impl Default for NodeLimits {
    fn default() -> Self {
        NodeLimits { max_entries: 100, max_bytes: 4096 }
    }
}

/// Why an append failed (Redis's `errno` values from `streamAppendItem`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendError {
    /// `EDOM`: the ID is not greater than the stream's last ID.
    IdTooSmall,
    /// `EDOM` from `<ms>-*` when the sequence for that ms is exhausted.
    SequenceExhausted,
    /// `ERANGE`: the fields and values are too large for one listpack.
    TooLarge,
}

/// Where an appended entry went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    pub id: StreamId,
    pub node: StreamId,
    pub new_node: bool,
}

/// How a trim decides what to remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimStrategy {
    MaxLen(u64),
    MinId(StreamId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrimSpec {
    pub strategy: TrimStrategy,
    /// `~`: only whole nodes are removed.
    pub approx: bool,
    /// Most entries to remove (0: no limit).
    pub limit: i64,
    /// What happens to consumer groups' references to the removed entries (Redis 8.2).
    pub policy: DeletePolicy,
}

/// Redis 8.2's delete strategies for `XDELEX`, `XACKDEL` and trimming.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeletePolicy {
    /// Delete the entry; pending entries lists keep pointing at it (what `XDEL` always did).
    #[default]
    KeepRef,
    /// Delete the entry and drop it from every group's pending entries list.
    DelRef,
    /// Delete only entries no group still needs: pending nowhere and read by every group.
    Acked,
}

impl DeletePolicy {
    pub fn parse(word: &[u8]) -> Option<DeletePolicy> {
        [("KEEPREF", DeletePolicy::KeepRef), ("DELREF", DeletePolicy::DelRef), ("ACKED", DeletePolicy::Acked)]
            .into_iter()
            .find(|(name, _)| word.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, p)| p)
    }
}

/// Redis's `streamEntryIsReferenced`: some group has the entry pending, or some group has not
/// read that far yet.
fn referenced(groups: &BTreeMap<Vec<u8>, ConsumerGroup>, id: StreamId) -> bool {
    groups.values().any(|g| g.pending.contains_key(&id) || id > g.last_delivered_id)
}

/// Redis's `streamCleanupEntryCGroupRefs`: drops `id` from every group's pending entries list.
/// Returns the groups (and consumers) that had it.
fn drop_refs(groups: &mut BTreeMap<Vec<u8>, ConsumerGroup>, id: StreamId) -> Vec<(Vec<u8>, Vec<u8>)> {
    groups
        .iter_mut()
        .filter_map(|(name, g)| g.remove_pending(id).map(|p| (name.clone(), p.consumer.to_vec())))
        .collect()
}

/// What a trim removed, for effects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trimmed {
    pub ids: Vec<StreamId>,
    pub nodes_removed: Vec<StreamId>,
    /// Pending entries dropped by `DELREF`: (group, consumer, id).
    pub refs_dropped: Vec<(Vec<u8>, Vec<u8>, StreamId)>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stream {
    /// Shared with copies of the stream until written (`Arc::make_mut`): a snapshot of a long
    /// stream costs a pointer per node, and only the node written next is copied.
    pub nodes: Nodes,
    pub length: u64,
    pub last_id: StreamId,
    /// Redis's `first_id`: the first live entry's ID as last recorded (0-0 when empty).
    pub first_id: StreamId,
    pub max_deleted_entry_id: StreamId,
    pub entries_added: u64,
    pub groups: BTreeMap<Vec<u8>, ConsumerGroup>,
    /// Idempotent producers' recent iids (Redis 8.6).
    pub idmp: Idmp,
}

impl Stream {
    /// Appends an entry. `requested` is the ID given to XADD (`None` for `*`).
    pub fn append(
        &mut self,
        fields: &[Vec<u8>],
        requested: Option<ParsedId>,
        now_ms: u64,
        limits: NodeLimits,
    ) -> Result<Appended, AppendError> {
        let id = match requested {
            None if now_ms > self.last_id.ms => StreamId::new(now_ms, 0),
            None => self.last_id.next().ok_or(AppendError::IdTooSmall)?,
            Some(ParsedId { id, seq_given: true }) => id,
            Some(ParsedId { id, seq_given: false }) if id.ms == self.last_id.ms => {
                if self.last_id.seq == u64::MAX {
                    return Err(AppendError::SequenceExhausted);
                }
                StreamId::new(id.ms, self.last_id.seq + 1)
            }
            Some(ParsedId { id, .. }) => id,
        };
        if requested.is_some() && id <= self.last_id {
            return Err(AppendError::IdTooSmall);
        }
        let total_len: usize = fields.iter().map(Vec::len).sum();
        if total_len > LISTPACK_MAX_SIZE {
            return Err(AppendError::TooLarge);
        }
        let max_bytes = match limits.max_bytes {
            b if b <= 0 || b as usize > LISTPACK_MAX_SIZE => LISTPACK_MAX_SIZE,
            b => b as usize,
        };
        let tail_has_room = self.nodes.values().next_back().is_some_and(|tail| {
            let by_bytes = tail.bytes() + total_len < max_bytes;
            let by_count = limits.max_entries <= 0 || ((tail.live + tail.deleted) as i64) < limits.max_entries;
            by_bytes && by_count
        });
        let appended = match self.nodes.last_mut().filter(|_| tail_has_room) {
            Some((node, tail)) => {
                Arc::make_mut(tail).push(id, fields);
                Appended { id, node, new_node: false }
            }
            None => {
                self.nodes.insert(id, Arc::new(Node::new(id, fields)));
                Appended { id, node: id, new_node: true }
            }
        };
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(appended)
    }

    /// The node that would hold `id` (the last node starting at or before it).
    fn node_for(&self, id: StreamId) -> Option<(&StreamId, &Node)> {
        self.nodes.floor(id).map(|(k, n)| (k, &**n))
    }

    /// The live entry with this ID, decoded.
    pub fn entry(&self, id: StreamId) -> Option<StreamEntry> {
        let (_, node) = self.node_for(id)?;
        node.find(id).filter(|m| !m.deleted).map(|m| node.decode(m))
    }

    pub fn contains(&self, id: StreamId) -> bool {
        self.node_for(id).and_then(|(_, node)| node.find(id)).is_some_and(|m| !m.deleted)
    }

    /// Flags the entry as deleted (freeing its node when it was the last live one). Returns
    /// `Some(node_freed)` when an entry was deleted.
    pub fn delete(&mut self, id: StreamId) -> Option<bool> {
        let (master, node) = self.nodes.floor_mut(id)?;
        let meta = node.find(id).filter(|m| !m.deleted)?;
        let freed = node.live == 1;
        if freed {
            self.nodes.remove(master);
        } else {
            Arc::make_mut(node).mark_deleted(meta);
        }
        self.length -= 1;
        Some(freed)
    }

    /// Live entries with `start <= id <= end`, forwards or backwards, decoded as they are reached.
    pub fn range(&self, start: StreamId, end: StreamId, rev: bool) -> Box<dyn Iterator<Item = StreamEntry> + '_> {
        if start > end {
            return Box::new(std::iter::empty());
        }
        let first_node = self.node_for(start).map_or(StreamId::MIN, |(k, _)| *k);
        let in_range = move |m: &EntryMeta| !m.deleted && m.id >= start && m.id <= end;
        let nodes = self.nodes.range(first_node, end).map(|(_, n)| n);
        if rev {
            Box::new(nodes.rev().flat_map(move |n| {
                let metas: Vec<EntryMeta> = n.metas().filter(in_range).collect();
                metas.into_iter().rev().map(move |m| n.decode(m))
            }))
        } else {
            Box::new(nodes.flat_map(move |n| n.metas().filter(in_range).map(move |m| n.decode(m))))
        }
    }

    /// Like `range`, but hands each live entry to `visit` as its node and position, without
    /// decoding it: the fast path for replies.
    pub fn for_each_in_range(
        &self,
        start: StreamId,
        end: StreamId,
        limit: usize,
        mut visit: impl FnMut(&Node, EntryMeta),
    ) {
        if start > end || limit == 0 {
            return;
        }
        let first_node = self.node_for(start).map_or(StreamId::MIN, |(k, _)| *k);
        let mut left = limit;
        for node in self.nodes.range(first_node, end).map(|(_, n)| n) {
            for meta in node.metas() {
                if meta.id > end {
                    return;
                }
                if meta.deleted || meta.id < start {
                    continue;
                }
                visit(node, meta);
                left -= 1;
                if left == 0 {
                    return;
                }
            }
        }
    }

    fn first_live(&self) -> Option<(&Node, EntryMeta)> {
        self.nodes.values().find_map(|n| n.metas().find(|m| !m.deleted).map(|m| (&**n, m)))
    }

    fn last_live(&self) -> Option<(&Node, EntryMeta)> {
        self.nodes.values().rev().find_map(|n| n.metas().filter(|m| !m.deleted).last().map(|m| (&**n, m)))
    }

    pub fn first_entry(&self) -> Option<StreamEntry> {
        self.first_live().map(|(n, m)| n.decode(m))
    }

    pub fn last_entry(&self) -> Option<StreamEntry> {
        self.last_live().map(|(n, m)| n.decode(m))
    }

    /// The ID of the last live entry (Redis's `streamLastValidID`), without decoding it.
    pub fn last_live_id(&self) -> Option<StreamId> {
        // A tail node with nothing deleted ends with a live entry: no need to walk it.
        match self.nodes.values().next_back() {
            Some(tail) if tail.deleted == 0 && tail.live > 0 => Some(tail.last_id()),
            _ => self.last_live().map(|(_, m)| m.id),
        }
    }

    /// Records the first live entry as Redis does after a deletion or trim.
    pub fn refresh_first_id(&mut self) {
        self.first_id =
            if self.length == 0 { StreamId::MIN } else { self.first_entry().map_or(StreamId::MAX, |e| e.id) };
    }

    /// Whether a consumer group still needs entry `id` (Redis's `streamEntryIsReferenced`).
    pub fn is_referenced(&self, id: StreamId) -> bool {
        referenced(&self.groups, id)
    }

    /// Drops `id` from every group's pending entries list; returns (group, consumer) pairs.
    pub fn drop_refs(&mut self, id: StreamId) -> Vec<(Vec<u8>, Vec<u8>)> {
        drop_refs(&mut self.groups, id)
    }

    /// Redis's `streamTrim`. With `KEEPREF` whole nodes go at once; `DELREF` and `ACKED` (Redis
    /// 8.2) look at each entry of a node that may go, and `ACKED` keeps the ones a group needs.
    pub fn trim(&mut self, spec: TrimSpec) -> Trimmed {
        let mut trimmed = Trimmed::default();
        // Node by node from the first, looking each next one up (not listing them all first: a
        // MAXLEN on every XADD of a long stream usually stops at the first node).
        let mut next = self.nodes.keys().next().copied();
        while let Some(master) = next {
            next = self.nodes.key_after(master);
            if let TrimStrategy::MaxLen(max) = spec.strategy {
                if self.length <= max {
                    break;
                }
            }
            let Some(node) = self.nodes.get(master) else { break };
            let live = node.live as u64;
            if spec.limit > 0 && trimmed.ids.len() as i64 + live as i64 > spec.limit {
                break;
            }
            let remove_node = match spec.strategy {
                TrimStrategy::MaxLen(max) => self.length - live >= max,
                TrimStrategy::MinId(min) => node.last_id() < min,
            };
            if remove_node && spec.policy == DeletePolicy::KeepRef {
                let Some(node) = self.nodes.remove(master) else { break };
                trimmed.ids.extend(node.metas().filter(|m| !m.deleted).map(|m| m.id));
                trimmed.nodes_removed.push(master);
                self.length -= live;
                continue;
            }
            if !remove_node && spec.approx {
                break;
            }
            let Stream { nodes, groups, length, .. } = self;
            let Some(node) = nodes.get_mut(master).map(Arc::make_mut) else { break };
            let metas: Vec<EntryMeta> = node.metas().collect();
            let mut stopped = false;
            for meta in metas {
                let stop = match spec.strategy {
                    TrimStrategy::MaxLen(max) => *length <= max,
                    TrimStrategy::MinId(min) => meta.id >= min,
                };
                if stop {
                    stopped = true;
                    break;
                }
                if spec.policy == DeletePolicy::Acked && referenced(groups, meta.id) {
                    continue;
                }
                if spec.policy == DeletePolicy::DelRef {
                    let dropped = drop_refs(groups, meta.id);
                    trimmed.refs_dropped.extend(dropped.into_iter().map(|(g, c)| (g, c, meta.id)));
                }
                if node.mark_deleted(meta) {
                    trimmed.ids.push(meta.id);
                    *length -= 1;
                }
            }
            if node.live == 0 {
                nodes.remove(master);
                trimmed.nodes_removed.push(master);
            }
            if stopped || !remove_node {
                break;
            }
        }
        self.refresh_first_id();
        trimmed
    }

    /// Redis's `streamRangeHasTombstones`.
    pub fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_entry_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_entry_id {
            return false;
        }
        start <= self.max_deleted_entry_id && self.max_deleted_entry_id <= end
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`, or
    /// `ENTRIES_READ_UNKNOWN`.
    pub fn estimate_entries_read(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return self.entries_added as i64;
        }
        match id.cmp(&self.last_id) {
            std::cmp::Ordering::Equal => return self.entries_added as i64,
            std::cmp::Ordering::Greater => return ENTRIES_READ_UNKNOWN,
            std::cmp::Ordering::Less => {}
        }
        if self.max_deleted_entry_id.is_zero() || self.max_deleted_entry_id < self.first_id {
            match id.cmp(&self.first_id) {
                std::cmp::Ordering::Less => return (self.entries_added - self.length) as i64,
                std::cmp::Ordering::Equal => return (self.entries_added - self.length + 1) as i64,
                std::cmp::Ordering::Greater => {}
            }
        }
        ENTRIES_READ_UNKNOWN
    }

    /// A group's lag as Redis's `streamReplyWithCGLag` computes it; `None` when unknown.
    pub fn lag(&self, group: &ConsumerGroup) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if group.entries_read != ENTRIES_READ_UNKNOWN
            && !self.range_has_tombstones(group.last_delivered_id, StreamId::MAX)
        {
            return Some(self.entries_added as i64 - group.entries_read);
        }
        match self.estimate_entries_read(group.last_delivered_id) {
            ENTRIES_READ_UNKNOWN => None,
            read => Some(self.entries_added as i64 - read),
        }
    }

    /// What `radix-tree-nodes` reports for the node keys.
    pub fn radix_tree_nodes(&self) -> usize {
        rax::node_count(self.nodes.keys().map(|id| id.encode()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(s: &mut Stream, ms: u64) -> Appended {
        let id = ParsedId { id: StreamId::new(ms, 0), seq_given: true };
        s.append(&[b"f".to_vec(), b"v".to_vec()], Some(id), 0, NodeLimits::default()).unwrap()
    }

    #[test]
    fn nodes_split_at_one_hundred_entries() {
        let mut s = Stream::default();
        for ms in 1..=350 {
            add(&mut s, ms);
        }
        assert_eq!(s.nodes.len(), 4);
        assert_eq!(s.nodes.keys().copied().collect::<Vec<_>>(), [1, 101, 201, 301].map(|ms| StreamId::new(ms, 0)));
        let trimmed = s.trim(TrimSpec {
            strategy: TrimStrategy::MaxLen(120),
            approx: true,
            limit: 10_000,
            policy: DeletePolicy::KeepRef,
        });
        assert_eq!(trimmed.ids.len(), 200);
        assert_eq!(s.length, 150);
        assert_eq!(s.first_id, StreamId::new(201, 0));
        let exact = s.trim(TrimSpec {
            strategy: TrimStrategy::MaxLen(120),
            approx: false,
            limit: 0,
            policy: DeletePolicy::KeepRef,
        });
        assert_eq!(exact.ids.len(), 30);
        assert_eq!(s.nodes.get(StreamId::new(201, 0)).map(|n| n.deleted), Some(30));
        assert_eq!(s.first_id, StreamId::new(231, 0));
    }

    #[test]
    fn deleting_the_last_live_entry_frees_the_node() {
        let mut s = Stream::default();
        add(&mut s, 1);
        add(&mut s, 2);
        assert_eq!(s.delete(StreamId::new(1, 0)), Some(false));
        assert_eq!(s.delete(StreamId::new(1, 0)), None);
        assert_eq!(s.delete(StreamId::new(2, 0)), Some(true));
        assert!(s.nodes.is_empty());
        assert!(add(&mut s, 3).new_node);
    }

    #[test]
    fn ranges_skip_deleted_entries() {
        let mut s = Stream::default();
        for ms in 1..=5 {
            add(&mut s, ms);
        }
        s.delete(StreamId::new(3, 0));
        let ids: Vec<u64> = s.range(StreamId::new(2, 0), StreamId::MAX, false).map(|e| e.id.ms).collect();
        assert_eq!(ids, [2, 4, 5]);
        let rev: Vec<u64> = s.range(StreamId::MIN, StreamId::new(4, 0), true).map(|e| e.id.ms).collect();
        assert_eq!(rev, [4, 2, 1]);
    }
}
