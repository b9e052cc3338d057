//! One file per command family. Each command is a `CommandSpec` row (its table entry) plus a
//! handler that parses the arguments and does the work.

mod connection;
mod keys;
mod server;
mod stream;
mod string;
mod transaction;

use crate::command::CommandSpec;

pub(crate) use stream::subcommand_syntax_error;

/// Every top-level command, grouped by family.
pub static TABLE: &[&CommandSpec] = &[
    // connection
    &connection::CLIENT,
    &connection::ECHO,
    &connection::HELLO,
    &connection::PING,
    &connection::QUIT,
    &connection::SELECT,
    // keys
    &keys::COPY,
    &keys::DEL,
    &keys::EXISTS,
    &keys::EXPIRE,
    &keys::EXPIREAT,
    &keys::EXPIRETIME,
    &keys::KEYS,
    &keys::MOVE,
    &keys::OBJECT,
    &keys::PERSIST,
    &keys::PEXPIRE,
    &keys::PEXPIREAT,
    &keys::PEXPIRETIME,
    &keys::PTTL,
    &keys::RANDOMKEY,
    &keys::RENAME,
    &keys::RENAMENX,
    &keys::SCAN,
    &keys::SWAPDB,
    &keys::TOUCH,
    &keys::TTL,
    &keys::TYPE,
    &keys::UNLINK,
    // server
    &server::COMMAND,
    &server::CONFIG,
    &server::DBSIZE,
    &server::FLUSHALL,
    &server::FLUSHDB,
    &server::FUNCTION,
    &server::INFO,
    &server::TIME,
    // streams
    &stream::xadd::XADD,
    &stream::xpending::XACK,
    &stream::xclaim::XAUTOCLAIM,
    &stream::xclaim::XCLAIM,
    &stream::xdel::XACKDEL,
    &stream::xdel::XDEL,
    &stream::xdel::XDELEX,
    &stream::xgroup::XGROUP,
    &stream::xinfo::XINFO,
    &stream::xrange::XLEN,
    &stream::xpending::XPENDING,
    &stream::xrange::XRANGE,
    &stream::xread::XREAD,
    &stream::xread::XREADGROUP,
    &stream::xrange::XREVRANGE,
    &stream::xdel::XSETID,
    &stream::xadd::XTRIM,
    // strings
    &string::APPEND,
    &string::DECR,
    &string::DECRBY,
    &string::GET,
    &string::GETDEL,
    &string::GETEX,
    &string::GETRANGE,
    &string::GETSET,
    &string::INCR,
    &string::INCRBY,
    &string::INCRBYFLOAT,
    &string::LCS,
    &string::MGET,
    &string::MSET,
    &string::MSETNX,
    &string::PSETEX,
    &string::SET,
    &string::SETEX,
    &string::SETNX,
    &string::SETRANGE,
    &string::STRLEN,
    &string::SUBSTR,
    // transactions
    &transaction::DISCARD,
    &transaction::EXEC,
    &transaction::MULTI,
];
