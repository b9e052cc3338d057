//! Random programs, from fragments of Lua that Redis scripts are made of: whatever they are,
//! compiling and running them ends in a value or an error, never a panic or a hang.

use crate::{compile, eval_with_limit, Host, Resp, RAND48_START};

struct Mixed(u64, u64, crate::cjson_config::CjsonConfig);

impl Host for Mixed {
    fn call(&mut self, argv: Vec<Vec<u8>>, _resp3: bool) -> Result<Resp, Vec<u8>> {
        self.1 = self.1.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        Ok(match self.1 >> 61 {
            0 => Resp::Error(b"ERR nope".to_vec()),
            1 => Resp::Status(b"OK".to_vec()),
            2 => Resp::Nil,
            3 => Resp::Int(argv.len() as i64),
            4 => Resp::Map(vec![(Resp::Bulk(b"k".to_vec()), Resp::Double(1.5))]),
            5 => Resp::Set(vec![Resp::Bool(true)]),
            _ => Resp::Array(argv.into_iter().map(Resp::Bulk).collect()),
        })
    }
    fn version(&self) -> (String, u32) {
        ("7.0.15".into(), 0x07000f)
    }
    fn rand48_state(&mut self) -> &mut u64 {
        &mut self.0
    }
    fn cjson(&mut self) -> &mut crate::cjson_config::CjsonConfig {
        &mut self.2
    }
    fn acl_check(&mut self, argv: Vec<Vec<u8>>) -> Option<bool> {
        Some(argv.len().is_multiple_of(2))
    }
}

const FRAGMENTS: &[&str] = &[
    "local",
    "x",
    "y",
    "t",
    "f",
    "=",
    "==",
    "~=",
    "<",
    "<=",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "..",
    "#",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ";",
    ":",
    ".",
    "...",
    "and",
    "or",
    "not",
    "nil",
    "true",
    "false",
    "if",
    "then",
    "else",
    "elseif",
    "end",
    "for",
    "in",
    "do",
    "while",
    "repeat",
    "until",
    "return",
    "break",
    "function",
    "0",
    "1",
    "-1",
    "2.5",
    "1e308",
    "0x10",
    "'s'",
    "\"%d\"",
    "[[long]]",
    "KEYS",
    "ARGV",
    "KEYS[1]",
    "redis.call('get', 'k')",
    "redis.pcall('x')",
    "redis.call()",
    "redis.error_reply('e')",
    "pcall",
    "error",
    "string.rep('ab', 3)",
    "string.format('%5.1f %s', 1, 'x')",
    "string.gsub('aaa', 'a*', '%0-')",
    "string.find('abc', '(b)(c)')",
    "string.match('x=1', '(%w+)=(%w+)')",
    "('%a+'):rep(2)",
    "string.sub",
    "table.insert",
    "table.remove",
    "table.concat",
    "table.sort",
    "unpack",
    "select('#', 1, 2)",
    "tonumber",
    "tostring",
    "type",
    "pairs",
    "ipairs",
    "next",
    "math.floor",
    "math.random(1, 10)",
    "math.huge",
    "setmetatable",
    "x = 1",
    "local x = {}",
    "t = {1, 2, 3}",
    "function f(...) return ... end",
    "for i = 1, 3 do end",
    "while false do end",
    "f()",
    "t[1]",
    "t.x",
    "x:y()",
    "redis.setresp(3)",
    "redis.sha1hex('')",
    "\n",
];

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E3779B97F4A7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
    z ^ (z >> 31)
}

const ATOMS: &[&str] = &[
    "nil",
    "true",
    "false",
    "0",
    "1",
    "-1",
    "2.5",
    "1e308",
    "0/0",
    "'s'",
    "'10'",
    "''",
    "x",
    "t",
    "f",
    "KEYS",
    "ARGV",
    "KEYS[1]",
    "ARGV[1]",
    "#t",
    "...",
    "redis.call('get', 'k')",
    "redis.pcall('x', 1)",
    "redis.error_reply('e')",
    "redis.status_reply('ok')",
    "string.rep('ab', 3)",
    "math.huge",
    "tostring",
    "string.format('%d %s %5.2f', 3, 'x', 1.5)",
    "{}",
    "{1, 2, 3}",
    "{a = 1, [2] = 'b'}",
    "math.random(1, 10)",
    "string.gsub('aaa', 'a*', '%0-')",
    "select('#', 1, nil)",
    "type",
    "pairs",
    "unpack",
    "pcall",
    "error",
    "cjson.encode(t)",
    "cjson.decode('[1,{\"a\":[null,2.5]}]')",
    "cjson.null",
    "cjson.decode",
];
const BINOPS: &[&str] = &["+", "-", "*", "/", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "and", "or"];

fn expr(st: &mut u64, depth: u32) -> String {
    let pick = splitmix(st) % if depth > 3 { 1 } else { 8 };
    match pick {
        0 | 1 => ATOMS[(splitmix(st) % ATOMS.len() as u64) as usize].to_string(),
        2 => format!(
            "{} {} {}",
            expr(st, depth + 1),
            BINOPS[(splitmix(st) % BINOPS.len() as u64) as usize],
            expr(st, depth + 1)
        ),
        3 => format!("{}({})", ["not ", "-", "#", ""][(splitmix(st) % 4) as usize], expr(st, depth + 1)),
        4 => format!("{{{}, {}}}", expr(st, depth + 1), expr(st, depth + 1)),
        5 => format!("function(a, ...) {} return {} end", stat(st, depth + 1), expr(st, depth + 1)),
        6 => format!(
            "{}({}, {})",
            ["f", "tostring", "tonumber", "pcall", "select", "string.sub", "table.concat", "unpack", "setmetatable"]
                [(splitmix(st) % 9) as usize],
            expr(st, depth + 1),
            expr(st, depth + 1)
        ),
        _ => format!("{}[{}]", ["t", "KEYS", "x", "(f)"][(splitmix(st) % 4) as usize], expr(st, depth + 1)),
    }
}

fn stat(st: &mut u64, depth: u32) -> String {
    let pick = splitmix(st) % if depth > 3 { 3 } else { 11 };
    match pick {
        0 => format!("local x = {}", expr(st, depth + 1)),
        1 => format!("t[{}] = {}", expr(st, depth + 1), expr(st, depth + 1)),
        2 => format!("f({})", expr(st, depth + 1)),
        3 => format!("if {} then {} else {} end", expr(st, depth + 1), stat(st, depth + 1), stat(st, depth + 1)),
        4 => format!("for i = {}, {} do {} end", expr(st, depth + 1), expr(st, depth + 1), stat(st, depth + 1)),
        5 => format!("for k, v in pairs({}) do {} end", expr(st, depth + 1), stat(st, depth + 1)),
        6 => format!("while {} do {} break end", expr(st, depth + 1), stat(st, depth + 1)),
        7 => format!(
            "local function g(a) {} return {} end t = g({})",
            stat(st, depth + 1),
            expr(st, depth + 1),
            expr(st, depth + 1)
        ),
        8 => format!("x = {}", expr(st, depth + 1)),
        9 => format!("local ok, e = pcall(function() {} end)", stat(st, depth + 1)),
        _ => format!("repeat {} until {}", stat(st, depth + 1), expr(st, depth + 1)),
    }
}

fn random_program(state: &mut u64) -> String {
    let mut out = String::from("local t = {} local x = 1 local function f(...) return ... end\n");
    for _ in 0..1 + splitmix(state) % 6 {
        out.push_str(&stat(state, 0));
        out.push('\n');
    }
    out.push_str(&format!("return {}", expr(state, 0)));
    out
}

fn random_soup(state: &mut u64) -> String {
    let mut next = || splitmix(state);
    let len = 1 + next() % 30;
    let mut out = String::new();
    if next() % 2 == 0 {
        out.push_str("return ");
    }
    for _ in 0..len {
        out.push_str(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
        out.push(' ');
    }
    out
}

#[test]
fn random_programs_never_panic() {
    let mut state = 2026;
    let (mut compiled, mut ran) = (0, 0);
    for _ in 0..20_000 {
        let src = random_program(&mut state);
        let Ok(proto) = compile(src.as_bytes(), "user_script") else { continue };
        compiled += 1;
        let mut host = Mixed(RAND48_START, state, Default::default());
        if eval_with_limit(&mut host, proto, &[b"k".to_vec()], &[b"1".to_vec()], 20_000).is_ok() {
            ran += 1;
        }
    }
    // The generator must reach the evaluator, not only the parser.
    assert!(compiled > 1_000, "{compiled} programs compiled");
    assert!(ran > 100, "{ran} programs ran to the end");
}

#[test]
fn random_token_soup_never_panics() {
    let mut state = 99;
    for _ in 0..20_000 {
        let src = random_soup(&mut state);
        if let Ok(proto) = compile(src.as_bytes(), "user_script") {
            let mut host = Mixed(RAND48_START, state, Default::default());
            let _ = eval_with_limit(&mut host, proto, &[b"k".to_vec()], &[b"1".to_vec()], 20_000);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut state: u64 = 7;
    for _ in 0..20_000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
        let len = (state >> 58) as usize;
        let bytes: Vec<u8> = (0..len).map(|i| (state >> (i % 56)) as u8).collect();
        if let Ok(proto) = compile(&bytes, "user_script") {
            let mut host = Mixed(RAND48_START, state, Default::default());
            let _ = eval_with_limit(&mut host, proto, &[], &[], 20_000);
        }
    }
}
