//! Actors: producers that `XADD` on a period and consumers that read, work, acknowledge, fail,
//! retry, claim and dead-letter, each driving commands on its own.

#[allow(unused_imports)]
use super::*;

impl Deployment {
    pub(super) fn actors_due(&mut self, events: &mut Vec<Event>) {
        let now = self.now_ms;
        for i in ids(&self.actors, ActorId::new) {
            let a = &self.actors[i];
            if !a.alive || a.next_at_ms > now {
                continue;
            }
            if matches!(&a.kind, ActorKind::Consumer(c) if c.state == ConsumerState::Waiting) {
                continue;
            }
            match self.actors[i].kind {
                ActorKind::Producer { .. } => self.produce(i, events),
                ActorKind::Reshard { .. } => self.reshard_due(i, events),
                ActorKind::Consumer(_) => self.consume(i, events),
            }
        }
    }
    pub(super) fn produce(&mut self, i: ActorId, events: &mut Vec<Event>) {
        let ActorKind::Producer { stream, fields, every_ms, remaining, maxlen, batch, produced } =
            self.actors[i].kind.clone()
        else {
            return;
        };
        if remaining == Some(0) {
            self.actors[i].alive = false;
            return;
        }
        let sends = remaining.map_or(batch, |r| r.min(batch)).max(1);
        let client = self.actors[i].client;
        // A batch is one step with one line in the log, not one line per XADD.
        let mut sent = Vec::new();
        let mut first_last: Option<(Vec<u8>, Vec<u8>)> = None;
        let (mut done, mut failed) = (0, 0);
        // One command line, reused: only the values with `{i}` change from one XADD to the next.
        let mut argv = vec![b"XADD".to_vec(), stream];
        if let Some((approx, len)) = maxlen {
            argv.push(b"MAXLEN".to_vec());
            if approx {
                argv.push(b"~".to_vec());
            }
            argv.push(len.to_string().into_bytes());
        }
        argv.push(b"*".to_vec());
        let values_at = argv.len() + 1;
        for (f, v) in &fields {
            argv.push(f.clone());
            argv.push(v.clone());
        }
        let templated: Vec<usize> =
            (0..fields.len()).filter(|&j| fields[j].1.windows(3).any(|w| w == b"{i}")).collect();
        for k in 1..=sends {
            let n = produced + k;
            for &j in &templated {
                let value = &mut argv[values_at + 2 * j];
                value.clear();
                fill_template(value, &fields[j].1, n);
            }
            self.quiet = k > 1;
            let reply = self.run_for(client, &argv, &mut sent);
            self.quiet = false;
            match reply {
                Some(Reply::Bulk(id)) => {
                    done += 1;
                    match &mut first_last {
                        None => first_last = Some((id.clone(), id)),
                        Some((_, last)) => *last = id,
                    }
                }
                _ => failed += 1,
            }
        }
        if sends == 1 {
            events.append(&mut sent);
        } else {
            let mut commands = sent.iter().filter(|e| e.kind == EventKind::Command);
            if let Some(first) = commands.next() {
                let range = first_last.map_or(String::new(), |(a, b)| {
                    format!(", IDs {} … {}", String::from_utf8_lossy(&a), String::from_utf8_lossy(&b))
                });
                let text = format!("{} (and {} more XADDs in one batch{range})", first.text, sends - 1);
                events.push(Event { at_ms: first.at_ms, kind: EventKind::Command, text });
            }
            events.extend(sent.into_iter().filter(|e| e.kind != EventKind::Command));
        }
        let a = &mut self.actors[i];
        a.done += done;
        a.failed += failed;
        if let ActorKind::Producer { produced, remaining, .. } = &mut a.kind {
            *produced += sends;
            if let Some(r) = remaining {
                *r -= sends;
            }
        }
        a.next_at_ms = self.now_ms + every_ms.max(1);
    }
    pub(super) fn consume(&mut self, i: ActorId, events: &mut Vec<Event>) {
        // The state moves out (the entries being processed are not copied); each arm sets the next.
        let ActorKind::Consumer(c) = &mut self.actors[i].kind else { return };
        let state = std::mem::replace(&mut c.state, ConsumerState::Idle);
        let c = c.clone();
        let client = self.actors[i].client;
        match state {
            ConsumerState::Processing(entries) => {
                // The XACK line is built as entries are processed, each ID moved into it.
                let mut argv = Vec::with_capacity(3 + entries.len());
                argv.extend([b"XACK".to_vec(), c.stream.clone(), c.group.clone()]);
                for entry in entries {
                    let poisoned =
                        c.poison.as_ref().is_some_and(|p| entry.body().windows(p.len()).any(|w| w == &p[..]));
                    let fails = poisoned || (c.fail_percent > 0 && splitmix(&mut self.rng) % 100 < c.fail_percent);
                    if fails {
                        self.actors[i].failed += 1;
                        if self.schedule_retry(i, &c, &entry.id, &entry.body(), events) {
                            argv.push(entry.id);
                        }
                    } else {
                        argv.push(entry.id);
                        self.actors[i].done += 1;
                    }
                }
                if c.ack && argv.len() > 3 {
                    self.run_for(client, &argv, events);
                }
                self.set_consumer_state(i, ConsumerState::Idle);
                self.actors[i].next_at_ms = self.now_ms;
            }
            ConsumerState::Idle => {
                self.requeue_due(i, &c, events);
                if let Some(min_idle) = c.claim_min_idle_ms {
                    let argv = vec![
                        b"XAUTOCLAIM".to_vec(),
                        c.stream.clone(),
                        c.group.clone(),
                        self.actors[i].name.clone().into_bytes(),
                        min_idle.to_string().into_bytes(),
                        b"0-0".to_vec(),
                        b"COUNT".to_vec(),
                        c.count.to_string().into_bytes(),
                    ];
                    let reply = self.run_for(client, &argv, events);
                    let claimed = match reply {
                        Some(Reply::Array(parts)) => match parts.into_iter().nth(1) {
                            Some(Reply::Array(entries)) => entries_of(entries),
                            _ => Vec::new(),
                        },
                        _ => Vec::new(),
                    };
                    let claimed = self.dead_letter(i, &c, claimed, events);
                    if !claimed.is_empty() {
                        self.start_processing(i, claimed);
                        return;
                    }
                }
                let mut argv = vec![
                    b"XREADGROUP".to_vec(),
                    b"GROUP".to_vec(),
                    c.group.clone(),
                    self.actors[i].name.clone().into_bytes(),
                    b"COUNT".to_vec(),
                    c.count.to_string().into_bytes(),
                    b"BLOCK".to_vec(),
                    c.block_ms.to_string().into_bytes(),
                ];
                if let Some(ms) = c.read_claim_ms {
                    argv.extend([b"CLAIM".to_vec(), ms.to_string().into_bytes()]);
                }
                argv.extend([b"STREAMS".to_vec(), c.stream.clone(), b">".to_vec()]);
                match self.run_for(client, &argv, events) {
                    None => self.set_consumer_state(i, ConsumerState::Waiting),
                    Some(reply) => self.actor_got(i, reply, events),
                }
            }
            ConsumerState::Waiting => self.set_consumer_state(i, ConsumerState::Waiting),
        }
    }
    /// Entries delivered more times than the dead-letter limit go to the dead-letter stream and
    /// are acknowledged; the rest are returned for processing.
    pub(super) fn dead_letter(
        &mut self,
        i: ActorId,
        c: &Consumer,
        entries: Vec<Delivered>,
        events: &mut Vec<Event>,
    ) -> Vec<Delivered> {
        let Some((dlq, max)) = c.dead_letter.clone() else { return entries };
        let client = self.actors[i].client;
        let mut keep = Vec::new();
        for entry in entries {
            let id = &entry.id;
            let argv =
                vec![b"XPENDING".to_vec(), c.stream.clone(), c.group.clone(), id.clone(), id.clone(), b"1".to_vec()];
            let deliveries = match self.run_for(client, &argv, events) {
                Some(Reply::Array(rows)) => match rows.first() {
                    Some(Reply::Array(row)) => match row.get(3) {
                        Some(Reply::Integer(n)) => *n as u64,
                        _ => 0,
                    },
                    _ => 0,
                },
                _ => 0,
            };
            if deliveries > max {
                let argv = vec![
                    b"XADD".to_vec(),
                    dlq.clone(),
                    b"*".to_vec(),
                    b"id".to_vec(),
                    id.clone(),
                    b"body".to_vec(),
                    entry.body(),
                ];
                self.run_for(client, &argv, events);
                let argv = vec![b"XACK".to_vec(), c.stream.clone(), c.group.clone(), id.clone()];
                self.run_for(client, &argv, events);
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Actor,
                    text: format!(
                        "{}: {} was delivered {deliveries} times; moved to {}",
                        self.actors[i].name,
                        String::from_utf8_lossy(id),
                        String::from_utf8_lossy(&dlq)
                    ),
                });
            } else {
                keep.push(entry);
            }
        }
        keep
    }
    /// A failed entry goes to the retry set, due after the base delay doubled per attempt (or to
    /// the dead-letter stream once the attempts run out). True when it was handed over (so the
    /// entry itself can be acknowledged).
    pub(super) fn schedule_retry(
        &mut self,
        i: ActorId,
        c: &Consumer,
        id: &[u8],
        body: &[u8],
        events: &mut Vec<Event>,
    ) -> bool {
        let Some((set, base)) = c.retry.clone() else { return false };
        let client = self.actors[i].client;
        // The attempt number travels in the entry as its first field pair: `attempt n ...`.
        let text = String::from_utf8_lossy(body).into_owned();
        let (attempt, rest) = match text.strip_prefix("attempt ").and_then(|t| t.split_once(' ')) {
            Some((n, rest)) => (n.parse::<u64>().unwrap_or(0), rest.to_string()),
            None => (0, text.clone()),
        };
        if let Some((dlq, max)) = &c.dead_letter {
            if attempt + 1 >= *max {
                let mut argv = vec![b"XADD".to_vec(), dlq.clone(), b"*".to_vec(), b"id".to_vec(), id.to_vec()];
                argv.extend([b"body".to_vec(), rest.into_bytes()]);
                self.run_for(client, &argv, events);
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Actor,
                    text: format!(
                        "{}: {} failed {} times; moved to {}",
                        self.actors[i].name,
                        String::from_utf8_lossy(id),
                        attempt + 1,
                        String::from_utf8_lossy(dlq)
                    ),
                });
                return true;
            }
        }
        let due = self.now_ms + base.saturating_mul(1 << attempt.min(20));
        let member = format!("{}|{}", attempt + 1, rest);
        let argv = vec![b"ZADD".to_vec(), set.clone(), due.to_string().into_bytes(), member.into_bytes()];
        self.run_for(client, &argv, events);
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Actor,
            text: format!(
                "{}: {} failed; retry #{} due in {} ms",
                self.actors[i].name,
                String::from_utf8_lossy(id),
                attempt + 1,
                due - self.now_ms
            ),
        });
        true
    }
    /// Puts the retries that are due back into the stream.
    pub(super) fn requeue_due(&mut self, i: ActorId, c: &Consumer, events: &mut Vec<Event>) {
        let Some((set, _)) = c.retry.clone() else { return };
        let client = self.actors[i].client;
        let argv = vec![
            b"ZRANGEBYSCORE".to_vec(),
            set.clone(),
            b"-inf".to_vec(),
            self.now_ms.to_string().into_bytes(),
            b"LIMIT".to_vec(),
            b"0".to_vec(),
            c.count.to_string().into_bytes(),
        ];
        let Some(Reply::Array(due)) = self.run_for(client, &argv, events) else { return };
        for member in due.iter().filter_map(bulk_text) {
            let text = String::from_utf8_lossy(&member).into_owned();
            let Some((attempt, rest)) = text.split_once('|') else { continue };
            let mut argv = vec![
                b"XADD".to_vec(),
                c.stream.clone(),
                b"*".to_vec(),
                b"attempt".to_vec(),
                attempt.as_bytes().to_vec(),
            ];
            argv.extend(rest.split(' ').filter(|w| !w.is_empty()).map(|w| w.as_bytes().to_vec()));
            if argv.len() % 2 == 0 {
                // An odd number of words cannot be field/value pairs: keep the body as one value.
                argv.truncate(5);
                argv.extend([b"body".to_vec(), rest.as_bytes().to_vec()]);
            }
            self.run_for(client, &argv, events);
            self.run_for(client, &[b"ZREM".to_vec(), set.clone(), member.clone()], events);
        }
    }
    pub(super) fn set_consumer_state(&mut self, i: ActorId, state: ConsumerState) {
        if let ActorKind::Consumer(c) = &mut self.actors[i].kind {
            c.state = state;
        }
    }
    pub(super) fn start_processing(&mut self, i: ActorId, entries: Vec<Delivered>) {
        let ActorKind::Consumer(c) = &self.actors[i].kind else { return };
        let until = self.now_ms + c.process_ms * entries.len() as u64;
        self.set_consumer_state(i, ConsumerState::Processing(entries));
        self.actors[i].next_at_ms = until.max(self.now_ms + 1);
    }
    /// A reply reached an actor (at once, or when its blocked read was served or timed out).
    pub(super) fn actor_got(&mut self, i: ActorId, reply: Reply, events: &mut Vec<Event>) {
        if !matches!(self.actors[i].kind, ActorKind::Consumer(_)) {
            return;
        }
        let error = reply.is_error();
        let entries = read_entries(reply);
        if self.actors[i].kind_waiting() && !entries.is_empty() {
            let ids: Vec<String> =
                entries.iter().take(5).map(|e| String::from_utf8_lossy(&e.id).into_owned()).collect();
            let more = if entries.len() > 5 { format!(" and {} more", entries.len() - 5) } else { String::new() };
            events.push(Event {
                at_ms: self.now_ms,
                kind: EventKind::Command,
                text: format!("{} was woken with {}{more}", self.actors[i].name, ids.join(", ")),
            });
        }
        if entries.is_empty() {
            self.set_consumer_state(i, ConsumerState::Idle);
            // An error (the group is gone, the node is down) is retried after a pause.
            self.actors[i].next_at_ms = self.now_ms + if error { 1000 } else { 0 };
        } else {
            self.start_processing(i, entries);
        }
    }
}
