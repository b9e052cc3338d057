//! Lua values: numbers are doubles (Lua 5.1), strings are bytes, tables keep insertion order so
//! `pairs` walks them the same way on every run.

use crate::ast::Proto;
use crate::interp::{Interp, LuaError};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub type Cell = Rc<RefCell<Value>>;
pub type TableRef = Rc<RefCell<Table>>;
pub type NativeFn = fn(&mut Interp<'_>, Vec<Value>) -> Result<Vec<Value>, LuaError>;

#[derive(Clone, Default)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Num(f64),
    Str(Rc<[u8]>),
    Table(TableRef),
    Func(Func),
    /// A light userdata holding NULL: `cjson.null`, the one userdata scripts meet.
    Null,
}

#[derive(Clone)]
pub enum Func {
    Lua(Rc<Closure>),
    Native(&'static str, NativeFn),
}

pub struct Closure {
    pub proto: Rc<Proto>,
    pub upvals: Vec<Cell>,
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => write!(f, "{}", crate::format_g(*n, 14)),
            Value::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s)),
            Value::Table(_) => write!(f, "table"),
            Value::Func(_) => write!(f, "function"),
            Value::Null => write!(f, "userdata"),
        }
    }
}

impl Value {
    pub fn str(s: impl AsRef<[u8]>) -> Value {
        Value::Str(Rc::from(s.as_ref()))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
            Value::Func(_) => "function",
            Value::Null => "userdata",
        }
    }

    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The number a value stands for in arithmetic: numbers, and strings that read as one.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => crate::lex::parse_number(s),
            _ => None,
        }
    }

    /// The string a value stands for in concatenation: strings, and numbers as `%.14g`.
    pub fn to_bytes(&self) -> Option<Rc<[u8]>> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Num(n) => Some(Rc::from(number_to_string(*n).as_bytes())),
            _ => None,
        }
    }

    pub fn raw_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Table(a), Value::Table(b)) => Rc::ptr_eq(a, b),
            (Value::Func(Func::Lua(a)), Value::Func(Func::Lua(b))) => Rc::ptr_eq(a, b),
            (Value::Func(Func::Native(a, _)), Value::Func(Func::Native(b, _))) => a == b,
            (Value::Null, Value::Null) => true,
            _ => false,
        }
    }

    pub fn new_table() -> Value {
        Value::Table(Rc::new(RefCell::new(Table::default())))
    }
}

/// How Lua 5.1 prints a number: `%.14g`, with `inf`, `-inf`, `nan` and `-nan` as glibc does.
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if n.is_infinite() {
        return if n > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    crate::format_g(n, 14)
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Bool(bool),
    Num(u64),
    Str(Rc<[u8]>),
    Ptr(usize),
}

fn key_of(v: &Value) -> Option<Key> {
    Some(match v {
        Value::Nil => return None,
        Value::Bool(b) => Key::Bool(*b),
        Value::Num(n) if n.is_nan() => return None,
        // 0.0 and -0.0 are the same key.
        Value::Num(n) => Key::Num(if *n == 0.0 { 0 } else { n.to_bits() }),
        Value::Str(s) => Key::Str(s.clone()),
        Value::Table(t) => Key::Ptr(Rc::as_ptr(t) as *const u8 as usize),
        Value::Func(Func::Lua(c)) => Key::Ptr(Rc::as_ptr(c) as *const u8 as usize),
        Value::Func(Func::Native(_, f)) => Key::Ptr(*f as usize),
        Value::Null => Key::Ptr(0),
    })
}

/// A Lua table: an array part for 1..n and an insertion-ordered hash part.
#[derive(Default)]
pub struct Table {
    pub array: Vec<Value>,
    entries: Vec<(Value, Value)>,
    index: HashMap<Key, usize>,
    /// Redis makes the globals and its libraries read-only.
    pub readonly: bool,
    /// Reading a missing key is an error (Redis's protection of the globals).
    pub strict: bool,
    /// `setmetatable`'s table; only `__index` is consulted.
    pub meta: Option<TableRef>,
}

pub enum SetError {
    NilKey,
    NanKey,
}

fn array_index(k: &Value) -> Option<usize> {
    match k {
        Value::Num(n) if *n >= 1.0 && n.fract() == 0.0 && *n <= (u32::MAX as f64) => Some(*n as usize),
        _ => None,
    }
}

impl Table {
    pub fn get(&self, k: &Value) -> Value {
        if let Some(i) = array_index(k) {
            if i <= self.array.len() {
                return self.array[i - 1].clone();
            }
        }
        match key_of(k).and_then(|k| self.index.get(&k)) {
            Some(&i) => self.entries[i].1.clone(),
            None => Value::Nil,
        }
    }

    pub fn get_str(&self, k: &str) -> Value {
        self.get(&Value::str(k))
    }

    pub fn set(&mut self, k: Value, v: Value) -> Result<(), SetError> {
        if let Some(i) = array_index(&k) {
            if i <= self.array.len() {
                self.array[i - 1] = v;
                while self.array.last().is_some_and(Value::is_nil) {
                    self.array.pop();
                }
                return Ok(());
            }
            if i == self.array.len() + 1 {
                if v.is_nil() {
                    self.remove_hash(&k);
                    return Ok(());
                }
                self.remove_hash(&k);
                self.array.push(v);
                // Move the keys that now continue the sequence from the hash part.
                loop {
                    let next = Value::Num((self.array.len() + 1) as f64);
                    let moved = self.get_hash(&next);
                    if moved.is_nil() {
                        break;
                    }
                    self.remove_hash(&next);
                    self.array.push(moved);
                }
                return Ok(());
            }
        }
        let key = match &k {
            Value::Nil => return Err(SetError::NilKey),
            Value::Num(n) if n.is_nan() => return Err(SetError::NanKey),
            _ => match key_of(&k) {
                Some(key) => key,
                None => return Err(SetError::NilKey),
            },
        };
        match self.index.get(&key) {
            Some(&i) => self.entries[i].1 = v,
            None if v.is_nil() => {}
            None => {
                self.index.insert(key, self.entries.len());
                self.entries.push((k, v));
            }
        }
        Ok(())
    }

    fn get_hash(&self, k: &Value) -> Value {
        match key_of(k).and_then(|k| self.index.get(&k)) {
            Some(&i) => self.entries[i].1.clone(),
            None => Value::Nil,
        }
    }

    fn remove_hash(&mut self, k: &Value) {
        if let Some(&i) = key_of(k).and_then(|k| self.index.get(&k)) {
            self.entries[i].1 = Value::Nil;
        }
    }

    /// How many slots the table holds (for the script's memory budget).
    pub fn slots(&self) -> usize {
        self.array.len() + self.entries.len()
    }

    /// The border `#t` gives.
    pub fn len(&self) -> usize {
        if !self.array.is_empty() {
            return self.array.len();
        }
        // A sequence kept in the hash part (built backwards): walk it.
        let mut n = 0;
        while !self.get_hash(&Value::Num((n + 1) as f64)).is_nil() {
            n += 1;
        }
        n
    }

    /// `next(t, k)`: the array part in order, then the hash part in insertion order.
    pub fn next(&self, k: &Value) -> Option<Option<(Value, Value)>> {
        let mut start_hash = 0;
        match k {
            Value::Nil => {
                if let Some(found) = self.next_array(0) {
                    return Some(Some(found));
                }
            }
            _ => {
                if let Some(i) = array_index(k).filter(|&i| i <= self.array.len()) {
                    if let Some(found) = self.next_array(i) {
                        return Some(Some(found));
                    }
                } else {
                    let i = *self.index.get(&key_of(k)?)?;
                    start_hash = i + 1;
                }
            }
        }
        for (key, value) in &self.entries[start_hash..] {
            if !value.is_nil() {
                return Some(Some((key.clone(), value.clone())));
            }
        }
        Some(None)
    }

    fn next_array(&self, from: usize) -> Option<(Value, Value)> {
        (from..self.array.len())
            .find(|&i| !self.array[i].is_nil())
            .map(|i| (Value::Num((i + 1) as f64), self.array[i].clone()))
    }
}
