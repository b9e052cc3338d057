//! x87 `long double` (80-bit extended precision, a 64-bit mantissa), which Redis uses for
//! `INCRBYFLOAT` and `HINCRBYFLOAT`: parsing as `strtold` does (correctly rounded), adding with
//! one rounding, and printing as `ld2string(..., LD_STR_HUMAN)` does (`%.17Lf`, trailing zeros
//! dropped). A small exact big-integer type does the decimal conversions.

use std::cmp::Ordering;

/// Little-endian 32-bit limbs, no trailing zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bits(&self) -> usize {
        match self.0.last() {
            None => 0,
            Some(&top) => (self.0.len() - 1) * 32 + (32 - top.leading_zeros() as usize),
        }
    }

    fn bit(&self, i: usize) -> bool {
        self.0.get(i / 32).is_some_and(|l| l >> (i % 32) & 1 == 1)
    }

    fn any_below(&self, n: usize) -> bool {
        let (full, rest) = (n / 32, n % 32);
        self.0.iter().take(full).any(|&l| l != 0)
            || (rest > 0 && self.0.get(full).is_some_and(|l| l & ((1 << rest) - 1) != 0))
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for l in &mut self.0 {
            let v = *l as u64 * m as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn add_small(&mut self, a: u32) {
        let mut carry = a as u64;
        for l in &mut self.0 {
            if carry == 0 {
                break;
            }
            let v = *l as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut k: u32) {
        while k >= 9 {
            self.mul_small(1_000_000_000);
            k -= 9;
        }
        self.mul_small(10u32.pow(k));
    }

    fn shl(&self, n: usize) -> Big {
        if self.is_zero() {
            return self.clone();
        }
        let (limbs, bits) = (n / 32, n % 32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push((l << bits) | carry);
                carry = l >> (32 - bits);
            }
        }
        if carry > 0 {
            out.push(carry);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    fn shr(&self, n: usize) -> Big {
        let (limbs, bits) = (n / 32, n % 32);
        if limbs >= self.0.len() {
            return Big(Vec::new());
        }
        let src = &self.0[limbs..];
        let mut out = Vec::with_capacity(src.len());
        for i in 0..src.len() {
            let lo = src[i] >> bits;
            let hi = if bits > 0 { src.get(i + 1).map_or(0, |&h| h << (32 - bits)) } else { 0 };
            out.push(lo | hi);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// The low `n` bits.
    fn low(&self, n: usize) -> Big {
        let (full, rest) = (n / 32, n % 32);
        let mut out: Vec<u32> = self.0.iter().take(full).copied().collect();
        if rest > 0 {
            if let Some(&l) = self.0.get(full) {
                out.push(l & ((1u32 << rest) - 1));
            }
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// Bits `from..from+64` as a u64.
    fn bits_at(&self, from: usize) -> u64 {
        let mut v = 0u64;
        for i in 0..64 {
            if self.bit(from + i) {
                v |= 1 << i;
            }
        }
        v
    }

    fn cmp_big(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    fn add(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len().max(o.0.len()) + 1);
        let mut carry = 0u64;
        for i in 0..self.0.len().max(o.0.len()) {
            let v = *self.0.get(i).unwrap_or(&0) as u64 + *o.0.get(i).unwrap_or(&0) as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `self - o`, for `self >= o`.
    fn sub(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut v = self.0[i] as i64 - *o.0.get(i).unwrap_or(&0) as i64 - borrow;
            borrow = 0;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            }
            out.push(v as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// Divides in place by a small number; returns the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for l in self.0.iter_mut().rev() {
            let v = (rem << 32) | *l as u64;
            *l = (v / d as u64) as u32;
            rem = v % d as u64;
        }
        self.trim();
        rem as u32
    }

    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_small(1_000_000_000));
        }
        // Not zero, so there is a first chunk.
        let mut s = chunks.pop().unwrap_or(0).to_string();
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

/// An exponent part at `at` (`e-12` for decimal, `p+3` for hexadecimal: `marker` is the letter),
/// as strtold reads it: its value (capped, so huge exponents stay huge) and where it ends. `None`
/// when there is no complete exponent, which leaves the letter for the caller to reject.
fn exponent(b: &[u8], at: usize, marker: u8) -> Option<(i64, usize)> {
    if b.get(at).is_none_or(|c| c.to_ascii_lowercase() != marker) {
        return None;
    }
    let mut j = at + 1;
    let neg = matches!(b.get(j), Some(b'-'));
    if matches!(b.get(j), Some(b'+' | b'-')) {
        j += 1;
    }
    let start = j;
    let mut e: i64 = 0;
    while j < b.len() && b[j].is_ascii_digit() {
        e = (e * 10 + (b[j] - b'0') as i64).min(1_000_000);
        j += 1;
    }
    (j > start).then_some((if neg { -e } else { e }, j))
}

/// A finite x87 extended value: `mant × 2^(exp - 63)`, `mant` normalized (top bit set) unless
/// the value is zero.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LongDouble {
    Finite { neg: bool, exp: i32, mant: u64 },
    Inf { neg: bool },
}

const MAX_EXP: i32 = 16383;
const MIN_EXP: i32 = -16445;

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble::Finite { neg: false, exp: 0, mant: 0 };

    pub fn is_finite(self) -> bool {
        matches!(self, LongDouble::Finite { .. })
    }

    /// `-self`.
    pub fn negate(self) -> LongDouble {
        match self {
            LongDouble::Finite { neg, exp, mant } => LongDouble::Finite { neg: !neg, exp, mant },
            LongDouble::Inf { neg } => LongDouble::Inf { neg: !neg },
        }
    }

    /// The order of two values, read off the sign of their difference.
    pub fn compare(self, other: LongDouble) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (LongDouble::Inf { neg: a }, LongDouble::Inf { neg: b }) => b.cmp(&a),
            (LongDouble::Inf { neg }, _) => {
                if neg {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, LongDouble::Inf { neg }) => {
                if neg {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => match self + other.negate() {
                LongDouble::Finite { mant: 0, .. } => Ordering::Equal,
                LongDouble::Finite { neg: true, .. } | LongDouble::Inf { neg: true } => Ordering::Less,
                _ => Ordering::Greater,
            },
        }
    }

    /// Rounds `m × 2^e2` (with `sticky` set when nonzero bits were already dropped below it) to
    /// 64 bits, nearest, ties to even.
    fn round(neg: bool, m: &Big, e2: i64, sticky: bool) -> LongDouble {
        let l = m.bits();
        if l == 0 {
            return LongDouble::Finite { neg, exp: 0, mant: 0 };
        }
        let mut exp = e2 + l as i64 - 1;
        let mant = if l <= 64 {
            m.bits_at(0) << (64 - l)
        } else {
            let drop = l - 64;
            let top = m.bits_at(drop);
            let guard = m.bit(drop - 1);
            let rest = sticky || m.any_below(drop - 1);
            let (mut mant, mut carried) = (top, false);
            if guard && (rest || top & 1 == 1) {
                let (v, overflow) = top.overflowing_add(1);
                mant = v;
                carried = overflow;
            }
            if carried {
                mant = 1 << 63;
                exp += 1;
            }
            mant
        };
        if exp > MAX_EXP as i64 {
            return LongDouble::Inf { neg };
        }
        if exp < MIN_EXP as i64 {
            return LongDouble::Finite { neg, exp: 0, mant: 0 };
        }
        LongDouble::Finite { neg, exp: exp as i32, mant }
    }

    /// `strtold` for what Redis's `string2ld` lets through: decimal notation, `inf`/`infinity`.
    /// `None` on overflow, on a non-zero number that rounds to zero, and on malformed text.
    pub fn parse(text: &str) -> Option<LongDouble> {
        let (neg, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let lower = body.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            return Some(LongDouble::Inf { neg });
        }
        if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            return LongDouble::parse_hex(neg, hex);
        }
        let b = body.as_bytes();
        let mut digits = Big(Vec::new());
        let mut exp10: i64 = 0;
        let (mut i, mut seen) = (0, false);
        let mut nonzero = false;
        while i < b.len() && b[i].is_ascii_digit() {
            digits.mul_small(10);
            digits.add_small((b[i] - b'0') as u32);
            nonzero |= b[i] != b'0';
            seen = true;
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                digits.mul_small(10);
                digits.add_small((b[i] - b'0') as u32);
                nonzero |= b[i] != b'0';
                exp10 -= 1;
                seen = true;
                i += 1;
            }
        }
        if !seen {
            return None;
        }
        if let Some((e, end)) = exponent(b, i, b'e') {
            exp10 += e;
            i = end;
        }
        if i != b.len() {
            return None;
        }
        if !nonzero {
            return Some(LongDouble::Finite { neg, exp: 0, mant: 0 });
        }
        // Far out of range either way: no need to build the number.
        let magnitude = digits.bits() as i64 + (exp10 as f64 * std::f64::consts::LOG2_10) as i64;
        if magnitude > MAX_EXP as i64 + 4 {
            return None;
        }
        if magnitude < MIN_EXP as i64 - 4 {
            return None;
        }
        let value = if exp10 >= 0 {
            let mut n = digits;
            n.mul_pow10(exp10 as u32);
            LongDouble::round(neg, &n, 0, false)
        } else {
            let mut den = Big::from_u64(1);
            den.mul_pow10((-exp10) as u32);
            let shift = (66 + den.bits()).saturating_sub(digits.bits());
            let num = digits.shl(shift);
            // Bitwise long division: the quotient and whether anything remains.
            let mut q = Big(Vec::new());
            let mut rem = Big(Vec::new());
            for bit in (0..num.bits()).rev() {
                rem = rem.shl(1);
                if num.bit(bit) {
                    rem.add_small(1);
                }
                q = q.shl(1);
                if rem.cmp_big(&den) != Ordering::Less {
                    rem = rem.sub(&den);
                    q.add_small(1);
                }
            }
            LongDouble::round(neg, &q, -(shift as i64), !rem.is_zero())
        };
        match value {
            LongDouble::Inf { .. } => None,
            LongDouble::Finite { mant: 0, .. } => None,
            v => Some(v),
        }
    }

    /// A hexadecimal float as `strtold` reads it (`0x1.8p3`): hex digits, an optional point, an
    /// optional binary exponent.
    fn parse_hex(neg: bool, text: &str) -> Option<LongDouble> {
        let b = text.as_bytes();
        let mut m = Big(Vec::new());
        let (mut i, mut seen, mut exp2) = (0, false, 0i64);
        while i < b.len() && b[i].is_ascii_hexdigit() {
            m = m.shl(4);
            m.add_small((b[i] as char).to_digit(16).unwrap_or(0));
            seen = true;
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_hexdigit() {
                m = m.shl(4);
                m.add_small((b[i] as char).to_digit(16).unwrap_or(0));
                exp2 -= 4;
                seen = true;
                i += 1;
            }
        }
        if !seen {
            return None;
        }
        if let Some((e, end)) = exponent(b, i, b'p') {
            exp2 += e;
            i = end;
        }
        if i != b.len() {
            return None;
        }
        if m.is_zero() {
            return Some(LongDouble::Finite { neg, exp: 0, mant: 0 });
        }
        match LongDouble::round(neg, &m, exp2, false) {
            LongDouble::Inf { .. } | LongDouble::Finite { mant: 0, .. } => None,
            v => Some(v),
        }
    }

    /// `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` with trailing zeros (and a bare point) removed.
    pub fn human(self) -> String {
        let (neg, exp, mant) = match self {
            LongDouble::Inf { neg } => return if neg { "-inf" } else { "inf" }.into(),
            LongDouble::Finite { neg, exp, mant } => (neg, exp, mant),
        };
        let m = Big::from_u64(mant);
        let sh = exp as i64 - 63;
        let (mut int, frac_digits) = if mant == 0 {
            (Big(Vec::new()), Big(Vec::new()))
        } else if sh >= 0 {
            (m.shl(sh as usize), Big(Vec::new()))
        } else {
            let k = (-sh) as usize;
            let int = m.shr(k);
            let mut scaled = m.low(k);
            scaled.mul_pow10(17);
            let mut q = scaled.shr(k);
            let rem = scaled.low(k);
            let half = Big::from_u64(1).shl(k - 1);
            match rem.cmp_big(&half) {
                Ordering::Greater => q.add_small(1),
                Ordering::Equal if q.bit(0) => q.add_small(1),
                _ => {}
            }
            (int, q)
        };
        let mut frac = frac_digits.to_decimal();
        if frac.len() > 17 {
            // Rounding carried into the integer part.
            int.add_small(1);
            frac = "0".into();
        }
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(&int.to_decimal());
        s.push('.');
        s.push_str(&format!("{:0>17}", frac));
        let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        if s == "-0" {
            "0".into()
        } else {
            s
        }
    }
}

impl LongDouble {
    /// A `double` widened to `long double` (exact).
    pub fn from_f64(d: f64) -> LongDouble {
        let neg = d.is_sign_negative();
        if d.is_infinite() {
            return LongDouble::Inf { neg };
        }
        let bits = d.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1 << 52) - 1);
        let (m, e2) = if biased == 0 { (frac, -1074) } else { (frac | 1 << 52, biased - 1075) };
        LongDouble::round(neg, &Big::from_u64(m), e2, false)
    }

    /// An integer as `long double` (exact).
    pub fn from_i64(i: i64) -> LongDouble {
        LongDouble::round(i < 0, &Big::from_u64(i.unsigned_abs()), 0, false)
    }

    /// The integer part (C's cast, toward zero) when the value lies within `i64`'s range.
    pub fn trunc_i64(self) -> Option<i64> {
        let LongDouble::Finite { neg, exp, mant } = self else { return None };
        if mant == 0 {
            return Some(0);
        }
        let sh = exp as i64 - 63;
        let (magnitude, fraction): (u128, bool) = if sh >= 0 {
            if sh > 64 {
                return None;
            }
            (u128::from(mant) << sh, false)
        } else if sh <= -64 {
            (0, true)
        } else {
            (u128::from(mant >> (-sh)), mant & ((1u64 << (-sh)) - 1) != 0)
        };
        // Past the range by a fraction is past it (C compares before it casts).
        let limit = if neg { 1u128 << 63 } else { (1u128 << 63) - 1 };
        if magnitude > limit || (magnitude == limit && fraction) {
            return None;
        }
        if neg {
            if magnitude > 1 << 63 {
                return None;
            }
            Some((magnitude as i128).wrapping_neg() as i64)
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    /// The exact decimal expansion: sign, integer digits, fraction digits (no trailing zeros).
    fn exact_decimal(self) -> Option<(bool, String, String)> {
        let LongDouble::Finite { neg, exp, mant } = self else { return None };
        let m = Big::from_u64(mant);
        let sh = exp as i64 - 63;
        if mant == 0 {
            return Some((neg, "0".into(), String::new()));
        }
        if sh >= 0 {
            return Some((neg, m.shl(sh as usize).to_decimal(), String::new()));
        }
        let k = (-sh) as usize;
        let int = m.shr(k);
        let mut frac = m.low(k);
        // frac / 2^k has exactly k decimal places: frac * 5^k is those digits.
        frac.mul_pow10(k as u32);
        let digits = frac.shr(k).to_decimal();
        let digits = if frac.shr(k).is_zero() { String::new() } else { format!("{digits:0>k$}") };
        Some((neg, int.to_decimal(), digits.trim_end_matches('0').to_string()))
    }

    /// `ld2string(..., LD_STR_AUTO)`: C's `%.17Lg`.
    pub fn auto(self) -> String {
        const P: usize = 17;
        let Some((neg, int, frac)) = self.exact_decimal() else {
            return match self {
                LongDouble::Inf { neg: true } => "-inf".into(),
                _ => "inf".into(),
            };
        };
        let sign = if neg { "-" } else { "" };
        // All significant digits and the decimal exponent of the first.
        let int_digits = int.trim_start_matches('0');
        let (digits, exp10): (String, i64) = if !int_digits.is_empty() {
            (format!("{int_digits}{frac}"), int_digits.len() as i64 - 1)
        } else {
            let lead = frac.len() - frac.trim_start_matches('0').len();
            if frac.trim_start_matches('0').is_empty() {
                return format!("{sign}0");
            }
            (frac[lead..].to_string(), -(lead as i64) - 1)
        };
        // Round to P significant digits, half to even on the exact digits.
        let mut kept: Vec<u8> = digits.bytes().take(P).map(|b| b - b'0').collect();
        kept.resize(P, 0);
        let rest = digits.as_bytes().get(P..).unwrap_or(&[]);
        let up = match rest.first() {
            Some(b'6'..=b'9') => true,
            Some(b'5') => rest[1..].iter().any(|&b| b != b'0') || kept[P - 1] % 2 == 1,
            _ => false,
        };
        let mut exp10 = exp10;
        if up {
            let mut i = P;
            loop {
                if i == 0 {
                    kept.insert(0, 1);
                    kept.pop();
                    exp10 += 1;
                    break;
                }
                i -= 1;
                if kept[i] == 9 {
                    kept[i] = 0;
                } else {
                    kept[i] += 1;
                    break;
                }
            }
        }
        let text: String = kept.iter().map(|d| char::from(b'0' + d)).collect();
        if exp10 < -4 || exp10 >= P as i64 {
            let mantissa = format!("{}.{}", &text[..1], &text[1..]);
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            let esign = if exp10 < 0 { '-' } else { '+' };
            format!("{sign}{mantissa}e{esign}{:02}", exp10.unsigned_abs())
        } else if exp10 >= 0 {
            let point = exp10 as usize + 1;
            let fixed = format!("{}.{}", &text[..point], &text[point..]);
            format!("{sign}{}", fixed.trim_end_matches('0').trim_end_matches('.'))
        } else {
            let zeros = "0".repeat((-exp10 - 1) as usize);
            let fixed = format!("0.{zeros}{text}");
            format!("{sign}{}", fixed.trim_end_matches('0'))
        }
    }
}

/// `long double` addition, rounded as x87 rounds it.
impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    fn add(self, other: LongDouble) -> LongDouble {
        let (a, b) = match (self, other) {
            (LongDouble::Inf { neg: x }, LongDouble::Inf { neg: y }) if x != y => {
                return LongDouble::Inf { neg: false }; // NaN in C; callers reject both
            }
            (LongDouble::Inf { .. }, _) => return self,
            (_, LongDouble::Inf { .. }) => return other,
            (a, b) => (a, b),
        };
        let (LongDouble::Finite { neg: an, exp: ae, mant: am }, LongDouble::Finite { neg: bn, exp: be, mant: bm }) =
            (a, b)
        else {
            unreachable!("infinities handled above")
        };
        if am == 0 {
            return if bm == 0 { LongDouble::Finite { neg: an && bn, exp: 0, mant: 0 } } else { b };
        }
        if bm == 0 {
            return a;
        }
        // Exact sum on a common scale; a term far below the other only matters as a sticky bit.
        let (mut ae, mut be) = (ae as i64, be as i64);
        let (mut am, mut bm) = (am, bm);
        if ae - be > 200 {
            be = ae - 200;
            bm = 1;
        } else if be - ae > 200 {
            ae = be - 200;
            am = 1;
        }
        let base = ae.min(be) - 63;
        let x = Big::from_u64(am).shl((ae - 63 - base) as usize);
        let y = Big::from_u64(bm).shl((be - 63 - base) as usize);
        if an == bn {
            return LongDouble::round(an, &x.add(&y), base, false);
        }
        match x.cmp_big(&y) {
            Ordering::Equal => LongDouble::ZERO,
            Ordering::Greater => LongDouble::round(an, &x.sub(&y), base, false),
            Ordering::Less => LongDouble::round(bn, &y.sub(&x), base, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LongDouble;

    fn incr(a: &str, b: &str) -> String {
        (LongDouble::parse(a).unwrap() + LongDouble::parse(b).unwrap()).human()
    }

    #[test]
    fn sums_print_as_redis_prints_them() {
        // Replies of Redis 7.0.15's INCRBYFLOAT on x86-64, where long double is 80-bit.
        assert_eq!(incr("5.6", "1e3"), "1005.59999999999999998");
        assert_eq!(incr("1005.59999999999999998", "1.1e-3"), "1005.60109999999999997");
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("0", "0.10000000000000001"), "0.10000000000000001");
        assert_eq!(incr("10.5", "0.1"), "10.6");
        assert!(incr("1e308", "1e308").starts_with("199999999999999999993371759311691291321120199694831134415594"));
        assert_eq!(LongDouble::parse("1e-4940").unwrap().human(), "0");
        assert!(!(LongDouble::parse("1.18e4932").unwrap() + LongDouble::parse("1.18e4932").unwrap()).is_finite());
        assert_eq!(incr("-3", "3"), "0");
        assert_eq!(incr("3.0e3", "200"), "3200");
        assert_eq!(LongDouble::parse("1e5000"), None);
        assert_eq!(LongDouble::parse("1e-5000"), None);
        assert_eq!(LongDouble::parse("12abc"), None);
        assert_eq!(incr("0x2", "-5.6"), "-3.6");
        assert_eq!(incr("0x1.8p3", "0"), "12");
        assert_eq!(LongDouble::parse("0x"), None);
        assert_eq!(LongDouble::parse("0").unwrap().human(), "0");
        assert_eq!(LongDouble::parse("-0.0").unwrap().human(), "0");
    }

    // C's printf("%.17Lg") on x86-64 for the same long doubles.
    #[test]
    fn auto_prints_as_percent_17lg() {
        let ld = |s: &str| LongDouble::parse(s).unwrap();
        assert_eq!(ld("60").auto(), "60");
        assert_eq!(ld("0.5").auto(), "0.5");
        assert_eq!(ld("0.1").auto(), "0.1");
        assert_eq!(LongDouble::from_f64(0.1).auto(), "0.10000000000000001");
        assert_eq!(LongDouble::from_f64(1.1).auto(), "1.1000000000000001");
        assert_eq!(ld("123456789012345678").auto(), "1.2345678901234568e+17");
        assert_eq!(ld("0.0001").auto(), "0.0001");
        assert_eq!(ld("0.00001").auto(), "1e-05");
        assert_eq!(ld("-2.5").auto(), "-2.5");
        assert_eq!(ld("1e17").auto(), "1e+17");
        assert_eq!(ld("99999999999999999").auto(), "99999999999999999");
        assert_eq!(ld("999999999999999999").auto(), "1e+18");
        assert_eq!(LongDouble::from_i64(-7).auto(), "-7");
        assert_eq!(LongDouble::ZERO.auto(), "0");
        assert_eq!(ld("7.9").trunc_i64(), Some(7));
        assert_eq!(ld("-7.9").trunc_i64(), Some(-7));
        assert_eq!(ld("9223372036854775808").trunc_i64(), None);
        assert_eq!(ld("-9223372036854775808").trunc_i64(), Some(i64::MIN));
    }
}
