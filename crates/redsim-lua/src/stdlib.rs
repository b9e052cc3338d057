//! The libraries a Redis script sees: Lua's base, string, table and math functions, and the
//! `redis` table. Redis leaves out the ones that reach the outside world (io, os, loadfile).

use crate::interp::{Interp, LuaError};
use crate::pattern::{is_plain, Capture, Matcher};
use crate::value::{number_to_string, Func, NativeFn, TableRef, Value};
use crate::{format_g, Resp};
use std::cell::RefCell;
use std::rc::Rc;

type R<T> = Result<T, LuaError>;
type Out = R<Vec<Value>>;

pub(crate) fn table_of(entries: &[(&'static str, NativeFn)]) -> TableRef {
    let t = Rc::new(RefCell::new(crate::value::Table::default()));
    for (name, f) in entries {
        let _ = t.borrow_mut().set(Value::str(name), Value::Func(Func::Native(name, *f)));
    }
    t
}

pub fn open(interp: &mut Interp<'_>) {
    let g = table_of(&[
        ("assert", base_assert),
        ("error", base_error),
        ("pcall", base_pcall),
        ("xpcall", base_xpcall),
        ("type", base_type),
        ("tostring", base_tostring),
        ("tonumber", base_tonumber),
        ("pairs", base_pairs),
        ("ipairs", base_ipairs),
        ("next", base_next),
        ("select", base_select),
        ("unpack", table_unpack),
        ("rawget", base_rawget),
        ("rawset", base_rawset),
        ("rawequal", base_rawequal),
        ("setmetatable", base_setmetatable),
        ("getmetatable", base_getmetatable),
        ("collectgarbage", base_collectgarbage),
        ("gcinfo", base_gcinfo),
        ("loadstring", crate::chunks::loadstring),
        ("load", crate::chunks::load),
    ]);
    let string = table_of(&[
        ("len", str_len),
        ("sub", str_sub),
        ("upper", str_upper),
        ("lower", str_lower),
        ("rep", str_rep),
        ("reverse", str_reverse),
        ("byte", str_byte),
        ("char", str_char),
        ("format", str_format),
        ("find", str_find),
        ("match", str_match),
        ("gmatch", str_gmatch),
        ("gsub", str_gsub),
        ("dump", crate::chunks::string_dump),
    ]);
    let table = table_of(&[
        ("insert", table_insert),
        ("remove", table_remove),
        ("concat", table_concat),
        ("getn", table_getn),
        ("maxn", table_maxn),
        ("sort", table_sort),
        ("unpack", table_unpack),
    ]);
    let math = table_of(&[
        ("abs", |i, a| math1(i, a, "abs", f64::abs)),
        ("ceil", |i, a| math1(i, a, "ceil", f64::ceil)),
        ("floor", |i, a| math1(i, a, "floor", f64::floor)),
        ("sqrt", |i, a| math1(i, a, "sqrt", f64::sqrt)),
        ("exp", |i, a| math1(i, a, "exp", f64::exp)),
        ("log10", |i, a| math1(i, a, "log10", f64::log10)),
        ("sin", |i, a| math1(i, a, "sin", f64::sin)),
        ("cos", |i, a| math1(i, a, "cos", f64::cos)),
        ("tan", |i, a| math1(i, a, "tan", f64::tan)),
        ("log", math_log),
        ("pow", math_pow),
        ("fmod", math_fmod),
        ("modf", math_modf),
        ("max", math_max),
        ("min", math_min),
        ("random", math_random),
        ("randomseed", math_randomseed),
    ]);
    {
        let mut m = math.borrow_mut();
        let _ = m.set(Value::str("huge"), Value::Num(f64::INFINITY));
        let _ = m.set(Value::str("pi"), Value::Num(std::f64::consts::PI));
    }
    let redis = table_of(&[
        ("call", redis_call),
        ("pcall", redis_pcall),
        ("error_reply", redis_error_reply),
        ("status_reply", redis_status_reply),
        ("sha1hex", redis_sha1hex),
        ("acl_check_cmd", redis_acl_check_cmd),
        ("log", redis_log),
        ("setresp", redis_setresp),
        ("set_repl", redis_set_repl),
        ("replicate_commands", redis_replicate_commands),
        ("breakpoint", redis_breakpoint),
        ("debug", redis_debug),
    ]);
    {
        let mut r = redis.borrow_mut();
        for (name, n) in [
            ("LOG_DEBUG", 0.0),
            ("LOG_VERBOSE", 1.0),
            ("LOG_NOTICE", 2.0),
            ("LOG_WARNING", 3.0),
            ("REPL_NONE", 0.0),
            ("REPL_SLAVE", 1.0),
            ("REPL_REPLICA", 1.0),
            ("REPL_AOF", 2.0),
            ("REPL_ALL", 3.0),
        ] {
            let _ = r.set(Value::str(name), Value::Num(n));
        }
        let (version, num) = interp.host.version();
        let _ = r.set(Value::str("REDIS_VERSION"), Value::str(version));
        let _ = r.set(Value::str("REDIS_VERSION_NUM"), Value::Num(num as f64));
    }
    let cjson = table_of(&[
        ("encode", cjson_encode),
        ("decode", cjson_decode),
        ("encode_sparse_array", crate::cjson_config::encode_sparse_array),
        ("encode_max_depth", crate::cjson_config::encode_max_depth),
        ("decode_max_depth", crate::cjson_config::decode_max_depth),
        ("encode_number_precision", crate::cjson_config::encode_number_precision),
        ("encode_keep_buffer", crate::cjson_config::encode_keep_buffer),
        ("encode_invalid_numbers", crate::cjson_config::encode_invalid_numbers),
        ("decode_invalid_numbers", crate::cjson_config::decode_invalid_numbers),
    ]);
    let cmsgpack = table_of(&[
        ("pack", crate::msgpack::pack),
        ("unpack", crate::msgpack::unpack),
        ("unpack_one", crate::msgpack::unpack_one),
        ("unpack_limit", crate::msgpack::unpack_limit),
    ]);
    {
        let mut m = cmsgpack.borrow_mut();
        for (name, text) in [
            ("_NAME", "cmsgpack"),
            ("_VERSION", "lua-cmsgpack 0.4.0"),
            ("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"),
            ("_DESCRIPTION", "MessagePack C implementation for Lua"),
        ] {
            let _ = m.set(Value::str(name), Value::str(text));
        }
    }
    let bit = table_of(&[
        ("tobit", crate::bit::tobit),
        ("bnot", crate::bit::bnot),
        ("band", crate::bit::band),
        ("bor", crate::bit::bor),
        ("bxor", crate::bit::bxor),
        ("lshift", crate::bit::lshift),
        ("rshift", crate::bit::rshift),
        ("arshift", crate::bit::arshift),
        ("rol", crate::bit::rol),
        ("ror", crate::bit::ror),
        ("bswap", crate::bit::bswap),
        ("tohex", crate::bit::tohex),
    ]);
    let _ = cjson.borrow_mut().set(Value::str("null"), Value::Null);
    let mut gm = g.borrow_mut();
    let libs = [
        ("string", &string),
        ("table", &table),
        ("math", &math),
        ("redis", &redis),
        ("cjson", &cjson),
        ("bit", &bit),
        ("cmsgpack", &cmsgpack),
    ];
    for (name, lib) in libs {
        lib.borrow_mut().readonly = true;
        let _ = gm.set(Value::str(name), Value::Table(lib.clone()));
    }
    let _ = gm.set(Value::str("_G"), Value::Table(g.clone()));
    let _ = gm.set(Value::str("_VERSION"), Value::str("Lua 5.1"));
    // Redis's `luaSetErrorMetatable`: the globals' metatable answers a missing name with an
    // error; like every table Redis protects, it is read-only.
    let protect = table_of(&[("__index", crate::chunks::protected_global)]);
    protect.borrow_mut().readonly = true;
    gm.meta = Some(protect);
    gm.readonly = true;
    gm.strict = true;
    drop(gm);
    interp.globals = g;
    interp.string_lib = string;
}

// Argument checks, worded as luaL_check* words them.

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_default()
}

fn got(args: &[Value], i: usize) -> &'static str {
    args.get(i).map_or("no value", Value::type_name)
}

pub(crate) fn bad_arg(interp: &Interp<'_>, i: usize, fname: &str, msg: &str) -> LuaError {
    // Called as a method (`s:rep(n)`), the object is not counted (luaL_argerror).
    if interp.method_call {
        if i == 0 {
            return interp.error(format!("calling '{fname}' on bad self ({msg})"));
        }
        return interp.error(format!("bad argument #{} to '{}' ({})", i, fname, msg));
    }
    interp.error(format!("bad argument #{} to '{}' ({})", i + 1, fname, msg))
}

fn check_str(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str) -> R<Rc<[u8]>> {
    match args.get(i).and_then(Value::to_bytes) {
        Some(s) => Ok(s),
        None => Err(bad_arg(interp, i, fname, &format!("string expected, got {}", got(args, i)))),
    }
}

fn check_num(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str) -> R<f64> {
    match args.get(i).and_then(Value::to_number) {
        Some(n) => Ok(n),
        None => Err(bad_arg(interp, i, fname, &format!("number expected, got {}", got(args, i)))),
    }
}

fn check_int(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str) -> R<i64> {
    // lua_tointeger truncates (a double cast to ptrdiff_t).
    check_num(interp, args, i, fname).map(|n| if n.is_nan() { 0 } else { n as i64 })
}

fn opt_int(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str, default: i64) -> R<i64> {
    if args.get(i).is_none_or(Value::is_nil) {
        Ok(default)
    } else {
        check_int(interp, args, i, fname)
    }
}

fn check_table(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str) -> R<TableRef> {
    match args.get(i) {
        Some(Value::Table(t)) => Ok(t.clone()),
        _ => Err(bad_arg(interp, i, fname, &format!("table expected, got {}", got(args, i)))),
    }
}

fn check_any(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str) -> R<Value> {
    match args.get(i) {
        Some(v) => Ok(v.clone()),
        None => Err(bad_arg(interp, i, fname, "value expected")),
    }
}

// Base library.

fn base_assert(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if arg(&args, 0).truthy() {
        return Ok(args);
    }
    if args.is_empty() {
        return Err(bad_arg(interp, 0, "assert", "value expected"));
    }
    match args.get(1) {
        Some(v) if !v.is_nil() => Err(interp.raise(v.clone(), 0)),
        _ => Err(interp.error("assertion failed!")),
    }
}

fn base_error(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let level = opt_int(interp, &args, 1, "error", 1)?;
    Err(interp.raise(arg(&args, 0), level.max(0) as usize))
}

fn base_pcall(interp: &mut Interp<'_>, mut args: Vec<Value>) -> Out {
    let f = check_any(interp, &args, 0, "pcall")?;
    args.remove(0);
    match interp.call(&f, args) {
        Ok(mut values) => {
            values.insert(0, Value::Bool(true));
            Ok(values)
        }
        Err(e) if e.fatal => Err(e),
        Err(e) => Ok(vec![Value::Bool(false), e.value]),
    }
}

fn base_xpcall(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let f = arg(&args, 0);
    let handler = arg(&args, 1);
    match interp.call(&f, Vec::new()) {
        Ok(mut values) => {
            values.insert(0, Value::Bool(true));
            Ok(values)
        }
        Err(e) if e.fatal => Err(e),
        Err(e) => {
            let mut handled = interp.call(&handler, vec![e.value])?;
            handled.truncate(1);
            handled.insert(0, Value::Bool(false));
            Ok(handled)
        }
    }
}

fn base_type(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let v = check_any(interp, &args, 0, "type")?;
    Ok(vec![Value::str(v.type_name())])
}

pub fn tostring(v: &Value) -> Vec<u8> {
    match v {
        Value::Nil => b"nil".to_vec(),
        Value::Bool(b) => b.to_string().into_bytes(),
        Value::Num(n) => number_to_string(*n).into_bytes(),
        Value::Str(s) => s.to_vec(),
        Value::Table(t) => format!("table: {:p}", Rc::as_ptr(t)).into_bytes(),
        Value::Func(Func::Lua(c)) => format!("function: {:p}", Rc::as_ptr(c)).into_bytes(),
        Value::Func(Func::Native(name, _)) => format!("function: builtin: {name}").into_bytes(),
        Value::Null => b"userdata: (nil)".to_vec(),
    }
}

fn base_tostring(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let v = check_any(interp, &args, 0, "tostring")?;
    Ok(vec![Value::str(tostring(&v))])
}

fn base_tonumber(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let base = opt_int(interp, &args, 1, "tonumber", 10)?;
    let v = check_any(interp, &args, 0, "tonumber")?;
    if base == 10 {
        return Ok(vec![v.to_number().map_or(Value::Nil, Value::Num)]);
    }
    if !(2..=36).contains(&base) {
        return Err(bad_arg(interp, 1, "tonumber", "base out of range"));
    }
    let s = check_str(interp, &args, 0, "tonumber")?;
    let text = String::from_utf8_lossy(&s);
    let text = text.trim();
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    Ok(vec![match u64::from_str_radix(digits, base as u32) {
        Ok(n) if !digits.is_empty() => Value::Num(if neg { -(n as f64) } else { n as f64 }),
        _ => Value::Nil,
    }])
}

fn base_next(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "next")?;
    let found = t.borrow().next(&arg(&args, 1));
    match found {
        Some(Some((k, v))) => Ok(vec![k, v]),
        Some(None) => Ok(vec![Value::Nil]),
        None => Err(interp.error("invalid key to 'next'")),
    }
}

fn base_pairs(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "pairs")?;
    Ok(vec![Value::Func(Func::Native("next", base_next)), Value::Table(t), Value::Nil])
}

fn ipairs_step(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "ipairs")?;
    let i = check_int(interp, &args, 1, "ipairs")? + 1;
    let v = t.borrow().get(&Value::Num(i as f64));
    Ok(if v.is_nil() { vec![Value::Nil] } else { vec![Value::Num(i as f64), v] })
}

fn base_ipairs(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "ipairs")?;
    Ok(vec![Value::Func(Func::Native("ipairs_step", ipairs_step)), Value::Table(t), Value::Num(0.0)])
}

fn base_select(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if let Some(Value::Str(s)) = args.first() {
        if s.first() == Some(&b'#') {
            return Ok(vec![Value::Num((args.len() - 1) as f64)]);
        }
    }
    let n = check_int(interp, &args, 0, "select")?;
    let count = args.len() as i64 - 1;
    let start = if n < 0 {
        count + n
    } else if n == 0 {
        -1
    } else {
        n - 1
    };
    if start < 0 {
        return Err(bad_arg(interp, 0, "select", "index out of range"));
    }
    Ok(args.into_iter().skip(1 + start as usize).collect())
}

fn base_rawget(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "rawget")?;
    let v = t.borrow().get(&arg(&args, 1));
    Ok(vec![v])
}

fn base_rawset(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "rawset")?;
    interp.set_index(&Value::Table(t.clone()), arg(&args, 1), arg(&args, 2), None)?;
    Ok(vec![Value::Table(t)])
}

fn base_rawequal(_: &mut Interp<'_>, args: Vec<Value>) -> Out {
    Ok(vec![Value::Bool(arg(&args, 0).raw_eq(&arg(&args, 1)))])
}

fn base_setmetatable(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "setmetatable")?;
    let meta = match args.get(1) {
        Some(Value::Table(m)) => Some(m.clone()),
        Some(Value::Nil) => None,
        _ => return Err(bad_arg(interp, 1, "setmetatable", "nil or table expected")),
    };
    if t.borrow().readonly {
        return Err(interp.error("Attempt to modify a readonly table"));
    }
    t.borrow_mut().meta = meta;
    Ok(vec![Value::Table(t)])
}

fn base_getmetatable(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let v = check_any(interp, &args, 0, "getmetatable")?;
    Ok(vec![match v {
        Value::Table(t) => t.borrow().meta.clone().map_or(Value::Nil, Value::Table),
        Value::Str(_) => {
            let m = Value::new_table();
            if let Value::Table(mt) = &m {
                let _ = mt.borrow_mut().set(Value::str("__index"), Value::Table(interp.string_lib.clone()));
            }
            m
        }
        _ => Value::Nil,
    }])
}

fn base_collectgarbage(_: &mut Interp<'_>, _: Vec<Value>) -> Out {
    Ok(vec![Value::Num(0.0)])
}

fn base_gcinfo(_: &mut Interp<'_>, _: Vec<Value>) -> Out {
    Ok(vec![Value::Num(0.0)])
}

// String library.

/// Lua's relative string positions: negative counts from the end.
fn str_pos(pos: i64, len: usize) -> i64 {
    if pos < 0 {
        (len as i64 + pos + 1).max(0)
    } else {
        pos
    }
}

fn str_len(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "len")?;
    Ok(vec![Value::Num(s.len() as f64)])
}

fn str_sub(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "sub")?;
    let start = str_pos(check_int(interp, &args, 1, "sub")?, s.len()).max(1);
    let end = str_pos(opt_int(interp, &args, 2, "sub", -1)?, s.len()).min(s.len() as i64);
    Ok(vec![if start <= end { Value::str(&s[start as usize - 1..end as usize]) } else { Value::str("") }])
}

fn str_upper(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "upper")?;
    interp.check_size(s.len())?;
    Ok(vec![Value::str(s.to_ascii_uppercase())])
}

fn str_lower(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "lower")?;
    interp.check_size(s.len())?;
    Ok(vec![Value::str(s.to_ascii_lowercase())])
}

fn str_rep(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "rep")?;
    let n = check_int(interp, &args, 1, "rep")?;
    if n <= 0 || s.is_empty() {
        return Ok(vec![Value::str("")]);
    }
    interp.check_size(s.len().saturating_mul(n as usize))?;
    Ok(vec![Value::str(s.repeat(n as usize))])
}

fn str_reverse(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "reverse")?;
    interp.check_size(s.len())?;
    Ok(vec![Value::str(s.iter().rev().copied().collect::<Vec<u8>>())])
}

fn str_byte(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "byte")?;
    let start = str_pos(opt_int(interp, &args, 1, "byte", 1)?, s.len()).max(1);
    let end = str_pos(opt_int(interp, &args, 2, "byte", start)?, s.len()).min(s.len() as i64);
    if start > end {
        return Ok(Vec::new());
    }
    Ok(s[start as usize - 1..end as usize].iter().map(|&b| Value::Num(b as f64)).collect())
}

fn str_char(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let mut out = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        let c = check_int(interp, &args, i, "char")?;
        if !(0..=255).contains(&c) {
            return Err(bad_arg(interp, i, "char", "invalid value"));
        }
        out.push(c as u8);
    }
    Ok(vec![Value::str(out)])
}

/// C's `%e` with a precision: `1.500000e+03`.
fn format_e(n: f64, precision: usize, upper: bool) -> String {
    let s = format!("{:.*e}", precision, n);
    // Rust's `{:e}` always has an exponent.
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let s = format!("{}e{}{:02}", m, if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

fn pad(body: String, flags: &str, width: usize) -> String {
    if body.len() >= width {
        return body;
    }
    let fill = width - body.len();
    if flags.contains('-') {
        format!("{body}{}", " ".repeat(fill))
    } else if flags.contains('0') && !body.starts_with(|c: char| c.is_alphabetic()) {
        let (sign, digits) = match body.strip_prefix('-') {
            Some(rest) => ("-", rest.to_string()),
            None => ("", body.clone()),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn str_format(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let fmt = check_str(interp, &args, 0, "format")?;
    let mut out = Vec::new();
    let mut argi = 1;
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let spec_start = i;
        while i < fmt.len() && b"-+ #0".contains(&fmt[i]) {
            i += 1;
        }
        let flags = String::from_utf8_lossy(&fmt[spec_start..i]).to_string();
        let mut width = 0usize;
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            width = width * 10 + (fmt[i] - b'0') as usize;
            i += 1;
        }
        let mut precision = None;
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            let mut p = 0usize;
            while i < fmt.len() && fmt[i].is_ascii_digit() {
                p = p * 10 + (fmt[i] - b'0') as usize;
                i += 1;
            }
            precision = Some(p);
        }
        if width > 99 || precision.is_some_and(|p| p > 99) {
            return Err(interp.error("invalid format (width or precision too long)"));
        }
        let Some(&conv) = fmt.get(i) else {
            return Err(interp.error("invalid option '%' to 'format'"));
        };
        i += 1;
        let sign = |s: String, n: f64| -> String {
            if n >= 0.0 && flags.contains('+') {
                format!("+{s}")
            } else if n >= 0.0 && flags.contains(' ') {
                format!(" {s}")
            } else {
                s
            }
        };
        let body = match conv {
            b'd' | b'i' => {
                let n = check_num(interp, &args, argi, "format")?;
                let v = n as i64;
                let mut s = v.unsigned_abs().to_string();
                if let Some(p) = precision {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                sign(if v < 0 { format!("-{s}") } else { s }, n)
            }
            b'u' => (check_num(interp, &args, argi, "format")? as i64 as u64).to_string(),
            b'c' => {
                let n = check_int(interp, &args, argi, "format")?;
                out.extend_from_slice(pad(String::new(), &flags, width.saturating_sub(1)).as_bytes());
                out.push(n as u8);
                argi += 1;
                continue;
            }
            b'x' | b'X' | b'o' => {
                let n = check_num(interp, &args, argi, "format")? as i64;
                let s = match conv {
                    b'x' => format!("{:x}", n),
                    b'X' => format!("{:X}", n),
                    _ => format!("{:o}", n),
                };
                if flags.contains('#') && n != 0 {
                    match conv {
                        b'x' => format!("0x{s}"),
                        b'X' => format!("0X{s}"),
                        _ => format!("0{s}"),
                    }
                } else {
                    s
                }
            }
            b'e' | b'E' => {
                let n = check_num(interp, &args, argi, "format")?;
                sign(format_e(n, precision.unwrap_or(6), conv == b'E'), n)
            }
            b'f' => {
                let n = check_num(interp, &args, argi, "format")?;
                let s = if n.is_finite() { format!("{:.*}", precision.unwrap_or(6), n) } else { number_to_string(n) };
                sign(s, n)
            }
            b'g' | b'G' => {
                let n = check_num(interp, &args, argi, "format")?;
                let s = if n.is_finite() { format_g(n, precision.unwrap_or(6)) } else { number_to_string(n) };
                sign(if conv == b'G' { s.to_uppercase() } else { s }, n)
            }
            b'q' => {
                let s = check_str(interp, &args, argi, "format")?;
                out.push(b'"');
                for &b in s.iter() {
                    match b {
                        b'"' | b'\\' | b'\n' => {
                            out.push(b'\\');
                            out.push(b);
                        }
                        b'\r' => out.extend_from_slice(b"\\r"),
                        0 => out.extend_from_slice(b"\\000"),
                        _ => out.push(b),
                    }
                }
                out.push(b'"');
                argi += 1;
                continue;
            }
            b's' => {
                let s = check_str(interp, &args, argi, "format")?;
                let s = match precision {
                    Some(p) if p < s.len() => &s[..p],
                    _ => &s[..],
                };
                let fill = width.saturating_sub(s.len());
                if flags.contains('-') {
                    out.extend_from_slice(s);
                    out.extend(std::iter::repeat_n(b' ', fill));
                } else {
                    out.extend(std::iter::repeat_n(b' ', fill));
                    out.extend_from_slice(s);
                }
                argi += 1;
                continue;
            }
            other => {
                return Err(interp.error(format!("invalid option '%{}' to 'format'", String::from_utf8_lossy(&[other]))))
            }
        };
        argi += 1;
        out.extend_from_slice(pad(body, &flags, width).as_bytes());
    }
    interp.check_size(out.len())?;
    Ok(vec![Value::str(out)])
}

fn capture_value(m: &Matcher<'_>, i: usize, s: usize, e: usize) -> Result<Value, String> {
    Ok(match m.get_capture(i, s, e)? {
        Capture::Str(a, b) => Value::str(&m.src[a..b]),
        Capture::Position(p) => Value::Num(p as f64),
    })
}

fn captures(m: &Matcher<'_>, s: usize, e: usize, whole_if_none: bool) -> Result<Vec<Value>, String> {
    let n = if m.level == 0 && whole_if_none { 1 } else { m.level };
    (0..n).map(|i| capture_value(m, i, s, e)).collect()
}

fn find_aux(interp: &mut Interp<'_>, args: Vec<Value>, find: bool) -> Out {
    let fname = if find { "find" } else { "match" };
    let s = check_str(interp, &args, 0, fname)?;
    let p = check_str(interp, &args, 1, fname)?;
    let init = str_pos(opt_int(interp, &args, 2, fname, 1)?, s.len()).max(1) as usize - 1;
    if init > s.len() {
        return Ok(vec![Value::Nil]);
    }
    if find && (arg(&args, 3).truthy() || is_plain(&p)) {
        let found = if p.is_empty() { Some(0) } else { s[init..].windows(p.len()).position(|w| w == &p[..]) };
        return Ok(match found {
            Some(at) => vec![Value::Num((init + at + 1) as f64), Value::Num((init + at + p.len()) as f64)],
            None => vec![Value::Nil],
        });
    }
    let (anchor, pat) = if p.first() == Some(&b'^') { (true, &p[1..]) } else { (false, &p[..]) };
    let mut m = Matcher::new(&s, pat);
    let mut start = init;
    loop {
        m.reset();
        interp.step()?;
        if let Some(e) = m.do_match(start, 0).map_err(|msg| interp.error(msg))? {
            let mut out = Vec::new();
            if find {
                out.push(Value::Num((start + 1) as f64));
                out.push(Value::Num(e as f64));
                out.extend(captures(&m, start, e, false).map_err(|msg| interp.error(msg))?);
            } else {
                out = captures(&m, start, e, true).map_err(|msg| interp.error(msg))?;
            }
            return Ok(out);
        }
        start += 1;
        if anchor || start > s.len() {
            return Ok(vec![Value::Nil]);
        }
    }
}

fn str_find(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    find_aux(interp, args, true)
}

fn str_match(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    find_aux(interp, args, false)
}

/// `gmatch` returns an iterator; its state (subject, pattern, position) lives in a table.
fn gmatch_step(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let state = check_table(interp, &args, 0, "gmatch")?;
    let (s, p, mut pos) = {
        let st = state.borrow();
        let s = st.get(&Value::Num(1.0)).to_bytes().unwrap_or_else(|| Rc::from(&b""[..]));
        let p = st.get(&Value::Num(2.0)).to_bytes().unwrap_or_else(|| Rc::from(&b""[..]));
        let pos = st.get(&Value::Num(3.0)).to_number().unwrap_or(0.0) as usize;
        (s, p, pos)
    };
    let mut m = Matcher::new(&s, &p);
    while pos <= s.len() {
        m.reset();
        if let Some(e) = m.do_match(pos, 0).map_err(|msg| interp.error(msg))? {
            let next = if e == pos { e + 1 } else { e };
            let _ = state.borrow_mut().set(Value::Num(3.0), Value::Num(next as f64));
            return captures(&m, pos, e, true).map_err(|msg| interp.error(msg));
        }
        pos += 1;
    }
    let _ = state.borrow_mut().set(Value::Num(3.0), Value::Num((s.len() + 1) as f64));
    Ok(vec![Value::Nil])
}

fn str_gmatch(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "gmatch")?;
    let p = check_str(interp, &args, 1, "gmatch")?;
    let state = Value::new_table();
    if let Value::Table(t) = &state {
        let mut t = t.borrow_mut();
        let _ = t.set(Value::Num(1.0), Value::Str(s));
        let _ = t.set(Value::Num(2.0), Value::Str(p));
        let _ = t.set(Value::Num(3.0), Value::Num(0.0));
    }
    Ok(vec![Value::Func(Func::Native("gmatch_step", gmatch_step)), state])
}

fn str_gsub(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = check_str(interp, &args, 0, "gsub")?;
    let p = check_str(interp, &args, 1, "gsub")?;
    let repl = arg(&args, 2);
    if !matches!(repl, Value::Num(_) | Value::Str(_) | Value::Table(_) | Value::Func(_)) {
        return Err(bad_arg(interp, 2, "gsub", "string/function/table expected"));
    }
    let max = match args.get(3) {
        Some(v) if !v.is_nil() => check_int(interp, &args, 3, "gsub")?,
        _ => i64::MAX,
    };
    let (anchor, pat) = if p.first() == Some(&b'^') { (true, &p[1..]) } else { (false, &p[..]) };
    let mut m = Matcher::new(&s, pat);
    let mut out = Vec::new();
    let mut pos = 0;
    let mut n = 0i64;
    while n < max {
        interp.step()?;
        m.reset();
        let found = m.do_match(pos, 0).map_err(|msg| interp.error(msg))?;
        if let Some(e) = found {
            n += 1;
            let whole = Value::str(&s[pos..e]);
            let value = match &repl {
                Value::Str(_) | Value::Num(_) => {
                    let r = repl.to_bytes().unwrap_or_default();
                    let mut i = 0;
                    while i < r.len() {
                        if r[i] == b'%' && i + 1 < r.len() {
                            i += 1;
                            let d = r[i];
                            if d.is_ascii_digit() {
                                let v = if d == b'0' {
                                    whole.clone()
                                } else {
                                    capture_value(&m, (d - b'1') as usize, pos, e).map_err(|msg| interp.error(msg))?
                                };
                                out.extend_from_slice(&v.to_bytes().unwrap_or_else(|| Rc::from(&b""[..])));
                            } else {
                                out.push(d);
                            }
                        } else {
                            out.push(r[i]);
                        }
                        i += 1;
                    }
                    None
                }
                Value::Table(t) => {
                    let key = capture_value(&m, 0, pos, e).map_err(|msg| interp.error(msg))?;
                    Some(t.borrow().get(&key))
                }
                f => {
                    let caps = captures(&m, pos, e, true).map_err(|msg| interp.error(msg))?;
                    Some(interp.call(f, caps)?.into_iter().next().unwrap_or_default())
                }
            };
            if let Some(v) = value {
                match &v {
                    Value::Nil | Value::Bool(false) => out.extend_from_slice(&s[pos..e]),
                    Value::Str(_) | Value::Num(_) => out.extend_from_slice(&v.to_bytes().unwrap_or_default()),
                    other => return Err(interp.error(format!("invalid replacement value (a {})", other.type_name()))),
                }
            }
            interp.check_len(out.len())?;
            if e > pos {
                pos = e;
            } else if pos < s.len() {
                out.push(s[pos]);
                pos += 1;
            } else {
                break;
            }
        } else if pos < s.len() {
            out.push(s[pos]);
            pos += 1;
        } else {
            break;
        }
        if anchor {
            break;
        }
    }
    out.extend_from_slice(&s[pos.min(s.len())..]);
    interp.check_size(out.len())?;
    Ok(vec![Value::str(out), Value::Num(n as f64)])
}

// Table library.

fn table_insert(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "insert")?;
    let n = t.borrow().len();
    let (pos, v) = match args.len() {
        2 => (n + 1, arg(&args, 1)),
        3 => {
            let pos = check_int(interp, &args, 1, "insert")?;
            (pos.max(0) as usize, arg(&args, 2))
        }
        _ => return Err(interp.error("wrong number of arguments to 'insert'")),
    };
    let tv = Value::Table(t.clone());
    let mut i = n;
    while i >= pos && i > 0 {
        let moved = t.borrow().get(&Value::Num(i as f64));
        interp.set_index(&tv, Value::Num((i + 1) as f64), moved, None)?;
        i -= 1;
    }
    interp.set_index(&tv, Value::Num(pos as f64), v, None)?;
    Ok(Vec::new())
}

fn table_remove(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "remove")?;
    let n = t.borrow().len();
    let pos = opt_int(interp, &args, 1, "remove", n as i64)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let tv = Value::Table(t.clone());
    let removed = t.borrow().get(&Value::Num(pos as f64));
    let mut i = pos.max(1) as usize;
    while i < n {
        let next = t.borrow().get(&Value::Num((i + 1) as f64));
        interp.set_index(&tv, Value::Num(i as f64), next, None)?;
        i += 1;
    }
    interp.set_index(&tv, Value::Num(n as f64), Value::Nil, None)?;
    Ok(vec![removed])
}

fn table_concat(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "concat")?;
    let sep = match args.get(1) {
        Some(v) if !v.is_nil() => check_str(interp, &args, 1, "concat")?,
        _ => Rc::from(&b""[..]),
    };
    let first = opt_int(interp, &args, 2, "concat", 1)?;
    let last = match args.get(3) {
        Some(v) if !v.is_nil() => check_int(interp, &args, 3, "concat")?,
        _ => t.borrow().len() as i64,
    };
    let mut out = Vec::new();
    let mut i = first;
    while i <= last {
        let v = t.borrow().get(&Value::Num(i as f64));
        match v.to_bytes() {
            Some(s) => out.extend_from_slice(&s),
            None => {
                return Err(
                    interp.error(format!("invalid value ({}) at index {i} in table for 'concat'", v.type_name()))
                )
            }
        }
        if i < last {
            out.extend_from_slice(&sep);
        }
        interp.check_len(out.len())?;
        i += 1;
    }
    interp.check_size(out.len())?;
    Ok(vec![Value::str(out)])
}

fn table_getn(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "getn")?;
    let n = t.borrow().len();
    Ok(vec![Value::Num(n as f64)])
}

fn table_maxn(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "maxn")?;
    let mut max = 0.0f64;
    let mut k = Value::Nil;
    while let Some(Some((key, _))) = t.borrow().next(&k) {
        if let Value::Num(n) = key {
            max = max.max(n);
        }
        k = key;
    }
    Ok(vec![Value::Num(max)])
}

fn table_sort(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "sort")?;
    let cmp = arg(&args, 1);
    let n = t.borrow().len();
    let mut items: Vec<Value> = (1..=n).map(|i| t.borrow().get(&Value::Num(i as f64))).collect();
    // A merge sort that asks the script's comparator (or `<`) and stops at its first error.
    let mut error = None;
    let mut less = |interp: &mut Interp<'_>, a: &Value, b: &Value| -> bool {
        if error.is_some() {
            return false;
        }
        let r = if cmp.is_nil() {
            interp.less(a, b, false)
        } else {
            interp.call(&cmp, vec![a.clone(), b.clone()]).map(|v| v.first().is_some_and(Value::truthy))
        };
        r.unwrap_or_else(|e| {
            error = Some(e);
            false
        })
    };
    let mut width = 1;
    while width < items.len() {
        let mut merged = Vec::with_capacity(items.len());
        for chunk in items.chunks(width * 2) {
            let (a, b) = chunk.split_at(width.min(chunk.len()));
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                if less(interp, &b[j], &a[i]) {
                    merged.push(b[j].clone());
                    j += 1;
                } else {
                    merged.push(a[i].clone());
                    i += 1;
                }
            }
            merged.extend_from_slice(&a[i..]);
            merged.extend_from_slice(&b[j..]);
        }
        items = merged;
        width *= 2;
    }
    if let Some(e) = error {
        return Err(e);
    }
    let tv = Value::Table(t);
    for (i, v) in items.into_iter().enumerate() {
        interp.set_index(&tv, Value::Num((i + 1) as f64), v, None)?;
    }
    Ok(Vec::new())
}

fn table_unpack(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let t = check_table(interp, &args, 0, "unpack")?;
    let first = opt_int(interp, &args, 1, "unpack", 1)?;
    let last = match args.get(2) {
        Some(v) if !v.is_nil() => check_int(interp, &args, 2, "unpack")?,
        _ => t.borrow().len() as i64,
    };
    if last >= first && last.saturating_sub(first) >= 8000 {
        return Err(interp.error("too many results to unpack"));
    }
    Ok((first..=last).map(|i| t.borrow().get(&Value::Num(i as f64))).collect())
}

// Math library.

fn math1(interp: &mut Interp<'_>, args: Vec<Value>, name: &str, f: fn(f64) -> f64) -> Out {
    Ok(vec![Value::Num(f(check_num(interp, &args, 0, name)?))])
}

fn math_log(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    Ok(vec![Value::Num(check_num(interp, &args, 0, "log")?.ln())])
}

fn math_pow(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let x = check_num(interp, &args, 0, "pow")?;
    let y = check_num(interp, &args, 1, "pow")?;
    Ok(vec![Value::Num(x.powf(y))])
}

fn math_fmod(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let x = check_num(interp, &args, 0, "fmod")?;
    let y = check_num(interp, &args, 1, "fmod")?;
    Ok(vec![Value::Num(x % y)])
}

fn math_modf(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let x = check_num(interp, &args, 0, "modf")?;
    Ok(vec![Value::Num(x.trunc()), Value::Num(x.fract())])
}

fn math_max(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let mut m = check_num(interp, &args, 0, "max")?;
    for i in 1..args.len() {
        let v = check_num(interp, &args, i, "max")?;
        if v > m {
            m = v;
        }
    }
    Ok(vec![Value::Num(m)])
}

fn math_min(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let mut m = check_num(interp, &args, 0, "min")?;
    for i in 1..args.len() {
        let v = check_num(interp, &args, i, "min")?;
        if v < m {
            m = v;
        }
    }
    Ok(vec![Value::Num(m)])
}

/// Redis replaces Lua's `math.random` with its own `rand48`, seeded the same way before each
/// script, so a script draws the same numbers on every node.
fn math_random(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    const MAX: f64 = i32::MAX as f64;
    let r = (interp.rand48() % i32::MAX as u64) as f64 / MAX;
    Ok(vec![Value::Num(match args.len() {
        0 => r,
        1 => {
            let m = check_int(interp, &args, 0, "random")?;
            if m < 1 {
                return Err(bad_arg(interp, 0, "random", "interval is empty"));
            }
            (r * m as f64).floor() + 1.0
        }
        2 => {
            let l = check_int(interp, &args, 0, "random")?;
            let u = check_int(interp, &args, 1, "random")?;
            if l > u {
                return Err(bad_arg(interp, 1, "random", "interval is empty"));
            }
            (r * (u as f64 - l as f64 + 1.0)).floor() + l as f64
        }
        _ => return Err(interp.error("wrong number of arguments")),
    })])
}

fn math_randomseed(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let seed = check_int(interp, &args, 0, "randomseed")?;
    interp.srand48(seed as i32);
    Ok(Vec::new())
}

// cjson.

fn cjson_encode(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if args.len() != 1 {
        return Err(interp.error("bad argument #1 to 'encode' (expected 1 argument)"));
    }
    let mut out = Vec::new();
    crate::cjson::encode(interp, &args[0], &mut out, 0)?;
    interp.check_size(out.len())?;
    Ok(vec![Value::str(out)])
}

fn cjson_decode(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if args.len() != 1 {
        return Err(interp.error("bad argument #1 to 'decode' (expected 1 argument)"));
    }
    let text = check_str(interp, &args, 0, "decode")?;
    Ok(vec![crate::cjson::decode(interp, &text)?])
}

// The redis table.

/// Redis's `luaPushErrorBuff`: `-CODE message` keeps its code, anything else gets `ERR`.
pub fn error_table(text: &[u8]) -> Value {
    let text: Vec<u8> = text.iter().copied().filter(|&c| c != b'\r' && c != b'\n').collect();
    let full = match text.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&c| c == b' ') {
            Some(sp) => [&rest[..sp], b" ", &rest[sp + 1..]].concat(),
            None => [b"ERR ", rest].concat(),
        },
        None => [b"ERR ", &text[..]].concat(),
    };
    let t = Value::new_table();
    if let Value::Table(tr) = &t {
        let _ = tr.borrow_mut().set(Value::str("err"), Value::str(full));
    }
    t
}

/// Redis's `luaArgsToRedisArgv`: at least one argument, each a string or a number.
fn lua_args_to_argv(args: &[Value]) -> Result<Vec<Vec<u8>>, &'static str> {
    if args.is_empty() {
        return Err("Please specify at least one argument for this redis lib call");
    }
    let mut argv = Vec::with_capacity(args.len());
    for a in args {
        match a {
            Value::Str(s) => argv.push(s.to_vec()),
            Value::Num(n) => argv.push(crate::number_arg(*n).into_bytes()),
            _ => return Err("Lua redis lib command arguments must be strings or integers"),
        }
    }
    Ok(argv)
}

/// An error table raised as a Lua error (`luaError`), or returned (`redis.pcall`).
fn fail_with(interp: &Interp<'_>, text: &[u8], raise: bool) -> Out {
    let t = error_table(text);
    if raise {
        Err(LuaError { value: t, line: interp.line, fatal: false })
    } else {
        Ok(vec![t])
    }
}

fn redis_command(interp: &mut Interp<'_>, args: Vec<Value>, raise: bool) -> Out {
    let argv = match lua_args_to_argv(&args) {
        Ok(argv) => argv,
        Err(msg) => {
            if crate::ldb::stepping(interp) {
                crate::ldb::log(interp, [b"<error> ", msg.as_bytes()].concat());
            }
            return fail_with(interp, msg.as_bytes(), raise);
        }
    };
    let stepping = crate::ldb::stepping(interp);
    if stepping {
        // The command as the debugger shows it: ten arguments at most.
        let mut entry = b"<redis>".to_vec();
        for (j, a) in argv.iter().enumerate() {
            if j == 10 {
                entry.extend_from_slice(format!(" ... ({} more)", argv.len() - j - 1).as_bytes());
                break;
            }
            entry.push(b' ');
            entry.extend_from_slice(a);
        }
        crate::ldb::log(interp, entry);
    }
    let resp3 = interp.resp == 3;
    match interp.host.call(argv, resp3) {
        Ok(Resp::Error(e)) => {
            if stepping {
                // Converting an error reply goes through `luaPushErrorBuff`, which logs it too.
                crate::ldb::log(interp, [b"<error> -", &e[..]].concat());
                crate::ldb::log_reply(interp, &Resp::Error(e.clone()));
            }
            let mut text = b"-".to_vec();
            text.extend_from_slice(&e);
            fail_with(interp, &text, raise)
        }
        Ok(other) => {
            if stepping {
                crate::ldb::log_reply(interp, &other);
            }
            Ok(vec![crate::resp_to_lua_in(other, resp3)])
        }
        Err(refused) => {
            // Refused before it ran (unknown, arity, not allowed...): logged as `luaPushError`.
            if stepping {
                let shown = match refused.strip_prefix(b"ERR ") {
                    Some(rest) => rest.to_vec(),
                    None => [b"-", &refused[..], b"\r\n"].concat(),
                };
                crate::ldb::log(interp, [b"<error> ", &shown[..]].concat());
            }
            let mut text = b"-".to_vec();
            text.extend_from_slice(&refused);
            fail_with(interp, &text, raise)
        }
    }
}

/// `redis.acl_check_cmd(cmd, ...)`: whether the script's user may run that command line.
fn redis_acl_check_cmd(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let argv = match lua_args_to_argv(&args) {
        Ok(argv) => argv,
        Err(msg) => return fail_with(interp, msg.as_bytes(), true),
    };
    match interp.host.acl_check(argv) {
        Some(allowed) => Ok(vec![Value::Bool(allowed)]),
        None => fail_with(interp, b"Invalid command passed to redis.acl_check_cmd()", true),
    }
}

pub(crate) fn redis_call(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    redis_command(interp, args, true)
}

pub(crate) fn redis_pcall(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    redis_command(interp, args, false)
}

fn redis_error_reply(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = match args.first() {
        Some(Value::Str(s)) if args.len() == 1 => s.clone(),
        _ => return Err(interp.raise(error_table(b"wrong number or type of arguments"), 0)),
    };
    let text = if s.first() == Some(&b'-') { s.to_vec() } else { [b"-", &s[..]].concat() };
    Ok(vec![error_table(&text)])
}

fn redis_status_reply(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let s = match args.first() {
        Some(Value::Str(s)) if args.len() == 1 => s.clone(),
        _ => return Err(interp.raise(error_table(b"wrong number or type of arguments"), 0)),
    };
    let t = Value::new_table();
    if let Value::Table(tr) = &t {
        let _ = tr.borrow_mut().set(Value::str("ok"), Value::Str(s));
    }
    Ok(vec![t])
}

fn redis_sha1hex(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if args.len() != 1 {
        return Err(interp.error("wrong number of arguments"));
    }
    let s = args[0].to_bytes().unwrap_or_else(|| Rc::from(&b""[..]));
    Ok(vec![Value::str(crate::sha1::hex(&s))])
}

pub(crate) fn redis_log(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if args.len() < 2 {
        return Err(interp.error("redis.log() requires two arguments or more."));
    }
    if !matches!(args[0], Value::Num(_)) {
        return Err(interp.error("First argument must be a number (log level)."));
    }
    Ok(Vec::new())
}

pub(crate) fn redis_setresp(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if args.len() != 1 {
        return Err(interp.error("redis.setresp() requires one argument."));
    }
    match args[0].to_number() {
        Some(n) if n == 2.0 || n == 3.0 => {
            interp.resp = n as u8;
            Ok(Vec::new())
        }
        _ => Err(interp.error("RESP version must be 2 or 3.")),
    }
}

pub(crate) fn redis_set_repl(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    if args.len() != 1 {
        return Err(interp.error("redis.set_repl() requires one argument."));
    }
    match args[0].to_number() {
        Some(n) if (0.0..=3.0).contains(&n) => Ok(Vec::new()),
        _ => Err(interp.error("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")),
    }
}

pub(crate) fn redis_replicate_commands(_: &mut Interp<'_>, _: Vec<Value>) -> Out {
    Ok(vec![Value::Bool(true)])
}

/// `redis.breakpoint()`: under the debugger, stop at the next line.
pub(crate) fn redis_breakpoint(interp: &mut Interp<'_>, _: Vec<Value>) -> Out {
    match interp.ldb.as_mut() {
        Some(ldb) => {
            ldb.luabp = true;
            Ok(vec![Value::Bool(true)])
        }
        None => Ok(vec![Value::Bool(false)]),
    }
}

/// `redis.debug(...)`: under the debugger, its arguments go to the console.
pub(crate) fn redis_debug(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let Some(ldb) = interp.ldb.as_ref() else { return Ok(Vec::new()) };
    let mut entry = format!("<debug> line {}: ", ldb.currentline).into_bytes();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            entry.extend_from_slice(b", ");
        }
        crate::ldb::cat_value(&mut entry, a, 0);
    }
    crate::ldb::log(interp, entry);
    Ok(Vec::new())
}

pub(crate) fn lib_error(interp: &Interp<'_>, msg: &str) -> LuaError {
    LuaError { value: error_table(msg.as_bytes()), line: interp.line, fatal: false }
}
