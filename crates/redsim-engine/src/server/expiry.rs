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
        // Only a primary expires keys (a replica waits for its `DEL`s), and not while clients
        // are paused (Redis's `databasesCron` and `activeExpireCycle`).
        let paused = self.pause.is_some_and(|p| now_ms < p.end_ms);
        if !self.active_expire_enabled || self.master.is_some() || paused {
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
            self.expire_effort = 0;
            for db in 0..self.dbs.len() {
                self.expire_hash_fields(db, at, out);
                for _ in 0..EXPIRE_MAX_LOOPS {
                    let (sampled, expired) = self.expire_sample(db, at, out);
                    if sampled == 0 || expired * 100 <= sampled * EXPIRE_ACCEPTABLE_STALE_PERCENT {
                        break;
                    }
                }
            }
            // The cycle's latency, modelled as every command's is: by the work it did, here
            // freeing what expired (about 60 ns an allocation, as Redis frees them).
            let ms = (self.expire_effort as u64).saturating_mul(60) / 1_000_000;
            self.latency_sample("expire-cycle", at, ms);
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
                if let Some(value) = self.dbs[db].remove(key) {
                    self.expire_effort += value.free_effort();
                }
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

#[cfg(test)]
mod latency_tests {
    use crate::reply::Reply;
    use crate::{Server, Version};

    fn run(s: &mut Server, now: u64, argv: Vec<Vec<u8>>) -> Reply {
        s.execute(now, 1, &argv).reply.expect("a reply")
    }

    fn words(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    /// The slow log counts a reply past the cost model's cap to its end: a threshold above the
    /// cap is still reached by a bigger reply.
    #[test]
    fn a_reply_past_the_cost_cap_reaches_a_higher_slowlog_threshold() {
        let mut s = Server::new(Version::V7_0);
        s.connect(0);
        run(&mut s, 0, words("CONFIG SET slowlog-log-slower-than 150000"));
        let mut rpush = words("RPUSH big");
        rpush.extend((0..160_000).map(|i: u32| i.to_string().into_bytes()));
        run(&mut s, 0, rpush);
        assert_eq!(run(&mut s, 0, words("SLOWLOG LEN")), Reply::Integer(1), "the RPUSH's 160,003 arguments");
        run(&mut s, 0, words("SLOWLOG RESET"));
        run(&mut s, 0, words("LRANGE big 0 149999"));
        assert_eq!(run(&mut s, 0, words("SLOWLOG LEN")), Reply::Integer(1), "150,000 elements and 4 arguments");
        let Reply::Array(entries) = run(&mut s, 0, words("SLOWLOG GET")) else { panic!("entries") };
        let Reply::Array(entry) = &entries[0] else { panic!("an entry") };
        assert_eq!(entry[2], Reply::Integer(1 + 4 + 1 + 150_000));
        run(&mut s, 0, words("SLOWLOG RESET"));
        run(&mut s, 0, words("LRANGE big 0 149900"));
        assert_eq!(run(&mut s, 0, words("SLOWLOG LEN")), Reply::Integer(0), "149,901 elements are below");
    }

    /// Redis's "LATENCY of expire events are correctly collected": a big set expiring in the
    /// cycle is an `expire-cycle` event; small keys are not.
    #[test]
    fn an_expire_cycle_that_frees_a_big_value_is_a_latency_event() {
        let mut s = Server::new(Version::V7_0);
        s.connect(0);
        run(&mut s, 0, words("CONFIG SET latency-monitor-threshold 20"));
        let mut sadd = words("SADD big");
        sadd.extend((0..400_000).map(|i: u32| i.to_string().into_bytes()));
        run(&mut s, 0, sadd);
        run(&mut s, 0, words("SET small 1 PX 50"));
        run(&mut s, 0, words("PEXPIRE big 50"));
        s.tick(10);
        for t in (100..1000).step_by(100) {
            s.tick(t);
        }
        assert_eq!(run(&mut s, 1000, words("DBSIZE")), Reply::Integer(0));
        let Reply::Array(events) = run(&mut s, 1000, words("LATENCY LATEST")) else { panic!("an array") };
        let names: Vec<Reply> = events
            .iter()
            .filter_map(|e| match e {
                Reply::Array(fields) => fields.first().cloned(),
                _ => None,
            })
            .collect();
        assert!(names.contains(&Reply::bulk("expire-cycle")), "{events:?}");
    }
}
