//! The byte size of Redis's listpack encoding, element by element.
//!
//! Redsim does not store listpacks, but a stream node is full when its listpack would reach
//! `stream-node-max-bytes`, so the node boundaries Redis draws depend on these sizes. Integers
//! (and strings that read as integers) take 1 to 9 bytes; strings take their length plus a 1, 2
//! or 5 byte header; every element ends with a 1 to 5 byte back-length.

/// Total header (6 bytes) and end marker (1 byte) of an empty listpack.
pub const OVERHEAD: usize = 7;

fn backlen(encoded: usize) -> usize {
    match encoded {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// Bytes taken by an integer element.
pub fn int_size(v: i64) -> usize {
    let encoded = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8388608..=8388607 => 4,
        -2147483648..=2147483647 => 5,
        _ => 9,
    };
    encoded + backlen(encoded)
}

/// Bytes taken by a string element (stored as an integer when it reads as one).
pub fn str_size(s: &[u8]) -> usize {
    if let Some(v) = crate::args::parse_i64(s) {
        return int_size(v);
    }
    let encoded = match s.len() {
        0..=63 => 1 + s.len(),
        64..=4095 => 2 + s.len(),
        _ => 5 + s.len(),
    };
    encoded + backlen(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(int_size(0), 2);
        assert_eq!(int_size(127), 2);
        assert_eq!(int_size(128), 3);
        assert_eq!(int_size(-1), 3);
        assert_eq!(int_size(1 << 40), 10);
        assert_eq!(str_size(b"v"), 3);
        assert_eq!(str_size(b"12"), 2);
        assert_eq!(str_size(&[b'x'; 63]), 65);
        assert_eq!(str_size(&[b'x'; 64]), 67);
        assert_eq!(str_size(&[b'x'; 200]), 204);
    }
}
