//! How many bytes Redis would use for a key, as `MEMORY USAGE` computes it (Redis's
//! `objectComputeSize`): its structures' sizes, every allocation rounded up to jemalloc's size
//! class, and for big tables an average over a sample of elements times their number.
//!
//! Exact where Redis's own answer is determined by the value (strings, listpacks, intsets, one
//! quicklist node); an estimate where Redis samples in hash-table order or draws random skiplist
//! levels.

use crate::stream::Stream;
use crate::value::{Hash, Set, Value};

const ROBJ: usize = 16;
const DICT: usize = 56;
const DICT_ENTRY: usize = 24;
const QUICKLIST: usize = 40;
const QUICKLIST_NODE: usize = 40;
const ZSET: usize = 16;
const ZSKIPLIST: usize = 32;
/// Redis's default `SAMPLES` for `MEMORY USAGE`.
pub const DEFAULT_SAMPLES: usize = 5;
/// `list-max-listpack-size -2`: a quicklist node holds at most 8 KB.
const LIST_NODE_BYTES: usize = 8192;
/// A new stream node's listpack is allocated this big at once (`STREAM_LISTPACK_MAX_PRE_ALLOCATE`).
const STREAM_PREALLOC: usize = 4096;

/// jemalloc's size class for an allocation of `n` bytes (x86-64, 16-byte quantum).
pub fn malloc_size(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    let lg = usize::BITS - (n - 1).leading_zeros() - 1;
    let delta = 1usize << (lg - 2);
    n.div_ceil(delta) * delta
}

/// An sds string's allocation: its header (by length: 1, 3, 5, 9 or 17 bytes), the bytes, a NUL.
pub fn sds_size(len: usize) -> usize {
    let header = match len {
        0 => 3,
        1..=31 => 1,
        32..=255 => 3,
        256..=65535 => 5,
        65536..=0xffff_ffff => 9,
        _ => 17,
    };
    malloc_size(header + len + 1)
}

pub(crate) fn listpack_bytes<'a>(items: impl Iterator<Item = &'a [u8]>) -> usize {
    crate::stream::listpack::OVERHEAD + items.map(crate::stream::listpack::str_size).sum::<usize>()
}

/// Slots of a hash table holding `n` entries (powers of two from 4, grown when full).
fn dict_slots(n: usize) -> usize {
    let mut size = 4;
    while size < n {
        size *= 2;
    }
    size
}

/// Average over the first `samples` of `sizes` (all of them for 0), times how many there are.
fn sampled(sizes: impl Iterator<Item = usize>, count: usize, samples: usize) -> usize {
    let limit = if samples == 0 { usize::MAX } else { samples };
    let (mut total, mut seen) = (0usize, 0usize);
    for s in sizes.take(limit) {
        total += s;
        seen += 1;
    }
    if seen == 0 {
        0
    } else {
        (total as f64 / seen as f64 * count as f64) as usize
    }
}

/// A skiplist node with a level drawn like Redis's `zslRandomLevel` (p = 1/4), but from the
/// member's bytes so the size is stable.
fn skiplist_node(member: &[u8]) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in member {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    let mut level = 1;
    while level < 32 && (h >> (2 * level)) & 3 == 0 {
        level += 1;
    }
    malloc_size(24 + 16 * level)
}

/// Redis's `streamRadixTreeMemoryUsage`.
fn rax_usage(elements: usize, nodes: usize) -> usize {
    elements * 16 + nodes * (4 + 8 * 30)
}

fn stream_usage(s: &Stream, samples: usize, with_active_time: bool) -> usize {
    let mut size = ROBJ + 80;
    size += rax_usage(s.nodes.len(), s.radix_tree_nodes());
    let last = s.nodes.keys().next_back().copied();
    let lp = |id: &crate::stream::StreamId, n: &crate::stream::Node| {
        let bytes = malloc_size(n.bytes());
        if Some(*id) == last {
            bytes.max(STREAM_PREALLOC)
        } else {
            bytes
        }
    };
    let limit = if samples == 0 { usize::MAX } else { samples };
    let first: Vec<usize> = s.nodes.iter().take(limit).map(|(id, n)| lp(id, n)).collect();
    if s.nodes.len() <= first.len() {
        size += first.iter().sum::<usize>();
    } else if !first.is_empty() {
        let average = first.iter().sum::<usize>() / first.len();
        size += average * (s.nodes.len() - 1);
        if let Some((id, n)) = s.nodes.iter().next_back() {
            size += lp(id, n);
        }
    }
    let consumer = if with_active_time { 32 } else { 24 };
    for cg in s.groups.values() {
        let pel_nodes = crate::stream::rax_node_count(cg.pending.keys().map(|id| id.encode()));
        size += 40 + rax_usage(cg.pending.len(), pel_nodes) + 24 * cg.pending.len();
        for c in cg.consumers.values() {
            let nodes = crate::stream::rax_node_count(c.pending.iter().map(|id| id.encode()));
            size += consumer + c.name.len() + rax_usage(c.pending.len(), nodes);
        }
    }
    size
}

/// An array as Redis 8.8 accounts for it (`ar->alloc_size`): the header, the directory or
/// super-directory and its blocks, each slice, and each value that is not held in the slot
/// itself (integers of 62 bits, exact doubles and strings of up to 7 bytes are).
fn array_usage(a: &crate::value::Array) -> usize {
    let structure: usize = a.allocations().into_iter().map(malloc_size).sum();
    let strings: usize = a
        .iter()
        .filter(|(_, v)| !crate::commands::array_value_inline(v))
        .map(|(_, v)| malloc_size(if v.len() <= 32767 { 2 } else { 8 } + v.len()))
        .sum();
    ROBJ + structure + strings
}

/// A module string's allocation (`RM_MallocSizeString`): an embedded string up to 44 bytes,
/// else the object and its sds.
fn module_string(len: usize) -> usize {
    if len <= 44 {
        malloc_size(ROBJ + 3 + len + 1)
    } else {
        ROBJ + sds_size(len)
    }
}

/// A vector set as its module estimates it (`VectorSetMemUsage`): the set and graph headers, the
/// projection matrix, each node with its vector, layers (1.33 per node on average) and links,
/// names and attributes sized after the newest 20, and the name index.
fn vset_usage(v: &crate::value::VectorSet) -> usize {
    const VSET: usize = 112;
    const HNSW: usize = 1672;
    const NODE: usize = 312;
    const LAYER: usize = 24;
    let n = v.len();
    let mut size = VSET + HNSW;
    if let Some(p) = &v.projection {
        size += 4 * p.matrix.len();
    }
    let Some(first) = v.nodes().next() else { return size };
    size += NODE * n + v.quants_bytes() * n;
    size += LAYER * n * 4 / 3;
    let level0 = first.layers[0].max_links as usize;
    size += 8 * level0 * n + (8 * (level0 / 2) * n) / 3;
    let sample: Vec<_> = v.nodes().take(20).collect();
    let items: usize = sample.iter().map(|node| module_string(node.name.len())).sum();
    size += items / sample.len() * n;
    let attribs: Vec<usize> =
        sample.iter().filter_map(|node| node.attrib.as_ref().map(|a| module_string(a.len()))).collect();
    let (sum, count) = if attribs.is_empty() { (64, 1) } else { (attribs.iter().sum(), attribs.len()) };
    size += sum / count * v.attribs as usize;
    size + n * 16
}

/// What `MEMORY USAGE key [SAMPLES n]` answers: the value, the key's sds and its dict entry.
/// `encoding` is what `OBJECT ENCODING` says of the value.
pub fn usage(key: &[u8], value: &Value, encoding: &str, samples: usize, with_active_time: bool) -> usize {
    let value_size = match value {
        Value::String(s) => match encoding {
            "int" => ROBJ,
            "embstr" => malloc_size(ROBJ + 3 + s.len() + 1),
            _ => ROBJ + sds_size(s.len()),
        },
        Value::List(l) => {
            if encoding == "listpack" {
                ROBJ + malloc_size(listpack_bytes(l.iter().map(Vec::as_slice)))
            } else {
                // Nodes filled up to 8 KB each, in order.
                let mut nodes = Vec::new();
                let mut bytes = crate::stream::listpack::OVERHEAD;
                for item in l.iter() {
                    let size = crate::stream::listpack::str_size(item);
                    if bytes + size > LIST_NODE_BYTES && bytes > crate::stream::listpack::OVERHEAD {
                        nodes.push(bytes);
                        bytes = crate::stream::listpack::OVERHEAD;
                    }
                    bytes += size;
                }
                nodes.push(bytes);
                let count = nodes.len();
                ROBJ + QUICKLIST + sampled(nodes.into_iter().map(|b| QUICKLIST_NODE + malloc_size(b)), count, samples)
            }
        }
        Value::Hash(h) => match &**h {
            Hash::Listpack(pairs) => {
                ROBJ + malloc_size(listpack_bytes(pairs.iter().flat_map(|(f, v)| [f.as_slice(), v.as_slice()])))
            }
            Hash::ListpackEx(entries) => {
                let ttls: Vec<Vec<u8>> = entries.iter().map(|e| e.2.unwrap_or(0).to_string().into_bytes()).collect();
                let items =
                    entries.iter().zip(&ttls).flat_map(|((f, v, _), t)| [f.as_slice(), v.as_slice(), t.as_slice()]);
                // The listpackEx struct beside the listpack (key, expiry metadata, listpack).
                ROBJ + 48 + malloc_size(listpack_bytes(items))
            }
            Hash::Table(map, _) => {
                ROBJ + DICT
                    + 8 * dict_slots(map.len())
                    + sampled(
                        map.iter().map(|(f, v)| sds_size(f.len()) + sds_size(v.len()) + DICT_ENTRY),
                        map.len(),
                        samples,
                    )
            }
        },
        Value::Set(s) => match &**s {
            Set::Intset(ints) => {
                let width = if ints.iter().all(|&i| i16::try_from(i).is_ok()) {
                    2
                } else if ints.iter().all(|&i| i32::try_from(i).is_ok()) {
                    4
                } else {
                    8
                };
                ROBJ + malloc_size(8 + width * ints.len())
            }
            Set::Listpack(members) => ROBJ + malloc_size(listpack_bytes(members.iter().map(Vec::as_slice))),
            Set::Table(members) => {
                ROBJ + DICT
                    + 8 * dict_slots(members.len())
                    + sampled(members.iter().map(|m| DICT_ENTRY + sds_size(m.len())), members.len(), samples)
            }
        },
        Value::ZSet(z) => {
            if z.packed {
                let scores: Vec<Vec<u8>> =
                    z.order.iter().map(|(s, _)| crate::reply::format_double(s.0).into_bytes()).collect();
                let items = z.order.iter().zip(&scores).flat_map(|((_, m), s)| [m.as_slice(), s.as_slice()]);
                ROBJ + malloc_size(listpack_bytes(items))
            } else {
                ROBJ + ZSET
                    + ZSKIPLIST
                    + DICT
                    + 8 * dict_slots(z.len())
                    + malloc_size(24 + 16 * 32)
                    + sampled(
                        z.order.iter().map(|(_, m)| sds_size(m.len()) + DICT_ENTRY + skiplist_node(m)),
                        z.len(),
                        samples,
                    )
            }
        }
        Value::Stream(s) => stream_usage(s, samples, with_active_time),
        Value::Array(a) => array_usage(a),
        Value::VectorSet(v) => vset_usage(v),
    };
    value_size + sds_size(key.len()) + DICT_ENTRY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_classes() {
        let classes: Vec<usize> =
            [1, 8, 9, 16, 17, 25, 54, 104, 129, 160, 161, 536, 2991, 5000].map(malloc_size).to_vec();
        assert_eq!(classes, [8, 8, 16, 16, 32, 32, 64, 112, 160, 160, 192, 640, 3072, 5120]);
    }

    // Figures read from Redis 7.0.15's `MEMORY USAGE` for the same values.
    #[test]
    fn matches_redis_for_small_values() {
        let s = |t: &str| Value::String(t.as_bytes().to_vec());
        assert_eq!(usage(b"a", &s("1"), "int", 5, false), 48);
        assert_eq!(usage(b"b", &s("hello"), "embstr", 5, false), 64);
        assert_eq!(usage(b"c", &s(&"x".repeat(50)), "raw", 5, false), 112);
        assert_eq!(usage(b"d", &s(&"x".repeat(100)), "raw", 5, false), 160);
        assert_eq!(usage(b"longkeyname_abcdefghijklmnop", &s("v"), "embstr", 5, false), 88);
        let list = Value::List(Box::new(["a", "b", "c"].iter().map(|x| x.as_bytes().to_vec()).collect()));
        assert_eq!(usage(b"l", &list, "quicklist", 5, false), 144);
        let hash = Value::Hash(Box::new(Hash::Listpack(vec![
            (b"f".to_vec(), b"v".to_vec()),
            (b"f2".to_vec(), b"v2".to_vec()),
        ])));
        assert_eq!(usage(b"h", &hash, "listpack", 5, false), 80);
        let ints = Value::Set(Box::new(Set::Intset(vec![1, 2, 3])));
        assert_eq!(usage(b"s", &ints, "intset", 5, false), 64);
        let table = Value::Set(Box::new(Set::Table([b"a".to_vec(), b"b".to_vec()].into())));
        assert_eq!(usage(b"s2", &table, "hashtable", 5, false), 200);
        let wide = Value::Hash(Box::new(Hash::Table([(b"f".to_vec(), vec![b'x'; 70])].into(), Default::default())));
        assert_eq!(usage(b"hlong", &wide, "hashtable", 5, false), 248);
        let pairs: Vec<(Vec<u8>, Vec<u8>)> =
            (1..=200).map(|i| (format!("f{i}").into_bytes(), format!("value{i}").into_bytes())).collect();
        assert_eq!(usage(b"hbig", &Value::Hash(Box::new(Hash::Listpack(pairs))), "listpack", 5, false), 3120);
        let big_list = Value::List(Box::new((1..=200).map(|i| format!("item{i}").into_bytes()).collect()));
        assert_eq!(usage(b"lbig", &big_list, "quicklist", 5, false), 1920);
        let big_ints = Value::Set(Box::new(Set::Intset((1..=200).collect())));
        assert_eq!(usage(b"ibig", &big_ints, "intset", 5, false), 496);
    }
}

#[cfg(test)]
mod eviction_tests {
    use crate::{Effect, Server, Version};

    fn run(server: &mut Server, at: u64, line: &str) -> String {
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        crate::cli::format_reply(&server.execute(at, 1, &argv).reply.unwrap()).trim_end().to_string()
    }

    fn fill(server: &mut Server, n: usize) {
        for i in 0..n {
            run(server, 1_000 + i as u64 * 1_000, &format!("SET key:{i:03} {}", "v".repeat(200)));
        }
    }

    #[test]
    fn eviction_keeps_memory_under_the_limit_by_the_policy() {
        for policy in ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-ttl", "volatile-lru"] {
            let mut server = Server::new(Version::V7_0);
            server.connect(0);
            run(&mut server, 0, &format!("CONFIG SET maxmemory-policy {policy}"));
            fill(&mut server, 100);
            for i in 0..100 {
                run(&mut server, 200_000, &format!("EXPIRE key:{i:03} {}", 1_000 + i));
            }
            // The first 20 keys are read often (recent, frequent); the rest once, long ago.
            for round in 0..10 {
                for i in 0..20 {
                    run(&mut server, 300_000 + round, &format!("GET key:{i:03}"));
                }
            }
            let used = server.used_memory();
            let limit = used - 40 * 296;
            // A lower limit evicts at once (Redis's eviction timer), and again before a command
            // that adds data.
            let config = crate::cli::split_args(format!("CONFIG SET maxmemory {limit}").as_bytes()).unwrap();
            let lowered = server.execute(400_000, 1, &config);
            let argv = crate::cli::split_args(b"SET newkey v").unwrap();
            let out = server.execute(400_001, 1, &argv);
            assert_eq!(out.reply.unwrap(), crate::Reply::ok(), "{policy}");
            // The new key then adds its own bytes.
            assert!(server.used_memory() <= limit + 100, "{policy}: under the limit after evicting");
            let evicted: Vec<String> = lowered
                .effects
                .iter()
                .chain(&out.effects)
                .filter_map(|e| match e {
                    Effect::KeyEvicted { key, .. } => Some(String::from_utf8_lossy(key).into_owned()),
                    _ => None,
                })
                .collect();
            assert!(evicted.len() >= 30, "{policy}: {evicted:?}");
            assert_eq!(server.stats.evicted_keys, evicted.len() as u64);
            let hot_evicted = evicted.iter().filter(|k| k.as_str() < "key:020").count();
            match policy {
                // The sampled approximations keep the hot keys: sampling 5 at a time, with the
                // pool, a hot key is the worst candidate of every sample it is in.
                "allkeys-lru" | "allkeys-lfu" | "volatile-lru" => assert_eq!(hot_evicted, 0, "{policy}: {evicted:?}"),
                // Soonest to expire first: key:000 has the shortest TTL.
                "volatile-ttl" => assert!(evicted.contains(&"key:000".to_string()), "{evicted:?}"),
                _ => {}
            }
        }
    }

    #[test]
    fn noeviction_refuses_writes_and_counts_nothing() {
        let mut server = Server::new(Version::V7_0);
        server.connect(0);
        fill(&mut server, 10);
        run(&mut server, 20_000, "CONFIG SET maxmemory 1000");
        assert_eq!(
            run(&mut server, 20_001, "SET k v"),
            "(error) OOM command not allowed when used memory > 'maxmemory'."
        );
        assert_eq!(run(&mut server, 20_002, "DEL key:000"), "(integer) 1");
        assert_eq!(server.stats.evicted_keys, 0);
        // volatile policies with no key that has a TTL have nothing to evict either.
        run(&mut server, 20_003, "CONFIG SET maxmemory-policy volatile-random");
        assert!(run(&mut server, 20_004, "SET k v").starts_with("(error) OOM"));
    }
}
