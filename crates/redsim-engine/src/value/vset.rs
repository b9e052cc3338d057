//! Redis 8's vector set: a Hierarchical Navigable Small World graph of named vectors, kept the
//! way Redis's `modules/vector-sets/hnsw.c` keeps it, so `VLINKS`, `VINFO`, `VEMB ... RAW` and the
//! order of `VSIM` replies come from the same structure.
//!
//! What the graph does, as Redis does it:
//!
//! - Vectors are L2-normalised when they come in (their length is kept as `l2`, so `VEMB` can give
//!   back an approximation of the original), then quantised: to signed bytes scaled by the
//!   largest component (`Q8`, the default), to one sign bit per component (`BIN`), or kept as
//!   32-bit floats (`NOQUANT`). The distance of two vectors is `1 - cos`, from 0 (same direction)
//!   to 2 (opposite); a similarity score is `1 - distance / 2`.
//! - A new element draws a level (each level up with probability 1/4, at most 16); it is linked
//!   at every layer up to its level, with `M` links per layer above 0 and `2 * M` at layer 0.
//!   Links are always both ways. The candidates come from a greedy search of the layers above and
//!   an `EF`-wide search of its own; a candidate is taken when no neighbour already taken is closer
//!   to it than the new element (the diversity check), and a candidate that is full gives up its
//!   worst link when the new element is closer than that link. When layer 0 ends with fewer than
//!   `M / 2` links, the rules are relaxed in two steps.
//! - A removed element is unlinked everywhere, and the neighbours it leaves behind at each layer
//!   are paired with each other by a score that weighs their closeness against the pairs it rules
//!   out; those left unpaired are linked by a wider search.
//! - Elements are also kept in a list, newest first (`VRANDMEMBER`'s walk and the RDB order), and
//!   by name in byte order (`VRANGE`).
//!
//! The engine draws no random number: a new element's level and a random walk take their draws
//! from a `u64` source the caller passes in.

use std::collections::{BTreeMap, HashSet};

/// Each level up with probability 1/4 (`HNSW_P`), at most 16 (`HNSW_MAX_LEVEL`).
pub const MAX_LEVEL: u32 = 16;
/// `HNSW_DEFAULT_M`, `HNSW_MIN_M`, `HNSW_MAX_M`.
pub const DEFAULT_M: u32 = 16;
pub const MIN_M: u32 = 4;
pub const MAX_M: u32 = 4096;
/// The search width used when reconnecting after a removal (`HNSW_EF_C`).
const EF_C: usize = 200;
/// The most candidates a search keeps exploring (`HNSW_MAX_CANDIDATES`).
const MAX_CANDIDATES: usize = 256;
/// The largest dimension a vector may have (`VSET_MAX_VECTOR_DIM`).
pub const MAX_DIM: usize = 1 << 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quant {
    /// 32-bit floats (`NOQUANT`, `f32` in `VINFO`).
    None,
    /// Signed bytes (`Q8`, `int8`), the default.
    Q8,
    /// One bit per component (`BIN`, `bin`).
    Bin,
}

impl Quant {
    /// The name `VINFO` and `VEMB ... RAW` give it.
    pub fn name(self) -> &'static str {
        match self {
            Quant::None => "f32",
            Quant::Q8 => "int8",
            Quant::Bin => "bin",
        }
    }

    /// The number RDB files store (`HNSW_QUANT_*`).
    pub fn code(self) -> u32 {
        match self {
            Quant::None => 0,
            Quant::Q8 => 1,
            Quant::Bin => 2,
        }
    }

    pub fn from_code(code: u32) -> Option<Quant> {
        match code {
            0 => Some(Quant::None),
            1 => Some(Quant::Q8),
            2 => Some(Quant::Bin),
            _ => None,
        }
    }
}

/// A stored (normalised, perhaps quantised) vector.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    Q8(Vec<i8>),
    Bin(Vec<u64>),
}

/// A vector as the graph compares it: its data and, for `Q8`, the largest absolute component it
/// was scaled by.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub data: Data,
    pub range: f32,
}

/// `hnsw_normalize_vector`: divides by the L2 norm (left alone when all zero) and returns the
/// norm (1 for a zero vector).
fn normalize(x: &mut [f32]) -> f32 {
    let mut l2 = 0.0f32;
    let mut chunks = x.chunks_exact(4);
    for c in &mut chunks {
        l2 += c[0] * c[0] + c[1] * c[1] + c[2] * c[2] + c[3] * c[3];
    }
    for v in chunks.remainder() {
        l2 += v * v;
    }
    if l2 == 0.0 {
        return 1.0;
    }
    let l2 = l2.sqrt();
    x.iter_mut().for_each(|v| *v /= l2);
    l2
}

/// `quantize_to_q8`: components scaled so the largest absolute one is 127, rounded.
fn quantize_q8(src: &[f32]) -> (Vec<i8>, f32) {
    let max_abs = src.iter().fold(0.0f32, |m, &v| {
        if v > m {
            v
        } else if -v > m {
            -v
        } else {
            m
        }
    });
    if max_abs == 0.0 {
        return (vec![0; src.len()], 0.0);
    }
    let scale = 127.0f32 / max_abs;
    (src.iter().map(|&v| (v * scale).round() as i8).collect(), max_abs)
}

/// `quantize_to_bin`: a bit set for each positive component, in 64-bit words.
fn quantize_bin(src: &[f32]) -> Vec<u64> {
    let mut words = vec![0u64; src.len().div_ceil(64)];
    for (j, &v) in src.iter().enumerate() {
        if v > 0.0 {
            words[j / 64] |= 1u64 << (j % 64);
        }
    }
    words
}

/// A normalised vector in the set's quantisation.
fn store(quant: Quant, normalized: Vec<f32>) -> Stored {
    match quant {
        Quant::None => Stored { data: Data::F32(normalized), range: 0.0 },
        Quant::Q8 => {
            let (q, range) = quantize_q8(&normalized);
            Stored { data: Data::Q8(q), range }
        }
        Quant::Bin => Stored { data: Data::Bin(quantize_bin(&normalized)), range: 0.0 },
    }
}

/// `hnsw_distance`: `1 - dot` of two normalised vectors (0 to 2), in the set's quantisation.
pub fn distance(a: &Stored, b: &Stored, dim: usize) -> f32 {
    match (&a.data, &b.data) {
        (Data::F32(x), Data::F32(y)) => {
            let (mut dot0, mut dot1) = (0.0f32, 0.0f32);
            let mut i = 0;
            while i + 7 < dim {
                dot0 += x[i] * y[i] + x[i + 1] * y[i + 1] + x[i + 2] * y[i + 2] + x[i + 3] * y[i + 3];
                dot1 += x[i + 4] * y[i + 4] + x[i + 5] * y[i + 5] + x[i + 6] * y[i + 6] + x[i + 7] * y[i + 7];
                i += 8;
            }
            while i < dim {
                dot0 += x[i] * y[i];
                i += 1;
            }
            1.0 - (dot0 + dot1)
        }
        (Data::Q8(x), Data::Q8(y)) => {
            if a.range == 0.0 || b.range == 0.0 {
                return 1.0;
            }
            let scale = (a.range / 127.0) * (b.range / 127.0);
            let dot: i64 = x.iter().zip(y).map(|(&p, &q)| i64::from(p) * i64::from(q)).sum();
            1.0 - dot as f32 * scale
        }
        (Data::Bin(x), Data::Bin(y)) => {
            let opposite: u32 = x.iter().zip(y).map(|(p, q)| (p ^ q).count_ones()).sum();
            opposite as f32 * 2.0 / dim as f32
        }
        _ => 1.0,
    }
}

/// One layer of a node: its links (node slots) and which of them is the farthest.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub links: Vec<u32>,
    pub max_links: u32,
    pub worst_distance: f32,
    pub worst_idx: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The graph's own id (`hnsw-max-node-uid` counts them; RDB links name them).
    pub id: u64,
    pub level: u32,
    pub vector: Stored,
    /// The length the vector had before it was normalised.
    pub l2: f32,
    pub layers: Vec<Layer>,
    pub name: Vec<u8>,
    /// The JSON attributes `SETATTR`/`VSETATTR` gave it.
    pub attrib: Option<Vec<u8>>,
    prev: Option<u32>,
    next: Option<u32>,
}

impl Node {
    /// What a removed node's slot holds until it is reused.
    fn vacant() -> Node {
        Node {
            id: 0,
            level: 0,
            vector: Stored { data: Data::F32(Vec::new()), range: 0.0 },
            l2: 0.0,
            layers: Vec::new(),
            name: Vec::new(),
            attrib: None,
            prev: None,
            next: None,
        }
    }
}

/// An element as an RDB file holds it: name, attributes, stored vector bytes and graph
/// parameters (`serialize`).
pub type SavedNode = (Vec<u8>, Option<Vec<u8>>, Vec<u8>, Vec<u64>);

/// A priority queue of the `cap` nearest nodes seen (`pqueue`): items kept farthest first, so the
/// nearest is popped from the end. Among equal distances, the one pushed last is nearer.
#[derive(Clone, Debug)]
struct Queue {
    items: Vec<(u32, f32)>,
    cap: usize,
}

impl Queue {
    fn new(cap: usize) -> Queue {
        Queue { items: Vec::with_capacity(cap.min(1024)), cap }
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn push(&mut self, node: u32, distance: f32) {
        if self.cap == 0 {
            return;
        }
        if self.items.len() < self.cap {
            let mut i = self.items.len();
            while i > 0 && self.items[i - 1].1 < distance {
                i -= 1;
            }
            self.items.insert(i, (node, distance));
        } else {
            if distance >= self.items[0].1 {
                return;
            }
            let mut i = 0;
            while i < self.cap - 1 && self.items[i + 1].1 > distance {
                self.items[i] = self.items[i + 1];
                i += 1;
            }
            self.items[i] = (node, distance);
        }
    }

    fn pop(&mut self) -> Option<(u32, f32)> {
        self.items.pop()
    }

    /// The farthest kept; infinite when empty.
    fn max_distance(&self) -> f32 {
        self.items.first().map_or(f32::INFINITY, |i| i.1)
    }

    /// The `i`-th nearest.
    fn get(&self, i: usize) -> (u32, f32) {
        self.items[self.items.len() - 1 - i]
    }
}

/// A draw of 64 random bits; the caller decides where they come from.
pub type Draw<'a> = &'a mut dyn FnMut() -> u64;

/// `random_level`: each level up with probability 1/4.
pub fn random_level(draw: Draw<'_>) -> u32 {
    let mut level = 0;
    while draw().is_multiple_of(4) && level < MAX_LEVEL {
        level += 1;
    }
    level
}

/// The random projection a set made with `REDUCE` applies to every vector: a Hadamard-like
/// pattern of ±1 scaled by `1/sqrt(input_dim)`, the same on every server.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    pub input_dim: u32,
    pub matrix: Vec<f32>,
}

impl Projection {
    /// `createProjectionMatrix`.
    pub fn new(input_dim: u32, output_dim: u32) -> Projection {
        let scale = (1.0 / f64::from(input_dim).sqrt()) as f32;
        let mut matrix = Vec::with_capacity(input_dim as usize * output_dim as usize);
        for i in 0..output_dim {
            for j in 0..input_dim {
                let sign = if (i & j).count_ones() % 2 == 0 { 1.0f32 } else { -1.0 };
                matrix.push(sign * scale);
            }
        }
        Projection { input_dim, matrix }
    }

    /// `applyProjection`.
    pub fn apply(&self, input: &[f32]) -> Vec<f32> {
        let n = self.input_dim as usize;
        self.matrix.chunks(n).map(|row| row.iter().zip(input).fold(0.0f32, |s, (r, x)| s + r * x)).collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct VectorSet {
    /// Nodes by slot; a removed node's slot holds a vacant node until it is reused.
    nodes: Vec<Node>,
    free: Vec<u32>,
    /// Names in byte order (Redis keeps them in a radix tree).
    names: BTreeMap<Vec<u8>, u32>,
    /// Newest first.
    head: Option<u32>,
    enter_point: Option<u32>,
    pub max_level: u32,
    pub dim: u32,
    pub quant: Quant,
    pub m: u32,
    pub projection: Option<Projection>,
    pub last_id: u64,
    /// `vset-uid`: the server's count of vector sets made before this one.
    pub uid: u64,
    /// How many elements have attributes.
    pub attribs: u64,
}

impl VectorSet {
    pub fn new(dim: u32, quant: Quant, m: u32, uid: u64) -> VectorSet {
        let m = if m == 0 { DEFAULT_M } else { m.min(MAX_M) };
        VectorSet {
            nodes: Vec::new(),
            free: Vec::new(),
            names: BTreeMap::new(),
            head: None,
            enter_point: None,
            max_level: 0,
            dim,
            quant,
            m,
            projection: None,
            last_id: 0,
            uid,
            attribs: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn node(&self, slot: u32) -> &Node {
        &self.nodes[slot as usize]
    }

    fn node_mut(&mut self, slot: u32) -> &mut Node {
        &mut self.nodes[slot as usize]
    }

    pub fn get(&self, name: &[u8]) -> Option<&Node> {
        self.names.get(name).map(|&s| self.node(s))
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        self.names.contains_key(name)
    }

    /// Names in byte order from `from` (inclusive or not), as `VRANGE` walks them.
    pub fn names_from<'a>(&'a self, from: std::ops::Bound<&'a [u8]>) -> impl Iterator<Item = &'a Vec<u8>> + 'a {
        self.names.range::<[u8], _>((from, std::ops::Bound::Unbounded)).map(|(n, _)| n)
    }

    /// The nodes newest first (the list Redis keeps).
    pub fn nodes(&self) -> impl Iterator<Item = &Node> + '_ {
        let mut at = self.head;
        std::iter::from_fn(move || {
            let slot = at?;
            let node = self.node(slot);
            at = node.next;
            Some(node)
        })
    }

    /// The node searches start from (the first to reach the top level).
    pub fn entry_point(&self) -> Option<&Node> {
        self.enter_point.map(|s| self.node(s))
    }

    /// The name of the node in `slot` (links hold slots).
    pub fn name_of(&self, slot: u32) -> &[u8] {
        &self.node(slot).name
    }

    /// The distance between a node and one of its links.
    pub fn link_distance(&self, a: &Node, slot: u32) -> f32 {
        distance(&a.vector, &self.node(slot).vector, self.dim as usize)
    }

    /// The bytes one stored vector takes (`hnsw_quants_bytes`).
    pub fn quants_bytes(&self) -> usize {
        let dim = self.dim as usize;
        match self.quant {
            Quant::None => dim * 4,
            Quant::Q8 => dim,
            Quant::Bin => dim.div_ceil(64) * 8,
        }
    }

    /// `hnsw_get_node_vector`: the stored vector de-quantised and scaled back by its length.
    pub fn vector_of(&self, node: &Node) -> Vec<f32> {
        let dim = self.dim as usize;
        let mut v: Vec<f32> = match &node.vector.data {
            Data::F32(x) => x.clone(),
            Data::Q8(q) => q.iter().map(|&b| (f32::from(b) * node.vector.range) / 127.0).collect(),
            Data::Bin(words) => {
                (0..dim).map(|j| if words[j / 64] & (1u64 << (j % 64)) != 0 { 1.0 } else { -1.0 }).collect()
            }
        };
        if self.quant != Quant::Bin {
            v.iter_mut().for_each(|x| *x *= node.l2);
        }
        v
    }

    /// The stored vector's bytes, as `VEMB ... RAW` and RDB files give them.
    pub fn raw_bytes(&self, node: &Node) -> Vec<u8> {
        match &node.vector.data {
            Data::F32(x) => x.iter().flat_map(|f| f.to_le_bytes()).collect(),
            Data::Q8(q) => q.iter().map(|&b| b as u8).collect(),
            Data::Bin(w) => w.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }

    /// A query vector as the graph compares it (`hnsw_init_tmp_node`).
    pub fn query(&self, vector: &[f32]) -> Stored {
        let mut v = vector.to_vec();
        normalize(&mut v);
        store(self.quant, v)
    }

    fn dist(&self, query: &Stored, slot: u32) -> f32 {
        distance(query, &self.node(slot).vector, self.dim as usize)
    }

    fn dist_nodes(&self, a: u32, b: u32) -> f32 {
        distance(&self.node(a).vector, &self.node(b).vector, self.dim as usize)
    }

    /// `search_layer_with_filter`: the `ef` nodes nearest to `query` reached at `layer` from
    /// `entry`. With a filter, only nodes that pass are kept (the others are still explored),
    /// and the search stops after `max_candidates` nodes when that is not 0.
    // The arguments of Redis's `search_layer_with_filter`, plus the trace for the pictures.
    #[allow(clippy::too_many_arguments)]
    fn search_layer(
        &self,
        query: &Stored,
        entry: u32,
        ef: usize,
        layer: usize,
        filter: Option<&dyn Fn(&Node) -> bool>,
        max_candidates: usize,
        trace: Option<&mut Vec<u32>>,
    ) -> Queue {
        let mut visited: HashSet<u32> = HashSet::new();
        let mut trace = trace;
        let mut candidates = Queue::new(MAX_CANDIDATES);
        let mut results = Queue::new(ef);
        let mut evaluated = 1usize;
        let d = self.dist(query, entry);
        candidates.push(entry, d);
        if filter.is_none_or(|f| f(self.node(entry))) {
            results.push(entry, d);
        }
        visited.insert(entry);
        if let Some(t) = trace.as_deref_mut() {
            t.push(entry);
        }
        loop {
            if filter.is_some() && max_candidates != 0 && evaluated >= max_candidates {
                break;
            }
            let Some((current, cur_dist)) = candidates.pop() else { break };
            evaluated += 1;
            if results.len() >= ef && cur_dist > results.max_distance() {
                break;
            }
            let node = self.node(current);
            let Some(l) = node.layers.get(layer) else { continue };
            for &neighbor in &l.links {
                if !visited.insert(neighbor) {
                    continue;
                }
                if let Some(t) = trace.as_deref_mut() {
                    t.push(neighbor);
                }
                let nd = self.dist(query, neighbor);
                let furthest = results.max_distance();
                match filter {
                    None => {
                        if nd < furthest || results.len() < ef {
                            candidates.push(neighbor, nd);
                            results.push(neighbor, nd);
                        }
                    }
                    Some(f) => {
                        if nd < furthest || candidates.len() < ef {
                            candidates.push(neighbor, nd);
                        }
                        if f(self.node(neighbor)) && (nd < furthest || results.len() < ef) {
                            results.push(neighbor, nd);
                        }
                    }
                }
            }
        }
        results
    }

    /// The entry point for `layer`: a greedy descent from the top through the layers above it.
    fn descend(&self, query: &Stored, down_to: u32, mut trace: Option<&mut Vec<u32>>) -> Option<u32> {
        let mut ep = self.enter_point?;
        let mut lc = self.max_level;
        while lc > down_to {
            let found = self.search_layer(query, ep, 1, lc as usize, None, 0, trace.as_deref_mut());
            if found.len() > 0 {
                ep = found.get(0).0;
            }
            lc -= 1;
        }
        Some(ep)
    }

    /// `hnsw_search_with_filter`: up to `k` nodes nearest to `query`, nearest first, with their
    /// distances.
    pub fn search(
        &self,
        query: &Stored,
        k: usize,
        filter: Option<&dyn Fn(&Node) -> bool>,
        max_candidates: usize,
    ) -> Vec<(&Node, f32)> {
        self.search_traced(query, k, filter, max_candidates, None)
    }

    /// `search`, also listing the nodes it compared with the query, layer by layer from the top
    /// (a node may appear once per layer).
    pub fn search_traced(
        &self,
        query: &Stored,
        k: usize,
        filter: Option<&dyn Fn(&Node) -> bool>,
        max_candidates: usize,
        mut trace: Option<&mut Vec<u32>>,
    ) -> Vec<(&Node, f32)> {
        if k == 0 {
            return Vec::new();
        }
        let Some(ep) = self.descend(query, 0, trace.as_deref_mut()) else { return Vec::new() };
        let found = self.search_layer(query, ep, k, 0, filter, max_candidates, trace);
        (0..found.len().min(k))
            .map(|i| {
                let (slot, d) = found.get(i);
                (self.node(slot), d)
            })
            .collect()
    }

    /// `hnsw_ground_truth_with_filter`: the `k` nearest by a scan of every node.
    pub fn scan_nearest(&self, query: &Stored, k: usize, filter: Option<&dyn Fn(&Node) -> bool>) -> Vec<(&Node, f32)> {
        let mut found = Queue::new(k);
        let mut at = self.head;
        while let Some(slot) = at {
            let node = self.node(slot);
            if filter.is_none_or(|f| f(node)) {
                found.push(slot, self.dist(query, slot));
            }
            at = node.next;
        }
        (0..found.len()).map(|i| (self.node(found.get(i).0), found.get(i).1)).collect()
    }

    fn layer(&self, slot: u32, layer: usize) -> &Layer {
        &self.node(slot).layers[layer]
    }

    fn layer_mut(&mut self, slot: u32, layer: usize) -> &mut Layer {
        &mut self.node_mut(slot).layers[layer]
    }

    /// `hnsw_update_worst_neighbor`: a full rescan of a layer's links.
    fn update_worst(&mut self, slot: u32, layer: usize) {
        let (mut worst_distance, mut worst_idx) = (0.0f32, 0u32);
        for (i, &l) in self.layer(slot, layer).links.iter().enumerate() {
            let d = self.dist_nodes(slot, l);
            if d > worst_distance {
                worst_distance = d;
                worst_idx = i as u32;
            }
        }
        let l = self.layer_mut(slot, layer);
        l.worst_distance = worst_distance;
        l.worst_idx = worst_idx;
    }

    fn update_worst_on_add(&mut self, slot: u32, layer: usize, added: u32, distance: f32) {
        let l = self.layer_mut(slot, layer);
        if l.links.len() == 1 || distance > l.worst_distance {
            l.worst_distance = distance;
            l.worst_idx = added;
        }
    }

    fn update_worst_on_remove(&mut self, slot: u32, layer: usize, removed: u32) {
        let l = self.layer(slot, layer);
        if l.links.is_empty() {
            let l = self.layer_mut(slot, layer);
            l.worst_distance = 0.0;
            l.worst_idx = 0;
        } else if removed == l.worst_idx {
            self.update_worst(slot, layer);
        } else if removed < l.worst_idx {
            self.layer_mut(slot, layer).worst_idx -= 1;
        }
    }

    /// Links `a` and `b` both ways at `layer`, `dist` apart.
    fn link(&mut self, a: u32, b: u32, layer: usize, dist: f32) {
        let n = self.layer(a, layer).links.len() as u32;
        self.layer_mut(a, layer).links.push(b);
        self.update_worst_on_add(a, layer, n, dist);
        let n = self.layer(b, layer).links.len() as u32;
        self.layer_mut(b, layer).links.push(a);
        self.update_worst_on_add(b, layer, n, dist);
    }

    /// Removes the link from `from` to `to` at `layer`, if there is one.
    fn unlink_one(&mut self, from: u32, to: u32, layer: usize) {
        if let Some(j) = self.layer(from, layer).links.iter().position(|&l| l == to) {
            self.layer_mut(from, layer).links.remove(j);
            self.update_worst_on_remove(from, layer, j as u32);
        }
    }

    /// `select_neighbors`: links `new` to candidates (nearest first) at `layer` until it has
    /// `required` links, with the quality checks relaxed as `aggressive` grows (0 to 2).
    fn select_neighbors(&mut self, candidates: &Queue, new: u32, layer: usize, required: usize, aggressive: u8) {
        let m = self.m as usize;
        for i in 0..candidates.len() {
            let (neighbor, dist) = candidates.get(i);
            if neighbor == new {
                continue;
            }
            let own = self.layer(new, layer);
            if own.links.len() >= own.max_links as usize || own.links.len() >= required {
                return;
            }
            if aggressive > 0 && own.links.contains(&neighbor) {
                continue;
            }
            // Diversity: no neighbour taken so far may be nearer to the candidate.
            if aggressive == 0 && own.links.iter().any(|&l| self.dist_nodes(neighbor, l) < dist) {
                continue;
            }
            let theirs = self.layer(neighbor, layer);
            if theirs.links.len() < theirs.max_links as usize {
                self.link(neighbor, new, layer, dist);
                continue;
            }
            // The candidate is full: it may give up its worst link for the new node.
            if aggressive == 0 && dist >= theirs.worst_distance {
                continue;
            }
            let mut worst = theirs.links[theirs.worst_idx as usize];
            let worst_links = self.layer(worst, layer).links.len();
            if (aggressive == 0 && worst_links <= m / 2) || (aggressive == 1 && worst_links <= m / 4) {
                continue;
            }
            if aggressive == 2 && worst_links <= m / 4 {
                // Drop the farthest link that stays connected enough, if any.
                let mut pick: Option<(u32, f32, u32)> = None;
                for (j, &to_drop) in self.layer(neighbor, layer).links.iter().enumerate() {
                    if self.layer(to_drop, layer).links.len() <= m / 4 {
                        continue;
                    }
                    let d = self.dist_nodes(neighbor, to_drop);
                    if pick.is_none_or(|p| d > p.1) {
                        pick = Some((to_drop, d, j as u32));
                    }
                }
                match pick {
                    Some((to_drop, d, j)) => {
                        worst = to_drop;
                        let l = self.layer_mut(neighbor, layer);
                        l.worst_distance = d;
                        l.worst_idx = j;
                    }
                    None => {
                        // No link can go: the candidate gets one more slot, within a limit.
                        let limit = if layer == 0 { self.m * 3 } else { self.m * 2 };
                        let l = self.layer_mut(neighbor, layer);
                        if l.max_links >= limit {
                            continue;
                        }
                        l.max_links += 1;
                        self.link(neighbor, new, layer, dist);
                        continue;
                    }
                }
            }
            self.unlink_one(worst, neighbor, layer);
            let idx = self.layer(neighbor, layer).worst_idx as usize;
            self.layer_mut(neighbor, layer).links[idx] = new;
            self.update_worst(neighbor, layer);
            let n = self.layer(new, layer).links.len() as u32;
            self.layer_mut(new, layer).links.push(neighbor);
            self.update_worst_on_add(new, layer, n, dist);
        }
    }

    fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    fn new_node(
        &mut self,
        id: u64,
        vector: Stored,
        l2: f32,
        level: u32,
        name: Vec<u8>,
        attrib: Option<Vec<u8>>,
    ) -> Node {
        let id = if id == 0 {
            self.last_id += 1;
            self.last_id
        } else {
            id
        };
        let layers = (0..=level)
            .map(|i| Layer {
                links: Vec::new(),
                max_links: if i == 0 { self.m * 2 } else { self.m },
                worst_distance: 0.0,
                worst_idx: 0,
            })
            .collect();
        Node { id, level, vector, l2, layers, name, attrib, prev: None, next: None }
    }

    /// `hnsw_insert`: adds a new element (the name must not be in the set yet) at `level`,
    /// searching `ef` candidates per layer. `vector` is in the set's dimension (projected
    /// already).
    pub fn insert(&mut self, vector: &[f32], name: Vec<u8>, attrib: Option<Vec<u8>>, level: u32, ef: usize) {
        let mut v = vector.to_vec();
        let l2 = normalize(&mut v);
        let stored = store(self.quant, v);
        if attrib.is_some() {
            self.attribs += 1;
        }
        let node = self.new_node(0, stored, l2, level, name.clone(), attrib);
        let slot = self.alloc(node);
        self.names.insert(name, slot);
        if let Some(mut ep) = self.enter_point {
            let query = self.node(slot).vector.clone();
            let mut lc = self.max_level;
            while lc > level {
                let found = self.search_layer(&query, ep, 1, lc as usize, None, 0, None);
                if found.len() > 0 {
                    ep = found.get(0).0;
                }
                lc -= 1;
            }
            let top = level.min(self.max_level);
            let mut queues: Vec<Option<Queue>> = vec![None; top as usize + 1];
            for lc in (0..=top as usize).rev() {
                let found = self.search_layer(&query, ep, ef, lc, None, 0, None);
                if found.len() > 0 {
                    ep = found.get(0).0;
                }
                queues[lc] = Some(found);
            }
            let m = self.m as usize;
            for lc in (0..=top as usize).rev() {
                let Some(queue) = queues[lc].take() else { continue };
                self.select_neighbors(&queue, slot, lc, m, 0);
                if lc == 0 && self.layer(slot, 0).links.len() < m / 2 {
                    self.select_neighbors(&queue, slot, 0, m, 1);
                    if self.layer(slot, 0).links.len() < m / 4 {
                        self.select_neighbors(&queue, slot, 0, m / 4, 2);
                    }
                }
            }
            if level > self.max_level {
                self.enter_point = Some(slot);
                self.max_level = level;
            }
        } else {
            self.enter_point = Some(slot);
            self.max_level = level;
        }
        self.push_head(slot);
    }

    fn push_head(&mut self, slot: u32) {
        let old = self.head;
        {
            let n = self.node_mut(slot);
            n.next = old;
            n.prev = None;
        }
        if let Some(h) = old {
            self.node_mut(h).prev = Some(slot);
        }
        self.head = Some(slot);
    }

    /// `hnsw_delete_node` plus the name: unlinks the element everywhere, reconnects the
    /// neighbours it leaves, and gives back its node.
    pub fn remove(&mut self, name: &[u8]) -> Option<Node> {
        let slot = self.names.remove(name)?;
        // Every link is both ways: drop the back links.
        let levels = self.node(slot).level as usize;
        for layer in 0..=levels {
            for linked in self.node(slot).layers[layer].links.clone() {
                self.unlink_one(linked, slot, layer);
            }
        }
        let (prev, next) = (self.node(slot).prev, self.node(slot).next);
        match prev {
            Some(p) => self.node_mut(p).next = next,
            None => self.head = next,
        }
        if let Some(n) = next {
            self.node_mut(n).prev = prev;
        }
        if self.enter_point == Some(slot) {
            self.enter_point = None;
            self.max_level = 0;
            let node = self.node(slot);
            self.enter_point = (0..=node.level as usize).rev().find_map(|l| node.layers[l].links.first().copied());
            if self.enter_point.is_none() {
                let mut best: Option<(u32, u32)> = None;
                let mut at = self.head;
                while let Some(s) = at {
                    let n = self.node(s);
                    if best.is_none_or(|b| n.level >= b.1) {
                        best = Some((s, n.level));
                    }
                    at = n.next;
                }
                self.enter_point = best.map(|b| b.0);
            }
            if let Some(ep) = self.enter_point {
                self.max_level = self.node(ep).level;
            }
        }
        let node = std::mem::replace(&mut self.nodes[slot as usize], Node::vacant());
        self.free.push(slot);
        for (layer, l) in node.layers.iter().enumerate() {
            self.reconnect(&l.links, layer);
        }
        if node.attrib.is_some() {
            self.attribs -= 1;
        }
        Some(node)
    }

    /// `hnsw_reconnect_nodes`: pairs the neighbours a removed node left at `layer`, best score
    /// first (closeness weighted 0.7 against the average distance of the pairs a pairing rules
    /// out, 0.3), then links those left over through a local and then a wider search.
    fn reconnect(&mut self, nodes: &[u32], layer: usize) {
        let count = nodes.len();
        if count == 0 {
            return;
        }
        let mut distances = vec![0.0f32; count * count];
        for i in 0..count {
            for j in i + 1..count {
                let d = self.dist_nodes(nodes[i], nodes[j]);
                distances[i * count + j] = d;
                distances[j * count + i] = d;
            }
        }
        let row_avgs: Vec<f32> = (0..count)
            .map(|i| {
                let (sum, n) = (0..count)
                    .filter(|&j| j != i)
                    .fold((0.0f32, 0usize), |(s, n), j| (s + distances[i * count + j], n + 1));
                if n > 0 {
                    sum / n as f32
                } else {
                    0.0
                }
            })
            .collect();
        const W1: f32 = 0.7;
        const W2: f32 = 0.3;
        let mut scores = vec![-1.0f32; count * count];
        for i in 0..count {
            for j in 0..count {
                if i == j || self.layer(nodes[i], layer).links.contains(&nodes[j]) {
                    continue;
                }
                let dist = distances[i * count + j];
                let (mut avg_i, mut avg_j) = (0.0f32, 0.0f32);
                if count > 2 {
                    avg_i = (row_avgs[i] * (count - 1) as f32 - dist) / (count - 2) as f32;
                    avg_j = (row_avgs[j] * (count - 1) as f32 - dist) / (count - 2) as f32;
                }
                scores[i * count + j] = W1 * (2.0 - dist) + W2 * ((avg_i + avg_j) / 2.0);
            }
        }
        let mut used = vec![false; count];
        loop {
            let mut best: Option<(usize, usize, f32)> = None;
            for i in 0..count {
                let li = self.layer(nodes[i], layer);
                if used[i] || li.links.len() >= li.max_links as usize {
                    continue;
                }
                for j in 0..count {
                    if i == j || used[j] {
                        continue;
                    }
                    let score = scores[i * count + j];
                    if score < 0.0 {
                        continue;
                    }
                    let lj = self.layer(nodes[j], layer);
                    if score > best.map_or(-1.0, |b| b.2) && lj.links.len() < lj.max_links as usize {
                        best = Some((i, j, score));
                    }
                }
            }
            let Some((i, j, _)) = best else { break };
            self.link(nodes[i], nodes[j], layer, distances[i * count + j]);
            used[i] = true;
            used[j] = true;
        }
        for i in 0..count {
            let li = self.layer(nodes[i], layer);
            if used[i] || li.links.len() >= li.max_links as usize {
                continue;
            }
            let mut local = Queue::new(count);
            for j in 0..count {
                let lj = self.layer(nodes[j], layer);
                if i != j && lj.links.len() < lj.max_links as usize {
                    local.push(nodes[j], distances[i * count + j]);
                }
            }
            let wanted = self.layer(nodes[i], layer).links.len() + 1;
            if local.len() > 0 {
                self.select_neighbors(&local, nodes[i], layer, wanted, 1);
            }
            if self.layer(nodes[i], layer).links.len() != wanted {
                let query = self.node(nodes[i]).vector.clone();
                if let Some(ep) = self.descend(&query, layer as u32, None) {
                    let found = self.search_layer(&query, ep, EF_C, layer, None, 0, None);
                    let aggressive = if self.layer(nodes[i], layer).links.len() > self.m as usize / 2 { 1 } else { 2 };
                    self.select_neighbors(&found, nodes[i], layer, wanted, aggressive);
                }
            }
        }
    }

    /// Sets or clears (empty) an element's attributes; false when there is no such element.
    pub fn set_attrib(&mut self, name: &[u8], attrib: &[u8]) -> bool {
        let Some(&slot) = self.names.get(name) else { return false };
        let had = self.node(slot).attrib.is_some();
        let new = (!attrib.is_empty()).then(|| attrib.to_vec());
        match (had, new.is_some()) {
            (false, true) => self.attribs += 1,
            (true, false) => self.attribs -= 1,
            _ => {}
        }
        self.node_mut(slot).attrib = new;
        true
    }

    /// `hnsw_random_node`: a random walk from the entry point, a random link per layer down to
    /// layer 0, then `3 * log2(n + 1)` steps (plus one half the time) along layer-0 links.
    pub fn random_node(&self, draw: Draw<'_>) -> Option<&Node> {
        let mut current = self.enter_point?;
        let mut level = self.max_level;
        while level > 0 {
            let node = self.node(current);
            if node.level >= level {
                let links = &node.layers[level as usize].links;
                if !links.is_empty() {
                    current = links[(draw() % links.len() as u64) as usize];
                }
            }
            level -= 1;
        }
        let walks = ((self.len() as f64 + 1.0).log2() * 3.0) as u64 + (draw() & 1);
        for _ in 0..walks {
            let links = &self.node(current).layers[0].links;
            if links.is_empty() {
                break;
            }
            current = links[(draw() % links.len() as u64) as usize];
        }
        Some(self.node(current))
    }

    /// The node after `name` in the list (newest first), wrapping to the head.
    pub fn next_in_list(&self, name: &[u8]) -> Option<&Node> {
        let slot = *self.names.get(name)?;
        let next = self.node(slot).next.or(self.head)?;
        Some(self.node(next))
    }

    /// `hnsw_serialize_node`'s parameters: id, level and format version, then per layer the link
    /// count, the capacity, the linked ids and the worst link (distance bits and index), then the
    /// length and the quantisation range as two 32-bit floats.
    pub fn serialize(&self, node: &Node) -> Vec<u64> {
        let mut p = vec![node.id, u64::from(node.level & 0xff) | (1 << 24)];
        for l in &node.layers {
            p.push(l.links.len() as u64);
            p.push(u64::from(l.max_links));
            p.extend(l.links.iter().map(|&s| self.node(s).id));
            p.push((u64::from(l.worst_distance.to_bits()) << 32) | u64::from(l.worst_idx));
        }
        p.push((u64::from(node.vector.range.to_bits()) << 32) | u64::from(node.l2.to_bits()));
        p
    }

    /// `hnsw_insert_serialized` for every node, then `hnsw_deserialize_index`: rebuilds a set
    /// from what `serialize` wrote (nodes in list order, newest first). `None` on anything
    /// inconsistent.
    pub fn deserialize(&mut self, nodes: Vec<SavedNode>) -> Option<()> {
        let mut by_id: BTreeMap<u64, u32> = BTreeMap::new();
        let mut pending: Vec<(u32, Vec<Vec<u64>>)> = Vec::new();
        let mut order = Vec::new();
        for (name, attrib, bytes, params) in nodes {
            if params.len() < 2 || bytes.len() != self.quants_bytes() {
                return None;
            }
            let (id, level, version) = (params[0], (params[1] & 0xff) as u32, (params[1] >> 24) & 0xff);
            if id == 0 || level > MAX_LEVEL || version > 1 || by_id.contains_key(&id) || self.names.contains_key(&name)
            {
                return None;
            }
            self.last_id = self.last_id.max(id);
            let data = match self.quant {
                Quant::None => {
                    Data::F32(bytes.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
                }
                Quant::Q8 => Data::Q8(bytes.iter().map(|&b| b as i8).collect()),
                Quant::Bin => Data::Bin(
                    bytes
                        .chunks(8)
                        .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                        .collect(),
                ),
            };
            let mut node = self.new_node(id, Stored { data, range: 0.0 }, 1.0, level, name.clone(), attrib);
            let mut at = 2;
            let mut links = Vec::new();
            for l in node.layers.iter_mut() {
                if at + 2 + usize::from(version > 0) > params.len() {
                    return None;
                }
                let (n, max) = (params[at], params[at + 1]);
                at += 2;
                if n > max || max > u64::from(MAX_M) * 4 || at + n as usize > params.len() {
                    return None;
                }
                l.max_links = l.max_links.max(max as u32);
                links.push(params[at..at + n as usize].to_vec());
                at += n as usize;
                if version > 0 {
                    let w = params[at];
                    at += 1;
                    l.worst_distance = f32::from_bits((w >> 32) as u32);
                    l.worst_idx = w as u32;
                }
            }
            let packed = *params.get(at)?;
            node.l2 = f32::from_bits(packed as u32);
            node.vector.range = f32::from_bits((packed >> 32) as u32);
            if node.attrib.is_some() {
                self.attribs += 1;
            }
            let slot = self.alloc(node);
            self.names.insert(name, slot);
            by_id.insert(id, slot);
            pending.push((slot, links));
            order.push(slot);
        }
        for (slot, layers) in pending {
            for (i, ids) in layers.into_iter().enumerate() {
                let links = ids.iter().map(|id| by_id.get(id).copied()).collect::<Option<Vec<u32>>>()?;
                if links.iter().any(|&l| (self.node(l).level as usize) < i || l == slot) {
                    return None;
                }
                self.layer_mut(slot, i).links = links;
                if self.layer(slot, i).worst_idx as usize >= self.layer(slot, i).links.len().max(1) {
                    self.update_worst(slot, i);
                }
            }
        }
        // The list keeps the saved order (newest first).
        for &slot in order.iter().rev() {
            self.push_head(slot);
        }
        let mut best: Option<(u32, u32)> = None;
        for &slot in &order {
            let level = self.node(slot).level;
            if best.is_none_or(|b| level > b.1) {
                best = Some((slot, level));
            }
        }
        self.enter_point = best.map(|b| b.0);
        self.max_level = best.map_or(0, |b| b.1);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed;
        move || crate::server::splitmix64(&mut s)
    }

    fn build(n: usize, quant: Quant, seed: u64) -> VectorSet {
        let mut draw = draws(seed);
        let mut set = VectorSet::new(8, quant, 16, 0);
        for i in 0..n {
            let v: Vec<f32> = (0..8).map(|k| (((i * 31 + k * 7) % 17) as f32) - 8.0).collect();
            let level = random_level(&mut draw);
            set.insert(&v, format!("e{i}").into_bytes(), None, level, 200);
        }
        set
    }

    /// Every link is both ways, within its layer's capacity, to a node that has that layer.
    fn check(set: &VectorSet) {
        for node in set.nodes() {
            let slot = set.names[&node.name];
            for (i, l) in node.layers.iter().enumerate() {
                assert!(l.links.len() <= l.max_links as usize);
                for &to in &l.links {
                    assert!(set.node(to).layers.len() > i);
                    assert!(set.node(to).layers[i].links.contains(&slot), "link back");
                }
            }
        }
        assert_eq!(set.nodes().count(), set.len());
    }

    #[test]
    fn search_finds_the_exact_vector_first() {
        for quant in [Quant::None, Quant::Q8, Quant::Bin] {
            let set = build(300, quant, 7);
            check(&set);
            let target = set.get(b"e42").unwrap();
            let q = set.query(&set.vector_of(target));
            let found = set.search(&q, 10, None, 0);
            assert!(found[0].1 <= found[1].1);
            let truth = set.scan_nearest(&q, 10, None);
            assert_eq!(found[0].1, truth[0].1);
        }
    }

    #[test]
    fn removals_keep_the_graph_consistent() {
        let mut set = build(200, Quant::Q8, 3);
        for i in (0..200).step_by(3) {
            assert!(set.remove(format!("e{i}").as_bytes()).is_some());
            check(&set);
        }
        assert!(set.remove(b"e0").is_none());
        let q = set.query(&[1.0; 8]);
        assert_eq!(set.search(&q, 5, None, 0).len(), 5);
    }

    #[test]
    fn serialization_round_trips() {
        let set = build(120, Quant::Q8, 11);
        let saved: Vec<_> =
            set.nodes().map(|n| (n.name.clone(), n.attrib.clone(), set.raw_bytes(n), set.serialize(n))).collect();
        let mut loaded = VectorSet::new(8, Quant::Q8, 16, 0);
        loaded.deserialize(saved).unwrap();
        check(&loaded);
        let names = |s: &VectorSet| s.nodes().map(|n| n.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&set), names(&loaded));
        let q = set.query(&[0.5; 8]);
        let a: Vec<_> = set.search(&q, 10, None, 0).iter().map(|(n, d)| (n.name.clone(), *d)).collect();
        let b: Vec<_> = loaded.search(&q, 10, None, 0).iter().map(|(n, d)| (n.name.clone(), *d)).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn projection_is_hadamard() {
        let p = Projection::new(4, 2);
        let half = 0.5f32;
        assert_eq!(p.matrix, vec![half, half, half, half, half, -half, half, -half]);
        assert_eq!(p.apply(&[1.0, 2.0, 3.0, 4.0]), vec![5.0, -1.0]);
    }
}
