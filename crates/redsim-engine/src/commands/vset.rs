//! Vector set commands (Redis 8.0, `VISMEMBER` 8.2, `VRANGE` 8.4): `VADD`, `VREM`, `VSIM`,
//! `VCARD`, `VDIM`, `VEMB`, `VLINKS`, `VINFO`, `VSETATTR`, `VGETATTR`, `VRANDMEMBER`,
//! `VISMEMBER`, `VRANGE`, with the replies and error texts of Redis's `modules/vector-sets/vset.c`.
//!
//! Redis ships vector sets as a module built into the server: the commands are in the `module`
//! group, a key holding one is of type `vectorset` with encoding `raw`, and the commands raise no
//! keyspace events. Redis runs `VSIM` and `VADD ... CAS` on a thread; a simulator has no threads,
//! so both run at once (as Redis does inside `MULTI` and scripts) and `CAS`/`NOTHREAD` change
//! nothing.

use std::ops::Bound;

use crate::args::{parse_f64, parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::{Protocol, Reply};
use crate::server::Ctx;
use crate::value::vset::{self, Projection, Quant, VectorSet};
use crate::value::vset_filter::Filter;
use crate::value::Value;

const GROUP: &str = "module";
const SINCE: &str = "8.0.0";

const W: &[Flag] = &[Flag::Write, Flag::DenyOom];
const W_PLAIN: &[Flag] = &[Flag::Write];
const W_FAST: &[Flag] = &[Flag::Write, Flag::Fast];
const R: &[Flag] = &[Flag::ReadOnly];
const R_FAST: &[Flag] = &[Flag::ReadOnly, Flag::Fast];

/// `VSET_DEFAULT_C_EF`, `VSET_DEFAULT_SEARCH_EF`, `VSET_DEFAULT_COUNT`.
const DEFAULT_BUILD_EF: usize = 200;
const DEFAULT_SEARCH_EF: usize = 100;
const DEFAULT_COUNT: i64 = 10;
/// Redsim's own limit on a `REDUCE` projection matrix (Redis allocates any size, up to 2^32
/// floats for a 65,536-dimension vector reduced to as many).
const MAX_PROJECTION: usize = 1 << 24;

fn arity(ctx: &Ctx) -> Error {
    Error::WrongArity { name: String::from_utf8_lossy(&ctx.argv[0]).to_ascii_lowercase() }
}

fn err(text: &str) -> Error {
    Error::other(text)
}

fn dimension_mismatch(got: usize, set: u32) -> Error {
    Error::other(format!("ERR Vector dimension mismatch - got {got} but set has {set}"))
}

fn projection_mismatch(got: usize, expects: u32) -> Error {
    Error::other(format!("ERR Input dimension mismatch for projection - got {got} but projection expects {expects}"))
}

fn vset_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut VectorSet>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::VectorSet(v)) => Ok(Some(v)),
        Some(_) => Err(Error::WrongType),
    }
}

fn resp3(ctx: &Ctx) -> bool {
    ctx.client().protocol == Protocol::Resp3
}

/// A vector as `parseVector` reads it from `argv[at..]`: `[REDUCE dim] FP32 blob` or
/// `[REDUCE dim] VALUES n v1 ... vn`. Gives the vector, the `REDUCE` dimension (0 if none) and how
/// many arguments it took; `None` for anything malformed.
fn parse_vector(argv: &[Vec<u8>], mut at: usize, allow_reduce: bool) -> Option<(Vec<f32>, usize, usize)> {
    let argc = argv.len();
    let mut consumed = 0;
    let mut reduce = 0usize;
    if allow_reduce && argc > at + 2 && argv[at].eq_ignore_ascii_case(b"REDUCE") {
        let r = parse_i64(&argv[at + 1]).filter(|&r| r > 0)?;
        reduce = usize::try_from(r).ok()?;
        at += 2;
        consumed += 2;
    }
    let format = argv.get(at)?;
    let vec: Vec<f32> = if format.eq_ignore_ascii_case(b"FP32") {
        let blob = argv.get(at + 1)?;
        if blob.len() % 4 != 0 || blob.len() < 4 || blob.len() / 4 > vset::MAX_DIM {
            return None;
        }
        consumed += 2;
        blob.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    } else if format.eq_ignore_ascii_case(b"VALUES") {
        let n = parse_i64(argv.get(at + 1)?).filter(|&n| n >= 1 && n <= vset::MAX_DIM as i64)? as usize;
        if argc < at + 2 + n {
            return None;
        }
        consumed += n + 2;
        argv[at + 2..at + 2 + n].iter().map(|a| parse_f64(a).map(|v| v as f32)).collect::<Option<Vec<f32>>>()?
    } else {
        return None;
    };
    if reduce > vec.len() {
        return None;
    }
    Some((vec, reduce, consumed))
}

pub static VADD: CommandSpec = CommandSpec::new("vadd", -5, GROUP, SINCE)
    .flags(W)
    .keys(1, 1, 1)
    .doc(
        "key [REDUCE dim] (FP32 | VALUES num) vector element [CAS] [NOQUANT | Q8 | BIN] [EF build-exploration-factor] [SETATTR attributes] [M numlinks]",
        "Add one or more elements to a vector set, or update its vector if it already exists",
    )
    .run(vadd);

fn vadd(ctx: &mut Ctx, _args: Args) -> Result<Reply> {
    let argv = ctx.argv;
    let Some((mut vec, reduce, consumed)) = parse_vector(argv, 2, true) else {
        return Err(err("ERR invalid vector specification"));
    };
    if argv.len() < 3 + consumed {
        return Err(arity(ctx));
    }
    let element = argv[2 + consumed].clone();
    let mut ef = DEFAULT_BUILD_EF;
    let mut m = vset::DEFAULT_M;
    let mut attrib: Option<Vec<u8>> = None;
    let mut quant = Quant::Q8;
    let mut j = 3 + consumed;
    while j < argv.len() {
        let opt = &argv[j];
        let has_value = j + 1 < argv.len();
        if opt.eq_ignore_ascii_case(b"CAS") {
        } else if opt.eq_ignore_ascii_case(b"EF") && has_value {
            ef = parse_i64(&argv[j + 1]).filter(|&e| e > 0 && e <= 1_000_000).ok_or_else(|| err("ERR invalid EF"))?
                as usize;
            j += 1;
        } else if opt.eq_ignore_ascii_case(b"M") && has_value {
            m = parse_i64(&argv[j + 1])
                .filter(|&v| v >= i64::from(vset::MIN_M) && v <= i64::from(vset::MAX_M))
                .ok_or_else(|| err("ERR invalid M"))? as u32;
            j += 1;
        } else if opt.eq_ignore_ascii_case(b"SETATTR") && has_value {
            attrib = Some(argv[j + 1].clone());
            j += 1;
        } else if opt.eq_ignore_ascii_case(b"NOQUANT") {
            quant = Quant::None;
        } else if opt.eq_ignore_ascii_case(b"BIN") {
            quant = Quant::Bin;
        } else if opt.eq_ignore_ascii_case(b"Q8") {
            quant = Quant::Q8;
        } else {
            return Err(err("ERR invalid option after element"));
        }
        j += 1;
    }
    let key = &argv[1];
    let dim = vec.len();
    let exists = if let Some(set) = vset_at(ctx, key)? {
        if set.quant != quant {
            return Err(err("ERR asked quantization mismatch with existing vector set"));
        }
        if set.m != m {
            return Err(err("ERR asked M value mismatch with existing vector set"));
        }
        let want = if set.projection.is_some() { reduce } else { dim };
        if set.dim as usize != want {
            return Err(dimension_mismatch(dim, set.dim));
        }
        if reduce > 0 && set.projection.is_none() {
            return Err(err("ERR cannot add projection to existing set without projection"));
        }
        if let Some(p) = &set.projection {
            if dim != p.input_dim as usize {
                return Err(projection_mismatch(dim, p.input_dim));
            }
            vec = p.apply(&vec);
        }
        true
    } else {
        false
    };
    if !exists && reduce > 0 && dim.saturating_mul(reduce) > MAX_PROJECTION {
        return Err(Error::other(format!(
            "ERR projection matrix too large: Redsim allows at most {MAX_PROJECTION} entries (input dimension times REDUCE)"
        )));
    }
    let level = {
        let server = &mut *ctx.server;
        vset::random_level(&mut || server.random())
    };
    if !exists {
        let uid = ctx.server.vset_next_id;
        ctx.server.vset_next_id += 1;
        let mut set = VectorSet::new(if reduce > 0 { reduce } else { dim } as u32, quant, m, uid);
        if reduce > 0 {
            let p = Projection::new(dim as u32, reduce as u32);
            vec = p.apply(&vec);
            set.projection = Some(p);
        }
        // A new element keeps even an empty `SETATTR` (an update clears with one).
        set.insert(&vec, element, attrib, level, ef);
        ctx.store(key, Value::VectorSet(Box::new(set)), false);
        return Ok(Reply::Boolean(true));
    }
    let Some(set) = vset_at(ctx, key)? else { return Err(Error::WrongType) };
    match set.remove(&element) {
        Some(old) => {
            // An update: the element goes back in with its new vector, a new level and the same
            // attributes unless `SETATTR` gave others (empty clears them). Redis does not
            // replicate it.
            let attrib = match attrib {
                Some(a) if a.is_empty() => None,
                Some(a) => Some(a),
                None => old.attrib,
            };
            set.insert(&vec, element, attrib, level, ef);
            let db = ctx.db_index();
            ctx.server.touch_watched(db, key, false);
            ctx.effect(|| crate::Effect::KeyWritten { db, key: key.to_vec() });
            Ok(Reply::Boolean(false))
        }
        None => {
            set.insert(&vec, element, attrib, level, ef);
            ctx.modified(key);
            Ok(Reply::Boolean(true))
        }
    }
}

pub static VREM: CommandSpec = CommandSpec::new("vrem", 3, GROUP, SINCE)
    .flags(W_PLAIN)
    .keys(1, 1, 1)
    .doc("key element", "Remove an element from a vector set")
    .run(vrem);

fn vrem(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let element = args.next()?;
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::Boolean(false)) };
    if set.remove(element).is_none() {
        return Ok(Reply::Boolean(false));
    }
    let empty = set.is_empty();
    ctx.modified(key);
    if empty {
        let db = ctx.db_index();
        ctx.server.dbs[db].remove(key);
        ctx.effect(|| crate::Effect::KeyDeleted { db, key: key.to_vec() });
    }
    Ok(Reply::Boolean(true))
}

pub static VSIM: CommandSpec = CommandSpec::new("vsim", -4, GROUP, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc(
        "key (ELE | FP32 | VALUES num) (vector | element) [WITHSCORES] [WITHATTRIBS] [COUNT num] [EPSILON delta] [EF search-exploration-factor] [FILTER expression] [FILTER-EF max-filtering-effort] [TRUTH] [NOTHREAD]",
        "Return elements by vector similarity",
    )
    .run(vsim);

fn vsim(ctx: &mut Ctx, _args: Args) -> Result<Reply> {
    let argv = ctx.argv;
    let key = &argv[1];
    let resp3 = resp3(ctx);
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let (vec, vector_args) = if argv[2].eq_ignore_ascii_case(b"ELE") {
        let Some(node) = set.get(&argv[3]) else { return Err(err("ERR element not found in set")) };
        (set.vector_of(node), 2)
    } else {
        let Some((mut vec, _, consumed)) = parse_vector(argv, 2, false) else {
            return Err(err("ERR invalid vector specification"));
        };
        if let Some(p) = &set.projection {
            if vec.len() != set.dim as usize {
                if vec.len() != p.input_dim as usize {
                    return Err(projection_mismatch(vec.len(), p.input_dim));
                }
                vec = p.apply(&vec);
            }
        }
        (vec, consumed)
    };
    if vec.len() != set.dim as usize {
        return Err(dimension_mismatch(vec.len(), set.dim));
    }
    let (mut withscores, mut withattribs, mut truth) = (false, false, false);
    let mut count = DEFAULT_COUNT;
    let mut ef = 0i64;
    let mut epsilon = 2.0f64;
    let mut filter_ef = 0i64;
    let mut filter: Option<Filter> = None;
    let mut j = 2 + vector_args;
    while j < argv.len() {
        let opt = &argv[j];
        let has_value = j + 1 < argv.len();
        let is = |word: &[u8]| opt.eq_ignore_ascii_case(word);
        if is(b"WITHSCORES") {
            withscores = true;
        } else if is(b"WITHATTRIBS") {
            withattribs = true;
        } else if is(b"TRUTH") {
            truth = true;
        } else if is(b"NOTHREAD") {
        } else if is(b"COUNT") && has_value {
            count = parse_i64(&argv[j + 1]).filter(|&c| c > 0).ok_or_else(|| err("ERR invalid COUNT"))?;
            j += 1;
        } else if is(b"EPSILON") && has_value {
            epsilon = parse_f64(&argv[j + 1]).filter(|&e| e > 0.0).ok_or_else(|| err("ERR invalid EPSILON"))?;
            j += 1;
        } else if is(b"EF") && has_value {
            ef = parse_i64(&argv[j + 1]).filter(|&e| e > 0 && e <= 1_000_000).ok_or_else(|| err("ERR invalid EF"))?;
            j += 1;
        } else if is(b"FILTER-EF") && has_value {
            filter_ef = parse_i64(&argv[j + 1]).filter(|&e| e > 0).ok_or_else(|| err("ERR invalid FILTER-EF"))?;
            j += 1;
        } else if is(b"FILTER") && has_value {
            let text = &argv[j + 1];
            let cstr = &text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())];
            match Filter::compile(text) {
                Ok(f) => filter = Some(f),
                Err(at) => {
                    let at = if at >= text.len() { 0 } else { at.min(cstr.len()) };
                    let near = String::from_utf8_lossy(&cstr[at..]);
                    return Err(Error::other(format!("ERR syntax error in FILTER expression near: {near}")));
                }
            }
            j += 1;
        } else {
            return Err(err("ERR syntax error in VSIM command"));
        }
        j += 1;
    }
    if filter_ef == 0 {
        filter_ef = count.saturating_mul(100);
    }
    let count = count as usize;
    let mut ef = if ef == 0 { DEFAULT_SEARCH_EF } else { ef as usize };
    ef = ef.max(count).min(set.len());
    let query = set.query(&vec);
    let check = filter.as_ref().map(|f| move |n: &vset::Node| f.matches(n.attrib.as_deref()));
    let check_ref: Option<&dyn Fn(&vset::Node) -> bool> = check.as_ref().map(|c| c as &dyn Fn(&vset::Node) -> bool);
    let mut trace = Vec::new();
    let found = if truth {
        set.scan_nearest(&query, ef, check_ref)
    } else {
        set.search_traced(&query, ef, check_ref, usize::try_from(filter_ef).unwrap_or(usize::MAX), Some(&mut trace))
    };
    // What the pictures show of the search: every element a linear scan compared, or the ones
    // the graph walk reached.
    let visited: Vec<Vec<u8>> = if truth {
        set.nodes().map(|n| n.name.clone()).collect()
    } else {
        let mut seen = std::collections::BTreeSet::new();
        trace.iter().filter(|s| seen.insert(**s)).map(|&s| set.name_of(s).to_vec()).collect()
    };
    let epsilon = epsilon as f32;
    let mut items = Vec::new();
    let mut pairs = Vec::new();
    let mut answered = Vec::new();
    for (node, d) in found.into_iter().take(count) {
        if d / 2.0 > epsilon {
            break;
        }
        answered.push(node.name.clone());
        let name = Reply::bulk(&node.name);
        let score = Reply::Double(1.0 - f64::from(d) / 2.0);
        let attr = || node.attrib.as_ref().map_or(Reply::Nil, Reply::bulk);
        if resp3 && (withscores || withattribs) {
            let value = match (withscores, withattribs) {
                (true, true) => Reply::Array(vec![score, attr()]),
                (true, false) => score,
                _ => attr(),
            };
            pairs.push((name, value));
        } else {
            items.push(name);
            if withscores {
                items.push(score);
            }
            if withattribs {
                items.push(attr());
            }
        }
    }
    let db = ctx.db_index();
    ctx.effect(|| crate::Effect::VectorSearch { db, key: key.to_vec(), visited, found: answered });
    Ok(if resp3 && (withscores || withattribs) { Reply::Map(pairs) } else { Reply::Array(items) })
}

pub static VDIM: CommandSpec = CommandSpec::new("vdim", 2, GROUP, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key", "Return the dimension of vectors in the vector set")
    .run(vdim);

fn vdim(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    match vset_at(ctx, key)? {
        None => Err(err("ERR key does not exist")),
        Some(set) => Ok(Reply::Integer(i64::from(set.dim))),
    }
}

pub static VCARD: CommandSpec = CommandSpec::new("vcard", 2, GROUP, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key", "Return the number of elements in a vector set")
    .run(vcard);

fn vcard(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    Ok(Reply::Integer(vset_at(ctx, key)?.map_or(0, |s| s.len() as i64)))
}

pub static VEMB: CommandSpec = CommandSpec::new("vemb", -3, GROUP, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key element [RAW]", "Return the vector associated with an element")
    .run(vemb);

fn vemb(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let element = args.next()?;
    let mut raw = false;
    for opt in args.rest() {
        if !opt.eq_ignore_ascii_case(b"RAW") {
            return Err(err("ERR invalid option"));
        }
        raw = true;
    }
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::Nil) };
    let Some(node) = set.get(element) else { return Ok(Reply::Nil) };
    if raw {
        let mut out =
            vec![Reply::status(set.quant.name()), Reply::Bulk(set.raw_bytes(node)), Reply::Double(f64::from(node.l2))];
        if set.quant == Quant::Q8 {
            out.push(Reply::Double(f64::from(node.vector.range)));
        }
        return Ok(Reply::Array(out));
    }
    Ok(Reply::Array(set.vector_of(node).into_iter().map(|v| Reply::Double(f64::from(v))).collect()))
}

pub static VSETATTR: CommandSpec = CommandSpec::new("vsetattr", 4, GROUP, SINCE)
    .flags(W_FAST)
    .keys(1, 1, 1)
    .doc("key element json", "Associate or remove the JSON attributes of elements")
    .run(vsetattr);

fn vsetattr(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let element = args.next()?;
    let json = args.next()?;
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::Boolean(false)) };
    if !set.set_attrib(element, json) {
        return Ok(Reply::Boolean(false));
    }
    ctx.modified(key);
    Ok(Reply::Boolean(true))
}

pub static VGETATTR: CommandSpec = CommandSpec::new("vgetattr", 3, GROUP, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key element", "Retrieve the JSON attributes of elements")
    .run(vgetattr);

fn vgetattr(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let element = args.next()?;
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::Nil) };
    Ok(set.get(element).and_then(|n| n.attrib.as_ref()).map_or(Reply::Nil, Reply::bulk))
}

pub static VLINKS: CommandSpec = CommandSpec::new("vlinks", -3, GROUP, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key element [WITHSCORES]", "Return the neighbors of an element at each layer in the HNSW graph")
    .run(vlinks);

fn vlinks(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let element = args.next()?;
    let withscores = match args.rest() {
        [] => false,
        [w] if w.eq_ignore_ascii_case(b"WITHSCORES") => true,
        _ => return Err(arity(ctx)),
    };
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::Nil) };
    let Some(node) = set.get(element) else { return Ok(Reply::Nil) };
    let layers = node
        .layers
        .iter()
        .rev()
        .map(|l| {
            if withscores {
                Reply::Map(
                    l.links
                        .iter()
                        .map(|&s| {
                            let similarity = (1.0 - f64::from(set.link_distance(node, s)) / 2.0) as f32;
                            (Reply::bulk(set.name_of(s)), Reply::Double(f64::from(similarity)))
                        })
                        .collect(),
                )
            } else {
                Reply::Array(l.links.iter().map(|&s| Reply::bulk(set.name_of(s))).collect())
            }
        })
        .collect();
    Ok(Reply::Array(layers))
}

pub static VINFO: CommandSpec = CommandSpec::new("vinfo", 2, GROUP, SINCE)
    .flags(R_FAST)
    .keys(1, 1, 1)
    .doc("key", "Return information about a vector set")
    .run(vinfo);

fn vinfo(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::NilArray) };
    let field = |name: &str, value: Reply| (Reply::status(name), value);
    let int = |n: u64| Reply::Integer(n as i64);
    Ok(Reply::Map(vec![
        field("quant-type", Reply::status(set.quant.name())),
        field("hnsw-m", int(u64::from(set.m))),
        field("vector-dim", int(u64::from(set.dim))),
        field("projection-input-dim", int(set.projection.as_ref().map_or(0, |p| u64::from(p.input_dim)))),
        field("size", int(set.len() as u64)),
        field("max-level", int(u64::from(set.max_level))),
        field("attributes-count", int(set.attribs)),
        field("vset-uid", int(set.uid)),
        field("hnsw-max-node-uid", int(set.last_id)),
    ]))
}

pub static VRANDMEMBER: CommandSpec = CommandSpec::new("vrandmember", -2, GROUP, SINCE)
    .flags(R)
    .keys(1, 1, 1)
    .doc("key [count]", "Return one or multiple random members from a vector set")
    .run(vrandmember);

fn vrandmember(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let count = match args.rest() {
        [] => None,
        [c] => {
            let n = parse_i64(c).ok_or_else(|| err("ERR COUNT value is not an integer"))?;
            if n == 0 {
                return Ok(Reply::Array(Vec::new()));
            }
            Some(n)
        }
        _ => return Err(arity(ctx)),
    };
    let seed = ctx.server.random();
    let Some(set) = vset_at(ctx, key)? else {
        return Ok(if count.is_some() { Reply::Array(Vec::new()) } else { Reply::Nil });
    };
    let mut state = seed;
    let mut draw = move || crate::server::splitmix64(&mut state);
    crate::commands::set::check_picks(count)?;
    let Some(count) = count else {
        return Ok(set.random_node(&mut draw).map_or(Reply::Nil, |n| Reply::bulk(&n.name)));
    };
    let size = set.len() as u64;
    let want = if count < 0 { count.unsigned_abs() } else { (count as u64).min(size) };
    let mut out = Vec::new();
    if count < 0 {
        for _ in 0..want {
            if let Some(n) = set.random_node(&mut draw) {
                out.push(Reply::bulk(&n.name));
            }
        }
    } else if (want as f64) <= size as f64 * 0.2 {
        let mut seen = std::collections::BTreeSet::new();
        while (seen.len() as u64) < want {
            let Some(n) = set.random_node(&mut draw) else { break };
            if seen.insert(n.name.clone()) {
                out.push(Reply::bulk(&n.name));
            }
        }
    } else if let Some(start) = set.random_node(&mut draw) {
        // Many of them: a walk along the list from a random element, wrapping at the end.
        let mut current = start;
        out.push(Reply::bulk(&current.name));
        while (out.len() as u64) < want {
            let Some(next) = set.next_in_list(&current.name) else { break };
            current = next;
            out.push(Reply::bulk(&current.name));
        }
    }
    Ok(Reply::Array(out))
}

pub static VISMEMBER: CommandSpec = CommandSpec::new("vismember", 3, GROUP, "8.2.0")
    .flags(R)
    .keys(1, 1, 1)
    .doc("key element", "Check if an element exists in a vector set")
    .run(vismember);

fn vismember(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let element = args.next()?;
    Ok(Reply::Boolean(vset_at(ctx, key)?.is_some_and(|s| s.contains(element))))
}

/// A `VRANGE` bound: `-`, `+`, `[name` (inclusive) or `(name` (exclusive).
enum RangeOp {
    Min,
    Max,
    Element(Vec<u8>, bool),
}

fn range_op(arg: &[u8]) -> Option<RangeOp> {
    match arg {
        b"-" => Some(RangeOp::Min),
        b"+" => Some(RangeOp::Max),
        [b'[', rest @ ..] if !rest.is_empty() => Some(RangeOp::Element(rest.to_vec(), true)),
        [b'(', rest @ ..] if !rest.is_empty() => Some(RangeOp::Element(rest.to_vec(), false)),
        _ => None,
    }
}

pub static VRANGE: CommandSpec = CommandSpec::new("vrange", -4, GROUP, "8.4.0")
    .flags(R)
    .keys(1, 1, 1)
    .doc("key start end [count]", "Return vector set elements in a lex range")
    .run(vrange);

fn vrange(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (start, end) = (args.next()?, args.next()?);
    let count = match args.rest() {
        [] => -1,
        [c] => parse_i64(c).ok_or_else(|| err("ERR invalid COUNT value"))?,
        _ => return Err(arity(ctx)),
    };
    let start = range_op(start).ok_or_else(|| err("ERR invalid start range format"))?;
    let end = range_op(end).ok_or_else(|| err("ERR invalid end range format"))?;
    if matches!(start, RangeOp::Max) || matches!(end, RangeOp::Min) {
        return Err(err("ERR '-' can only be used as first argument, '+' only as second"));
    }
    let Some(set) = vset_at(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let from = match &start {
        RangeOp::Element(e, true) => Bound::Included(e.as_slice()),
        RangeOp::Element(e, false) => Bound::Excluded(e.as_slice()),
        _ => Bound::Unbounded,
    };
    let mut out = Vec::new();
    for name in set.names_from(from) {
        if count >= 0 && out.len() as i64 >= count {
            break;
        }
        let inside = match &end {
            RangeOp::Element(e, incl) => {
                if *incl {
                    name <= e
                } else {
                    name < e
                }
            }
            _ => true,
        };
        if !inside {
            break;
        }
        out.push(Reply::bulk(name));
    }
    Ok(Reply::Array(out))
}

#[cfg(test)]
mod tests;
