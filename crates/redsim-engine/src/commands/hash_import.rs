//! `HIMPORT` (Redis 8.10): hashes built from a connection's named list of field names, following
//! redis.io's pages.
//!
//! `HIMPORT PREPARE name field [field ...]` keeps an ordered fieldset on the connection (another
//! `PREPARE` under the same name replaces it); `HIMPORT SET key name value [value ...]` writes
//! `key` as a new hash of those fields with the values by position, replacing what was there;
//! `HIMPORT DISCARD name` and `HIMPORT DISCARDALL` forget fieldsets. `RESET` forgets them all.
//! The pages name the failures but not their texts: the texts here are our choice.

use crate::args::Args;
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::{Hash, Value};

const HASH: &str = "hash";

pub static HIMPORT: CommandSpec = CommandSpec::new("himport", -2, HASH, "8.10.0")
    .doc("<subcommand> [arguments]", "A container for session-based hash import commands using fieldsets.")
    .subcommands(&[
        CommandSpec::new("discard", 3, HASH, "8.10.0")
            .doc("fieldset-name", "Removes a single session-local fieldset by name.")
            .run(discard),
        CommandSpec::new("discardall", 2, HASH, "8.10.0")
            .doc("", "Removes all session-local fieldsets for the connection.")
            .run(discard_all),
        CommandSpec::new("prepare", -4, HASH, "8.10.0")
            .flags(&[Flag::DenyOom])
            .doc("fieldset-name field [field ...]", "Defines a session-local fieldset of field names.")
            .run(prepare),
        CommandSpec::new("set", -5, HASH, "8.10.0")
            .flags(&[Flag::Write, Flag::DenyOom])
            .keys(2, 2, 1)
            .doc("key fieldset-name value [value ...]", "Creates a hash from a prepared fieldset and a list of values.")
            .run(set),
    ]);

fn prepare(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = args.next()?.to_vec();
    let fields = args.rest().to_vec();
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = fields.iter().find(|f| !seen.insert(f.as_slice())) {
        return Err(Error::other(format!("ERR duplicate field '{}' in fieldset", String::from_utf8_lossy(twice))));
    }
    ctx.client_mut().fieldsets.insert(name, fields);
    Ok(Reply::ok())
}

fn set(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let (key, name) = (args.next()?.to_vec(), args.next()?);
    let values = args.rest();
    let Some(fields) = ctx.client_mut().fieldsets.get(name).cloned() else {
        return Err(Error::other(format!("ERR no such fieldset '{}'", String::from_utf8_lossy(name))));
    };
    if fields.len() != values.len() {
        return Err(Error::other(format!(
            "ERR fieldset '{}' has {} fields but {} values were given",
            String::from_utf8_lossy(name),
            fields.len(),
            values.len()
        )));
    }
    let enc = ctx.server.config.encodings;
    let mut hash = Hash::default();
    let pairs: Vec<Vec<u8>> = fields.iter().zip(values).flat_map(|(f, v)| [f.clone(), v.clone()]).collect();
    hash.prepare(&pairs, &enc);
    for (field, value) in fields.iter().zip(values) {
        hash.insert(field, value.clone(), &enc);
    }
    let _ = ctx.expire_if_needed(&key);
    let (db, now) = (ctx.db_index(), ctx.now_ms);
    ctx.server.dbs[db].insert_at(&key, Value::Hash(Box::new(hash)), false, now);
    ctx.modified(&key);
    Ok(Reply::ok())
}

fn discard(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let name = args.next()?;
    Ok(Reply::Integer(ctx.client_mut().fieldsets.remove(name).is_some().into()))
}

fn discard_all(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let fieldsets = std::mem::take(&mut ctx.client_mut().fieldsets);
    Ok(Reply::Integer(fieldsets.len() as i64))
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    // redis.io's HIMPORT examples, then the failures its pages name.
    #[test]
    fn imports_hashes_from_a_prepared_fieldset() {
        check(
            Version::LATEST,
            "@0 > HIMPORT PREPARE u name email age\nOK\n\
             @0 > HIMPORT SET user:1 u alice a@example.com 30\nOK\n\
             @0 > HIMPORT SET user:2 u bob b@example.com 25\nOK\n\
             @0 > HGET user:1 name\n\"alice\"\n\
             @0 > HGETALL user:2\n1) \"name\"\n2) \"bob\"\n3) \"email\"\n4) \"b@example.com\"\n5) \"age\"\n6) \"25\"\n\
             @0 > OBJECT ENCODING user:1\n\"listpack\"\n\
             @0 > SET plain x EX 100\nOK\n\
             @0 > HIMPORT SET plain u c c@example.com 1\nOK\n\
             @0 > TTL plain\n(integer) -1\n\
             @0 > HIMPORT SET user:3 u carol\n(error) ERR fieldset 'u' has 3 fields but 1 values were given\n\
             @0 > HIMPORT SET user:3 nosuch a b c\n(error) ERR no such fieldset 'nosuch'\n\
             @0 other> HIMPORT SET user:3 u a b c\n(error) ERR no such fieldset 'u'\n\
             @0 > HIMPORT PREPARE bad a b a\n(error) ERR duplicate field 'a' in fieldset\n\
             @0 > HIMPORT PREPARE o id total\nOK\n\
             @0 > HIMPORT DISCARD u\n(integer) 1\n\
             @0 > HIMPORT DISCARD u\n(integer) 0\n\
             @0 > HIMPORT PREPARE u name\nOK\n\
             @0 > HIMPORT DISCARDALL\n(integer) 2\n\
             @0 > HIMPORT PREPARE u name\nOK\n\
             @0 > RESET\nRESET\n\
             @0 > HIMPORT DISCARDALL\n(integer) 0\n\
             @0 > HIMPORT PREPARE u\n(error) ERR wrong number of arguments for 'himport|prepare' command\n",
        );
    }
}
