//! Bitmap commands over string values: bit 0 is the most significant bit of the first byte.

use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

const BITMAP: &str = "bitmap";

/// Strings may not grow past 512 MB, so bit offsets stop at 2^32.
const MAX_BIT_OFFSET: i64 = 512 * 1024 * 1024 * 8;

fn bytes_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Vec<u8>>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType),
    }
}

/// Redis's `lookupStringForBitCommand`: the string at `key`, created when missing and grown to
/// hold `bytes` bytes, and whether either happened (a change even if no bit changes).
fn string_for_bits<'c>(ctx: &'c mut Ctx, key: &[u8], bytes: u64) -> Result<(&'c mut Vec<u8>, bool)> {
    let created = bytes_at(ctx, key)?.is_none();
    if created {
        let (db, now) = (ctx.db_index(), ctx.now_ms);
        ctx.server.dbs[db].insert_at(key, Value::String(Vec::new()), false, now);
    }
    let db = ctx.db_index();
    let Some(Value::String(s)) = ctx.server.dbs[db].get_mut(key) else { return Err(Error::WrongType) };
    let wanted = usize::try_from(bytes)
        .map_err(|_| Error::other("ERR string exceeds maximum allowed size (proto-max-bulk-len)"))?;
    let grew = s.len() < wanted;
    if grew {
        s.resize(wanted, 0);
    }
    Ok((s, created || grew))
}

/// Redis's `getBitOffsetFromArgument`: plain or (`#n` for BITFIELD) a multiple of the type width.
fn bit_offset(arg: &[u8], hash_ok: bool, width: i64) -> Result<u64> {
    let bad = || Error::other("ERR bit offset is not an integer or out of range");
    let (mul, digits) = match arg.strip_prefix(b"#") {
        Some(rest) if hash_ok => (width, rest),
        _ => (1, arg),
    };
    let n = parse_i64(digits).ok_or_else(bad)?;
    let n = n.checked_mul(mul).ok_or_else(bad)?;
    if !(0..MAX_BIT_OFFSET).contains(&n) {
        return Err(bad());
    }
    Ok(n as u64)
}

fn get_bit(bytes: &[u8], offset: u64) -> u8 {
    let byte = (offset / 8) as usize;
    bytes.get(byte).map_or(0, |b| (b >> (7 - offset % 8)) & 1)
}

fn set_bit(bytes: &mut Vec<u8>, offset: u64, on: bool) {
    let byte = (offset / 8) as usize;
    if bytes.len() <= byte {
        bytes.resize(byte + 1, 0);
    }
    let mask = 1u8 << (7 - offset % 8);
    if on {
        bytes[byte] |= mask;
    } else {
        bytes[byte] &= !mask;
    }
}

pub static SETBIT: CommandSpec = CommandSpec::new("setbit", 4, BITMAP, "2.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key offset value",
        "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
    )
    .run(setbit);

fn setbit(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let offset = bit_offset(args.next()?, false, 0)?;
    let on = match args.next()? {
        b"0" => false,
        b"1" => true,
        _ => return Err(Error::other("ERR bit is not an integer or out of range")),
    };
    let (bytes, dirty) = string_for_bits(ctx, key, offset / 8 + 1)?;
    let old = get_bit(bytes, offset);
    // A change only when the string is new or longer, or the bit flips.
    if dirty || (old == 1) != on {
        set_bit(bytes, offset, on);
        ctx.modified(key);
    }
    // Redis unshares the string (making it raw) before it looks at the bit.
    ctx.db().mark_raw(key);
    Ok(Reply::Integer(old.into()))
}

pub static GETBIT: CommandSpec = CommandSpec::new("getbit", 3, BITMAP, "2.2.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc("key offset", "Returns a bit value by offset.")
    .run(getbit);

fn getbit(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let offset = bit_offset(args.next()?, false, 0)?;
    Ok(Reply::Integer(bytes_at(ctx, key)?.map_or(0, |b| get_bit(b, offset)).into()))
}

/// A `[start end [BYTE|BIT]]` range resolved to bit positions `[first, last]` over `len` bytes;
/// `None` when empty.
fn bit_range(start: i64, end: i64, in_bits: bool, len: usize) -> Option<(u64, u64)> {
    let total = if in_bits { len as i64 * 8 } else { len as i64 };
    let norm = |v: i64| if v < 0 { (total + v).max(0) } else { v };
    let (s, e) = (norm(start), norm(end).min(total - 1));
    if s > e || total == 0 {
        return None;
    }
    Some(if in_bits { (s as u64, e as u64) } else { (s as u64 * 8, e as u64 * 8 + 7) })
}

fn parse_unit(arg: Option<&[u8]>) -> Result<bool> {
    match arg {
        None => Ok(false),
        Some(u) if u.eq_ignore_ascii_case(b"BYTE") => Ok(false),
        Some(u) if u.eq_ignore_ascii_case(b"BIT") => Ok(true),
        Some(_) => Err(Error::Syntax),
    }
}

pub static BITCOUNT: CommandSpec = CommandSpec::new("bitcount", -2, BITMAP, "2.6.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key [start end [BYTE | BIT]]", "Counts the number of set bits (population counting) in a string.")
    .run(bitcount);

fn bitcount(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let rest = args.rest();
    // The key comes first: a missing key is 0 whatever the range says.
    if bytes_at(ctx, key)?.is_none() {
        return Ok(Reply::Integer(0));
    }
    let range = match rest {
        [] => None,
        [s, e] | [s, e, _] => {
            let start = parse_i64(s).ok_or(Error::NotInteger)?;
            let end = parse_i64(e).ok_or(Error::NotInteger)?;
            // Two negative indexes the wrong way round count nothing, before the unit is read.
            if start < 0 && end < 0 && start > end {
                return Ok(Reply::Integer(0));
            }
            Some((start, end, parse_unit(rest.get(2).map(Vec::as_slice))?))
        }
        _ => return Err(Error::Syntax),
    };
    let Some(bytes) = bytes_at(ctx, key)? else { return Ok(Reply::Integer(0)) };
    let (first, last) = match range {
        None if bytes.is_empty() => return Ok(Reply::Integer(0)),
        None => (0, bytes.len() as u64 * 8 - 1),
        Some((s, e, in_bits)) => match bit_range(s, e, in_bits, bytes.len()) {
            None => return Ok(Reply::Integer(0)),
            Some(r) => r,
        },
    };
    let count = (first..=last).filter(|&i| get_bit(bytes, i) == 1).count();
    Ok(Reply::Integer(count as i64))
}

pub static BITPOS: CommandSpec = CommandSpec::new("bitpos", -3, BITMAP, "2.8.7")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key bit [start [end [BYTE | BIT]]]", "Finds the first set (1) or clear (0) bit in a string.")
    .run(bitpos);

fn bitpos(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let bit = match args.next()? {
        b"0" => 0u8,
        b"1" => 1u8,
        other if parse_i64(other).is_none() => return Err(Error::NotInteger),
        _ => return Err(Error::other("ERR The bit argument must be 1 or 0.")),
    };
    let rest = args.rest();
    // A missing key answers before the range is looked at.
    if bytes_at(ctx, key)?.is_none() {
        return Ok(Reply::Integer(if bit == 1 { -1 } else { 0 }));
    }
    if rest.len() > 3 {
        return Err(Error::Syntax);
    }
    let start = rest.first().map(|s| parse_i64(s).ok_or(Error::NotInteger)).transpose()?;
    let end = rest.get(1).map(|e| parse_i64(e).ok_or(Error::NotInteger)).transpose()?;
    let in_bits = parse_unit(rest.get(2).map(Vec::as_slice))?;
    let Some(bytes) = bytes_at(ctx, key)? else {
        return Ok(Reply::Integer(if bit == 1 { -1 } else { 0 }));
    };
    let end_given = end.is_some();
    let Some((first, last)) = bit_range(start.unwrap_or(0), end.unwrap_or(-1), in_bits, bytes.len()) else {
        return Ok(Reply::Integer(-1));
    };
    if let Some(found) = (first..=last).find(|&i| get_bit(bytes, i) == bit) {
        return Ok(Reply::Integer(found as i64));
    }
    // Looking for a clear bit past a run of set ones: the string is taken as padded with zeros,
    // unless the caller bounded the range.
    if bit == 0 && !end_given {
        return Ok(Reply::Integer((last + 1) as i64));
    }
    Ok(Reply::Integer(-1))
}

pub static BITOP: CommandSpec = CommandSpec::new("bitop", -4, BITMAP, "2.6.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(2, -1, 1)
    .doc(
        "<AND | OR | XOR | NOT> destkey key [key ...]",
        "Performs bitwise operations on multiple strings, and stores the result.",
    )
    .run(bitop);

fn bitop(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let op = args.next()?.to_ascii_uppercase();
    let dest = args.next()?;
    let keys = args.rest();
    if !matches!(op.as_slice(), b"AND" | b"OR" | b"XOR" | b"NOT") {
        return Err(Error::Syntax);
    }
    if op == b"NOT" && keys.len() != 1 {
        return Err(Error::other("ERR BITOP NOT must be called with a single source key."));
    }
    let mut sources = Vec::with_capacity(keys.len());
    for key in keys {
        sources.push(bytes_at(ctx, key)?.cloned().unwrap_or_default());
    }
    let len = sources.iter().map(Vec::len).max().unwrap_or(0);
    let byte = |s: &Vec<u8>, i: usize| s.get(i).copied().unwrap_or(0);
    let result: Vec<u8> = (0..len)
        .map(|i| match op.as_slice() {
            b"NOT" => !byte(&sources[0], i),
            b"AND" => sources.iter().fold(0xff, |acc, s| acc & byte(s, i)),
            b"OR" => sources.iter().fold(0, |acc, s| acc | byte(s, i)),
            _ => sources.iter().fold(0, |acc, s| acc ^ byte(s, i)),
        })
        .collect();
    if result.is_empty() {
        ctx.delete(dest);
    } else {
        ctx.store(dest, Value::String(result), false);
        ctx.db().mark_raw(dest);
    }
    Ok(Reply::Integer(len as i64))
}

/// A BITFIELD type: `i<bits>` or `u<bits>`.
#[derive(Clone, Copy)]
struct Field {
    signed: bool,
    bits: u32,
}

fn parse_field(arg: &[u8]) -> Result<Field> {
    let bad = || {
        Error::other("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
    };
    let signed = match arg.first() {
        Some(b'i' | b'I') => true,
        Some(b'u' | b'U') => false,
        _ => return Err(bad()),
    };
    let bits = parse_i64(&arg[1..]).ok_or_else(bad)?;
    if bits < 1 || (signed && bits > 64) || (!signed && bits > 63) {
        return Err(bad());
    }
    Ok(Field { signed, bits: bits as u32 })
}

fn read_field(bytes: &[u8], offset: u64, f: Field) -> i64 {
    let mut v: u64 = 0;
    for i in 0..u64::from(f.bits) {
        v = (v << 1) | u64::from(get_bit(bytes, offset + i));
    }
    if f.signed && f.bits < 64 && v & (1 << (f.bits - 1)) != 0 {
        (v | (u64::MAX << f.bits)) as i64
    } else {
        v as i64
    }
}

fn write_field(bytes: &mut Vec<u8>, offset: u64, f: Field, value: i64) {
    let v = value as u64;
    for i in 0..u64::from(f.bits) {
        let bit = (v >> (u64::from(f.bits) - 1 - i)) & 1;
        set_bit(bytes, offset + i, bit == 1);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// Adds `by` to `value` as a field of type `f` would hold it; `None` when FAIL overflows.
fn field_add(value: i64, by: i64, f: Field, overflow: Overflow) -> Option<i64> {
    let (min, max): (i128, i128) =
        if f.signed { (-(1i128 << (f.bits - 1)), (1i128 << (f.bits - 1)) - 1) } else { (0, (1i128 << f.bits) - 1) };
    let sum = i128::from(value) + i128::from(by);
    if (min..=max).contains(&sum) {
        return Some(sum as i64);
    }
    match overflow {
        Overflow::Fail => None,
        Overflow::Sat => Some(if sum > max { max } else { min } as i64),
        Overflow::Wrap => {
            let modulus = 1i128 << f.bits;
            let mut w = sum.rem_euclid(modulus);
            if f.signed && w > max {
                w -= modulus;
            }
            Some(w as i64)
        }
    }
}

pub static BITFIELD: CommandSpec = CommandSpec::new("bitfield", -2, BITMAP, "3.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc("key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]", "Performs arbitrary bitfield integer operations on strings.")
    .run(|c, a| bitfield(c, a, false));
pub static BITFIELD_RO: CommandSpec = CommandSpec::new("bitfield_ro", -2, BITMAP, "6.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .keys(1, 1, 1)
    .doc(
        "key [GET encoding offset [GET encoding offset ...]]",
        "Performs arbitrary read-only bitfield integer operations on strings.",
    )
    .run(|c, a| bitfield(c, a, true));

enum Op {
    Get(Field, u64),
    Set(Field, u64, i64, Overflow),
    Incr(Field, u64, i64, Overflow),
}

fn bitfield(ctx: &mut Ctx, mut args: Args, read_only: bool) -> Result<Reply> {
    let key = args.next()?;
    let rest = args.rest();
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut i = 0;
    while i < rest.len() {
        let word = rest[i].to_ascii_uppercase();
        let left = rest.len() - 1 - i;
        match word.as_slice() {
            b"GET" if left >= 2 => {
                let f = parse_field(&rest[i + 1])?;
                ops.push(Op::Get(f, bit_offset(&rest[i + 2], true, f.bits.into())?));
                i += 3;
            }
            b"SET" | b"INCRBY" if left >= 3 && !read_only => {
                let f = parse_field(&rest[i + 1])?;
                let offset = bit_offset(&rest[i + 2], true, f.bits.into())?;
                let n = parse_i64(&rest[i + 3]).ok_or(Error::NotInteger)?;
                ops.push(if word == b"SET" {
                    Op::Set(f, offset, n, overflow)
                } else {
                    Op::Incr(f, offset, n, overflow)
                });
                i += 4;
            }
            b"OVERFLOW" if left >= 1 && !read_only => {
                overflow = match rest[i + 1].to_ascii_uppercase().as_slice() {
                    b"WRAP" => Overflow::Wrap,
                    b"SAT" => Overflow::Sat,
                    b"FAIL" => Overflow::Fail,
                    _ => return Err(Error::other("ERR Invalid OVERFLOW type specified")),
                };
                i += 2;
            }
            b"SET" | b"INCRBY" | b"OVERFLOW" if read_only => {
                return Err(Error::other("ERR BITFIELD_RO only supports the GET subcommand"));
            }
            _ => return Err(Error::Syntax),
        }
    }
    // The string is made long enough for the highest write first.
    let highest = ops
        .iter()
        .filter_map(|o| match o {
            Op::Set(f, offset, ..) | Op::Incr(f, offset, ..) => Some(offset + u64::from(f.bits) - 1),
            Op::Get(..) => None,
        })
        .max();
    let mut empty = Vec::new();
    let (bytes, dirty) = match highest {
        Some(bit) => string_for_bits(ctx, key, bit / 8 + 1)?,
        None => (bytes_at(ctx, key)?.unwrap_or(&mut empty), false),
    };
    let mut replies = Vec::with_capacity(ops.len());
    // Each write counts as a change when the string is new or longer or the value differs.
    let mut changes = 0u64;
    for op in ops {
        replies.push(match op {
            Op::Get(f, offset) => Reply::Integer(read_field(bytes, offset, f)),
            Op::Set(f, offset, value, overflow) => {
                let old = read_field(bytes, offset, f);
                match field_add(value, 0, f, overflow) {
                    Some(v) => {
                        write_field(bytes, offset, f, v);
                        changes += u64::from(dirty || v != old);
                        Reply::Integer(old)
                    }
                    None => Reply::Nil,
                }
            }
            Op::Incr(f, offset, by, overflow) => {
                let old = read_field(bytes, offset, f);
                match field_add(old, by, f, overflow) {
                    Some(v) => {
                        write_field(bytes, offset, f, v);
                        changes += u64::from(dirty || v != old);
                        Reply::Integer(v)
                    }
                    None => Reply::Nil,
                }
            }
        });
    }
    if changes > 0 {
        ctx.modified(key);
        ctx.dirty += changes - 1;
    }
    if highest.is_some() {
        // Redis unshares the string (making it raw) before any write.
        ctx.db().mark_raw(key);
    }
    Ok(Reply::Array(replies))
}
