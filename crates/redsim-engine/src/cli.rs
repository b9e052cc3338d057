//! What `redis-cli` does with a typed line and with a reply, so the console reads like a terminal.
//!
//! `split_args` is Redis's `sdssplitargs` (also what the server uses for inline commands);
//! `format_reply` is redis-cli's `cliFormatReplyTTY`.

use crate::reply::{format_double, Protocol, Reply};

/// redis-cli's answer to a line that `split_args` rejects.
pub const INVALID_ARGUMENTS: &str = "Invalid argument(s)";

/// Splits a command line into arguments with redis-cli's quoting rules: `"..."` with `\n`, `\r`,
/// `\t`, `\b`, `\a`, `\xHH` and `\<char>` escapes; `'...'` with only `\'`; a closing quote must be
/// followed by a space or the end. Returns `None` for unbalanced quotes.
///
/// Like the C original, the line ends at the first NUL byte.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let end = line.iter().position(|&b| b == 0).unwrap_or(line.len());
    let line = &line[..end];
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let c = at(p);
            if in_double {
                if c == b'\\' && at(p + 1) == b'x' && at(p + 2).is_ascii_hexdigit() && at(p + 3).is_ascii_hexdigit() {
                    current.push(hex(at(p + 2)) * 16 + hex(at(p + 3)));
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        if c != 0 {
                            p += 1;
                        }
                        break;
                    }
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    _ => current.push(c),
                }
            }
            p += 1;
        }
        args.push(current);
    }
}

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// A hex digit's value (the caller has checked it is one).
fn hex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Formats a reply the way redis-cli prints it on a terminal, ending with a newline.
pub fn format_reply(reply: &Reply) -> String {
    format_tty(reply, "")
}

/// Formats a reply as redis-cli prints it when connected with `protocol` (RESP2 unless the
/// client said `HELLO 3`): what the console shows.
pub fn format_reply_for(reply: &Reply, protocol: Protocol) -> String {
    format_tty(&reply.as_seen_by(protocol), "")
}

/// Formats a reply as `redis-cli --raw` prints it (Redis 7.0's `cliFormatReplyRaw` and the
/// newline after it): strings as their bytes, integers bare, no numbering, one element per line,
/// a map's pairs as `key value`, nil as an empty line.
pub fn format_reply_raw_for(reply: &Reply, protocol: Protocol) -> String {
    let reply = reply.as_seen_by(protocol);
    let mut out = String::new();
    match &reply {
        // One reply after another, each as redis-cli prints it.
        Reply::Many(items) => items.iter().for_each(|r| {
            format_raw(r, &mut out);
            out.push('\n');
        }),
        other => {
            format_raw(other, &mut out);
            out.push('\n');
        }
    }
    out
}

fn format_raw(reply: &Reply, out: &mut String) {
    let join = |items: &mut dyn Iterator<Item = &Reply>, out: &mut String| {
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push('\n');
            }
            format_raw(item, out);
        }
    };
    match reply {
        Reply::Nil | Reply::NilArray => {}
        Reply::Error(e) => {
            out.push_str(e);
            out.push('\n');
        }
        Reply::Status(s) => out.push_str(s),
        Reply::Bulk(b) | Reply::Raw(b) | Reply::Verbatim(_, b) => out.push_str(&String::from_utf8_lossy(b)),
        Reply::Boolean(b) => out.push_str(if *b { "(true)" } else { "(false)" }),
        Reply::Integer(n) => out.push_str(&n.to_string()),
        Reply::Unsigned(n) => out.push_str(&n.to_string()),
        Reply::Double(d) => out.push_str(&crate::reply::format_double(*d)),
        Reply::ShortDouble(d) => out.push_str(&crate::reply::format_double_short(*d)),
        Reply::Array(items) | Reply::Set(items) | Reply::Push(items) | Reply::Many(items) => {
            join(&mut items.iter(), out)
        }
        Reply::Map(pairs) => {
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                format_raw(k, out);
                out.push(' ');
                format_raw(v, out);
            }
        }
    }
}

fn format_tty(reply: &Reply, prefix: &str) -> String {
    match reply {
        Reply::Error(e) => format!("(error) {e}\n"),
        Reply::Status(s) => format!("{s}\n"),
        Reply::Integer(n) => format!("(integer) {n}\n"),
        Reply::Unsigned(n) => format!("(integer) {n}\n"),
        Reply::Double(d) => format!("(double) {}\n", format_double(*d)),
        Reply::ShortDouble(d) => format!("(double) {}\n", crate::reply::format_double_short(*d)),
        Reply::Bulk(b) | Reply::Raw(b) => format!("{}\n", quote(b)),
        // redis-cli prints verbatim text as it is.
        Reply::Verbatim(_, b) => format!("{}\n", String::from_utf8_lossy(b)),
        Reply::Nil | Reply::NilArray => "(nil)\n".to_string(),
        Reply::Boolean(b) => format!("({b})\n"),
        Reply::Array(items) | Reply::Push(items) => {
            format_aggregate(items.iter().map(|r| (r, None)).collect(), ')', "(empty array)", prefix)
        }
        Reply::Many(items) => items.iter().map(|r| format_tty(r, prefix)).collect(),
        Reply::Set(items) => format_aggregate(items.iter().map(|r| (r, None)).collect(), '~', "(empty set)", prefix),
        Reply::Map(pairs) => {
            format_aggregate(pairs.iter().map(|(k, v)| (k, Some(v))).collect(), '#', "(empty hash)", prefix)
        }
    }
}

/// The first line `redis-cli` would print for a reply and how many lines it prints in all,
/// without formatting (or converting) the rest: a cheap one-line summary of a long reply.
pub fn reply_summary(reply: &Reply, protocol: Protocol) -> (String, usize) {
    let mut first = String::new();
    first_line(reply, protocol, &mut first);
    (first, line_count(reply, protocol))
}

/// How many elements an aggregate shows, and its marker, as a client of `protocol` sees it.
fn shown_len(reply: &Reply, protocol: Protocol) -> Option<(usize, char)> {
    let resp2 = protocol == Protocol::Resp2;
    match reply {
        Reply::Array(v) | Reply::Push(v) => Some((v.len(), ')')),
        Reply::Set(v) => Some((v.len(), if resp2 { ')' } else { '~' })),
        Reply::Map(v) => Some(if resp2 { (v.len() * 2, ')') } else { (v.len(), '#') }),
        _ => None,
    }
}

fn first_line(reply: &Reply, protocol: Protocol, out: &mut String) {
    let (first, value): (&Reply, Option<&Reply>) = match reply {
        Reply::Array(v) | Reply::Push(v) | Reply::Set(v) if !v.is_empty() => (&v[0], None),
        Reply::Map(v) if !v.is_empty() => (&v[0].0, (protocol == Protocol::Resp3).then_some(&v[0].1)),
        Reply::Many(v) if !v.is_empty() => return first_line(&v[0], protocol, out),
        // The common leaves straight into `out` (a summary is made for every command a
        // simulated client sends).
        Reply::Integer(n) => {
            use std::fmt::Write;
            let _ = write!(out, "(integer) {n}");
            return;
        }
        Reply::Bulk(b) => return quote_into(b, out),
        Reply::Status(s) => return out.push_str(s),
        other => {
            out.push_str(format_tty(&other.as_seen_by(protocol), "").trim_end_matches('\n'));
            return;
        }
    };
    // An aggregate, as matched above.
    let Some((len, separator)) = shown_len(reply, protocol) else { return };
    for _ in 1..len.to_string().len() {
        out.push(' ');
    }
    out.push('1');
    out.push(separator);
    out.push(' ');
    first_line(first, protocol, out);
    if let Some(value) = value.filter(|_| line_count(first, protocol) == 1) {
        out.push_str(" => ");
        if !is_multiline(value) {
            first_line(value, protocol, out);
        }
    }
}

fn line_count(reply: &Reply, protocol: Protocol) -> usize {
    // A leaf is one line: counted here rather than by a call per element.
    let lines = |r: &Reply| match r {
        Reply::Array(_) | Reply::Push(_) | Reply::Set(_) | Reply::Map(_) | Reply::Many(_) => line_count(r, protocol),
        _ => 1,
    };
    match reply {
        Reply::Array(v) | Reply::Push(v) | Reply::Set(v) if !v.is_empty() => v.iter().map(lines).sum(),
        Reply::Map(v) if !v.is_empty() => v
            .iter()
            .map(|(k, val)| {
                // In RESP3 a value goes on its key's line, unless it takes lines of its own.
                let joined = usize::from(protocol == Protocol::Resp3 && !is_multiline(val));
                line_count(k, protocol) + line_count(val, protocol) - joined
            })
            .sum(),
        Reply::Many(v) => v.iter().map(|r| line_count(r, protocol)).sum(),
        _ => 1,
    }
}

/// Whether redis-cli prints a map's value on lines of its own (`cliIsMultilineValueTTY`): an
/// aggregate of several elements, or of one that is itself multiline.
fn is_multiline(reply: &Reply) -> bool {
    match reply {
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v.len() > 1 || v.first().is_some_and(is_multiline),
        Reply::Map(pairs) => pairs.len() > 1 || pairs.first().is_some_and(|(_, v)| is_multiline(v)),
        _ => false,
    }
}

/// Numbered elements: `1) ...`, nested ones indented under their parent's number.
fn format_aggregate(items: Vec<(&Reply, Option<&Reply>)>, separator: char, empty: &str, prefix: &str) -> String {
    if items.is_empty() {
        return format!("{empty}\n");
    }
    let width = items.len().to_string().len();
    let child_prefix = format!("{prefix}{}", " ".repeat(width + 2));
    let mut out = String::new();
    for (i, (item, value)) in items.iter().enumerate() {
        let lead = if i == 0 { "" } else { prefix };
        out.push_str(&format!("{lead}{:>width$}{separator} ", i + 1));
        out.push_str(&format_tty(item, &child_prefix));
        if let Some(value) = value {
            out.pop();
            out.push_str(" => ");
            // redis-cli breaks the line before a value of several lines, so it lines up.
            if is_multiline(value) {
                out.push('\n');
                out.push_str(&child_prefix);
            }
            out.push_str(&format_tty(value, &child_prefix));
        }
    }
    out
}

/// Redis's `sdscatrepr`: a double-quoted string with C escapes for what is not printable.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    quote_into(bytes, &mut out);
    out
}

/// [`quote`], appended to `out`.
pub fn quote_into(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes())
            .map(|args| args.into_iter().map(|a| String::from_utf8_lossy(&a).into_owned()).collect())
    }

    #[test]
    fn a_reply_summary_is_the_first_line_and_line_count_of_the_full_text() {
        let bulk = |s: &str| Reply::Bulk(s.as_bytes().to_vec());
        let entry = |id: &str| Reply::Array(vec![bulk(id), Reply::Array(vec![bulk("f"), bulk("v\nw")])]);
        let many: Vec<Reply> = (0..12).map(|i| entry(&format!("{i}-0"))).collect();
        let replies = [
            Reply::Integer(3),
            Reply::Nil,
            Reply::Array(vec![]),
            Reply::Array(vec![Reply::Array(vec![]), bulk("x")]),
            Reply::Array(vec![Reply::Array(vec![bulk("s"), Reply::Array(many.clone())])]),
            Reply::Array(many),
            Reply::Map(vec![(bulk("a"), Reply::Array(vec![bulk("x"), bulk("y")])), (bulk("b"), Reply::Double(1.5))]),
            Reply::Map(vec![(Reply::Array(vec![bulk("k1"), bulk("k2")]), Reply::Boolean(true))]),
            Reply::Set(vec![bulk("m"), Reply::Map(vec![])]),
            Reply::Many(vec![Reply::ok(), Reply::Integer(1)]),
        ];
        for reply in &replies {
            for protocol in [Protocol::Resp2, Protocol::Resp3] {
                let full = format_reply_for(reply, protocol);
                let expected = (full.lines().next().unwrap_or("").to_string(), full.lines().count());
                assert_eq!(reply_summary(reply, protocol), expected, "{reply:?} in {protocol:?}");
            }
        }
    }

    #[test]
    fn splits_like_sdssplitargs() {
        assert_eq!(split("  set a  b "), Some(vec!["set".into(), "a".into(), "b".into()]));
        assert_eq!(split(r#"set "a b" 'c d'"#), Some(vec!["set".into(), "a b".into(), "c d".into()]));
        assert_eq!(split(r#"echo "\x41\n\q""#), Some(vec!["echo".into(), "A\nq".into()]));
        assert_eq!(split(r"echo 'it\'s'"), Some(vec!["echo".into(), "it's".into()]));
        assert_eq!(split(r#"foo"bar baz""#), Some(vec!["foobar baz".into()]));
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split(r#"echo "unbalanced"#), None);
        assert_eq!(split(r#"echo "a"b"#), None);
        assert_eq!(split("echo 'a"), None);
        assert_eq!(split_args(b"echo a\0b c"), Some(vec![b"echo".to_vec(), b"a".to_vec()]));
    }

    #[test]
    fn formats_like_redis_cli() {
        assert_eq!(format_reply(&Reply::Integer(3)), "(integer) 3\n");
        assert_eq!(format_reply(&Reply::Nil), "(nil)\n");
        assert_eq!(format_reply(&Reply::bulk("a\"b\x01")), "\"a\\\"b\\x01\"\n");
        assert_eq!(format_reply(&Reply::Array(vec![])), "(empty array)\n");
        let nested = Reply::Array(vec![
            Reply::Array(vec![Reply::bulk("1-0"), Reply::Array(vec![Reply::bulk("f"), Reply::bulk("v")])]),
            Reply::Integer(7),
        ]);
        assert_eq!(format_reply(&nested), "1) 1) \"1-0\"\n   2) 1) \"f\"\n      2) \"v\"\n2) (integer) 7\n");
        let wide = Reply::Array((0..10).map(Reply::Integer).collect());
        assert!(format_reply(&wide).starts_with(" 1) (integer) 0\n 2) (integer) 1\n"));
        assert!(format_reply(&wide).ends_with("10) (integer) 9\n"));
        let map = Reply::Map(vec![(Reply::bulk("a"), Reply::Integer(1))]);
        assert_eq!(format_reply(&map), "1# \"a\" => (integer) 1\n");
    }
}
