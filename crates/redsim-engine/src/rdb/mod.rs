//! Redis's serialization of values (`rdbSaveObject`/`rdbLoadObject`): the bytes of a `DUMP`
//! payload, read back by `RESTORE`, and of an RDB file.
//!
//! A value is written in the layout of its encoding, as Redis writes it: strings that read as
//! 32-bit integers as integers, strings and packed collections longer than 20 bytes compressed
//! with LZF when `rdbcompression` is on, listpacks and intsets as their own bytes, tables and
//! skiplists element by element, streams as their nodes' listpacks plus groups, pending
//! entries and consumers. Hash tables are written in Redsim's order, where Redis's is its
//! hash table's (so only such values differ in bytes, not in what they hold).
//!
//! Reading checks everything: a payload that is cut short, has a bad length, a corrupt
//! listpack, duplicate members or an empty collection is refused whole.

pub mod crc64;
pub mod file;
pub mod lzf;
pub mod packed;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use crate::stream::node::Node;
use crate::stream::{ConsumerGroup, PendingEntry, Stream, StreamId};
use crate::value::{Encodings, Hash, Set, Value, ZSet};
use crate::version::Version;
use packed::Item;

pub const TYPE_STRING: u8 = 0;
pub const TYPE_LIST: u8 = 1;
pub const TYPE_SET: u8 = 2;
pub const TYPE_ZSET: u8 = 3;
pub const TYPE_HASH: u8 = 4;
pub const TYPE_ZSET_2: u8 = 5;
pub const TYPE_LIST_ZIPLIST: u8 = 10;
pub const TYPE_SET_INTSET: u8 = 11;
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
pub const TYPE_HASH_ZIPLIST: u8 = 13;
pub const TYPE_LIST_QUICKLIST: u8 = 14;
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
pub const TYPE_HASH_LISTPACK: u8 = 16;
pub const TYPE_ZSET_LISTPACK: u8 = 17;
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
pub const TYPE_SET_LISTPACK: u8 = 20;
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;
/// A hash table some of whose fields have an expiry time (Redis 7.4).
pub const TYPE_HASH_METADATA: u8 = 24;
/// A `listpackex` hash: field, value and expiry time in each entry (Redis 7.4).
pub const TYPE_HASH_LISTPACK_EX: u8 = 25;
/// An array (Redis 8.8). Redis has not documented its RDB layout: this type byte and the layout
/// (the insert cursor, then index-value pairs) are Redsim's own.
pub const TYPE_ARRAY: u8 = 26;
/// A module's value (`RDB_TYPE_MODULE_2`): the module type's id, then what the module saved,
/// each item after an opcode, then `EOF`. Vector sets are saved this way.
pub const TYPE_MODULE_2: u8 = 7;

/// `RDB_MODULE_OPCODE_*`.
const MODULE_EOF: u64 = 0;
const MODULE_UINT: u64 = 2;
const MODULE_STRING: u64 = 5;

/// `moduleTypeEncodeId`: a module type's nine-character name in 6-bit characters, then its
/// 10-bit encoding version.
pub fn module_type_id(name: &[u8; 9], encver: u64) -> u64 {
    const CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = 0u64;
    for c in name {
        let pos = CHARSET.iter().position(|x| x == c).unwrap_or(0) as u64;
        id = (id << 6) | pos;
    }
    (id << 10) | encver
}

/// The vector set module type, encoding version 0.
fn vectorset_type_id() -> u64 {
    module_type_id(b"vectorset", 0)
}

const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// A quicklist node holding a listpack.
const NODE_PACKED: u64 = 2;
const NODE_PLAIN: u64 = 1;

/// How values are written: which RDB version, whether strings are compressed, and the
/// encodings in force (which also say whether the version has 7.2's listpack sets).
#[derive(Clone, Copy, Debug)]
pub struct Format {
    pub version: Version,
    pub compress: bool,
    pub encodings: Encodings,
    /// How an array read back arranges its slices (`array-sparse-kmax`, `array-sparse-kmin`).
    pub array_limits: crate::value::array::Limits,
}

impl Format {
    /// The RDB version a Redis of this version writes (`RDB_VERSION`).
    pub fn rdb_version(&self) -> u16 {
        if self.version.at_least(7, 4) {
            12
        } else if self.version.at_least(7, 2) {
            11
        } else {
            10
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Redis's `rdbSaveLen`.
pub fn save_len(out: &mut Vec<u8>, len: u64) {
    if len < 64 {
        out.push(len as u8);
    } else if len < 16384 {
        out.push(((len >> 8) as u8) | 0x40);
        out.push(len as u8);
    } else if len <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// Redis's `rdbSaveRawString`: a canonical integer that fits 32 bits as an integer, a string
/// over 20 bytes LZF-compressed when that saves at least 4 bytes, otherwise length and bytes.
pub fn save_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = crate::args::parse_i64(s) {
            if let Ok(v) = i8::try_from(v) {
                out.extend_from_slice(&[0xc0 | ENC_INT8, v as u8]);
                return;
            }
            if let Ok(v) = i16::try_from(v) {
                out.push(0xc0 | ENC_INT16);
                out.extend_from_slice(&v.to_le_bytes());
                return;
            }
            if let Ok(v) = i32::try_from(v) {
                out.push(0xc0 | ENC_INT32);
                out.extend_from_slice(&v.to_le_bytes());
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(packed) = lzf::compress(s, s.len() - 4) {
            out.push(0xc0 | ENC_LZF);
            save_len(out, packed.len() as u64);
            save_len(out, s.len() as u64);
            out.extend_from_slice(&packed);
            return;
        }
    }
    save_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

fn save_id(out: &mut Vec<u8>, id: StreamId) {
    out.extend_from_slice(&id.ms.to_be_bytes());
    out.extend_from_slice(&id.seq.to_be_bytes());
}

/// The type byte `rdbSaveObjectType` writes for a value in its encoding.
pub fn object_type(value: &Value, format: &Format) -> u8 {
    match value {
        Value::String(_) => TYPE_STRING,
        Value::List(_) => TYPE_LIST_QUICKLIST_2,
        Value::Set(s) => match **s {
            Set::Intset(_) => TYPE_SET_INTSET,
            Set::Listpack(_) => TYPE_SET_LISTPACK,
            Set::Table(_) => TYPE_SET,
        },
        Value::ZSet(z) => {
            if z.packed {
                TYPE_ZSET_LISTPACK
            } else {
                TYPE_ZSET_2
            }
        }
        Value::Hash(h) => match **h {
            Hash::Listpack(_) => TYPE_HASH_LISTPACK,
            Hash::ListpackEx(_) => TYPE_HASH_LISTPACK_EX,
            Hash::Table(_, ref expires) if expires.is_empty() => TYPE_HASH,
            Hash::Table(..) => TYPE_HASH_METADATA,
        },
        Value::Stream(_) => {
            if format.version.at_least(7, 2) {
                TYPE_STREAM_LISTPACKS_3
            } else {
                TYPE_STREAM_LISTPACKS_2
            }
        }
        Value::Array(_) => TYPE_ARRAY,
        Value::VectorSet(_) => TYPE_MODULE_2,
    }
}

/// How a list's elements fall into quicklist nodes when it was built by pushes at the tail:
/// each node takes elements while Redis's `_quicklistNodeAllowInsert` would let it grow.
pub(crate) fn quicklist_nodes(list: &VecDeque<Vec<u8>>, enc: &Encodings) -> Vec<Vec<u8>> {
    const OVERHEAD: usize = 8;
    const SAFETY_LIMIT: usize = 8192;
    const LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
    // quicklistSetFill keeps the fill within -5..=32767.
    let fill = enc.list_fill.clamp(-5, 32767);
    let allows = |bytes: usize, count: usize, sz: usize| -> bool {
        let new_sz = bytes + sz + OVERHEAD;
        if fill < 0 {
            let level = usize::try_from(-(fill + 1)).unwrap_or(0).min(LEVELS.len() - 1);
            return new_sz <= LEVELS[level];
        }
        new_sz <= SAFETY_LIMIT && (count as i64) < fill
    };
    let mut nodes = Vec::new();
    let mut current = packed::ListpackWriter::new();
    let (mut bytes, mut count) = (0usize, 0usize);
    for item in list {
        if count > 0 && !allows(bytes, count, item.len()) {
            nodes.push(std::mem::take(&mut current).finish());
            count = 0;
        }
        current.push(item);
        count += 1;
        bytes = current.len();
    }
    if count > 0 {
        nodes.push(current.finish());
    }
    nodes
}

/// A score in a sorted set's listpack, as `zzlInsertAt` stores it: an integral score within
/// ±2^62 as an integer (Redis's `double2ll`), any other as `%.17g` text.
fn push_score(lp: &mut packed::ListpackWriter, score: f64) {
    const LIMIT: f64 = (i64::MAX / 2) as f64;
    if (-LIMIT..=LIMIT).contains(&score) && score == (score as i64) as f64 {
        lp.push_int(score as i64);
    } else {
        lp.push(crate::reply::format_double(score).as_bytes());
    }
}

/// Redis's `rdbSaveObject`.
pub fn save_object(out: &mut Vec<u8>, value: &Value, format: &Format) {
    let compress = format.compress;
    match value {
        Value::String(s) => save_string(out, s, compress),
        Value::List(l) => {
            let nodes = if format.encodings.list_listpack && value.encoding(&format.encodings) == "listpack" {
                vec![packed::listpack(l.iter().map(Vec::as_slice))]
            } else {
                quicklist_nodes(l, &format.encodings)
            };
            save_len(out, nodes.len() as u64);
            for node in nodes {
                save_len(out, NODE_PACKED);
                save_string(out, &node, compress);
            }
        }
        Value::Set(s) => match &**s {
            Set::Intset(v) => save_string(out, &packed::intset(v), compress),
            Set::Listpack(v) => save_string(out, &packed::listpack(v.iter().map(Vec::as_slice)), compress),
            Set::Table(t) => {
                save_len(out, t.len() as u64);
                for m in t {
                    save_string(out, m, compress);
                }
            }
        },
        Value::ZSet(z) => {
            if z.packed {
                let mut lp = packed::ListpackWriter::new();
                for (m, score) in z.iter() {
                    lp.push(m);
                    push_score(&mut lp, score);
                }
                save_string(out, &lp.finish(), compress);
            } else {
                // From the greatest to the smallest, as the skiplist is walked from its tail.
                save_len(out, z.len() as u64);
                for (m, score) in z.iter().rev() {
                    save_string(out, m, compress);
                    out.extend_from_slice(&score.to_le_bytes());
                }
            }
        }
        Value::Hash(h) => match &**h {
            Hash::Listpack(pairs) => {
                let mut lp = packed::ListpackWriter::new();
                for (f, v) in pairs {
                    lp.push(f);
                    lp.push(v);
                }
                save_string(out, &lp.finish(), compress);
            }
            // The earliest expiry time first (0 when none), then the listpack of triplets.
            Hash::ListpackEx(entries) => {
                out.extend_from_slice(&entries.first().and_then(|e| e.2).unwrap_or(0).to_le_bytes());
                let mut lp = packed::ListpackWriter::new();
                for (f, v, at) in entries {
                    lp.push(f);
                    lp.push(v);
                    lp.push_int(at.map_or(0, |t| t as i64));
                }
                save_string(out, &lp.finish(), compress);
            }
            Hash::Table(t, expires) => {
                // With expiry times: the earliest, then each field's time relative to it (+1;
                // 0 for none) before the field.
                let min = expires.values().min().copied();
                if let Some(min) = min {
                    out.extend_from_slice(&min.to_le_bytes());
                }
                save_len(out, t.len() as u64);
                for (f, v) in t {
                    if let Some(min) = min {
                        save_len(out, expires.get(f).map_or(0, |at| at - min + 1));
                    }
                    save_string(out, f, compress);
                    save_string(out, v, compress);
                }
            }
        },
        Value::Stream(s) => save_stream(out, s, format),
        // The last insert index plus one (0: none), the count, the slice size, then each index
        // and value.
        Value::Array(a) => {
            save_len(out, a.insert_idx().map_or(0, |n| n + 1));
            save_len(out, a.count());
            save_len(out, u64::from(a.slice_size()));
            for (i, v) in a.iter() {
                save_len(out, i);
                save_string(out, v, compress);
            }
        }
        Value::VectorSet(v) => save_vector_set(out, v, compress),
    }
}

/// `VectorSetRdbSave` through the module API (`RM_SaveUnsigned`, `RM_SaveString`): the
/// dimension, count, quantisation and `M`, flags (projection, attributes), the projection
/// matrix, then each element newest first: name, attributes (empty for none, when any element
/// has some), stored vector and graph parameters.
fn save_vector_set(out: &mut Vec<u8>, v: &crate::value::VectorSet, compress: bool) {
    let uint = |out: &mut Vec<u8>, n: u64| {
        save_len(out, MODULE_UINT);
        save_len(out, n);
    };
    let string = |out: &mut Vec<u8>, s: &[u8]| {
        save_len(out, MODULE_STRING);
        save_string(out, s, compress);
    };
    save_len(out, vectorset_type_id());
    uint(out, u64::from(v.dim));
    uint(out, v.len() as u64);
    uint(out, u64::from(v.quant.code() & 0xff) | (u64::from(v.m & 0xffff) << 8));
    let flags = u64::from(v.projection.is_some()) | (u64::from(v.attribs != 0) << 1);
    uint(out, flags);
    if let Some(p) = &v.projection {
        uint(out, u64::from(p.input_dim));
        let matrix: Vec<u8> = p.matrix.iter().flat_map(|f| f.to_le_bytes()).collect();
        string(out, &matrix);
    }
    for node in v.nodes() {
        string(out, &node.name);
        if v.attribs != 0 {
            string(out, node.attrib.as_deref().unwrap_or(b""));
        }
        string(out, &v.raw_bytes(node));
        let params = v.serialize(node);
        uint(out, params.len() as u64);
        for p in params {
            uint(out, p);
        }
    }
    save_len(out, MODULE_EOF);
}

/// `VectorSetRdbLoad`: `None` for anything malformed or inconsistent. The set's `vset-uid` is
/// the server's to give (`Server::number_vector_sets`); it reads 0 until then.
fn load_vector_set(r: &mut Reader<'_>) -> Option<Value> {
    use crate::value::vset::{Projection, Quant, VectorSet, MAX_DIM};
    if r.length()? != vectorset_type_id() {
        return None;
    }
    let uint = |r: &mut Reader<'_>| -> Option<u64> { (r.length()? == MODULE_UINT).then(|| r.length()).flatten() };
    let string =
        |r: &mut Reader<'_>| -> Option<Vec<u8>> { (r.length()? == MODULE_STRING).then(|| r.string()).flatten() };
    let dim = uint(r)?;
    let count = uint(r)?;
    let config = uint(r)?;
    if dim == 0 || dim > MAX_DIM as u64 || count > r.data.len() as u64 {
        return None;
    }
    let quant = Quant::from_code((config & 0xff) as u32)?;
    let m = ((config >> 8) & 0xffff) as u32;
    let mut set = VectorSet::new(dim as u32, quant, if m == 0 { 16 } else { m }, 0);
    let flags = uint(r)?;
    if flags & 1 != 0 {
        let input_dim = uint(r)?;
        if input_dim == 0 || input_dim > MAX_DIM as u64 || dim > input_dim {
            return None;
        }
        let blob = string(r)?;
        if blob.len() as u64 != 4 * input_dim * dim {
            return None;
        }
        let matrix = blob.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        set.projection = Some(Projection { input_dim: input_dim as u32, matrix });
    }
    let mut nodes = Vec::new();
    for _ in 0..count {
        let name = string(r)?;
        let attrib = if flags & 2 != 0 { Some(string(r)?).filter(|a| !a.is_empty()) } else { None };
        let vector = string(r)?;
        let n = uint(r)?;
        if n > r.data.len() as u64 {
            return None;
        }
        let params = (0..n).map(|_| uint(r)).collect::<Option<Vec<u64>>>()?;
        nodes.push((name, attrib, vector, params));
    }
    if r.length()? != MODULE_EOF {
        return None;
    }
    set.deserialize(nodes)?;
    (!set.is_empty()).then(|| Value::VectorSet(Box::new(set)))
}

fn save_stream(out: &mut Vec<u8>, s: &Stream, format: &Format) {
    let compress = format.compress;
    save_len(out, s.nodes.len() as u64);
    for (id, node) in s.nodes.iter() {
        let mut key = Vec::with_capacity(16);
        save_id(&mut key, *id);
        save_string(out, &key, compress);
        save_string(out, &node.to_listpack(), compress);
    }
    save_len(out, s.length);
    for v in [
        s.last_id.ms,
        s.last_id.seq,
        s.first_id.ms,
        s.first_id.seq,
        s.max_deleted_entry_id.ms,
        s.max_deleted_entry_id.seq,
        s.entries_added,
    ] {
        save_len(out, v);
    }
    save_len(out, s.groups.len() as u64);
    for (name, group) in &s.groups {
        save_string(out, name, compress);
        save_len(out, group.last_delivered_id.ms);
        save_len(out, group.last_delivered_id.seq);
        // An unknown count is -1, which Redis writes as the largest length.
        save_len(out, group.entries_read as u64);
        save_len(out, group.pending.len() as u64);
        for (id, entry) in &group.pending {
            save_id(out, *id);
            out.extend_from_slice(&entry.delivery_time.to_le_bytes());
            save_len(out, entry.delivery_count);
        }
        save_len(out, group.consumers.len() as u64);
        for (name, consumer) in &group.consumers {
            save_string(out, name, compress);
            out.extend_from_slice(&consumer.seen_time.to_le_bytes());
            if format.version.at_least(7, 2) {
                let active = consumer.active_time.map_or(-1i64, |t| t as i64);
                out.extend_from_slice(&active.to_le_bytes());
            }
            save_len(out, consumer.pending.len() as u64);
            for id in &consumer.pending {
                save_id(out, *id);
            }
        }
    }
}

/// `DUMP`'s payload: type byte, value, RDB version (2 bytes) and CRC-64 (8 bytes), little-endian.
pub fn dump(value: &Value, format: &Format) -> Vec<u8> {
    let mut out = vec![object_type(value, format)];
    save_object(&mut out, value, format);
    out.extend_from_slice(&format.rdb_version().to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads an RDB byte stream, refusing to go past its end.
pub struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, at: 0 }
    }

    pub fn position(&self) -> usize {
        self.at
    }

    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.data.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    pub fn byte(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }

    fn u64_le(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    /// Redis's `rdbLoadLenByRef`: the length, and whether it is a special encoding instead.
    pub fn length_or_encoding(&mut self) -> Option<(u64, bool)> {
        let b = self.byte()?;
        Some(match b >> 6 {
            0 => (u64::from(b & 0x3f), false),
            1 => ((u64::from(b & 0x3f) << 8) | u64::from(self.byte()?), false),
            3 => (u64::from(b & 0x3f), true),
            _ => match b {
                0x80 => (u64::from(u32::from_be_bytes(self.bytes(4)?.try_into().ok()?)), false),
                0x81 => (u64::from_be_bytes(self.bytes(8)?.try_into().ok()?), false),
                _ => return None,
            },
        })
    }

    pub fn length(&mut self) -> Option<u64> {
        match self.length_or_encoding()? {
            (n, false) => Some(n),
            _ => None,
        }
    }

    /// Redis's `rdbGenericLoadStringObject`.
    pub fn string(&mut self) -> Option<Vec<u8>> {
        let (n, encoded) = self.length_or_encoding()?;
        if !encoded {
            return Some(self.bytes(usize::try_from(n).ok()?)?.to_vec());
        }
        match n as u8 {
            ENC_INT8 => Some((self.byte()? as i8).to_string().into_bytes()),
            ENC_INT16 => Some(i16::from_le_bytes(self.bytes(2)?.try_into().ok()?).to_string().into_bytes()),
            ENC_INT32 => Some(i32::from_le_bytes(self.bytes(4)?.try_into().ok()?).to_string().into_bytes()),
            ENC_LZF => {
                let packed_len = usize::try_from(self.length()?).ok()?;
                let len = usize::try_from(self.length()?).ok()?;
                let packed = self.bytes(packed_len)?;
                // No real value expands more than ~250 times; refuse before allocating.
                if len > packed_len.saturating_mul(300).saturating_add(64) {
                    return None;
                }
                lzf::decompress(packed, len)
            }
            _ => None,
        }
    }

    fn id(&mut self) -> Option<StreamId> {
        let raw = self.bytes(16)?;
        Some(StreamId::new(
            u64::from_be_bytes(raw[..8].try_into().ok()?),
            u64::from_be_bytes(raw[8..].try_into().ok()?),
        ))
    }

    /// A score written as text (RDB_TYPE_ZSET, before binary doubles).
    fn text_double(&mut self) -> Option<f64> {
        match self.byte()? {
            253 => None,
            254 => Some(f64::INFINITY),
            255 => Some(f64::NEG_INFINITY),
            n => {
                let text = self.bytes(usize::from(n))?;
                crate::args::parse_f64(text)
            }
        }
    }
}

/// Why `RESTORE` refused a payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// Too short, from a newer RDB version, or a checksum that does not match.
    VersionOrChecksum,
    BadData,
}

impl RestoreError {
    pub fn message(self) -> &'static str {
        match self {
            RestoreError::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong",
            RestoreError::BadData => "ERR Bad data format",
        }
    }
}

/// Redis's `verifyDumpPayload`: the footer's RDB version is one this version reads and the
/// CRC-64 matches.
pub fn verify_payload(payload: &[u8], format: &Format) -> Result<(), RestoreError> {
    if payload.len() < 10 {
        return Err(RestoreError::VersionOrChecksum);
    }
    let footer = &payload[payload.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > format.rdb_version() {
        return Err(RestoreError::VersionOrChecksum);
    }
    let crc = crc64::crc64(0, &payload[..payload.len() - 8]);
    if crc.to_le_bytes() != footer[2..] {
        return Err(RestoreError::VersionOrChecksum);
    }
    Ok(())
}

/// `RESTORE`'s reading of a payload into a value.
pub fn restore(payload: &[u8], format: &Format) -> Result<Value, RestoreError> {
    verify_payload(payload, format)?;
    let mut reader = Reader::new(&payload[..payload.len() - 10]);
    let kind = reader.byte().ok_or(RestoreError::BadData)?;
    load_object(kind, &mut reader, format).ok_or(RestoreError::BadData)
}

fn pairs_of(items: Vec<Item>) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    if !items.len().is_multiple_of(2) {
        return None;
    }
    let mut it = items.into_iter();
    let mut pairs = Vec::new();
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        pairs.push((a.into_bytes(), b.into_bytes()));
    }
    Some(pairs)
}

fn hash_from_pairs(pairs: Vec<(Vec<u8>, Vec<u8>)>, enc: &Encodings) -> Option<Value> {
    if pairs.is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    if !pairs.iter().all(|(f, _)| seen.insert(f.clone())) {
        return None;
    }
    let hash = if pairs.len() > enc.hash_entries {
        Hash::Table(pairs.into_iter().collect(), BTreeMap::new())
    } else {
        Hash::Listpack(pairs)
    };
    Some(Value::Hash(Box::new(hash)))
}

/// A hash whose fields may have expiry times, in the encoding the thresholds allow.
fn hash_with_expires(entries: Vec<(Vec<u8>, Vec<u8>, Option<u64>)>, enc: &Encodings) -> Option<Value> {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = entries.iter().map(|(f, v, _)| (f.clone(), v.clone())).collect();
    let long = pairs.iter().any(|(f, v)| f.len() > enc.hash_value || v.len() > enc.hash_value);
    let Some(Value::Hash(mut hash)) = hash_from_pairs(pairs, enc) else { return None };
    if long {
        hash.prepare(&[vec![0; enc.hash_value + 1]], enc);
    }
    for (f, _, at) in entries {
        if at.is_some() {
            hash.set_expire(&f, at);
        }
    }
    Some(Value::Hash(hash))
}

fn zset_from_pairs(pairs: Vec<(Vec<u8>, f64)>, packed_source: bool, enc: &Encodings) -> Option<Value> {
    if pairs.is_empty() || pairs.iter().any(|(_, s)| s.is_nan()) {
        return None;
    }
    let mut z = ZSet::empty();
    let longest = pairs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let count = pairs.len();
    for (m, s) in pairs {
        if z.score(&m).is_some() {
            return None;
        }
        z.scores.insert(m.clone(), s);
        z.order.insert((crate::value::Score(s), m));
    }
    z.packed =
        if packed_source { count <= enc.zset_entries } else { count <= enc.zset_entries && longest <= enc.zset_value };
    Some(Value::ZSet(Box::new(z)))
}

fn list_from(items: Vec<Vec<u8>>) -> Option<Value> {
    if items.is_empty() {
        return None;
    }
    Some(Value::List(Box::new(items.into())))
}

/// Redis's `rdbLoadObject` for the types Redsim reads (all but modules and the zipmap of
/// Redis 2.x).
pub fn load_object(kind: u8, r: &mut Reader<'_>, format: &Format) -> Option<Value> {
    let enc = &format.encodings;
    let count = |r: &mut Reader<'_>| -> Option<usize> {
        let n = usize::try_from(r.length()?).ok()?;
        // Every element takes at least one byte: a count beyond what is left is corrupt.
        (n <= r.data.len()).then_some(n)
    };
    match kind {
        TYPE_STRING => Some(Value::String(r.string()?)),
        TYPE_MODULE_2 if format.version.at_least(8, 0) => load_vector_set(r),
        TYPE_ARRAY if format.version.at_least(8, 8) => {
            let cursor = r.length()?;
            let n = count(r)?;
            let slice_size = r.length()?;
            if !(256..=65536).contains(&slice_size) || !slice_size.is_power_of_two() {
                return None;
            }
            let mut a = crate::value::Array::new(slice_size as u32);
            let mut last = None;
            for _ in 0..n {
                let i = r.length()?;
                // Indexes in increasing order, each once, below 2^64-1.
                if last.is_some_and(|l| i <= l) || i == u64::MAX {
                    return None;
                }
                last = Some(i);
                a.set(i, r.string()?, format.array_limits);
            }
            a.set_insert_idx(cursor.checked_sub(1));
            (!a.is_empty()).then(|| Value::Array(Box::new(a)))
        }
        TYPE_LIST => {
            let n = count(r)?;
            let items = (0..n).map(|_| r.string()).collect::<Option<Vec<_>>>()?;
            list_from(items)
        }
        TYPE_SET => {
            let n = count(r)?;
            let mut set = Set::default();
            let members: Vec<Vec<u8>> = (0..n).map(|_| r.string()).collect::<Option<_>>()?;
            let mut seen = BTreeSet::new();
            if !members.iter().all(|m| seen.insert(m.clone())) || members.is_empty() {
                return None;
            }
            if n > enc.set_intset_entries.min(1 << 30) {
                set = Set::Table(BTreeSet::new());
            }
            for m in &members {
                set.insert(m, enc);
            }
            Some(Value::Set(Box::new(set)))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = count(r)?;
            let mut pairs = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let m = r.string()?;
                let s =
                    if kind == TYPE_ZSET_2 { f64::from_le_bytes(r.u64_le()?.to_le_bytes()) } else { r.text_double()? };
                pairs.push((m, s));
            }
            zset_from_pairs(pairs, false, enc)
        }
        TYPE_HASH => {
            let n = count(r)?;
            let mut pairs = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                pairs.push((r.string()?, r.string()?));
            }
            let long = pairs.iter().any(|(f, v)| f.len() > enc.hash_value || v.len() > enc.hash_value);
            let value = hash_from_pairs(pairs, enc)?;
            match value {
                Value::Hash(h) if long => match *h {
                    Hash::Listpack(p) => {
                        Some(Value::Hash(Box::new(Hash::Table(p.into_iter().collect(), BTreeMap::new()))))
                    }
                    table => Some(Value::Hash(Box::new(table))),
                },
                v => Some(v),
            }
        }
        TYPE_SET_INTSET => {
            let values = packed::read_intset(&r.string()?)?;
            if values.is_empty() {
                return None;
            }
            let set = if values.len() > enc.set_intset_entries {
                Set::Table(values.iter().map(|v| v.to_string().into_bytes()).collect())
            } else {
                Set::Intset(values)
            };
            Some(Value::Set(Box::new(set)))
        }
        TYPE_SET_LISTPACK => {
            let members: Vec<Vec<u8>> =
                packed::read_listpack(&r.string()?)?.into_iter().map(Item::into_bytes).collect();
            let mut seen = BTreeSet::new();
            if members.is_empty() || !members.iter().all(|m| seen.insert(m.clone())) {
                return None;
            }
            let set = if !enc.set_listpack || members.len() > enc.set_entries {
                Set::Table(members.into_iter().collect())
            } else {
                Set::Listpack(members)
            };
            Some(Value::Set(Box::new(set)))
        }
        TYPE_ZSET_LISTPACK | TYPE_ZSET_ZIPLIST => {
            let blob = r.string()?;
            let items =
                if kind == TYPE_ZSET_LISTPACK { packed::read_listpack(&blob)? } else { packed::read_ziplist(&blob)? };
            let pairs = pairs_of(items)?
                .into_iter()
                .map(|(m, s)| Some((m, crate::args::parse_f64(&s)?)))
                .collect::<Option<Vec<_>>>()?;
            zset_from_pairs(pairs, true, enc)
        }
        TYPE_HASH_LISTPACK_EX => {
            let _min = r.u64_le()?;
            let items = packed::read_listpack(&r.string()?)?;
            if items.is_empty() || items.len() % 3 != 0 {
                return None;
            }
            let mut entries = Vec::with_capacity(items.len() / 3);
            let mut it = items.into_iter();
            while let (Some(f), Some(v), Some(at)) = (it.next(), it.next(), it.next()) {
                let at = u64::try_from(at.as_int()?).ok()?;
                entries.push((f.into_bytes(), v.into_bytes(), (at != 0).then_some(at)));
            }
            hash_with_expires(entries, enc)
        }
        TYPE_HASH_METADATA => {
            let min = r.u64_le()?;
            let n = count(r)?;
            let mut entries = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let ttl = r.length()?;
                let at = if ttl == 0 { None } else { Some(min.checked_add(ttl - 1)?) };
                entries.push((r.string()?, r.string()?, at));
            }
            hash_with_expires(entries, enc)
        }
        TYPE_HASH_LISTPACK | TYPE_HASH_ZIPLIST => {
            let blob = r.string()?;
            let items =
                if kind == TYPE_HASH_LISTPACK { packed::read_listpack(&blob)? } else { packed::read_ziplist(&blob)? };
            hash_from_pairs(pairs_of(items)?, enc)
        }
        TYPE_LIST_ZIPLIST => {
            let items = packed::read_ziplist(&r.string()?)?;
            list_from(items.into_iter().map(Item::into_bytes).collect())
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = count(r)?;
            let mut items = Vec::new();
            for _ in 0..nodes {
                let container = if kind == TYPE_LIST_QUICKLIST_2 { r.length()? } else { NODE_PACKED };
                let blob = r.string()?;
                match container {
                    NODE_PLAIN => items.push(blob),
                    NODE_PACKED => {
                        let node = if kind == TYPE_LIST_QUICKLIST_2 {
                            packed::read_listpack(&blob)?
                        } else {
                            packed::read_ziplist(&blob)?
                        };
                        // Redis skips empty nodes rather than refusing them.
                        items.extend(node.into_iter().map(Item::into_bytes));
                    }
                    _ => return None,
                }
            }
            list_from(items)
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => load_stream(kind, r),
        _ => None,
    }
}

fn load_stream(kind: u8, r: &mut Reader<'_>) -> Option<Value> {
    let mut s = Stream::default();
    let nodes = r.length()?;
    for _ in 0..nodes {
        let key = r.string()?;
        if key.len() != 16 {
            return None;
        }
        let master =
            StreamId::new(u64::from_be_bytes(key[..8].try_into().ok()?), u64::from_be_bytes(key[8..].try_into().ok()?));
        let node = Node::from_listpack(master, &r.string()?)?;
        if s.nodes.get(master).is_some() || s.nodes.keys().next_back().is_some_and(|last| *last >= master) {
            return None;
        }
        s.nodes.insert(master, Arc::new(node));
    }
    s.length = r.length()?;
    s.last_id = StreamId::new(r.length()?, r.length()?);
    if kind == TYPE_STREAM_LISTPACKS {
        s.entries_added = s.length;
        s.first_id = s.nodes.values().flat_map(|n| n.live_entries().next()).map(|e| e.id).next().unwrap_or_default();
    } else {
        s.first_id = StreamId::new(r.length()?, r.length()?);
        s.max_deleted_entry_id = StreamId::new(r.length()?, r.length()?);
        s.entries_added = r.length()?;
    }
    let live: u64 = s.nodes.values().map(|n| n.live as u64).sum();
    if live != s.length || s.nodes.values().next_back().is_some_and(|n| n.last_id() > s.last_id) {
        return None;
    }
    let groups = r.length()?;
    for _ in 0..groups {
        let name = r.string()?;
        let last = StreamId::new(r.length()?, r.length()?);
        // A file from before Redis 7.0 has no read counter: Redis estimates it from the stream.
        let entries_read =
            if kind == TYPE_STREAM_LISTPACKS { s.estimate_entries_read(last) } else { r.length()? as i64 };
        let mut group = ConsumerGroup::new(last, entries_read);
        let pel = r.length()?;
        let mut unowned: BTreeSet<StreamId> = BTreeSet::new();
        for _ in 0..pel {
            let id = r.id()?;
            let delivery_time = r.u64_le()?;
            let delivery_count = r.length()?;
            let entry = PendingEntry { consumer: Arc::from(&b""[..]), delivery_time, delivery_count, released: false };
            if group.pending.insert(id, entry).is_some() {
                return None;
            }
            unowned.insert(id);
        }
        let consumers = r.length()?;
        for _ in 0..consumers {
            let cname = r.string()?;
            let seen_time = r.u64_le()?;
            let active_time = if kind == TYPE_STREAM_LISTPACKS_3 {
                let t = r.u64_le()? as i64;
                (t >= 0).then_some(t as u64)
            } else {
                None
            };
            if group.consumers.contains_key(&cname) {
                return None;
            }
            let mut consumer = crate::stream::Consumer::new(&cname, seen_time);
            consumer.active_time = active_time;
            let owned = r.length()?;
            for _ in 0..owned {
                let id = r.id()?;
                // Each entry of a consumer's list is in the group's, owned by no one else.
                if !unowned.remove(&id) {
                    return None;
                }
                if let Some(entry) = group.pending.get_mut(&id) {
                    entry.consumer = consumer.name.clone();
                }
                consumer.pending.insert(id);
            }
            group.consumers.insert(cname, consumer);
        }
        if !unowned.is_empty() || s.groups.insert(name, group).is_some() {
            return None;
        }
    }
    Some(Value::Stream(Box::new(s)))
}

/// The value types `TYPE_*` stand for, for errors and checks.
pub fn type_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        TYPE_STRING => "string",
        TYPE_LIST | TYPE_LIST_ZIPLIST | TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => "list",
        TYPE_SET | TYPE_SET_INTSET | TYPE_SET_LISTPACK => "set",
        TYPE_ZSET | TYPE_ZSET_2 | TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => "zset",
        TYPE_HASH | TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK | TYPE_HASH_METADATA | TYPE_HASH_LISTPACK_EX => "hash",
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => "stream",
        TYPE_ARRAY => "array",
        TYPE_MODULE_2 => "vectorset",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
