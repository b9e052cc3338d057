//! The byte layouts Redis keeps small values in, as DUMP and RDB carry them: listpacks (7.0's
//! hashes, sorted sets, list nodes and stream nodes), intsets, and, for payloads from older
//! Redis, ziplists. Encoders write exactly Redis's bytes; decoders check every length and
//! answer `None` for anything malformed, so a corrupt payload is refused, never trusted.

/// One listpack element: Redis stores a string that reads as an integer as that integer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Int(i64),
    Str(Vec<u8>),
}

impl Item {
    /// The element as the string a command sees.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Item::Int(n) => n.to_string().into_bytes(),
            Item::Str(s) => s,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Item::Int(n) => Some(*n),
            Item::Str(s) => crate::args::parse_i64(s),
        }
    }
}

/// Redis's `lpStringToInt64`: what `lpAppend` stores as an integer.
pub fn as_integer(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    crate::args::parse_i64(s)
}

const HEADER: usize = 6;
const EOF: u8 = 0xff;

/// Builds a listpack element by element (Redis's `lpAppend` and `lpAppendInteger`).
pub struct ListpackWriter {
    bytes: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        ListpackWriter::new()
    }
}

impl ListpackWriter {
    pub fn new() -> ListpackWriter {
        ListpackWriter { bytes: vec![0; HEADER], count: 0 }
    }

    /// A string, stored as an integer when it reads as one.
    pub fn push(&mut self, s: &[u8]) {
        match as_integer(s) {
            Some(n) => self.push_int(n),
            None => self.push_str(s),
        }
    }

    pub fn push_str(&mut self, s: &[u8]) {
        let start = self.bytes.len();
        let len = s.len();
        if len < 64 {
            self.bytes.push(0x80 | len as u8);
        } else if len < 4096 {
            self.bytes.push(0xe0 | (len >> 8) as u8);
            self.bytes.push(len as u8);
        } else {
            self.bytes.push(0xf0);
            self.bytes.extend_from_slice(&(len as u32).to_le_bytes());
        }
        self.bytes.extend_from_slice(s);
        self.finish_element(start);
    }

    pub fn push_int(&mut self, v: i64) {
        let start = self.bytes.len();
        if (0..=127).contains(&v) {
            self.bytes.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = if v < 0 { (1i64 << 13) + v } else { v } as u64;
            self.bytes.push(((u >> 8) as u8) | 0xc0);
            self.bytes.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            self.bytes.push(0xf1);
            self.bytes.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8_388_608..=8_388_607).contains(&v) {
            self.bytes.push(0xf2);
            self.bytes.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&v) {
            self.bytes.push(0xf3);
            self.bytes.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.bytes.push(0xf4);
            self.bytes.extend_from_slice(&v.to_le_bytes());
        }
        self.finish_element(start);
    }

    /// Appends the element's back-length (Redis's `lpEncodeBacklen`).
    fn finish_element(&mut self, start: usize) {
        let l = (self.bytes.len() - start) as u64;
        let b = &mut self.bytes;
        if l <= 127 {
            b.push(l as u8);
        } else if l < 16383 {
            b.extend_from_slice(&[(l >> 7) as u8, ((l & 127) | 128) as u8]);
        } else if l < 2_097_151 {
            b.extend_from_slice(&[(l >> 14) as u8, (((l >> 7) & 127) | 128) as u8, ((l & 127) | 128) as u8]);
        } else if l < 268_435_455 {
            b.extend_from_slice(&[
                (l >> 21) as u8,
                (((l >> 14) & 127) | 128) as u8,
                (((l >> 7) & 127) | 128) as u8,
                ((l & 127) | 128) as u8,
            ]);
        } else {
            b.extend_from_slice(&[
                (l >> 28) as u8,
                (((l >> 21) & 127) | 128) as u8,
                (((l >> 14) & 127) | 128) as u8,
                (((l >> 7) & 127) | 128) as u8,
                ((l & 127) | 128) as u8,
            ]);
        }
        self.count += 1;
    }

    /// What `lpBytes` would say of the listpack so far (its end marker counted).
    pub fn len(&self) -> usize {
        self.bytes.len() + 1
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The listpack's bytes, header and end marker included.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.push(EOF);
        let total = self.bytes.len() as u32;
        self.bytes[..4].copy_from_slice(&total.to_le_bytes());
        let count = if self.count < 65535 { self.count as u16 } else { 65535 };
        self.bytes[4..6].copy_from_slice(&count.to_le_bytes());
        self.bytes
    }
}

/// A listpack of strings (each stored as an integer when it reads as one).
pub fn listpack<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut w = ListpackWriter::new();
    for item in items {
        w.push(item);
    }
    w.finish()
}

/// Every element of a listpack, checking its header, each element's encoding and back-length,
/// and the end marker.
pub fn read_listpack(lp: &[u8]) -> Option<Vec<Item>> {
    if lp.len() < HEADER + 1 {
        return None;
    }
    let total = u32::from_le_bytes(lp[..4].try_into().ok()?) as usize;
    let declared = u16::from_le_bytes(lp[4..6].try_into().ok()?);
    if total != lp.len() || lp[total - 1] != EOF {
        return None;
    }
    let mut items = Vec::new();
    let mut at = HEADER;
    while at < total - 1 {
        let start = at;
        let b = lp[at];
        let item = if b & 0x80 == 0 {
            at += 1;
            Item::Int(i64::from(b & 0x7f))
        } else if b & 0xc0 == 0x80 {
            let len = usize::from(b & 0x3f);
            let s = lp.get(at + 1..at + 1 + len)?;
            at += 1 + len;
            Item::Str(s.to_vec())
        } else if b & 0xe0 == 0xc0 {
            let u = (u64::from(b & 0x1f) << 8) | u64::from(*lp.get(at + 1)?);
            at += 2;
            Item::Int(if u >= 1 << 12 { u as i64 - (1 << 13) } else { u as i64 })
        } else if b & 0xf0 == 0xe0 {
            let len = (usize::from(b & 0x0f) << 8) | usize::from(*lp.get(at + 1)?);
            let s = lp.get(at + 2..at + 2 + len)?;
            at += 2 + len;
            Item::Str(s.to_vec())
        } else {
            match b {
                0xf0 => {
                    let len = u32::from_le_bytes(lp.get(at + 1..at + 5)?.try_into().ok()?) as usize;
                    let s = lp.get(at + 5..at.checked_add(5)?.checked_add(len)?)?;
                    at += 5 + len;
                    Item::Str(s.to_vec())
                }
                0xf1 => {
                    let v = i16::from_le_bytes(lp.get(at + 1..at + 3)?.try_into().ok()?);
                    at += 3;
                    Item::Int(i64::from(v))
                }
                0xf2 => {
                    let raw = lp.get(at + 1..at + 4)?;
                    let v = i32::from_le_bytes([raw[0], raw[1], raw[2], if raw[2] & 0x80 != 0 { 0xff } else { 0 }]);
                    at += 4;
                    Item::Int(i64::from(v))
                }
                0xf3 => {
                    let v = i32::from_le_bytes(lp.get(at + 1..at + 5)?.try_into().ok()?);
                    at += 5;
                    Item::Int(i64::from(v))
                }
                0xf4 => {
                    let v = i64::from_le_bytes(lp.get(at + 1..at + 9)?.try_into().ok()?);
                    at += 9;
                    Item::Int(v)
                }
                _ => return None,
            }
        };
        // The back-length must say how long the element was.
        let encoded = (at - start) as u64;
        let backlen = match encoded {
            0..=127 => 1,
            128..=16382 => 2,
            16383..=2_097_150 => 3,
            2_097_151..=268_435_454 => 4,
            _ => 5,
        };
        let back = lp.get(at..at + backlen)?;
        let mut value: u64 = 0;
        // The first byte has the high bits and no marker; the others carry the marker bit.
        for (i, byte) in back.iter().enumerate() {
            if (i == 0) == (byte & 0x80 != 0) {
                return None;
            }
            value = (value << 7) | u64::from(byte & 0x7f);
        }
        if value != encoded {
            return None;
        }
        at += backlen;
        if at >= total {
            return None;
        }
        items.push(item);
    }
    if declared != 65535 && usize::from(declared) != items.len() {
        return None;
    }
    Some(items)
}

/// An intset's bytes: its element width, its length, then the elements sorted, little-endian.
pub fn intset(values: &[i64]) -> Vec<u8> {
    let width: u32 = if values.iter().all(|v| i16::try_from(*v).is_ok()) {
        2
    } else if values.iter().all(|v| i32::try_from(*v).is_ok()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + values.len() * width as usize);
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        match width {
            2 => out.extend_from_slice(&(*v as i16).to_le_bytes()),
            4 => out.extend_from_slice(&(*v as i32).to_le_bytes()),
            _ => out.extend_from_slice(&v.to_le_bytes()),
        }
    }
    out
}

/// An intset's elements, which must be sorted and distinct.
pub fn read_intset(bytes: &[u8]) -> Option<Vec<i64>> {
    let width = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let len = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    if !matches!(width, 2 | 4 | 8) || bytes.len() != 8 + len.checked_mul(width)? {
        return None;
    }
    let values: Vec<i64> = bytes[8..]
        .chunks(width)
        .map(|c| match width {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        })
        .collect();
    values.windows(2).all(|w| w[0] < w[1]).then_some(values)
}

/// A ziplist's elements (Redis before 7.0 kept small hashes, sorted sets and list nodes in
/// them): header, entries with their previous-length and encoding, end marker.
pub fn read_ziplist(zl: &[u8]) -> Option<Vec<Item>> {
    if zl.len() < 11 {
        return None;
    }
    let total = u32::from_le_bytes(zl[..4].try_into().ok()?) as usize;
    let tail = u32::from_le_bytes(zl[4..8].try_into().ok()?) as usize;
    let declared = u16::from_le_bytes(zl[8..10].try_into().ok()?);
    if total != zl.len() || zl[total - 1] != EOF || tail >= total {
        return None;
    }
    let mut items = Vec::new();
    let mut at = 10;
    let mut prev_len = 0usize;
    let mut last_start = 10;
    while zl[at] != EOF {
        let start = at;
        // The previous entry's length, as the entry records it.
        let recorded = if zl[at] < 254 {
            at += 1;
            usize::from(zl[start])
        } else {
            let v = u32::from_le_bytes(zl.get(at + 1..at + 5)?.try_into().ok()?) as usize;
            at += 5;
            v
        };
        if recorded != prev_len {
            return None;
        }
        let b = *zl.get(at)?;
        let item = match b >> 6 {
            0 => {
                let len = usize::from(b & 0x3f);
                let s = zl.get(at + 1..at + 1 + len)?;
                at += 1 + len;
                Item::Str(s.to_vec())
            }
            1 => {
                let len = (usize::from(b & 0x3f) << 8) | usize::from(*zl.get(at + 1)?);
                let s = zl.get(at + 2..at + 2 + len)?;
                at += 2 + len;
                Item::Str(s.to_vec())
            }
            2 => {
                let len = u32::from_be_bytes(zl.get(at + 1..at + 5)?.try_into().ok()?) as usize;
                let s = zl.get(at + 5..at.checked_add(5)?.checked_add(len)?)?;
                at += 5 + len;
                Item::Str(s.to_vec())
            }
            _ => {
                let (v, size): (i64, usize) = match b {
                    0xc0 => (i64::from(i16::from_le_bytes(zl.get(at + 1..at + 3)?.try_into().ok()?)), 2),
                    0xd0 => (i64::from(i32::from_le_bytes(zl.get(at + 1..at + 5)?.try_into().ok()?)), 4),
                    0xe0 => (i64::from_le_bytes(zl.get(at + 1..at + 9)?.try_into().ok()?), 8),
                    0xf0 => {
                        let raw = zl.get(at + 1..at + 4)?;
                        let v = i32::from_le_bytes([raw[0], raw[1], raw[2], if raw[2] & 0x80 != 0 { 0xff } else { 0 }]);
                        (i64::from(v), 3)
                    }
                    0xfe => (i64::from(*zl.get(at + 1)? as i8), 1),
                    0xf1..=0xfd => (i64::from(b & 0x0f) - 1, 0),
                    _ => return None,
                };
                at += 1 + size;
                Item::Int(v)
            }
        };
        if at >= total {
            return None;
        }
        prev_len = at - start;
        last_start = start;
        items.push(item);
    }
    if at != total - 1 || (!items.is_empty() && last_start != tail) {
        return None;
    }
    if declared != u16::MAX && usize::from(declared) != items.len() {
        return None;
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listpacks_round_trip_every_encoding() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 100];
        let values: Vec<Vec<u8>> = [
            b"0".to_vec(),
            b"127".to_vec(),
            b"-1".to_vec(),
            b"4095".to_vec(),
            b"-4096".to_vec(),
            b"32767".to_vec(),
            b"8388607".to_vec(),
            b"-8388608".to_vec(),
            b"2147483647".to_vec(),
            b"9223372036854775807".to_vec(),
            b"-9223372036854775808".to_vec(),
            b"007".to_vec(),
            b"hello".to_vec(),
            mid,
            long,
        ]
        .to_vec();
        let lp = listpack(values.iter().map(|v| v.as_slice()));
        let back: Vec<Vec<u8>> = read_listpack(&lp).unwrap().into_iter().map(Item::into_bytes).collect();
        assert_eq!(back, values);
        // An empty listpack is header + end marker.
        assert_eq!(listpack([]), vec![7, 0, 0, 0, 0, 0, 0xff]);
        // Corruption is refused.
        let mut bad = lp.clone();
        bad[8] ^= 0x40;
        assert!(read_listpack(&bad).is_none() || read_listpack(&bad) != read_listpack(&lp));
        assert!(read_listpack(&lp[..lp.len() - 1]).is_none());
    }

    #[test]
    fn intsets_pick_the_narrowest_width() {
        assert_eq!(intset(&[1, 2]), vec![2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0]);
        assert_eq!(read_intset(&intset(&[-70000, 5])).unwrap(), vec![-70000, 5]);
        assert!(read_intset(&intset(&[5, 1])).is_none());
    }
}
