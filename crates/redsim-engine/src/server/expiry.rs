//! Active expiry: Redis's cycle, run for every 100 ms of virtual time (`serverCron` at `hz 10`).
//! Lazy expiry is `Ctx::expire_if_needed`, on every lookup.

use super::*;

/// How often `serverCron` runs the active expiry cycle (`hz 10`).
const CRON_PERIOD_MS: u64 = 100;

/// Keys the cycle looks at per database per loop (`ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const EXPIRE_KEYS_PER_LOOP: usize = 20;

/// The cycle goes on in a database while more than this share of the sample had expired.
const EXPIRE_ACCEPTABLE_STALE_PERCENT: usize = 10;

/// Loops per database per cycle: the engine's stand-in for Redis's 25 ms time budget.
const EXPIRE_MAX_LOOPS: usize = 16;

impl Server {
    /// Redis's `activeExpireCycle`, run for every `serverCron` tick up to `now_ms`: each
    /// database's keys with a TTL are walked in order from where the last walk stopped, 20 at a
    /// time, removing those whose time has come, and the walk goes on while more than 10% of a
    /// sample had expired.
    pub(super) fn active_expire(&mut self, now_ms: u64, out: &mut Outcome) {
        if self.last_cron_ms == 0 || now_ms < self.last_cron_ms {
            self.last_cron_ms = now_ms;
            return;
        }
        let cycles = (now_ms - self.last_cron_ms) / CRON_PERIOD_MS;
        if !self.active_expire_enabled {
            self.last_cron_ms += cycles * CRON_PERIOD_MS;
            return;
        }
        // A jump far ahead only needs enough cycles to have walked every volatile key a few times.
        let volatile: usize = self.dbs.iter().map(Db::expires_len).sum();
        let needed = (volatile / EXPIRE_KEYS_PER_LOOP + 2) as u64 * 2;
        let skipped = cycles.saturating_sub(needed);
        self.last_cron_ms += skipped * CRON_PERIOD_MS;
        for _ in skipped..cycles {
            self.last_cron_ms += CRON_PERIOD_MS;
            let at = self.last_cron_ms;
            for db in 0..self.dbs.len() {
                self.expire_hash_fields(db, at, out);
                for _ in 0..EXPIRE_MAX_LOOPS {
                    let (sampled, expired) = self.expire_sample(db, at, out);
                    if sampled == 0 || expired * 100 <= sampled * EXPIRE_ACCEPTABLE_STALE_PERCENT {
                        break;
                    }
                }
            }
        }
        // Every DEL of the cycle, none wrapped.
        self.feed_propagation(out, false);
    }

    /// One loop of the cycle in one database: returns (keys looked at, keys expired).
    pub(super) fn expire_sample(&mut self, db: usize, at_ms: u64, out: &mut Outcome) -> (usize, usize) {
        use std::ops::Bound;
        let cursor = self.expire_cursor[db].take();
        let from = cursor.as_ref().map_or(Bound::Unbounded, |k| Bound::Excluded(k.clone()));
        let mut sample: Vec<(Vec<u8>, u64)> =
            self.dbs[db].expires_range(from).take(EXPIRE_KEYS_PER_LOOP).map(|(k, at)| (k.clone(), at)).collect();
        if let Some(cursor) = cursor.as_ref().filter(|_| sample.len() < EXPIRE_KEYS_PER_LOOP) {
            // Wrap around to the start, as the dictionary scan does, up to where this walk began.
            let wanted = EXPIRE_KEYS_PER_LOOP - sample.len();
            let more: Vec<(Vec<u8>, u64)> = self.dbs[db]
                .expires_range(Bound::Unbounded)
                .take_while(|(k, _)| *k <= cursor)
                .take(wanted)
                .map(|(k, at)| (k.clone(), at))
                .collect();
            sample.extend(more);
        }
        self.expire_cursor[db] = sample.last().map(|(k, _)| k.clone());
        let mut expired = 0;
        for (key, at) in &sample {
            if *at <= at_ms {
                self.touch_watched(db, key, true);
                self.dbs[db].remove(key);
                self.stats.expired_keys += 1;
                expired += 1;
                crate::notify::notify(self, out, crate::notify::EXPIRED, "expired", key, db);
                out.effects.push(Effect::KeyExpired { db, key: key.clone(), lazily: false });
                self.propagate_deletion(db, key, "lazyfree-lazy-expire");
                self.ready_keys.push((db, key.clone()));
            }
        }
        (sample.len(), expired)
    }
}
