//! Stream IDs (`<ms>-<seq>`) and the ways Redis parses them.

use std::cell::Cell;
use std::fmt;

use crate::error::{Error, Result};

/// Redis's `streamID`: milliseconds and a sequence number, ordered as one 128-bit number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The next ID, or `None` after the last possible one (Redis's `streamIncrID`).
    pub fn next(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (u64::MAX, u64::MAX) => None,
            (ms, u64::MAX) => Some(StreamId::new(ms + 1, 0)),
            (ms, seq) => Some(StreamId::new(ms, seq + 1)),
        }
    }

    /// The previous ID, or `None` before 0-0 (Redis's `streamDecrID`).
    pub fn prev(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (0, 0) => None,
            (ms, 0) => Some(StreamId::new(ms - 1, u64::MAX)),
            (ms, seq) => Some(StreamId::new(ms, seq - 1)),
        }
    }

    /// The 16 big-endian bytes Redis uses as the radix-tree key.
    pub fn encode(self) -> [u8; 16] {
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&self.ms.to_be_bytes());
        key[8..].copy_from_slice(&self.seq.to_be_bytes());
        key
    }

    /// `<ms>-<seq>` as bytes, without going through `fmt` (replies make one per entry).
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24);
        push_ms(&mut out, self.ms);
        out.push(b'-');
        push_decimal(&mut out, self.seq);
        out
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// `00`, `01`, ... `99`: two digits per division (an ID has some 16 digits).
const DIGIT_PAIRS: [u8; 200] = {
    let mut pairs = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        pairs[2 * i] = b'0' + (i / 10) as u8;
        pairs[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    pairs
};

/// Appends `v` in decimal, without going through `fmt` (IDs, RESP lengths and integers).
pub fn push_decimal(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    // Eight digits at a time in 32 bits (wasm divides 64-bit numbers by constants slowly).
    while v >= 100_000_000 {
        let mut low = (v % 100_000_000) as u32;
        v /= 100_000_000;
        for _ in 0..4 {
            let pair = (low % 100) as usize * 2;
            low /= 100;
            at -= 2;
            digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        }
    }
    let mut v = v as u32;
    while v >= 100 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if v >= 10 {
        let pair = v as usize * 2;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + v as u8;
    }
    out.extend_from_slice(&digits[at..]);
}

thread_local! {
    /// The millisecond part written last and its digits: IDs written one after another mostly
    /// share it (a stream gets many entries per millisecond), and it is the long, 64-bit half.
    static LAST_MS: Cell<(u64, [u8; 20], u8)> = const { Cell::new((u64::MAX, [0; 20], 0)) };
}

/// `push_decimal` for an ID's millisecond part, remembering the last one written.
fn push_ms(out: &mut Vec<u8>, ms: u64) {
    let (last, digits, len) = LAST_MS.get();
    // Nothing is remembered while `len` is 0.
    if last == ms && len > 0 {
        out.extend_from_slice(&digits[..len as usize]);
        return;
    }
    let start = out.len();
    push_decimal(out, ms);
    let written = &out[start..];
    let mut digits = [0u8; 20];
    digits[..written.len()].copy_from_slice(written);
    LAST_MS.set((ms, digits, written.len() as u8));
}

/// Up to 19 decimal digits and nothing else (so no overflow): the common `<ms>-<seq>` halves.
fn plain_digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut v = 0u64;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

pub fn invalid_id() -> Error {
    Error::other("ERR Invalid stream ID specified as stream command argument")
}

/// How an ID argument may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSyntax {
    /// The sequence used when only `<ms>` is given.
    pub missing_seq: u64,
    /// Strict IDs reject the `-` and `+` shorthands.
    pub strict: bool,
    /// XADD accepts `<ms>-*` (sequence chosen by the server).
    pub allow_auto_seq: bool,
}

impl IdSyntax {
    pub const STRICT: IdSyntax = IdSyntax { missing_seq: 0, strict: true, allow_auto_seq: false };

    pub fn lenient(missing_seq: u64) -> IdSyntax {
        IdSyntax { missing_seq, strict: false, allow_auto_seq: false }
    }
}

/// A parsed ID; `seq_given` is false for `<ms>-*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedId {
    pub id: StreamId,
    pub seq_given: bool,
}

/// Redis's `streamGenericParseIDOrReply`, including its C-string quirks: the argument is read up
/// to the first NUL, must be shorter than 128 bytes, and each half goes through `string2ull`.
pub fn parse_id(arg: &[u8], syntax: IdSyntax) -> Result<ParsedId> {
    if arg.len() > 127 {
        return Err(invalid_id());
    }
    // `<ms>-<seq>` in plain digits, as replies write IDs, reads the same by the rules below.
    if let Some(dash) = arg.iter().position(|&b| b == b'-') {
        if let (Some(ms), Some(seq)) = (plain_digits(&arg[..dash]), plain_digits(&arg[dash + 1..])) {
            return Ok(ParsedId { id: StreamId::new(ms, seq), seq_given: true });
        }
    }
    let arg = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    if syntax.strict && (arg == b"-" || arg == b"+") {
        return Err(invalid_id());
    }
    if arg == b"-" {
        return Ok(ParsedId { id: StreamId::MIN, seq_given: true });
    }
    if arg == b"+" {
        return Ok(ParsedId { id: StreamId::MAX, seq_given: true });
    }
    let (ms_part, seq_part) = match arg.iter().position(|&b| b == b'-') {
        Some(dash) => (&arg[..dash], Some(&arg[dash + 1..])),
        None => (arg, None),
    };
    let ms = string_to_u64(ms_part).ok_or_else(invalid_id)?;
    let (seq, seq_given) = match seq_part {
        None => (syntax.missing_seq, true),
        Some(b"*") if syntax.allow_auto_seq => (0, false),
        Some(seq) => (string_to_u64(seq).ok_or_else(invalid_id)?, true),
    };
    Ok(ParsedId { id: StreamId::new(ms, seq), seq_given })
}

/// Redis's `string2ull`: `string2ll` when that works (negative values refused), otherwise C's
/// `strtoull`, which skips leading spaces, takes a sign (negating modulo 2^64) and must consume
/// the whole string without overflowing.
pub fn string_to_u64(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::args::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &s[i..];
    if s.is_empty() || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative { value.wrapping_neg() } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(s: &str) -> Option<StreamId> {
        parse_id(s.as_bytes(), IdSyntax::lenient(0)).ok().map(|p| p.id)
    }

    #[test]
    fn parses_like_redis() {
        assert_eq!(lenient("5"), Some(StreamId::new(5, 0)));
        assert_eq!(lenient("5-3"), Some(StreamId::new(5, 3)));
        assert_eq!(lenient("-"), Some(StreamId::MIN));
        assert_eq!(lenient("+"), Some(StreamId::MAX));
        assert_eq!(lenient(" 5-+3"), Some(StreamId::new(5, 3)));
        assert_eq!(lenient("-0"), None, "the dash splits first: empty ms");
        assert_eq!(lenient("1--01"), Some(StreamId::new(1, u64::MAX)));
        for bad in ["", "a", "5-", "5-3-1", "1--1", "18446744073709551616", "5 ", "0x1"] {
            assert_eq!(lenient(bad), None, "{bad}");
        }
        assert!(parse_id(b"-", IdSyntax::STRICT).is_err());
        let auto = IdSyntax { allow_auto_seq: true, ..IdSyntax::STRICT };
        assert_eq!(parse_id(b"7-*", auto), Ok(ParsedId { id: StreamId::new(7, 0), seq_given: false }));
        assert!(parse_id(b"7-*", IdSyntax::STRICT).is_err());
    }

    #[test]
    fn ids_print_as_ms_dash_seq() {
        assert_eq!(StreamId::new(0, 0).to_bytes(), b"0-0");
        assert_eq!(StreamId::MAX.to_bytes(), b"18446744073709551615-18446744073709551615");
        assert_eq!(
            StreamId::new(1526919030474, 55).to_bytes(),
            StreamId::new(1526919030474, 55).to_string().into_bytes()
        );
    }

    #[test]
    fn every_digit_count_prints_and_parses_back() {
        let mut v = 1u64;
        for _ in 0..20 {
            for n in [v - 1, v, v.saturating_add(1), v.saturating_mul(9)] {
                let id = StreamId::new(n, n / 3);
                assert_eq!(id.to_bytes(), id.to_string().into_bytes());
                assert_eq!(parse_id(&id.to_bytes(), IdSyntax::STRICT).map(|p| p.id), Ok(id));
            }
            v = v.saturating_mul(10);
        }
        // The digits-only shortcut agrees with Redis's rules where they are unusual.
        assert_eq!(lenient("007-0010"), Some(StreamId::new(7, 10)));
        assert_eq!(lenient("9999999999999999999-1"), Some(StreamId::new(9_999_999_999_999_999_999, 1)));
        assert_eq!(lenient("18446744073709551615-0"), Some(StreamId::new(u64::MAX, 0)));
        assert_eq!(lenient("18446744073709551616-0"), None);
    }

    #[test]
    fn the_remembered_millisecond_part_never_leaks_into_another_id() {
        for ms in [u64::MAX, u64::MAX, 0, 0, 5, 1526919030474, 1526919030474, 5, u64::MAX, 10, 1] {
            for seq in [0, 1, u64::MAX] {
                let id = StreamId::new(ms, seq);
                assert_eq!(id.to_bytes(), id.to_string().into_bytes());
            }
        }
    }

    #[test]
    fn next_and_prev_wrap_between_ms() {
        assert_eq!(StreamId::new(1, u64::MAX).next(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(StreamId::new(2, 0).prev(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
    }
}
