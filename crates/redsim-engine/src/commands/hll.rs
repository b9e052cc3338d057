//! HyperLogLog as Redis keeps it: a string starting `HYLL`, 16384 six-bit registers in Redis's
//! dense layout or its sparse run-length opcodes, MurmurHash64A with Redis's seed, and Redis's
//! estimator, so `PFCOUNT` answers Redis's number.

use crate::args::Args;
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

const HLL: &str = "hyperloglog";
const P: u32 = 14;
const REGISTERS: usize = 1 << P;
const Q: u32 = 64 - P;
const HEADER: usize = 16;
const DENSE_SIZE: usize = HEADER + (REGISTERS * 6).div_ceil(8);
const DENSE: u8 = 0;
const SPARSE: u8 = 1;
/// `hll-sparse-max-bytes`.
const SPARSE_MAX_BYTES: usize = 3000;
const SPARSE_VAL_MAX: u8 = 32;

/// Up to the first 8 bytes of `bytes` as a little-endian number (missing bytes count as 0).
fn le_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.iter_mut().zip(bytes).for_each(|(d, s)| *d = *s);
    u64::from_le_bytes(b)
}

fn not_hll() -> Error {
    Error::other("WRONGTYPE Key is not a valid HyperLogLog string value.")
}

/// A string with a good header but registers that do not add up (an `APPEND` to an HLL, say).
fn corrupted() -> Error {
    Error::other("INVALIDOBJ Corrupted HLL object detected")
}

/// Redis's `MurmurHash64A` with seed `0xadc83b19`.
pub(crate) fn murmur64a(data: &[u8]) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h: u64 = 0xadc8_3b19 ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = le_u64(chunk);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate().rev() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// Redis's `hllPatLen`: the register an element goes to and the run length it sets.
fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// The registers and the header of a valid HLL string.
struct Hll {
    registers: Vec<u8>,
    dense: bool,
    /// The cached cardinality (`None` when invalidated).
    cached: Option<u64>,
}

impl Hll {
    fn new() -> Hll {
        Hll { registers: vec![0; REGISTERS], dense: false, cached: Some(0) }
    }

    /// Redis's `isHLLObjectOrReply` (a bad header is `WRONGTYPE`) plus decoding (bad registers are
    /// `INVALIDOBJ`).
    fn decode(bytes: &[u8]) -> Result<Hll> {
        if bytes.len() < HEADER || &bytes[..4] != b"HYLL" || bytes[4] > SPARSE {
            return Err(not_hll());
        }
        if bytes[4] == DENSE && bytes.len() != DENSE_SIZE {
            return Err(not_hll());
        }
        Self::decode_body(bytes).ok_or_else(corrupted)
    }

    fn decode_body(bytes: &[u8]) -> Option<Hll> {
        let card = le_u64(bytes.get(8..16).unwrap_or_default());
        let cached = (card >> 63 == 0).then_some(card);
        let mut registers = vec![0u8; REGISTERS];
        if bytes[4] == DENSE {
            if bytes.len() != DENSE_SIZE {
                return None;
            }
            let data = &bytes[HEADER..];
            for (i, r) in registers.iter_mut().enumerate() {
                let bit = i * 6;
                let (byte, shift) = (bit / 8, bit % 8);
                let b0 = u16::from(data[byte]);
                let b1 = u16::from(data.get(byte + 1).copied().unwrap_or(0));
                *r = (((b0 >> shift) | (b1 << (8 - shift))) & 63) as u8;
            }
            return Some(Hll { registers, dense: true, cached });
        }
        let mut at = 0usize;
        let mut p = HEADER;
        while p < bytes.len() {
            let op = bytes[p];
            if op & 0xc0 == 0 {
                at += usize::from(op & 0x3f) + 1;
                p += 1;
            } else if op & 0xc0 == 0x40 {
                let len = ((usize::from(op & 0x3f) << 8) | usize::from(*bytes.get(p + 1)?)) + 1;
                at += len;
                p += 2;
            } else {
                let value = ((op >> 2) & 0x1f) + 1;
                let len = usize::from(op & 3) + 1;
                if at + len > REGISTERS {
                    return None;
                }
                registers[at..at + len].fill(value);
                at += len;
                p += 1;
            }
        }
        (at == REGISTERS).then_some(Hll { registers, dense: false, cached })
    }

    /// The sparse opcodes for the registers, or `None` when they need the dense form.
    fn sparse_body(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < REGISTERS {
            let v = self.registers[i];
            let mut run = 1;
            while i + run < REGISTERS && self.registers[i + run] == v {
                run += 1;
            }
            if v == 0 {
                let mut left = run;
                while left > 0 {
                    let n = left.min(16384);
                    if n <= 64 {
                        out.push((n - 1) as u8);
                    } else {
                        out.push(0x40 | ((n - 1) >> 8) as u8);
                        out.push(((n - 1) & 0xff) as u8);
                    }
                    left -= n;
                }
            } else {
                if v > SPARSE_VAL_MAX {
                    return None;
                }
                let mut left = run;
                while left > 0 {
                    let n = left.min(4);
                    out.push(0x80 | ((v - 1) << 2) | (n - 1) as u8);
                    left -= n;
                }
            }
            i += run;
        }
        (HEADER + out.len() <= SPARSE_MAX_BYTES).then_some(out)
    }

    /// The string Redis would hold: sparse while it can be, dense once it had to be.
    fn encode(&mut self) -> Vec<u8> {
        let body = if self.dense { None } else { self.sparse_body() };
        if body.is_none() {
            self.dense = true;
        }
        let mut out = Vec::with_capacity(DENSE_SIZE);
        out.extend_from_slice(b"HYLL");
        out.push(if self.dense { DENSE } else { SPARSE });
        out.extend_from_slice(&[0, 0, 0]);
        let card = self.cached.unwrap_or(1 << 63);
        out.extend_from_slice(&card.to_le_bytes());
        match body {
            Some(body) => out.extend_from_slice(&body),
            None => {
                let mut data = vec![0u8; DENSE_SIZE - HEADER];
                for (i, &v) in self.registers.iter().enumerate() {
                    let bit = i * 6;
                    let (byte, shift) = (bit / 8, bit % 8);
                    data[byte] |= v << shift;
                    if shift > 2 {
                        data[byte + 1] |= v >> (8 - shift);
                    }
                }
                out.extend_from_slice(&data);
            }
        }
        out
    }

    /// Redis's `hllCount` (the estimator from Ertl's "New cardinality estimation algorithms").
    fn count(registers: &[u8]) -> u64 {
        let m = REGISTERS as f64;
        let mut histogram = [0u32; 64];
        for &r in registers {
            histogram[usize::from(r)] += 1;
        }
        let mut z = m * tau((m - f64::from(histogram[Q as usize + 1])) / m);
        for j in (1..=Q as usize).rev() {
            z += f64::from(histogram[j]);
            z *= 0.5;
        }
        z += m * sigma(f64::from(histogram[0]) / m);
        let alpha_inf = 0.721_347_520_444_481_7;
        (alpha_inf * m * m / z).round() as u64
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if before == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if before == z {
            return z / 3.0;
        }
    }
}

/// The HLL at `key`: `None` when missing; errors for other types and for strings that are not
/// HyperLogLogs.
fn load(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Hll>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::String(s)) => Hll::decode(s).map(Some),
        Some(_) => Err(Error::WrongType),
    }
}

fn save(ctx: &mut Ctx, key: &[u8], hll: &mut Hll, existed: bool) {
    let bytes = hll.encode();
    match ctx.lookup(key) {
        Some(Value::String(s)) if existed => {
            *s = bytes;
            ctx.modified(key);
        }
        _ => ctx.store(key, Value::String(bytes), false),
    }
    ctx.db().mark_raw(key);
}

/// What a HyperLogLog of `members` would count (`SUNIONCARD ... APPROX`).
pub(crate) fn estimate<'m>(members: impl Iterator<Item = &'m [u8]>) -> u64 {
    let mut hll = Hll::new();
    for m in members {
        let (index, run) = pattern(m);
        hll.registers[index] = hll.registers[index].max(run);
    }
    Hll::count(&hll.registers)
}

pub static PFADD: CommandSpec = CommandSpec::new("pfadd", -2, HLL, "2.8.9")
    .flags(&[Flag::Write, Flag::Fast, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key [element [element ...]]", "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.")
    .run(pfadd);

fn pfadd(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let elements = args.rest();
    let (mut hll, existed) = match load(ctx, key)? {
        Some(h) => (h, true),
        None => (Hll::new(), false),
    };
    let mut changed = false;
    for element in elements {
        let (index, run) = pattern(element);
        if hll.registers[index] < run {
            hll.registers[index] = run;
            changed = true;
        }
    }
    // A new key counts as changed: its cached count starts invalid.
    if changed || !existed {
        hll.cached = None;
        save(ctx, key, &mut hll, existed);
    }
    Ok(Reply::Integer(i64::from(changed || !existed)))
}

pub static PFCOUNT: CommandSpec = CommandSpec::new("pfcount", -2, HLL, "2.8.9")
    .flags(&[Flag::ReadOnly])
    .keys(1, -1, 1)
    .doc("key [key ...]", "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).")
    .run(pfcount);

fn pfcount(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let keys = args.rest();
    if keys.len() == 1 {
        let key = &keys[0];
        // A valid cached count is answered from the header, without reading the registers.
        if let Some(Value::String(s)) = ctx.lookup(key) {
            let shape_ok = s.len() >= HEADER && &s[..4] == b"HYLL" && (s[4] == SPARSE || s.len() == DENSE_SIZE);
            if shape_ok && s[15] >> 7 == 0 {
                return Ok(Reply::Integer(le_u64(&s[8..16]) as i64));
            }
        }
        let Some(mut hll) = load(ctx, key)? else { return Ok(Reply::Integer(0)) };
        // Redis caches the estimate in the string's header: reading it writes the key.
        let card = Hll::count(&hll.registers);
        hll.cached = Some(card);
        save(ctx, key, &mut hll, true);
        return Ok(Reply::Integer(card as i64));
    }
    let mut max = vec![0u8; REGISTERS];
    for key in keys {
        if let Some(hll) = load(ctx, key)? {
            max.iter_mut().zip(&hll.registers).for_each(|(m, &r)| *m = (*m).max(r));
        }
    }
    Ok(Reply::Integer(Hll::count(&max) as i64))
}

pub static PFMERGE: CommandSpec = CommandSpec::new("pfmerge", -2, HLL, "2.8.9")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, -1, 1)
    .doc("destkey [sourcekey [sourcekey ...]]", "Merges one or more HyperLogLog values into a single key.")
    .run(pfmerge);

fn pfmerge(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let keys = args.rest();
    let mut max = vec![0u8; REGISTERS];
    let mut any_dense = false;
    for key in keys {
        if let Some(hll) = load(ctx, key)? {
            any_dense |= hll.dense;
            max.iter_mut().zip(&hll.registers).for_each(|(m, &r)| *m = (*m).max(r));
        }
    }
    let dest = &keys[0];
    let (mut hll, existed) = match load(ctx, dest)? {
        Some(h) => (h, true),
        None => (Hll::new(), false),
    };
    hll.dense |= any_dense;
    hll.registers = max;
    hll.cached = None;
    save(ctx, dest, &mut hll, existed);
    Ok(Reply::ok())
}

pub static PFDEBUG: CommandSpec = CommandSpec::new("pfdebug", 3, HLL, "2.8.9")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::Admin])
    .keys(2, 2, 1)
    .doc("subcommand key", "Internal commands for debugging HyperLogLog values")
    .run(pfdebug);

/// `PFDEBUG GETREG|DECODE|ENCODING|TODENSE key`: the registers, the sparse opcodes in words, the
/// encoding, or the change to dense (which, like GETREG on a sparse value, is a write).
fn pfdebug(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let sub = args.next()?;
    let key = args.next()?;
    let Some(mut hll) = load(ctx, key)? else {
        return Err(Error::other("ERR The specified key does not exist"));
    };
    let make_dense = |ctx: &mut Ctx, hll: &mut Hll| {
        let converted = !hll.dense;
        if converted {
            hll.dense = true;
            save(ctx, key, hll, true);
        }
        converted
    };
    match sub.to_ascii_lowercase().as_slice() {
        b"getreg" => {
            make_dense(ctx, &mut hll);
            Ok(Reply::Array(hll.registers.iter().map(|&r| Reply::Integer(i64::from(r))).collect()))
        }
        b"decode" => {
            if hll.dense {
                return Err(Error::other("ERR HLL encoding is not sparse"));
            }
            let bytes = match ctx.db().get(key) {
                Some(Value::String(s)) => s.clone(),
                _ => Vec::new(),
            };
            Ok(Reply::Bulk(decode_sparse(&bytes[HEADER..]).into_bytes()))
        }
        b"encoding" => Ok(Reply::status(if hll.dense { "dense" } else { "sparse" })),
        b"todense" => Ok(Reply::Integer(i64::from(make_dense(ctx, &mut hll)))),
        _ => Err(Error::other(format!("ERR Unknown PFDEBUG subcommand '{}'", String::from_utf8_lossy(sub)))),
    }
}

/// The sparse opcodes as `PFDEBUG DECODE` words them: `z:<run>`, `Z:<run>`, `v:<value>,<run>`.
fn decode_sparse(body: &[u8]) -> String {
    let mut words = Vec::new();
    let mut p = 0;
    while p < body.len() {
        let op = body[p];
        if op & 0xc0 == 0 {
            words.push(format!("z:{}", usize::from(op & 0x3f) + 1));
            p += 1;
        } else if op & 0xc0 == 0x40 {
            let next = usize::from(body.get(p + 1).copied().unwrap_or(0));
            words.push(format!("Z:{}", ((usize::from(op & 0x3f) << 8) | next) + 1));
            p += 2;
        } else {
            words.push(format!("v:{},{}", ((op >> 2) & 0x1f) + 1, (op & 3) + 1));
            p += 1;
        }
    }
    words.join(" ")
}

pub static PFSELFTEST: CommandSpec = CommandSpec::new("pfselftest", 1, HLL, "2.8.9")
    .flags(&[Flag::Admin])
    .doc("", "An internal command for testing HyperLogLog values.")
    .run(pfselftest);

/// `PFSELFTEST`: Redis's own checks of its HyperLogLog code, run on this one: registers survive
/// the sparse and dense forms unchanged, and estimates of growing sets stay within the error
/// Redis allows (5 standard errors, 6 below 1,000,000 after the first 10).
fn pfselftest(_: &mut Ctx, _: Args) -> Result<Reply> {
    let mut hll = Hll::new();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..REGISTERS {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        hll.registers[i] = if i % 7 == 0 { ((seed >> 33) % 64) as u8 } else { 0 };
    }
    let mut dense = Hll { registers: hll.registers.clone(), dense: true, cached: None };
    let round_trip = Hll::decode(&dense.encode()).map(|h| h.registers);
    if round_trip.ok().as_deref() != Some(&hll.registers[..]) {
        return Err(Error::other("ERR TESTFAILED Register error"));
    }
    let relative_error = 1.04 / (REGISTERS as f64).sqrt();
    let mut counted = Hll::new();
    let mut checkpoint = 1u64;
    for j in 1..=100_000u64 {
        let (index, run) = pattern(&j.to_le_bytes());
        counted.registers[index] = counted.registers[index].max(run);
        if j != checkpoint {
            continue;
        }
        checkpoint *= 10;
        let estimate = Hll::count(&counted.registers) as f64;
        let allowed = if j == 10 { relative_error * 6.0 } else { relative_error * 5.0 }.max(1.0 / j as f64);
        if ((j as f64 - estimate) / j as f64).abs() > allowed {
            return Err(Error::other(format!(
                "ERR TESTFAILED Too big error. card:{j} abserr:{}",
                (j as f64 - estimate).abs()
            )));
        }
    }
    let mut sparse = Hll { registers: counted.registers.clone(), dense: false, cached: None };
    if Hll::decode(&sparse.encode()).map(|h| h.registers).ok().as_deref() != Some(&counted.registers[..]) {
        return Err(Error::other("ERR TESTFAILED Register error"));
    }
    Ok(Reply::ok())
}
