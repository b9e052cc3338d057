//! A stream's nodes in the order of their first IDs (Redis keeps them in a radix tree keyed by
//! that ID). They sit in shared chunks of up to `CHUNK` in order: appending, trimming from the
//! front and finding the node of an ID (two binary searches) stay cheap, and a copy of the whole
//! stream, which every snapshot of a simulated run takes, copies one pointer per chunk. (Copying
//! a pointer per node touched every node's reference count, one cache miss each.)

use std::collections::VecDeque;
use std::sync::Arc;

use super::id::StreamId;
use super::node::Node;

/// Nodes per chunk; a chunk that grows past it in the middle is split in two.
const CHUNK: usize = 64;

type Chunk = Vec<(StreamId, Arc<Node>)>;

#[derive(Clone, Debug, Default)]
pub struct Nodes {
    /// Never an empty chunk.
    chunks: VecDeque<Arc<Chunk>>,
    len: usize,
}

impl PartialEq for Nodes {
    fn eq(&self, other: &Nodes) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Nodes {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `(first ID, node)` in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&StreamId, &Arc<Node>)> {
        self.chunks.iter().flat_map(|c| c.iter().map(|(k, n)| (k, n)))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &StreamId> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Arc<Node>> {
        self.iter().map(|(_, n)| n)
    }

    /// The tail node, for writing.
    pub fn last_mut(&mut self) -> Option<(StreamId, &mut Arc<Node>)> {
        let chunk = Arc::make_mut(self.chunks.back_mut()?);
        chunk.last_mut().map(|(k, n)| (*k, n))
    }

    /// Where the last node starting at or before `id` is: `(chunk, index in it)`.
    fn floor_at(&self, id: StreamId) -> Option<(usize, usize)> {
        let c = self.chunks.partition_point(|c| c[0].0 <= id).checked_sub(1)?;
        let i = self.chunks[c].partition_point(|(k, _)| *k <= id) - 1;
        Some((c, i))
    }

    /// The first position whose ID is not below `id` (or, with `above`, is above it):
    /// `(chunk, index in it)`, or `(number of chunks, 0)` past the end.
    fn bound(&self, id: StreamId, above: bool) -> (usize, usize) {
        let past = |k: &StreamId| if above { *k <= id } else { *k < id };
        let c = self.chunks.partition_point(|c| past(&c[c.len() - 1].0));
        match self.chunks.get(c) {
            Some(chunk) => (c, chunk.partition_point(|(k, _)| past(k))),
            None => (c, 0),
        }
    }

    /// The node that would hold `id`: the last one starting at or before it.
    pub fn floor(&self, id: StreamId) -> Option<(&StreamId, &Arc<Node>)> {
        self.floor_at(id).map(|(c, i)| {
            let (k, n) = &self.chunks[c][i];
            (k, n)
        })
    }

    pub fn floor_mut(&mut self, id: StreamId) -> Option<(StreamId, &mut Arc<Node>)> {
        let (c, i) = self.floor_at(id)?;
        let (k, n) = &mut Arc::make_mut(&mut self.chunks[c])[i];
        Some((*k, n))
    }

    /// The nodes starting at IDs from `from` to `to`, both included.
    pub fn range(&self, from: StreamId, to: StreamId) -> impl DoubleEndedIterator<Item = (&StreamId, &Arc<Node>)> {
        let (sc, si) = self.bound(from, false);
        let (ec, ei) = self.bound(to, true);
        // Chunks `sc..=ec` (the last one only if it exists), cut at both ends.
        let chunks = if from > to || self.chunks.is_empty() { 0..0 } else { sc..ec.min(self.chunks.len() - 1) + 1 };
        chunks.flat_map(move |c| {
            let chunk = &self.chunks[c];
            let lo = if c == sc { si } else { 0 };
            let hi = if c == ec { ei } else { chunk.len() };
            chunk[lo.min(hi)..hi].iter().map(|(k, n)| (k, n))
        })
    }

    /// The first ID of the node after the one starting at `id`.
    pub fn key_after(&self, id: StreamId) -> Option<StreamId> {
        let (c, i) = self.bound(id, true);
        self.chunks.get(c).map(|chunk| chunk[i].0)
    }

    /// Where the node starting at `id` is.
    fn position(&self, id: StreamId) -> Option<(usize, usize)> {
        self.floor_at(id).filter(|&(c, i)| self.chunks[c][i].0 == id)
    }

    /// Adds a node (in place of one starting at the same ID). Appending is the common case.
    pub fn insert(&mut self, id: StreamId, node: Arc<Node>) {
        let appends = self.chunks.back().is_none_or(|c| c[c.len() - 1].0 < id);
        if appends {
            match self.chunks.back_mut() {
                Some(last) if last.len() < CHUNK => Arc::make_mut(last).push((id, node)),
                _ => {
                    let mut chunk = Vec::with_capacity(CHUNK);
                    chunk.push((id, node));
                    self.chunks.push_back(Arc::new(chunk));
                }
            }
            self.len += 1;
            return;
        }
        // Into the chunk of the node before it (the first chunk if there is none).
        let c = self.floor_at(id).map_or(0, |(c, _)| c);
        let chunk = Arc::make_mut(&mut self.chunks[c]);
        match chunk.binary_search_by(|(k, _)| k.cmp(&id)) {
            Ok(i) => chunk[i].1 = node,
            Err(i) => {
                chunk.insert(i, (id, node));
                self.len += 1;
                if chunk.len() > CHUNK {
                    let upper = chunk.split_off(chunk.len() / 2);
                    self.chunks.insert(c + 1, Arc::new(upper));
                }
            }
        }
    }

    pub fn remove(&mut self, id: StreamId) -> Option<Arc<Node>> {
        let (c, i) = self.position(id)?;
        let chunk = Arc::make_mut(&mut self.chunks[c]);
        let (_, node) = chunk.remove(i);
        if chunk.is_empty() {
            self.chunks.remove(c);
        }
        self.len -= 1;
        Some(node)
    }

    pub fn get(&self, id: StreamId) -> Option<&Arc<Node>> {
        self.position(id).map(|(c, i)| &self.chunks[c][i].1)
    }

    pub fn get_mut(&mut self, id: StreamId) -> Option<&mut Arc<Node>> {
        let (c, i) = self.position(id)?;
        Some(&mut Arc::make_mut(&mut self.chunks[c])[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(ms: u64) -> (StreamId, Arc<Node>) {
        let id = StreamId::new(ms, 0);
        (id, Arc::new(Node::new(id, &[b"f".to_vec(), b"v".to_vec()])))
    }

    fn keys(nodes: &Nodes) -> Vec<u64> {
        nodes.keys().map(|k| k.ms).collect()
    }

    #[test]
    fn stays_in_order_whatever_the_insertion_order() {
        let mut nodes = Nodes::default();
        for ms in [10, 20, 5, 15, 30, 1] {
            let (id, n) = node(ms);
            nodes.insert(id, n);
        }
        assert_eq!(keys(&nodes), [1, 5, 10, 15, 20, 30]);
        let (id, n) = node(15);
        nodes.insert(id, n);
        assert_eq!(nodes.len(), 6, "a node with the same first ID replaces the old one");
        assert!(nodes.remove(StreamId::new(10, 0)).is_some());
        assert!(nodes.remove(StreamId::new(11, 0)).is_none());
        assert_eq!(keys(&nodes), [1, 5, 15, 20, 30]);
        assert!(nodes.get(StreamId::new(20, 0)).is_some());
        assert!(nodes.get(StreamId::new(21, 0)).is_none());
        assert_eq!(nodes.get(StreamId::new(30, 0)).map(|n| n.live), Some(1));
    }

    #[test]
    fn answers_as_a_sorted_map_through_many_random_changes() {
        use std::collections::BTreeMap;
        let mut seed = 7u64;
        let mut next = move |n: u64| {
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % n
        };
        let mut nodes = Nodes::default();
        let mut model: BTreeMap<StreamId, Arc<Node>> = BTreeMap::new();
        let mut copies = Vec::new();
        for round in 0..6000u64 {
            // Mostly appends, some inserts anywhere, removals from the front and anywhere.
            let id = StreamId::new(
                match next(4) {
                    0 => next(3000),
                    _ => round,
                },
                0,
            );
            match next(10) {
                0..=5 => {
                    let (_, n) = node(id.ms);
                    nodes.insert(id, n.clone());
                    model.insert(id, n);
                }
                6 => {
                    let first = model.keys().next().copied();
                    if let Some(first) = first {
                        assert_eq!(nodes.remove(first).is_some(), model.remove(&first).is_some());
                    }
                }
                _ => assert_eq!(nodes.remove(id).is_some(), model.remove(&id).is_some()),
            }
            if round % 500 == 0 {
                copies.push((nodes.clone(), model.clone()));
            }
            let probe = StreamId::new(next(3100), next(2));
            let other = StreamId::new(next(3100), next(2));
            assert_eq!(nodes.len(), model.len());
            assert_eq!(nodes.floor(probe).map(|(k, _)| *k), model.range(..=probe).next_back().map(|(k, _)| *k));
            assert_eq!(nodes.key_after(probe), model.range(probe..).find(|(k, _)| **k > probe).map(|(k, _)| *k));
            assert_eq!(nodes.get(probe).is_some(), model.contains_key(&probe));
            let got: Vec<StreamId> = nodes.range(probe, other).map(|(k, _)| *k).collect();
            let want: Vec<StreamId> =
                if probe > other { Vec::new() } else { model.range(probe..=other).map(|(k, _)| *k).collect() };
            assert_eq!(got, want);
            let back: Vec<StreamId> = nodes.range(probe, other).rev().map(|(k, _)| *k).collect();
            assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
        }
        assert!(nodes.iter().map(|(k, _)| *k).eq(model.keys().copied()));
        assert!(nodes.iter().rev().map(|(k, _)| *k).eq(model.keys().rev().copied()));
        // Copies taken along the way did not change with the later writes.
        for (copy, model) in copies {
            assert!(copy.iter().map(|(k, _)| *k).eq(model.keys().copied()));
        }
    }

    #[test]
    fn floor_range_and_next_as_a_sorted_map_answers() {
        let mut empty = Nodes::default();
        assert_eq!(empty.range(StreamId::MIN, StreamId::MAX).count(), 0);
        assert!(empty.floor(StreamId::MAX).is_none() && empty.key_after(StreamId::MIN).is_none());
        assert!(empty.last_mut().is_none() && empty.remove(StreamId::MIN).is_none());
        let mut nodes = Nodes::default();
        for ms in [10, 20, 30] {
            let (id, n) = node(ms);
            nodes.insert(id, n);
        }
        let floor = |ms, seq| nodes.floor(StreamId::new(ms, seq)).map(|(k, _)| k.ms);
        assert_eq!(floor(9, u64::MAX), None);
        assert_eq!(floor(10, 0), Some(10));
        assert_eq!(floor(19, 5), Some(10));
        assert_eq!(floor(20, 0), Some(20));
        assert_eq!(floor(u64::MAX, u64::MAX), Some(30));
        let range = |a, b| nodes.range(StreamId::new(a, 0), StreamId::new(b, 0)).map(|(k, _)| k.ms).collect::<Vec<_>>();
        assert_eq!(range(10, 30), [10, 20, 30]);
        assert_eq!(range(11, 29), [20]);
        assert_eq!(range(11, 19), Vec::<u64>::new());
        assert_eq!(range(30, 10), Vec::<u64>::new(), "an empty range, not a panic");
        assert_eq!(
            nodes.range(StreamId::MIN, StreamId::MAX).rev().map(|(k, _)| k.ms).collect::<Vec<_>>(),
            [30, 20, 10]
        );
        assert_eq!(nodes.key_after(StreamId::new(10, 0)).map(|k| k.ms), Some(20));
        assert_eq!(nodes.key_after(StreamId::new(15, 0)).map(|k| k.ms), Some(20));
        assert_eq!(nodes.key_after(StreamId::new(30, 0)), None);
        assert_eq!(nodes.floor_mut(StreamId::new(25, 0)).map(|(k, _)| k.ms), Some(20));
        assert_eq!(nodes.last_mut().map(|(k, _)| k.ms), Some(30));
    }
}
