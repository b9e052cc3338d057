//! One file per command family. Each command is a `CommandSpec` row (its table entry) plus a
//! handler that parses the arguments and does the work.

mod acl;
mod bitmap;
pub(crate) mod connection;
mod geo;
mod hash;
mod hll;
mod keys;
mod list;
mod pubsub;
pub(crate) mod scripting;
mod server;
mod set;
mod sort;
mod stream;
mod string;
mod transaction;
mod zset;

use crate::command::CommandSpec;

pub(crate) use stream::subcommand_syntax_error;

use crate::server::Ctx;
use crate::value::Value;

/// Deletes `key` when a command left its list, hash, set or sorted set empty: Redis never keeps an
/// empty collection (streams are the exception and stay).
pub(crate) fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let empty = match ctx.db().get(key) {
        Some(v @ (Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_))) => v.is_empty(),
        _ => false,
    };
    if empty {
        ctx.delete(key);
    }
}

/// Every top-level command, grouped by family.
pub static TABLE: &[&CommandSpec] = &[
    &server::SYNC,
    &server::PSYNC,
    &server::REPLCONF,
    &server::ROLE,
    &server::WAIT,
    &server::SAVE,
    &server::BGSAVE,
    &server::LASTSAVE,
    &server::BGREWRITEAOF,
    // bitmaps
    &bitmap::BITCOUNT,
    &bitmap::BITFIELD,
    &bitmap::BITFIELD_RO,
    &bitmap::BITOP,
    &bitmap::BITPOS,
    &bitmap::GETBIT,
    &bitmap::SETBIT,
    // connection
    &connection::CLIENT,
    &connection::ECHO,
    &acl::ACL,
    &acl::AUTH,
    &connection::HELLO,
    &connection::PING,
    &connection::QUIT,
    &connection::SELECT,
    // geo
    &geo::GEOADD,
    &geo::GEODIST,
    &geo::GEOHASH,
    &geo::GEORADIUS,
    &geo::GEORADIUSBYMEMBER,
    &geo::GEORADIUSBYMEMBER_RO,
    &geo::GEORADIUS_RO,
    &geo::GEOSEARCH,
    &geo::GEOSEARCHSTORE,
    &geo::GEOPOS,
    // hashes
    &hash::HDEL,
    &hash::HEXISTS,
    &hash::HGET,
    &hash::HGETALL,
    &hash::HINCRBY,
    &hash::HINCRBYFLOAT,
    &hash::HKEYS,
    &hash::HLEN,
    &hash::HMGET,
    &hash::HMSET,
    &hash::HRANDFIELD,
    &hash::HSCAN,
    &hash::HSET,
    &hash::HSETNX,
    &hash::HSTRLEN,
    &hash::HVALS,
    // HyperLogLog
    &hll::PFADD,
    &hll::PFCOUNT,
    &hll::PFMERGE,
    // lists
    &list::BLMOVE,
    &list::BLMPOP,
    &list::BLPOP,
    &list::BRPOP,
    &list::BRPOPLPUSH,
    &list::LINDEX,
    &list::LINSERT,
    &list::LLEN,
    &list::LMOVE,
    &list::LMPOP,
    &list::LPOP,
    &list::LPOS,
    &list::LPUSH,
    &list::LPUSHX,
    &list::LRANGE,
    &list::LREM,
    &list::LSET,
    &list::LTRIM,
    &list::RPOP,
    &list::RPOPLPUSH,
    &list::RPUSH,
    &list::RPUSHX,
    // sets
    &set::SADD,
    &set::SCARD,
    &set::SDIFF,
    &set::SDIFFSTORE,
    &set::SINTER,
    &set::SINTERCARD,
    &set::SINTERSTORE,
    &set::SISMEMBER,
    &set::SMEMBERS,
    &set::SMISMEMBER,
    &set::SMOVE,
    &set::SPOP,
    &set::SRANDMEMBER,
    &set::SREM,
    &set::SSCAN,
    &set::SUNION,
    &set::SUNIONSTORE,
    // pub/sub
    &pubsub::PSUBSCRIBE,
    &pubsub::PUBLISH,
    &pubsub::PUBSUB_CMD,
    &pubsub::PUNSUBSCRIBE,
    &pubsub::SPUBLISH,
    &pubsub::SSUBSCRIBE,
    &pubsub::SUBSCRIBE,
    &pubsub::SUNSUBSCRIBE,
    &pubsub::UNSUBSCRIBE,
    // keys
    &keys::COPY,
    &keys::DEL,
    &keys::DUMP,
    &keys::RESTORE,
    &keys::EXISTS,
    &keys::EXPIRE,
    &keys::EXPIREAT,
    &keys::EXPIRETIME,
    &keys::KEYS,
    &sort::SORT,
    &sort::SORT_RO,
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
    // scripting
    &scripting::EVAL,
    &scripting::EVALSHA,
    &scripting::EVALSHA_RO,
    &scripting::EVAL_RO,
    &scripting::FCALL,
    &scripting::FCALL_RO,
    &scripting::FUNCTION,
    &scripting::SCRIPT,
    // server
    &server::COMMAND,
    &server::CONFIG,
    &server::DBSIZE,
    &server::FLUSHALL,
    &server::FLUSHDB,
    &server::INFO,
    &server::MEMORY,
    &server::SLOWLOG,
    &server::TIME,
    // streams
    &stream::xadd::XADD,
    &stream::xpending::XACK,
    &stream::xclaim::XAUTOCLAIM,
    &stream::xclaim::XCLAIM,
    &stream::xdel::XACKDEL,
    &stream::xdel::XDEL,
    &stream::xdel::XDELEX,
    &stream::xcfgset::XCFGSET,
    &stream::xnack::XNACK,
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
    // sorted sets
    &zset::BZMPOP,
    &zset::BZPOPMAX,
    &zset::BZPOPMIN,
    &zset::ZADD,
    &zset::ZCARD,
    &zset::ZCOUNT,
    &zset::ZDIFF,
    &zset::ZDIFFSTORE,
    &zset::ZINCRBY,
    &zset::ZINTER,
    &zset::ZINTERCARD,
    &zset::ZINTERSTORE,
    &zset::ZLEXCOUNT,
    &zset::ZMPOP,
    &zset::ZMSCORE,
    &zset::ZPOPMAX,
    &zset::ZPOPMIN,
    &zset::ZRANDMEMBER,
    &zset::ZRANGE,
    &zset::ZRANGEBYLEX,
    &zset::ZRANGEBYSCORE,
    &zset::ZRANGESTORE,
    &zset::ZRANK,
    &zset::ZREM,
    &zset::ZREMRANGEBYLEX,
    &zset::ZREMRANGEBYRANK,
    &zset::ZREMRANGEBYSCORE,
    &zset::ZREVRANGE,
    &zset::ZREVRANGEBYLEX,
    &zset::ZREVRANGEBYSCORE,
    &zset::ZREVRANK,
    &zset::ZSCAN,
    &zset::ZSCORE,
    &zset::ZUNION,
    &zset::ZUNIONSTORE,
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
    &transaction::UNWATCH,
    &transaction::WATCH,
];
