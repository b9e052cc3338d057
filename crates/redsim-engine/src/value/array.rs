//! Redis 8.8's array: indexes 0 to 2^64-2 mapped to strings, kept the way Redis's
//! `sparsearray.c` keeps them, so `ARINFO` (slices, directory size, dense and sparse slices and
//! their sizes) and `MEMORY USAGE` follow the same structure.
//!
//! Indexes fall into slices of `slice_size` consecutive positions (a power of two, fixed when the
//! array is created from `array-slice-size`). A slice is *sparse* (sorted offset-value pairs, a
//! capacity that doubles up to `array-sparse-kmax`) or *dense* (a window of slots, a power of two
//! wide, that grows left or right up to the whole slice). A sparse slice that would pass `kmax`
//! elements becomes dense; a dense slice left with at most `array-sparse-kmin` elements becomes
//! sparse again when that saves memory. Slices hang from a flat directory (its length a power of
//! two) until a slice number reaches 2,048; from then on from a super-directory of blocks of 2,048
//! slice pointers, allocated as slices appear in them.

/// Slice pointers per super-directory block (`AR_SUPER_BLOCK_SLOTS`).
pub const SUPER_BLOCK_SLOTS: u64 = 2048;
/// The first window of a dense slice (`AR_SLICE_MIN_ALLOC`).
const MIN_WINDOW: u32 = 8;
/// `sizeof(arSlice)` on a 64-bit build.
pub const SLICE_HEADER: usize = 32;

/// The settings an array operation reads (`array-sparse-kmax` and `array-sparse-kmin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub kmax: u32,
    pub kmin: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { kmax: 10, kmin: 5 }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Slice {
    Dense {
        offset: u32,
        /// `winsize` slots from `offset`.
        items: Vec<Option<Vec<u8>>>,
        count: u32,
        /// The highest offset with a value (0 in a slice that has none yet).
        max_idx: u32,
    },
    Sparse {
        cap: u32,
        /// Sorted by offset.
        entries: Vec<(u16, Vec<u8>)>,
    },
}

impl Slice {
    fn count(&self) -> u32 {
        match self {
            Slice::Dense { count, .. } => *count,
            Slice::Sparse { entries, .. } => entries.len() as u32,
        }
    }

    fn max_off(&self) -> u32 {
        match self {
            Slice::Dense { max_idx, .. } => *max_idx,
            Slice::Sparse { entries, .. } => entries.last().map_or(0, |e| u32::from(e.0)),
        }
    }

    fn dense_new(rel: u32, slice_size: u32) -> Slice {
        let offset = if rel + MIN_WINDOW > slice_size { slice_size - MIN_WINDOW } else { rel };
        Slice::Dense { offset, items: vec![None; MIN_WINDOW as usize], count: 0, max_idx: 0 }
    }

    fn sparse_new(kmax: u32) -> Slice {
        Slice::Sparse { cap: kmax.min(4), entries: Vec::new() }
    }

    fn get(&self, rel: u32) -> Option<&Vec<u8>> {
        match self {
            Slice::Dense { offset, items, .. } => {
                rel.checked_sub(*offset).and_then(|p| items.get(p as usize)).and_then(Option::as_ref)
            }
            Slice::Sparse { entries, .. } => {
                entries.binary_search_by_key(&(rel as u16), |e| e.0).ok().map(|p| &entries[p].1)
            }
        }
    }

    /// The window moved or widened so that `rel` is in it (`arSliceDenseGrowIfNeeded`).
    fn dense_grow(&mut self, rel: u32, slice_size: u32) {
        let Slice::Dense { offset, items, .. } = self else { return };
        let winsize = items.len() as u32;
        let (new_offset, new_winsize) = if rel >= *offset + winsize {
            let mut w = winsize;
            while rel >= *offset + w && w < slice_size {
                w <<= 1;
            }
            if w >= slice_size {
                (0, slice_size)
            } else if *offset + w > slice_size {
                (slice_size - w, w)
            } else {
                (*offset, w)
            }
        } else if rel < *offset {
            let old_end = *offset + winsize;
            let w = (old_end - rel).next_power_of_two().clamp(MIN_WINDOW, slice_size);
            let o = if w == slice_size { 0 } else { old_end.saturating_sub(w) };
            (o, w)
        } else {
            return;
        };
        let shift = (*offset - new_offset) as usize;
        let mut grown = vec![None; new_winsize as usize];
        for (i, item) in items.drain(..).enumerate() {
            grown[shift + i] = item;
        }
        *items = grown;
        *offset = new_offset;
    }

    /// `arSparsePromote`: the same elements in a dense window.
    fn promote(self, slice_size: u32) -> Slice {
        let Slice::Sparse { entries, .. } = self else { return self };
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Slice::dense_new(0, slice_size);
        };
        let (min_off, max_off) = (u32::from(first.0), u32::from(last.0));
        let mut winsize = (max_off - min_off + 1).next_power_of_two().max(MIN_WINDOW);
        let mut offset = min_off;
        if winsize >= slice_size {
            winsize = slice_size;
            offset = 0;
        } else if offset + winsize > slice_size {
            offset = slice_size - winsize;
        }
        let count = entries.len() as u32;
        let mut items = vec![None; winsize as usize];
        for (off, v) in entries {
            items[(u32::from(off) - offset) as usize] = Some(v);
        }
        Slice::Dense { offset, items, count, max_idx: max_off }
    }

    /// `arDenseMaybeDemote`: back to sparse when few elements are left and that saves memory.
    fn maybe_demote(self, limits: Limits) -> Slice {
        let Slice::Dense { offset, ref items, count, .. } = self else { return self };
        let winsize = items.len() as u32;
        if limits.kmax == 0 || count > limits.kmin || count > limits.kmax || winsize == MIN_WINDOW {
            return self;
        }
        if winsize < 4 * limits.kmin || dense_bytes(winsize) < sparse_bytes(limits.kmin) * 5 / 4 {
            return self;
        }
        let Slice::Dense { items, .. } = self else { return self };
        let entries =
            items.into_iter().enumerate().filter_map(|(i, v)| v.map(|v| ((offset + i as u32) as u16, v))).collect();
        Slice::Sparse { cap: limits.kmin, entries }
    }

    /// Empties the slots `lo..=hi` of the slice (`arDeleteSliceRange` without the directory part).
    fn delete_range(&mut self, lo: u32, hi: u32) -> u64 {
        match self {
            Slice::Dense { offset, items, count, max_idx } => {
                let win_lo = *offset;
                let win_hi = *offset + items.len() as u32 - 1;
                let (eff_lo, eff_hi) = (lo.max(win_lo), hi.min(win_hi));
                let mut deleted = 0;
                if eff_lo <= eff_hi {
                    for off in eff_lo..=eff_hi {
                        if items[(off - *offset) as usize].take().is_some() {
                            *count -= 1;
                            deleted += 1;
                        }
                    }
                    if *count > 0 && *max_idx >= eff_lo {
                        *max_idx = *offset;
                        if let Some(p) = items.iter().rposition(Option::is_some) {
                            *max_idx = *offset + p as u32;
                        }
                    }
                }
                deleted
            }
            Slice::Sparse { entries, .. } => {
                let first = entries.partition_point(|e| u32::from(e.0) < lo);
                let last = entries.partition_point(|e| u32::from(e.0) <= hi);
                if first < last {
                    entries.drain(first..last);
                }
                (last.saturating_sub(first)) as u64
            }
        }
    }

    /// `(offset, value)` in offset order.
    fn values(&self) -> Box<dyn DoubleEndedIterator<Item = (u32, &Vec<u8>)> + '_> {
        match self {
            Slice::Dense { offset, items, .. } => {
                Box::new(items.iter().enumerate().filter_map(move |(i, v)| v.as_ref().map(|v| (*offset + i as u32, v))))
            }
            Slice::Sparse { entries, .. } => Box::new(entries.iter().map(|(o, v)| (u32::from(*o), v))),
        }
    }
}

/// `arDenseAllocSize`.
pub fn dense_bytes(winsize: u32) -> usize {
    SLICE_HEADER + winsize as usize * 8
}

/// `arSparseAllocSize`: the header, the offsets padded to 8 bytes, the value pointers.
pub fn sparse_bytes(cap: u32) -> usize {
    let offsets = cap as usize * 2;
    SLICE_HEADER + offsets.div_ceil(8) * 8 + cap as usize * 8
}

#[derive(Clone, Debug, PartialEq)]
struct Block {
    id: u64,
    count: u32,
    slots: Vec<Option<Slice>>,
}

#[derive(Clone, Debug, PartialEq)]
enum Directory {
    /// `dir_alloc` slice pointers, indexed by slice number.
    Flat(Vec<Option<Slice>>),
    /// Blocks sorted by id, and the capacity of the block table.
    Super { blocks: Vec<Block>, cap: u32 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    count: u64,
    /// The last index `ARINSERT`/`ARRING` wrote (`None`: no insert yet, or `ARSEEK 0`).
    insert_idx: Option<u64>,
    slice_size: u32,
    dir: Directory,
    dir_highest_used: u64,
    num_slices: u64,
}

/// What `ARINFO` reports of the structure.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Info {
    pub slices: u64,
    pub directory_size: u64,
    pub super_dir_entries: u64,
    pub slice_size: u32,
    pub dense: u64,
    pub sparse: u64,
    pub dense_window_total: u64,
    pub dense_count_total: u64,
    pub sparse_cap_total: u64,
}

impl Array {
    /// An empty array whose slices hold `slice_size` indexes (a power of two).
    pub fn new(slice_size: u32) -> Array {
        Array {
            count: 0,
            insert_idx: None,
            slice_size: slice_size.max(MIN_WINDOW).next_power_of_two(),
            dir: Directory::Flat(Vec::new()),
            dir_highest_used: 0,
            num_slices: 0,
        }
    }

    pub fn slice_size(&self) -> u32 {
        self.slice_size
    }

    fn bits(&self) -> u32 {
        self.slice_size.trailing_zeros()
    }

    fn split(&self, idx: u64) -> (u64, u32) {
        (idx >> self.bits(), (idx & u64::from(self.slice_size - 1)) as u32)
    }

    /// Non-empty slots (`ARCOUNT`).
    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The highest set index plus one (`ARLEN`).
    pub fn len(&self) -> u64 {
        if self.count == 0 {
            return 0;
        }
        match self.slice(self.dir_highest_used) {
            Some(s) => (self.dir_highest_used << self.bits() | u64::from(s.max_off())) + 1,
            None => 0,
        }
    }

    pub fn insert_idx(&self) -> Option<u64> {
        self.insert_idx
    }

    pub fn set_insert_idx(&mut self, idx: Option<u64>) {
        self.insert_idx = idx;
    }

    fn slice(&self, id: u64) -> Option<&Slice> {
        match &self.dir {
            Directory::Flat(dir) => dir.get(usize::try_from(id).ok()?).and_then(Option::as_ref),
            Directory::Super { blocks, .. } => {
                let block = id / SUPER_BLOCK_SLOTS;
                let pos = blocks.binary_search_by_key(&block, |b| b.id).ok()?;
                blocks[pos].slots[(id % SUPER_BLOCK_SLOTS) as usize].as_ref()
            }
        }
    }

    fn take_slice(&mut self, id: u64) -> Option<Slice> {
        match &mut self.dir {
            Directory::Flat(dir) => dir.get_mut(usize::try_from(id).ok()?).and_then(Option::take),
            Directory::Super { blocks, .. } => {
                let block = id / SUPER_BLOCK_SLOTS;
                let pos = blocks.binary_search_by_key(&block, |b| b.id).ok()?;
                blocks[pos].slots[(id % SUPER_BLOCK_SLOTS) as usize].take()
            }
        }
    }

    /// `arSetSlice`: puts a slice in its place (after `take_slice`, or new), or clears the place.
    fn put_slice(&mut self, id: u64, s: Option<Slice>, was_there: bool) {
        match &mut self.dir {
            Directory::Flat(dir) => {
                let Some(place) = usize::try_from(id).ok().and_then(|i| dir.get_mut(i)) else { return };
                match (&s, was_there) {
                    (None, true) => self.num_slices -= 1,
                    (Some(_), false) => self.num_slices += 1,
                    _ => {}
                }
                *place = s;
            }
            Directory::Super { blocks, cap } => {
                let block = id / SUPER_BLOCK_SLOTS;
                let slot = (id % SUPER_BLOCK_SLOTS) as usize;
                match s {
                    None => {
                        let Ok(pos) = blocks.binary_search_by_key(&block, |b| b.id) else { return };
                        if was_there {
                            blocks[pos].slots[slot] = None;
                            blocks[pos].count -= 1;
                            self.num_slices -= 1;
                            if blocks[pos].count == 0 {
                                blocks.remove(pos);
                            }
                        }
                    }
                    Some(s) => {
                        let pos = match blocks.binary_search_by_key(&block, |b| b.id) {
                            Ok(pos) => pos,
                            Err(pos) => {
                                if blocks.len() as u32 >= *cap {
                                    *cap = if *cap == 0 { 4 } else { *cap * 2 };
                                }
                                blocks.insert(
                                    pos,
                                    Block { id: block, count: 0, slots: vec![None; SUPER_BLOCK_SLOTS as usize] },
                                );
                                pos
                            }
                        };
                        if !was_there {
                            blocks[pos].count += 1;
                            self.num_slices += 1;
                        }
                        blocks[pos].slots[slot] = Some(s);
                    }
                }
            }
        }
    }

    /// `arDirGrow`: room in the directory for slice `id`.
    fn dir_grow(&mut self, id: u64) {
        if let Directory::Flat(dir) = &mut self.dir {
            if id >= SUPER_BLOCK_SLOTS {
                // Every slice so far belongs to block 0.
                let old = std::mem::take(dir);
                let mut blocks = Vec::new();
                if !old.is_empty() {
                    let mut slots = old;
                    let count = slots.iter().filter(|s| s.is_some()).count() as u32;
                    slots.resize(SUPER_BLOCK_SLOTS as usize, None);
                    blocks.push(Block { id: 0, count, slots });
                }
                self.dir = Directory::Super { blocks, cap: 4 };
                return;
            }
            let id = id as usize;
            if id < dir.len() {
                return;
            }
            let mut alloc = dir.len().max(1);
            while alloc <= id {
                alloc <<= 1;
            }
            dir.resize(alloc, None);
        }
    }

    /// `arDirMaybeShrink` (flat directory only).
    fn dir_maybe_shrink(&mut self) {
        let Directory::Flat(dir) = &mut self.dir else { return };
        if self.count == 0 || self.dir_highest_used >= dir.len() as u64 * 9 / 10 {
            return;
        }
        let mut alloc = 1u64;
        while alloc <= self.dir_highest_used {
            alloc <<= 1;
        }
        if alloc < dir.len() as u64 {
            dir.truncate(alloc as usize);
        }
    }

    /// The highest slice number in use, found again from the top.
    fn highest_from_top(&self) -> u64 {
        match &self.dir {
            Directory::Flat(dir) => dir.iter().rposition(Option::is_some).unwrap_or(0) as u64,
            Directory::Super { blocks, .. } => blocks
                .iter()
                .rev()
                .filter(|b| b.count > 0)
                .find_map(|b| b.slots.iter().rposition(Option::is_some).map(|s| b.id * SUPER_BLOCK_SLOTS + s as u64))
                .unwrap_or(0),
        }
    }

    /// `arDirUpdateHighest` after slice `freed` went.
    fn update_highest(&mut self, freed: u64) {
        if self.count == 0 || freed < self.dir_highest_used {
            return;
        }
        self.dir_highest_used = match &self.dir {
            Directory::Flat(dir) => {
                (0..freed.min(dir.len() as u64)).rev().find(|&i| dir[i as usize].is_some()).unwrap_or(0)
            }
            Directory::Super { .. } => self.highest_from_top(),
        };
    }

    pub fn get(&self, idx: u64) -> Option<&Vec<u8>> {
        let (id, rel) = self.split(idx);
        self.slice(id)?.get(rel)
    }

    /// `arSet`: stores `value` at `idx` (below 2^64-1); true when the slot was empty.
    pub fn set(&mut self, idx: u64, value: Vec<u8>, limits: Limits) -> bool {
        let (id, rel) = self.split(idx);
        let size = self.slice_size;
        self.dir_grow(id);
        let existing = self.take_slice(id);
        let was_there = existing.is_some();
        let mut s = existing.unwrap_or_else(|| {
            if limits.kmax > 0 {
                Slice::sparse_new(limits.kmax)
            } else {
                Slice::dense_new(rel, size)
            }
        });
        let added = match &mut s {
            Slice::Dense { .. } => set_dense(&mut s, rel, value, size),
            Slice::Sparse { cap, entries } => match entries.binary_search_by_key(&(rel as u16), |e| e.0) {
                Ok(p) => {
                    entries[p].1 = value;
                    false
                }
                Err(p) if (entries.len() as u32) < limits.kmax => {
                    if entries.len() as u32 >= *cap {
                        *cap = (*cap * 2).min(limits.kmax);
                    }
                    entries.insert(p, (rel as u16, value));
                    true
                }
                Err(_) => {
                    s = s.promote(size);
                    set_dense(&mut s, rel, value, size)
                }
            },
        };
        self.put_slice(id, Some(s), was_there);
        if added {
            self.count += 1;
        }
        if id > self.dir_highest_used || self.count == 1 {
            self.dir_highest_used = id;
        }
        added
    }

    /// `arDel`: empties the slot; true when it held a value.
    pub fn delete(&mut self, idx: u64, limits: Limits) -> bool {
        let (id, rel) = self.split(idx);
        let Some(mut s) = self.take_slice(id) else { return false };
        let removed = match &mut s {
            Slice::Dense { offset, items, count, max_idx } => {
                let taken = rel.checked_sub(*offset).and_then(|p| items.get_mut(p as usize)).and_then(Option::take);
                if taken.is_some() {
                    *count -= 1;
                    if *count > 0 && rel >= *max_idx {
                        if let Some(p) = items[..=(*max_idx - *offset) as usize].iter().rposition(Option::is_some) {
                            *max_idx = *offset + p as u32;
                        }
                    }
                }
                taken.is_some()
            }
            Slice::Sparse { entries, .. } => match entries.binary_search_by_key(&(rel as u16), |e| e.0) {
                Ok(p) => {
                    entries.remove(p);
                    true
                }
                Err(_) => false,
            },
        };
        if !removed {
            self.put_slice(id, Some(s), true);
            return false;
        }
        self.count -= 1;
        if s.count() > 0 {
            let s = if matches!(s, Slice::Dense { .. }) { s.maybe_demote(limits) } else { s };
            self.put_slice(id, Some(s), true);
            return true;
        }
        self.put_slice(id, None, true);
        self.update_highest(id);
        self.dir_maybe_shrink();
        true
    }

    /// `arDeleteSliceRange` for one slice: deletes, then frees or maybe demotes it.
    fn delete_in_slice(&mut self, id: u64, lo: u32, hi: u32, limits: Limits) -> u64 {
        let Some(mut s) = self.take_slice(id) else { return 0 };
        let deleted = s.delete_range(lo, hi);
        self.count -= deleted;
        if s.count() == 0 {
            self.put_slice(id, None, true);
        } else {
            let s = if matches!(s, Slice::Dense { .. }) { s.maybe_demote(limits) } else { s };
            self.put_slice(id, Some(s), true);
        }
        deleted
    }

    /// `arDeleteRange`: empties `lo..=hi`, returning how many slots held a value.
    pub fn delete_range(&mut self, lo: u64, hi: u64, limits: Limits) -> u64 {
        if self.count == 0 || lo > hi {
            return 0;
        }
        let ((lo_slice, lo_off), (hi_slice, hi_off)) = (self.split(lo), self.split(hi));
        let mut deleted = 0;
        let mut touched_highest = false;
        if lo_slice == hi_slice {
            deleted = self.delete_in_slice(lo_slice, lo_off, hi_off, limits);
            touched_highest = lo_slice >= self.dir_highest_used;
        } else {
            deleted += self.delete_in_slice(lo_slice, lo_off, self.slice_size - 1, limits);
            deleted += self.delete_in_slice(hi_slice, 0, hi_off, limits);
            touched_highest |= hi_slice >= self.dir_highest_used;
            if lo_slice + 1 < hi_slice {
                let (mid_lo, mid_hi) = (lo_slice + 1, hi_slice - 1);
                let ids: Vec<u64> = self.slice_ids().filter(|id| (mid_lo..=mid_hi).contains(id)).collect();
                for id in ids.into_iter().rev() {
                    if let Some(s) = self.take_slice(id) {
                        let n = u64::from(s.count());
                        deleted += n;
                        self.count -= n;
                        self.put_slice(id, None, true);
                        touched_highest |= id >= self.dir_highest_used;
                    }
                }
            }
        }
        if touched_highest && self.count > 0 {
            self.dir_highest_used = self.highest_from_top();
        }
        if self.count == 0 {
            self.dir_highest_used = 0;
        }
        self.dir_maybe_shrink();
        deleted
    }

    /// `arMayPromoteToDenseForRangeSet`: before writing `lo..=hi`, a slice that would pass `kmax`
    /// elements is made dense at once.
    pub fn prepare_range_set(&mut self, lo: u64, hi: u64, limits: Limits) {
        if limits.kmax == 0 {
            return;
        }
        let ((slice_lo, _), (slice_hi, _)) = (self.split(lo), self.split(hi));
        self.dir_grow(slice_hi);
        let size = self.slice_size;
        for id in slice_lo..=slice_hi {
            let start = if id == slice_lo { self.split(lo).1 } else { 0 };
            let end = if id == slice_hi { self.split(hi).1 } else { size - 1 };
            let range = end - start + 1;
            match self.take_slice(id) {
                None => {
                    if range > limits.kmax {
                        self.put_slice(id, Some(Slice::dense_new(start, size)), false);
                    }
                }
                Some(s @ Slice::Dense { .. }) => self.put_slice(id, Some(s), true),
                Some(s @ Slice::Sparse { .. }) => {
                    let existing = match &s {
                        Slice::Sparse { entries, .. } => {
                            entries.iter().filter(|e| (start..=end).contains(&u32::from(e.0))).count() as u32
                        }
                        Slice::Dense { .. } => 0,
                    };
                    let s = if range > limits.kmax || s.count() + (range - existing) > limits.kmax {
                        s.promote(size)
                    } else {
                        s
                    };
                    self.put_slice(id, Some(s), true);
                }
            }
        }
    }

    /// The numbers of the slices in use, in order.
    fn slice_ids(&self) -> Box<dyn DoubleEndedIterator<Item = u64> + '_> {
        match &self.dir {
            Directory::Flat(dir) => {
                Box::new(dir.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i as u64))
            }
            Directory::Super { blocks, .. } => Box::new(blocks.iter().flat_map(|b| {
                b.slots
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.is_some())
                    .map(move |(i, _)| b.id * SUPER_BLOCK_SLOTS + i as u64)
            })),
        }
    }

    /// Every element in index order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &Vec<u8>)> {
        let bits = self.bits();
        self.slice_ids().flat_map(move |id| {
            let s = self.slice(id);
            s.into_iter().flat_map(move |s| s.values().map(move |(off, v)| (id << bits | u64::from(off), v)))
        })
    }

    /// The elements in `lo..=hi`, in index order.
    pub fn range(&self, lo: u64, hi: u64) -> impl DoubleEndedIterator<Item = (u64, &Vec<u8>)> {
        let bits = self.bits();
        let (first, last) = (lo >> bits, hi >> bits);
        self.slice_ids().filter(move |id| (first..=last).contains(id)).flat_map(move |id| {
            let s = self.slice(id);
            s.into_iter().flat_map(move |s| {
                s.values()
                    .map(move |(off, v)| (id << bits | u64::from(off), v))
                    .filter(move |(i, _)| (lo..=hi).contains(i))
            })
        })
    }

    /// What `ARINFO` (and `FULL`) reports.
    pub fn info(&self) -> Info {
        let mut info = Info { slices: self.num_slices, slice_size: self.slice_size, ..Info::default() };
        match &self.dir {
            Directory::Flat(dir) => info.directory_size = dir.len() as u64,
            Directory::Super { blocks, cap } => {
                info.directory_size = u64::from(*cap);
                info.super_dir_entries = blocks.len() as u64;
            }
        }
        for id in self.slice_ids() {
            match self.slice(id) {
                Some(Slice::Dense { items, count, .. }) => {
                    info.dense += 1;
                    info.dense_window_total += items.len() as u64;
                    info.dense_count_total += u64::from(*count);
                }
                Some(Slice::Sparse { cap, .. }) => {
                    info.sparse += 1;
                    info.sparse_cap_total += u64::from(*cap);
                }
                None => {}
            }
        }
        info
    }

    /// The allocations of the structure (header, directories, slices), without the values, for
    /// `MEMORY USAGE`: `(size, count)` per allocation.
    pub fn allocations(&self) -> Vec<usize> {
        let mut out = vec![80];
        match &self.dir {
            Directory::Flat(dir) if !dir.is_empty() => out.push(dir.len() * 8),
            Directory::Flat(_) => {}
            Directory::Super { blocks, cap } => {
                out.push(*cap as usize * 24);
                out.extend(blocks.iter().map(|_| SUPER_BLOCK_SLOTS as usize * 8));
            }
        }
        for id in self.slice_ids() {
            match self.slice(id) {
                Some(Slice::Dense { items, .. }) => out.push(dense_bytes(items.len() as u32)),
                Some(Slice::Sparse { cap, .. }) => out.push(sparse_bytes(*cap)),
                None => {}
            }
        }
        out
    }
}

fn set_dense(s: &mut Slice, rel: u32, value: Vec<u8>, slice_size: u32) -> bool {
    s.dense_grow(rel, slice_size);
    let Slice::Dense { offset, items, count, max_idx } = s else { return false };
    let slot = &mut items[(rel - *offset) as usize];
    let added = slot.is_none();
    *slot = Some(value);
    if added {
        *count += 1;
    }
    if rel > *max_idx {
        *max_idx = rel;
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    const L: Limits = Limits { kmax: 10, kmin: 5 };

    fn info(a: &Array) -> (u64, u64, u64, u64) {
        let i = a.info();
        (i.slices, i.directory_size, i.dense, i.sparse)
    }

    #[test]
    fn sparse_slices_become_dense_past_kmax_and_back_below_kmin() {
        let mut a = Array::new(4096);
        for i in 0..15 {
            a.set(i * 100, v("x"), L);
        }
        assert_eq!(info(&a), (1, 1, 1, 0));
        assert_eq!(a.info().dense_window_total, 2048);
        let mut b = Array::new(4096);
        for i in 0..50 {
            b.set(i, v("x"), L);
        }
        assert_eq!(b.info().dense_window_total, 64);
        for i in 3..50 {
            b.delete(i, L);
        }
        assert_eq!(info(&b), (1, 1, 0, 1));
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn windows_stay_inside_their_slice() {
        let mut a = Array::new(4096);
        a.set(2100, v("s"), L);
        for i in 2101..2200 {
            a.set(i, v("x"), L);
        }
        for i in (2200..3500).step_by(10) {
            a.set(i, v("x"), L);
        }
        assert!(a.info().dense_window_total <= 4096);
        assert_eq!(a.get(3000), Some(&v("x")));
        assert_eq!(a.get(2100), Some(&v("s")));
    }

    #[test]
    fn far_slices_go_to_the_super_directory() {
        let mut a = Array::new(4096);
        a.set(0, v("a"), L);
        a.set(1_000_000, v("b"), L);
        assert_eq!(info(&a), (2, 256, 0, 2));
        a.set(10_000_000, v("c"), L);
        let i = a.info();
        assert_eq!((i.slices, i.directory_size, i.super_dir_entries), (3, 4, 2));
        assert_eq!(a.len(), 10_000_001);
        assert_eq!(a.delete_range(5, u64::MAX - 1, L), 2);
        assert_eq!((a.count(), a.len(), a.info().super_dir_entries), (1, 1, 1));
        assert_eq!(a.iter().map(|(i, _)| i).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn the_flat_directory_shrinks_when_the_top_slices_go() {
        let mut a = Array::new(4096);
        for i in 0..20u64 {
            a.set(i * 4096, v("x"), L);
        }
        assert_eq!(info(&a), (20, 32, 0, 20));
        for i in 2..20u64 {
            a.delete(i * 4096, L);
        }
        assert_eq!(info(&a), (2, 2, 0, 2));
        assert_eq!(a.range(0, 5000).map(|(i, _)| i).collect::<Vec<_>>(), [0, 4096]);
    }

    /// Random writes, deletes and range deletes on small and large slices, dense, sparse and in
    /// the super-directory, checked after every step against a plain ordered map.
    #[test]
    fn random_workloads_match_an_ordered_map() {
        use std::collections::BTreeMap;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n.max(1)
        };
        for (slice_size, kmax, kmin, span) in
            [(4096, 10, 5, 20_000u64), (256, 6, 3, 3_000), (1024, 8, 4, 40_000_000), (256, 0, 0, 2_000)]
        {
            let limits = Limits { kmax, kmin };
            let mut a = Array::new(slice_size);
            let mut model: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
            for step in 0..3000 {
                let pick = |r: u64| if span > 1_000_000 && r.is_multiple_of(3) { r % 50_000 } else { r % span };
                match next(100) {
                    0..=39 => {
                        let i = pick(next(u64::MAX));
                        let v = format!("v{step}").into_bytes();
                        assert_eq!(a.set(i, v.clone(), limits), model.insert(i, v).is_none());
                    }
                    40..=54 => {
                        let start = pick(next(u64::MAX));
                        let n = 2 + next(20);
                        a.prepare_range_set(start, start + n - 1, limits);
                        for k in 0..n {
                            let v = format!("r{step}.{k}").into_bytes();
                            a.set(start + k, v.clone(), limits);
                            model.insert(start + k, v);
                        }
                    }
                    55..=79 => {
                        let i = pick(next(u64::MAX));
                        assert_eq!(a.delete(i, limits), model.remove(&i).is_some());
                    }
                    _ => {
                        let (x, y) = (pick(next(u64::MAX)), pick(next(u64::MAX)));
                        let (lo, hi) = (x.min(y), x.max(y));
                        let doomed: Vec<u64> = model.range(lo..=hi).map(|(i, _)| *i).collect();
                        doomed.iter().for_each(|i| {
                            model.remove(i);
                        });
                        assert_eq!(a.delete_range(lo, hi, limits), doomed.len() as u64);
                    }
                }
                assert_eq!(a.count(), model.len() as u64, "step {step}");
                assert_eq!(a.len(), model.keys().next_back().map_or(0, |i| i + 1), "step {step}");
                if step % 50 == 0 || model.len() < 5 {
                    let got: Vec<(u64, Vec<u8>)> = a.iter().map(|(i, v)| (i, v.clone())).collect();
                    let want: Vec<(u64, Vec<u8>)> = model.iter().map(|(i, v)| (*i, v.clone())).collect();
                    assert_eq!(got, want, "step {step}");
                    let (x, y) = (pick(next(u64::MAX)), pick(next(u64::MAX)));
                    let (lo, hi) = (x.min(y), x.max(y));
                    let got: Vec<u64> = a.range(lo, hi).rev().map(|(i, _)| i).collect();
                    let want: Vec<u64> = model.range(lo..=hi).rev().map(|(i, _)| *i).collect();
                    assert_eq!(got, want, "step {step}");
                    let info = a.info();
                    assert_eq!(info.slices, info.dense + info.sparse);
                    assert!(info.dense_window_total <= info.dense * u64::from(slice_size));
                }
                for (i, v) in model.iter().take(3) {
                    assert_eq!(a.get(*i), Some(v));
                }
            }
        }
    }
}
