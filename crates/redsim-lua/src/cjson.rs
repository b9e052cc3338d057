//! The `cjson` library Redis gives scripts (lua-cjson 2.1): `cjson.encode`, `cjson.decode` and
//! `cjson.null`, with its defaults (numbers as `%.14g`, `/` escaped, sparse arrays refused, empty
//! tables as `{}`) and its error texts.

use crate::cjson_config::{CjsonConfig, InvalidNumbers};
use crate::interp::{Interp, LuaError};
use crate::value::{number_to_string, Value};

type R<T> = Result<T, LuaError>;

fn escape(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            8 => out.extend_from_slice(b"\\b"),
            9 => out.extend_from_slice(b"\\t"),
            10 => out.extend_from_slice(b"\\n"),
            12 => out.extend_from_slice(b"\\f"),
            13 => out.extend_from_slice(b"\\r"),
            0..=31 | 127 => out.extend_from_slice(format!("\\u{:04x}", c).as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// lua-cjson's `json_append_number`: `%.<precision>g`, and NaN or an infinity as the
/// `encode_invalid_numbers` setting says.
fn number(interp: &Interp<'_>, cfg: &CjsonConfig, out: &mut Vec<u8>, n: f64) -> R<()> {
    if !n.is_finite() {
        match cfg.encode_invalid_numbers {
            InvalidNumbers::Refuse => return Err(interp.error("Cannot serialise number: must not be NaN or Inf")),
            InvalidNumbers::Null => {
                out.extend_from_slice(b"null");
                return Ok(());
            }
            InvalidNumbers::Write if n.is_nan() => {
                out.extend_from_slice(b"nan");
                return Ok(());
            }
            InvalidNumbers::Write => {
                out.extend_from_slice(number_to_string(n).as_bytes());
                return Ok(());
            }
        }
    }
    out.extend_from_slice(crate::format_g(n, cfg.number_precision as usize).as_bytes());
    Ok(())
}

/// What is left to write, innermost last: the encoder keeps its own stack, so a table nested a
/// thousand deep (or one that contains itself) costs heap, not the page's stack.
enum Work {
    Value(Value, usize),
    Key(Value),
    Text(&'static [u8]),
}

pub fn encode(interp: &mut Interp<'_>, v: &Value, out: &mut Vec<u8>, depth: usize) -> R<()> {
    let cfg = interp.host.cjson().clone();
    let mut work = vec![Work::Value(v.clone(), depth)];
    while let Some(w) = work.pop() {
        interp.check_len(out.len())?;
        interp.step()?;
        let (v, depth) = match w {
            Work::Text(t) => {
                out.extend_from_slice(t);
                continue;
            }
            Work::Key(k) => {
                match &k {
                    Value::Str(s) => escape(out, s),
                    Value::Num(n) => {
                        out.push(b'"');
                        number(interp, &cfg, out, *n)?;
                        out.push(b'"');
                    }
                    other => {
                        return Err(interp.error(format!(
                            "Cannot serialise {}: table key must be a number or string",
                            other.type_name()
                        )))
                    }
                }
                out.push(b':');
                continue;
            }
            Work::Value(v, depth) => (v, depth),
        };
        match &v {
            Value::Nil | Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Num(n) => number(interp, &cfg, out, *n)?,
            Value::Str(s) => {
                interp.charge_steps((s.len() / 64) as u64)?;
                escape(out, s)
            }
            Value::Func(_) => return Err(interp.error("Cannot serialise function: type not supported")),
            Value::Table(t) => {
                if depth as i64 >= cfg.encode_max_depth {
                    return Err(interp.error(format!("Cannot serialise, excessive nesting ({})", depth + 1)));
                }
                let mut entries = Vec::new();
                {
                    let t = t.borrow();
                    let mut k = Value::Nil;
                    while let Some(Some((key, val))) = t.next(&k) {
                        entries.push((key.clone(), val));
                        k = key;
                    }
                }
                // lua-cjson's lua_array_length: positive integer keys only make an array, unless
                // it is too sparse.
                let mut max = 0f64;
                let mut array = !entries.is_empty();
                for (k, _) in &entries {
                    match k {
                        Value::Num(n) if *n >= 1.0 && n.fract() == 0.0 => max = max.max(*n),
                        _ => {
                            array = false;
                            break;
                        }
                    }
                }
                // Too sparse: an error, or an object when `encode_sparse_array` says convert.
                let (ratio, safe) = (cfg.sparse_ratio as f64, cfg.sparse_safe as f64);
                if array && ratio > 0.0 && max > entries.len() as f64 * ratio && max > safe {
                    if !cfg.sparse_convert {
                        return Err(interp.error("Cannot serialise table: excessively sparse array"));
                    }
                    array = false;
                }
                if array {
                    out.push(b'[');
                    work.push(Work::Text(b"]"));
                    let t = t.borrow();
                    for i in (1..=(max as usize)).rev() {
                        work.push(Work::Value(t.get(&Value::Num(i as f64)), depth + 1));
                        if i > 1 {
                            work.push(Work::Text(b","));
                        }
                    }
                } else {
                    out.push(b'{');
                    work.push(Work::Text(b"}"));
                    for (i, (k, val)) in entries.into_iter().enumerate().rev() {
                        work.push(Work::Value(val, depth + 1));
                        work.push(Work::Key(k));
                        if i > 0 {
                            work.push(Work::Text(b","));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str(Vec<u8>),
    Num(f64),
    Bool(bool),
    Null,
    Colon,
    Comma,
    End,
    /// An error, with its message, at its own position.
    Error(&'static str),
}

fn tok_name(t: &Tok) -> &'static str {
    match t {
        Tok::ObjBegin => "T_OBJ_BEGIN",
        Tok::ObjEnd => "T_OBJ_END",
        Tok::ArrBegin => "T_ARR_BEGIN",
        Tok::ArrEnd => "T_ARR_END",
        Tok::Str(_) => "T_STRING",
        Tok::Num(_) => "T_NUMBER",
        Tok::Bool(_) => "T_BOOLEAN",
        Tok::Null => "T_NULL",
        Tok::Colon => "T_COLON",
        Tok::Comma => "T_COMMA",
        Tok::End => "T_END",
        Tok::Error(msg) => msg,
    }
}

struct Decoder<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Decoder<'_> {
    /// The next token and the index it is reported at.
    fn next(&mut self) -> (Tok, usize) {
        while self.pos < self.src.len() && matches!(self.src[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&c) = self.src.get(self.pos) else { return (Tok::End, start) };
        let single = match c {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b':' => Some(Tok::Colon),
            b',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(t) = single {
            self.pos += 1;
            return (t, start);
        }
        if c == b'"' {
            return self.string(start);
        }
        if c == b'-' || c.is_ascii_digit() {
            let mut end = self.pos + 1;
            while end < self.src.len() && matches!(self.src[end], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                end += 1;
            }
            let text = std::str::from_utf8(&self.src[self.pos..end]).unwrap_or("");
            return match text.parse::<f64>() {
                Ok(n) if !text.starts_with('+') => {
                    self.pos = end;
                    (Tok::Num(n), start)
                }
                _ => (Tok::Error("invalid number"), start),
            };
        }
        for (word, tok) in [(&b"true"[..], Tok::Bool(true)), (b"false", Tok::Bool(false)), (b"null", Tok::Null)] {
            if self.src[self.pos..].starts_with(word) {
                self.pos += word.len();
                return (tok, start);
            }
        }
        (Tok::Error("invalid token"), start)
    }

    fn string(&mut self, start: usize) -> (Tok, usize) {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.src.get(self.pos) else { return (Tok::Error("unexpected end of string"), self.pos) };
            match c {
                b'"' => {
                    self.pos += 1;
                    return (Tok::Str(out), start);
                }
                b'\\' => {
                    let Some(&e) = self.src.get(self.pos + 1) else {
                        return (Tok::Error("unexpected end of string"), self.pos + 1);
                    };
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => match self.unicode() {
                            Some((ch, used)) => {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                self.pos += used;
                                continue;
                            }
                            None => return (Tok::Error("invalid unicode escape code"), self.pos),
                        },
                        _ => return (Tok::Error("invalid escape code"), self.pos),
                    }
                    self.pos += 2;
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `\uXXXX` (and a following low surrogate): the character and the bytes it took.
    fn unicode(&self) -> Option<(char, usize)> {
        let hex = |at: usize| -> Option<u32> {
            let s = std::str::from_utf8(self.src.get(at..at + 4)?).ok()?;
            u32::from_str_radix(s, 16).ok()
        };
        let first = hex(self.pos + 2)?;
        if (0xD800..0xDC00).contains(&first) {
            if self.src.get(self.pos + 6..self.pos + 8) != Some(b"\\u") {
                return None;
            }
            let second = hex(self.pos + 8)?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return Some((char::from_u32(code)?, 12));
        }
        if (0xDC00..0xE000).contains(&first) {
            return None;
        }
        Some((char::from_u32(first)?, 6))
    }
}

fn parse_error(interp: &Interp<'_>, expected: &str, (tok, at): &(Tok, usize)) -> LuaError {
    interp.error(format!("Expected {expected} but found {} at character {}", tok_name(tok), at + 1))
}

/// An array or object being filled: the table, whether it is an array, its next index, and the
/// key waiting for its value.
struct Open {
    table: Value,
    array: bool,
    next: usize,
    key: Option<Vec<u8>>,
}

/// Reads one JSON value with its own stack of open containers (no recursion).
fn value(interp: &mut Interp<'_>, d: &mut Decoder<'_>, first: (Tok, usize)) -> R<Value> {
    let max_depth = usize::try_from(interp.host.cjson().decode_max_depth).unwrap_or(usize::MAX);
    let mut open: Vec<Open> = Vec::new();
    let mut tok = first;
    loop {
        interp.step()?;
        if let Tok::Str(s) = &tok.0 {
            interp.charge_steps((s.len() / 64) as u64)?;
        }
        // `tok` must start a value here.
        let done = match tok.0 {
            Tok::Str(s) => Value::str(s),
            Tok::Num(n) => Value::Num(n),
            Tok::Bool(b) => Value::Bool(b),
            Tok::Null => Value::Null,
            Tok::ObjBegin | Tok::ArrBegin => {
                if open.len() >= max_depth {
                    return Err(interp.error(format!(
                        "Found too many nested data structures ({}) at character {}",
                        open.len() + 1,
                        tok.1 + 1
                    )));
                }
                let array = tok.0 == Tok::ArrBegin;
                let close = if array { Tok::ArrEnd } else { Tok::ObjEnd };
                let next = d.next();
                if next.0 == close {
                    Value::new_table()
                } else {
                    open.push(Open { table: Value::new_table(), array, next: 1, key: None });
                    if !array {
                        let Tok::Str(key) = next.0.clone() else {
                            return Err(parse_error(interp, "object key string", &next));
                        };
                        let colon = d.next();
                        if colon.0 != Tok::Colon {
                            return Err(parse_error(interp, "colon", &colon));
                        }
                        if let Some(top) = open.last_mut() {
                            top.key = Some(key);
                        }
                        tok = d.next();
                    } else {
                        tok = next;
                    }
                    continue;
                }
            }
            _ => return Err(parse_error(interp, "value", &tok)),
        };
        // A value is complete: put it in its container, then close containers as they end.
        let mut value = done;
        loop {
            let Some(top) = open.last_mut() else { return Ok(value) };
            if top.array {
                let at = Value::Num(top.next as f64);
                top.next += 1;
                let table = top.table.clone();
                interp.set_index(&table, at, value, None)?;
            } else {
                // An object's value comes after its key.
                let key = top.key.take().unwrap_or_default();
                let table = top.table.clone();
                interp.set_index(&table, Value::str(key), value, None)?;
            }
            // Still open: it took the value just above.
            let Some(top) = open.last() else { return Ok(Value::Nil) };
            let close = if top.array { Tok::ArrEnd } else { Tok::ObjEnd };
            let sep = d.next();
            if sep.0 == close {
                value = match open.pop() {
                    Some(closed) => closed.table,
                    None => return Ok(Value::Nil),
                };
                continue;
            }
            if sep.0 != Tok::Comma {
                let expected = if top.array { "comma or array end" } else { "comma or object end" };
                return Err(parse_error(interp, expected, &sep));
            }
            if top.array {
                tok = d.next();
            } else {
                let next = d.next();
                let Tok::Str(key) = next.0.clone() else {
                    return Err(parse_error(interp, "object key string", &next));
                };
                let colon = d.next();
                if colon.0 != Tok::Colon {
                    return Err(parse_error(interp, "colon", &colon));
                }
                if let Some(top) = open.last_mut() {
                    top.key = Some(key);
                }
                tok = d.next();
            }
            break;
        }
    }
}

pub fn decode(interp: &mut Interp<'_>, src: &[u8]) -> R<Value> {
    let mut d = Decoder { src, pos: 0 };
    let first = d.next();
    let v = value(interp, &mut d, first)?;
    let end = d.next();
    if end.0 != Tok::End {
        return Err(parse_error(interp, "the end", &end));
    }
    Ok(v)
}
