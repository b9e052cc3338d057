//! `DEBUG` (Redis 7.0's `debug.c`): refused unless `enable-debug-command` allows it, as Redis
//! refuses it by default. The subcommands that mean something for a simulated server answer as
//! Redis answers: `OBJECT` (the value's encoding, serialized length and LRU clock, quicklist
//! details), `DIGEST`/`DIGEST-VALUE` (Redis's SHA1 mix of the data), `RELOAD` (saved as an RDB
//! and read back), `POPULATE`, `PROTOCOL`, `SET-ACTIVE-EXPIRE`, `ERROR`, `SLEEP` (virtual time
//! does not pass), `LOG`, `LISTPACK`, `QUICKLIST`, `CHANGE-REPL-ID`, `STRINGMATCH-TEST`, `HELP`. The
//! ones that crash, restart or tune the process say that Redsim does not simulate them.

use crate::args::{parse_i64, Args};
use crate::command::{Category, CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::Value;

pub static DEBUG: CommandSpec = CommandSpec::new("debug", -2, "server", "1.0.0")
    .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
    .acl(&[Category::Admin, Category::Dangerous])
    .doc("", "A container for debugging commands.")
    .run(debug);

const HELP: &[&str] = &[
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
];

fn debug(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    if ctx.server.config.settings.choice("enable-debug-command") == "no" {
        return Err(Error::other(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it \
             from a local connection, otherwise you need to set this option in the configuration file, and then \
             restart the server.",
        ));
    }
    let argv = args.rest();
    let sub = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let n = argv.len() + 1;
    match (sub.as_str(), n) {
        ("help", 2) => Ok(crate::commands::stream::help_reply("DEBUG", HELP)),
        ("log" | "leak", 3) | ("change-repl-id", 2) => Ok(Reply::ok()),
        ("sleep", 3) => Ok(Reply::ok()),
        ("set-active-expire", 3) => {
            ctx.server.active_expire_enabled = atoi(&argv[1]) != 0;
            Ok(Reply::ok())
        }
        ("error", 3) => {
            let text: String = String::from_utf8_lossy(&argv[1])
                .chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
                .collect();
            Ok(Reply::Error(text))
        }
        ("stringmatch-test", 2) => Ok(Reply::status("Apparently Redis did not crash: test passed")),
        ("reload", _) => reload(ctx, &argv[1..]),
        ("object", 3) => object(ctx, &argv[1]),
        ("listpack", 3) | ("quicklist", 3 | 4) => {
            let db = ctx.db_index();
            let enc = ctx.server.config.encodings;
            let Some(encoding) = ctx.server.dbs[db].encoding_of(&argv[1], &enc) else { return Err(Error::NoSuchKey) };
            match (sub.as_str(), encoding) {
                ("listpack", "listpack") => Ok(Reply::status("Listpack structure printed on stdout")),
                ("listpack", _) => Err(Error::other("ERR Not a listpack encoded object.")),
                (_, "quicklist") => Ok(Reply::status("Quicklist structure printed on stdout")),
                _ => Err(Error::other("ERR Not a quicklist encoded object.")),
            }
        }
        ("populate", 3..=5) => populate(ctx, argv),
        ("digest", 2) => {
            let digest = dataset_digest(ctx);
            Ok(Reply::status(&hex(&digest)))
        }
        ("digest-value", _) => {
            let db = ctx.db_index();
            let now = ctx.now_ms;
            Ok(Reply::Array(
                argv[1..]
                    .iter()
                    .map(|key| {
                        let mut digest = [0u8; 20];
                        if let Some(value) = ctx.server.dbs[db].get(key) {
                            let expires = ctx.server.dbs[db].expire_at(key).is_some();
                            object_digest(&mut digest, value, expires, now);
                        }
                        Reply::status(&hex(&digest))
                    })
                    .collect(),
            ))
        }
        ("protocol", 3) => protocol(ctx, &argv[1]),
        (
            "assert"
            | "segfault"
            | "panic"
            | "oom"
            | "restart"
            | "crash-and-recover"
            | "mallctl"
            | "mallctl-str"
            | "structsize"
            | "htstats"
            | "htstats-key"
            | "sdslen"
            | "client-eviction"
            | "replicate"
            | "pause-cron"
            | "replybuffer"
            | "drop-cluster-packet-filter"
            | "clusterlink"
            | "aof-flush-sleep"
            | "config-rewrite-force-all"
            | "loadaof"
            | "set-skip-checksum-validation"
            | "quicklist-packed-threshold",
            _,
        ) => Err(Error::other(format!("ERR DEBUG {} is not simulated by Redsim", sub.to_ascii_uppercase()))),
        _ => Err(Error::other(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(&argv[0])
        ))),
    }
}

/// C's `atoi`: leading spaces, a sign, digits, the rest ignored.
fn atoi(arg: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(arg);
    let t = text.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| n.wrapping_mul(10).wrapping_add(i64::from(d - b'0')));
    if neg {
        -n
    } else {
        n
    }
}

fn hex(digest: &[u8; 20]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]`: the data saved as an RDB and read back.
fn reload(ctx: &mut Ctx, options: &[Vec<u8>]) -> Result<Reply> {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for opt in options {
        match opt.to_ascii_uppercase().as_slice() {
            b"MERGE" => merge = true,
            b"NOFLUSH" => flush = false,
            b"NOSAVE" => save = false,
            _ => return Err(Error::other("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")),
        }
    }
    // Redsim keeps no file between runs: without saving there is nothing to load, and loading
    // over the same keys without MERGE is what stops Redis.
    if !save || (!flush && !merge) {
        return Err(Error::other("ERR Error trying to load the RDB dump"));
    }
    let now = ctx.now_ms;
    let bytes = crate::rdb::file::save(ctx.server, now, None);
    ctx.server.load_rdb(&bytes, now).map_err(|_| Error::other("ERR Error trying to load the RDB dump"))?;
    Ok(Reply::ok())
}

/// `DEBUG OBJECT key`.
fn object(ctx: &mut Ctx, key: &[u8]) -> Result<Reply> {
    let db = ctx.db_index();
    let now = ctx.now_ms;
    let enc = ctx.server.config.encodings;
    let server = &*ctx.server;
    let Some(value) = server.dbs[db].get(key) else { return Err(Error::NoSuchKey) };
    let encoding = server.dbs[db].encoding_of(key, &enc).unwrap_or("raw");
    let format = crate::rdb::Format {
        version: server.config.version,
        compress: server.config.settings.flag("rdbcompression"),
        encodings: enc,
        array_limits: server.config.array_limits(),
    };
    let mut payload = Vec::new();
    crate::rdb::save_object(&mut payload, value, &format);
    let access = server.dbs[db].access_ms(key).unwrap_or(now);
    let lru = (access / 1000) & ((1 << 24) - 1);
    let idle = now.saturating_sub(access) / 1000;
    // A stable address made from the key, in the range Redis's allocator hands out.
    let address =
        0x7f00_0000_0000u64 | (u64::from(redsim_lua::sha1::digest(key)[0]) << 16) | (key.len() as u64 & 0xff) << 4;
    let mut extra = String::new();
    if let (Value::List(list), "quicklist") = (value, encoding) {
        let nodes = crate::rdb::quicklist_nodes(list, &enc);
        let avg = list.len() as f64 / nodes.len().max(1) as f64;
        let size: usize = nodes.iter().map(Vec::len).sum();
        let compressed = server.config.settings.number("list-compress-depth") != 0;
        extra = format!(
            " ql_nodes:{} ql_avg_node:{avg:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{size}",
            nodes.len(),
            enc.list_fill,
            u8::from(compressed)
        );
    }
    Ok(Reply::status(&format!(
        "Value at:{address:#x} refcount:1 encoding:{encoding} serializedlength:{} lru:{lru} lru_seconds_idle:{idle}{extra}",
        payload.len()
    )))
}

/// `DEBUG POPULATE count [prefix] [size]`: `prefix:N` keys holding `value:N` (cut or padded
/// with zero bytes to `size`), leaving keys that exist alone.
fn populate(ctx: &mut Ctx, argv: &[Vec<u8>]) -> Result<Reply> {
    let positive = |arg: &[u8]| match parse_i64(arg) {
        None => Err(Error::NotInteger),
        Some(n) if n < 0 => Err(Error::other("ERR value is out of range, must be positive")),
        Some(n) => Ok(n as u64),
    };
    let count = positive(&argv[1])?;
    let size = match argv.get(3) {
        Some(s) => positive(s)? as usize,
        None => 0,
    };
    if count > 10_000_000 {
        return Err(Error::other("ERR count is too large: Redsim populates at most 10000000 keys"));
    }
    let prefix = argv.get(2).map_or(b"key".to_vec(), |p| p.split(|&b| b == 0).next().unwrap_or(&[]).to_vec());
    for j in 0..count {
        let mut key = prefix.clone();
        key.extend_from_slice(format!(":{j}").as_bytes());
        if ctx.lookup(&key).is_some() {
            continue;
        }
        let text = format!("value:{j}").into_bytes();
        let value = if size == 0 {
            text
        } else {
            let mut v = vec![0u8; size];
            let n = size.min(text.len());
            v[..n].copy_from_slice(&text[..n]);
            v
        };
        let (db, now) = (ctx.db_index(), ctx.now_ms);
        ctx.server.dbs[db].insert_at(&key, Value::String(value), false, now);
        ctx.signal_ready(&key);
    }
    Ok(Reply::ok())
}

fn protocol(ctx: &mut Ctx, name: &[u8]) -> Result<Reply> {
    let resp3 = ctx.client().protocol == crate::reply::Protocol::Resp3;
    Ok(match name.to_ascii_lowercase().as_slice() {
        b"string" => Reply::bulk("Hello World"),
        b"integer" => Reply::Integer(12345),
        // Redis's own test value, not pi.
        #[allow(clippy::approx_constant)]
        b"double" => Reply::Double(3.141),
        // A RESP3 big number is sent as its digits; Redsim's replies have no such type.
        b"bignum" => Reply::bulk("1234567999999999999999999999999999999"),
        b"null" => Reply::Nil,
        b"array" => Reply::Array((0..3).map(Reply::Integer).collect()),
        b"set" => Reply::Set((0..3).map(Reply::Integer).collect()),
        b"map" => Reply::Map((0..3).map(|j| (Reply::Integer(j), Reply::Boolean(j == 1))).collect()),
        b"attrib" => Reply::bulk("Some real reply following the attribute"),
        b"push" if !resp3 => return Err(Error::other("ERR RESP2 is not supported by this command")),
        b"push" => Reply::Many(vec![
            Reply::Push(vec![Reply::bulk("server-cpu-usage"), Reply::Integer(42)]),
            Reply::bulk("Some real reply following the push reply"),
        ]),
        b"true" => Reply::Boolean(true),
        b"false" => Reply::Boolean(false),
        b"verbatim" => Reply::Verbatim("txt".into(), b"This is a verbatim\nstring".to_vec()),
        _ => {
            return Err(Error::other(
                "ERR Wrong protocol type name. Please use one of the following: \
                 string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
            ))
        }
    })
}

/// Redis's `xorDigest`: the SHA1 of the data xored into the digest (order does not matter).
fn xor_digest(digest: &mut [u8; 20], data: &[u8]) {
    for (d, h) in digest.iter_mut().zip(redsim_lua::sha1::digest(data)) {
        *d ^= h;
    }
}

/// Redis's `mixDigest`: `digest = SHA1(digest xor SHA1(data))` (order matters).
fn mix_digest(digest: &mut [u8; 20], data: &[u8]) {
    xor_digest(digest, data);
    *digest = redsim_lua::sha1::digest(digest.as_slice());
}

/// Redis's `OBJ_*` type numbers, as the digest mixes them.
fn type_number(value: &Value) -> u32 {
    match value {
        Value::String(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
        Value::Array(_) => 7,
        Value::VectorSet(_) => 5,
    }
}

/// Redis's `xorObjectDigest` for one value.
fn object_digest(digest: &mut [u8; 20], value: &Value, expires: bool, now_ms: u64) {
    mix_digest(digest, &type_number(value).to_be_bytes());
    match value {
        Value::String(s) => mix_digest(digest, s),
        Value::List(l) => l.iter().for_each(|e| mix_digest(digest, e)),
        Value::Set(s) => s.members().iter().for_each(|m| xor_digest(digest, m)),
        Value::ZSet(z) => {
            for (member, score) in z.iter() {
                let mut element = [0u8; 20];
                mix_digest(&mut element, member);
                mix_digest(&mut element, crate::reply::format_double(score).as_bytes());
                xor_digest(digest, &element);
            }
        }
        Value::Hash(h) => {
            for (field, v) in h.live(now_ms) {
                let mut element = [0u8; 20];
                mix_digest(&mut element, field);
                mix_digest(&mut element, v);
                xor_digest(digest, &element);
            }
        }
        Value::Stream(s) => {
            for entry in s.range(crate::stream::StreamId::MIN, crate::stream::StreamId::MAX, false) {
                mix_digest(digest, format!("{}.{}", entry.id.ms, entry.id.seq).as_bytes());
                for (f, v) in &entry.fields {
                    mix_digest(digest, f);
                    mix_digest(digest, v);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|(i, v)| {
            mix_digest(digest, i.to_string().as_bytes());
            mix_digest(digest, v);
        }),
        // A module's digest callback (`VectorSetDigest`): sequences mixed in turn, each folded
        // into the module's own digest (`RM_DigestEndSequence`), which is folded in at the end.
        Value::VectorSet(v) => {
            let (mut x, mut o) = ([0u8; 20], [0u8; 20]);
            mix_digest(&mut o, v.len().to_string().as_bytes());
            mix_digest(&mut o, v.dim.to_string().as_bytes());
            xor_digest(&mut x, &o);
            for node in v.nodes() {
                o = [0u8; 20];
                mix_digest(&mut o, &v.raw_bytes(node));
                mix_digest(&mut o, &node.name);
                if let Some(a) = &node.attrib {
                    mix_digest(&mut o, a);
                }
                xor_digest(&mut x, &o);
            }
            xor_digest(digest, &x);
        }
    }
    if expires {
        xor_digest(digest, b"!!expire!!");
    }
}

/// Redis's `computeDatasetDigest`: each database's number mixed in, each key-value digest xored.
fn dataset_digest(ctx: &Ctx) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (j, db) in ctx.server.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        mix_digest(&mut out, &(j as u32).to_be_bytes());
        for (key, value) in db.keys() {
            let mut digest = [0u8; 20];
            mix_digest(&mut digest, key);
            object_digest(&mut digest, value, db.expire_at(key).is_some(), ctx.now_ms);
            xor_digest(&mut out, &digest);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{Reply, Server, Version};

    fn run(server: &mut Server, c: u64, line: &str) -> String {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        match server.execute(1_000, c, &argv).reply.unwrap() {
            Reply::Status(s) | Reply::Error(s) => s,
            other => crate::cli::format_reply(&other.as_seen_by(crate::reply::Protocol::Resp2)),
        }
    }

    // Redis 7.0.15's replies to the same commands, `enable-debug-command yes`.
    #[test]
    fn digests_objects_and_errors_as_redis_answers_them() {
        let mut s = Server::new(Version::V7_0);
        let c = s.connect(0);
        assert!(run(&mut s, c, "DEBUG HELP").starts_with("ERR DEBUG command not allowed. If the enable-debug-command"));
        s.configure(&[(b"enable-debug-command".to_vec(), b"yes".to_vec())]).unwrap();
        run(&mut s, c, "SET foo bar");
        run(&mut s, c, "RPUSH l a b c");
        assert_eq!(
            run(&mut s, c, "DEBUG DIGEST-VALUE foo l nokey"),
            "1) 68467c70ae30376e7ce005bcc8827f5ba7fd67dc\n2) 8bf72d812571eea9b927f3c11beb0c4165a6ff89\n\
             3) 0000000000000000000000000000000000000000\n"
        );
        assert_eq!(run(&mut s, c, "DEBUG DIGEST"), "1ac172518b611d6f031f3e6f949b321095ab83d3");
        let object = run(&mut s, c, "DEBUG OBJECT l");
        assert!(object.starts_with("Value at:0x7f"), "{object}");
        assert!(
            object.ends_with(
                " refcount:1 encoding:quicklist serializedlength:19 lru:1 lru_seconds_idle:0 ql_nodes:1 \
                 ql_avg_node:3.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:16"
            ),
            "{object}"
        );
        assert!(
            run(&mut s, c, "DEBUG OBJECT foo").ends_with("encoding:embstr serializedlength:4 lru:1 lru_seconds_idle:0")
        );
        assert_eq!(run(&mut s, c, "DEBUG OBJECT nokey"), "ERR no such key");
        assert_eq!(run(&mut s, c, "DEBUG ERROR hello"), "hello");
        assert_eq!(
            run(&mut s, c, "DEBUG ERROR -OOPS x"),
            "ERR unknown subcommand or wrong number of arguments for 'ERROR'. Try DEBUG HELP."
        );
        assert_eq!(run(&mut s, c, "DEBUG LISTPACK l"), "ERR Not a listpack encoded object.");
        assert_eq!(run(&mut s, c, "DEBUG QUICKLIST l"), "Quicklist structure printed on stdout");
        assert_eq!(run(&mut s, c, "DEBUG POPULATE 2 p 3"), "OK");
        assert_eq!(run(&mut s, c, "DEBUG POPULATE 2"), "OK");
        assert_eq!(
            run(&mut s, c, "MGET key:0 key:1 p:0 p:1"),
            "1) \"value:0\"\n2) \"value:1\"\n3) \"val\"\n4) \"val\"\n"
        );
        assert_eq!(run(&mut s, c, "DEBUG PROTOCOL push"), "ERR RESP2 is not supported by this command");
        assert_eq!(
            run(&mut s, c, "DEBUG PROTOCOL map"),
            "1) (integer) 0\n2) (integer) 0\n3) (integer) 1\n4) (integer) 1\n5) (integer) 2\n6) (integer) 0\n"
        );
        assert_eq!(run(&mut s, c, "DEBUG RELOAD"), "OK");
        assert_eq!(run(&mut s, c, "DEBUG DIGEST-VALUE foo"), "1) 68467c70ae30376e7ce005bcc8827f5ba7fd67dc\n");
        assert_eq!(
            run(&mut s, c, "DEBUG RELOAD NOPE"),
            "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
        );
        assert_eq!(
            run(&mut s, c, "DEBUG NOPE"),
            "ERR unknown subcommand or wrong number of arguments for 'NOPE'. Try DEBUG HELP."
        );
        let help = run(&mut s, c, "DEBUG HELP");
        assert_eq!(help.lines().count(), 106, "{help}");
        // Active expiry stops and starts again.
        run(&mut s, c, "DEBUG SET-ACTIVE-EXPIRE 0");
        run(&mut s, c, "SET t v PX 10");
        s.tick(5_000);
        assert_eq!(s.dbs[0].len(), 7);
        run(&mut s, c, "DEBUG SET-ACTIVE-EXPIRE 1");
        s.tick(10_000);
        assert_eq!(s.dbs[0].len(), 6);
    }
}
