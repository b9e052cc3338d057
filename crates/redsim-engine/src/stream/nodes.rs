//! A stream's nodes in the order of their first IDs (Redis keeps them in a radix tree keyed by
//! that ID). They sit in one sorted double-ended vector: appending, trimming from the front and
//! finding the node of an ID (a binary search) are as cheap as in a tree, and a copy of the whole
//! stream, which every snapshot of a simulated run takes, is one allocation and a reference count
//! per node instead of a tree of allocations.

use std::collections::VecDeque;
use std::ops::Index;
use std::sync::Arc;

use super::id::StreamId;
use super::node::Node;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Nodes {
    list: VecDeque<(StreamId, Arc<Node>)>,
}

impl Nodes {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// `(first ID, node)` in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&StreamId, &Arc<Node>)> + ExactSizeIterator {
        self.list.iter().map(|(k, n)| (k, n))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &StreamId> + ExactSizeIterator {
        self.list.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Arc<Node>> + ExactSizeIterator {
        self.list.iter().map(|(_, n)| n)
    }

    /// The tail node, for writing.
    pub fn last_mut(&mut self) -> Option<(StreamId, &mut Arc<Node>)> {
        self.list.back_mut().map(|(k, n)| (*k, n))
    }

    /// Where the last node starting at or before `id` is.
    fn floor_index(&self, id: StreamId) -> Option<usize> {
        self.list.partition_point(|(k, _)| *k <= id).checked_sub(1)
    }

    /// The node that would hold `id`: the last one starting at or before it.
    pub fn floor(&self, id: StreamId) -> Option<(&StreamId, &Arc<Node>)> {
        self.floor_index(id).map(|i| {
            let (k, n) = &self.list[i];
            (k, n)
        })
    }

    pub fn floor_mut(&mut self, id: StreamId) -> Option<(StreamId, &mut Arc<Node>)> {
        self.floor_index(id).map(|i| {
            let (k, n) = &mut self.list[i];
            (*k, n)
        })
    }

    /// The nodes starting at IDs from `from` to `to`, both included.
    pub fn range(
        &self,
        from: StreamId,
        to: StreamId,
    ) -> impl DoubleEndedIterator<Item = (&StreamId, &Arc<Node>)> + ExactSizeIterator {
        let start = self.list.partition_point(|(k, _)| *k < from);
        let end = self.list.partition_point(|(k, _)| *k <= to).max(start);
        self.list.range(start..end).map(|(k, n)| (k, n))
    }

    /// The first ID of the node after the one starting at `id`.
    pub fn key_after(&self, id: StreamId) -> Option<StreamId> {
        self.list.get(self.list.partition_point(|(k, _)| *k <= id)).map(|(k, _)| *k)
    }

    fn position(&self, id: StreamId) -> Result<usize, usize> {
        self.list.binary_search_by(|(k, _)| k.cmp(&id))
    }

    /// Adds a node (in place of one starting at the same ID). Appending is the common case.
    pub fn insert(&mut self, id: StreamId, node: Arc<Node>) {
        match self.list.back() {
            Some((last, _)) if *last >= id => match self.position(id) {
                Ok(i) => self.list[i].1 = node,
                Err(i) => self.list.insert(i, (id, node)),
            },
            _ => self.list.push_back((id, node)),
        }
    }

    pub fn remove(&mut self, id: StreamId) -> Option<Arc<Node>> {
        let i = self.position(id).ok()?;
        self.list.remove(i).map(|(_, n)| n)
    }

    pub fn get(&self, id: StreamId) -> Option<&Arc<Node>> {
        self.position(id).ok().map(|i| &self.list[i].1)
    }

    pub fn get_mut(&mut self, id: StreamId) -> Option<&mut Arc<Node>> {
        self.position(id).ok().map(|i| &mut self.list[i].1)
    }
}

impl Index<StreamId> for Nodes {
    type Output = Arc<Node>;

    fn index(&self, id: StreamId) -> &Arc<Node> {
        self.get(id).expect("a node starting at this ID")
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
        assert_eq!(nodes[StreamId::new(30, 0)].live, 1);
    }

    #[test]
    fn floor_range_and_next_as_a_sorted_map_answers() {
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
