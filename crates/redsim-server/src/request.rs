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
    let mut words = Words::default();
    match parse_multibulk_into(buf, &mut words) {
        Filled::Request(len) => Parsed::Request(words.words, len),
        Filled::Incomplete => Parsed::Incomplete,
        Filled::Error(text) => Parsed::Error(text),
    }
}

/// A request's words in buffers kept from one request to the next: a pipeline of small
/// commands reads each into the allocations of the one before it.
#[derive(Debug, Default)]
pub struct Words {
    words: Vec<Vec<u8>>,
    len: usize,
}

impl Words {
    /// The words of the last request read.
    pub fn argv(&self) -> &[Vec<u8>] {
        &self.words[..self.len]
    }

    /// Puts `bytes` in the `i`th buffer (`i` is at most the number already filled).
    fn set(&mut self, i: usize, bytes: &[u8]) {
        match self.words.get_mut(i) {
            // A buffer grown by a large value is not kept for small ones.
            Some(word) if word.capacity() > KEEP_MAX && bytes.len() <= KEEP_MAX => *word = bytes.to_vec(),
            Some(word) => {
                word.clear();
                word.extend_from_slice(bytes);
            }
            None => self.words.push(bytes.to_vec()),
        }
        self.len = i + 1;
    }

    /// After a request of `count` words: spare buffers beyond the first few are let go.
    fn trim(&mut self) {
        self.words.truncate(self.len.max(KEEP_WORDS));
    }
}

/// How many spare word buffers, and how large a one, are kept between requests.
const KEEP_WORDS: usize = 64;
const KEEP_MAX: usize = 16 * 1024;

/// What [`parse_into`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Filled {
    /// A request, in the words, and how many bytes of the buffer it used. No words is a blank
    /// line or an empty multibulk, which Redis skips.
    Request(usize),
    /// More bytes are needed.
    Incomplete,
    /// The text after `ERR Protocol error: `; the connection is closed after replying.
    Error(String),
}

/// [`parse`], reading the request into `words`' buffers.
pub fn parse_into(buf: &[u8], words: &mut Words) -> Filled {
    match buf.first() {
        None => Filled::Incomplete,
        Some(b'*') => parse_multibulk_into(buf, words),
        Some(_) => match parse_inline(buf) {
            Parsed::Request(argv, len) => {
                words.len = 0;
                for (i, word) in argv.iter().enumerate() {
                    words.set(i, word);
                }
                Filled::Request(len)
            }
            Parsed::Incomplete => Filled::Incomplete,
            Parsed::Error(text) => Filled::Error(text),
        },
    }
}

fn parse_multibulk_into(buf: &[u8], words: &mut Words) -> Filled {
    words.len = 0;
    let Some((count, mut pos)) = number_line(buf, 0) else {
        return if buf.len() > INLINE_MAX {
            Filled::Error("too big mbulk count string".into())
        } else {
            Filled::Incomplete
        };
    };
    let count = match count {
        Some(n) if n <= i64::from(i32::MAX) => n,
        _ => return Filled::Error("invalid multibulk length".into()),
    };
    // Words are filled only as their bytes have arrived, never reserved for what the header
    // claims.
    for i in 0..count.max(0) as usize {
        if pos >= buf.len() {
            words.len = 0;
            return Filled::Incomplete;
        }
        let Some((len, start)) = number_line(buf, pos) else {
            words.len = 0;
            return if buf.len() - pos > INLINE_MAX {
                Filled::Error("too big bulk count string".into())
            } else {
                Filled::Incomplete
            };
        };
        if buf[pos] != b'$' {
            words.len = 0;
            return Filled::Error(format!("expected '$', got '{}'", buf[pos] as char));
        }
        let len = match len {
            Some(n) if (0..=BULK_MAX).contains(&n) => n as usize,
            _ => {
                words.len = 0;
                return Filled::Error("invalid bulk length".into());
            }
        };
        if buf.len() < start + len + 2 {
            words.len = 0;
            return Filled::Incomplete;
        }
        words.set(i, &buf[start..start + len]);
        pos = start + len + 2;
    }
    words.trim();
    Filled::Request(pos)
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
    fn words_are_reused_and_match_parse() {
        let mut words = Words::default();
        let requests: [&[u8]; 3] =
            [b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n", b"*1\r\n$4\r\nPING\r\n", b"ECHO x\r\n"];
        let buf = [&requests.concat()[..], b"*2\r\n$1"].concat();
        let mut at = 0;
        for (request_bytes, expected) in requests.iter().zip([&["SET", "k", "value"][..], &["PING"], &["ECHO", "x"]]) {
            assert_eq!(parse_into(&buf[at..], &mut words), Filled::Request(request_bytes.len()));
            assert_eq!(words.argv(), request(expected));
            assert_eq!(parse(&buf[at..]), Parsed::Request(request(expected), request_bytes.len()));
            at += request_bytes.len();
        }
        assert_eq!(parse_into(&buf[at..], &mut words), Filled::Incomplete);
        assert!(words.argv().is_empty());
        assert_eq!(parse_into(b"*1\r\n+a\r\n", &mut words), Filled::Error("expected '$', got '+'".into()));
        // A large value's buffer is not kept for the small ones after it.
        let big = format!("*1\r\n${}\r\n{}\r\n", KEEP_MAX + 1, "a".repeat(KEEP_MAX + 1));
        assert!(matches!(parse_into(big.as_bytes(), &mut words), Filled::Request(_)));
        assert!(matches!(parse_into(b"*1\r\n$1\r\nb\r\n", &mut words), Filled::Request(_)));
        assert!(words.words[0].capacity() <= KEEP_MAX);
        // Many words: the spare buffers beyond KEEP_WORDS go with the next smaller request.
        let many = format!("*100\r\n{}", "$1\r\nz\r\n".repeat(100));
        assert!(matches!(parse_into(many.as_bytes(), &mut words), Filled::Request(_)));
        assert_eq!(words.argv().len(), 100);
        assert!(matches!(parse_into(b"*1\r\n$1\r\nb\r\n", &mut words), Filled::Request(_)));
        assert_eq!(words.words.len(), KEEP_WORDS);
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
