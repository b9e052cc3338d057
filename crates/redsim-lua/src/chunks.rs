//! Compiling code at run time (`loadstring`, `load`) and what Redis allows of it: source text
//! only. `string.dump` gives bytes that no Redis script can load back, as in Redis, whose Lua
//! refuses binary chunks.

use crate::interp::{Interp, LuaError};
use crate::stdlib::bad_arg;
use crate::value::{Func, Value};

type Out = Result<Vec<Value>, LuaError>;

/// Lua's `luaO_chunkid` for a chunk given as a string: `[string "first line..."]`.
fn chunk_id(source: &[u8]) -> String {
    const ROOM: usize = 60 - 15;
    let line_end = source.iter().position(|&c| c == b'\n' || c == b'\r').unwrap_or(source.len());
    let cut = line_end.min(ROOM);
    let mut id = format!("[string \"{}", String::from_utf8_lossy(&source[..cut]));
    if cut < source.len() {
        id.push_str("...");
    }
    id.push_str("\"]");
    id
}

/// Compiles `source`: the function, or nil and the compiler's message.
fn compile(interp: &mut Interp<'_>, source: &[u8], name: Option<&[u8]>) -> Out {
    interp.charge_steps((source.len() / 64) as u64)?;
    let chunk = match name {
        Some(n) if n.starts_with(b"=") || n.starts_with(b"@") => String::from_utf8_lossy(&n[1..]).into_owned(),
        Some(n) => chunk_id(n),
        None => chunk_id(source),
    };
    match crate::compile(source, &chunk) {
        Ok(proto) => Ok(vec![interp.make_closure(proto)]),
        Err(message) => Ok(vec![Value::Nil, Value::str(message)]),
    }
}

/// `loadstring(s [, chunkname])`.
pub fn loadstring(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let Some(source) = args.first().and_then(Value::to_bytes) else {
        let got = args.first().map_or("no value", Value::type_name);
        return Err(bad_arg(interp, 0, "loadstring", &format!("string expected, got {got}")));
    };
    let name = args.get(1).and_then(Value::to_bytes);
    compile(interp, &source, name.as_deref())
}

/// `load(f [, chunkname])`: the source is what `f` returns, piece by piece, until it returns
/// nothing or an empty string.
pub fn load(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let f = match args.first() {
        Some(f @ Value::Func(_)) => f.clone(),
        other => {
            let got = other.map_or("no value", Value::type_name);
            return Err(bad_arg(interp, 0, "load", &format!("function expected, got {got}")));
        }
    };
    let mut source = Vec::new();
    loop {
        let piece = interp.call(&f, Vec::new())?.into_iter().next().unwrap_or_default();
        match piece {
            Value::Nil => break,
            Value::Str(s) if s.is_empty() => break,
            Value::Str(s) => {
                source.extend_from_slice(&s);
                interp.check_size(source.len())?;
            }
            _ => return Ok(vec![Value::Nil, Value::str("reader function must return a string")]),
        }
    }
    let name = args.get(1).and_then(Value::to_bytes).unwrap_or_else(|| b"=(load)".as_slice().into());
    compile(interp, &source, Some(&name))
}

/// `string.dump(f)`: a binary chunk's signature and the function's source position; loading
/// it back fails, as it does in Redis.
pub fn string_dump(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    match args.first() {
        Some(Value::Func(Func::Lua(c))) => {
            let mut bytes = b"\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00".to_vec();
            let p = &c.proto;
            bytes.extend_from_slice(format!("{}:{}:{}", p.line, p.params.len(), u8::from(p.vararg)).as_bytes());
            Ok(vec![Value::str(bytes)])
        }
        Some(Value::Func(Func::Native(..))) => Err(interp.error("unable to dump given function")),
        other => {
            let got = other.map_or("no value", Value::type_name);
            Err(bad_arg(interp, 0, "dump", &format!("function expected, got {got}")))
        }
    }
}

/// The `__index` of the globals' metatable (Redis's `luaProtectedTableError`): reading a
/// global that does not exist is an error.
pub fn protected_global(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let name = args.get(1).and_then(Value::to_bytes).unwrap_or_default();
    Err(interp
        .error(format!("Script attempted to access nonexistent global variable '{}'", String::from_utf8_lossy(&name))))
}
