//! Redis Cluster as one node sees it: the 16,384 hash slots and who serves each, the nodes it
//! knows with their epochs, the slots it is migrating or importing, and the checks that send a
//! client elsewhere (`MOVED`, `ASK`, `CROSSSLOT`, `TRYAGAIN`, `CLUSTERDOWN`).
//!
//! What travels between nodes (Redis's cluster bus) is the host's to carry: a node's
//! [`Announce`] says what it serves and at which epoch, and [`Cluster::hear`] takes one in, with
//! Redis's rule that a slot goes to the claimant with the greater config epoch. Time comes in as
//! an argument, so a run replays.

use std::collections::BTreeMap;

/// The number of hash slots.
pub const SLOTS: usize = 16_384;

/// No node serves the slot.
const NONE: u16 = u16::MAX;

/// CRC16 as Redis computes it (XMODEM: polynomial 0x1021, initial value 0).
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

/// The hash slot of a key (Redis's `keyHashSlot`): only what is between the first `{` and the
/// first `}` after it counts, when that is not empty.
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(0) | None => key,
            Some(len) => &key[open + 1..open + 1 + len],
        },
        None => key,
    };
    crc16(hashed) & 0x3FFF
}

/// A node of the cluster as this node knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNode {
    /// 40 hex digits.
    pub id: String,
    pub ip: String,
    pub port: u16,
    /// The cluster bus port (the port plus 10,000).
    pub cport: u32,
    /// The primary it replicates, by id.
    pub replica_of: Option<String>,
    pub config_epoch: u64,
    /// When it last answered, in ms (0 for this node itself).
    pub pong_ms: u64,
    /// Marked failed by the cluster.
    pub failed: bool,
    /// Its replication offset, as it last said.
    pub repl_offset: u64,
    /// When this node last pinged it, and when that ping went unanswered since (0: answered).
    pub ping_last_ms: u64,
    pub ping_sent_ms: u64,
    /// This node thinks it may have failed (Redis's `PFAIL`): no answer for the node timeout.
    pub pfail: bool,
    /// Primaries that said they think it may have failed, and when they last said so.
    pub fail_reports: Vec<(String, u64)>,
}

impl ClusterNode {
    pub fn is_primary(&self) -> bool {
        self.replica_of.is_none()
    }
}

/// What a node tells the others of itself: the header of a cluster bus ping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announce {
    pub node: ClusterNode,
    pub current_epoch: u64,
    /// The slots it serves, as `(first, last)` ranges.
    pub slots: Vec<(u16, u16)>,
    /// The other nodes it knows, `(ip, port)`: the gossip section, from which the receiver
    /// meets nodes it did not know.
    pub known: Vec<(String, u16)>,
}

/// One node's view of the cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// The nodes it knows; `nodes[0]` is itself.
    pub nodes: Vec<ClusterNode>,
    /// Who serves each slot, by index into `nodes` (`NONE`: nobody).
    slots: Vec<u16>,
    /// Slots being moved away, and to whom (`SETSLOT MIGRATING`).
    pub migrating: BTreeMap<u16, String>,
    /// Slots being received, and from whom (`SETSLOT IMPORTING`).
    pub importing: BTreeMap<u16, String>,
    pub current_epoch: u64,
    /// What this node said of itself changed since the host last announced it.
    pub changed: bool,
    /// Bus messages sent and received (`cluster_stats_messages_*`).
    pub messages_sent: u64,
    pub messages_received: u64,
    /// The address this node is reached at. As in Redis, it shows in `CLUSTER NODES` only once
    /// another node has met it.
    pub my_ip: String,
    /// The epoch this primary last voted in (Redis's `lastVoteEpoch`).
    pub voted_epoch: u64,
    /// This replica's election for its failed primary's slots, when one is under way.
    pub election: Option<crate::server::cluster_bus::Election>,
}

impl Cluster {
    /// A node that knows only itself and serves nothing.
    pub fn new(id: String, ip: String, port: u16) -> Cluster {
        let me = ClusterNode {
            id,
            ip: String::new(),
            port,
            cport: u32::from(port) + 10_000,
            replica_of: None,
            config_epoch: 0,
            pong_ms: 0,
            failed: false,
            repl_offset: 0,
            ping_last_ms: 0,
            ping_sent_ms: 0,
            pfail: false,
            fail_reports: Vec::new(),
        };
        Cluster {
            nodes: vec![me],
            slots: vec![NONE; SLOTS],
            migrating: BTreeMap::new(),
            importing: BTreeMap::new(),
            current_epoch: 0,
            changed: false,
            messages_sent: 0,
            messages_received: 0,
            my_ip: ip,
            voted_epoch: 0,
            election: None,
        }
    }

    pub fn myself(&self) -> &ClusterNode {
        &self.nodes[0]
    }

    pub fn index_of(&self, id: &[u8]) -> Option<usize> {
        self.nodes.iter().position(|n| n.id.as_bytes() == id)
    }

    /// Who serves `slot`, if anyone.
    pub fn owner(&self, slot: u16) -> Option<&ClusterNode> {
        self.slots.get(usize::from(slot)).and_then(|&i| self.nodes.get(usize::from(i)))
    }

    pub fn owner_index(&self, slot: u16) -> Option<usize> {
        match self.slots[usize::from(slot)] {
            NONE => None,
            i => Some(usize::from(i)),
        }
    }

    pub fn assign(&mut self, slot: u16, node: Option<usize>) {
        self.slots[usize::from(slot)] = node.map_or(NONE, |n| n as u16);
        self.changed = true;
    }

    /// The slots a node serves, as `(first, last)` ranges in order.
    pub fn ranges_of(&self, node: usize) -> Vec<(u16, u16)> {
        let mut out: Vec<(u16, u16)> = Vec::new();
        for (slot, &owner) in self.slots.iter().enumerate() {
            if usize::from(owner) != node || owner == NONE {
                continue;
            }
            let slot = slot as u16;
            match out.last_mut() {
                Some((_, last)) if *last + 1 == slot => *last = slot,
                _ => out.push((slot, slot)),
            }
        }
        out
    }

    /// Runs of consecutive slots with the same owner: `(first, last, owner)`.
    pub fn runs(&self) -> Vec<(u16, u16, usize)> {
        let mut out: Vec<(u16, u16, usize)> = Vec::new();
        for (slot, &owner) in self.slots.iter().enumerate() {
            if owner == NONE {
                continue;
            }
            let (slot, owner) = (slot as u16, usize::from(owner));
            match out.last_mut() {
                Some((_, last, o)) if *last + 1 == slot && *o == owner => *last = slot,
                _ => out.push((slot, slot, owner)),
            }
        }
        out
    }

    pub fn slots_assigned(&self) -> usize {
        self.slots.iter().filter(|&&o| o != NONE).count()
    }

    /// `cluster_state:ok` (Redis's `clusterUpdateState`): every slot is served by a node that
    /// has not failed, and this node reaches a majority of the primaries that serve slots (in a
    /// minority partition the state is `fail`).
    pub fn is_ok(&self) -> bool {
        let served = self.slots.iter().all(|&o| o != NONE && !self.nodes[usize::from(o)].failed);
        let mut serving = vec![false; self.nodes.len()];
        for &o in &self.slots {
            if o != NONE {
                serving[usize::from(o)] = true;
            }
        }
        let size = serving.iter().filter(|&&s| s).count();
        let reachable = (0..self.nodes.len())
            .filter(|&i| serving[i] && (i == 0 || !(self.nodes[i].pfail || self.nodes[i].failed)))
            .count();
        served && reachable > size / 2
    }

    /// Primaries that serve at least one slot (`cluster_size`).
    pub fn size(&self) -> usize {
        let mut serving = vec![false; self.nodes.len()];
        for &o in &self.slots {
            if o != NONE {
                serving[usize::from(o)] = true;
            }
        }
        serving.iter().filter(|&&s| s).count()
    }

    /// The config epoch a node shows: a replica shows its primary's.
    pub fn shown_epoch(&self, node: usize) -> u64 {
        let n = &self.nodes[node];
        n.replica_of
            .as_ref()
            .and_then(|p| self.index_of(p.as_bytes()))
            .map_or(n.config_epoch, |p| self.nodes[p].config_epoch)
    }

    /// The replicas of a node, by index.
    pub fn replicas_of(&self, node: usize) -> Vec<usize> {
        let id = &self.nodes[node].id;
        (0..self.nodes.len()).filter(|&i| self.nodes[i].replica_of.as_ref() == Some(id)).collect()
    }

    /// What this node says of itself.
    pub fn announce(&self) -> Announce {
        let mut node = self.myself().clone();
        node.ip.clone_from(&self.my_ip);
        let known = self.nodes.iter().skip(1).map(|n| (n.ip.clone(), n.port)).collect();
        Announce { node, current_epoch: self.current_epoch, slots: self.ranges_of(0), known }
    }

    /// Takes in what another node said of itself (a ping or pong from it): it is known from now
    /// on, with its address, role and epoch, and it gets each slot it claims that is unserved or
    /// served at a smaller config epoch (Redis's `clusterUpdateSlotsConfigWith`), except slots
    /// this node is importing.
    /// True when this node became the sender's replica by it.
    pub fn hear(&mut self, from: &Announce, now_ms: u64) -> bool {
        if from.node.id == self.myself().id {
            return false;
        }
        let mut lost_mine = false;
        if self.nodes[0].ip.is_empty() {
            self.nodes[0].ip.clone_from(&self.my_ip);
        }
        let index = match self.index_of(from.node.id.as_bytes()) {
            Some(i) => i,
            None => {
                self.nodes.push(from.node.clone());
                self.nodes.len() - 1
            }
        };
        let node = &mut self.nodes[index];
        node.ip.clone_from(&from.node.ip);
        node.port = from.node.port;
        node.cport = from.node.cport;
        node.replica_of.clone_from(&from.node.replica_of);
        node.config_epoch = from.node.config_epoch;
        node.pong_ms = now_ms;
        node.repl_offset = from.node.repl_offset;
        self.messages_received += 1;
        self.current_epoch = self.current_epoch.max(from.current_epoch).max(from.node.config_epoch);
        let epoch = from.node.config_epoch;
        for &(first, last) in &from.slots {
            for slot in first..=last {
                if self.importing.contains_key(&slot) {
                    continue;
                }
                let better = match self.owner_index(slot) {
                    None => true,
                    Some(o) if o == index => false,
                    Some(o) => self.nodes[o].config_epoch < epoch,
                };
                if better {
                    if self.owner_index(slot) == Some(0) {
                        lost_mine = true;
                    }
                    self.slots[usize::from(slot)] = index as u16;
                }
            }
        }
        // A primary whose every slot went to the sender becomes its replica (Redis's
        // `clusterUpdateSlotsConfigWith`, with cluster-allow-replica-migration).
        if lost_mine {
            self.changed = true;
            if self.nodes[0].is_primary() && !self.slots.contains(&0) && from.node.is_primary() {
                self.nodes[0].replica_of = Some(from.node.id.clone());
                return true;
            }
        }
        false
    }

    /// Marks a node failed or not (what failure reports agree on), by id.
    pub fn set_failed(&mut self, id: &str, failed: bool) {
        if let Some(i) = self.index_of(id.as_bytes()) {
            self.nodes[i].failed = failed;
        }
    }

    /// Forgets a node (`CLUSTER FORGET`): the slots it served are unserved here.
    pub(crate) fn forget(&mut self, index: usize) {
        let removed = self.nodes.remove(index);
        for owner in &mut self.slots {
            if *owner == NONE {
                continue;
            }
            match usize::from(*owner).cmp(&index) {
                std::cmp::Ordering::Equal => *owner = NONE,
                std::cmp::Ordering::Greater => *owner -= 1,
                std::cmp::Ordering::Less => {}
            }
        }
        self.migrating.retain(|_, to| *to != removed.id);
        self.importing.retain(|_, from| *from != removed.id);
    }

    /// Redis's `clusterBumpConfigEpochWithoutConsensus`: takes a new epoch unless this node's is
    /// already the greatest and unique. True when it bumped.
    pub fn bump_epoch(&mut self) -> bool {
        let max = self.nodes.iter().map(|n| n.config_epoch).max().unwrap_or(0);
        let mine = self.nodes[0].config_epoch;
        let unique = self.nodes.iter().filter(|n| n.config_epoch == mine).count() == 1;
        if mine == 0 || mine != max || !unique {
            self.current_epoch += 1;
            self.nodes[0].config_epoch = self.current_epoch;
            self.changed = true;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_redis_s() {
        // Values from Redis's own documentation and tests.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"somekey"), 11058);
        assert_eq!(key_slot(b"user:{1001}:profile"), key_slot(b"1001"));
        assert_eq!(key_slot(b"{}x"), crc16(b"{}x") & 0x3FFF);
        assert_eq!(key_slot(b"{x"), crc16(b"{x") & 0x3FFF);
        assert_eq!(key_slot(b"a{b}{c}"), key_slot(b"b"));
    }

    #[test]
    fn the_greater_epoch_wins_a_slot() {
        let mut a = Cluster::new("a".repeat(40), "127.0.0.1".into(), 7000);
        assert_eq!(a.myself().ip, "", "not met yet");
        let mut b = Cluster::new("b".repeat(40), "127.0.0.1".into(), 7001);
        a.nodes[0].config_epoch = 1;
        b.nodes[0].config_epoch = 2;
        a.assign(5, Some(0));
        b.assign(5, Some(0));
        assert!(a.hear(&b.announce(), 10), "a lost its only slot: it follows b");
        assert_eq!(a.owner(5).map(|n| n.port), Some(7001));
        assert_eq!(a.myself().replica_of.as_deref(), Some(&*"b".repeat(40)));
        b.hear(&a.announce(), 10);
        assert_eq!(b.owner(5).map(|n| n.port), Some(7001));
        assert_eq!(a.runs(), vec![(5, 5, 1)]);
        a.forget(1);
        assert_eq!(a.owner(5), None);
    }
}
