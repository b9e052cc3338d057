//! The keyspace browser's data: every live key with its type, time to live and size, and a
//! preview of its value as redis-cli would print it.

use redsim_engine::value::{Encodings, Hash, Value};
use redsim_sim::World;

use super::{selected_db, text};

/// One key as the keyspace browser lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyView {
    pub key: String,
    /// What `TYPE` answers.
    pub kind: &'static str,
    /// Milliseconds left before it expires, in virtual time.
    pub ttl_ms: Option<u64>,
    /// Length for a stream (entries) or a string (bytes).
    pub size: u64,
    /// What `OBJECT ENCODING` answers: it changes as a collection crosses a threshold.
    pub encoding: &'static str,
    /// A string's value as redis-cli would print it.
    pub value: Option<String>,
    /// An array's slots, when the key holds one.
    pub slots: Option<ArraySlots>,
    /// A vector set's graph, when the key holds one.
    pub vectors: Option<VsetPicture>,
    /// Clients blocked waiting on this key (`BLPOP`, `XREAD BLOCK`, ...).
    pub blocked: usize,
}

/// An array as its picture shows it: the first occupied slots in index order, with the runs of
/// empty slots between them collapsed, and where the insert cursor points.
#[derive(Clone, Debug, PartialEq)]
pub struct ArraySlots {
    pub cells: Vec<SlotCell>,
    /// `ARNEXT`: where `ARINSERT` writes next (`None`: the cursor is exhausted).
    pub cursor: Option<u64>,
    /// `ARLEN` and `ARCOUNT`.
    pub len: u64,
    pub count: u64,
    /// Occupied slots not shown.
    pub more: usize,
    /// How Redis holds it (`ARINFO FULL`): slices of `slice_size` indexes, dense or sparse.
    pub slice_size: u32,
    pub dense_slices: u64,
    pub sparse_slices: u64,
}

/// A vector set as its picture shows it: its shape (`VINFO`) and, for a small set, each element
/// placed by the direction of its vector, with its layer-0 links (`VLINKS`) and its level.
#[derive(Clone, Debug, PartialEq)]
pub struct VsetPicture {
    pub count: usize,
    pub dim: u32,
    pub quant: &'static str,
    pub m: u32,
    pub max_level: u32,
    /// Where every search starts.
    pub entry: Option<String>,
    /// Empty when the set is too large to draw (more than `VSET_DRAWN`).
    pub nodes: Vec<VsetNode>,
    /// Layer-0 links between `nodes` (indexes), each once.
    pub links: Vec<(usize, usize)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VsetNode {
    pub name: String,
    /// Position in -1..=1: the normalised vector projected on two fixed axes.
    pub x: f64,
    pub y: f64,
    /// The highest layer it is linked in.
    pub level: u32,
    pub attrib: Option<String>,
}

/// The most elements the vector set picture draws.
pub const VSET_DRAWN: usize = 40;

#[derive(Clone, Debug, PartialEq)]
pub enum SlotCell {
    Value {
        index: u64,
        value: String,
    },
    /// Empty slots `from..=to`.
    Gap {
        from: u64,
        to: u64,
    },
}

/// How many occupied slots the array picture shows.
pub const SHOWN_SLOTS: usize = 24;

fn array_slots(a: &redsim_engine::value::Array) -> ArraySlots {
    let mut cells = Vec::new();
    let mut next_free = 0u64;
    for (index, value) in a.iter().take(SHOWN_SLOTS) {
        if index > next_free {
            cells.push(SlotCell::Gap { from: next_free, to: index - 1 });
        }
        cells.push(SlotCell::Value { index, value: quoted(value) });
        next_free = index.saturating_add(1);
    }
    let cursor = match a.insert_idx() {
        None => Some(0),
        Some(i) if i == u64::MAX - 1 => None,
        Some(i) => Some(i + 1),
    };
    ArraySlots {
        cells,
        cursor,
        len: a.len(),
        count: a.count(),
        more: usize::try_from(a.count()).unwrap_or(usize::MAX).saturating_sub(SHOWN_SLOTS),
        slice_size: a.slice_size(),
        dense_slices: a.info().dense,
        sparse_slices: a.info().sparse,
    }
}

fn quoted(bytes: &[u8]) -> String {
    redsim_engine::cli::quote(bytes)
}

/// The first few elements of a collection, as the keyspace browser shows them.
fn preview(items: impl Iterator<Item = String>) -> String {
    const SHOWN: usize = 8;
    let mut items = items.peekable();
    let mut parts: Vec<String> = items.by_ref().take(SHOWN).collect();
    if items.peek().is_some() {
        parts.push("…".to_string());
    }
    parts.join(" ")
}

/// How many keys the keyspace browser lists (a script can make 100,000 of them).
pub const LISTED_KEYS: usize = 200;

/// The keys of the database client number `client` has selected, in key order: the first
/// `LISTED_KEYS`, plus `selected` if it is further on.
pub fn keys(world: &World, client: usize, selected: Option<&str>) -> KeysView {
    let enc = world.server.config().encodings;
    let db = selected_db(world, client);
    let mut view = keys_in(&world.server.dbs()[db], &enc, world.now_ms, selected);
    for k in &mut view.listed {
        k.blocked = world
            .server
            .blocked_clients()
            .filter(|(_, b)| b.db == db && !b.postponed && b.keys.iter().any(|key| key.as_slice() == k.key.as_bytes()))
            .count();
    }
    view
}

/// What the keyspace browser lists of a database, and how many live keys it has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeysView {
    pub listed: Vec<KeyView>,
    pub total: usize,
}

/// The keys of one database (of any node) at `now_ms`, as `keys` lists them.
pub fn keys_in(db: &redsim_engine::db::Db, enc: &Encodings, now_ms: u64, selected: Option<&str>) -> KeysView {
    let live = || db.keys().filter(|(key, _)| !db.is_expired(key, now_ms));
    let mut listed: Vec<KeyView> =
        live().take(LISTED_KEYS).map(|(key, value)| key_view(db, enc, key, value, now_ms)).collect();
    if let Some(key) = selected.filter(|k| !listed.iter().any(|v| &v.key == k)) {
        if let Some((key, value)) = live().find(|(k, _)| text(k) == key) {
            listed.push(key_view(db, enc, key, value, now_ms));
        }
    }
    KeysView { listed, total: live().count() }
}

/// A hash field as the preview shows it: `field=value`, and the time it has left when it has
/// its own (Redis 7.4's field expiry), counting down in virtual time.
fn field_text(hash: &Hash, field: &[u8], value: &[u8], now_ms: u64) -> String {
    let text = format!("{}={}", quoted(field), quoted(value));
    match hash.expire_of(field) {
        Some(at) => format!("{text} (TTL {:.1} s)", at.saturating_sub(now_ms) as f64 / 1000.0),
        None => text,
    }
}

fn key_view(db: &redsim_engine::db::Db, enc: &Encodings, key: &[u8], value: &Value, now_ms: u64) -> KeyView {
    let (size, shown) = match value {
        Value::String(s) => (s.len() as u64, Some(redsim_engine::cli::quote(s))),
        Value::Stream(s) => (s.length, None),
        Value::List(l) => (l.len() as u64, Some(preview(l.iter().map(|e| quoted(e))))),
        // Fields whose time has come are gone from the preview, as from HGETALL.
        Value::Hash(h) => (h.len() as u64, Some(preview(h.live(now_ms).map(|(f, v)| field_text(h, f, v, now_ms))))),
        Value::Set(s) => (s.len() as u64, Some(preview(s.members().iter().map(|m| quoted(m))))),
        Value::Array(a) => (a.count(), Some(preview(a.iter().map(|(i, v)| format!("[{i}]={}", quoted(v)))))),
        Value::VectorSet(v) => {
            (v.len() as u64, Some(preview(v.names_from(std::ops::Bound::Unbounded).map(|n| quoted(n)))))
        }
        Value::ZSet(z) => (
            z.len() as u64,
            Some(preview(
                z.iter().map(|(m, score)| format!("{}:{}", quoted(m), redsim_engine::reply::format_double(score))),
            )),
        ),
    };
    KeyView {
        key: text(key),
        kind: value.type_name(),
        ttl_ms: db.expire_at(key).map(|at| at.saturating_sub(now_ms)),
        size,
        encoding: db.encoding_of(key, enc).unwrap_or(""),
        value: shown,
        slots: match value {
            Value::Array(a) => Some(array_slots(a)),
            _ => None,
        },
        vectors: match value {
            Value::VectorSet(v) => Some(vset_picture(v)),
            _ => None,
        },
        blocked: 0,
    }
}

/// Where each vector lands in the picture, in -1..=1. Two-dimensional vectors are drawn as they
/// are, on the unit circle (only their direction counts). Longer ones are laid out by their
/// similarities (classical multidimensional scaling of the cosine matrix: the two main axes of the
/// elements' normalised vectors, each stretched over the picture), so elements drawn close are the
/// ones `VSIM` finds close.
fn layout(vectors: &[Vec<f32>]) -> Vec<(f64, f64)> {
    let unit: Vec<Vec<f64>> = vectors
        .iter()
        .map(|v| {
            let len = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
            v.iter().map(|x| if len == 0.0 { 0.0 } else { f64::from(*x) / len }).collect()
        })
        .collect();
    if unit.first().is_some_and(|u| u.len() <= 2) {
        return unit.iter().map(|u| (u.first().copied().unwrap_or(0.0), u.get(1).copied().unwrap_or(0.0))).collect();
    }
    let n = unit.len();
    // The centred Gram matrix of the normalised vectors.
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut g: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| dot(&unit[i], &unit[j])).collect()).collect();
    let row: Vec<f64> = g.iter().map(|r| r.iter().sum::<f64>() / n as f64).collect();
    let all = row.iter().sum::<f64>() / n as f64;
    for i in 0..n {
        for j in 0..n {
            g[i][j] = g[i][j] - row[i] - row[j] + all;
        }
    }
    // The two largest eigenpairs by power iteration (from fixed starts, so the same every run).
    let mut axes: Vec<Vec<f64>> = Vec::new();
    let mut found: Vec<Vec<f64>> = Vec::new();
    for k in 0..2 {
        let mut v: Vec<f64> = (0..n).map(|i| 1.0 + ((i * 7 + k * 3) % 5) as f64 * 0.1).collect();
        let mut value = 0.0;
        for _ in 0..200 {
            for a in &found {
                let p = dot(&v, a);
                v.iter_mut().zip(a).for_each(|(x, y)| *x -= p * y);
            }
            let w: Vec<f64> = (0..n).map(|i| dot(&g[i], &v)).collect();
            let norm = dot(&w, &w).sqrt();
            if norm < 1e-12 {
                v = vec![0.0; n];
                value = 0.0;
                break;
            }
            value = norm;
            v = w.into_iter().map(|x| x / norm).collect();
        }
        axes.push(v.iter().map(|x| x * value.sqrt()).collect());
        found.push(v);
    }
    // Each axis stretched over the picture: the second one is often much shorter, and a flat
    // picture would hide it.
    let fit = |axis: &[f64]| -> Vec<f64> {
        let (lo, hi) = axis.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| (l.min(x), h.max(x)));
        let span = hi - lo;
        axis.iter().map(|&x| if span > 1e-9 { (x - lo) / span * 2.0 - 1.0 } else { 0.0 }).collect()
    };
    let (xs, ys) = (fit(&axes[0]), fit(&axes[1]));
    (0..n).map(|i| (xs[i], ys[i])).collect()
}

fn vset_picture(v: &redsim_engine::value::VectorSet) -> VsetPicture {
    let mut picture = VsetPicture {
        count: v.len(),
        dim: v.dim,
        quant: v.quant.name(),
        m: v.m,
        max_level: v.max_level,
        entry: v.entry_point().map(|n| text(&n.name)),
        nodes: Vec::new(),
        links: Vec::new(),
    };
    if v.len() > VSET_DRAWN {
        return picture;
    }
    // Oldest first, so a new element is drawn last (on top).
    let mut nodes: Vec<_> = v.nodes().collect();
    nodes.reverse();
    let index: std::collections::BTreeMap<&[u8], usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.name.as_slice(), i)).collect();
    let places = layout(&nodes.iter().map(|n| v.vector_of(n)).collect::<Vec<_>>());
    for (i, node) in nodes.iter().enumerate() {
        let (mut x, mut y) = places[i];
        // Elements pointing the same way would hide each other: later ones step aside.
        let taken =
            |x: f64, y: f64, p: &VsetPicture| p.nodes.iter().any(|o| (o.x - x).abs() < 0.04 && (o.y - y).abs() < 0.04);
        let mut step = 0;
        while taken(x, y, &picture) && step < 12 {
            step += 1;
            let angle = step as f64 * 0.9;
            x += 0.06 * angle.cos();
            y += 0.06 * angle.sin();
        }
        picture.nodes.push(VsetNode {
            name: text(&node.name),
            x,
            y,
            level: node.level,
            attrib: node.attrib.as_ref().map(|a| text(a)),
        });
        for &l in &node.layers[0].links {
            if let Some(&j) = index.get(v.name_of(l)) {
                if i < j {
                    picture.links.push((i, j));
                }
            }
        }
    }
    picture
}
