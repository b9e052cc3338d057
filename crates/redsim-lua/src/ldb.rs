//! Redis's Lua debugger (`SCRIPT DEBUG YES|SYNC`, `redis-cli --ldb`), as `eval.c`'s LDB part
//! runs it: a line hook that stops where the user steps or set a breakpoint, and between stops a
//! small command loop (`step`, `continue`, `list`, `print`, `break`, `trace`, `eval`, `redis`,
//! `maxlen`, `abort`, `help`) reading the client's requests and answering each with its log
//! lines as one array of simple strings.
//!
//! The client is reached through [`crate::Host::ldb_read`] and [`crate::Host::ldb_write`]: the
//! engine decides where the bytes come from (a socket, a console, or a replay of what was sent).

use crate::interp::{Interp, LuaError};
use crate::value::{Func, Value};
use crate::{LdbRead, Resp};

/// Breakpoints one session may hold (`LDB_BREAKPOINTS_MAX`).
const MAX_BREAKPOINTS: usize = 64;
/// How long a logged value or reply may be before it is cut (`LDB_MAX_LEN_DEFAULT`).
const MAX_LEN_DEFAULT: usize = 256;
/// How deep `print` goes into nested tables (`LUA_MINSTACK / 2`).
const MAX_VALUE_DEPTH: usize = 10;
/// How much the client may send without completing a request.
const MAX_BUFFER: usize = 1 << 20;
/// Redis reads the debugging client 1024 bytes at a time, and drops what follows a request in
/// the same read.
const READ_SIZE: usize = 1024;

/// One debugging session's state (Redis's `ldbState`).
pub struct Ldb {
    /// The script's lines, as `ldbStartSession` splits them.
    src: Vec<Vec<u8>>,
    /// Stop at the next line event.
    pub(crate) step: bool,
    breakpoints: Vec<u32>,
    /// `redis.breakpoint()` was called: stop at the next line event.
    pub(crate) luabp: bool,
    maxlen: usize,
    maxlen_hint_sent: bool,
    /// What the client sent that is not a whole request yet.
    cbuf: Vec<u8>,
    /// What arrived and was not read yet.
    unread: Vec<u8>,
    pub(crate) currentline: u32,
    logs: Vec<Vec<u8>>,
    /// `eval` is running code of the debugger's own, from inside the hook: no line events.
    in_eval: bool,
    /// Steps the script had taken when it last stopped (for the timeout stop).
    pub(crate) since: u64,
}

impl Ldb {
    /// A session for `source` (the `EVAL`'s script): trailing newlines dropped, split on `\n`.
    pub fn new(source: &[u8]) -> Ldb {
        let mut end = source.len();
        while end > 0 && matches!(source[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let src =
            if end == 0 { Vec::new() } else { source[..end].split(|&c| c == b'\n').map(<[u8]>::to_vec).collect() };
        Ldb {
            src,
            step: true,
            breakpoints: Vec::new(),
            luabp: false,
            maxlen: MAX_LEN_DEFAULT,
            maxlen_hint_sent: false,
            cbuf: Vec::new(),
            unread: Vec::new(),
            currentline: 0,
            logs: Vec::new(),
            in_eval: false,
            since: 0,
        }
    }

    /// Logs not sent yet (they go out with `<endsession>` when the script ends).
    pub fn take_logs(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.logs)
    }

    fn log(&mut self, entry: impl Into<Vec<u8>>) {
        self.logs.push(entry.into());
    }

    /// `ldbLogWithMaxLen`: a long entry is cut, and the first time the user is told how not to.
    fn log_max(&mut self, mut entry: Vec<u8>) {
        let mut trimmed = false;
        if self.maxlen != 0 && entry.len() > self.maxlen {
            entry.truncate(self.maxlen);
            entry.extend_from_slice(b" ...");
            trimmed = true;
        }
        self.log(entry);
        if trimmed && !self.maxlen_hint_sent {
            self.maxlen_hint_sent = true;
            self.log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
        }
    }

    fn source_line(&self, line: u32) -> &[u8] {
        match (line as usize).checked_sub(1).and_then(|i| self.src.get(i)) {
            Some(l) => l,
            None => b"<out of range source code line>",
        }
    }

    /// `ldbLogSourceLine`: `->` marks the current line, `#` a breakpoint.
    fn log_source_line(&mut self, line: u32) {
        let bp = self.breakpoints.contains(&line);
        let current = self.currentline == line;
        let prefix = match (current, bp) {
            (true, true) => "->#",
            (true, false) => "-> ",
            (false, true) => "  #",
            (false, false) => "   ",
        };
        let mut entry = format!("{prefix}{line:<3} ").into_bytes();
        entry.extend_from_slice(self.source_line(line));
        self.log(entry);
    }

    /// `ldbList`: the lines within `context` of `around`, or all of them for 0.
    fn list(&mut self, around: i64, context: i64) {
        for j in 1..=self.src.len() as i64 {
            if around != 0 && (around - j).abs() > context {
                continue;
            }
            self.log_source_line(j as u32);
        }
    }

    fn add_breakpoint(&mut self, line: i64) -> bool {
        if line <= 0 || line > self.src.len() as i64 {
            return false;
        }
        let line = line as u32;
        if !self.breakpoints.contains(&line) && self.breakpoints.len() != MAX_BREAKPOINTS {
            self.breakpoints.push(line);
            return true;
        }
        false
    }

    fn break_command(&mut self, argv: &[Vec<u8>]) {
        if argv.len() == 1 {
            if self.breakpoints.is_empty() {
                self.log("No breakpoints set. Use 'b <line>' to add one.");
            } else {
                self.log(format!("{} breakpoints set:", self.breakpoints.len()));
                for line in self.breakpoints.clone() {
                    self.log_source_line(line);
                }
            }
            return;
        }
        for arg in &argv[1..] {
            let Some(line) = strict_long(arg) else {
                let mut entry = b"Invalid argument:'".to_vec();
                entry.extend_from_slice(c_str(arg));
                entry.push(b'\'');
                self.log(entry);
                continue;
            };
            if line == 0 {
                self.breakpoints.clear();
                self.log("All breakpoints removed.");
            } else if line > 0 {
                if self.breakpoints.len() == MAX_BREAKPOINTS {
                    self.log("Too many breakpoints set.");
                } else if self.add_breakpoint(line) {
                    self.list(line, 1);
                } else {
                    self.log("Wrong line number.");
                }
            } else {
                let line = line.unsigned_abs();
                match self.breakpoints.iter().position(|&b| u64::from(b) == line) {
                    Some(at) => {
                        self.breakpoints.remove(at);
                        self.log("Breakpoint removed.");
                    }
                    None => self.log("No breakpoint in the specified line."),
                }
            }
        }
    }

    fn maxlen_command(&mut self, argv: &[Vec<u8>]) {
        if argv.len() == 2 {
            let mut n = atoi(&argv[1]);
            self.maxlen_hint_sent = true;
            if n != 0 && n <= 60 {
                n = 60;
            }
            self.maxlen = n as usize;
        }
        if self.maxlen != 0 {
            self.log(format!("<value> replies are truncated at {} bytes.", self.maxlen));
        } else {
            self.log("<value> replies are unlimited.");
        }
    }

    fn help(&mut self) {
        for line in HELP {
            self.log(*line);
        }
    }
}

const HELP: &[&str] = &[
    "Redis Lua debugger help:",
    "[h]elp               Show this help.",
    "[s]tep               Run current line and stop again.",
    "[n]ext               Alias for step.",
    "[c]ontinue           Run till next breakpoint.",
    "[l]ist               List source code around current line.",
    "[l]ist [line]        List source code around [line].",
    "                     line = 0 means: current position.",
    "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    "                     to show before/after [line].",
    "[w]hole              List all source code. Alias for 'list 1 1000000'.",
    "[p]rint              Show all the local variables.",
    "[p]rint <var>        Show the value of the specified variable.",
    "                     Can also show global vars KEYS and ARGV.",
    "[b]reak              Show all breakpoints.",
    "[b]reak <line>       Add a breakpoint to the specified line.",
    "[b]reak -<line>      Remove breakpoint from the specified line.",
    "[b]reak 0            Remove all breakpoints.",
    "[t]race              Show a backtrace.",
    "[e]val <code>        Execute some Lua code (in a different callframe).",
    "[r]edis <cmd>        Execute a Redis command.",
    "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    "                     Specifying zero as <len> means unlimited.",
    "[a]bort              Stop the execution of the script. In sync",
    "                     mode dataset changes will be retained.",
    "",
    "Debugger functions you can call from Lua scripts:",
    "redis.debug()        Produce logs in the debugger console.",
    "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    "                     next line of code.",
];

/// Log entries as `ldbSendLogs` writes them: an array of simple strings, newlines made spaces.
pub fn encode_logs(logs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", logs.len()).into_bytes();
    for entry in logs {
        out.push(b'+');
        out.extend(entry.iter().map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }));
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The part of `s` C string functions see: up to its first NUL.
fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&c| c == 0) {
        Some(at) => &s[..at],
        None => s,
    }
}

/// `strcasecmp(arg, name) == 0`.
fn is(arg: &[u8], names: &[&str]) -> bool {
    let arg = c_str(arg);
    names.iter().any(|n| arg.eq_ignore_ascii_case(n.as_bytes()))
}

/// C's `atoi`: leading blanks, a sign, digits; anything else ends it.
fn atoi(s: &[u8]) -> i64 {
    let s = c_str(s);
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        i += 1;
    }
    let n = if neg { -n } else { n };
    // `atoi` returns an int.
    n as i32 as i64
}

/// Redis's `string2l`: the whole string is a decimal long, no blanks, no leading zeros.
fn strict_long(s: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(s).ok()?;
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    if text == "-0" {
        return None;
    }
    text.parse().ok()
}

/// How `ldbReplParseCommand` reads the buffer: a request, more bytes needed, or a protocol error.
enum Request {
    Argv(Vec<Vec<u8>>),
    More,
    Malformed,
}

/// `strchr`/`strstr` over a C string starting at `from`: where `needle` is, before any NUL.
fn c_find(buf: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let rest = c_str(buf.get(from..)?);
    rest.windows(needle.len()).position(|w| w == needle).map(|at| at + from)
}

/// Redis's deliberately forgiving parser of the debugging client's requests.
fn parse_request(buf: &[u8]) -> Request {
    if buf.is_empty() {
        return Request::More;
    }
    let Some(star) = c_find(buf, 0, b"*") else { return Request::Malformed };
    let Some(crlf) = c_find(buf, star, b"\r\n") else { return Request::More };
    let argc = atoi(&buf[star + 1..crlf]);
    if argc <= 0 || argc > 1024 {
        return Request::Malformed;
    }
    let mut p = crlf + 2;
    let mut argv = Vec::new();
    while (argv.len() as i64) < argc {
        match buf.get(p) {
            None | Some(0) => return Request::More,
            Some(b'$') => {}
            Some(_) => return Request::Malformed,
        }
        let Some(crlf) = c_find(buf, p, b"\r\n") else { return Request::More };
        let len = atoi(&buf[p + 1..crlf]);
        p = crlf + 2;
        if len <= 0 || len > 1024 {
            return Request::Malformed;
        }
        let len = len as usize;
        if p + len + 2 > buf.len() {
            return Request::More;
        }
        argv.push(buf[p..p + len].to_vec());
        p += len;
        if &buf[p..p + 2] != b"\r\n" {
            return Request::Malformed;
        }
        p += 2;
    }
    Request::Argv(argv)
}

/// `sdscatrepr`: a quoted string with C escapes.
pub fn repr(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            c if (0x20..0x7f).contains(&c) => out.push(c),
            c => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// `ldbCatStackValueRec`: a Lua value as the debugger prints it.
pub(crate) fn cat_value(out: &mut Vec<u8>, v: &Value, level: usize) {
    if level == MAX_VALUE_DEPTH {
        out.extend_from_slice(b"<max recursion level reached! Nested table?>");
        return;
    }
    match v {
        Value::Str(s) => repr(out, s),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Num(n) => out.extend_from_slice(crate::format_g(*n, 6).as_bytes()),
        Value::Nil => out.extend_from_slice(b"nil"),
        Value::Table(t) => {
            let t = t.borrow();
            let (mut as_array, mut as_map) = (Vec::new(), Vec::new());
            let mut is_array = true;
            let mut expected = 1.0;
            let mut key = Value::Nil;
            while let Some(Some((k, value))) = t.next(&key) {
                if is_array && !matches!(k, Value::Num(n) if n == expected) {
                    is_array = false;
                }
                cat_value(&mut as_array, &value, level + 1);
                as_array.extend_from_slice(b"; ");
                as_map.push(b'[');
                cat_value(&mut as_map, &k, level + 1);
                as_map.extend_from_slice(b"]=");
                cat_value(&mut as_map, &value, level + 1);
                as_map.extend_from_slice(b"; ");
                expected += 1.0;
                key = k;
            }
            let mut chosen = if is_array { as_array } else { as_map };
            chosen.truncate(chosen.len().saturating_sub(2));
            out.push(b'{');
            out.extend_from_slice(&chosen);
            out.push(b'}');
        }
        Value::Func(Func::Lua(c)) => {
            out.extend_from_slice(format!("\"function@{:p}\"", std::rc::Rc::as_ptr(c)).as_bytes())
        }
        Value::Func(Func::Native(name, _)) => out.extend_from_slice(format!("\"function@builtin:{name}\"").as_bytes()),
        Value::Null => out.extend_from_slice(b"\"light-userdata@(nil)\""),
    }
}

/// `ldbRedisProtocolToHuman`: a reply as `<reply>` shows it. `resp` is the script's protocol
/// (a null is `NULL` in RESP2, `(null)` in RESP3).
pub(crate) fn human_reply(out: &mut Vec<u8>, r: &Resp, resp: u8) {
    match r {
        Resp::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Resp::Bulk(b) => repr(out, b),
        Resp::Status(s) => repr(out, &[b"+", &s[..]].concat()),
        Resp::Error(e) => repr(out, &[b"-", &e[..]].concat()),
        Resp::Nil if resp == 3 => out.extend_from_slice(b"(null)"),
        Resp::Nil => out.extend_from_slice(b"NULL"),
        Resp::Array(items) => human_items(out, b"[", items, b"]", resp),
        Resp::Set(items) => human_items(out, b"~(", items, b")", resp),
        Resp::Map(pairs) => {
            out.push(b'{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                human_reply(out, k, resp);
                out.extend_from_slice(b" => ");
                human_reply(out, v, resp);
            }
            out.push(b'}');
        }
        Resp::Bool(b) => out.extend_from_slice(if *b { b"#true" } else { b"#false" }),
        Resp::Double(d) => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(crate::number_arg(*d).as_bytes());
        }
    }
}

/// Items between `open` and `close`, separated by commas.
fn human_items(out: &mut Vec<u8>, open: &[u8], items: &[Resp], close: &[u8], resp: u8) {
    out.extend_from_slice(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        human_reply(out, item, resp);
    }
    out.extend_from_slice(close);
}

/// Whether a debugger is attached and stepping (Redis's `ldbIsEnabled`): then `redis.call`
/// logs its command and reply.
pub(crate) fn stepping(interp: &Interp<'_>) -> bool {
    interp.ldb.as_ref().is_some_and(|l| l.step)
}

/// Logs an entry if a debugger is attached.
pub(crate) fn log(interp: &mut Interp<'_>, entry: Vec<u8>) {
    if let Some(ldb) = interp.ldb.as_mut() {
        ldb.log(entry);
    }
}

/// Logs a reply, cut to `maxlen`.
pub(crate) fn log_reply(interp: &mut Interp<'_>, r: &Resp) {
    let resp = interp.resp;
    if let Some(ldb) = interp.ldb.as_mut() {
        let mut entry = b"<reply> ".to_vec();
        human_reply(&mut entry, r, resp);
        ldb.log_max(entry);
    }
}

fn send_logs(interp: &mut Interp<'_>) {
    let Some(ldb) = interp.ldb.as_mut() else { return };
    let logs = std::mem::take(&mut ldb.logs);
    interp.host.ldb_write(logs);
}

/// An error raised as Redis's `luaPushError` + `luaError` do (`ERR ` before the text).
fn lua_error(interp: &Interp<'_>, text: &str) -> LuaError {
    LuaError { value: crate::stdlib::error_table(text.as_bytes()), line: interp.line, fatal: false }
}

/// The line hook (`luaLdbLineHook`): stops when stepping or at a breakpoint.
pub(crate) fn line_hook(interp: &mut Interp<'_>, line: u32) -> Result<(), LuaError> {
    let Some(ldb) = interp.ldb.as_mut() else { return Ok(()) };
    // Lua runs no hook inside a hook: `eval`'s code (run from this hook) has no line events.
    if ldb.in_eval {
        return Ok(());
    }
    ldb.currentline = line;
    let bp = ldb.breakpoints.contains(&line) || ldb.luabp;
    if !(ldb.step || bp) {
        return Ok(());
    }
    let reason = if bp {
        if ldb.luabp {
            "redis.breakpoint() called"
        } else {
            "break point"
        }
    } else {
        "step over"
    };
    stop(interp, reason).map(|_| ())
}

/// The count hook's timeout (`luaLdbLineHook` for `LUA_HOOKCOUNT`): a script that runs on
/// without a stop for as long as Redis's 5 seconds is stopped so the user can look at it.
pub(crate) fn timeout_hook(interp: &mut Interp<'_>) -> Result<(), LuaError> {
    let Some(ldb) = interp.ldb.as_mut() else { return Ok(()) };
    if ldb.in_eval || ldb.step || ldb.luabp || ldb.breakpoints.contains(&ldb.currentline) {
        return Ok(());
    }
    ldb.step = true;
    if !stop(interp, "timeout reached, infinite loop?")? {
        return Err(lua_error(interp, "timeout during Lua debugging with client closing connection"));
    }
    Ok(())
}

/// Stops: logs where and why, then serves the client until it steps or continues. `false` when
/// the client has gone (the script then runs on without stopping).
fn stop(interp: &mut Interp<'_>, reason: &str) -> Result<bool, LuaError> {
    let Some(ldb) = interp.ldb.as_mut() else { return Ok(true) };
    ldb.step = false;
    ldb.luabp = false;
    let line = ldb.currentline;
    ldb.log(format!("* Stopped at {line}, stop reason = {reason}"));
    ldb.log_source_line(line);
    send_logs(interp);
    let served = repl(interp);
    let steps = interp.steps();
    if let Some(ldb) = interp.ldb.as_mut() {
        ldb.since = steps;
    }
    served
}

/// The next request of the client; `None` when it has gone.
fn read_request(interp: &mut Interp<'_>) -> Result<Option<Vec<Vec<u8>>>, LuaError> {
    loop {
        let Some(ldb) = interp.ldb.as_mut() else { return Ok(None) };
        match parse_request(&ldb.cbuf) {
            Request::Argv(argv) => {
                // What followed the request in the buffer is dropped, as Redis drops it.
                ldb.cbuf.clear();
                return Ok(Some(argv));
            }
            Request::Malformed => return Err(lua_error(interp, "protocol error")),
            Request::More => {}
        }
        if ldb.unread.is_empty() {
            match interp.host.ldb_read() {
                LdbRead::Data(bytes) if !bytes.is_empty() => {
                    if let Some(ldb) = interp.ldb.as_mut() {
                        ldb.unread = bytes;
                    }
                }
                LdbRead::Data(_) | LdbRead::Gone => {
                    if let Some(ldb) = interp.ldb.as_mut() {
                        ldb.step = false;
                        ldb.breakpoints.clear();
                    }
                    return Ok(None);
                }
                LdbRead::Wait => {
                    return Err(LuaError { value: Value::str("debugger waiting for the client"), line: 0, fatal: true })
                }
            }
        }
        let Some(ldb) = interp.ldb.as_mut() else { return Ok(None) };
        let n = ldb.unread.len().min(READ_SIZE);
        let chunk: Vec<u8> = ldb.unread.drain(..n).collect();
        ldb.cbuf.extend_from_slice(&chunk);
        if ldb.cbuf.len() > MAX_BUFFER {
            ldb.cbuf.clear();
            return Err(lua_error(interp, "max client buffer reached"));
        }
    }
}

/// `ldbRepl`: serves requests until one goes back to the script. `false`: the client is gone.
fn repl(interp: &mut Interp<'_>) -> Result<bool, LuaError> {
    loop {
        let Some(argv) = read_request(interp)? else { return Ok(false) };
        let Some(ldb) = interp.ldb.as_mut() else { return Ok(true) };
        let name = &argv[0];
        if is(name, &["h", "help"]) {
            ldb.help();
        } else if is(name, &["s", "step", "n", "next"]) {
            ldb.step = true;
            return Ok(true);
        } else if is(name, &["c", "continue"]) {
            return Ok(true);
        } else if is(name, &["t", "trace"]) {
            trace(interp);
        } else if is(name, &["m", "maxlen"]) {
            ldb.maxlen_command(&argv);
        } else if is(name, &["b", "break"]) {
            ldb.break_command(&argv);
        } else if is(name, &["e", "eval"]) {
            eval(interp, &argv)?;
        } else if is(name, &["a", "abort"]) {
            return Err(lua_error(interp, "script aborted for user request"));
        } else if argv.len() > 1 && is(name, &["r", "redis"]) {
            redis(interp, &argv)?;
        } else if is(name, &["p", "print"]) {
            if argv.len() == 2 {
                print_var(interp, &argv[1]);
            } else {
                print_all(interp);
            }
        } else if is(name, &["l", "list"]) {
            let mut around = i64::from(ldb.currentline);
            let mut context = 5;
            if argv.len() > 1 {
                let n = atoi(&argv[1]);
                if n > 0 {
                    around = n;
                }
            }
            if argv.len() > 2 {
                context = atoi(&argv[2]);
            }
            ldb.list(around, context);
        } else if is(name, &["w", "whole"]) {
            ldb.list(1, 1_000_000);
        } else {
            ldb.log("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
        }
        send_logs(interp);
    }
}

fn trace(interp: &mut Interp<'_>) {
    let levels: Vec<(Option<crate::ast::Name>, u32)> =
        interp.levels.iter().rev().filter(|l| !l.replaced).map(|l| (l.name.clone(), l.line)).collect();
    let Some(ldb) = interp.ldb.as_mut() else { return };
    for (i, (name, line)) in levels.iter().enumerate() {
        let mut entry = if i == 0 { b"In ".to_vec() } else { b"From ".to_vec() };
        match name {
            Some(n) => entry.extend_from_slice(c_str(n)),
            None => entry.extend_from_slice(b"top level"),
        }
        entry.push(b':');
        ldb.log(entry);
        ldb.log_source_line(*line);
    }
    if levels.is_empty() {
        ldb.log("<error> Can't retrieve Lua stack.");
    }
}

fn print_all(interp: &mut Interp<'_>) {
    let locals: Vec<(crate::ast::Name, Value)> = match interp.levels.last() {
        Some(level) => level.locals.iter().map(|(n, c)| (n.clone(), c.borrow().clone())).collect(),
        None => Vec::new(),
    };
    let Some(ldb) = interp.ldb.as_mut() else { return };
    for (name, value) in &locals {
        let mut entry = b"<value> ".to_vec();
        entry.extend_from_slice(c_str(name));
        entry.extend_from_slice(b" = ");
        cat_value(&mut entry, value, 0);
        ldb.log_max(entry);
    }
    if locals.is_empty() {
        ldb.log("No local variables in the current context.");
    }
}

fn print_var(interp: &mut Interp<'_>, wanted: &[u8]) {
    let wanted = c_str(wanted);
    let found = interp
        .levels
        .iter()
        .rev()
        .filter(|l| !l.replaced)
        .find_map(|level| level.locals.iter().find(|(n, _)| c_str(n) == wanted).map(|(_, c)| c.borrow().clone()));
    let value = match found {
        Some(v) => Some(v),
        None if wanted == b"ARGV" || wanted == b"KEYS" => Some(interp.globals.borrow().get(&Value::str(wanted))),
        None => None,
    };
    let Some(ldb) = interp.ldb.as_mut() else { return };
    match value {
        Some(v) => {
            let mut entry = b"<value> ".to_vec();
            cat_value(&mut entry, &v, 0);
            ldb.log_max(entry);
        }
        None => ldb.log("No such variable."),
    }
}

/// `eval <code>`: the code as an expression (`return ...`) or else as statements, run in a
/// call of its own; its first value or its error is logged.
fn eval(interp: &mut Interp<'_>, argv: &[Vec<u8>]) -> Result<(), LuaError> {
    let code = argv[1..].join(&b' ');
    let expr = [&b"return "[..], &code].concat();
    let proto = match crate::compile(&expr, "ldb_eval") {
        Ok(p) => p,
        Err(_) => match crate::compile(&code, "ldb_eval") {
            Ok(p) => p,
            Err(msg) => {
                log(interp, format!("<error> {msg}").into_bytes());
                return Ok(());
            }
        },
    };
    let chunk = std::mem::replace(&mut interp.chunk, std::rc::Rc::from("ldb_eval"));
    let line = interp.line;
    if let Some(ldb) = interp.ldb.as_mut() {
        ldb.in_eval = true;
    }
    let result = interp.run_main(proto, Vec::new());
    if let Some(ldb) = interp.ldb.as_mut() {
        ldb.in_eval = false;
    }
    interp.chunk = chunk;
    interp.line = line;
    match result {
        Ok(values) => {
            let mut entry = b"<retval> ".to_vec();
            cat_value(&mut entry, values.first().unwrap_or(&Value::Nil), 0);
            if let Some(ldb) = interp.ldb.as_mut() {
                ldb.log_max(entry);
            }
        }
        Err(e) if e.fatal => return Err(e),
        Err(e) => {
            let mut entry = b"<error> ".to_vec();
            match &e.value {
                Value::Str(_) | Value::Num(_) => entry.extend_from_slice(&crate::stdlib::tostring(&e.value)),
                _ => entry.extend_from_slice(b"(null)"),
            }
            log(interp, entry);
        }
    }
    Ok(())
}

/// `redis <cmd> ...`: `redis.call` with logging forced on; its result is dropped.
fn redis(interp: &mut Interp<'_>, argv: &[Vec<u8>]) -> Result<(), LuaError> {
    let args = argv[1..].iter().map(|a| Value::str(a.as_slice())).collect();
    if let Some(ldb) = interp.ldb.as_mut() {
        ldb.step = true;
    }
    let result = crate::stdlib::redis_call(interp, args);
    if let Some(ldb) = interp.ldb.as_mut() {
        ldb.step = false;
    }
    match result {
        Err(e) if e.fatal => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_as_redis_parses_them() {
        assert!(matches!(parse_request(b""), Request::More));
        assert!(matches!(parse_request(b"garbage\r\n"), Request::Malformed));
        assert!(matches!(parse_request(b"*1\r\n$0\r\n\r\n"), Request::Malformed));
        assert!(matches!(parse_request(b"*1\r\n$1\r\n"), Request::More));
        assert!(matches!(parse_request(b"*1\r\n$1\r\nsX\r"), Request::Malformed));
        assert!(matches!(parse_request(b"*2000\r\n"), Request::Malformed));
        match parse_request(b"junk*2\r\n$1\r\np\r\n$1\r\nx\r\n*1\r\n") {
            Request::Argv(argv) => assert_eq!(argv, vec![b"p".to_vec(), b"x".to_vec()]),
            _ => panic!("a request"),
        }
        match parse_request(b"*1\r\n$11\r\nhello\0world\r\n") {
            Request::Argv(argv) => assert!(!is(&argv[0], &["h", "help"])),
            _ => panic!("a request"),
        }
    }

    #[test]
    fn values_print_as_redis_prints_them() {
        let mut out = Vec::new();
        repr(&mut out, b"a\r\n\"\x01");
        assert_eq!(out, b"\"a\\r\\n\\\"\\x01\"");
        assert_eq!(atoi(b" 12x"), 12);
        assert_eq!(atoi(b"-7"), -7);
        assert_eq!(strict_long(b"012"), None);
        assert_eq!(strict_long(b"-3"), Some(-3));
        assert_eq!(encode_logs(&[b"a\nb".to_vec()]), b"*1\r\n+a b\r\n");
    }
}
