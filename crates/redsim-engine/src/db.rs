//! One logical database: keys, their values and their expiry times.
//!
//! Ordered maps, not hash maps: nothing that depends on a hash seed may reach a reply or a trace.

use std::collections::BTreeMap;

use crate::value::Value;

/// A value and when it was last read or written (Redis's LRU clock, for `OBJECT IDLETIME`).
#[derive(Clone, Debug)]
struct Slot {
    value: Value,
    access_ms: u64,
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

    /// The value, marking it used at `now_ms`.
    pub fn get_touch(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Value> {
        self.keys.get_mut(key).map(|s| {
            s.access_ms = now_ms;
            &mut s.value
        })
    }

    /// When the key was last used (virtual ms).
    pub fn access_ms(&self, key: &[u8]) -> Option<u64> {
        self.keys.get(key).map(|s| s.access_ms)
    }

    /// Stores `value` at `key`. Like Redis's `setKey`, this drops an existing TTL unless `keep_ttl`.
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        if !keep_ttl {
            self.expires.remove(key);
        }
        let access_ms = self.keys.get(key).map_or(0, |s| s.access_ms);
        self.forget_raw(key);
        self.keys.insert(key.to_vec(), Slot { value, access_ms });
    }

    /// Stores `value` used at `now_ms`.
    pub fn set_at(&mut self, key: &[u8], value: Value, keep_ttl: bool, now_ms: u64) {
        if !keep_ttl {
            self.expires.remove(key);
        }
        self.forget_raw(key);
        self.keys.insert(key.to_vec(), Slot { value, access_ms: now_ms });
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        self.expires.remove(key);
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

    /// The encoding the string at `key` keeps, when it is not the one its text implies.
    pub fn forced_encoding(&self, key: &[u8]) -> Option<&'static str> {
        self.raw.get(key).copied()
    }

    pub fn clear(&mut self) {
        self.raw.clear();
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
