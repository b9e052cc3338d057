//! Blocking commands: clients parked on keys, served by the writes that make them ready (first
//! blocked, first served) or timed out by `tick`.

use super::*;

/// A client parked by a blocking command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub db: usize,
    pub keys: Vec<Vec<u8>>,
    /// Absolute virtual ms; 0 waits forever.
    pub deadline_ms: u64,
    pub argv: Argv,
    /// The command that blocked (and its container), run again when a key it waits on is written.
    pub parent: Option<&'static CommandSpec>,
    pub spec: &'static CommandSpec,
    /// Blocking order: clients waiting on the same key are served first come, first served.
    pub order: u64,
    /// The integer a timeout answers; `None`: a null array.
    pub timeout_integer: Option<i64>,
    /// `WAIT`'s offset and number of replicas (see [`crate::error::BlockOn::acks`]).
    pub acks: Option<(u64, i64)>,
    /// Held by `CLIENT PAUSE`: run again from the start when the pause ends.
    pub postponed: bool,
}

impl Server {
    pub fn is_blocked(&self, client: ClientId) -> bool {
        self.blocked.contains_key(&client)
    }

    /// Lets time pass: blocked clients whose deadline is at or before `now_ms` get the null
    /// reply of a timed-out read. Returns those replies, in blocking order.
    pub fn tick(&mut self, now_ms: u64) -> Outcome {
        let mut out = Outcome::default();
        if self.pause.is_some_and(|p| now_ms >= p.end_ms) {
            self.pause = None;
            self.resume_postponed(now_ms, &mut out);
        }
        self.active_expire(now_ms, &mut out);
        self.failover_check(now_ms, &mut out);
        self.backup_cron(now_ms);
        let mut expired: Vec<(u64, ClientId)> = self
            .blocked
            .iter()
            .filter(|(_, b)| !b.postponed && b.deadline_ms != 0 && b.deadline_ms <= now_ms)
            .map(|(&id, b)| (b.order, id))
            .collect();
        expired.sort_unstable();
        for (_, client) in expired {
            let Some(b) = self.blocked.remove(&client) else { continue };
            let reply = self.timeout_reply(&b);
            out.effects.push(Effect::ClientUnblocked { client, timed_out: true });
            out.woken.push((client, reply));
        }
        self.tracking_deliver(&mut out);
        self.drop_silenced(&mut out.woken);
        out.written_by(self.config.version);
        out
    }

    /// What a blocked client gets when its time is up: `WAIT` the replicas that acknowledged by
    /// now, another command its integer or a null array.
    fn timeout_reply(&self, b: &Blocked) -> Reply {
        match (b.acks, b.timeout_integer) {
            (Some((offset, _)), _) => Reply::Integer(self.acks_at(offset)),
            (None, Some(n)) => Reply::Integer(n),
            (None, None) => Reply::NilArray,
        }
    }

    /// Answers the clients in `WAIT` that have their acknowledgements, first blocked first.
    pub(crate) fn serve_waits(&mut self, out: &mut Outcome) {
        let mut done: Vec<(u64, ClientId, i64)> = self
            .blocked
            .iter()
            .filter_map(|(&id, b)| {
                let (offset, wanted) = b.acks?;
                let have = self.acks_at(offset);
                (!b.postponed && have >= wanted).then_some((b.order, id, have))
            })
            .collect();
        done.sort_unstable();
        for (_, client, have) in done {
            self.blocked.remove(&client);
            out.effects.push(Effect::ClientUnblocked { client, timed_out: false });
            out.woken.push((client, Reply::Integer(have)));
        }
    }

    /// The earliest deadline among blocked clients, for a driver that sleeps until then.
    pub fn next_deadline(&self) -> Option<u64> {
        let failover = self.failover.as_ref().filter(|f| !f.in_progress).and_then(|f| f.end_ms);
        self.blocked
            .values()
            .map(|b| b.deadline_ms)
            .filter(|&d| d != 0)
            .chain(failover)
            .chain(self.backup_deadline())
            .min()
    }

    /// Runs again the commands of clients blocked on keys that were written, first blocked
    /// first served, until no more keys become ready.
    pub(super) fn serve_blocked(&mut self, now_ms: u64, out: &mut Outcome) {
        while !self.ready_keys.is_empty() {
            let ready = std::mem::take(&mut self.ready_keys);
            let mut waiting: Vec<(u64, ClientId)> = self
                .blocked
                .iter()
                .filter(|(_, b)| {
                    ready.iter().any(|(db, key)| *db == b.db && b.keys.contains(key) && self.serves(b, key))
                })
                .map(|(&id, b)| (b.order, id))
                .collect();
            waiting.sort_unstable();
            for (_, client) in waiting {
                // Out of the table while it runs again (a re-run that finds nothing parks anew).
                let Some(blocked) = self.blocked.remove(&client) else {
                    continue;
                };
                let reply = match self.wake_error_7_0(&blocked) {
                    Some(error) => {
                        // Counted as the blocked command's failure, as `updateStatsOnUnblock`
                        // counts it.
                        let name = crate::command::full_name(blocked.parent, blocked.spec);
                        self.count_call(name, 0, Some(&error), false, false);
                        Some(Reply::Error(error))
                    }
                    None => {
                        let (parent, spec) = (blocked.parent, blocked.spec);
                        self.rerunning = true;
                        let reply = self.call(now_ms, client, (parent, spec), &blocked.argv, out, None);
                        self.rerunning = false;
                        if reply.is_none() {
                            // Still nothing to serve: the client stays as it was, with its place
                            // in line, deadline and command line.
                            self.blocked.insert(client, blocked);
                        }
                        reply
                    }
                };
                // Each served client's pop travels on its own.
                self.feed_propagation(out, false);
                if let Some(reply) = reply {
                    self.blocked.remove(&client);
                    out.effects.push(Effect::ClientUnblocked { client, timed_out: false });
                    out.woken.push((client, reply));
                }
            }
        }
    }

    /// Whether a write to `key` can serve `blocked`: a command that waits for a key of a type
    /// (list and sorted-set pops) stays blocked on a key that became something else, and so does
    /// XREAD (Redis serves stream readers only from a stream); XREADGROUP runs again whatever
    /// happened, to hear that its stream or group went away.
    pub(super) fn serves(&self, blocked: &Blocked, key: &[u8]) -> bool {
        match blocked.spec.waits_for {
            Some(wanted) => self.dbs[blocked.db].get(key).is_some_and(|v| v.type_name() == wanted),
            None if blocked.parent.is_none() && blocked.spec.name == "xread" => {
                matches!(self.dbs[blocked.db].get(key), Some(Value::Stream(_)))
            }
            None => true,
        }
    }

    /// Redis 7.0 answers a blocked XREADGROUP with its own errors when the stream or the group
    /// went away (7.2 and later run the command again and give its usual error).
    pub(super) fn wake_error_7_0(&self, blocked: &Blocked) -> Option<String> {
        if self.version().at_least(7, 2) || !blocked.argv[0].eq_ignore_ascii_case(b"xreadgroup") {
            return None;
        }
        // The GROUP option comes before STREAMS, so its first occurrence is the option.
        let at = blocked.argv.iter().position(|a| a.eq_ignore_ascii_case(b"GROUP"))?;
        let group = &blocked.argv[at + 1];
        for key in &blocked.keys {
            match self.dbs[blocked.db].get(key) {
                Some(Value::Stream(s)) if !s.groups.contains_key(group) => {
                    return Some("NOGROUP the consumer group this client was blocked on no longer exists".into());
                }
                Some(Value::Stream(_)) => {}
                _ => return Some("UNBLOCKED the stream key no longer exists".into()),
            }
        }
        None
    }

    pub(super) fn park(
        &mut self,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        on: crate::error::BlockOn,
        out: &mut Outcome,
    ) {
        let db = self.clients.get(&client).map_or(0, |c| c.db);
        let order = self.next_block_order;
        self.next_block_order += 1;
        out.effects.push(Effect::ClientBlocked { client, db, keys: on.keys.clone(), deadline_ms: on.deadline_ms });
        let blocked = Blocked {
            db,
            keys: on.keys,
            deadline_ms: on.deadline_ms,
            argv: on.argv,
            parent,
            spec,
            order,
            timeout_integer: on.timeout_integer,
            acks: on.acks,
            postponed: false,
        };
        self.blocked.insert(client, blocked);
    }

    /// Holds a command until `CLIENT PAUSE` ends (Redis's `BLOCKED_POSTPONE`).
    pub(super) fn postpone(
        &mut self,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
        until_ms: u64,
        out: &mut Outcome,
    ) {
        let db = self.clients.get(&client).map_or(0, |c| c.db);
        let order = self.next_block_order;
        self.next_block_order += 1;
        out.effects.push(Effect::ClientBlocked { client, db, keys: Vec::new(), deadline_ms: until_ms });
        self.blocked.insert(
            client,
            Blocked {
                db,
                keys: Vec::new(),
                deadline_ms: until_ms,
                argv: argv.to_vec(),
                parent,
                spec,
                order,
                timeout_integer: None,
                acks: None,
                postponed: true,
            },
        );
    }

    /// The pause is over: held commands run, in the order they came.
    pub fn resume_postponed(&mut self, now_ms: u64, out: &mut Outcome) {
        let mut held: Vec<(u64, ClientId)> =
            self.blocked.iter().filter(|(_, b)| b.postponed).map(|(&id, b)| (b.order, id)).collect();
        held.sort_unstable();
        for (_, client) in held {
            let Some(b) = self.blocked.remove(&client) else { continue };
            out.effects.push(Effect::ClientUnblocked { client, timed_out: false });
            self.tracking.current = Some(client);
            let reply = self.process(now_ms, client, &b.argv, out, None);
            self.feed_propagation(out, true);
            match reply {
                Some(reply) => out.woken.push((client, reply)),
                // Blocked again (a blocking command with nothing to pop): it waits as usual.
                None if self.is_blocked(client) => {}
                None => out.woken.push((client, Reply::Many(Vec::new()))),
            }
        }
        self.tracking.current = None;
    }

    /// `CLIENT UNBLOCK`: a client waiting in a blocking command gets its timeout reply, or an
    /// `UNBLOCKED` error. False when it is not waiting (or only held by a pause).
    pub fn unblock_client(&mut self, client: ClientId, error: bool, out: &mut Outcome) -> bool {
        match self.blocked.get(&client) {
            Some(b) if !b.postponed => {}
            _ => return false,
        }
        let Some(b) = self.blocked.remove(&client) else { return false };
        let reply = if error {
            let text = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
            self.count_error(text);
            Reply::Error(text.into())
        } else {
            self.timeout_reply(&b)
        };
        out.effects.push(Effect::ClientUnblocked { client, timed_out: !error });
        out.woken.push((client, reply));
        true
    }
}
