//! One logical database: keys, their values and their expiry times.
//!
//! Ordered maps, not hash maps: nothing that depends on a hash seed may reach a reply or a trace.

use std::collections::{BTreeMap, BTreeSet};

use crate::value::Value;

/// A value and how it has been used: when it was last read or written (Redis's LRU clock, for
/// `OBJECT IDLETIME`) and its logarithmic access counter with the minute it was last decayed
/// (Redis's LFU fields, for `OBJECT FREQ` and the LFU eviction policies).
#[derive(Clone, Debug)]
struct Slot {
    value: Value,
    access_ms: u64,
    lfu: u8,
    lfu_minutes: u64,
    /// Redis keeps one field, LRU or LFU as the policy says when it is written: LFU data
    /// written under an LRU policy is not there (reads as 0 once an LFU policy is chosen).
    lfu_written: bool,
}

/// Redis's `LFU_INIT_VAL`: a new key's counter, so it is not evicted at once.
const LFU_INIT_VAL: u8 = 5;

impl Slot {
    fn new(value: Value, now_ms: u64, lfu_mode: bool) -> Slot {
        Slot { value, access_ms: now_ms, lfu: LFU_INIT_VAL, lfu_minutes: now_ms / 60_000, lfu_written: lfu_mode }
    }
}

/// The LFU settings (`lfu-log-factor`, `lfu-decay-time`).
#[derive(Clone, Copy, Debug)]
pub struct LfuConfig {
    pub log_factor: i64,
    pub decay_minutes: i64,
}

impl Default for LfuConfig {
    fn default() -> Self {
        LfuConfig { log_factor: 10, decay_minutes: 1 }
    }
}

/// Redis's `LFUDecrAndReturn`: the counter after one decrement per decay period elapsed.
fn lfu_decayed(slot: &Slot, now_ms: u64, cfg: LfuConfig) -> u8 {
    if !slot.lfu_written {
        return 0;
    }
    let elapsed = (now_ms / 60_000).saturating_sub(slot.lfu_minutes);
    let periods = if cfg.decay_minutes > 0 { elapsed / cfg.decay_minutes as u64 } else { 0 };
    slot.lfu.saturating_sub(periods.min(255) as u8)
}

#[derive(Clone, Debug, Default)]
pub struct Db {
    keys: BTreeMap<Vec<u8>, Slot>,
    /// Absolute expiry time in virtual milliseconds, for keys that have one.
    expires: BTreeMap<Vec<u8>, u64>,
    /// Strings whose encoding is not the one their text implies: `raw` for strings changed in
    /// place (`APPEND`, `SETRANGE`), whatever their size; `embstr` for `INCRBYFLOAT` results,
    /// which Redis never turns into integers.
    raw: BTreeMap<Vec<u8>, &'static str>,
    /// Hashes that may have fields with an expiry time (Redis's `db->hexpires`): the active
    /// expiry cycle looks at these, and drops the ones that have none left.
    hexpires: BTreeSet<Vec<u8>>,
    pub lfu: LfuConfig,
    /// Keys created since the last look, kept only while `notify-keyspace-events` asks for
    /// `new` events (Redis sends one from `dbAdd`).
    pub new_keys: Option<Vec<Vec<u8>>>,
    /// An LFU `maxmemory-policy` is in force: accesses count frequency, not recency.
    pub lfu_mode: bool,
}

impl Db {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// Whether `key` exists but its time has come (it should be removed on access).
    pub fn is_expired(&self, key: &[u8], now_ms: u64) -> bool {
        self.expires.get(key).is_some_and(|&at| at <= now_ms)
    }

    /// The value of `key`, ignoring expiry (callers expire first through `Ctx`).
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.keys.get(key).map(|s| &s.value)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.keys.get_mut(key).map(|s| &mut s.value)
    }

    /// The value, marking it used at `now_ms` (its LRU time and its LFU counter: Redis's
    /// `updateLFU`, with the chance to count drawn from the key and the time, not a generator).
    pub fn get_touch(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Value> {
        let (cfg, lfu_mode) = (self.lfu, self.lfu_mode);
        self.keys.get_mut(key).map(|s| {
            s.access_ms = now_ms;
            if !lfu_mode {
                s.lfu_written = false;
                return &mut s.value;
            }
            let mut counter = lfu_decayed(s, now_ms, cfg);
            if counter < 255 {
                let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
                let p = 1.0 / (base * cfg.log_factor as f64 + 1.0);
                let mut h: u64 = now_ms ^ 0x9E37_79B9_7F4A_7C15 ^ u64::from(counter);
                for &b in key {
                    h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                }
                let r = (h >> 11) as f64 / (1u64 << 53) as f64;
                if r < p {
                    counter += 1;
                }
            }
            s.lfu = counter;
            s.lfu_minutes = now_ms / 60_000;
            s.lfu_written = true;
            &mut s.value
        })
    }

    /// The key's LFU counter after decay (`OBJECT FREQ`).
    pub fn lfu_counter(&self, key: &[u8], now_ms: u64) -> Option<u8> {
        self.keys.get(key).map(|s| lfu_decayed(s, now_ms, self.lfu))
    }

    /// When the key was last used (virtual ms).
    pub fn access_ms(&self, key: &[u8]) -> Option<u64> {
        self.keys.get(key).map(|s| s.access_ms)
    }

    /// Sets when the key was last used (`RESTORE ... IDLETIME`, an RDB's idle times).
    pub fn set_access_ms(&mut self, key: &[u8], access_ms: u64) {
        if let Some(s) = self.keys.get_mut(key) {
            s.access_ms = access_ms;
        }
    }

    /// Sets the key's LFU counter as of now (`RESTORE ... FREQ`, an RDB's frequencies).
    pub fn set_lfu_counter(&mut self, key: &[u8], counter: u8, now_ms: u64) {
        if let Some(s) = self.keys.get_mut(key) {
            s.lfu = counter;
            s.lfu_minutes = now_ms / 60_000;
            s.lfu_written = true;
        }
    }

    /// Stores `value` at `key`. Like Redis's `setKey`, this drops an existing TTL unless `keep_ttl`.
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        if !keep_ttl {
            self.expires.remove(key);
        }
        let (access_ms, lfu, lfu_minutes, lfu_written) = self
            .keys
            .get(key)
            .map_or((0, LFU_INIT_VAL, 0, self.lfu_mode), |s| (s.access_ms, s.lfu, s.lfu_minutes, s.lfu_written));
        self.forget_raw(key);
        self.track_hexpires(key, &value);
        if self.keys.insert(key.to_vec(), Slot { value, access_ms, lfu, lfu_minutes, lfu_written }).is_none() {
            self.created(key);
        }
    }

    /// Stores `value` used at `now_ms`.
    pub fn set_at(&mut self, key: &[u8], value: Value, keep_ttl: bool, now_ms: u64) {
        if !keep_ttl {
            self.expires.remove(key);
        }
        self.forget_raw(key);
        self.track_hexpires(key, &value);
        if self.keys.insert(key.to_vec(), Slot::new(value, now_ms, self.lfu_mode)).is_none() {
            self.created(key);
        }
    }

    /// `set_at`, handing back the value where it now is.
    pub fn insert_at(&mut self, key: &[u8], value: Value, keep_ttl: bool, now_ms: u64) -> &mut Value {
        if !keep_ttl {
            self.expires.remove(key);
        }
        self.forget_raw(key);
        self.track_hexpires(key, &value);
        let slot = Slot::new(value, now_ms, self.lfu_mode);
        if !self.keys.contains_key(key) {
            self.created(key);
        }
        match self.keys.entry(key.to_vec()) {
            std::collections::btree_map::Entry::Vacant(e) => &mut e.insert(slot).value,
            std::collections::btree_map::Entry::Occupied(mut e) => {
                e.insert(slot);
                &mut e.into_mut().value
            }
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        self.expires.remove(key);
        if !self.hexpires.is_empty() {
            self.hexpires.remove(key);
        }
        self.forget_raw(key);
        self.keys.remove(key).map(|s| s.value)
    }

    pub fn expire_at(&self, key: &[u8]) -> Option<u64> {
        self.expires.get(key).copied()
    }

    pub fn set_expire(&mut self, key: &[u8], at_ms: u64) {
        debug_assert!(self.keys.contains_key(key), "a TTL needs a key");
        self.expires.insert(key.to_vec(), at_ms);
    }

    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.expires.remove(key).is_some()
    }

    fn created(&mut self, key: &[u8]) {
        if let Some(new_keys) = self.new_keys.as_mut() {
            new_keys.push(key.to_vec());
        }
    }

    fn track_hexpires(&mut self, key: &[u8], value: &Value) {
        match value {
            Value::Hash(h) if h.has_field_expires() => {
                self.hexpires.insert(key.to_vec());
            }
            _ if !self.hexpires.is_empty() => {
                self.hexpires.remove(key);
            }
            _ => {}
        }
    }

    /// Notes that the hash at `key` has fields with an expiry time now (`HEXPIRE` and kin).
    pub fn watch_field_expires(&mut self, key: &[u8]) {
        self.hexpires.insert(key.to_vec());
    }

    /// Hashes that may have fields with an expiry time, in key order.
    pub fn hexpire_keys(&self) -> Vec<Vec<u8>> {
        self.hexpires.iter().cloned().collect()
    }

    /// How many hashes have fields with an expiry time (`INFO keyspace`'s `subexpiry`).
    pub fn hashes_with_field_expires(&self) -> usize {
        self.hexpires.iter().filter(|k| matches!(self.get(k), Some(Value::Hash(h)) if h.has_field_expires())).count()
    }

    /// Forgets a hash that has no field with an expiry time left.
    pub fn unwatch_field_expires(&mut self, key: &[u8]) {
        self.hexpires.remove(key);
    }

    fn forget_raw(&mut self, key: &[u8]) {
        if !self.raw.is_empty() {
            self.raw.remove(key);
        }
    }

    /// Marks the string at `key` as modified in place.
    pub fn mark_raw(&mut self, key: &[u8]) {
        self.raw.insert(key.to_vec(), "raw");
    }

    /// Sets (or with `None`, clears) the encoding the string at `key` keeps whatever its text.
    pub fn force_encoding(&mut self, key: &[u8], encoding: Option<&'static str>) {
        match encoding {
            Some(e) => {
                self.raw.insert(key.to_vec(), e);
            }
            None => {
                self.raw.remove(key);
            }
        }
    }

    /// What `OBJECT ENCODING` answers for `key` under the thresholds `enc`.
    pub fn encoding_of(&self, key: &[u8], enc: &crate::value::Encodings) -> Option<&'static str> {
        let value = self.get(key)?;
        Some(match (value, self.forced_encoding(key)) {
            (Value::String(_), Some(forced)) => forced,
            (value, _) => value.encoding(enc),
        })
    }

    /// The encoding the string at `key` keeps, when it is not the one its text implies.
    pub fn forced_encoding(&self, key: &[u8]) -> Option<&'static str> {
        self.raw.get(key).copied()
    }

    pub fn clear(&mut self) {
        self.raw.clear();
        self.hexpires.clear();
        self.keys.clear();
        self.expires.clear();
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = (&Vec<u8>, &Value)> {
        self.keys.iter().map(|(k, s)| (k, &s.value))
    }

    /// Keys that have a time to live, with it.
    pub fn expires(&self) -> impl Iterator<Item = (&Vec<u8>, &u64)> {
        self.expires.iter()
    }

    /// The `n`-th key (in key order), for random picks.
    pub fn nth_key(&self, n: usize) -> Option<&Vec<u8>> {
        self.keys.keys().nth(n)
    }

    /// Keys with a TTL from `from` on, in key order: the active expiry cycle's walk.
    pub fn expires_range(&self, from: std::ops::Bound<Vec<u8>>) -> impl Iterator<Item = (&Vec<u8>, u64)> {
        self.expires.range((from, std::ops::Bound::Unbounded)).map(|(k, &at)| (k, at))
    }
}
