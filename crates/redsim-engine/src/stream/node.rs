//! One stream node: what Redis keeps in one listpack of the radix tree.
//!
//! A node starts with a "master entry" (the field names of its first entry, plus live and
//! deleted counts). Entries deleted by `XDEL` or an exact trim stay in place, flagged, until the
//! whole node goes; that is what the app draws as ghosts.

use super::id::StreamId;
use super::listpack::{int_size, str_size, OVERHEAD};

/// Entry flags as Redis stores them.
const FLAG_DELETED: i64 = 1;
const FLAG_SAME_FIELDS: i64 = 2;

#[derive(Clone, Debug, PartialEq)]
pub struct StreamEntry {
    pub id: StreamId,
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
    pub deleted: bool,
    /// The entry's field names equal the master entry's, so Redis stores only the values.
    same_fields: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The radix-tree key: the ID of the first entry ever placed in the node.
    pub master_id: StreamId,
    master_fields: Vec<Vec<u8>>,
    /// Every entry placed in the node, deleted ones included, in ID order.
    pub entries: Vec<StreamEntry>,
    pub live: usize,
    pub deleted: usize,
    /// Listpack bytes of everything except the live and deleted counters.
    body_bytes: usize,
}

impl Node {
    /// A node holding one entry, whose field names become the master fields.
    pub fn new(id: StreamId, fields: Vec<(Vec<u8>, Vec<u8>)>) -> Node {
        let master_fields: Vec<Vec<u8>> = fields.iter().map(|(f, _)| f.clone()).collect();
        let body_bytes = int_size(master_fields.len() as i64)
            + master_fields.iter().map(|f| str_size(f)).sum::<usize>()
            + int_size(0);
        let mut node = Node { master_id: id, master_fields, entries: Vec::new(), live: 0, deleted: 0, body_bytes };
        node.push(id, fields);
        node
    }

    /// `lpBytes()` of the listpack Redis would hold for this node.
    pub fn bytes(&self) -> usize {
        OVERHEAD + int_size(self.live as i64) + int_size(self.deleted as i64) + self.body_bytes
    }

    /// Appends an entry; the caller has checked that it belongs at the end of this node.
    pub fn push(&mut self, id: StreamId, fields: Vec<(Vec<u8>, Vec<u8>)>) {
        let same_fields = fields.len() == self.master_fields.len()
            && fields.iter().zip(&self.master_fields).all(|((f, _), m)| f == m);
        let flags = if same_fields { FLAG_SAME_FIELDS } else { 0 };
        let n = fields.len();
        let mut bytes = int_size(flags)
            + int_size(id.ms.wrapping_sub(self.master_id.ms) as i64)
            + int_size(id.seq.wrapping_sub(self.master_id.seq) as i64);
        let mut lp_count = n + 3;
        if !same_fields {
            bytes += int_size(n as i64) + fields.iter().map(|(f, _)| str_size(f)).sum::<usize>();
            lp_count += n + 1;
        }
        bytes += fields.iter().map(|(_, v)| str_size(v)).sum::<usize>();
        bytes += int_size(lp_count as i64);
        self.body_bytes += bytes;
        self.entries.push(StreamEntry { id, fields, deleted: false, same_fields });
        self.live += 1;
    }

    fn flags(entry: &StreamEntry) -> i64 {
        (if entry.same_fields { FLAG_SAME_FIELDS } else { 0 }) | (if entry.deleted { FLAG_DELETED } else { 0 })
    }

    /// Flags the entry at `index` as deleted; false when it already was.
    pub fn mark_deleted(&mut self, index: usize) -> bool {
        let entry = &mut self.entries[index];
        if entry.deleted {
            return false;
        }
        let before = int_size(Self::flags(entry));
        entry.deleted = true;
        let after = int_size(Self::flags(entry));
        self.body_bytes = self.body_bytes + after - before;
        self.live -= 1;
        self.deleted += 1;
        true
    }

    /// Index of the entry with exactly this ID (deleted or not).
    pub fn position(&self, id: StreamId) -> Option<usize> {
        self.entries.binary_search_by(|e| e.id.cmp(&id)).ok()
    }

    pub fn last_id(&self) -> StreamId {
        self.entries.last().map_or(self.master_id, |e| e.id)
    }

    pub fn live_entries(&self) -> impl DoubleEndedIterator<Item = &StreamEntry> {
        self.entries.iter().filter(|e| !e.deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fv(f: &str, v: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        vec![(f.as_bytes().to_vec(), v.as_bytes().to_vec())]
    }

    #[test]
    fn byte_accounting_follows_the_listpack_layout() {
        // master: count 1, deleted 0, numfields 1, "f", terminator 0 = 2+2+2+3+2, plus 7 overhead.
        let mut node = Node::new(StreamId::new(1, 0), fv("f", "v"));
        // entry: flags, ms-diff, seq-diff, "v", lp-count = 2+2+2+3+2
        assert_eq!(node.bytes(), 7 + 11 + 11);
        node.push(StreamId::new(1, 1), fv("g", "v"));
        // not same fields: + numfields (2) + "g" (3)
        assert_eq!(node.bytes(), 7 + 11 + 11 + 16);
        assert!(node.mark_deleted(0));
        assert!(!node.mark_deleted(0));
        assert_eq!((node.live, node.deleted), (1, 1));
        assert_eq!(node.bytes(), 7 + 11 + 11 + 16);
    }
}
