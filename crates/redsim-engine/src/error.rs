//! Every error reply the engine can give, as data. `Display` is Redis's exact text, error code
//! first, so a test can compare it byte for byte with a real server's reply.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// `name` is the command's full name in lower case, e.g. `xgroup|create`.
    WrongArity {
        name: String,
    },
    UnknownCommand {
        name: Vec<u8>,
        args: Vec<Vec<u8>>,
    },
    UnknownSubcommand {
        sub: Vec<u8>,
        container: String,
    },
    Syntax,
    NotInteger,
    NotFloat,
    OutOfRange,
    /// Redis's `getRangeLongFromObjectOrReply` bounds message.
    NotInRange {
        min: i64,
        max: i64,
    },
    WrongType,
    InvalidExpireTime {
        command: String,
    },
    NoSuchKey,
    ExecWithoutMulti,
    DiscardWithoutMulti,
    NestedMulti,
    ExecAbort,
    InvalidDbIndex,
    DbIndexOutOfRange,
    /// Any other error, whole text including its code (`ERR`, `NOGROUP`, `BUSYGROUP`, ...).
    Other(String),
    /// Not an error reply: the command asks to park the client until one of the keys is
    /// written to or the deadline passes. The dispatcher turns it into a blocked client.
    Block(BlockOn),
}

/// What a blocking command waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOn {
    pub keys: Vec<Vec<u8>>,
    /// Absolute virtual ms; 0 waits forever.
    pub deadline_ms: u64,
    /// The command to run again when a key is ready, with relative IDs already resolved.
    pub argv: Vec<Vec<u8>>,
    /// What a timeout answers instead of a null array.
    pub timeout_integer: Option<i64>,
    /// `WAIT`: the offset replicas must acknowledge and how many must; the wait ends when they
    /// have, and a timeout answers how many had.
    pub acks: Option<(u64, i64)>,
}

impl BlockOn {
    /// A wait on keys, answered with a null array if it times out.
    pub fn keys(keys: Vec<Vec<u8>>, deadline_ms: u64, argv: Vec<Vec<u8>>) -> BlockOn {
        BlockOn { keys, deadline_ms, argv, timeout_integer: None, acks: None }
    }

    /// A wait for `timeout_ms` (0: for ever) on no key, answered with `integer` when it ends.
    pub fn timeout_only(timeout_ms: u64, now_ms: u64, integer: i64) -> BlockOn {
        let deadline_ms = if timeout_ms == 0 { 0 } else { now_ms.saturating_add(timeout_ms) };
        BlockOn { keys: Vec::new(), deadline_ms, argv: Vec::new(), timeout_integer: Some(integer), acks: None }
    }

    /// `WAIT`: until `wanted` replicas acknowledged `offset`, or `timeout_ms` (0: for ever).
    pub fn acks(offset: u64, wanted: i64, timeout_ms: u64, now_ms: u64) -> BlockOn {
        BlockOn { acks: Some((offset, wanted)), ..BlockOn::timeout_only(timeout_ms, now_ms, 0) }
    }
}

/// The result of running a command: a reply, or an error reply.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn other(text: impl Into<String>) -> Error {
        Error::Other(text.into())
    }
}

/// Redis prints user-supplied names with `%.128s`: at most 128 bytes, stopping at a NUL.
fn c_str_prefix(bytes: &[u8], max: usize) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len()).min(max);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WrongArity { name } => {
                write!(f, "ERR wrong number of arguments for '{name}' command")
            }
            Error::UnknownCommand { name, args } => {
                write!(f, "ERR unknown command '{}', with args beginning with: ", c_str_prefix(name, 128))?;
                // Redis appends `'%.*s' ` while the list is shorter than 128 bytes.
                let mut listed = String::new();
                for arg in args {
                    if listed.len() >= 128 {
                        break;
                    }
                    let room = 128 - listed.len();
                    listed.push('\'');
                    listed.push_str(&c_str_prefix(arg, room));
                    listed.push_str("' ");
                }
                f.write_str(&listed)
            }
            Error::UnknownSubcommand { sub, container } => {
                write!(f, "ERR unknown subcommand '{}'. Try {} HELP.", c_str_prefix(sub, 128), container)
            }
            Error::Syntax => f.write_str("ERR syntax error"),
            Error::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            Error::NotFloat => f.write_str("ERR value is not a valid float"),
            Error::OutOfRange => f.write_str("ERR value is out of range, must be positive"),
            Error::NotInRange { min, max } => {
                write!(f, "ERR value is out of range, value must between {min} and {max}")
            }
            Error::WrongType => f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value"),
            Error::InvalidExpireTime { command } => {
                write!(f, "ERR invalid expire time in '{command}' command")
            }
            Error::NoSuchKey => f.write_str("ERR no such key"),
            Error::ExecWithoutMulti => f.write_str("ERR EXEC without MULTI"),
            Error::DiscardWithoutMulti => f.write_str("ERR DISCARD without MULTI"),
            Error::NestedMulti => f.write_str("ERR MULTI calls can not be nested"),
            Error::ExecAbort => f.write_str("EXECABORT Transaction discarded because of previous errors."),
            Error::InvalidDbIndex => f.write_str("ERR invalid DB index"),
            Error::DbIndexOutOfRange => f.write_str("ERR DB index is out of range"),
            Error::Other(text) => f.write_str(text),
            Error::Block(_) => f.write_str("ERR internal: a blocked command has no error text"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_lists_args_like_redis() {
        let e = Error::UnknownCommand { name: b"foo".to_vec(), args: vec![b"a".to_vec(), b"b c".to_vec()] };
        assert_eq!(e.to_string(), "ERR unknown command 'foo', with args beginning with: 'a' 'b c' ");
        let none = Error::UnknownCommand { name: b"foo".to_vec(), args: vec![] };
        assert_eq!(none.to_string(), "ERR unknown command 'foo', with args beginning with: ");
    }
}
