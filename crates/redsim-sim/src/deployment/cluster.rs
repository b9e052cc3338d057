//! Redis Cluster in the world: primaries that are cluster nodes (each engine keeps its own view
//! and answers `MOVED`, `ASK` and the `CLUSTER` commands), what they tell each other on the
//! cluster bus (carried here with the nodes' latency), cluster-aware clients that keep a slot map and follow redirections, and
//! resharding a slot key by key as `redis-cli --cluster reshard` does.

#[allow(unused_imports)]
use super::*;
use redsim_engine::cluster::{key_slot, SLOTS};

/// How a resharding goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReshardStep {
    /// `SETSLOT IMPORTING` on the target, `MIGRATING` on the source.
    Open,
    /// One key at a time, as `MIGRATE` moves it.
    Moving,
    /// `SETSLOT NODE` on both: the target owns the slot.
    Close,
}

impl Deployment {
    /// Makes these primaries one Redis Cluster, the slots split as `redis-cli --cluster create`
    /// splits them and each node's config epoch its place; they know each other at once.
    pub fn make_cluster(&mut self, members: &[NodeId]) {
        let count = members.len().max(1);
        let per_node = SLOTS as f64 / count as f64;
        let (mut first, mut cursor) = (0usize, 0f64);
        for (i, &n) in members.iter().enumerate() {
            let mut last = (cursor + per_node - 1.0).round() as usize;
            if last >= SLOTS || i == count - 1 {
                last = SLOTS - 1;
            }
            last = last.max(first);
            let seed = self.rng ^ (n.index() as u64 + 1).wrapping_mul(0x9e37_79b9);
            let name = self.nodes[n].name.clone();
            let server = &mut self.nodes[n].server;
            server.enable_cluster(seed, &name, 6379);
            let c = server.cluster_mut().expect("just enabled");
            c.nodes[0].config_epoch = i as u64 + 1;
            c.current_epoch = i as u64 + 1;
            for slot in first..=last {
                c.assign(slot as u16, Some(0));
            }
            first = last + 1;
            cursor += per_node;
        }
        self.cluster = members.to_vec();
        // The primaries' replicas join as their replicas (what CLUSTER REPLICATE makes them).
        let replicas: Vec<(NodeId, NodeId)> =
            self.links.iter().filter(|l| members.contains(&l.primary)).map(|l| (l.replica, l.primary)).collect();
        for (r, p) in replicas {
            let seed = self.rng ^ (r.index() as u64 + 1).wrapping_mul(0x9e37_79b9);
            let name = self.nodes[r].name.clone();
            let primary_id = self.nodes[p].server.cluster().map(|c| c.myself().id.clone());
            let server = &mut self.nodes[r].server;
            server.enable_cluster(seed, &name, 6379);
            let c = server.cluster_mut().expect("just enabled");
            c.nodes[0].replica_of = primary_id;
            self.cluster.push(r);
        }
        let timeout = self.node_timeout_ms.to_string().into_bytes();
        for &n in &self.cluster {
            let _ = self.nodes[n].server.configure(&[(b"cluster-node-timeout".to_vec(), timeout.clone())]);
        }
        self.introduce_all();
    }

    /// The cluster bus's turn (each node's `clusterCron` and the messages that have arrived):
    /// the nodes ping each other, suspect and fail a node that does not answer, and a replica of
    /// a failed primary wins an election for its slots. All of it is the engines' rules; the
    /// world carries their messages with the latency of the nodes' links, and to a node that is
    /// down not at all.
    pub(super) fn cluster_due(&mut self, events: &mut Vec<Event>) {
        if self.cluster.is_empty() {
            return;
        }
        let now = self.now_ms;
        let mut due: Vec<BusInFlight> = Vec::new();
        self.bus.retain(|m| {
            if m.at_ms <= now {
                due.push(m.clone());
                false
            } else {
                true
            }
        });
        due.sort_by_key(|m| (m.at_ms, m.seq));
        for m in due {
            if self.nodes[m.to].up {
                let turn = self.nodes[m.to].server.cluster_receive(&m.message, now);
                self.bus_turn(m.to, turn, events);
            }
        }
        for n in self.cluster.clone() {
            if self.nodes[n].up && self.nodes[n].server.cluster_next_due().is_some_and(|d| d <= now) {
                let turn = self.nodes[n].server.cluster_cron(now);
                self.bus_turn(n, turn, events);
            }
        }
    }

    /// Carries out what a node's bus turn produced: its messages set off, a failure it is the
    /// first to declare told in the log, a promotion carried into the replication world.
    fn bus_turn(&mut self, node: NodeId, turn: redsim_engine::server::cluster_bus::BusTurn, events: &mut Vec<Event>) {
        for message in turn.messages {
            self.bus_send(node, message);
        }
        for id in turn.failed {
            let Some(failed) = self.cluster_node_by_id(&id) else { continue };
            if !self.cluster_failed.contains(&failed) {
                self.cluster_failed.push(failed);
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Failover,
                    text: format!(
                        "the cluster fails {}: silent for cluster-node-timeout ({} ms) and reported by a majority of primaries; its slots are not served (CLUSTERDOWN)",
                        self.nodes[failed].name, self.node_timeout_ms
                    ),
                });
            }
        }
        if turn.promoted {
            let old = match self.nodes[node].role {
                Role::Replica { of } => of,
                Role::Primary => node,
            };
            events.push(Event {
                at_ms: self.now_ms,
                kind: EventKind::Failover,
                text: format!(
                    "{} wins the election for {}'s slots: the primaries' votes, a new config epoch and its primary's slots",
                    self.nodes[node].name, self.nodes[old].name
                ),
            });
            self.promote(node, events);
        }
    }

    /// Puts a bus message on its way; it arrives after the larger of the two nodes' latencies.
    fn bus_send(&mut self, from: NodeId, message: redsim_engine::server::cluster_bus::BusMessage) {
        let Some(to) = self.cluster_node_by_id(&message.to) else { return };
        let latency = self.nodes[from].latency_ms.max(self.nodes[to].latency_ms).max(1);
        self.seq += 1;
        self.bus.push(BusInFlight { at_ms: self.now_ms + latency, seq: self.seq, to, message });
    }

    /// The world's node whose engine has this cluster id.
    fn cluster_node_by_id(&self, id: &str) -> Option<NodeId> {
        self.cluster.iter().copied().find(|&n| self.nodes[n].server.cluster().is_some_and(|c| c.myself().id == id))
    }

    /// A node whose configuration changed (a command, a resharding step) tells the others, over
    /// the bus.
    pub(super) fn announce_changes(&mut self, node: NodeId) {
        if !self.nodes[node].up {
            return;
        }
        let turn = self.nodes[node].server.cluster_announce_change();
        for message in turn.messages {
            self.bus_send(node, message);
        }
    }

    /// When the cluster bus next has something to do.
    pub(super) fn cluster_next_due(&self) -> Option<u64> {
        let arriving = self.bus.iter().map(|m| m.at_ms).min();
        let cron = self
            .cluster
            .iter()
            .filter(|&&n| self.nodes[n].up)
            .filter_map(|&n| self.nodes[n].server.cluster_next_due())
            .min();
        [arriving, cron].into_iter().flatten().min()
    }

    /// Introduces every cluster node to every other at once (the cluster as `redis-cli --cluster
    /// create` leaves it, before the scenario starts).
    fn introduce_all(&mut self) {
        let now = self.now_ms;
        for _ in 0..2 {
            let said: Vec<(NodeId, redsim_engine::cluster::Announce)> =
                self.cluster.iter().filter_map(|&n| self.nodes[n].server.cluster_announce().map(|a| (n, a))).collect();
            for (from, a) in &said {
                for &n in &self.cluster {
                    if n != *from {
                        self.nodes[n].server.cluster_hear(a, now);
                    }
                }
            }
        }
    }

    /// A client that keeps a slot map, taken from the cluster as it is now, and follows
    /// `MOVED` (updating the map) and `ASK` (for one command, after `ASKING`).
    pub fn make_cluster_aware(&mut self, client: SimClientId) {
        let node = self.clients[client].node;
        self.refresh_map(client, node);
    }

    /// A cluster client's slot map, as `CLUSTER SLOTS` on `node` tells it.
    fn refresh_map(&mut self, client: SimClientId, node: NodeId) {
        let Some(view) = self.nodes[node].server.cluster() else { return };
        let mut map = vec![u16::MAX; SLOTS];
        for (first, last, owner) in view.runs() {
            let name = &view.nodes[owner].ip;
            if let Some(n) = self.node_index(name) {
                for slot in first..=last {
                    map[usize::from(slot)] = n.index() as u16;
                }
            }
        }
        self.clients[client].slot_map = Some(map);
    }

    /// Moves a client's connection to another node (a cluster client talking to the node that
    /// serves the key).
    fn move_client(&mut self, client: SimClientId, node: NodeId) {
        let c = &self.clients[client];
        if c.node == node {
            return;
        }
        let (old, id, epoch) = (c.node, c.id, c.epoch);
        if epoch == self.nodes[old].epoch {
            self.nodes[old].server.disconnect(id);
        }
        let c = &mut self.clients[client];
        c.node = node;
        c.epoch = u64::MAX;
    }

    /// Runs a command for a client: a cluster-aware one goes to the node its map says serves the
    /// key and follows redirections, each told in the log.
    pub(super) fn run_for(&mut self, client: SimClientId, argv: &[Vec<u8>], events: &mut Vec<Event>) -> Option<Reply> {
        self.hops.clear();
        let reply = self.run_routed(client, argv, events);
        // The request as the slot map shows it: its slot, and each node it went to.
        if !self.hops.is_empty() {
            let keys = self.nodes[self.clients[client].node].server.keys_of(argv);
            let mut slots: Vec<u16> = keys.iter().map(|k| key_slot(k)).collect();
            slots.sort_unstable();
            slots.dedup();
            if let [slot] = slots[..] {
                let client = self.clients[client].name.clone();
                self.last_request = Some(SlotRequest { client, slot, hops: std::mem::take(&mut self.hops) });
            }
        }
        reply
    }

    /// [`Deployment::run_for`] without keeping the request for the pictures.
    fn run_routed(&mut self, client: SimClientId, argv: &[Vec<u8>], events: &mut Vec<Event>) -> Option<Reply> {
        let Some(map) = &self.clients[client].slot_map else { return self.run_on_node(client, argv, events) };
        let keys = self.nodes[self.clients[client].node].server.keys_of(argv);
        if let Some(key) = keys.first() {
            let target = usize::from(map[usize::from(key_slot(key))]);
            if target < self.nodes.len() {
                self.move_client(client, NodeId::new(target));
            }
        }
        let mut reply = self.run_on_node(client, argv, events);
        // A node that does not answer: the client asks another for the slots and tries again.
        if matches!(&reply, Some(Reply::Error(e)) if e.starts_with("Could not connect")) {
            let down = self.clients[client].node;
            if let Some(other) = self.cluster.iter().copied().find(|&n| n != down && self.nodes[n].up) {
                let name = self.clients[client].name.clone();
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Command,
                    text: format!(
                        "{name} cannot reach {}: it asks {} for CLUSTER SLOTS and tries again",
                        self.nodes[down].name, self.nodes[other].name
                    ),
                });
                self.refresh_map(client, other);
                let keys = self.nodes[other].server.keys_of(argv);
                let target = keys.first().and_then(|k| self.clients[client].slot_owner(key_slot(k)));
                self.move_client(client, target.filter(|t| t.index() < self.nodes.len()).unwrap_or(other));
                reply = self.run_on_node(client, argv, events);
            }
        }
        for _ in 0..5 {
            let Some(Reply::Error(text)) = &reply else { break };
            let mut words = text.split(' ');
            let (kind, slot, at) = (words.next(), words.next(), words.next());
            let (Some(kind @ ("MOVED" | "ASK")), Some(slot), Some(at)) = (kind, slot, at) else { break };
            let (Ok(slot), Some(host)) = (slot.parse::<u16>(), at.rsplit_once(':').map(|(h, _)| h)) else { break };
            let Some(target) = self.node_index(host) else { break };
            let name = self.clients[client].name.clone();
            let text = if kind == "MOVED" {
                if let Some(map) = self.clients[client].slot_map.as_mut() {
                    map[usize::from(slot)] = target.index() as u16;
                }
                format!("{name} follows MOVED: slot {slot} is on {host} (its slot map updated)")
            } else {
                format!("{name} follows ASK: slot {slot} is moving to {host}; ASKING there for this command")
            };
            events.push(Event { at_ms: self.now_ms, kind: EventKind::Command, text });
            self.move_client(client, target);
            if kind == "ASK" {
                let quiet = std::mem::replace(&mut self.quiet, true);
                self.run_on_node(client, &[b"ASKING".to_vec()], events);
                self.quiet = quiet;
            }
            reply = self.run_on_node(client, argv, events);
        }
        reply
    }

    /// `MIGRATE` from a node: its commands run on the target node of the world (by name, port
    /// 6379) over a connection of their own, and the source finishes with the target's replies.
    pub(super) fn carry_migrate(
        &mut self,
        from: NodeId,
        client: ClientId,
        m: &redsim_engine::server::Migrate,
        events: &mut Vec<Event>,
    ) -> Option<Reply> {
        let now = self.now_ms;
        let known = self.node_index(&m.host).filter(|&t| m.port == 6379 && t != from);
        let target = known.filter(|&t| self.nodes[t].up);
        let answer = match target {
            // A node that is down refuses the connection, which Redis finds out when it writes.
            None if known.is_some() => Err(redsim_engine::server::MigrateFailure::Writing),
            None => Err(redsim_engine::server::MigrateFailure::Connecting),
            Some(t) => {
                let conn = self.nodes[t].server.connect(now);
                let mut replies = Vec::new();
                for line in &m.commands {
                    let outcome = self.nodes[t].server.execute(now, conn, line);
                    self.work += 1;
                    self.propagate(t, outcome.propagate);
                    self.route_woken(t, outcome.woken, events);
                    replies.push(outcome.reply.unwrap_or(Reply::Nil));
                }
                self.nodes[t].server.disconnect(conn);
                Ok(replies)
            }
        };
        let done = self.nodes[from].server.migrate_done(now, client, m, answer);
        self.propagate(from, done.propagate);
        self.route_woken(from, done.woken, events);
        if let Some(t) = target {
            events.push(Event {
                at_ms: now,
                kind: EventKind::Command,
                text: format!(
                    "MIGRATE {} → {}: {} key(s) sent",
                    self.nodes[from].name,
                    self.nodes[t].name,
                    m.keys.len()
                ),
            });
        }
        done.reply
    }

    /// Starts moving `slot` from one cluster node to another, one key every `every_ms`.
    pub fn reshard(&mut self, slot: u16, from: NodeId, to: NodeId, every_ms: u64) {
        let name = format!("reshard-{slot}");
        let client = self.add_client(&name, from);
        self.actors.push(Actor {
            name,
            client,
            kind: ActorKind::Reshard { slot, from, to, every_ms, step: ReshardStep::Open },
            next_at_ms: self.now_ms,
            alive: true,
            done: 0,
            failed: 0,
        });
    }

    /// One command on a node, from the actor's client moved there.
    fn on(&mut self, client: SimClientId, node: NodeId, line: Vec<Vec<u8>>, events: &mut Vec<Event>) -> Option<Reply> {
        self.move_client(client, node);
        self.run_on_node(client, &line, events)
    }

    pub(super) fn reshard_due(&mut self, i: ActorId, events: &mut Vec<Event>) {
        let ActorKind::Reshard { slot, from, to, every_ms, step } = self.actors[i].kind.clone() else { return };
        let client = self.actors[i].client;
        let id = |n: NodeId, d: &Deployment| {
            d.nodes[n].server.cluster().map(|c| c.myself().id.clone().into_bytes()).unwrap_or_default()
        };
        let (from_id, to_id) = (id(from, self), id(to, self));
        let setslot = |what: &str, node: Vec<u8>| {
            vec![
                b"CLUSTER".to_vec(),
                b"SETSLOT".to_vec(),
                slot.to_string().into_bytes(),
                what.as_bytes().to_vec(),
                node,
            ]
        };
        let next = match step {
            ReshardStep::Open => {
                self.on(client, to, setslot("IMPORTING", from_id), events);
                self.on(client, from, setslot("MIGRATING", to_id), events);
                ReshardStep::Moving
            }
            ReshardStep::Moving => {
                let ask =
                    vec![b"CLUSTER".to_vec(), b"GETKEYSINSLOT".to_vec(), slot.to_string().into_bytes(), b"1".to_vec()];
                let key = match self.on(client, from, ask, events) {
                    Some(Reply::Array(keys)) => match keys.into_iter().next() {
                        Some(Reply::Bulk(k)) => Some(k),
                        _ => None,
                    },
                    _ => None,
                };
                match key {
                    Some(key) => {
                        // As redis-cli --cluster reshard moves a key.
                        let target = self.nodes[to].name.clone().into_bytes();
                        let line = vec![
                            b"MIGRATE".to_vec(),
                            target,
                            b"6379".to_vec(),
                            key,
                            b"0".to_vec(),
                            b"60000".to_vec(),
                            b"REPLACE".to_vec(),
                        ];
                        if matches!(self.on(client, from, line, events), Some(Reply::Status(_))) {
                            self.actors[i].done += 1;
                        }
                        ReshardStep::Moving
                    }
                    None => ReshardStep::Close,
                }
            }
            ReshardStep::Close => {
                self.on(client, from, setslot("NODE", to_id.clone()), events);
                self.on(client, to, setslot("NODE", to_id), events);
                self.announce_changes(from);
                self.announce_changes(to);
                events.push(Event {
                    at_ms: self.now_ms,
                    kind: EventKind::Failover,
                    text: format!(
                        "slot {slot} now belongs to {} ({} key(s) moved); the other nodes learn it from its new epoch",
                        self.nodes[to].name, self.actors[i].done
                    ),
                });
                self.actors[i].alive = false;
                return;
            }
        };
        let a = &mut self.actors[i];
        a.kind = ActorKind::Reshard { slot, from, to, every_ms, step: next };
        a.next_at_ms = self.now_ms + every_ms;
    }
}
