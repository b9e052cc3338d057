//! A cursor over a command's arguments, and Redis's strict number parsing.
//!
//! Commands parse their arguments into a typed struct with this cursor (mini-redis's `Parse`), so
//! the exact error texts for bad numbers live here once instead of in every command.

use crate::error::{Error, Result};

/// The arguments after the command name (and after the subcommand, for container commands).
pub struct Args<'a> {
    argv: &'a [Vec<u8>],
    pos: usize,
}

impl<'a> Args<'a> {
    pub fn new(argv: &'a [Vec<u8>]) -> Args<'a> {
        Args { argv, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.argv.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn peek(&self) -> Option<&'a [u8]> {
        self.argv.get(self.pos).map(Vec::as_slice)
    }

    /// The next argument; a syntax error when there is none. (Not an `Iterator`: running out is
    /// an error reply, not the end of a sequence.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<&'a [u8]> {
        let arg = self.peek().ok_or(Error::Syntax)?;
        self.pos += 1;
        Ok(arg)
    }

    pub fn next_owned(&mut self) -> Result<Vec<u8>> {
        self.next().map(<[u8]>::to_vec)
    }

    pub fn next_i64(&mut self) -> Result<i64> {
        parse_i64(self.next()?).ok_or(Error::NotInteger)
    }

    /// Redis's `getIntFromObjectOrReply`: an integer that must fit in 32 bits.
    pub fn next_i32(&mut self) -> Result<i32> {
        let n = self.next_i64()?;
        i32::try_from(n).map_err(|_| Error::NotInRange { min: i32::MIN.into(), max: i32::MAX.into() })
    }

    /// Consumes the next argument if it equals `word`, ignoring ASCII case.
    pub fn eat(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(arg) if arg.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Every argument not consumed yet.
    pub fn rest(&mut self) -> &'a [Vec<u8>] {
        let rest = &self.argv[self.pos..];
        self.pos = self.argv.len();
        rest
    }
}

/// Redis's `string2ll`: an optional `-`, digits without leading zeros, no spaces, no `+`,
/// and a value that fits in 64 bits.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    if bytes == b"0" {
        return Some(0);
    }
    let (negative, digits) = match bytes[0] {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut magnitude: u64 = 0;
    if digits.len() <= 19 {
        // Nineteen digits cannot overflow 64 bits: no checked multiply (which wasm does with a
        // 128-bit multiplication call).
        for &b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            magnitude = magnitude * 10 + u64::from(d);
        }
    } else {
        for &b in digits {
            if !b.is_ascii_digit() {
                return None;
            }
            magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
    }
    if negative {
        if magnitude > i64::MAX as u64 + 1 {
            None
        } else {
            Some((magnitude as i128).wrapping_neg() as i64)
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Redis's `string2ull` as used for stream IDs: plain decimal digits, no sign, fits in 64 bits.
pub fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 20 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Redis's `getDoubleFromObject`: `strtod` on the whole argument, no spaces, no NaN, and no
/// overflow or underflow.
pub fn parse_f64(bytes: &[u8]) -> Option<f64> {
    // Plain decimal text (digits, one sign, a point): Rust's parser reads it as strtod does, and
    // nothing below applies. Scores and increments are nearly always this.
    if let Some(v) = parse_plain_decimal(bytes) {
        return Some(v);
    }
    parse_f64_text(bytes)
}

/// [`parse_f64`] for any text: signs, exponents, `inf`, and the refusals of `strtold`'s
/// results Redis makes.
fn parse_f64_text(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned.starts_with("nan") || unsigned.starts_with("0x") {
        return None;
    }
    let value: f64 = match unsigned {
        "inf" | "infinity" => {
            if lower.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        _ => {
            let v: f64 = lower.parse().ok()?;
            let has_digit = unsigned.split(['e']).next().is_some_and(|m| m.bytes().any(|b| (b'1'..=b'9').contains(&b)));
            if v.is_infinite() || (v == 0.0 && has_digit) {
                return None;
            }
            v
        }
    };
    Some(value)
}

/// `[-]digits[.digits]` (at least one digit, at most 32 bytes), read without allocating; `None`
/// for anything else, which [`parse_f64`] then reads the long way. A value that is zero written
/// with a non-zero digit (an underflow) is refused there, so it is left to that path too.
fn parse_plain_decimal(bytes: &[u8]) -> Option<f64> {
    if bytes.is_empty() || bytes.len() > 32 {
        return None;
    }
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let (mut seen_digit, mut seen_point) = (false, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if !seen_digit {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let v: f64 = text.parse().ok()?;
    (v.is_finite() && v != 0.0 || !digits.iter().any(|b| (b'1'..=b'9').contains(b))).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_read_as_the_long_way_reads_them() {
        let cases = [
            "0",
            "-0",
            "1",
            "1.5",
            "-2.25",
            ".5",
            "5.",
            "007",
            "0.000000000000000000000000001",
            "123456789012345678901234567890",
            "3.14159265358979323846",
            "-0.0",
            "10",
            "1e5",
            "+1",
            ".",
            "-",
            "1.2.3",
            "inf",
            "",
        ];
        for case in cases {
            let fast = parse_plain_decimal(case.as_bytes());
            let slow = parse_f64_text(case.as_bytes());
            if fast.is_some() {
                assert_eq!(fast.map(f64::to_bits), slow.map(f64::to_bits), "{case}");
            }
            assert_eq!(parse_f64(case.as_bytes()).map(f64::to_bits), slow.map(f64::to_bits), "{case}");
        }
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [&b""[..], b"-0", b"01", b"+1", b" 1", b"1 ", b"9223372036854775808", b"1.0", b"-"] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        // Around the 19-digit shortcut and the 64-bit limits, as Rust's own parser answers.
        for text in [
            "999999999999999999",
            "1000000000000000000",
            "9999999999999999999",
            "-9999999999999999999",
            "10000000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "99999999999999999999",
            "-99999999999999999999",
            "1234567890123456789",
            "-1234567890123456789",
            "12345678901234567x9",
        ] {
            assert_eq!(parse_i64(text.as_bytes()), text.parse::<i64>().ok(), "{text}");
        }
    }

    #[test]
    fn unsigned_ids() {
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"007"), Some(7));
    }
}
