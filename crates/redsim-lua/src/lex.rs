//! Lua 5.1's lexer: tokens with their line, and the text Lua quotes in `near '...'` messages.

use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(Rc<[u8]>),
    Str(Rc<[u8]>),
    Num(f64),
    // Keywords.
    And,
    Break,
    Do,
    Else,
    Elseif,
    End,
    False,
    For,
    Function,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    // Symbols.
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Hash,
    Eq,
    Ne,
    Le,
    Ge,
    Lt,
    Gt,
    Assign,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Semi,
    Colon,
    Comma,
    Dot,
    Concat,
    Dots,
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub line: u32,
    /// The source text of the token, as Lua shows it in `near '...'`.
    pub text: Rc<[u8]>,
}

/// A compile error, already worded as Lua words it (`chunk:line: message`).
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError(pub String);

pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    chunk: &'a str,
}

fn keyword(word: &[u8]) -> Option<Tok> {
    Some(match word {
        b"and" => Tok::And,
        b"break" => Tok::Break,
        b"do" => Tok::Do,
        b"else" => Tok::Else,
        b"elseif" => Tok::Elseif,
        b"end" => Tok::End,
        b"false" => Tok::False,
        b"for" => Tok::For,
        b"function" => Tok::Function,
        b"if" => Tok::If,
        b"in" => Tok::In,
        b"local" => Tok::Local,
        b"nil" => Tok::Nil,
        b"not" => Tok::Not,
        b"or" => Tok::Or,
        b"repeat" => Tok::Repeat,
        b"return" => Tok::Return,
        b"then" => Tok::Then,
        b"true" => Tok::True,
        b"until" => Tok::Until,
        b"while" => Tok::While,
        _ => return None,
    })
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8], chunk: &'a str) -> Lexer<'a> {
        let mut lexer = Lexer { src, pos: 0, line: 1, chunk };
        // A first line starting with '#' is skipped, as lua.c does for shebangs.
        if src.first() == Some(&b'#') {
            while lexer.pos < src.len() && src[lexer.pos] != b'\n' {
                lexer.pos += 1;
            }
        }
        lexer
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn error(&self, msg: &str, near: &[u8]) -> SyntaxError {
        SyntaxError(format!("{}:{}: {} near '{}'", self.chunk, self.line, msg, String::from_utf8_lossy(near)))
    }

    pub fn tokens(mut self) -> Result<Vec<Token>, SyntaxError> {
        let mut out = Vec::new();
        loop {
            let t = self.next()?;
            let eof = t.tok == Tok::Eof;
            out.push(t);
            if eof {
                return Ok(out);
            }
        }
    }

    fn newline(&mut self) {
        // \n, \r, \r\n and \n\r each count as one line break.
        let c = self.src[self.pos];
        self.pos += 1;
        let d = self.peek(0);
        if (d == b'\n' || d == b'\r') && d != c {
            self.pos += 1;
        }
        self.line += 1;
    }

    /// `[[`, `[==[`: the level of a long bracket starting at `pos`, if it is one.
    fn long_bracket_level(&self) -> Option<usize> {
        let mut i = self.pos + 1;
        let mut level = 0;
        while self.src.get(i) == Some(&b'=') {
            level += 1;
            i += 1;
        }
        (self.src.get(i) == Some(&b'[')).then_some(level)
    }

    fn long_string(&mut self, level: usize, what: &str) -> Result<Vec<u8>, SyntaxError> {
        let start = self.pos;
        self.pos += level + 2;
        if matches!(self.peek(0), b'\r' | b'\n') {
            self.newline();
        }
        let mut text = Vec::new();
        loop {
            if self.at_end() {
                return Err(self.error(&format!("unfinished long {what}"), b"<eof>"));
            }
            let c = self.src[self.pos];
            if c == b']' {
                let mut i = self.pos + 1;
                let mut l = 0;
                while self.src.get(i) == Some(&b'=') {
                    l += 1;
                    i += 1;
                }
                if l == level && self.src.get(i) == Some(&b']') {
                    self.pos = i + 1;
                    let _ = start;
                    return Ok(text);
                }
                text.push(c);
                self.pos += 1;
            } else if c == b'\n' || c == b'\r' {
                self.newline();
                text.push(b'\n');
            } else {
                text.push(c);
                self.pos += 1;
            }
        }
    }

    fn next(&mut self) -> Result<Token, SyntaxError> {
        loop {
            if self.at_end() {
                return Ok(Token { tok: Tok::Eof, line: self.line, text: Rc::from(&b"<eof>"[..]) });
            }
            let c = self.src[self.pos];
            match c {
                b'\n' | b'\r' => self.newline(),
                b' ' | b'\t' | 0x0b | 0x0c => self.pos += 1,
                b'-' if self.peek(1) == b'-' => {
                    self.pos += 2;
                    if self.peek(0) == b'[' {
                        if let Some(level) = self.long_bracket_level() {
                            self.long_string(level, "comment")?;
                            continue;
                        }
                    }
                    while !self.at_end() && !matches!(self.src[self.pos], b'\n' | b'\r') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.pos;
        let line = self.line;
        let c = self.src[self.pos];
        let tok = match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                    self.pos += 1;
                }
                let word = &self.src[start..self.pos];
                keyword(word).unwrap_or_else(|| Tok::Name(Rc::from(word)))
            }
            b'0'..=b'9' => self.number()?,
            b'.' if self.peek(1).is_ascii_digit() => self.number()?,
            b'"' | b'\'' => Tok::Str(Rc::from(self.string(c)?)),
            b'[' => match self.long_bracket_level() {
                Some(level) => Tok::Str(Rc::from(self.long_string(level, "string")?)),
                None => {
                    if self.peek(1) == b'=' {
                        // `[=` without a second bracket.
                        return Err(self.error("invalid long string delimiter", b"[="));
                    }
                    self.pos += 1;
                    Tok::LBracket
                }
            },
            _ => {
                let (tok, len) = match (c, self.peek(1), self.peek(2)) {
                    (b'.', b'.', b'.') => (Tok::Dots, 3),
                    (b'.', b'.', _) => (Tok::Concat, 2),
                    (b'=', b'=', _) => (Tok::Eq, 2),
                    (b'~', b'=', _) => (Tok::Ne, 2),
                    (b'<', b'=', _) => (Tok::Le, 2),
                    (b'>', b'=', _) => (Tok::Ge, 2),
                    (b'.', _, _) => (Tok::Dot, 1),
                    (b'=', _, _) => (Tok::Assign, 1),
                    (b'<', _, _) => (Tok::Lt, 1),
                    (b'>', _, _) => (Tok::Gt, 1),
                    (b'+', _, _) => (Tok::Plus, 1),
                    (b'-', _, _) => (Tok::Minus, 1),
                    (b'*', _, _) => (Tok::Star, 1),
                    (b'/', _, _) => (Tok::Slash, 1),
                    (b'%', _, _) => (Tok::Percent, 1),
                    (b'^', _, _) => (Tok::Caret, 1),
                    (b'#', _, _) => (Tok::Hash, 1),
                    (b'(', _, _) => (Tok::LParen, 1),
                    (b')', _, _) => (Tok::RParen, 1),
                    (b'{', _, _) => (Tok::LBrace, 1),
                    (b'}', _, _) => (Tok::RBrace, 1),
                    (b']', _, _) => (Tok::RBracket, 1),
                    (b';', _, _) => (Tok::Semi, 1),
                    (b':', _, _) => (Tok::Colon, 1),
                    (b',', _, _) => (Tok::Comma, 1),
                    _ => {
                        // Lua 5.1 turns any other character into a one-character token that the
                        // parser then rejects as an unexpected symbol.
                        return Err(self.error_unexpected(c));
                    }
                };
                self.pos += len;
                tok
            }
        };
        Ok(Token { tok, line, text: Rc::from(&self.src[start..self.pos]) })
    }

    fn error_unexpected(&self, c: u8) -> SyntaxError {
        let shown = if c.is_ascii_control() { format!("char({c})") } else { (c as char).to_string() };
        SyntaxError(format!("{}:{}: unexpected symbol near '{}'", self.chunk, self.line, shown))
    }

    fn number(&mut self) -> Result<Tok, SyntaxError> {
        let start = self.pos;
        // As llex.c: digits, dots, exponent signs and anything alphanumeric, then one conversion.
        loop {
            let c = self.peek(0);
            if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' {
                self.pos += 1;
                if (c == b'e' || c == b'E') && matches!(self.peek(0), b'+' | b'-') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        let text = &self.src[start..self.pos];
        match parse_number(text) {
            Some(n) => Ok(Tok::Num(n)),
            None => Err(self.error("malformed number", text)),
        }
    }

    fn string(&mut self, quote: u8) -> Result<Vec<u8>, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            if self.at_end() {
                return Err(self.error("unfinished string", b"<eof>"));
            }
            let c = self.src[self.pos];
            if c == quote {
                self.pos += 1;
                return Ok(out);
            }
            match c {
                b'\n' | b'\r' => {
                    let near = self.src[start..self.pos].to_vec();
                    return Err(self.error("unfinished string", &near));
                }
                b'\\' => {
                    self.pos += 1;
                    if self.at_end() {
                        return Err(self.error("unfinished string", b"<eof>"));
                    }
                    let e = self.src[self.pos];
                    match e {
                        b'a' => out.push(7),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'v' => out.push(11),
                        b'\n' | b'\r' => {
                            out.push(b'\n');
                            self.newline();
                            continue;
                        }
                        b'0'..=b'9' => {
                            let mut v: u32 = 0;
                            let mut n = 0;
                            while n < 3 && self.peek(0).is_ascii_digit() {
                                v = v * 10 + (self.peek(0) - b'0') as u32;
                                self.pos += 1;
                                n += 1;
                            }
                            if v > 255 {
                                let near = self.src[start..self.pos].to_vec();
                                return Err(self.error("escape sequence too large", &near));
                            }
                            out.push(v as u8);
                            continue;
                        }
                        other => out.push(other),
                    }
                    self.pos += 1;
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

/// Lua 5.1's `luaO_str2d`: a decimal number as strtod reads it, or a hexadecimal integer;
/// surrounding whitespace allowed, nothing else.
pub fn parse_number(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?;
    let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if s.is_empty() {
        return None;
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        // strtoul wraps at 32 bits of unsigned long on some builds; Redis's is 64-bit.
        let v = u64::from_str_radix(hex, 16).unwrap_or(u64::MAX) as f64;
        return Some(if neg { -v } else { v });
    }
    // What strtod accepts: digits with an optional fraction and exponent, inf/nan words.
    let b = body.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        let lower = body.to_ascii_lowercase();
        return match lower.as_str() {
            "inf" | "infinity" => Some(if neg { f64::NEG_INFINITY } else { f64::INFINITY }),
            "nan" => Some(f64::NAN),
            _ => None,
        };
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some(if neg { -v } else { v })
}
