//! Stream commands, one file per family, all over `crate::stream::Stream`.

#[cfg(test)]
mod tests;
pub mod xadd;
pub mod xclaim;
pub mod xdel;
pub mod xgroup;
pub mod xinfo;
pub mod xpending;
pub mod xrange;
pub mod xread;

use crate::effect::{Effect, StreamEffect};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::stream::{Stream, StreamEntry, StreamId};
use crate::value::Value;

pub(crate) const STREAM: &str = "stream";

/// The stream at `key` after lazy expiry: `None` when missing, `WRONGTYPE` for another type.
pub(crate) fn lookup<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Stream>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType),
    }
}

/// Records a stream change for the views.
pub(crate) fn effect(ctx: &mut Ctx, key: &[u8], change: StreamEffect) {
    if !ctx.server.observe {
        return;
    }
    let db = ctx.db_index();
    ctx.effect(Effect::Stream { db, key: key.to_vec(), change });
}

pub(crate) fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.to_bytes())
}

/// `[id, [field, value, ...]]`, as every stream read replies with an entry.
/// The same reply built straight from the node's bytes.
pub(crate) fn node_entry_reply(node: &crate::stream::Node, meta: crate::stream::EntryMeta) -> Reply {
    let mut fields = Vec::with_capacity(4);
    node.visit_fields(meta, |f, v| {
        fields.push(Reply::Bulk(f.to_vec()));
        fields.push(Reply::Bulk(v.to_vec()));
    });
    Reply::Array(vec![id_reply(meta.id), Reply::Array(fields)])
}

pub(crate) fn entry_reply(entry: StreamEntry) -> Reply {
    let fields = entry.fields.into_iter().flat_map(|(f, v)| [Reply::Bulk(f), Reply::Bulk(v)]).collect();
    Reply::Array(vec![id_reply(entry.id), Reply::Array(fields)])
}

/// `-NOGROUP No such key 'k' or consumer group 'g'` (with Redis's `%s` truncation at NUL).
pub(crate) fn no_such_key_or_group(key: &[u8], group: &[u8], suffix: &str) -> Error {
    Error::other(format!("NOGROUP No such key '{}' or consumer group '{}'{suffix}", c_str(key), c_str(group)))
}

/// A name printed with `%s`: up to the first NUL byte.
pub(crate) fn c_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `ERR unknown subcommand or wrong number of arguments for 'x'. Try XGROUP HELP.`
pub(crate) fn subcommand_syntax_error(container: &str, sub: &[u8]) -> Error {
    let shown: String = c_str(sub).chars().take(128).collect();
    Error::other(format!("ERR unknown subcommand or wrong number of arguments for '{shown}'. Try {container} HELP."))
}

/// Redis's `addReplyHelp`: a header, the lines, and the HELP footer, all as status replies.
pub(crate) fn help_reply(container: &str, lines: &[&str]) -> Reply {
    let mut out = vec![Reply::status(&format!("{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))];
    out.extend(lines.iter().map(|l| Reply::status(l)));
    out.push(Reply::status("HELP"));
    out.push(Reply::status("    Prints this help."));
    Reply::Array(out)
}
