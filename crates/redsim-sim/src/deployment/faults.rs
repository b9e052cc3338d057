//! Faults: a node crashing and restarting (from its AOF, its RDB or empty), links cut and healed,
//! actors killed, and the writes each of these loses.

#[allow(unused_imports)]
use super::*;

impl Deployment {
    /// The node stops at once, as when its machine fails: what was not fsynced is gone, what it
    /// was still sending its replicas never arrives, clients lose their connection.
    pub fn crash(&mut self, node: NodeId) -> Vec<Event> {
        self.in_flight.retain(|f| f.from != node && f.to != node);
        let n = &mut self.nodes[node];
        n.up = false;
        let unsynced = n.persistence.aof_buffer.len();
        n.persistence.aof_buffer.clear();
        let name = n.name.clone();
        let mut text = format!("{name} crashed");
        if unsynced > 0 {
            text.push_str(&format!(" ({unsynced} AOF command(s) not yet fsynced are gone)"));
        }
        if let Some(s) = &mut self.sentinel {
            if s.primary == node && s.state == Watch::Up {
                s.state = Watch::Silent { since_ms: self.now_ms };
            }
        }
        vec![Event { at_ms: self.now_ms, kind: EventKind::Fault, text }]
    }
    /// The node starts again from its disk: the AOF if it has one, else the last RDB snapshot,
    /// else empty. A replica then resynchronises from its primary.
    pub fn restart(&mut self, node: NodeId) -> Vec<Event> {
        let mut events = Vec::new();
        let now = self.now_ms;
        let version = self.version;
        let replid = self.new_replid();
        self.cluster_failed.retain(|&f| f != node);
        let n = &mut self.nodes[node];
        if n.up {
            return events;
        }
        let mut server = match &n.persistence.rdb {
            Some((_, snapshot)) => {
                let mut s = Server::new(version);
                s.load_dataset(snapshot);
                s
            }
            None => Server::new(version),
        };
        server.set_observe(false);
        let loader = server.connect(now);
        let rdb_offset = n.persistence.rdb.as_ref().map_or(0, |(o, _)| *o);
        let replay: Vec<Rc<Argv>> =
            if n.persistence.aof.is_some() { n.persistence.aof_disk.iter().cloned().collect() } else { Vec::new() };
        // An AOF that was rewritten starts from the snapshot; what follows is replayed on top.
        for argv in &replay {
            server.execute(now, loader, argv);
        }
        self.work += replay.len() as u64;
        server.disconnect(loader);
        let link_client = server.connect(now);
        let durable = n.persistence.durable_offset.max(if n.persistence.aof.is_some() { 0 } else { rdb_offset });
        // A cluster node keeps its configuration across the restart (Redis's nodes.conf).
        server.restore_cluster(n.server.take_cluster());
        server.cluster_restarted();
        n.server = server;
        n.link_client = link_client;
        n.replica_clients.clear();
        n.engine_replid = 0;
        n.up = true;
        n.epoch += 1;
        n.offset = durable;
        let old_replid = n.replid;
        n.replid = replid;
        n.backlog.clear();
        let name = n.name.clone();
        let source = match (&n.persistence.aof, &n.persistence.rdb) {
            (Some(p), _) => format!("its AOF (appendfsync {}, {} command(s))", p.name(), replay.len()),
            (None, Some(_)) => "its last RDB snapshot".to_string(),
            (None, None) => "nothing: it has no persistence and comes back empty".to_string(),
        };
        events.push(Event { at_ms: now, kind: EventKind::Fault, text: format!("{name} restarted from {source}") });
        let was_primary = n.is_primary();
        if was_primary {
            // Acknowledged writes past what the disk kept are gone.
            let lost: Vec<Write> = self
                .writes
                .iter()
                .filter(|w| w.node == node && w.replid == old_replid && w.offset_end > durable)
                .cloned()
                .collect();
            self.name_lost(&lost, &name, "not on disk when the node crashed", &mut events);
            self.writes.retain(|w| !(w.node == node && w.replid == old_replid && w.offset_end > durable));
            for w in self.writes.iter_mut().filter(|w| w.node == node && w.replid == old_replid) {
                w.replid = replid;
            }
            // Its replicas hold a history it no longer has: they resynchronise in full.
            let replicas: Vec<NodeId> = self.links.iter().filter(|l| l.primary == node).map(|l| l.replica).collect();
            for r in replicas {
                self.full_sync(r, node, &mut events);
            }
            if let Some(s) = &mut self.sentinel {
                if s.primary == node {
                    s.state = Watch::Up;
                }
            }
        } else if let Role::Replica { of } = self.nodes[node].role {
            self.full_sync(node, of, &mut events);
        }
        events
    }
    pub(super) fn name_lost(&mut self, lost: &[Write], node: &str, why: &str, events: &mut Vec<Event>) {
        for w in lost {
            self.lost.push(Lost {
                label: w.label.to_string(),
                node: node.to_string(),
                at_ms: w.at_ms,
                why: why.to_string(),
            });
        }
        if !lost.is_empty() {
            let labels: Vec<String> = lost.iter().take(8).map(|w| w.label.to_string()).collect();
            let more = if lost.len() > 8 { format!(" and {} more", lost.len() - 8) } else { String::new() };
            events.push(Event {
                at_ms: self.now_ms,
                kind: EventKind::Lost,
                text: format!("{} acknowledged write(s) lost ({why}): {}{more}", lost.len(), labels.join(", ")),
            });
        }
    }
    pub fn cut(&mut self, a: NodeId, b: NodeId) -> Vec<Event> {
        let now = self.now_ms;
        let mut changed = false;
        for l in
            self.links.iter_mut().filter(|l| (l.primary == a && l.replica == b) || (l.primary == b && l.replica == a))
        {
            changed |= l.up;
            l.up = false;
        }
        if !changed {
            return Vec::new();
        }
        vec![Event {
            at_ms: now,
            kind: EventKind::Fault,
            text: format!("the link between {} and {} is cut", self.nodes[a].name, self.nodes[b].name),
        }]
    }
    pub fn heal(&mut self, a: NodeId, b: NodeId) -> Vec<Event> {
        let mut events = Vec::new();
        let Some(i) =
            self.links.iter().position(|l| (l.primary == a && l.replica == b) || (l.primary == b && l.replica == a))
        else {
            return events;
        };
        if self.links[i].up {
            return events;
        }
        self.links[i].up = true;
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Fault,
            text: format!("the link between {} and {} is back", self.nodes[a].name, self.nodes[b].name),
        });
        let (p, r) = (self.links[i].primary, self.links[i].replica);
        if self.nodes[p].up && self.nodes[r].up {
            self.resync(r, p, &mut events);
        }
        events
    }
    /// Stops an actor for good (a consumer process that dies): its pending entries stay pending.
    pub fn kill_actor(&mut self, actor: ActorId) -> Vec<Event> {
        let a = &mut self.actors[actor];
        a.alive = false;
        let client = a.client;
        let name = a.name.clone();
        let node = self.clients[client].node;
        let id = self.clients[client].id;
        self.nodes[node].server.disconnect(id);
        vec![Event { at_ms: self.now_ms, kind: EventKind::Fault, text: format!("{name} crashed") }]
    }
}
