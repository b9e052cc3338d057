//! Memory and eviction: `used_memory` as Redis counts it, and Redis's sampled eviction when it
//! is over `maxmemory` (the pool of the best candidates, LRU, LFU, TTL, random).

use super::*;

/// Redis's `EVPOOL_SIZE`: the best eviction candidates kept between samples.
const EVICTION_POOL: usize = 16;

impl Server {
    /// What `OBJECT ENCODING` says of the value at `key` in `db`.
    pub fn encoding_of(&self, db: usize, key: &[u8], value: &Value) -> &'static str {
        match (value, self.dbs[db].forced_encoding(key)) {
            (Value::String(_), Some(forced)) => forced,
            (v, _) => v.encoding(&self.config.encodings),
        }
    }

    /// `MEMORY USAGE` of one key.
    pub fn key_memory(&self, db: usize, key: &[u8], samples: usize) -> Option<usize> {
        let value = self.dbs[db].get(key)?;
        let encoding = self.encoding_of(db, key, value);
        Some(crate::memory::usage(key, value, encoding, samples, self.version().at_least(7, 2)))
    }

    /// The keys' memory, as `MEMORY USAGE` counts it, plus the expiry table's entries.
    pub fn dataset_memory(&self) -> usize {
        let samples = crate::memory::DEFAULT_SAMPLES;
        self.dbs
            .iter()
            .enumerate()
            .map(|(db, d)| {
                d.keys().map(|(k, _)| self.key_memory(db, k, samples).unwrap_or(0)).sum::<usize>()
                    + 24 * d.expires_len()
            })
            .sum()
    }

    /// `used_memory`: what Redis uses at start plus the dataset.
    pub fn used_memory(&self) -> usize {
        STARTUP_MEMORY + self.dataset_memory()
    }

    pub fn lfu_policy(&self) -> bool {
        self.config.maxmemory_policy.ends_with("-lfu")
    }

    /// Redis's `performEvictions`: removes keys by the policy until memory is under `maxmemory`.
    /// False when it is still over (nothing left to evict, or `noeviction`).
    /// Evicts what the limit asks for now (after `CONFIG SET maxmemory`).
    pub(crate) fn evict_now(&mut self, now_ms: u64, out: &mut Outcome) {
        self.perform_evictions(now_ms, out);
    }

    pub(super) fn perform_evictions(&mut self, now_ms: u64, out: &mut Outcome) -> bool {
        if self.config.maxmemory == 0 {
            return true;
        }
        // Redis's `isSafeToPerformEvictions`: not beside a busy script, not on a replica that
        // ignores maxmemory (it is its primary's copy), not while clients are paused (the data
        // stays as it is); then the command goes ahead as if memory were enough.
        let paused = self.pause.is_some_and(|p| now_ms < p.end_ms);
        let replica_ignores = self.master.is_some() && self.config.settings.flag("replica-ignore-maxmemory");
        if self.is_busy() || replica_ignores || paused {
            return true;
        }
        loop {
            if self.used_memory() as u64 <= self.config.maxmemory {
                self.feed_propagation(out, false);
                return true;
            }
            let Some((db, key)) = self.eviction_candidate(now_ms) else {
                self.feed_propagation(out, false);
                return false;
            };
            self.touch_watched(db, &key, false);
            self.dbs[db].remove(&key);
            self.stats.evicted_keys += 1;
            crate::notify::notify(self, out, crate::notify::EVICTED, "evicted", &key, db);
            out.effects.push(Effect::KeyEvicted { db, key: key.clone(), policy: self.config.maxmemory_policy });
            self.propagate_deletion(db, &key, "lazyfree-lazy-eviction");
            self.ready_keys.push((db, key));
        }
    }

    /// The next key to evict under the policy, if any (Redis's sampling approximation).
    pub(super) fn eviction_candidate(&mut self, now_ms: u64) -> Option<(usize, Vec<u8>)> {
        let policy = self.config.maxmemory_policy;
        if policy == "noeviction" {
            return None;
        }
        let volatile = policy.starts_with("volatile");
        let pool_of = |d: &Db| if volatile { d.expires_len() } else { d.len() };
        if policy.ends_with("-random") {
            for _ in 0..self.dbs.len() {
                let db = self.eviction_next_db % self.dbs.len();
                self.eviction_next_db += 1;
                let n = pool_of(&self.dbs[db]);
                if n == 0 {
                    continue;
                }
                let pick = (self.random() % n as u64) as usize;
                let key = if volatile {
                    self.dbs[db].expires().nth(pick).map(|(k, _)| k.clone())
                } else {
                    self.dbs[db].nth_key(pick).cloned()
                };
                return key.map(|k| (db, k));
            }
            return None;
        }
        // Sample each database into the pool, then take its best candidate that still exists.
        let samples = self.config.maxmemory_samples.max(1);
        for db in 0..self.dbs.len() {
            let n = pool_of(&self.dbs[db]);
            if n == 0 {
                continue;
            }
            for _ in 0..samples.min(n) {
                let pick = (self.random() % n as u64) as usize;
                let key = if volatile {
                    self.dbs[db].expires().nth(pick).map(|(k, _)| k.clone())
                } else {
                    self.dbs[db].nth_key(pick).cloned()
                };
                let Some(key) = key else { continue };
                let score = if policy.ends_with("-lru") {
                    now_ms.saturating_sub(self.dbs[db].access_ms(&key).unwrap_or(now_ms))
                } else if policy.ends_with("-lfu") {
                    255 - u64::from(self.dbs[db].lfu_counter(&key, now_ms).unwrap_or(0))
                } else {
                    u64::MAX - self.dbs[db].expire_at(&key).unwrap_or(u64::MAX)
                };
                if self.eviction_pool.iter().any(|(_, d, k)| *d == db && *k == key) {
                    continue;
                }
                let at = self.eviction_pool.partition_point(|(s, _, _)| *s <= score);
                self.eviction_pool.insert(at, (score, db, key));
                if self.eviction_pool.len() > EVICTION_POOL {
                    self.eviction_pool.remove(0);
                }
            }
        }
        while let Some((_, db, key)) = self.eviction_pool.pop() {
            let live = if volatile { self.dbs[db].expire_at(&key).is_some() } else { self.dbs[db].get(&key).is_some() };
            if live {
                return Some((db, key));
            }
        }
        None
    }
}
