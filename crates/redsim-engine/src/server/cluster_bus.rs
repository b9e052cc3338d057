//! Redis Cluster's bus as engine rules: pings and pongs, failure detection (`PFAIL` after the node
//! timeout, failure reports gossiped by primaries, `FAIL` once a majority of them agree), and a
//! replica's election for its failed primary's slots (`FAILOVER_AUTH_REQUEST`, one vote per
//! primary per epoch, the slots taken with the new epoch).
//!
//! The engine has no network and no clock: the host calls [`Server::cluster_cron`] when
//! [`Server::cluster_next_due`] says, carries each [`BusMessage`] to the node it names (with
//! whatever latency its links have, or not at all to a node that is down) and hands it over with
//! [`Server::cluster_receive`].

use super::*;
use crate::cluster::Announce;

/// A replica's election, from its scheduling to its win.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    /// When it asks for votes (Redis waits 500 ms plus 1 s per better replica).
    pub at_ms: u64,
    /// The epoch it asked in, once it asked, and when.
    pub epoch: Option<u64>,
    pub asked_ms: u64,
    pub votes: usize,
}

/// What a bus message says, besides its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusKind {
    Ping,
    Pong,
    /// The sender has marked this node as failed.
    Fail {
        id: String,
    },
    /// A replica asks for a vote in this epoch.
    AuthRequest {
        epoch: u64,
    },
    /// A primary gives its vote.
    AuthAck {
        epoch: u64,
    },
}

/// One message on the cluster bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusMessage {
    /// The node it is for, by id.
    pub to: String,
    pub kind: BusKind,
    /// What the sender says of itself: every message's header.
    pub from: Announce,
    /// The nodes the sender thinks may have failed or has failed (the gossip section's flags).
    pub suspects: Vec<String>,
}

/// What a turn of the bus produced: messages to carry, nodes this node has just failed, and
/// whether it has just been promoted in its failed primary's place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusTurn {
    pub messages: Vec<BusMessage>,
    pub failed: Vec<String>,
    pub promoted: bool,
}

impl Server {
    /// `cluster-node-timeout`, in ms.
    fn node_timeout(&self) -> u64 {
        u64::try_from(self.config.settings.number("cluster-node-timeout")).unwrap_or(0).max(1)
    }

    /// A message from this node to `to`.
    fn bus_message(&mut self, to: &str, kind: BusKind) -> Option<BusMessage> {
        let suspects = self
            .cluster
            .as_deref()?
            .nodes
            .iter()
            .skip(1)
            .filter(|n| n.pfail || n.failed)
            .map(|n| n.id.clone())
            .collect();
        let from = self.cluster_announce()?;
        Some(BusMessage { to: to.to_string(), kind, from, suspects })
    }

    /// A message to every other node this one knows.
    fn bus_broadcast(&mut self, kind: BusKind, turn: &mut BusTurn) {
        let others: Vec<String> =
            self.cluster.as_deref().map_or(Vec::new(), |c| c.nodes.iter().skip(1).map(|n| n.id.clone()).collect());
        for id in others {
            if let Some(m) = self.bus_message(&id, kind.clone()) {
                turn.messages.push(m);
            }
        }
    }

    /// When this node next has something to do on the bus: a ping, a node to suspect, an
    /// election step.
    pub fn cluster_next_due(&self) -> Option<u64> {
        let c = self.cluster.as_deref()?;
        let timeout = self.node_timeout();
        let mut due = c
            .nodes
            .iter()
            .skip(1)
            .filter_map(|n| match (n.ping_sent_ms, n.pfail) {
                (0, _) => Some(n.ping_last_ms + timeout / 2),
                // Suspected already: nothing to do until it answers or others report it.
                (_, true) => None,
                (sent, false) => Some(sent + timeout + 1),
            })
            .min();
        if let Some(e) = &c.election {
            let next = if e.epoch.is_none() { e.at_ms } else { e.asked_ms + timeout * 2 + 1 };
            due = Some(due.map_or(next, |d| d.min(next)));
        }
        // A node already suspected needs nothing until an answer or a report comes.
        due.filter(|_| c.nodes.len() > 1 || c.election.is_some())
    }

    /// Redis's `clusterCron`: pings nodes not pinged for half the node timeout, suspects those
    /// that have not answered for the whole of it, fails those a majority suspects, and runs a
    /// replica's election when its primary has failed.
    pub fn cluster_cron(&mut self, now_ms: u64) -> BusTurn {
        let mut turn = BusTurn::default();
        let timeout = self.node_timeout();
        let Some(c) = self.cluster.as_deref_mut() else { return turn };
        let mut to_ping = Vec::new();
        for n in c.nodes.iter_mut().skip(1) {
            if n.ping_sent_ms == 0 && now_ms.saturating_sub(n.ping_last_ms) >= timeout / 2 {
                n.ping_last_ms = now_ms;
                n.ping_sent_ms = now_ms;
                to_ping.push(n.id.clone());
            } else if n.ping_sent_ms != 0 && now_ms.saturating_sub(n.ping_sent_ms) > timeout && !n.pfail {
                n.pfail = true;
            }
        }
        for id in to_ping {
            if let Some(m) = self.bus_message(&id, BusKind::Ping) {
                turn.messages.push(m);
            }
        }
        self.fail_if_agreed(now_ms, &mut turn);
        self.election_step(now_ms, &mut turn);
        turn
    }

    /// Redis's `markNodeAsFailingIfNeeded`, for every suspected node: failed once the primaries
    /// that report it (this one too, if it is a primary that suspects it) are a majority.
    fn fail_if_agreed(&mut self, now_ms: u64, turn: &mut BusTurn) {
        let timeout = self.node_timeout();
        let Some(c) = self.cluster.as_deref_mut() else { return };
        let needed = c.size() / 2 + 1;
        let me_primary = c.myself().is_primary();
        let primaries: Vec<String> = c.nodes.iter().filter(|n| n.is_primary()).map(|n| n.id.clone()).collect();
        let mut newly = Vec::new();
        for n in c.nodes.iter_mut().skip(1) {
            n.fail_reports.retain(|(by, at)| now_ms.saturating_sub(*at) <= timeout * 2 && primaries.contains(by));
            if n.pfail && !n.failed && n.fail_reports.len() + usize::from(me_primary) >= needed {
                n.failed = true;
                newly.push(n.id.clone());
            }
        }
        for id in newly {
            turn.failed.push(id.clone());
            self.bus_broadcast(BusKind::Fail { id }, turn);
        }
    }

    /// A replica whose primary (serving slots) has failed schedules an election, asks the
    /// primaries for their votes in a new epoch, and gives up to try again after twice the node
    /// timeout.
    fn election_step(&mut self, now_ms: u64, turn: &mut BusTurn) {
        let timeout = self.node_timeout();
        let my_offset = self.stats.repl_offset;
        let Some(c) = self.cluster.as_deref_mut() else { return };
        let primary = c.myself().replica_of.as_ref().and_then(|id| c.index_of(id.as_bytes()));
        let Some(p) = primary.filter(|&p| c.nodes[p].failed && !c.ranges_of(p).is_empty()) else {
            c.election = None;
            return;
        };
        match c.election.clone() {
            None => {
                // Redis's rank: replicas of the same primary that have more of its stream go first.
                let rank =
                    c.replicas_of(p).into_iter().filter(|&r| r != 0 && c.nodes[r].repl_offset > my_offset).count()
                        as u64;
                c.election = Some(Election { at_ms: now_ms + 500 + rank * 1000, epoch: None, asked_ms: 0, votes: 0 });
            }
            Some(e) if e.epoch.is_none() && now_ms >= e.at_ms => {
                c.current_epoch += 1;
                let epoch = c.current_epoch;
                c.election = Some(Election { epoch: Some(epoch), asked_ms: now_ms, ..e });
                let voters: Vec<String> = (1..c.nodes.len())
                    .filter(|&i| i != p && c.nodes[i].is_primary() && !c.ranges_of(i).is_empty())
                    .map(|i| c.nodes[i].id.clone())
                    .collect();
                for id in voters {
                    if let Some(m) = self.bus_message(&id, BusKind::AuthRequest { epoch }) {
                        turn.messages.push(m);
                    }
                }
            }
            Some(e) if e.epoch.is_some() && now_ms > e.asked_ms + timeout * 2 => c.election = None,
            Some(_) => {}
        }
    }

    /// Takes in a message from another node (Redis's `clusterProcessPacket`): its header (who it
    /// is, its slots and epochs), the nodes it suspects (a failure report, if it is a primary),
    /// and what it asks or tells.
    pub fn cluster_receive(&mut self, msg: &BusMessage, now_ms: u64) -> BusTurn {
        let mut turn = BusTurn::default();
        let Some(me) = self.cluster.as_deref().map(|c| c.myself().id.clone()) else { return turn };
        if msg.to != me {
            return turn;
        }
        self.cluster_hear(&msg.from, now_ms);
        let sender = msg.from.node.id.clone();
        let sender_primary = msg.from.node.is_primary();
        if let Some(c) = self.cluster.as_deref_mut() {
            for n in c.nodes.iter_mut().skip(1).filter(|n| n.id != sender) {
                n.fail_reports.retain(|(by, _)| *by != sender);
                if sender_primary && msg.suspects.contains(&n.id) {
                    n.fail_reports.push((sender.clone(), now_ms));
                }
            }
        }
        match &msg.kind {
            BusKind::Ping => {
                if let Some(m) = self.bus_message(&sender, BusKind::Pong) {
                    turn.messages.push(m);
                }
            }
            BusKind::Pong => {
                if let Some(c) = self.cluster.as_deref_mut() {
                    if let Some(i) = c.index_of(sender.as_bytes()) {
                        // Redis's `clearNodeFailureIfNeeded`: a failed node that answers again is
                        // no longer failed if it is a replica or serves no slot.
                        let serves = !c.ranges_of(i).is_empty();
                        let n = &mut c.nodes[i];
                        n.ping_sent_ms = 0;
                        n.pfail = false;
                        n.pong_ms = now_ms;
                        if n.failed && (!n.is_primary() || !serves) {
                            n.failed = false;
                        }
                    }
                }
            }
            BusKind::Fail { id } => {
                if let Some(c) = self.cluster.as_deref_mut() {
                    if *id != me && c.index_of(id.as_bytes()).is_some_and(|i| !c.nodes[i].failed) {
                        c.set_failed(id, true);
                        turn.failed.push(id.clone());
                    }
                }
            }
            BusKind::AuthRequest { epoch } => {
                if self.grants_vote(&sender, *epoch) {
                    if let Some(m) = self.bus_message(&sender, BusKind::AuthAck { epoch: *epoch }) {
                        turn.messages.push(m);
                    }
                }
            }
            BusKind::AuthAck { epoch } => {
                let won = self.cluster.as_deref_mut().is_some_and(|c| {
                    let needed = c.size() / 2 + 1;
                    match c.election.as_mut() {
                        Some(e) if e.epoch == Some(*epoch) => {
                            e.votes += 1;
                            e.votes >= needed
                        }
                        _ => false,
                    }
                });
                if won {
                    self.take_over(&mut turn);
                }
            }
        }
        self.fail_if_agreed(now_ms, &mut turn);
        self.election_step(now_ms, &mut turn);
        turn
    }

    /// Redis's `clusterSendFailoverAuthIfNeeded`: a primary that serves slots votes once per
    /// epoch, for a replica whose primary it too sees failed.
    fn grants_vote(&mut self, requester: &str, epoch: u64) -> bool {
        let Some(c) = self.cluster.as_deref_mut() else { return false };
        if !c.myself().is_primary() || c.ranges_of(0).is_empty() {
            return false;
        }
        if epoch < c.current_epoch || c.voted_epoch >= epoch {
            return false;
        }
        let Some(r) = c.index_of(requester.as_bytes()) else { return false };
        let primary = c.nodes[r].replica_of.as_ref().and_then(|id| c.index_of(id.as_bytes()));
        if !primary.is_some_and(|p| c.nodes[p].failed) {
            return false;
        }
        c.voted_epoch = epoch;
        true
    }

    /// Redis's `clusterFailoverReplaceYourMaster`: this replica becomes a primary with its old
    /// primary's slots and the election's epoch, and tells everyone.
    fn take_over(&mut self, turn: &mut BusTurn) {
        let Some(c) = self.cluster.as_deref_mut() else { return };
        let Some(epoch) = c.election.take().and_then(|e| e.epoch) else { return };
        let old = c.nodes[0].replica_of.take();
        if let Some(p) = old.as_ref().and_then(|id| c.index_of(id.as_bytes())) {
            for (first, last) in c.ranges_of(p) {
                for slot in first..=last {
                    c.assign(slot, Some(0));
                }
            }
            c.nodes[p].replica_of = Some(c.nodes[0].id.clone());
        }
        c.nodes[0].config_epoch = epoch;
        c.current_epoch = c.current_epoch.max(epoch);
        c.changed = true;
        self.master = None;
        turn.promoted = true;
        self.bus_broadcast(BusKind::Pong, turn);
    }

    /// This node's configuration changed (slots, epoch, role): it tells every node it knows.
    pub fn cluster_announce_change(&mut self) -> BusTurn {
        let mut turn = BusTurn::default();
        if self.cluster.as_deref().is_some_and(|c| c.changed) {
            self.bus_broadcast(BusKind::Pong, &mut turn);
        }
        turn
    }

    /// After a restart: every node is pinged at once (Redis's nodes come back from `nodes.conf`
    /// and are contacted again).
    pub fn cluster_restarted(&mut self) {
        if let Some(c) = self.cluster.as_deref_mut() {
            for n in c.nodes.iter_mut().skip(1) {
                n.ping_last_ms = 0;
                n.ping_sent_ms = 0;
                n.pfail = false;
            }
            c.election = None;
        }
    }
}
