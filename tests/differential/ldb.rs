//! The Lua debugger (`SCRIPT DEBUG YES|SYNC`, then `EVAL`): the same sessions against both
//! servers, every answer compared byte for byte: where a script stops and why, what `print`,
//! `trace`, `list`, `break`, `eval`, `redis`, `maxlen` and `help` log, the commands a stepped
//! script sends and their replies, `<endsession>` and the script's reply, and the connection
//! closing after it. Beside them: a `SYNC` session keeps the others waiting and its writes, a
//! `YES` session's writes are dropped and its client leaves `CLIENT LIST` at once, and a client
//! that hangs up mid-session lets the script run to its end. Function values print as pointers,
//! which differ from run to run, so those are masked.

use std::net::SocketAddr;

use redsim_tests::{show, Connection};

/// One debugger request: its arguments (or raw bytes when the first is `RAW`).
type Step<'a> = &'a [&'a str];

/// `function@0x7f...` as `function@<p>`.
fn mask_pointers(text: String) -> String {
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("function@") {
        out.push_str(&rest[..at + "function@".len()]);
        rest = &rest[at + "function@".len()..];
        let end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        out.push_str("<p>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Runs a session: `SCRIPT DEBUG mode`, the `EVAL`, then each step; every answer as text.
/// Once the session ends, the script's reply and the closing of the connection are noted too.
fn session(addr: SocketAddr, mode: &str, eval: &[&str], steps: &[Step]) -> Vec<String> {
    let mut c = Connection::open(addr).expect("connect");
    let mut seen = vec![show(&c.command(&["SCRIPT", "DEBUG", mode]).expect("SCRIPT DEBUG"))];
    let answer = |c: &mut Connection, what: String, seen: &mut Vec<String>| -> bool {
        let reply = c.read_reply().expect("an answer");
        let ended = reply.windows(12).any(|w| w == b"<endsession>");
        seen.push(mask_pointers(format!("{what} -> {}", show(&reply))));
        if ended {
            let script = c.read_reply().expect("the script's reply");
            seen.push(mask_pointers(format!("reply -> {}", show(&script))));
            let rest = c.read_to_close().unwrap_or_default();
            seen.push(format!("then closed, after {:?}", show(&rest)));
        }
        ended
    };
    c.send(eval).expect("send EVAL");
    if answer(&mut c, "EVAL".into(), &mut seen) {
        return seen;
    }
    for step in steps {
        if step[0] == "RAW" {
            c.send_raw(step[1].as_bytes()).expect("send");
        } else {
            c.send(step).expect("send");
        }
        if answer(&mut c, step.join(" "), &mut seen) {
            break;
        }
    }
    seen
}

fn compare(name: &str, redis: Vec<String>, redsim: Vec<String>) {
    let diff = redsim_tests::differences(&redis, &redsim);
    assert!(diff.is_empty(), "{name}: the sessions differ:\n{}", diff.join("\n"));
}

const COMMANDS: &str = "local function f(x)
  redis.debug('in f', x, {1,2,'a'})
  return x * 2
end
local t = {a=1}
local y = f(3)
redis.call('set', 'k', y)
redis.pcall('incr', 'k2', 'x')
redis.breakpoint()
local z = redis.call('get', 'k')
if y > 2 then
  z = z .. 'x'
elseif y < 0 then
  z = 1
end
return {y, z}
";

const LOOPS: &str = "local a = 0
while a < 2 do
  a = a + 1
end
repeat
  a = a - 1
until a == 0
for k, v in pairs({x=1}) do
  a = v
end
for i=1,2 do a = a + i end
local s = 'a\\r\\nb\"' .. string.rep('x', 300)
redis.call('set', 'big', s)
if a > 100 then
  a = 0
end
";

const SHAPES: &str = "local function fact(n)
  local r
  if n <= 1 then
    r = 1
  else
    r = n * fact(n - 1)
  end
  return r
end
local t = {}
function t.add(a, b) return a + b end
local obj = {v = 2}
function obj:get()
  return self.v
end
for i = 3, 1, -1 do
  if i == 2 then break end
end
for _, v in ipairs({5, 6}) do
  local w = v
end
local x = 0
while true do
  x = x + 1
  if x > 1 then
    break
  elseif x == 0 then
    x = 5
  end
end
redis.call('set',
  'multi',
  x)
local y = fact(3) + t.add(1, 2) + obj:get()
return y
";

const RESP3: &str = "redis.setresp(3)
local t = {1, {2, {3}}, x = {y = 'z'}}
local function inner(a)
  return redis.call('hgetall', a)
end
local ok = pcall(function() return inner('h') end)
redis.call('set', 'str', 'v')
redis.pcall('lpush', 'str', 'x')
local n = redis.call('get', 'nokey')
local s = redis.call('smembers', 'sset')
local d = redis.call('zscore', 'zz', 'm')
t.f = function() return 1 end
return {ok, n}
";

/// Every session, as one transcript.
fn transcript(addr: SocketAddr) -> Vec<(String, Vec<String>)> {
    let mut setup = Connection::open(addr).expect("connect");
    for line in [&["HSET", "h", "f", "v"][..], &["SADD", "sset", "a"], &["ZADD", "zz", "1.5", "m"]] {
        setup.command(line).expect("setup");
    }
    let s: Step = &["s"];
    let mut all = Vec::new();
    let commands: &[Step] = &[
        &["h"],
        &["l"],
        &["l", "3", "1"],
        &["w"],
        &["b"],
        &["b", "3", "x", "-9", "100"],
        &["b"],
        &["c"],
        &["t"],
        &["p"],
        &["p", "x"],
        &["p", "KEYS"],
        &["p", "nope"],
        &["e", "1+1"],
        &["l", "0", "0"],
        &["e", "x = 5"],
        &["e", "error('boom')"],
        &["e", "(("],
        &["m"],
        &["m", "10"],
        &["m", "0"],
        &["r", "set", "a", "b"],
        &["r", "nocmd"],
        &["r", "get"],
        &["b", "0"],
        s,
        s,
        s,
        s,
        &["p"],
        &["c"],
    ];
    all.push(("commands".into(), session(addr, "sync", &["EVAL", COMMANDS, "1", "key1", "arg1"], commands)));
    let mut loops: Vec<Step> = vec![s; 16];
    loops.extend_from_slice(&[&["p"], &["p", "s"], &["m", "70"], &["p", "s"], s, s, s, s]);
    all.push(("loops".into(), session(addr, "sync", &["EVAL", LOOPS, "0"], &loops)));
    all.push(("shapes".into(), session(addr, "sync", &["EVAL", SHAPES, "0"], &[s; 45])));
    let resp3: &[Step] = &[&["b", "4"], &["c"], &["t"], &["p"], &["p", "t"], s, s, &["t"], s, s, s, s, s, s, s];
    all.push(("resp3".into(), session(addr, "sync", &["EVAL", RESP3, "0"], resp3)));
    // The ways a session ends early, and requests Redis's parser refuses.
    all.push(("abort".into(), session(addr, "sync", &["EVAL", "local x = 1\nreturn x", "0"], &[&["a"]])));
    all.push(("no compile".into(), session(addr, "sync", &["EVAL", "return +", "0"], &[])));
    all.push(("numkeys".into(), session(addr, "sync", &["EVAL", "return 1", "5"], &[])));
    all.push(("garbage".into(), session(addr, "sync", &["EVAL", "return 1", "0"], &[&["RAW", "garbage\r\n"]])));
    all.push(("empty arg".into(), session(addr, "sync", &["EVAL", "return 1", "0"], &[&["RAW", "*1\r\n$0\r\n\r\n"]])));
    let unknown: &[Step] = &[&["RAW", "*1\r\n$11\r\nhello\0world\r\n"], &["foo"], &["r"], &["p", "a", "b"], s];
    all.push(("unknown".into(), session(addr, "sync", &["EVAL", "return 1", "0"], unknown)));
    let mut many = vec!["redis"];
    many.extend(std::iter::repeat_n("test", 100));
    all.push(("101 arguments".into(), session(addr, "sync", &["EVAL", "return 'hello'", "0"], &[&many, s])));
    all.push((
        "timeout".into(),
        session(addr, "sync", &["EVAL", "local i = 0\nwhile true do i = i + 1 end", "0"], &[&["c"], &["a"]]),
    ));
    all
}

/// The sessions' answers match Redis's.
#[test]
fn debugging_sessions_answer_as_redis() {
    let pair = crate::Pair::start();
    let theirs = transcript(pair.redis.addr);
    let ours = transcript(pair.redsim.addr());
    for ((name, redis), (_, redsim)) in theirs.into_iter().zip(ours) {
        compare(&name, redis, redsim);
    }
}

/// What the rest of the server sees of sessions: `SYNC` holds the others and keeps the writes,
/// `YES` drops them and lets the client go, and a client that hangs up lets the script finish.
fn around(addr: SocketAddr) -> Vec<String> {
    let open = || Connection::open(addr).expect("connect");
    let (mut debugger, mut other) = (open(), open());
    let mut seen = Vec::new();
    let mut note = |what: &str, reply: Vec<u8>| seen.push(format!("{what} -> {}", show(&reply)));

    // SYNC: another client's INCR waits until the script (which sets the key) has ended.
    note("sync", debugger.command(&["SCRIPT", "DEBUG", "SYNC"]).unwrap());
    debugger.send(&["EVAL", "local a = 1\nredis.call('set', 'counter', 100)\nreturn a", "0"]).unwrap();
    note("first stop", debugger.read_reply().unwrap());
    other.send(&["INCR", "counter"]).unwrap();
    for _ in 0..3 {
        debugger.send(&["s"]).unwrap();
        note("step", debugger.read_reply().unwrap());
    }
    note("script reply", debugger.read_reply().unwrap());
    note("closed", debugger.read_to_close().unwrap());
    note("the waiting INCR", other.read_reply().unwrap());

    // YES: the copy's writes are dropped; the client has left the server at once.
    let mut debugger = open();
    note("yes", debugger.command(&["SCRIPT", "DEBUG", "YES"]).unwrap());
    debugger.send(&["EVAL", "redis.call('set', 'forked', 1)\nreturn 1", "0"]).unwrap();
    note("first stop", debugger.read_reply().unwrap());
    let clients = other.command(&["CLIENT", "LIST"]).unwrap();
    note(
        "clients meanwhile",
        clients.split(|&c| c == b'\n').filter(|l| l.starts_with(b"id=")).count().to_string().into_bytes(),
    );
    debugger.send(&["c"]).unwrap();
    note("end", debugger.read_reply().unwrap());
    note("script reply", debugger.read_reply().unwrap());
    note("forked", other.command(&["GET", "forked"]).unwrap());
    let mut sha = open();
    sha.command(&["SCRIPT", "DEBUG", "YES"]).unwrap();
    note("evalsha refused", sha.command(&["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"]).unwrap());
    note("evalsha short", sha.command(&["EVALSHA", "abc", "0"]).unwrap());
    note("debug no", sha.command(&["SCRIPT", "DEBUG", "NO"]).unwrap());
    note("plain eval", sha.command(&["EVAL", "return 7", "0"]).unwrap());
    note("bad mode", sha.command(&["SCRIPT", "DEBUG", "MAYBE"]).unwrap());

    // A client that hangs up mid-session: the script runs on, and its writes stay.
    let mut debugger = open();
    debugger.command(&["SCRIPT", "DEBUG", "SYNC"]).unwrap();
    debugger.send(&["EVAL", "local a = 1\nredis.call('set', 'gone', 'yes')\nreturn a", "0"]).unwrap();
    note("first stop", debugger.read_reply().unwrap());
    drop(debugger);
    note("after the hang-up", other.command(&["GET", "gone"]).unwrap());
    seen
}

#[test]
fn sessions_and_the_rest_of_the_server_as_redis() {
    let pair = crate::Pair::start();
    let redis = around(pair.redis.addr);
    let redsim = around(pair.redsim.addr());
    compare("around", redis, redsim);
}
