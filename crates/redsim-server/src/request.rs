//! Reading requests from a connection's input buffer, as Redis's `processMultibulkBuffer` and
//! `processInlineBuffer` do, with the same protocol errors.
//!
//! No length read from the wire is trusted for an allocation: a bulk is only copied out once all
//! of its bytes have arrived.

use redsim_engine::cli::split_args;
use redsim_engine::Argv;

/// Longest inline request, or count line, Redis accepts before the newline (`PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;
/// Largest bulk string (`proto-max-bulk-len`).
pub const BULK_MAX: i64 = 512 * 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A request and how many bytes of the buffer it used. An empty `argv` is a blank line or an
    /// empty multibulk, which Redis skips.
    Request(Argv, usize),
    /// More bytes are needed.
    Incomplete,
    /// The text after `ERR Protocol error: `; the connection is closed after replying.
    Error(String),
}

/// Parses the first request in `buf`.
pub fn parse(buf: &[u8]) -> Parsed {
    match buf.first() {
        None => Parsed::Incomplete,
        Some(b'*') => parse_multibulk(buf),
        Some(_) => parse_inline(buf),
    }
}

fn parse_inline(buf: &[u8]) -> Parsed {
    let Some(newline) = buf.iter().position(|&b| b == b'\n') else {
        return if buf.len() > INLINE_MAX {
            Parsed::Error("too big inline request".into())
        } else {
            Parsed::Incomplete
        };
    };
    let line = buf[..newline].strip_suffix(b"\r").unwrap_or(&buf[..newline]);
    match split_args(line) {
        Some(argv) => Parsed::Request(argv, newline + 1),
        None => Parsed::Error("unbalanced quotes in request".into()),
    }
}

/// A `<prefix><number>\r\n` line starting at `at`: the number and where the next line starts.
fn number_line(buf: &[u8], at: usize) -> Option<(Option<i64>, usize)> {
    let cr = buf[at..].iter().position(|&b| b == b'\r')? + at;
    // Redis waits for the byte after '\r' without checking that it is '\n'.
    if cr + 1 >= buf.len() {
        return None;
    }
    // A line that is only "\r" has no number at all (and must not be sliced backwards).
    let digits = buf.get(at + 1..cr).unwrap_or_default();
    Some((redsim_engine::args::parse_i64(digits), cr + 2))
}

fn parse_multibulk(buf: &[u8]) -> Parsed {
    let Some((count, mut pos)) = number_line(buf, 0) else {
        return if buf.len() > INLINE_MAX {
            Parsed::Error("too big mbulk count string".into())
        } else {
            Parsed::Incomplete
        };
    };
    let count = match count {
        Some(n) if n <= i64::from(i32::MAX) => n,
        _ => return Parsed::Error("invalid multibulk length".into()),
    };
    if count <= 0 {
        return Parsed::Request(Vec::new(), pos);
    }
    // Grow with what has arrived, never with what the header claims.
    let mut argv = Vec::with_capacity((count as usize).min(1024));
    for _ in 0..count {
        if pos >= buf.len() {
            return Parsed::Incomplete;
        }
        let Some((len, start)) = number_line(buf, pos) else {
            return if buf.len() - pos > INLINE_MAX {
                Parsed::Error("too big bulk count string".into())
            } else {
                Parsed::Incomplete
            };
        };
        if buf[pos] != b'$' {
            return Parsed::Error(format!("expected '$', got '{}'", buf[pos] as char));
        }
        let len = match len {
            Some(n) if (0..=BULK_MAX).contains(&n) => n as usize,
            _ => return Parsed::Error("invalid bulk length".into()),
        };
        if buf.len() < start + len + 2 {
            return Parsed::Incomplete;
        }
        argv.push(buf[start..start + len].to_vec());
        pos = start + len + 2;
    }
    Parsed::Request(argv, pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(parts: &[&str]) -> Argv {
        parts.iter().map(|p| p.as_bytes().to_vec()).collect()
    }

    #[test]
    fn multibulk_and_inline() {
        let buf = b"*2\r\n$4\r\nECHO\r\n$3\r\nhey\r\n*1\r\n";
        assert_eq!(parse(buf), Parsed::Request(request(&["ECHO", "hey"]), 23));
        assert_eq!(parse(&buf[23..]), Parsed::Incomplete);
        assert_eq!(parse(b"PING \"a b\"\r\n"), Parsed::Request(request(&["PING", "a b"]), 12));
        assert_eq!(parse(b"\r\n"), Parsed::Request(vec![], 2));
        assert_eq!(parse(b"*0\r\n"), Parsed::Request(vec![], 4));
        for cut in 1..buf.len() - 5 {
            assert_eq!(parse(&buf[..cut]), Parsed::Incomplete, "cut at {cut}");
        }
    }

    #[test]
    fn protocol_errors() {
        assert_eq!(parse(b"*x\r\n"), Parsed::Error("invalid multibulk length".into()));
        assert_eq!(parse(b"*1\r\n+a\r\n"), Parsed::Error("expected '$', got '+'".into()));
        assert_eq!(parse(b"*1\r\n$-2\r\n"), Parsed::Error("invalid bulk length".into()));
        assert_eq!(parse(b"*1\r\n$999999999999\r\n"), Parsed::Error("invalid bulk length".into()));
        assert_eq!(parse(b"echo \"a\r\n"), Parsed::Error("unbalanced quotes in request".into()));
        assert_eq!(parse(&[b'a'; INLINE_MAX + 1]), Parsed::Error("too big inline request".into()));
        // A huge declared length allocates nothing until the bytes arrive.
        assert_eq!(parse(b"*1\r\n$536870912\r\nabc"), Parsed::Incomplete);
        assert_eq!(parse(b"*2147483647\r\n"), Parsed::Incomplete);
        // Found by the fuzzer: an empty count line.
        assert_eq!(parse(b"*1\r\n\r\n"), Parsed::Error("expected '$', got '\r'".into()));
        assert_eq!(parse(b"\r\n*"), Parsed::Request(vec![], 2));
    }
}
