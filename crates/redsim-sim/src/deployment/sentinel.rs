//! Sentinel: noticing a silent primary, voting, promoting a replica and repointing the others.

#[allow(unused_imports)]
use super::*;

impl Deployment {
    pub(super) fn sentinel_due(&mut self, events: &mut Vec<Event>) {
        let Some(s) = self.sentinel.clone() else { return };
        let now = self.now_ms;
        let primary_up = self.nodes[s.primary].up;
        let next = match s.state {
            Watch::Up if !primary_up => {
                events.push(Event {
                    at_ms: now,
                    kind: EventKind::Failover,
                    text: format!("sentinels: {} stopped answering", self.nodes[s.primary].name),
                });
                Watch::Silent { since_ms: now }
            }
            Watch::Silent { .. } if primary_up => Watch::Up,
            Watch::Silent { since_ms } if now >= since_ms + s.down_after_ms => {
                events.push(Event {
                    at_ms: now,
                    kind: EventKind::Failover,
                    text: format!(
                        "sentinels: {} is objectively down ({} of {} agree, quorum {}); sentinel-1 leads the failover",
                        self.nodes[s.primary].name, s.sentinels, s.sentinels, s.quorum
                    ),
                });
                Watch::FailingOver { promote_at_ms: now + s.failover_ms }
            }
            Watch::FailingOver { promote_at_ms } if now >= promote_at_ms => {
                let candidate = self
                    .links
                    .iter()
                    .filter(|l| l.primary == s.primary && self.nodes[l.replica].up)
                    .map(|l| l.replica)
                    .max_by_key(|&r| (self.nodes[r].offset, std::cmp::Reverse(r)));
                match candidate {
                    Some(r) => {
                        self.promote(r, events);
                        if let Some(s) = &mut self.sentinel {
                            s.primary = r;
                            s.failovers += 1;
                        }
                        Watch::Up
                    }
                    None => {
                        events.push(Event {
                            at_ms: now,
                            kind: EventKind::Failover,
                            text: "sentinels: no replica can be promoted; waiting".into(),
                        });
                        Watch::FailingOver { promote_at_ms: now + s.down_after_ms }
                    }
                }
            }
            other => other,
        };
        if let Some(s) = &mut self.sentinel {
            s.state = next;
        }
    }
    /// Makes `node` a primary; the other replicas of its old primary and the old primary itself
    /// follow it, and clients of the old primary reconnect to it.
    pub(super) fn promote(&mut self, node: NodeId, events: &mut Vec<Event>) {
        self.promote_with(node, true, events);
    }
    /// [`Deployment::promote`]; `move_clients` false leaves the old primary's clients where they
    /// are (a `FAILOVER`, which no client library follows by itself).
    pub(super) fn promote_with(&mut self, node: NodeId, move_clients: bool, events: &mut Vec<Event>) {
        let Role::Replica { of: old } = self.nodes[node].role else { return };
        let new_replid = self.new_replid();
        // What the old primary acknowledged and this replica never received is lost.
        let (offset, old_replid) = (self.nodes[node].offset, self.nodes[old].replid);
        let lost: Vec<Write> = self
            .writes
            .iter()
            .filter(|w| w.node == old && w.replid == old_replid && w.offset_end > offset)
            .cloned()
            .collect();
        self.writes.retain(|w| !(w.node == old && w.replid == old_replid && w.offset_end > offset));
        for w in self.writes.iter_mut().filter(|w| w.node == old && w.replid == old_replid) {
            w.node = node;
            w.replid = new_replid;
        }
        let n = &mut self.nodes[node];
        n.role = Role::Primary;
        n.replid2 = Some((n.replid, n.offset));
        n.replid = new_replid;
        let (new_name, old_name) = (self.nodes[node].name.clone(), self.nodes[old].name.clone());
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Failover,
            text: format!("{new_name} is promoted to primary (REPLICAOF NO ONE) at offset {offset}"),
        });
        self.name_lost(&lost, &old_name, &format!("{old_name} never sent them to {new_name}"), events);
        // Messages still on their way from the old primary will not be applied.
        self.in_flight.retain(|f| f.from != old);
        self.links.retain(|l| l.replica != node);
        let others: Vec<NodeId> = self.links.iter().filter(|l| l.primary == old).map(|l| l.replica).collect();
        for r in others {
            self.repoint(r, node, events);
        }
        self.repoint(old, node, events);
        if !move_clients {
            return;
        }
        for c in self.clients.iter_mut().filter(|c| c.node == old) {
            c.node = node;
            c.epoch = u64::MAX;
        }
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Failover,
            text: format!("clients of {old_name} now send their commands to {new_name}"),
        });
    }
    /// Makes `node` a replica of `primary` (`REPLICAOF host port`).
    pub(super) fn repoint(&mut self, node: NodeId, primary: NodeId, events: &mut Vec<Event>) {
        let latency = self.nodes[node].latency_ms.max(self.nodes[primary].latency_ms).max(1);
        self.links.retain(|l| l.replica != node);
        self.links.push(Link { primary, replica: node, latency_ms: latency, up: true });
        self.nodes[primary].replicating = true;
        self.nodes[node].replicating = true;
        self.nodes[node].role = Role::Replica { of: primary };
        if let Some(l) = self.link_mut(node) {
            l.up = true;
        }
        events.push(Event {
            at_ms: self.now_ms,
            kind: EventKind::Failover,
            text: format!("{} now replicates {}", self.nodes[node].name, self.nodes[primary].name),
        });
        if self.nodes[node].up && self.nodes[primary].up {
            self.resync(node, primary, events);
        }
    }
}
