//! The `cjson` library Redis gives scripts (lua-cjson 2.1): `cjson.encode`, `cjson.decode` and
//! `cjson.null`, with its defaults (numbers as `%.14g`, `/` escaped, sparse arrays refused, empty
//! tables as `{}`) and its error texts.

use crate::interp::{Interp, LuaError};
use crate::value::{number_to_string, Value};

type R<T> = Result<T, LuaError>;

const MAX_DEPTH: usize = 1000;

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

fn number(interp: &Interp<'_>, out: &mut Vec<u8>, n: f64) -> R<()> {
    if !n.is_finite() {
        return Err(interp.error("Cannot serialise number: must not be NaN or Inf"));
    }
    out.extend_from_slice(number_to_string(n).as_bytes());
    Ok(())
}

pub fn encode(interp: &mut Interp<'_>, v: &Value, out: &mut Vec<u8>, depth: usize) -> R<()> {
    interp.check_len(out.len())?;
    match v {
        Value::Nil | Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Num(n) => number(interp, out, *n)?,
        Value::Str(s) => escape(out, s),
        Value::Func(_) => return Err(interp.error("Cannot serialise function: type not supported")),
        Value::Table(t) => {
            if depth >= MAX_DEPTH {
                return Err(interp.error(format!("Cannot serialise, excessive nesting ({})", depth + 1)));
            }
            // Entries first, so no borrow of the table is held while encoding its values.
            let mut entries = Vec::new();
            {
                let t = t.borrow();
                let mut k = Value::Nil;
                while let Some(Some((key, val))) = t.next(&k) {
                    entries.push((key.clone(), val));
                    k = key;
                }
            }
            // lua-cjson's lua_array_length: positive integer keys only make an array, unless it
            // is too sparse.
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
            if array && max > (entries.len() * 2) as f64 && max > 10.0 {
                return Err(interp.error("Cannot serialise table: excessively sparse array"));
            }
            if array {
                out.push(b'[');
                for i in 1..=(max as usize) {
                    if i > 1 {
                        out.push(b',');
                    }
                    let item = t.borrow().get(&Value::Num(i as f64));
                    encode(interp, &item, out, depth + 1)?;
                }
                out.push(b']');
            } else {
                out.push(b'{');
                for (i, (k, val)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    match k {
                        Value::Str(s) => escape(out, s),
                        Value::Num(n) => {
                            out.push(b'"');
                            number(interp, out, *n)?;
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
                    encode(interp, val, out, depth + 1)?;
                }
                out.push(b'}');
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

fn value(interp: &mut Interp<'_>, d: &mut Decoder<'_>, tok: (Tok, usize), depth: usize) -> R<Value> {
    match tok.0 {
        Tok::Str(s) => Ok(Value::str(s)),
        Tok::Num(n) => Ok(Value::Num(n)),
        Tok::Bool(b) => Ok(Value::Bool(b)),
        Tok::Null => Ok(Value::Null),
        Tok::ObjBegin | Tok::ArrBegin => {
            if depth >= MAX_DEPTH {
                return Err(interp.error(format!(
                    "Found too many nested data structures ({}) at character {}",
                    depth + 1,
                    tok.1 + 1
                )));
            }
            let t = Value::new_table();
            let array = tok.0 == Tok::ArrBegin;
            let mut next = d.next();
            let close = if array { Tok::ArrEnd } else { Tok::ObjEnd };
            if next.0 == close {
                return Ok(t);
            }
            let mut i = 1;
            loop {
                if array {
                    let item = value(interp, d, next, depth + 1)?;
                    interp.set_index(&t, Value::Num(i as f64), item, None)?;
                    i += 1;
                } else {
                    let Tok::Str(key) = next.0.clone() else {
                        return Err(parse_error(interp, "object key string", &next));
                    };
                    let colon = d.next();
                    if colon.0 != Tok::Colon {
                        return Err(parse_error(interp, "colon", &colon));
                    }
                    let v = d.next();
                    let item = value(interp, d, v, depth + 1)?;
                    interp.set_index(&t, Value::str(key), item, None)?;
                }
                let sep = d.next();
                if sep.0 == close {
                    return Ok(t);
                }
                if sep.0 != Tok::Comma {
                    return Err(parse_error(interp, if array { "comma or array end" } else { "comma or object end" }, &sep));
                }
                next = d.next();
            }
        }
        _ => Err(parse_error(interp, "value", &tok)),
    }
}

pub fn decode(interp: &mut Interp<'_>, src: &[u8]) -> R<Value> {
    let mut d = Decoder { src, pos: 0 };
    let first = d.next();
    let v = value(interp, &mut d, first, 0)?;
    let end = d.next();
    if end.0 != Tok::End {
        return Err(parse_error(interp, "the end", &end));
    }
    Ok(v)
}
