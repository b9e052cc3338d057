//! `VSIM ... FILTER`: the small expression language of Redis's `modules/vector-sets/expr.c`,
//! run against each element's JSON attributes.
//!
//! An expression is compiled once (tokens, then a postfix program by precedence) and run per
//! element. Values are numbers, strings, `null` and tuples (`[1, "a"]`, for `in`); `.field` reads a
//! top-level field of the element's JSON (a number, string, `true`/`false` as 1/0, `null`, or a
//! flat array); a missing field, a nested object or attributes that are not a JSON object make
//! the element fail the filter. Operators, loosest first: `or ||`, `and &&`, comparisons and
//! `in`, `+ -`, `* / %`, `**` (right associative), `not !`. There are no run-time errors: a string
//! that is not a number counts as 0 in arithmetic.

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Num(f64),
    Str(Vec<u8>),
    Null,
    Tuple(Vec<Value>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Open,
    Close,
    Not,
    Pow,
    Mult,
    Div,
    Mod,
    Sum,
    Diff,
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
    In,
    And,
    Or,
}

/// Redis's operator table: spelling, operator, precedence and arity.
const OPS: &[(&str, Op, u8, usize)] = &[
    ("(", Op::Open, 7, 0),
    (")", Op::Close, 7, 0),
    ("!", Op::Not, 6, 1),
    ("not", Op::Not, 6, 1),
    ("**", Op::Pow, 5, 2),
    ("*", Op::Mult, 4, 2),
    ("/", Op::Div, 4, 2),
    ("%", Op::Mod, 4, 2),
    ("+", Op::Sum, 3, 2),
    ("-", Op::Diff, 3, 2),
    (">", Op::Gt, 2, 2),
    (">=", Op::Gte, 2, 2),
    ("<", Op::Lt, 2, 2),
    ("<=", Op::Lte, 2, 2),
    ("==", Op::Eq, 2, 2),
    ("!=", Op::Neq, 2, 2),
    ("in", Op::In, 2, 2),
    ("and", Op::And, 1, 2),
    ("&&", Op::And, 1, 2),
    ("or", Op::Or, 0, 2),
    ("||", Op::Or, 0, 2),
];

const OP_CHARS: &[u8] = b"+-*%/!()<>=|&";

fn precedence(op: Op) -> u8 {
    OPS.iter().find(|o| o.1 == op).map_or(0, |o| o.2)
}

fn arity(op: Op) -> usize {
    OPS.iter().find(|o| o.1 == op).map_or(0, |o| o.3)
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Value(Value),
    Selector(Vec<u8>),
    Op(Op),
}

/// A compiled expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    program: Vec<Token>,
}

/// C's `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn is_selector_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// `strtod` over the whole text: `None` unless every byte is part of the number.
fn strtod_all(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?;
    if s.is_empty() {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if body.starts_with("inf") || body.starts_with("nan") {
        return match body {
            "inf" | "infinity" => Some(if lower.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
            "nan" => Some(f64::NAN),
            _ => None,
        };
    }
    if body.starts_with("0x") || s.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    // Rust refuses "5." and ".5e" forms that strtod takes partially; strtod must take all.
    let fixed = if lower.ends_with('.') { format!("{lower}0") } else { lower };
    fixed.parse::<f64>().ok()
}

struct Lexer<'a> {
    text: &'a [u8],
    at: usize,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> u8 {
        self.text.get(self.at + k).copied().unwrap_or(0)
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.at;
        while self.peek(0).is_ascii_digit()
            || matches!(self.peek(0), b'.' | b'e' | b'E')
            || (self.at == start && self.peek(0) == b'-')
        {
            self.at += 1;
            if self.at - start >= 255 {
                return None;
            }
        }
        strtod_all(&self.text[start..self.at]).map(Value::Num)
    }

    /// A quoted string, kept as written between its quotes (escapes are skipped, not decoded).
    fn string(&mut self) -> Option<Value> {
        let quote = self.peek(0);
        self.at += 1;
        let start = self.at;
        while self.at < self.text.len() {
            let c = self.peek(0);
            if c == b'\\' && self.at + 1 < self.text.len() {
                self.at += 2;
                continue;
            }
            if c == quote {
                let s = self.text[start..self.at].to_vec();
                self.at += 1;
                return Some(Value::Str(s));
            }
            self.at += 1;
        }
        None
    }

    fn tuple(&mut self) -> Option<Value> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            while is_space(self.peek(0)) {
                self.at += 1;
            }
            if self.peek(0) == b']' {
                self.at += 1;
                return Some(Value::Tuple(items));
            }
            let c = self.peek(0);
            let item = if c.is_ascii_digit() || c == b'-' {
                self.number()?
            } else if c == b'"' || c == b'\'' {
                self.string()?
            } else {
                return None;
            };
            items.push(item);
            while is_space(self.peek(0)) {
                self.at += 1;
            }
            match self.peek(0) {
                b']' => {
                    self.at += 1;
                    return Some(Value::Tuple(items));
                }
                b',' => self.at += 1,
                _ => return None,
            }
        }
    }

    fn operator_or_literal(&mut self) -> Option<Token> {
        let start = self.at;
        while self.peek(0).is_ascii_alphabetic() || (self.peek(0) != 0 && OP_CHARS.contains(&self.peek(0))) {
            self.at += 1;
        }
        let word = &self.text[start..self.at];
        if word == b"null" {
            return Some(Token::Value(Value::Null));
        }
        let best = OPS
            .iter()
            .filter(|(name, ..)| word.starts_with(name.as_bytes()))
            .max_by_key(|(name, ..)| name.len())
            .filter(|_| !word.is_empty());
        let (name, op, ..) = best?;
        // The first longest spelling in table order wins.
        let op = OPS.iter().find(|o| o.0.len() == name.len() && word.starts_with(o.0.as_bytes())).map_or(*op, |o| o.1);
        self.at = start + name.len();
        Some(Token::Op(op))
    }
}

impl Filter {
    /// `exprCompile`. On a syntax error, the text from where the error was found (Redis reports
    /// compile errors from the start of the expression).
    pub fn compile(text: &[u8]) -> Result<Filter, usize> {
        // The expression is a C string: it ends at its first zero byte.
        let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())];
        let mut lex = Lexer { text, at: 0 };
        let mut tokens: Vec<Token> = Vec::new();
        loop {
            while is_space(lex.peek(0)) {
                lex.at += 1;
            }
            let minus_is_number = match tokens.last() {
                None => true,
                Some(Token::Op(op)) => *op != Op::Close,
                Some(_) => false,
            };
            let c = lex.peek(0);
            if c == 0 {
                break;
            }
            let token = if c.is_ascii_digit() || (minus_is_number && c == b'-' && lex.peek(1).is_ascii_digit()) {
                lex.number().map(Token::Value)
            } else if c == b'"' || c == b'\'' {
                lex.string().map(Token::Value)
            } else if c == b'.' && is_selector_char(lex.peek(1)) {
                lex.at += 1;
                let start = lex.at;
                while is_selector_char(lex.peek(0)) {
                    lex.at += 1;
                }
                Some(Token::Selector(text[start..lex.at].to_vec()))
            } else if c == b'[' {
                lex.tuple().map(Token::Value)
            } else if c.is_ascii_alphabetic() || OP_CHARS.contains(&c) {
                lex.operator_or_literal()
            } else {
                None
            };
            match token {
                Some(t) => tokens.push(t),
                None => return Err(lex.at),
            }
        }
        // Shunting-yard into a postfix program, checking arity as Redis does at compile time.
        let mut program = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        let mut items = 0usize;
        let emit = |op: Op, items: &mut usize, program: &mut Vec<Token>| -> Result<(), usize> {
            let n = arity(op);
            if *items < n {
                return Err(0);
            }
            *items = *items - n + 1;
            program.push(Token::Op(op));
            Ok(())
        };
        for token in tokens {
            let op = match token {
                Token::Op(op) => op,
                value => {
                    program.push(value);
                    items += 1;
                    continue;
                }
            };
            match op {
                Op::Open => ops.push(op),
                Op::Close => loop {
                    match ops.pop() {
                        None => return Err(0),
                        Some(Op::Open) => break,
                        Some(top) => emit(top, &mut items, &mut program)?,
                    }
                },
                _ => {
                    let prec = precedence(op);
                    while let Some(&top) = ops.last() {
                        if top == Op::Open {
                            break;
                        }
                        let top_prec = precedence(top);
                        if top_prec < prec || (op == Op::Pow && top_prec <= prec) {
                            break;
                        }
                        ops.pop();
                        emit(top, &mut items, &mut program)?;
                    }
                    ops.push(op);
                }
            }
        }
        while let Some(op) = ops.pop() {
            if op == Op::Open {
                return Err(0);
            }
            emit(op, &mut items, &mut program)?;
        }
        if items != 1 {
            return Err(0);
        }
        Ok(Filter { program })
    }

    /// `exprRun`: whether the element with these attributes passes.
    pub fn matches(&self, attrib: Option<&[u8]>) -> bool {
        let Some(json) = attrib else { return false };
        let mut stack: Vec<Value> = Vec::new();
        for token in &self.program {
            match token {
                Token::Selector(field) => match json_field(json, field) {
                    Some(v) => stack.push(v),
                    None => return false,
                },
                Token::Value(v) => stack.push(v.clone()),
                Token::Op(op) => {
                    let b = stack.pop().unwrap_or(Value::Null);
                    let a = if arity(*op) == 2 { stack.pop().unwrap_or(Value::Null) } else { Value::Null };
                    let flag = |t: bool| Value::Num(if t { 1.0 } else { 0.0 });
                    let r = match op {
                        Op::Not => flag(!truthy(&b)),
                        Op::Pow => Value::Num(num(&a).powf(num(&b))),
                        Op::Mult => Value::Num(num(&a) * num(&b)),
                        Op::Div => Value::Num(num(&a) / num(&b)),
                        Op::Mod => Value::Num(num(&a) % num(&b)),
                        Op::Sum => Value::Num(num(&a) + num(&b)),
                        Op::Diff => Value::Num(num(&a) - num(&b)),
                        Op::Gt => flag(num(&a) > num(&b)),
                        Op::Gte => flag(num(&a) >= num(&b)),
                        Op::Lt => flag(num(&a) < num(&b)),
                        Op::Lte => flag(num(&a) <= num(&b)),
                        Op::Eq => flag(equal(&a, &b)),
                        Op::Neq => flag(!equal(&a, &b)),
                        Op::In => flag(match (&a, &b) {
                            (_, Value::Tuple(items)) => items.iter().any(|i| equal(&a, i)),
                            (Value::Str(x), Value::Str(y)) => {
                                x.is_empty() || y.windows(x.len()).any(|w| w == x.as_slice())
                            }
                            _ => false,
                        }),
                        Op::And => flag(truthy(&a) && truthy(&b)),
                        Op::Or => flag(truthy(&a) || truthy(&b)),
                        Op::Open | Op::Close => Value::Num(0.0),
                    };
                    stack.push(r);
                }
            }
        }
        stack.pop().is_some_and(|v| truthy(&v))
    }
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Num(n) => *n,
        Value::Str(s) if s.len() < 256 => strtod_all(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Num(n) => *n != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Null => false,
        Value::Tuple(_) => true,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Null, _) | (_, Value::Null) => matches!((a, b), (Value::Null, Value::Null)),
        _ => num(a) == num(b),
    }
}

// ---- the JSON side: a top-level field of an object, as `fastjson.c` reads it ----

fn skip_ws(j: &[u8], p: &mut usize) {
    while *p < j.len() && is_space(j[*p]) {
        *p += 1;
    }
}

fn skip_string(j: &[u8], p: &mut usize) -> bool {
    if j.get(*p) != Some(&b'"') {
        return false;
    }
    *p += 1;
    while *p < j.len() {
        match j[*p] {
            b'\\' => *p += 2,
            b'"' => {
                *p += 1;
                return true;
            }
            _ => *p += 1,
        }
    }
    false
}

fn skip_bracketed(j: &[u8], p: &mut usize, open: u8, close: u8) -> bool {
    let mut depth = 1;
    *p += 1;
    while *p < j.len() && depth > 0 {
        let c = j[*p];
        if c == b'"' {
            if !skip_string(j, p) {
                return false;
            }
            continue;
        }
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
        }
        *p += 1;
    }
    depth == 0
}

fn is_number_char(c: u8) -> bool {
    c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')
}

fn skip_value(j: &[u8], p: &mut usize) -> bool {
    skip_ws(j, p);
    let Some(&c) = j.get(*p) else { return false };
    let literal = |p: &mut usize, lit: &[u8]| {
        if j[*p..].starts_with(lit) {
            *p += lit.len();
            true
        } else {
            false
        }
    };
    match c {
        b'"' => skip_string(j, p),
        b'{' => skip_bracketed(j, p, b'{', b'}'),
        b'[' => skip_bracketed(j, p, b'[', b']'),
        b't' => literal(p, b"true"),
        b'f' => literal(p, b"false"),
        b'n' => literal(p, b"null"),
        _ => {
            let start = *p;
            while *p < j.len() && is_number_char(j[*p]) {
                *p += 1;
            }
            *p > start
        }
    }
}

/// How deep arrays may nest in an attribute read by a filter (Redis recurses without a limit;
/// a browser tab's stack is small).
const MAX_DEPTH: usize = 64;

fn parse_value(j: &[u8], p: &mut usize, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    skip_ws(j, p);
    let c = *j.get(*p)?;
    match c {
        b'"' => {
            *p += 1;
            let mut out = Vec::new();
            let mut esc = false;
            while *p < j.len() {
                let b = j[*p];
                *p += 1;
                if esc {
                    out.push(match b {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    return Some(Value::Str(out));
                } else {
                    out.push(b);
                }
            }
            None
        }
        b'[' => {
            *p += 1;
            skip_ws(j, p);
            let mut items = Vec::new();
            if j.get(*p) == Some(&b']') {
                *p += 1;
                return Some(Value::Tuple(items));
            }
            loop {
                items.push(parse_value(j, p, depth + 1)?);
                skip_ws(j, p);
                match j.get(*p)? {
                    b',' => {
                        *p += 1;
                        skip_ws(j, p);
                    }
                    b']' => {
                        *p += 1;
                        return Some(Value::Tuple(items));
                    }
                    _ => return None,
                }
            }
        }
        b't' | b'f' | b'n' => {
            let (lit, v): (&[u8], Value) = match c {
                b't' => (b"true", Value::Num(1.0)),
                b'f' => (b"false", Value::Num(0.0)),
                _ => (b"null", Value::Null),
            };
            if !j[*p..].starts_with(lit) {
                return None;
            }
            if let Some(&next) = j.get(*p + lit.len()) {
                if !is_space(next) && !matches!(next, b',' | b']' | b'}') {
                    return None;
                }
            }
            *p += lit.len();
            Some(v)
        }
        c if c.is_ascii_digit() || c == b'-' || c == b'+' => {
            let start = *p;
            while *p < j.len() && *p - start < 255 && is_number_char(j[*p]) {
                *p += 1;
            }
            strtod_all(&j[start..*p]).map(Value::Num)
        }
        _ => None,
    }
}

/// `jsonExtractField`: the value of a top-level field (keys compared as written).
fn json_field(j: &[u8], field: &[u8]) -> Option<Value> {
    let mut p = 0;
    skip_ws(j, &mut p);
    if j.get(p) != Some(&b'{') {
        return None;
    }
    p += 1;
    loop {
        skip_ws(j, &mut p);
        if j.get(p)? != &b'"' {
            return None;
        }
        let key_start = p + 1;
        if !skip_string(j, &mut p) {
            return None;
        }
        let key = &j[key_start..p - 1];
        skip_ws(j, &mut p);
        if j.get(p)? != &b':' {
            return None;
        }
        p += 1;
        skip_ws(j, &mut p);
        if p >= j.len() {
            return None;
        }
        if key == field {
            return parse_value(j, &mut p, 0);
        }
        if !skip_value(j, &mut p) {
            return None;
        }
        skip_ws(j, &mut p);
        match j.get(p)? {
            b',' => p += 1,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(expr: &str, json: &str) -> bool {
        Filter::compile(expr.as_bytes()).unwrap().matches(Some(json.as_bytes()))
    }

    #[test]
    fn arithmetic_and_logic() {
        let j = r#"{"year": 1984, "rating": 8.1, "genre": "action", "tags": ["a", "b"], "ok": true}"#;
        assert!(pass(".year >= 1980 and .rating > 7", j));
        assert!(!pass(".year < 1980 || .rating < 7", j));
        assert!(pass(".genre == \"action\"", j));
        assert!(pass("'act' in .genre", j));
        assert!(pass("\"b\" in .tags", j));
        assert!(pass(".year in [1983, 1984]", j));
        assert!(pass("2 ** 3 ** 2 == 512", j));
        assert!(pass("(1 + 2) * 3 == 9", j));
        assert!(pass("-5 + 10 == 5", j));
        assert!(pass(".ok", j));
        assert!(!pass("not .missing == 1 or 1", j));
        assert!(!pass(".missing == null", j));
        assert!(pass(".year % 100 == 84", j));
        assert!(!pass(".year > 0", "not json"));
        assert!(pass(".x == null", r#"{"x": null}"#));
        assert!(!pass(".o == 1", r#"{"o": {"a": 1}}"#));
    }

    #[test]
    fn syntax_errors_point_into_the_text() {
        assert_eq!(Filter::compile(b".a == 'x"), Err(8));
        assert_eq!(Filter::compile(b".a == #"), Err(6));
        assert_eq!(Filter::compile(b"(.a == 1"), Err(0));
        assert_eq!(Filter::compile(b".a == 1)"), Err(0));
        assert_eq!(Filter::compile(b".a =="), Err(0));
        assert_eq!(Filter::compile(b"true"), Err(4));
        assert!(Filter::compile(b"").is_err());
    }
}
