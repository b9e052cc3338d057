//! Replication: what a primary sends its replicas and when it arrives, full and partial
//! resynchronisation, and what each engine is told of it (its link, offsets, replicas and their
//! acknowledgements) so that it answers `ROLE`, `INFO replication`, `WAIT` and `READONLY` itself;
//! `REPLICAOF` comes back from the engine as a change the world carries out.

#[allow(unused_imports)]
use super::*;

impl Deployment {
    /// Sends what a node propagated to its AOF and to its replicas.
    pub(super) fn propagate(&mut self, from: NodeId, commands: Vec<Argv>) {
        for argv in commands {
            let argv = Rc::new(argv);
            let node = &mut self.nodes[from];
            node.offset += resp_len(&argv);
            let offset_end = node.offset;
            node.record(offset_end, &argv);
            let replid = node.replid;
            let up = node.up;
            let targets: Vec<(NodeId, u64)> = self
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
    pub(super) fn send(
        &mut self,
        from: NodeId,
        to: NodeId,
        latency: u64,
        replid: u64,
        offset_end: u64,
        argv: Rc<Argv>,
    ) {
        self.seq += 1;
        let (at_ms, seq) = (self.now_ms + latency, self.seq);
        self.in_flight.push(InFlight { at_ms, seq, from, to, replid, offset_end, argv });
    }
    pub(super) fn route_woken(&mut self, node: NodeId, woken: Vec<(ClientId, Reply)>, events: &mut Vec<Event>) {
        for (id, reply) in woken {
            let Some(client) = self.clients.iter().position(|c| c.node == node && c.id == id).map(SimClientId::new)
            else {
                continue;
            };
            if let Some(actor) = self.actors.iter().position(|a| a.client == client && a.alive).map(ActorId::new) {
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
    /// Writes what the world knows of replication into each engine, which answers `ROLE`,
    /// `INFO replication` and `WAIT` and refuses writes on a replica from it: the link to its
    /// primary (up or down, and the connection that brings the stream), its offset, replication
    /// IDs and backlog, and on a primary one connection per connected replica, acknowledging
    /// what that replica has applied. Clients in `WAIT` that now have enough get their replies.
    pub(super) fn sync_roles(&mut self, events: &mut Vec<Event>) {
        let now = self.now_ms;
        for i in ids(&self.nodes, NodeId::new) {
            if !self.nodes[i].up {
                continue;
            }
            let master = match self.nodes[i].role {
                Role::Primary => self.nodes[i].unreachable_master.clone().map(|(host, port)| (host, port, false)),
                Role::Replica { of } => {
                    let up = self.nodes[of].up && self.link_between(of, i).is_some_and(|l| l.up);
                    Some((self.nodes[of].name.as_bytes().to_vec(), 6379, up))
                }
            };
            let n = &mut self.nodes[i];
            match master {
                None => *n.server.master_mut() = None,
                Some((host, port, up)) => {
                    let link = n.server.master_mut().get_or_insert_with(|| MasterLink::new(host.clone(), port));
                    if link.host != host || link.port != port {
                        *link = MasterLink::new(host, port);
                    }
                    if link.is_up() && !up {
                        link.down_since_ms = now;
                    }
                    link.client = up.then_some(n.link_client);
                }
            }
            let ids = (n.engine_replid != n.replid).then(|| {
                n.engine_replid = n.replid;
                let replid2 = n.replid2.map(|(id, upto)| (redsim_engine::server::replid_from(id), upto + 1));
                (redsim_engine::server::replid_from(n.replid), replid2)
            });
            let backlog = n.replicating.then(|| {
                let first = n.backlog.front().map_or(n.offset, |(end, argv)| end - resp_len(argv));
                (first + 1, n.offset - first)
            });
            n.server.set_replication(n.offset, ids, backlog);
        }
        let mut woken = Vec::new();
        for i in ids(&self.nodes, NodeId::new) {
            if !self.nodes[i].up {
                continue;
            }
            let replid = self.nodes[i].replid;
            let wanted: Vec<(NodeId, String, u64)> = self
                .links
                .iter()
                .filter(|l| l.primary == i && l.up)
                .map(|l| (l.replica, &self.nodes[l.replica]))
                .filter(|(_, r)| r.up && r.role == (Role::Replica { of: i }))
                .map(|(index, r)| (index, r.name.clone(), if r.replid == replid { r.offset } else { 0 }))
                .collect();
            let n = &mut self.nodes[i];
            let mut kept = Vec::with_capacity(wanted.len());
            for (r, id) in std::mem::take(&mut n.replica_clients) {
                if wanted.iter().any(|w| w.0 == r) && n.server.client(id).is_some() {
                    kept.push((r, id));
                } else {
                    n.server.disconnect(id);
                }
            }
            n.replica_clients = kept;
            for (r, name, acked) in wanted {
                let id = match n.replica_clients.iter().find(|(x, _)| *x == r) {
                    Some(&(_, id)) => id,
                    None => {
                        let id = n.server.connect(now);
                        if let Some(c) = n.server.client_mut(id) {
                            c.replica = Some(ReplicaLink {
                                listening_port: 6379,
                                acked_offset: 0,
                                ip: Some(name),
                                acked_ms: now,
                            });
                        }
                        n.replica_clients.push((r, id));
                        id
                    }
                };
                // A connected replica acknowledges every second: it is never late.
                let outcome = n.server.replica_acked(now, id, acked);
                if !outcome.woken.is_empty() {
                    woken.push((i, outcome.woken));
                }
            }
        }
        for (node, replies) in woken {
            self.route_woken(node, replies, events);
        }
    }
    /// `REPLICAOF NO ONE` typed on a replica: it becomes a primary with a new history (the old
    /// one kept as its second ID) and stops receiving; its old primary and the other replicas
    /// carry on as they were, so two primaries now take writes (what Sentinel's failover avoids by
    /// moving everyone over, see `promote`).
    pub(super) fn detach(&mut self, node: NodeId, events: &mut Vec<Event>) {
        let Role::Replica { of } = self.nodes[node].role else { return };
        let new_replid = self.new_replid();
        self.links.retain(|l| l.replica != node);
        self.in_flight.retain(|f| f.to != node);
        let old = self.nodes[of].name.clone();
        let n = &mut self.nodes[node];
        n.role = Role::Primary;
        n.replid2 = Some((n.replid, n.offset));
        n.replid = new_replid;
        let text = format!(
            "{} stops replicating {old} (REPLICAOF NO ONE) and takes writes of its own from offset {}",
            n.name, n.offset
        );
        events.push(Event { at_ms: self.now_ms, kind: EventKind::Failover, text });
    }
    /// Carries out what `REPLICAOF` told the engine of `node`: `None` makes it a primary, a host
    /// that names a node of the world (on port 6379) makes it that node's replica, any other
    /// leaves it waiting for a primary that never answers.
    pub(super) fn replicaof(&mut self, node: NodeId, change: Option<(Vec<u8>, u16)>, events: &mut Vec<Event>) {
        let Some((host, port)) = change else {
            self.nodes[node].unreachable_master = None;
            self.detach(node, events);
            return;
        };
        let primary = std::str::from_utf8(&host).ok().and_then(|h| self.node_index(h));
        match primary {
            Some(primary) if port == 6379 && primary != node => {
                self.nodes[node].unreachable_master = None;
                if self.nodes[primary].role == (Role::Replica { of: node }) {
                    // FAILOVER: the replica takes over the history first (Redis's `PSYNC
                    // FAILOVER`), then this node follows it.
                    events.push(Event {
                        at_ms: self.now_ms,
                        kind: EventKind::Failover,
                        text: format!(
                            "{} hands its role to {} (FAILOVER): {} has everything, so nothing is lost",
                            self.nodes[node].name, self.nodes[primary].name, self.nodes[primary].name
                        ),
                    });
                    self.promote_with(primary, false, events);
                } else {
                    self.repoint(node, primary, events);
                }
            }
            _ => {
                self.links.retain(|l| l.replica != node);
                let text = format!(
                    "{} now replicates {}:{port}, which is not in this world: its link stays down",
                    self.nodes[node].name,
                    String::from_utf8_lossy(&host)
                );
                let n = &mut self.nodes[node];
                n.role = Role::Primary;
                n.unreachable_master = Some((host, port));
                events.push(Event { at_ms: self.now_ms, kind: EventKind::Failover, text });
            }
        }
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
        let mut applied: BTreeMap<NodeId, usize> = BTreeMap::new();
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
    pub(super) fn full_sync(&mut self, replica: NodeId, primary: NodeId, events: &mut Vec<Event>) {
        if !self.nodes[primary].up
            || !self.nodes[replica].up
            || !self.link_between(primary, replica).is_some_and(|l| l.up)
        {
            return;
        }
        // The RDB a full copy carries: the data and the function libraries (not `EVAL`'s cache).
        let (offset, replid) = (self.nodes[primary].offset, self.nodes[primary].replid);
        let (source, r) = pair_mut(&mut self.nodes, primary, replica);
        r.server.load_dataset(&source.server);
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
    pub(super) fn resync(&mut self, replica: NodeId, primary: NodeId, events: &mut Vec<Event>) {
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
