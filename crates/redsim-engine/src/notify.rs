//! Keyspace notifications (`notify-keyspace-events`): changes published on
//! `__keyspace@<db>__:<key>` (the event as message) and `__keyevent@<db>__:<event>` (the key).
//!
//! Expiry and deletion notify where they happen; other writes notify after the command with an
//! event named after it (`set`, `lpush`, `hset`, `xadd`, ...), with Redis's renamings for the
//! counter family (`incrby`, `decrby`) and `SETEX`-style commands (`set` then `expire`).

use crate::command::CommandSpec;
use crate::reply::Reply;
use crate::server::{Outcome, Server};

pub type Flags = u32;

pub const KEYSPACE: Flags = 1 << 0;
pub const KEYEVENT: Flags = 1 << 1;
pub const GENERIC: Flags = 1 << 2;
pub const STRING: Flags = 1 << 3;
pub const LIST: Flags = 1 << 4;
pub const SET: Flags = 1 << 5;
pub const HASH: Flags = 1 << 6;
pub const ZSET: Flags = 1 << 7;
pub const EXPIRED: Flags = 1 << 8;
pub const EVICTED: Flags = 1 << 9;
pub const STREAM: Flags = 1 << 10;
pub const KEY_MISS: Flags = 1 << 11;
pub const MODULE: Flags = 1 << 12;
pub const NEW: Flags = 1 << 13;
/// Array commands (Redis 8.8).
pub const ARRAY: Flags = 1 << 14;
/// `A`: every class except key-miss and new-key (and arrays before 8.8, which has them).
pub const ALL: Flags = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// What `A` stands for in a version.
pub fn all(version: crate::Version) -> Flags {
    if version.at_least(8, 8) {
        ALL | ARRAY
    } else {
        ALL
    }
}

const LETTERS: [(char, Flags); 13] = [
    ('g', GENERIC),
    ('$', STRING),
    ('l', LIST),
    ('s', SET),
    ('h', HASH),
    ('z', ZSET),
    ('x', EXPIRED),
    ('e', EVICTED),
    ('t', STREAM),
    ('d', MODULE),
    ('a', ARRAY),
    ('m', KEY_MISS),
    ('n', NEW),
];

/// Redis's `keyspaceEventsStringToFlags`; `None` for an unknown character (`a` is one before
/// 8.8).
pub fn parse(text: &[u8], version: crate::Version) -> Option<Flags> {
    let mut flags = 0;
    for &c in text {
        flags |= match c {
            b'A' => all(version),
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            b'a' if !version.at_least(8, 8) => return None,
            _ => LETTERS.iter().find(|(l, _)| *l as u8 == c)?.1,
        };
    }
    Some(flags)
}

/// Redis's `keyspaceEventsFlagsToString`.
pub fn to_text(flags: Flags, version: crate::Version) -> String {
    let mut out = String::new();
    let all = all(version);
    if flags & all == all {
        out.push('A');
    } else {
        for (l, f) in LETTERS.iter().take(11) {
            if flags & f != 0 {
                out.push(*l);
            }
        }
    }
    for (l, f) in [('K', KEYSPACE), ('E', KEYEVENT), ('m', KEY_MISS), ('n', NEW)] {
        if flags & f != 0 {
            out.push(l);
        }
    }
    out
}

/// The `new` events of keys created since the last event (Redis sends them from `dbAdd`, so
/// they come before what the command that made the key sends).
pub fn flush_new_keys(server: &mut Server, out: &mut Outcome) {
    for db in 0..server.dbs.len() {
        let Some(created) = server.dbs[db].new_keys.as_mut().map(std::mem::take) else { continue };
        for key in created {
            publish_event(server, out, NEW, "new", &key, db);
        }
    }
}

/// Redis's `notifyKeyspaceEvent`: publishes the event if its class is enabled.
pub fn notify(server: &mut Server, out: &mut Outcome, class: Flags, event: &str, key: &[u8], db: usize) {
    flush_new_keys(server, out);
    publish_event(server, out, class, event, key, db);
}

fn publish_event(server: &mut Server, out: &mut Outcome, class: Flags, event: &str, key: &[u8], db: usize) {
    let flags = server.config.notify;
    if flags & class == 0 {
        return;
    }
    if flags & KEYSPACE != 0 {
        let mut channel = format!("__keyspace@{db}__:").into_bytes();
        channel.extend_from_slice(key);
        publish(server, out, &channel, event.as_bytes());
    }
    if flags & KEYEVENT != 0 {
        let channel = format!("__keyevent@{db}__:{event}").into_bytes();
        publish(server, out, &channel, key);
    }
}

/// Delivers a message to a channel's and matching patterns' subscribers.
fn publish(server: &Server, out: &mut Outcome, channel: &[u8], message: &[u8]) {
    for &id in server.pubsub_channels.get(channel).into_iter().flatten() {
        out.woken.push((id, Reply::Push(vec![Reply::bulk("message"), Reply::bulk(channel), Reply::bulk(message)])));
    }
    for (pattern, ids) in &server.pubsub_patterns {
        if crate::glob::matches(pattern, channel, false) {
            for &id in ids {
                out.woken.push((
                    id,
                    Reply::Push(vec![
                        Reply::bulk("pmessage"),
                        Reply::Bulk(pattern.clone()),
                        Reply::bulk(channel),
                        Reply::bulk(message),
                    ]),
                ));
            }
        }
    }
}

/// The events a write command raises besides deletion and expiry.
pub fn command_events(
    server: &mut Server,
    out: &mut Outcome,
    parent: Option<&'static CommandSpec>,
    spec: &'static CommandSpec,
    argv: &[Vec<u8>],
    db: usize,
) {
    let class = match parent.unwrap_or(spec).group {
        "string" | "bitmap" | "hyperloglog" => STRING,
        "list" => LIST,
        "set" => SET,
        "hash" => HASH,
        "sorted-set" | "geo" => ZSET,
        "stream" => STREAM,
        "generic" => GENERIC,
        _ => return,
    };
    let name = match parent {
        Some(p) => format!("{}-{}", p.name, spec.name),
        None => spec.name.to_string(),
    };
    let key_at = if parent.is_some() { 2 } else { 1 };
    let Some(key) = argv.get(key_at) else { return };
    let events: &[(&str, Flags)] = match name.as_str() {
        // Field expiry commands notify as they go (`hexpire`, `hdel`, `hpersist`).
        "del" | "unlink" | "getdel" | "sort" | "sort_ro" | "restore" | "hexpire" | "hpexpire" | "hexpireat"
        | "hpexpireat" | "hpersist" | "hgetdel" | "hgetex" | "hsetex" | "msetex" | "delex" | "increx" => &[],
        // Stream commands notify as they go: XADD (and its trim), a consumer a read or claim
        // creates; reading, claiming and acknowledging send nothing.
        "xadd" | "xreadgroup" | "xclaim" | "xautoclaim" | "xack" => &[],
        // An internal command replaying what an `XADD` did: no event of its own (Redsim's choice).
        "xidmprecord" => &[],
        "hmset" | "himport-set" => &[("hset", HASH)],
        // List moves notify as they go (the push, then the pop).
        "lmove" | "blmove" | "rpoplpush" | "brpoplpush" | "lmovem" | "blmovem" => &[],
        "bitfield" => &[("setbit", STRING)],
        "incr" | "incrby" => &[("incrby", STRING)],
        "decr" | "decrby" => &[("decrby", STRING)],
        "setex" | "psetex" => &[("set", STRING), ("expire", GENERIC)],
        "getset" | "setnx" | "msetnx" => &[("set", STRING)],
        "pexpire" | "expireat" | "pexpireat" => &[("expire", GENERIC)],
        "zincrby" => &[("zincr", ZSET)],
        "geoadd" => &[("zadd", ZSET)],
        "rename" | "renamenx" => {
            notify(server, out, GENERIC, "rename_from", key, db);
            if let Some(to) = argv.get(2) {
                notify(server, out, GENERIC, "rename_to", to, db);
            }
            return;
        }
        "mset" => {
            for pair in argv[1..].chunks(2) {
                notify(server, out, STRING, "set", &pair[0], db);
            }
            return;
        }
        _ => {
            notify(server, out, class, &name, key, db);
            return;
        }
    };
    for (event, class) in events {
        notify(server, out, *class, event, key, db);
    }
}
