//! A whole RDB file, as `SAVE` writes it and a primary sends a replica on `SYNC`: the magic and
//! version, auxiliary fields, function libraries, each non-empty database with its keys, their
//! expiry times and, under an LRU or LFU policy, their idle time or frequency, then the end
//! marker and the CRC-64 of everything before it. And the reading of one back.

use super::{load_object, save_len, save_object, save_string, Format, Reader};
use crate::server::Server;
use crate::value::Value;

/// A function library's code follows.
pub const OPCODE_FUNCTION2: u8 = 245;
const OPCODE_IDLE: u8 = 248;
const OPCODE_FREQ: u8 = 249;
const OPCODE_AUX: u8 = 250;
const OPCODE_RESIZEDB: u8 = 251;
const OPCODE_EXPIRETIME_MS: u8 = 252;
const OPCODE_EXPIRETIME: u8 = 253;
const OPCODE_SELECTDB: u8 = 254;
const OPCODE_EOF: u8 = 255;

/// Replication facts a primary writes into the RDB it sends a replica.
#[derive(Clone, Debug)]
pub struct ReplicationInfo {
    pub stream_db: usize,
    pub replid: String,
    pub offset: u64,
}

fn aux(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(OPCODE_AUX);
    save_string(out, key.as_bytes(), false);
    save_string(out, value.as_bytes(), false);
}

/// The server's data as an RDB file at `now_ms`.
pub fn save(server: &Server, now_ms: u64, replication: Option<&ReplicationInfo>) -> Vec<u8> {
    let format = Format {
        version: server.version(),
        compress: server.config.settings.flag("rdbcompression"),
        encodings: server.config.encodings,
        array_limits: server.config.array_limits(),
    };
    let mut out = format!("REDIS{:04}", format.rdb_version()).into_bytes();
    aux(&mut out, "redis-ver", &server.version().full());
    aux(&mut out, "redis-bits", "64");
    aux(&mut out, "ctime", &(now_ms / 1000).to_string());
    aux(&mut out, "used-mem", &server.used_memory().to_string());
    if let Some(r) = replication {
        aux(&mut out, "repl-stream-db", &r.stream_db.to_string());
        aux(&mut out, "repl-id", &r.replid);
        aux(&mut out, "repl-offset", &r.offset.to_string());
    }
    aux(&mut out, "aof-base", "0");
    for library in server.scripts.libraries.values() {
        out.push(OPCODE_FUNCTION2);
        save_string(&mut out, &library.code, format.compress);
    }
    let policy = server.config.maxmemory_policy;
    let (lru, lfu) = (policy.ends_with("-lru"), policy.ends_with("-lfu"));
    for (index, db) in server.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        out.push(OPCODE_SELECTDB);
        save_len(&mut out, index as u64);
        out.push(OPCODE_RESIZEDB);
        save_len(&mut out, db.len() as u64);
        save_len(&mut out, db.expires_len() as u64);
        for (key, value) in db.keys() {
            if let Some(at) = db.expire_at(key) {
                out.push(OPCODE_EXPIRETIME_MS);
                out.extend_from_slice(&at.to_le_bytes());
            }
            if lru {
                let idle = now_ms.saturating_sub(db.access_ms(key).unwrap_or(now_ms)) / 1000;
                out.push(OPCODE_IDLE);
                save_len(&mut out, idle);
            }
            if lfu {
                out.push(OPCODE_FREQ);
                out.push(db.lfu_counter(key, now_ms).unwrap_or(0));
            }
            out.push(super::object_type(value, &format));
            save_string(&mut out, key, format.compress);
            save_object(&mut out, value, &format);
        }
    }
    out.push(OPCODE_EOF);
    let crc = if server.config.settings.flag("rdbchecksum") { super::crc64::crc64(0, &out) } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// One key read from an RDB file.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedKey {
    pub db: usize,
    pub key: Vec<u8>,
    pub value: Value,
    pub expire_at_ms: Option<u64>,
    pub idle_s: Option<u64>,
    pub freq: Option<u8>,
}

/// What an RDB file holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub keys: Vec<LoadedKey>,
    /// Function library code, in the file's order.
    pub libraries: Vec<Vec<u8>>,
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Reads an RDB file written by Redis (version 10 or older than this version's) or by
/// Redsim; `Err` says why it cannot be read.
pub fn load(bytes: &[u8], format: &Format, databases: usize) -> Result<Loaded, String> {
    let bad = |what: &str| format!("Bad RDB file: {what}");
    if bytes.len() < 9 || &bytes[..5] != b"REDIS" {
        return Err("Wrong signature trying to load DB from file".to_string());
    }
    let version: u16 =
        std::str::from_utf8(&bytes[5..9]).ok().and_then(|v| v.parse().ok()).ok_or_else(|| bad("version"))?;
    if version < 1 || version > format.rdb_version() {
        return Err(format!("Can't handle RDB format version {version}"));
    }
    let mut r = Reader::new(bytes);
    r.bytes(9).ok_or_else(|| bad("header"))?;
    let mut loaded = Loaded::default();
    let mut db = 0usize;
    let (mut expire, mut idle, mut freq) = (None, None, None);
    loop {
        let kind = r.byte().ok_or_else(|| bad("unexpected end of file"))?;
        match kind {
            OPCODE_EOF => break,
            OPCODE_SELECTDB => {
                db = usize::try_from(r.length().ok_or_else(|| bad("database number"))?).unwrap_or(usize::MAX);
                if db >= databases {
                    return Err(format!("FATAL: Data file was created with a Redis server configured to handle more than {databases} databases. Exiting"));
                }
            }
            OPCODE_RESIZEDB => {
                r.length().ok_or_else(|| bad("resize hint"))?;
                r.length().ok_or_else(|| bad("resize hint"))?;
            }
            OPCODE_AUX => {
                let k = r.string().ok_or_else(|| bad("aux field"))?;
                let v = r.string().ok_or_else(|| bad("aux field"))?;
                loaded.aux.push((k, v));
            }
            OPCODE_EXPIRETIME_MS => {
                let raw = r.bytes(8).ok_or_else(|| bad("expire time"))?;
                expire = Some(u64::from_le_bytes(raw.try_into().map_err(|_| bad("expire time"))?));
            }
            OPCODE_EXPIRETIME => {
                let raw = r.bytes(4).ok_or_else(|| bad("expire time"))?;
                let secs = u32::from_le_bytes(raw.try_into().map_err(|_| bad("expire time"))?);
                expire = Some(u64::from(secs) * 1000);
            }
            OPCODE_IDLE => idle = Some(r.length().ok_or_else(|| bad("idle time"))?),
            OPCODE_FREQ => freq = Some(r.byte().ok_or_else(|| bad("frequency"))?),
            OPCODE_FUNCTION2 => loaded.libraries.push(r.string().ok_or_else(|| bad("function library"))?),
            kind => {
                let key = r.string().ok_or_else(|| bad("key"))?;
                let value = load_object(kind, &mut r, format).ok_or_else(|| {
                    format!("Bad RDB file: value of key '{}' (type {kind})", String::from_utf8_lossy(&key))
                })?;
                loaded.keys.push(LoadedKey {
                    db,
                    key,
                    value,
                    expire_at_ms: expire.take(),
                    idle_s: idle.take(),
                    freq: freq.take(),
                });
            }
        }
    }
    let end = r.position();
    if version >= 5 {
        let stored = bytes.get(end..end + 8).ok_or_else(|| bad("checksum missing"))?;
        let stored = u64::from_le_bytes(stored.try_into().map_err(|_| bad("checksum"))?);
        if stored != 0 && stored != super::crc64::crc64(0, &bytes[..end]) {
            return Err("Wrong RDB checksum. Aborting now.".to_string());
        }
    }
    Ok(loaded)
}
