//! Replies as RESP values, and their encoding in RESP2 and RESP3.
//!
//! A command builds one `Reply` whatever protocol its client speaks; the protocol only matters when
//! the reply is written out. That is how Redis does it too (`addReplyMap` falls back to a flat array
//! under RESP2), and it keeps every command free of protocol checks.

/// Which RESP dialect a client negotiated with `HELLO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

/// One RESP value.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `+OK`: a status line.
    Status(String),
    /// `-ERR ...`: the whole text, error code included.
    Error(String),
    Integer(i64),
    /// An integer reply above `i64::MAX` (Redis's `addReplyUnsignedLongLong`: array lengths and
    /// indexes reach 2^64-1).
    Unsigned(u64),
    Bulk(Vec<u8>),
    /// The null that stands for a missing string: `$-1` in RESP2.
    Nil,
    /// The null that stands for a missing aggregate: `*-1` in RESP2.
    NilArray,
    Array(Vec<Reply>),
    /// Key/value pairs: a flat array in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// An unordered collection: a plain array in RESP2.
    Set(Vec<Reply>),
    /// A floating point number: a bulk string in RESP2, printed as Redis 7.0 prints it (`%.17g`).
    Double(f64),
    /// A floating point number as Redis 7.2 and later print it: the shortest text that reads back
    /// as the same double (`Reply::for_version` turns `Double` into this).
    ShortDouble(f64),
    /// `#t`/`#f`: the integers 1 and 0 in RESP2.
    Boolean(bool),
    /// An out-of-band message (`>` in RESP3, a plain array in RESP2): pub/sub deliveries and
    /// subscription confirmations.
    Push(Vec<Reply>),
    /// Several replies to one command, one after the other (`SUBSCRIBE a b` confirms each
    /// channel separately).
    Many(Vec<Reply>),
    /// Text in a format (`txt`): `=` in RESP3, a bulk string in RESP2 (`INFO`, `LATENCY DOCTOR`).
    Verbatim(String, Vec<u8>),
    /// Bytes written as they are: the RDB payload `SYNC` sends a replica (`$<len>\r\n` and the
    /// file, with no line end after it). Shown as a bulk string.
    Raw(Vec<u8>),
}

impl Reply {
    /// The reply as a server of `version` writes it: from Redis 7.2 doubles print in their
    /// shortest form (`addReplyDouble` through `d2string`'s grisu conversion).
    pub fn for_version(self, version: crate::Version) -> Reply {
        if !version.at_least(7, 2) {
            return self;
        }
        self.shorten_doubles()
    }

    fn shorten_doubles(self) -> Reply {
        let all = |items: Vec<Reply>| items.into_iter().map(Reply::shorten_doubles).collect();
        match self {
            Reply::Double(d) => Reply::ShortDouble(d),
            Reply::Array(items) => Reply::Array(all(items)),
            Reply::Set(items) => Reply::Set(all(items)),
            Reply::Push(items) => Reply::Push(all(items)),
            Reply::Many(items) => Reply::Many(all(items)),
            Reply::Map(pairs) => {
                Reply::Map(pairs.into_iter().map(|(k, v)| (k.shorten_doubles(), v.shorten_doubles())).collect())
            }
            other => other,
        }
    }

    /// An unsigned count or index: an integer reply, whatever its size.
    pub fn unsigned(n: u64) -> Reply {
        match i64::try_from(n) {
            Ok(n) => Reply::Integer(n),
            Err(_) => Reply::Unsigned(n),
        }
    }

    pub fn ok() -> Reply {
        Reply::Status("OK".to_string())
    }

    pub fn status(text: &str) -> Reply {
        Reply::Status(text.to_string())
    }

    pub fn bulk(bytes: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(bytes.as_ref().to_vec())
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// This reply as a client speaking `protocol` receives it: under RESP2 maps arrive as flat
    /// arrays, sets as arrays, doubles as bulk strings and booleans as integers.
    pub fn as_seen_by(&self, protocol: Protocol) -> Reply {
        if protocol == Protocol::Resp3 {
            return self.clone();
        }
        match self {
            Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
                Reply::Array(items.iter().map(|r| r.as_seen_by(protocol)).collect())
            }
            Reply::Many(items) => Reply::Many(items.iter().map(|r| r.as_seen_by(protocol)).collect()),
            Reply::Map(pairs) => {
                Reply::Array(pairs.iter().flat_map(|(k, v)| [k.as_seen_by(protocol), v.as_seen_by(protocol)]).collect())
            }
            Reply::Double(d) => Reply::Bulk(format_double(*d).into_bytes()),
            Reply::ShortDouble(d) => Reply::Bulk(format_double_short(*d).into_bytes()),
            Reply::Boolean(b) => Reply::Integer(i64::from(*b)),
            Reply::Verbatim(_, b) => Reply::Bulk(b.clone()),
            other => other.clone(),
        }
    }

    /// The RESP bytes of this reply for a client speaking `protocol`.
    pub fn encode(&self, protocol: Protocol) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(protocol, &mut out);
        out
    }

    pub fn encode_into(&self, protocol: Protocol, out: &mut Vec<u8>) {
        let resp3 = protocol == Protocol::Resp3;
        match self {
            Reply::Status(s) => line(out, b'+', s.as_bytes()),
            Reply::Error(s) => line(out, b'-', s.as_bytes()),
            Reply::Integer(n) => number_line(out, b':', *n),
            Reply::Unsigned(n) => line(out, b':', n.to_string().as_bytes()),
            Reply::Bulk(b) => bulk(out, b),
            Reply::Verbatim(format, text) if resp3 => {
                number_line(out, b'=', (format.len() + 1 + text.len()) as i64);
                out.extend_from_slice(format.as_bytes());
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Verbatim(_, text) => bulk(out, text),
            Reply::Nil | Reply::NilArray if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
            Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Array(items) => {
                number_line(out, b'*', items.len() as i64);
                items.iter().for_each(|r| r.encode_into(protocol, out));
            }
            Reply::Set(items) => {
                let kind = if resp3 { b'~' } else { b'*' };
                number_line(out, kind, items.len() as i64);
                items.iter().for_each(|r| r.encode_into(protocol, out));
            }
            Reply::Map(pairs) => {
                if resp3 {
                    number_line(out, b'%', pairs.len() as i64);
                } else {
                    number_line(out, b'*', pairs.len() as i64 * 2);
                }
                for (k, v) in pairs {
                    k.encode_into(protocol, out);
                    v.encode_into(protocol, out);
                }
            }
            Reply::Double(_) | Reply::ShortDouble(_) => {
                let text = match self {
                    Reply::ShortDouble(d) => format_double_short(*d),
                    Reply::Double(d) => format_double(*d),
                    _ => String::new(),
                };
                if resp3 {
                    line(out, b',', text.as_bytes());
                } else {
                    bulk(out, text.as_bytes());
                }
            }
            Reply::Boolean(b) if resp3 => line(out, b'#', if *b { b"t" } else { b"f" }),
            Reply::Boolean(b) => line(out, b':', if *b { b"1" } else { b"0" }),
            Reply::Push(items) => {
                number_line(out, if resp3 { b'>' } else { b'*' }, items.len() as i64);
                items.iter().for_each(|r| r.encode_into(protocol, out));
            }
            Reply::Many(items) => items.iter().for_each(|r| r.encode_into(protocol, out)),
            Reply::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }
}

fn line(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
    out.push(kind);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

/// `<kind><n>\r\n` without allocating: replies are mostly these lines, and most of their numbers
/// have one digit.
fn number_line(out: &mut Vec<u8>, kind: u8, n: i64) {
    if (0..=9).contains(&n) {
        out.extend_from_slice(&[kind, b'0' + n as u8, b'\r', b'\n']);
        return;
    }
    out.push(kind);
    if n < 0 {
        out.push(b'-');
    }
    crate::stream::id::push_decimal(out, n.unsigned_abs());
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    // Room for the whole element at once.
    out.reserve(bytes.len() + 25);
    number_line(out, b'$', bytes.len() as i64);
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// Formats a double the way Redis's `addReplyDouble` does: `%.17g`, with `inf`/`-inf`/`nan`.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    format_g(d, 17)
}

/// Redis 7.2's `d2string`: `nan`, `inf`, `-0`, integers that fit in half of `long long` as
/// integers, everything else as `fpconv_dtoa` writes the shortest digits that read back as the
/// same double (plain up to 21 digits or 6 leading zeros, else `1.5e+30` / `1e-7`).
pub fn format_double_short(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.into();
    }
    const HALF: f64 = (i64::MAX / 2) as f64;
    if (-HALF..=HALF).contains(&d) && d.fract() == 0.0 {
        return (d as i64).to_string();
    }
    // The shortest digits, and the exponent of the first one.
    let sci = format!("{:e}", d.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let first_exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let ndigits = digits.len() as i64;
    let k = first_exp - ndigits + 1;
    let sign = if d < 0.0 { "-" } else { "" };
    let exp = first_exp.abs();
    if k >= 0 && exp < ndigits + 7 {
        return format!("{sign}{digits}{}", "0".repeat(k as usize));
    }
    if k < 0 && (k > -7 || exp < 4) {
        let offset = ndigits + k;
        return if offset <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-offset) as usize))
        } else {
            let (int, frac) = digits.split_at(offset as usize);
            format!("{sign}{int}.{frac}")
        };
    }
    let tail = if ndigits > 1 { format!(".{}", &digits[1..]) } else { String::new() };
    let esign = if first_exp < 0 { '-' } else { '+' };
    format!("{sign}{}{tail}e{esign}{exp}", &digits[..1])
}

/// C's `%.<precision>g` (one implementation, shared with the scripts' Lua).
pub use redsim_lua::format_g;

#[cfg(test)]
mod tests {
    use super::format_double_short;

    // Redis 7.4.1's replies for the same scores (ZSCORE), and fpconv's layout rules.
    #[test]
    fn shortest_doubles_print_as_redis_7_2_and_later() {
        let cases = [
            (1.1, "1.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e30, "1e+30"),
            (1.5e-7, "1.5e-7"),
            (1e-7, "1e-7"),
            (0.0001, "0.0001"),
            (123456789.125, "123456789.125"),
            (4611686018427387904.0, "4611686018427387904"),
            (1e20, "1e+20"),
            (1.23e20, "1.23e+20"),
            (-2.5, "-2.5"),
            (-0.0, "-0"),
            (3.0, "3"),
            (f64::INFINITY, "inf"),
            (1e-300, "1e-300"),
        ];
        for (d, text) in cases {
            assert_eq!(format_double_short(d), text, "{d:e}");
        }
    }

    use super::*;

    #[test]
    fn resp2_and_resp3_encodings() {
        let map = Reply::Map(vec![(Reply::bulk("a"), Reply::Integer(1))]);
        assert_eq!(map.encode(Protocol::Resp2), b"*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(map.encode(Protocol::Resp3), b"%1\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(Reply::Nil.encode(Protocol::Resp2), b"$-1\r\n");
        assert_eq!(Reply::NilArray.encode(Protocol::Resp2), b"*-1\r\n");
        assert_eq!(Reply::NilArray.encode(Protocol::Resp3), b"_\r\n");
        assert_eq!(Reply::Double(1.5).encode(Protocol::Resp2), b"$3\r\n1.5\r\n");
        assert_eq!(Reply::Boolean(true).encode(Protocol::Resp3), b"#t\r\n");
        assert_eq!(Reply::Integer(i64::MIN).encode(Protocol::Resp2), b":-9223372036854775808\r\n");
        assert_eq!(Reply::Integer(0).encode(Protocol::Resp2), b":0\r\n");
    }

    #[test]
    fn lengths_and_counts_around_one_digit() {
        for n in [0usize, 1, 9, 10, 11, 99, 100, 12345] {
            let bytes = vec![b'x'; n];
            let expected = [format!("${n}\r\n").into_bytes(), bytes.clone(), b"\r\n".to_vec()].concat();
            assert_eq!(Reply::Bulk(bytes).encode(Protocol::Resp2), expected);
            assert_eq!(
                Reply::Array(vec![Reply::Nil; n]).encode(Protocol::Resp2)[..],
                {
                    let mut e = format!("*{n}\r\n").into_bytes();
                    e.extend(b"$-1\r\n".repeat(n));
                    e
                }[..]
            );
            assert_eq!(Reply::Integer(n as i64).encode(Protocol::Resp2), format!(":{n}\r\n").into_bytes());
            assert_eq!(
                Reply::Integer(-(n as i64)).encode(Protocol::Resp2),
                format!(":{}\r\n", -(n as i64)).into_bytes()
            );
        }
    }

    #[test]
    fn resp2_clients_see_flat_arrays() {
        let map = Reply::Map(vec![(Reply::bulk("a"), Reply::Set(vec![Reply::Boolean(true)]))]);
        let seen = map.as_seen_by(Protocol::Resp2);
        assert_eq!(seen, Reply::Array(vec![Reply::bulk("a"), Reply::Array(vec![Reply::Integer(1)])]));
        assert_eq!(seen.encode(Protocol::Resp2), map.encode(Protocol::Resp2));
    }

    #[test]
    fn doubles_print_like_percent_17g() {
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(1e20), "1e+20");
        assert_eq!(format_double(123456.0), "123456");
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(format_double(0.00001), "1.0000000000000001e-05");
        assert_eq!(format_double(f64::INFINITY), "inf");
    }
}
