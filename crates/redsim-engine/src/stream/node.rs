//! One stream node: what Redis keeps in one listpack of the radix tree.
//!
//! A node starts with a "master entry" (the field names of its first entry, plus live and
//! deleted counts). Entries deleted by `XDEL` or an exact trim stay in place, flagged, until the
//! whole node goes; that is what the app draws as ghosts.
//!
//! Like Redis, a node stores its entries packed in one byte buffer rather than as separate
//! allocations: per entry a flags byte, the ID as varint deltas from the node's first ID, then the
//! values (and the field names only when they differ from the master fields), each length-prefixed.
//! Separately, `bytes()` reports the size Redis's listpack would have, which decides when a node
//! is full.

use super::id::StreamId;
use super::listpack::{int_size, str_size, OVERHEAD};

/// Entry flags as Redis stores them.
const FLAG_DELETED: u8 = 1;
const FLAG_SAME_FIELDS: u8 = 2;

/// An entry decoded from its node.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamEntry {
    pub id: StreamId,
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
    pub deleted: bool,
}

/// Where an entry sits in its node, without its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryMeta {
    pub id: StreamId,
    pub deleted: bool,
    /// Offset of the entry's flags byte in the node's buffer.
    offset: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The radix-tree key: the ID of the first entry ever placed in the node.
    pub master_id: StreamId,
    master_fields: Vec<Box<[u8]>>,
    /// Every entry placed in the node, deleted ones included, in ID order.
    data: Vec<u8>,
    pub live: usize,
    pub deleted: usize,
    last_id: StreamId,
    /// Listpack bytes of everything except the live and deleted counters.
    body_bytes: usize,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(data: &[u8], at: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let b = data[*at];
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn get_bytes<'a>(data: &'a [u8], at: &mut usize) -> &'a [u8] {
    let len = get_varint(data, at) as usize;
    let bytes = &data[*at..*at + len];
    *at += len;
    bytes
}

impl Node {
    /// A node holding one entry, whose field names become the master fields.
    /// A node whose first (master) entry is `fields`: field, value, field, value, ...
    pub fn new(id: StreamId, fields: &[Vec<u8>]) -> Node {
        let master_fields: Vec<Box<[u8]>> = fields.iter().step_by(2).map(|f| f.as_slice().into()).collect();
        let body_bytes = int_size(master_fields.len() as i64)
            + master_fields.iter().map(|f| str_size(f)).sum::<usize>()
            + int_size(0);
        let mut node =
            Node { master_id: id, master_fields, data: Vec::new(), live: 0, deleted: 0, last_id: id, body_bytes };
        node.push(id, fields);
        node
    }

    /// `lpBytes()` of the listpack Redis would hold for this node.
    pub fn bytes(&self) -> usize {
        OVERHEAD + int_size(self.live as i64) + int_size(self.deleted as i64) + self.body_bytes
    }

    /// Bytes this node's buffer really takes (for memory reports).
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.master_fields.iter().map(|f| f.len() + 16).sum::<usize>()
    }

    /// Appends an entry; the caller has checked that it belongs at the end of this node.
    /// Appends an entry; `fields` is field, value, field, value, ...
    pub fn push(&mut self, id: StreamId, fields: &[Vec<u8>]) {
        let n = fields.len() / 2;
        let names = || fields.iter().step_by(2);
        let values = || fields.iter().skip(1).step_by(2);
        let same_fields = n == self.master_fields.len() && names().zip(&self.master_fields).all(|(f, m)| f[..] == **m);
        let flags = if same_fields { FLAG_SAME_FIELDS } else { 0 };
        let (ms_delta, seq_delta) = (id.ms.wrapping_sub(self.master_id.ms), id.seq.wrapping_sub(self.master_id.seq));
        // The size Redis's listpack grows by.
        let mut lp_bytes = int_size(i64::from(flags)) + int_size(ms_delta as i64) + int_size(seq_delta as i64);
        let mut lp_count = n + 3;
        if !same_fields {
            lp_bytes += int_size(n as i64) + names().map(|f| str_size(f)).sum::<usize>();
            lp_count += n + 1;
        }
        lp_bytes += values().map(|v| str_size(v)).sum::<usize>();
        lp_bytes += int_size(lp_count as i64);
        self.body_bytes += lp_bytes;
        // Our own packed form.
        self.data.push(flags);
        put_varint(&mut self.data, ms_delta);
        put_varint(&mut self.data, seq_delta);
        if !same_fields {
            put_varint(&mut self.data, n as u64);
        }
        for pair in fields.chunks_exact(2) {
            if !same_fields {
                put_bytes(&mut self.data, &pair[0]);
            }
            put_bytes(&mut self.data, &pair[1]);
        }
        self.live += 1;
        self.last_id = id;
    }

    /// The listpack Redis holds for this node, byte for byte (what DUMP and RDB files carry):
    /// the master entry (live and deleted counts, master fields, a 0), then per entry its flags,
    /// ID deltas from the master ID, field count and names unless they are the master fields,
    /// values, and its element count.
    pub fn to_listpack(&self) -> Vec<u8> {
        let mut lp = crate::rdb::packed::ListpackWriter::new();
        lp.push_int(self.live as i64);
        lp.push_int(self.deleted as i64);
        lp.push_int(self.master_fields.len() as i64);
        for f in &self.master_fields {
            lp.push(f);
        }
        lp.push_int(0);
        for meta in self.metas() {
            let mut at = meta.offset;
            let flags = self.data[at];
            at += 1;
            let ms = get_varint(&self.data, &mut at);
            let seq = get_varint(&self.data, &mut at);
            lp.push_int(i64::from(flags));
            lp.push_int(ms as i64);
            lp.push_int(seq as i64);
            let n = if flags & FLAG_SAME_FIELDS != 0 {
                for _ in 0..self.master_fields.len() {
                    lp.push(get_bytes(&self.data, &mut at));
                }
                self.master_fields.len()
            } else {
                let n = get_varint(&self.data, &mut at) as usize;
                lp.push_int(n as i64);
                for _ in 0..n * 2 {
                    lp.push(get_bytes(&self.data, &mut at));
                }
                n
            };
            let lp_count = if flags & FLAG_SAME_FIELDS != 0 { n + 3 } else { 2 * n + 4 };
            lp.push_int(lp_count as i64);
        }
        lp.finish()
    }

    /// Rebuilds a node from Redis's listpack for it (`master_id` is its radix-tree key), checking
    /// that every count and delta is consistent; `None` for anything malformed.
    pub fn from_listpack(master_id: StreamId, bytes: &[u8]) -> Option<Node> {
        use crate::rdb::packed::Item;
        let items = crate::rdb::packed::read_listpack(bytes)?;
        let mut it = items.into_iter();
        let int = |it: &mut std::vec::IntoIter<Item>| it.next().and_then(|i| i.as_int());
        let live = usize::try_from(int(&mut it)?).ok()?;
        let deleted = usize::try_from(int(&mut it)?).ok()?;
        let nmaster = usize::try_from(int(&mut it)?).ok()?;
        let mut master: Vec<Vec<u8>> = Vec::with_capacity(nmaster.min(1024));
        for _ in 0..nmaster {
            master.push(it.next()?.into_bytes());
        }
        if int(&mut it)? != 0 {
            return None;
        }
        let mut node: Option<Node> = None;
        let mut to_delete = Vec::new();
        let mut previous: Option<StreamId> = None;
        while let Some(flags) = it.next() {
            let flags = u8::try_from(flags.as_int()?).ok().filter(|f| *f <= 3)?;
            let ms = master_id.ms.wrapping_add(int(&mut it)? as u64);
            let seq = master_id.seq.wrapping_add(int(&mut it)? as u64);
            let id = StreamId::new(ms, seq);
            if previous.is_some_and(|p| p >= id) || (previous.is_none() && id != master_id) {
                return None;
            }
            previous = Some(id);
            let mut fields = Vec::new();
            let n = if flags & FLAG_SAME_FIELDS != 0 {
                for name in &master {
                    fields.push(name.clone());
                    fields.push(it.next()?.into_bytes());
                }
                master.len()
            } else {
                let n = usize::try_from(int(&mut it)?).ok()?;
                for _ in 0..n * 2 {
                    fields.push(it.next()?.into_bytes());
                }
                n
            };
            let expected = if flags & FLAG_SAME_FIELDS != 0 { n + 3 } else { 2 * n + 4 };
            if usize::try_from(int(&mut it)?).ok()? != expected {
                return None;
            }
            match node.as_mut() {
                None => {
                    let first = Node::new(id, &fields);
                    if first.master_fields.iter().map(|f| f.to_vec()).collect::<Vec<_>>() != master {
                        return None;
                    }
                    node = Some(first);
                }
                Some(n) => n.push(id, &fields),
            }
            if flags & FLAG_DELETED != 0 {
                to_delete.push(id);
            }
        }
        let mut node = node?;
        for id in to_delete {
            let meta = node.find(id)?;
            node.mark_deleted(meta);
        }
        (node.live == live && node.deleted == deleted).then_some(node)
    }

    /// Every entry's ID, deleted flag and position, in order, without decoding fields.
    pub fn metas(&self) -> Metas<'_> {
        Metas { node: self, at: 0 }
    }

    /// Decodes the entry at `meta`.
    pub fn decode(&self, meta: EntryMeta) -> StreamEntry {
        let mut at = meta.offset;
        let flags = self.data[at];
        at += 1;
        get_varint(&self.data, &mut at);
        get_varint(&self.data, &mut at);
        let fields = if flags & FLAG_SAME_FIELDS != 0 {
            self.master_fields.iter().map(|f| (f.to_vec(), get_bytes(&self.data, &mut at).to_vec())).collect()
        } else {
            let n = get_varint(&self.data, &mut at);
            (0..n)
                .map(|_| {
                    let f = get_bytes(&self.data, &mut at).to_vec();
                    (f, get_bytes(&self.data, &mut at).to_vec())
                })
                .collect()
        };
        StreamEntry { id: meta.id, fields, deleted: meta.deleted }
    }

    /// Calls `visit` with each field and value of the entry at `meta`, borrowing them from the
    /// node (replies are built from these without an intermediate copy).
    pub fn visit_fields(&self, meta: EntryMeta, mut visit: impl FnMut(&[u8], &[u8])) {
        let mut at = meta.offset;
        let flags = self.data[at];
        at += 1;
        get_varint(&self.data, &mut at);
        get_varint(&self.data, &mut at);
        if flags & FLAG_SAME_FIELDS != 0 {
            for f in &self.master_fields {
                visit(f, get_bytes(&self.data, &mut at));
            }
        } else {
            for _ in 0..get_varint(&self.data, &mut at) {
                let f = get_bytes(&self.data, &mut at);
                visit(f, get_bytes(&self.data, &mut at));
            }
        }
    }

    /// Flags the entry as deleted; false when it already was.
    pub fn mark_deleted(&mut self, meta: EntryMeta) -> bool {
        let flags = self.data[meta.offset];
        if flags & FLAG_DELETED != 0 {
            return false;
        }
        // Flag values 0..=3 all take one listpack byte: the node's size does not change.
        self.data[meta.offset] = flags | FLAG_DELETED;
        self.live -= 1;
        self.deleted += 1;
        true
    }

    /// The entry with exactly this ID (deleted or not).
    pub fn find(&self, id: StreamId) -> Option<EntryMeta> {
        if id < self.master_id || id > self.last_id {
            return None;
        }
        self.metas().take_while(|m| m.id <= id).find(|m| m.id == id)
    }

    pub fn last_id(&self) -> StreamId {
        self.last_id
    }

    /// Live entries, decoded, in order.
    pub fn live_entries(&self) -> impl DoubleEndedIterator<Item = StreamEntry> + '_ {
        let metas: Vec<EntryMeta> = self.metas().filter(|m| !m.deleted).collect();
        metas.into_iter().map(move |m| self.decode(m))
    }

    /// Every entry, decoded, ghosts included.
    pub fn all_entries(&self) -> impl Iterator<Item = StreamEntry> + '_ {
        self.metas().map(move |m| self.decode(m))
    }
}

/// Walks a node's buffer entry by entry, skipping over the fields.
pub struct Metas<'a> {
    node: &'a Node,
    at: usize,
}

impl Iterator for Metas<'_> {
    type Item = EntryMeta;

    fn next(&mut self) -> Option<EntryMeta> {
        let data = &self.node.data;
        if self.at >= data.len() {
            return None;
        }
        let offset = self.at;
        let flags = data[self.at];
        self.at += 1;
        let ms = get_varint(data, &mut self.at);
        let seq = get_varint(data, &mut self.at);
        let id = StreamId::new(self.node.master_id.ms.wrapping_add(ms), self.node.master_id.seq.wrapping_add(seq));
        let values = if flags & FLAG_SAME_FIELDS != 0 {
            self.node.master_fields.len()
        } else {
            2 * get_varint(data, &mut self.at) as usize
        };
        for _ in 0..values {
            let len = get_varint(data, &mut self.at) as usize;
            self.at += len;
        }
        Some(EntryMeta { id, deleted: flags & FLAG_DELETED != 0, offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fv(f: &str, v: &str) -> Vec<Vec<u8>> {
        vec![f.as_bytes().to_vec(), v.as_bytes().to_vec()]
    }

    #[test]
    fn byte_accounting_follows_the_listpack_layout() {
        // master: count 1, deleted 0, numfields 1, "f", terminator 0 = 2+2+2+3+2, plus 7 overhead.
        let mut node = Node::new(StreamId::new(1, 0), &fv("f", "v"));
        // entry: flags, ms-diff, seq-diff, "v", lp-count = 2+2+2+3+2
        assert_eq!(node.bytes(), 7 + 11 + 11);
        node.push(StreamId::new(1, 1), &fv("g", "v"));
        // not same fields: + numfields (2) + "g" (3)
        assert_eq!(node.bytes(), 7 + 11 + 11 + 16);
        let first = node.find(StreamId::new(1, 0)).unwrap();
        assert!(node.mark_deleted(first));
        assert!(!node.mark_deleted(first));
        assert_eq!((node.live, node.deleted), (1, 1));
        assert_eq!(node.bytes(), 7 + 11 + 11 + 16);
    }

    #[test]
    fn entries_decode_as_they_went_in() {
        let big = "x".repeat(300);
        let mut node =
            Node::new(StreamId::new(5, 0), &[b"a".to_vec(), b"1".to_vec(), b"b".to_vec(), big.clone().into_bytes()]);
        node.push(StreamId::new(1 << 40, 7), &fv("other", ""));
        node.push(StreamId::new(1 << 40, 8), &[b"a".to_vec(), b"2".to_vec(), b"b".to_vec(), b"\x00".to_vec()]);
        let all: Vec<StreamEntry> = node.all_entries().collect();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].fields[1].1, big.as_bytes());
        assert_eq!(all[1].id, StreamId::new(1 << 40, 7));
        assert_eq!(all[1].fields, vec![(b"other".to_vec(), Vec::new())]);
        assert_eq!(all[2].fields[1], (b"b".to_vec(), b"\x00".to_vec()));
        assert_eq!(node.find(StreamId::new(1 << 40, 8)).map(|m| m.id), Some(StreamId::new(1 << 40, 8)));
        assert_eq!(node.find(StreamId::new(6, 0)), None);
    }
}
