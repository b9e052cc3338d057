//! The `cmsgpack` library Redis gives scripts (lua-cmsgpack 0.4.0): `pack` turns Lua values
//! into MessagePack bytes, `unpack`, `unpack_one` and `unpack_limit` read them back, with that
//! library's choices (numbers that are whole become integers, the smallest float that holds a
//! number exactly, tables nested past 16 levels become nil) and its error texts.

use crate::interp::{Interp, LuaError};
use crate::stdlib::bad_arg;
use crate::value::{TableRef, Value};

type R<T> = Result<T, LuaError>;
type Out = R<Vec<Value>>;

/// Tables nested deeper than this are packed as nil (`LUACMSGPACK_MAX_NESTING`), which is how
/// a table that contains itself packs.
const MAX_NESTING: usize = 16;

pub fn pack(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if args.is_empty() {
        return Err(interp.error("bad argument #0 to 'pack' (MessagePack pack needs input.)"));
    }
    let mut out = Vec::new();
    for v in &args {
        encode(interp, &mut out, v, 0)?;
    }
    interp.check_size(out.len())?;
    Ok(vec![Value::str(out)])
}

/// The C cast `(int64_t)n == n`, without Rust's saturation making 2^63 look whole.
fn whole_i64(n: f64) -> Option<i64> {
    let fits = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n);
    (fits && (n as i64) as f64 == n).then_some(n as i64)
}

fn encode(interp: &mut Interp<'_>, out: &mut Vec<u8>, v: &Value, level: usize) -> R<()> {
    interp.step()?;
    interp.check_len(out.len())?;
    match v {
        Value::Str(s) => encode_bytes(out, s),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Num(n) => match whole_i64(*n) {
            Some(i) => encode_int(out, i),
            None => encode_double(out, *n),
        },
        Value::Table(t) if level < MAX_NESTING => encode_table(interp, out, t, level)?,
        _ => out.push(0xc0),
    }
    Ok(())
}

fn encode_bytes(out: &mut Vec<u8>, s: &[u8]) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// A float32 when it holds the number exactly, else a float64.
fn encode_double(out: &mut Vec<u8>, d: f64) {
    let f = d as f32;
    if f64::from(f) == d {
        out.push(0xca);
        out.extend_from_slice(&f.to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&d.to_be_bytes());
    }
}

fn encode_int(out: &mut Vec<u8>, n: i64) {
    match n {
        0..=127 => out.push(n as u8),
        128..=0xff => out.extend_from_slice(&[0xcc, n as u8]),
        0x100..=0xffff => {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ if n > 0 => {
            out.push(0xcf);
            out.extend_from_slice(&n.to_be_bytes());
        }
        -32..=-1 => out.push(n as i8 as u8),
        -128..=-33 => out.extend_from_slice(&[0xd0, n as i8 as u8]),
        -32768..=-129 => {
            out.push(0xd1);
            out.extend_from_slice(&(n as i16).to_be_bytes());
        }
        -2_147_483_648..=-32769 => {
            out.push(0xd2);
            out.extend_from_slice(&(n as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

/// A header: the fix form for up to 15 items, else the 16- or 32-bit one.
fn encode_header(out: &mut Vec<u8>, n: usize, fix: u8, wide: u8) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(wide);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(wide + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Every key and value of a table, in `next` order.
fn entries(t: &TableRef) -> Vec<(Value, Value)> {
    let t = t.borrow();
    let mut all = Vec::new();
    let mut key = Value::Nil;
    while let Some(Some((k, v))) = t.next(&key) {
        all.push((k.clone(), v));
        key = k;
    }
    all
}

/// lua-cmsgpack's `table_is_an_array`: keys exactly 1..n (n may be 0) make an array.
fn is_array(entries: &[(Value, Value)]) -> bool {
    let mut max = 0f64;
    for (k, _) in entries {
        match k {
            Value::Num(n) if *n > 0.0 && *n <= f64::from(i32::MAX) && n.fract() == 0.0 => max = max.max(*n),
            _ => return false,
        }
    }
    max as usize == entries.len()
}

fn encode_table(interp: &mut Interp<'_>, out: &mut Vec<u8>, t: &TableRef, level: usize) -> R<()> {
    let all = entries(t);
    if is_array(&all) {
        let len = t.borrow().len();
        encode_header(out, len, 0x90, 0xdc);
        for j in 1..=len {
            let v = t.borrow().get(&Value::Num(j as f64));
            encode(interp, out, &v, level + 1)?;
        }
    } else {
        encode_header(out, all.len(), 0x80, 0xde);
        for (k, v) in &all {
            encode(interp, out, k, level + 1)?;
            encode(interp, out, v, level + 1)?;
        }
    }
    Ok(())
}

pub fn unpack(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    unpack_full(interp, &args, "unpack", 0, 0)
}

pub fn unpack_one(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let offset = opt_integer(interp, &args, 1, "unpack_one")?;
    unpack_full(interp, &args, "unpack_one", 1, offset)
}

pub fn unpack_limit(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let limit = match args.get(1).and_then(Value::to_number) {
        Some(n) => truncate(n),
        None => {
            let got = args.get(1).map_or("no value", Value::type_name);
            return Err(bad_arg(interp, 1, "unpack_limit", &format!("number expected, got {got}")));
        }
    };
    let offset = opt_integer(interp, &args, 2, "unpack_limit")?;
    unpack_full(interp, &args, "unpack_limit", limit, offset)
}

/// `lua_tointeger`: the number truncated toward zero.
fn truncate(n: f64) -> i64 {
    if n.is_nan() {
        0
    } else {
        n as i64
    }
}

fn opt_integer(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str) -> R<i64> {
    match args.get(i) {
        None | Some(Value::Nil) => Ok(0),
        Some(v) => match v.to_number() {
            Some(n) => Ok(truncate(n)),
            None => Err(bad_arg(interp, i, fname, &format!("number expected, got {}", v.type_name()))),
        },
    }
}

/// lua-cmsgpack's `mp_unpack_full`: values from `offset`, up to `limit` of them (all when both
/// are 0); with a limit or an offset the next offset (-1 at the end) comes first.
fn unpack_full(interp: &mut Interp<'_>, args: &[Value], fname: &str, limit: i64, offset: i64) -> Out {
    let s = match args.first().and_then(Value::to_bytes) {
        Some(s) => s,
        None => {
            let got = args.first().map_or("no value", Value::type_name);
            return Err(bad_arg(interp, 0, fname, &format!("string expected, got {got}")));
        }
    };
    let len = s.len();
    if offset < 0 || limit < 0 {
        // The library prints the input's length where it means the limit.
        return Err(interp.error(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset as i32, len as i32
        )));
    }
    if offset as u64 > len as u64 {
        return Err(interp.error(format!("Start offset {} greater than input length {}.", offset as i32, len as i32)));
    }
    let decode_all = limit == 0 && offset == 0;
    let limit = if decode_all { i64::from(i32::MAX) } else { limit };
    let mut pos = offset as usize;
    let mut values = Vec::new();
    while pos < len && (values.len() as i64) < limit {
        values.push(decode(interp, &s, &mut pos)?);
    }
    if !decode_all {
        let next = if pos == len { -1.0 } else { pos as f64 };
        values.insert(0, Value::Num(next));
    }
    Ok(values)
}

/// A container being filled while decoding: its table, the next array index or the key
/// waiting for its value, and how many items are still to come.
struct Open {
    table: TableRef,
    array: bool,
    index: usize,
    key: Option<Value>,
    remaining: usize,
}

/// Reads one value at `pos`, nested containers included. Nesting is kept on a heap stack, so
/// bytes that open a million arrays cost memory, not the page's call stack.
fn decode(interp: &mut Interp<'_>, s: &[u8], pos: &mut usize) -> R<Value> {
    let mut open: Vec<Open> = Vec::new();
    loop {
        interp.step()?;
        let mut value = match item(s, pos) {
            Ok(Item::Value(v)) => v,
            Ok(Item::Container { array, len }) => {
                let table: TableRef = Default::default();
                interp.charge(len.min(1 << 20) * 16)?;
                if len > 0 {
                    let items = if array { len } else { len * 2 };
                    open.push(Open { table, array, index: 1, key: None, remaining: items });
                    continue;
                }
                Value::Table(table)
            }
            Err(Bad::Eof) => return Err(interp.error("Missing bytes in input.")),
            Err(Bad::Format) => return Err(interp.error("Bad data format in input.")),
        };
        // Put the value in the innermost open container; a full one becomes the value for
        // the one around it.
        loop {
            let Some(top) = open.last_mut() else { return Ok(value) };
            top.remaining -= 1;
            if top.array {
                let _ = top.table.borrow_mut().set(Value::Num(top.index as f64), value);
                top.index += 1;
            } else {
                match top.key.take() {
                    None => top.key = Some(value),
                    Some(key) => {
                        if key.is_nil() {
                            return Err(interp.error("table index is nil"));
                        }
                        if matches!(key, Value::Num(n) if n.is_nan()) {
                            return Err(interp.error("table index is NaN"));
                        }
                        let _ = top.table.borrow_mut().set(key, value);
                    }
                }
            }
            if top.remaining > 0 {
                break;
            }
            let done = open.pop().map(|o| o.table);
            match done {
                Some(t) => value = Value::Table(t),
                None => break,
            }
        }
    }
}

enum Item {
    Value(Value),
    Container { array: bool, len: usize },
}

enum Bad {
    Eof,
    Format,
}

fn take<'s>(s: &'s [u8], pos: &mut usize, n: usize) -> Result<&'s [u8], Bad> {
    let end = pos.checked_add(n).filter(|&e| e <= s.len()).ok_or(Bad::Eof)?;
    let bytes = &s[*pos..end];
    *pos = end;
    Ok(bytes)
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// One MessagePack item's head at `pos`: a whole scalar, or the size of a container.
fn item(s: &[u8], pos: &mut usize) -> Result<Item, Bad> {
    let start = *pos;
    let tag = take(s, pos, 1)?[0];
    let num = |n: f64| Ok(Item::Value(Value::Num(n)));
    let result = match tag {
        0xcc => num(take(s, pos, 1)?[0] as f64),
        0xd0 => num(f64::from(take(s, pos, 1)?[0] as i8)),
        0xcd => num(be(take(s, pos, 2)?) as f64),
        0xd1 => num(f64::from(be(take(s, pos, 2)?) as u16 as i16)),
        0xce => num(be(take(s, pos, 4)?) as f64),
        0xd2 => num(f64::from(be(take(s, pos, 4)?) as u32 as i32)),
        0xcf => num(be(take(s, pos, 8)?) as f64),
        0xd3 => num(be(take(s, pos, 8)?) as i64 as f64),
        0xc0 => Ok(Item::Value(Value::Nil)),
        0xc3 => Ok(Item::Value(Value::Bool(true))),
        0xc2 => Ok(Item::Value(Value::Bool(false))),
        0xca => num(f64::from(f32::from_bits(be(take(s, pos, 4)?) as u32))),
        0xcb => num(f64::from_bits(be(take(s, pos, 8)?))),
        0xd9..=0xdb => {
            let width = match tag {
                0xd9 => 1,
                0xda => 2,
                _ => 4,
            };
            let len = be(take(s, pos, width)?) as usize;
            Ok(Item::Value(Value::str(take(s, pos, len)?)))
        }
        0xdc => Ok(Item::Container { array: true, len: be(take(s, pos, 2)?) as usize }),
        0xdd => Ok(Item::Container { array: true, len: be(take(s, pos, 4)?) as usize }),
        0xde => Ok(Item::Container { array: false, len: be(take(s, pos, 2)?) as usize }),
        0xdf => Ok(Item::Container { array: false, len: be(take(s, pos, 4)?) as usize }),
        t if t & 0x80 == 0 => num(f64::from(t)),
        t if t & 0xe0 == 0xe0 => num(f64::from(t as i8)),
        t if t & 0xe0 == 0xa0 => Ok(Item::Value(Value::str(take(s, pos, (t & 0x1f) as usize)?))),
        t if t & 0xf0 == 0x90 => Ok(Item::Container { array: true, len: (t & 0xf) as usize }),
        t if t & 0xf0 == 0x80 => Ok(Item::Container { array: false, len: (t & 0xf) as usize }),
        _ => Err(Bad::Format),
    };
    if result.is_err() {
        *pos = start;
    }
    result
}
