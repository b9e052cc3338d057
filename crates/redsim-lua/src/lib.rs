//! The Lua that Redis scripts run in, as a small pure-Rust interpreter.
//!
//! Redis embeds Lua 5.1. The pure-Rust Lua implementations on crates.io follow 5.3/5.4 (integer
//! subtypes, different `tostring` and division), pull in a garbage-collector arena and several
//! hundred kilobytes of wasm, and their errors are not worded as 5.1's; a script's replies and
//! error texts are part of what Redsim must reproduce byte for byte. So this crate implements the
//! part of Lua 5.1 that Redis scripts use: the whole grammar, closures, tables, the base, string
//! (with patterns), table and math libraries, `cjson`, and the `redis` table, with lparser.c's and
//! ldebug.c's messages. Running is bounded: a step budget stands in for Redis's `SCRIPT KILL`, and
//! strings, nesting and recursion have limits, so no script can hang or crash the page.
//!
//! The engine supplies the world through [`Host`]: `redis.call` hands it a command line and gets
//! a reply back.

#![forbid(unsafe_code)]
// A panic in wasm kills the page: the engine holds no invariant by `expect` (tests may).
#![deny(clippy::expect_used, clippy::unwrap_used)]

mod ast;
mod bit;
mod chunks;
mod cjson;
pub mod cjson_config;
mod interp;
pub mod ldb;
mod lex;
mod library;
mod msgpack;
mod parse;
mod pattern;
pub mod sha1;
mod stdlib;
mod value;

use std::rc::Rc;

pub use ast::Proto;
pub use interp::{Interp, LuaError};
pub use value::Value;

/// The longest string a script may build (Redis's own limit is 512 MB; a page has less).
pub const MAX_STRING: usize = 64 << 20;

/// What one script run may allocate in all (strings built, table slots added).
pub const MAX_ALLOCATED: usize = 256 << 20;

/// How much work one script may do before it is stopped (Redis would be `BUSY` by then).
pub const STEP_LIMIT: u64 = 20_000_000;

/// A reply from the engine, in the shapes Lua converts (RESP2, plus RESP3's after `setresp(3)`).
#[derive(Clone, Debug, PartialEq)]
pub enum Resp {
    Status(Vec<u8>),
    /// The whole error text, code included, without the leading `-`.
    Error(Vec<u8>),
    Int(i64),
    Bulk(Vec<u8>),
    /// RESP2's null bulk string and null array; RESP3's null.
    Nil,
    Array(Vec<Resp>),
    Map(Vec<(Resp, Resp)>),
    Set(Vec<Resp>),
    Double(f64),
    Bool(bool),
}

/// What a script can reach outside itself.
pub trait Host {
    /// Runs a command for `redis.call`/`redis.pcall`, answering in RESP `resp` (2 or 3).
    /// The command's reply (an error reply too), or `Err` with the error text when the command
    /// was refused before it ran (unknown, wrong arity, not allowed from a script, ...).
    /// `resp3`: the script chose RESP3 (`redis.setresp(3)`), so maps, sets, doubles, booleans and
    /// nulls keep their RESP3 shapes.
    fn call(&mut self, argv: Vec<Vec<u8>>, resp3: bool) -> Result<Resp, Vec<u8>>;
    /// `redis.REDIS_VERSION` and `redis.REDIS_VERSION_NUM`.
    fn version(&self) -> (String, u32);
    /// The state of `math.random`'s rand48, which Redis keeps from one script to the next.
    fn rand48_state(&mut self) -> &mut u64;
    /// lua-cjson's settings, which also live on from one script to the next.
    fn cjson(&mut self) -> &mut cjson_config::CjsonConfig;
    /// `redis.acl_check_cmd`: whether the script's user may run the command line (its keys and
    /// channels included); `None` when there is no such command.
    fn acl_check(&mut self, argv: Vec<Vec<u8>>) -> Option<bool>;
    /// Called every [`INTERRUPT_EVERY`] steps of a running script (Redis's count hook): the host
    /// may serve other clients meanwhile. `true` kills the script, and nothing in it can catch
    /// that.
    fn interrupt(&mut self) -> bool {
        false
    }
    /// How many steps a script may take before it is stopped as if killed: a host that can
    /// interrupt scripts (and so let a user kill one) needs no limit.
    fn step_limit(&self) -> u64 {
        STEP_LIMIT
    }
    /// The debugging client's next bytes (`SCRIPT DEBUG`): [`LdbRead::Gone`] when there is no
    /// client, [`LdbRead::Wait`] when nothing more has come (the run is given up, to be run
    /// again once more has come).
    fn ldb_read(&mut self) -> LdbRead {
        LdbRead::Gone
    }
    /// Log lines for the debugging client, sent as one array of simple strings (see
    /// [`ldb::encode_logs`]).
    fn ldb_write(&mut self, _logs: Vec<Vec<u8>>) {}
}

/// What [`Host::ldb_read`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LdbRead {
    Data(Vec<u8>),
    /// The client went away: the script runs on without stopping.
    Gone,
    /// Nothing yet: the run stops here, and nothing in the script can catch that.
    Wait,
}

/// How many steps a script runs between two calls of [`Host::interrupt`].
pub const INTERRUPT_EVERY: u64 = 100_000;

/// rand48's state when Redis starts (its `rand.c` defaults; Redis never seeds it for scripts).
pub const RAND48_START: u64 = 0x1234_ABCD_330E;

/// Why a script failed: the error text Redis puts before ` script: <sha>, on @user_script:N.`,
/// and that line (if the error came from running code).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: Vec<u8>,
    pub line: Option<u32>,
}

/// Compiles a chunk; the error is Lua's message (`user_script:1: ... near '...'`).
pub fn compile(src: &[u8], chunk: &str) -> Result<Rc<Proto>, String> {
    parse::parse_chunk(src, chunk).map_err(|e| e.0)
}

fn strings_table(items: &[Vec<u8>]) -> Value {
    let t = Value::new_table();
    if let Value::Table(tr) = &t {
        let mut tr = tr.borrow_mut();
        for (i, s) in items.iter().enumerate() {
            let _ = tr.set(Value::Num((i + 1) as f64), Value::str(s));
        }
    }
    t
}

fn failure(e: LuaError) -> Failure {
    let message = match &e.value {
        Value::Table(t) => match t.borrow().get_str("err") {
            Value::Str(s) => s.to_vec(),
            _ => [b"ERR ", &stdlib::tostring(&e.value)[..]].concat(),
        },
        other => [b"ERR ", &stdlib::tostring(other)[..]].concat(),
    };
    Failure { message, line: Some(e.line) }
}

/// Runs an `EVAL` script: `KEYS` and `ARGV` as globals, the first value returned as the reply.
pub fn eval(host: &mut dyn Host, proto: Rc<Proto>, keys: &[Vec<u8>], argv: &[Vec<u8>]) -> Result<Resp, Failure> {
    let limit = host.step_limit();
    eval_with_limit(host, proto, keys, argv, limit)
}

/// [`eval`] with a step budget of the caller's choosing.
pub fn eval_with_limit(
    host: &mut dyn Host,
    proto: Rc<Proto>,
    keys: &[Vec<u8>],
    argv: &[Vec<u8>],
    step_limit: u64,
) -> Result<Resp, Failure> {
    let mut interp = Interp::new(host, "user_script", step_limit);
    {
        let mut g = interp.globals.borrow_mut();
        let _ = g.set(Value::str("KEYS"), strings_table(keys));
        let _ = g.set(Value::str("ARGV"), strings_table(argv));
    }
    let result = interp.run_main(proto, Vec::new()).map_err(failure)?;
    Ok(lua_to_resp(&result.into_iter().next().unwrap_or_default(), interp.resp, 0))
}

/// [`eval`] under the Lua debugger: the session stops at the first line and then where the
/// client says. Besides the result, the log lines not sent yet (they go out with
/// `<endsession>`).
pub fn eval_debug(
    host: &mut dyn Host,
    proto: Rc<Proto>,
    keys: &[Vec<u8>],
    argv: &[Vec<u8>],
    source: &[u8],
) -> (Result<Resp, Failure>, Vec<Vec<u8>>) {
    let mut interp = Interp::new(host, "user_script", u64::MAX);
    interp.ldb = Some(Box::new(ldb::Ldb::new(source)));
    {
        let mut g = interp.globals.borrow_mut();
        let _ = g.set(Value::str("KEYS"), strings_table(keys));
        let _ = g.set(Value::str("ARGV"), strings_table(argv));
    }
    let result = interp.run_main(proto, Vec::new()).map_err(failure);
    let result = result.map(|r| lua_to_resp(&r.into_iter().next().unwrap_or_default(), interp.resp, 0));
    let logs = interp.ldb.as_mut().map(|l| l.take_logs()).unwrap_or_default();
    (result, logs)
}

/// A function a library registers with `redis.register_function`.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    pub name: Vec<u8>,
    pub flags: Vec<Vec<u8>>,
    pub description: Option<Vec<u8>>,
}

/// Runs a library's code to learn the functions it registers (`FUNCTION LOAD`).
pub fn load_library(host: &mut dyn Host, proto: Rc<Proto>) -> Result<Vec<Registered>, Failure> {
    let mut interp = Interp::new(host, "user_function", STEP_LIMIT);
    library::library_mode(&mut interp);
    interp.run_main(proto, Vec::new()).map_err(failure)?;
    Ok(interp
        .registered
        .iter()
        .map(|r| Registered { name: r.name.clone(), flags: r.flags.clone(), description: r.description.clone() })
        .collect())
}

/// Calls a library's function (`FCALL`): the library runs again to register it, then the
/// function gets `keys` and `args` as its two parameters.
pub fn fcall(
    host: &mut dyn Host,
    proto: Rc<Proto>,
    name: &[u8],
    keys: &[Vec<u8>],
    argv: &[Vec<u8>],
) -> Result<Resp, Failure> {
    let limit = host.step_limit();
    let mut interp = Interp::new(host, "user_function", limit);
    let globals = library::library_mode(&mut interp);
    interp.run_main(proto, Vec::new()).map_err(failure)?;
    library::running_mode(&mut interp, globals);
    let Some(f) = library::registered(&interp, name) else {
        return Err(Failure { message: b"ERR Function not found".to_vec(), line: None });
    };
    let result = interp.call(&f, vec![strings_table(keys), strings_table(argv)]).map_err(failure)?;
    Ok(lua_to_resp(&result.into_iter().next().unwrap_or_default(), interp.resp, 0))
}

/// A number as `redis.call` passes it to a command: `%.17g` (so 0.1 is `0.10000000000000001`).
pub fn number_arg(n: f64) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "inf" } else { "-inf" }.into();
    }
    format_g(n, 17)
}

/// A command's reply as the script sees it (Redis's `redisProtocolToLuaType`).
pub fn resp_to_lua(r: Resp) -> Value {
    resp_to_lua_in(r, false)
}

/// [`resp_to_lua`] for a script speaking RESP3 (`resp3`), where a null is `nil`, not `false`.
pub fn resp_to_lua_in(r: Resp, resp3: bool) -> Value {
    let resp_to_lua = |r| resp_to_lua_in(r, resp3);
    match r {
        Resp::Int(n) => Value::Num(n as f64),
        Resp::Bulk(b) => Value::str(b),
        Resp::Nil if resp3 => Value::Nil,
        Resp::Nil => Value::Bool(false),
        Resp::Status(s) => field_table("ok", Value::str(s)),
        Resp::Error(e) => stdlib::error_table(&[b"-", &e[..]].concat()),
        Resp::Array(items) => {
            let t = Value::new_table();
            if let Value::Table(tr) = &t {
                let mut tr = tr.borrow_mut();
                for (i, item) in items.into_iter().enumerate() {
                    let _ = tr.set(Value::Num((i + 1) as f64), resp_to_lua(item));
                }
            }
            t
        }
        Resp::Map(pairs) => {
            let inner = Value::new_table();
            if let Value::Table(tr) = &inner {
                let mut tr = tr.borrow_mut();
                for (k, v) in pairs {
                    let _ = tr.set(resp_to_lua(k), resp_to_lua(v));
                }
            }
            field_table("map", inner)
        }
        Resp::Set(items) => {
            let inner = Value::new_table();
            if let Value::Table(tr) = &inner {
                let mut tr = tr.borrow_mut();
                for item in items {
                    let _ = tr.set(resp_to_lua(item), Value::Bool(true));
                }
            }
            field_table("set", inner)
        }
        Resp::Double(d) => field_table("double", Value::Num(d)),
        Resp::Bool(b) => Value::Bool(b),
    }
}

fn field_table(name: &str, v: Value) -> Value {
    let t = Value::new_table();
    if let Value::Table(tr) = &t {
        let _ = tr.borrow_mut().set(Value::str(name), v);
    }
    t
}

/// A script's return value as a reply (Redis's `luaReplyToRedisReply`).
pub fn lua_to_resp(v: &Value, resp: u8, depth: usize) -> Resp {
    if depth > 1000 {
        return Resp::Error(b"ERR reached lua stack limit".to_vec());
    }
    match v {
        Value::Str(s) => Resp::Bulk(s.to_vec()),
        Value::Bool(b) if resp == 3 => Resp::Bool(*b),
        Value::Bool(true) => Resp::Int(1),
        Value::Bool(false) | Value::Nil => Resp::Nil,
        Value::Num(n) => Resp::Int(if n.is_nan() { i64::MIN } else { *n as i64 }),
        Value::Func(_) | Value::Null => Resp::Nil,
        Value::Table(t) => {
            let t = t.borrow();
            if let Value::Str(e) = t.get_str("err") {
                return Resp::Error(e.to_vec());
            }
            if let Value::Str(s) = t.get_str("ok") {
                return Resp::Status(s.to_vec());
            }
            if resp == 3 {
                if let Value::Num(d) = t.get_str("double") {
                    return Resp::Double(d);
                }
                if let Value::Table(m) = t.get_str("map") {
                    let m = m.borrow();
                    let mut pairs = Vec::new();
                    let mut k = Value::Nil;
                    while let Some(Some((key, val))) = m.next(&k) {
                        pairs.push((lua_to_resp(&key, resp, depth + 1), lua_to_resp(&val, resp, depth + 1)));
                        k = key;
                    }
                    return Resp::Map(pairs);
                }
                if let Value::Table(s) = t.get_str("set") {
                    let s = s.borrow();
                    let mut items = Vec::new();
                    let mut k = Value::Nil;
                    while let Some(Some((key, _))) = s.next(&k) {
                        items.push(lua_to_resp(&key, resp, depth + 1));
                        k = key;
                    }
                    return Resp::Set(items);
                }
            }
            let mut items = Vec::new();
            let mut i = 1;
            loop {
                let item = t.get(&Value::Num(i as f64));
                if item.is_nil() {
                    break;
                }
                items.push(lua_to_resp(&item, resp, depth + 1));
                i += 1;
            }
            Resp::Array(items)
        }
    }
}

/// C's `%.<precision>g`: the shorter of fixed and exponent notation, trailing zeros removed.
pub fn format_g(d: f64, precision: usize) -> String {
    use std::fmt::Write as _;
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let precision = precision.max(1);
    let sci = format!("{:.*e}", precision - 1, d);
    // Rust's `{:e}` always has an exponent.
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let mantissa = trim_fraction(mantissa);
        let mut s = String::new();
        let _ = write!(s, "{}e{}{:02}", mantissa, if exp < 0 { '-' } else { '+' }, exp.abs());
        s
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim_fraction(&format!("{:.*}", decimals, d)).to_string()
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host whose commands echo their arguments, with a few that fail.
    struct Echo(u64, cjson_config::CjsonConfig);

    impl Host for Echo {
        fn call(&mut self, argv: Vec<Vec<u8>>, _resp3: bool) -> Result<Resp, Vec<u8>> {
            Ok(match &argv[0][..] {
                b"fail" => Resp::Error(b"ERR it failed".to_vec()),
                b"status" => Resp::Status(b"OK".to_vec()),
                b"nil" => Resp::Nil,
                b"int" => Resp::Int(42),
                _ => Resp::Array(argv.into_iter().map(Resp::Bulk).collect()),
            })
        }
        fn version(&self) -> (String, u32) {
            ("7.0.15".into(), 0x07000f)
        }
        fn rand48_state(&mut self) -> &mut u64 {
            &mut self.0
        }
        fn cjson(&mut self) -> &mut cjson_config::CjsonConfig {
            &mut self.1
        }
        fn acl_check(&mut self, argv: Vec<Vec<u8>>) -> Option<bool> {
            (argv[0] != b"nosuch").then_some(argv[0] != b"denied")
        }
    }

    fn run(src: &str) -> Result<Resp, Failure> {
        let proto =
            compile(src.as_bytes(), "user_script").map_err(|e| Failure { message: e.into_bytes(), line: None })?;
        eval(&mut Echo(RAND48_START, Default::default()), proto, &[b"k1".to_vec()], &[b"a1".to_vec(), b"7".to_vec()])
    }

    fn ok(src: &str) -> Resp {
        run(src).unwrap_or_else(|f| panic!("{src}: {}", String::from_utf8_lossy(&f.message)))
    }

    fn err(src: &str) -> String {
        match run(src) {
            Ok(r) => panic!("{src}: expected an error, got {r:?}"),
            Err(f) => String::from_utf8_lossy(&f.message).into_owned(),
        }
    }

    fn bulk(s: &str) -> Resp {
        Resp::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn values_convert_as_redis_does() {
        assert_eq!(ok("return 1"), Resp::Int(1));
        assert_eq!(ok("return 3.99"), Resp::Int(3));
        assert_eq!(ok("return -3.99"), Resp::Int(-3));
        assert_eq!(ok("return 'x'"), bulk("x"));
        assert_eq!(ok("return true"), Resp::Int(1));
        assert_eq!(ok("return false"), Resp::Nil);
        assert_eq!(ok("return nil"), Resp::Nil);
        assert_eq!(
            ok("return {1,2,{3,'x'},nil,5}"),
            Resp::Array(vec![Resp::Int(1), Resp::Int(2), Resp::Array(vec![Resp::Int(3), bulk("x")])])
        );
        assert_eq!(ok("return {ok='fine'}"), Resp::Status(b"fine".to_vec()));
        assert_eq!(ok("return redis.error_reply('no')"), Resp::Error(b"ERR no".to_vec()));
        assert_eq!(ok("return redis.error_reply('MY bad')"), Resp::Error(b"MY bad".to_vec()));
        assert_eq!(ok("return KEYS[1]..ARGV[1]..ARGV[2]+1"), bulk("k1a18"));
    }

    #[test]
    fn the_language() {
        assert_eq!(ok("local t = {} for i = 1, 10 do t[#t+1] = i * i end return #t"), Resp::Int(10));
        assert_eq!(ok("local s = 0 for i = 10, 1, -2 do s = s + i end return s"), Resp::Int(30));
        assert_eq!(
            ok("local function f(n) if n < 2 then return n end return f(n-1) + f(n-2) end return f(15)"),
            Resp::Int(610)
        );
        assert_eq!(
            ok("local fs = {} for i = 1, 3 do fs[i] = function() return i end end return fs[1]() + fs[3]()"),
            Resp::Int(4)
        );
        assert_eq!(
            ok("local t = {a=1, b=2, 3} local n = 0 for k, v in pairs(t) do n = n + v end return n"),
            Resp::Int(6)
        );
        assert_eq!(ok("local n = 0 for i, v in ipairs({5, 6, 7}) do n = n + i * v end return n"), Resp::Int(38));
        assert_eq!(ok("local function f(...) return select('#', ...) end return f(1, nil, 3)"), Resp::Int(3));
        assert_eq!(ok("local a, b = (function() return 1, 2 end)() return a + b"), Resp::Int(3));
        assert_eq!(ok("local i = 0 repeat local j = i i = i + 1 until j >= 4 return i"), Resp::Int(5));
        assert_eq!(ok("local i = 0 while true do i = i + 1 if i == 7 then break end end return i"), Resp::Int(7));
        assert_eq!(ok("return 7 % 3 + 2 ^ 3 + 7 / 2"), Resp::Int(12));
        assert_eq!(
            ok("return tostring(10 / 4) .. ' ' .. tostring(1e15) .. ' ' .. tostring(2^63)"),
            bulk("2.5 1e+15 9.2233720368548e+18")
        );
        assert_eq!(
            ok("local o = {n = 1} function o:inc(d) self.n = self.n + d return self end return o:inc(2):inc(3).n"),
            Resp::Int(6)
        );
        assert_eq!(ok("return #'abc' .. (nil == false and 'y' or 'n')"), bulk("3n"));
        assert_eq!(ok("local ok, e = pcall(error, {code = 5}) return e.code"), Resp::Int(5));
        assert_eq!(ok("return select(2, pcall(error, 'x'))"), bulk("x"));
        assert_eq!(ok("return select(2, pcall(function() error('x') end))"), bulk("user_script:1: x"));
    }

    #[test]
    fn the_libraries() {
        assert_eq!(
            ok("return string.format('%5.2f|%-3d|%s|%x|%q', 3.14159, 7, 'a', 255, 'a\"b')"),
            bulk(" 3.14|7  |a|ff|\"a\\\"b\"")
        );
        assert_eq!(ok("return ('hello world'):gsub('o', '0')"), bulk("hell0 w0rld"));
        assert_eq!(ok("return string.match('key:123:x', '(%d+)')"), bulk("123"));
        assert_eq!(ok("return {string.find('a.b', '.', 1, true)}"), Resp::Array(vec![Resp::Int(2), Resp::Int(2)]));
        assert_eq!(
            ok("local t = {} for w in string.gmatch('one two  three', '%a+') do t[#t+1] = w end return t"),
            Resp::Array(vec![bulk("one"), bulk("two"), bulk("three")])
        );
        assert_eq!(ok("return string.gsub('abc', '%w', '%0%0')"), bulk("aabbcc"));
        assert_eq!(
            ok("return string.rep('ab', 3) .. string.upper('x') .. string.sub('hello', -3)"),
            bulk("abababXllo")
        );
        assert_eq!(ok("local t = {3, 1, 2} table.sort(t) return table.concat(t, ',')"), bulk("1,2,3"));
        assert_eq!(
            ok("local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return t"),
            Resp::Array(vec![Resp::Int(3), Resp::Int(2), Resp::Int(1)])
        );
        assert_eq!(
            ok("local t = {1, 2} table.insert(t, 1, 0) table.insert(t, 9) return {table.remove(t), unpack(t)}"),
            Resp::Array(vec![Resp::Int(9), Resp::Int(0), Resp::Int(1), Resp::Int(2)])
        );
        assert_eq!(
            ok("return math.max(1, 5, 3) + math.floor(-1.5) + tonumber('0x10') + tonumber('z', 36)"),
            Resp::Int(54)
        );
        assert_eq!(ok("return redis.sha1hex('return 1')"), bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
    }

    #[test]
    fn redis_call_and_pcall() {
        assert_eq!(
            ok("return redis.call('echo', 'a', 12, 1.5, 0.1)"),
            Resp::Array(vec![bulk("echo"), bulk("a"), bulk("12"), bulk("1.5"), bulk("0.10000000000000001")])
        );
        // Redis 7.0.15's first two draws after start.
        assert_eq!(ok("return {math.random(100), math.random(100)}"), Resp::Array(vec![Resp::Int(40), Resp::Int(85)]));
        assert_eq!(ok("return redis.call('status')"), Resp::Status(b"OK".to_vec()));
        assert_eq!(ok("return redis.call('status').ok"), bulk("OK"));
        assert_eq!(ok("return redis.call('nil') == false"), Resp::Int(1));
        assert_eq!(ok("return redis.pcall('fail')"), Resp::Error(b"ERR it failed".to_vec()));
        assert_eq!(ok("return redis.pcall('fail').err"), bulk("ERR it failed"));
        assert_eq!(err("return redis.call('fail')"), "ERR it failed");
        assert_eq!(err("return redis.call()"), "ERR Please specify at least one argument for this redis lib call");
        assert_eq!(err("return redis.call({})"), "ERR Lua redis lib command arguments must be strings or integers");
    }

    #[test]
    fn errors_are_worded_as_lua_5_1_words_them() {
        assert_eq!(err("return x"), "ERR user_script:1: Script attempted to access nonexistent global variable 'x'");
        assert_eq!(err("x = 1"), "ERR user_script:1: Attempt to modify a readonly table");
        assert_eq!(err("local t = {} t.x.y = 1"), "ERR user_script:1: attempt to index field 'x' (a nil value)");
        assert_eq!(err("\n\nerror('boom')"), "ERR user_script:3: boom");
        assert_eq!(err("error({err='MY bad'})"), "MY bad");
        assert_eq!(
            err("local a = nil return a + 1"),
            "ERR user_script:1: attempt to perform arithmetic on local 'a' (a nil value)"
        );
        assert_eq!(err("return 'a' .. {}"), "ERR user_script:1: attempt to concatenate a table value");
        assert_eq!(err("return 1 < 'x'"), "ERR user_script:1: attempt to compare number with string");
        assert_eq!(err("return redis.nope()"), "ERR user_script:1: attempt to call field 'nope' (a nil value)");
        assert_eq!(err("redis.x = 1"), "ERR user_script:1: Attempt to modify a readonly table");
        assert_eq!(err("local function f() return f() end return f()"), "ERR user_script:1: stack overflow");
        assert_eq!(err("while true do end"), "ERR Script killed by user with SCRIPT KILL...");
        assert_eq!(err("return string.rep('x', 1e12)"), "ERR not enough memory");
    }

    #[test]
    fn compile_errors_are_worded_as_lua_5_1_words_them() {
        let c = |s: &str| compile(s.as_bytes(), "user_script").expect_err("a syntax error");
        assert_eq!(c("return 1 +"), "user_script:1: unexpected symbol near '<eof>'");
        assert_eq!(c("x ="), "user_script:1: unexpected symbol near '<eof>'");
        assert_eq!(c("if x then"), "user_script:1: 'end' expected near '<eof>'");
        assert_eq!(
            c("function f()\n\nreturn 1"),
            "user_script:3: 'end' expected (to close 'function' at line 1) near '<eof>'"
        );
        assert_eq!(c("local 1"), "user_script:1: '<name>' expected near '1'");
        assert_eq!(c("return 'abc"), "user_script:1: unfinished string near '<eof>'");
        assert_eq!(c("x"), "user_script:1: '=' expected near '<eof>'");
        assert_eq!(c("(x)"), "user_script:1: syntax error near '<eof>'");
        assert_eq!(c("return 1 2"), "user_script:1: '<eof>' expected near '2'");
        assert_eq!(c("break"), "user_script:1: no loop to break near '<eof>'");
        assert_eq!(c(&"(".repeat(10_000)), "user_script:1: chunk has too many syntax levels");
        assert_eq!(
            c(&format!("return {}", vec!["1"; 10_000].join("+"))),
            "user_script:1: chunk has too many syntax levels"
        );
    }
}

#[cfg(test)]
mod fuzz_tests;
