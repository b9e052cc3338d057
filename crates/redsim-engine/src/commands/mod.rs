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
    &keys::DEL,
    &keys::EXISTS,
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
    &string::GET,
    &string::SET,
    // transactions
    &transaction::DISCARD,
    &transaction::EXEC,
    &transaction::MULTI,
];
