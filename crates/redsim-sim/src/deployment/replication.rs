//! Replication: what a primary sends its replicas and when it arrives, full and partial
//! resynchronisation, `ROLE`, `INFO replication`, `WAIT` and `REPLICAOF` as the world answers them.

#[allow(unused_imports)]
use super::*;

impl Deployment {
    /// Sends what a node propagated to its AOF and to its replicas.
    pub(super) fn propagate(&mut self, from: usize, commands: Vec<Argv>) {
        for argv in commands {
            let argv = Rc::new(argv);
            let node = &mut self.nodes[from];
            node.offset += resp_len(&argv);
            let offset_end = node.offset;
            node.record(offset_end, &argv);
            let replid = node.replid;
            let up = node.up;
            let targets: Vec<(usize, u64)> = self
                .links
                .iter()
                .filter(|l| l.primary == from && l.up && up && self.nodes[l.replica].up)
                .map(|l| (l.replica, l.latency_ms))
                .collect();
            for (to, latency) in targets {
                self.send(from, to, latency, replid, offset_end, argv.clone());
            }
        }
    }
    /// Puts a replication message on the link from `from` to `to`, arriving after `latency`.
    pub(super) fn send(&mut self, from: usize, to: usize, latency: u64, replid: u64, offset_end: u64, argv: Rc<Argv>) {
        self.seq += 1;
        let (at_ms, seq) = (self.now_ms + latency, self.seq);
        self.in_flight.push(InFlight { at_ms, seq, from, to, replid, offset_end, argv });
    }
    pub(super) fn route_woken(&mut self, node: usize, woken: Vec<(ClientId, Reply)>, events: &mut Vec<Event>) {
        for (id, reply) in woken {
            let Some(client) = self.clients.iter().position(|c| c.node == node && c.id == id) else { continue };
            if let Some(actor) = self.actors.iter().position(|a| a.client == client && a.alive) {
                self.actor_got(actor, reply, events);
            } else {
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Command,
                    text: format!("{} received: {}", self.clients[client].name, short_reply(&reply)),
                });
            }
        }
    }
    pub(super) fn role_reply(&self, node: usize) -> Reply {
        let n = &self.nodes[node];
        match n.role {
            Role::Primary => {
                let replicas = self
                    .links
                    .iter()
                    .filter(|l| l.primary == node)
                    .map(|l| {
                        Reply::Array(vec![
                            Reply::bulk(&self.nodes[l.replica].name),
                            Reply::bulk("6379"),
                            Reply::bulk(self.nodes[l.replica].offset.to_string()),
                        ])
                    })
                    .collect();
                Reply::Array(vec![Reply::bulk("master"), Reply::Integer(n.offset as i64), Reply::Array(replicas)])
            }
            Role::Replica { of } => {
                let connected = self.nodes[of].up && self.link_between(of, node).is_some_and(|l| l.up);
                Reply::Array(vec![
                    Reply::bulk("slave"),
                    Reply::bulk(&self.nodes[of].name),
                    Reply::Integer(6379),
                    Reply::bulk(if connected { "connected" } else { "connect" }),
                    Reply::Integer(n.offset as i64),
                ])
            }
        }
    }
    /// `INFO replication` as this node would write it.
    pub(super) fn info_replication(&self, node: usize) -> String {
        let n = &self.nodes[node];
        let mut out = String::from("# Replication\r\n");
        match n.role {
            Role::Primary => {
                let replicas: Vec<&Link> = self.links.iter().filter(|l| l.primary == node).collect();
                out.push_str(&format!(
                    "role:master\r\nconnected_slaves:{}\r\n",
                    replicas.iter().filter(|l| l.up && self.nodes[l.replica].up).count()
                ));
                for (i, l) in replicas.iter().filter(|l| l.up && self.nodes[l.replica].up).enumerate() {
                    let r = &self.nodes[l.replica];
                    out.push_str(&format!(
                        "slave{i}:ip={},port=6379,state=online,offset={},lag=0\r\n",
                        r.name, r.offset
                    ));
                }
            }
            Role::Replica { of } => {
                let p = &self.nodes[of];
                let up = p.up && self.link_between(of, node).is_some_and(|l| l.up);
                out.push_str(&format!(
                    "role:slave\r\nmaster_host:{}\r\nmaster_port:6379\r\nmaster_link_status:{}\r\nslave_repl_offset:{}\r\nslave_read_only:1\r\nconnected_slaves:0\r\n",
                    p.name,
                    if up { "up" } else { "down" },
                    n.offset
                ));
            }
        }
        out.push_str(&format!("master_replid:{:040x}\r\nmaster_repl_offset:{}\r\n", n.replid, n.offset));
        let first = n.backlog.front().map_or(n.offset, |(end, argv)| end - resp_len(argv));
        out.push_str(&format!(
            "repl_backlog_active:1\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
            first + 1,
            n.offset - first
        ));
        out
    }
    pub(super) fn replicas_at(&self, primary: usize, offset: u64) -> usize {
        let replid = self.nodes[primary].replid;
        self.links
            .iter()
            .filter(|l| l.primary == primary)
            .filter(|l| {
                let r = &self.nodes[l.replica];
                r.up && r.replid == replid && r.offset >= offset
            })
            .count()
    }
    /// `WAIT numreplicas timeout`: answered at once when enough replicas have the client's writes,
    /// else when they do or the timeout passes.
    pub(super) fn wait(&mut self, client: usize, argv: &[Vec<u8>]) -> Option<Reply> {
        if argv.len() != 3 {
            return Some(Reply::Error("ERR wrong number of arguments for 'wait' command".into()));
        }
        let parse = |a: &[u8]| std::str::from_utf8(a).ok().and_then(|s| s.parse::<i64>().ok());
        let (Some(wanted), Some(timeout)) = (parse(&argv[1]), parse(&argv[2])) else {
            return Some(Reply::Error("ERR value is not an integer or out of range".into()));
        };
        if timeout < 0 {
            return Some(Reply::Error("ERR timeout is negative".into()));
        }
        let node = self.clients[client].node;
        if !self.nodes[node].is_primary() {
            return Some(Reply::Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.".into()));
        }
        let offset = self.nodes[node].offset;
        let have = self.replicas_at(node, offset);
        if have as i64 >= wanted {
            return Some(Reply::Integer(have as i64));
        }
        let deadline = if timeout == 0 { u64::MAX } else { self.now_ms + timeout as u64 };
        self.clients[client].waiting = Some((wanted.max(0) as usize, offset, deadline));
        None
    }
    /// Replies due to clients in `WAIT`, as `(client, reply)`.
    pub(super) fn check_waits(&mut self, events: &mut Vec<Event>) {
        for i in 0..self.clients.len() {
            let Some((wanted, offset, deadline)) = self.clients[i].waiting else { continue };
            let node = self.clients[i].node;
            let have = self.replicas_at(node, offset);
            if have >= wanted || self.now_ms >= deadline {
                self.clients[i].waiting = None;
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Command,
                    text: format!("{}: WAIT answered (integer) {have}", self.clients[i].name),
                });
            }
        }
    }
    pub(super) fn replicaof(&mut self, node: usize, argv: &[Vec<u8>], events: &mut Vec<Event>) -> Reply {
        if argv.len() != 3 {
            return Reply::Error(format!(
                "ERR wrong number of arguments for '{}' command",
                String::from_utf8_lossy(&argv[0]).to_ascii_lowercase()
            ));
        }
        if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
            if self.nodes[node].is_primary() {
                return Reply::status("OK");
            }
            self.promote(node, events);
            return Reply::ok();
        }
        let Some(primary) = self.node_index(&String::from_utf8_lossy(&argv[1])) else {
            return Reply::Error("ERR Invalid master address".into());
        };
        if primary == node {
            return Reply::Error("ERR Invalid master address".into());
        }
        self.repoint(node, primary, events);
        Reply::ok()
    }
    pub(super) fn deliver_due(&mut self, events: &mut Vec<Event>) {
        let now = self.now_ms;
        let mut due: Vec<InFlight> = Vec::new();
        self.in_flight.retain(|f| {
            if f.at_ms <= now {
                due.push(f.clone());
                false
            } else {
                true
            }
        });
        due.sort_by_key(|f| (f.at_ms, f.seq));
        let mut applied: BTreeMap<usize, usize> = BTreeMap::new();
        for f in due {
            let link_ok = self.link_between(f.from, f.to).is_some_and(|l| l.up);
            let to = &self.nodes[f.to];
            // A message on a link that broke, or from an old history, never arrives.
            if !link_ok || !to.up || to.replid != f.replid || to.role != (Role::Replica { of: f.from }) {
                continue;
            }
            if f.offset_end <= to.offset {
                continue;
            }
            let id = to.link_client;
            let outcome = self.nodes[f.to].server.execute(f.at_ms, id, &f.argv);
            self.work += 1;
            let node = &mut self.nodes[f.to];
            node.offset = f.offset_end;
            node.record(f.offset_end, &f.argv);
            self.route_woken(f.to, outcome.woken, events);
            *applied.entry(f.to).or_default() += 1;
        }
        for (to, n) in applied {
            events.push(Event {
                at_ms: now,
                kind: EventKind::Replicated,
                text: format!(
                    "{} applied {n} command(s) from the replication stream (offset {})",
                    self.nodes[to].name, self.nodes[to].offset
                ),
            });
        }
    }
    /// A replica takes a full copy of its primary's data.
    pub(super) fn full_sync(&mut self, replica: usize, primary: usize, events: &mut Vec<Event>) {
        if !self.nodes[primary].up
            || !self.nodes[replica].up
            || !self.link_between(primary, replica).is_some_and(|l| l.up)
        {
            return;
        }
        let dbs = self.nodes[primary].server.dbs.clone();
        let scripts = self.nodes[primary].server.scripts.clone();
        let (offset, replid) = (self.nodes[primary].offset, self.nodes[primary].replid);
        let r = &mut self.nodes[replica];
        r.server.dbs = dbs;
        r.server.scripts = scripts;
        r.offset = offset;
        r.replid = replid;
        r.backlog.clear();
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Replicated,
            text: format!(
                "{} took a full copy of {} (offset {offset})",
                self.nodes[replica].name, self.nodes[primary].name
            ),
        });
    }
    /// Resynchronises a replica whose link came back: the missed commands from the backlog when
    /// it still has them, else a full copy.
    pub(super) fn resync(&mut self, replica: usize, primary: usize, events: &mut Vec<Event>) {
        let (r_offset, r_replid) = (self.nodes[replica].offset, self.nodes[replica].replid);
        let p = &self.nodes[primary];
        let start_ok = p.backlog.front().map_or(p.offset == r_offset, |(end, argv)| end - resp_len(argv) <= r_offset);
        let same_history =
            r_replid == p.replid || p.replid2.is_some_and(|(id, upto)| id == r_replid && r_offset <= upto);
        if same_history && start_ok && r_offset <= p.offset {
            self.nodes[replica].replid = self.nodes[primary].replid;
            let p = &self.nodes[primary];
            let latency = self.link_between(primary, replica).map_or(0, |l| l.latency_ms);
            let missed: Vec<(u64, Rc<Argv>)> = p.backlog.iter().filter(|(end, _)| *end > r_offset).cloned().collect();
            let count = missed.len();
            let replid = p.replid;
            for (offset_end, argv) in missed {
                self.send(primary, replica, latency, replid, offset_end, argv);
            }
            events.push(Event {
                at_ms: self.now_ms,
                kind: EventKind::Replicated,
                text: format!(
                    "{} continues from offset {r_offset}: a partial resynchronisation ({count} command(s) from {}'s backlog)",
                    self.nodes[replica].name, self.nodes[primary].name
                ),
            });
        } else {
            self.full_sync(replica, primary, events);
        }
    }
}
