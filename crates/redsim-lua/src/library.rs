//! How a function library loads (`FUNCTION LOAD`), as Redis 7.0's `function_lua.c` does it:
//! while its code runs, the only global is a small `redis` table (`register_function`, `log`, the
//! log levels and the version); once loaded, its functions run with the whole of the globals.
//! A function that kept the loading table and calls `register_function` later is refused.

use crate::interp::{Interp, LuaError};
use crate::stdlib::{lib_error, redis_log, table_of};
use crate::value::{TableRef, Value};

type Out = Result<Vec<Value>, LuaError>;

/// A function a library registered: its name, callback, flags and description.
pub struct Registration {
    pub name: Vec<u8>,
    pub callback: Value,
    pub flags: Vec<Vec<u8>>,
    pub description: Option<Vec<u8>>,
}

/// The globals a library's code sees while it loads; the whole globals are handed back, for
/// `running_mode` to put back.
pub fn library_mode(interp: &mut Interp<'_>) -> TableRef {
    let api = table_of(&[("register_function", register_function), ("log", redis_log)]);
    {
        let mut t = api.borrow_mut();
        for (name, n) in [("LOG_DEBUG", 0.0), ("LOG_VERBOSE", 1.0), ("LOG_NOTICE", 2.0), ("LOG_WARNING", 3.0)] {
            let _ = t.set(Value::str(name), Value::Num(n));
        }
        let (version, num) = interp.host.version();
        let _ = t.set(Value::str("REDIS_VERSION"), Value::str(version));
        let _ = t.set(Value::str("REDIS_VERSION_NUM"), Value::Num(f64::from(num)));
        protect(&mut t);
    }
    let globals = table_of(&[]);
    {
        let mut g = globals.borrow_mut();
        let _ = g.set(Value::str("redis"), Value::Table(api));
        protect(&mut g);
    }
    interp.loading = true;
    std::mem::replace(&mut interp.globals, globals)
}

/// Read-only, and reading a name it does not have is an error (Redis's `luaSetErrorMetatable`
/// and `luaSetTableProtectionRecursively`).
fn protect(t: &mut crate::value::Table) {
    let meta = table_of(&[("__index", crate::chunks::protected_global)]);
    meta.borrow_mut().readonly = true;
    t.meta = Some(meta);
    t.readonly = true;
    t.strict = true;
}

/// After loading: the whole globals again, and `register_function` refuses.
pub fn running_mode(interp: &mut Interp<'_>, globals: TableRef) {
    interp.globals = globals;
    interp.loading = false;
}

/// `luaGetStringSds`: strings, and numbers as their text.
fn text_of(v: &Value) -> Option<Vec<u8>> {
    v.to_bytes().map(|b| b.to_vec())
}

/// `redis.register_function(name, callback)` or `redis.register_function{function_name=...,
/// callback=..., description=..., flags={...}}`.
fn register_function(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if !interp.loading {
        return Err(lib_error(interp, "redis.register_function can only be called on FUNCTION LOAD command"));
    }
    let registration = match args.as_slice() {
        [single] => named_arguments(interp, single)?,
        [name, callback] => {
            let Some(name) = text_of(name) else {
                return Err(lib_error(interp, "first argument to redis.register_function must be a string"));
            };
            if !matches!(callback, Value::Func(_)) {
                return Err(lib_error(interp, "second argument to redis.register_function must be a function"));
            }
            Registration { name, callback: callback.clone(), flags: Vec::new(), description: None }
        }
        _ => return Err(lib_error(interp, "wrong number of arguments to redis.register_function")),
    };
    let name = &registration.name;
    // Redis 7.0 words it about libraries here too.
    if name.is_empty() || !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return Err(lib_error(
            interp,
            "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    if interp.registered.iter().any(|r| r.name.eq_ignore_ascii_case(name)) {
        return Err(lib_error(interp, "Function already exists in the library"));
    }
    interp.registered.push(registration);
    Ok(Vec::new())
}

/// Redis's `luaRegisterFunctionReadNamedArgs`: each key checked as it comes, case-insensitively.
fn named_arguments(interp: &Interp<'_>, arg: &Value) -> Result<Registration, LuaError> {
    let Value::Table(t) = arg else {
        return Err(lib_error(
            interp,
            "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
        ));
    };
    let (mut name, mut callback, mut description, mut flags) = (None, None, None, Vec::new());
    let t = t.borrow();
    let mut k = Value::Nil;
    while let Some(Some((key, v))) = t.next(&k) {
        let Some(word) = text_of(&key) else {
            return Err(lib_error(interp, "named argument key given to redis.register_function is not a string"));
        };
        match word.to_ascii_lowercase().as_slice() {
            b"function_name" => match text_of(&v) {
                Some(n) => name = Some(n),
                None => {
                    return Err(lib_error(
                        interp,
                        "function_name argument given to redis.register_function must be a string",
                    ))
                }
            },
            b"description" => match text_of(&v) {
                Some(d) => description = Some(d),
                None => {
                    return Err(lib_error(
                        interp,
                        "description argument given to redis.register_function must be a string",
                    ))
                }
            },
            b"callback" if matches!(v, Value::Func(_)) => callback = Some(v),
            b"callback" => {
                return Err(lib_error(interp, "callback argument given to redis.register_function must be a function"))
            }
            b"flags" => flags = read_flags(interp, &v)?,
            _ => return Err(lib_error(interp, "unknown argument given to redis.register_function")),
        }
        k = key;
    }
    let Some(name) = name else {
        return Err(lib_error(interp, "redis.register_function must get a function name argument"));
    };
    let Some(callback) = callback else {
        return Err(lib_error(interp, "redis.register_function must get a callback argument"));
    };
    Ok(Registration { name, callback, flags, description })
}

/// The `flags` table: each a known flag's name.
fn read_flags(interp: &Interp<'_>, v: &Value) -> Result<Vec<Vec<u8>>, LuaError> {
    let Value::Table(ft) = v else {
        return Err(lib_error(
            interp,
            "flags argument to redis.register_function must be a table representing function flags",
        ));
    };
    let ft = ft.borrow();
    let mut flags = Vec::new();
    let mut k = Value::Nil;
    while let Some(Some((key, f))) = ft.next(&k) {
        match &f {
            Value::Str(f)
                if matches!(
                    &f[..],
                    b"no-writes" | b"allow-oom" | b"allow-stale" | b"no-cluster" | b"allow-cross-slot-keys"
                ) =>
            {
                flags.push(f.to_vec())
            }
            _ => return Err(lib_error(interp, "unknown flag given")),
        }
        k = key;
    }
    Ok(flags)
}

/// The callback of a registered function, by name (function names ignore case).
pub fn registered(interp: &Interp<'_>, name: &[u8]) -> Option<Value> {
    interp.registered.iter().find(|r| r.name.eq_ignore_ascii_case(name)).map(|r| r.callback.clone())
}
