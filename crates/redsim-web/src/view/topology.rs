//! The scenario world as the player draws it: each node's role, offset and persistence, the links
//! between them, Sentinel, the writes lost, and the data of the node being looked at.

use redsim_sim::{Deployment, NodeId, Role};

use super::{keys_in, samples_in, streams_in, Pictures, StreamSample};

/// One node of the world.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerView {
    pub name: String,
    pub primary: bool,
    /// The node it replicates, for a replica.
    pub replica_of: Option<String>,
    /// Its replication offset.
    pub offset: u64,
    /// Bytes of replication stream it has not applied yet (0 for a primary).
    pub behind: u64,
    /// `AOF everysec`, `RDB every 5 s` or `no persistence`.
    pub persistence: String,
    pub up: bool,
    /// A cluster node: the slots it serves (`0-5460`), as it sees them.
    pub slots: Option<String>,
    /// A cluster node's slots on the move: `migrating 105 → n2`, `importing 105 ← n1`.
    pub moving: Vec<String>,
}

/// A run of slots one node serves, for the slot map.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotRun {
    pub first: u16,
    pub last: u16,
    pub owner: String,
    /// The owner's place among the nodes (its colour).
    pub index: usize,
}

/// A replication link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkView {
    pub primary: String,
    pub replica: String,
    pub latency_ms: u64,
    pub up: bool,
}

/// A write acknowledged and then lost, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct LostView {
    pub label: String,
    pub node: String,
    pub why: String,
}

/// Lost writes the side panel lists at most (the count says how many there are).
pub const LOST_SHOWN: usize = 50;

#[derive(Clone, Debug, PartialEq)]
pub struct TopologyView {
    pub nodes: Vec<ServerView>,
    pub links: Vec<LinkView>,
    /// Sentinel's settings and what it did, in words.
    pub sentinel: Option<String>,
    /// The first `LOST_SHOWN` writes lost, and how many there are in all.
    pub lost: Vec<LostView>,
    pub lost_total: usize,
    /// Redis Cluster: who serves which slots (as the first cluster node that is up sees it), and
    /// the slots moving.
    pub slot_map: Vec<SlotRun>,
    pub moving_slots: Vec<u16>,
    /// The last request of a cluster's client with a key: its slot and where it went.
    pub request: Option<RequestView>,
    /// Replication messages on their way (at most `MESSAGES_SHOWN`, the oldest).
    pub messages: Vec<MessageView>,
    /// Producers, consumers and named clients, with the node each talks to.
    pub actors: Vec<(String, String)>,
    /// The sentinels: how many, the quorum, the node they watch and what they think of it.
    pub sentinels: Option<(usize, usize, String, redsim_sim::SentinelPhase)>,
}

/// A cluster client's request on the slot map: the key's slot and each node it went to, with
/// what the node answered (`served`, `MOVED → n3`, `ASK → n2`, `CLUSTERDOWN`, ...) and a class for
/// its colour.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestView {
    pub client: String,
    pub slot: u16,
    pub hops: Vec<(String, String, &'static str)>,
}

impl RequestView {
    /// The request in words: `app, slot 105: n1 ASK → n2, n2 served`.
    pub fn text(&self) -> String {
        let hops: Vec<String> = self.hops.iter().map(|(node, words, _)| format!("{node} {words}")).collect();
        format!("{}, slot {}: {}", self.client, self.slot, hops.join(", "))
    }

    /// How it went in the end: the class of its last answer, or of the redirection it followed.
    pub fn outcome(&self) -> &'static str {
        match self.hops.iter().map(|h| h.2).find(|c| *c != "served") {
            Some(c) => c,
            None => "served",
        }
    }
}

/// A replication message on a link.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    pub seq: u64,
    pub from: String,
    pub to: String,
    pub progress: f64,
    pub label: String,
}

/// Messages the diagram draws at most.
pub const MESSAGES_SHOWN: usize = 40;

pub fn topology(c: &Deployment) -> TopologyView {
    let primary_offset = c.primary().map_or(0, |p| c.nodes[p].offset);
    let nodes = c
        .nodes
        .iter()
        .map(|n| ServerView {
            name: n.name.clone(),
            primary: n.is_primary(),
            replica_of: match n.role {
                Role::Replica { of } => Some(c.nodes[of].name.clone()),
                Role::Primary => None,
            },
            offset: n.offset,
            behind: if n.is_primary() { 0 } else { primary_offset.saturating_sub(n.offset) },
            persistence: match (n.persistence.aof, n.persistence.save_every_ms) {
                (Some(f), _) => format!("AOF {}", f.name()),
                (None, Some(ms)) => format!("RDB every {} s", ms / 1000),
                (None, None) => "no persistence".to_string(),
            },
            up: n.up,
            slots: n.server.cluster().map(|c| {
                let ranges = c.ranges_of(0);
                let count: usize = ranges.iter().map(|(a, b)| usize::from(b - a) + 1).sum();
                let text: Vec<String> =
                    ranges.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect();
                if count == 0 {
                    "no slots".to_string()
                } else {
                    format!("slots {} ({count})", text.join(", "))
                }
            }),
            moving: n.server.cluster().map_or_else(Vec::new, |c| {
                let name = |id: &String| c.index_of(id.as_bytes()).map_or("?".to_string(), |i| c.nodes[i].ip.clone());
                let mut out: Vec<String> =
                    c.migrating.iter().map(|(s, to)| format!("migrating {s} → {}", name(to))).collect();
                out.extend(c.importing.iter().map(|(s, from)| format!("importing {s} ← {}", name(from))));
                out
            }),
        })
        .collect();
    let links = c
        .links
        .iter()
        .map(|l| LinkView {
            primary: c.nodes[l.primary].name.clone(),
            replica: c.nodes[l.replica].name.clone(),
            latency_ms: l.latency_ms,
            up: l.up,
        })
        .collect();
    let sentinel = c.sentinel.as_ref().map(|s| {
        format!(
            "Sentinel: {} sentinels, quorum {}, down-after {} ms; watching {}; failovers: {}",
            s.sentinels, s.quorum, s.down_after_ms, c.nodes[s.primary].name, s.failovers
        )
    });
    let lost = c
        .lost
        .iter()
        .take(LOST_SHOWN)
        .map(|l| LostView { label: l.label.clone(), node: l.node.clone(), why: l.why.clone() })
        .collect();
    let (mut slot_map, mut moving_slots) = (Vec::new(), Vec::new());
    if let Some(view) = c.cluster.iter().find(|&&n| c.nodes[n].up).and_then(|&n| c.nodes[n].server.cluster()) {
        for (first, last, owner) in view.runs() {
            let name = view.nodes[owner].ip.clone();
            let index = c.node_index(&name).map_or(0, NodeId::index);
            slot_map.push(SlotRun { first, last, owner: name, index });
        }
        for &n in &c.cluster {
            if let Some(v) = c.nodes[n].server.cluster() {
                moving_slots.extend(v.migrating.keys().chain(v.importing.keys()));
            }
        }
        moving_slots.sort_unstable();
        moving_slots.dedup();
    }
    let messages = c
        .messages()
        .into_iter()
        .take(MESSAGES_SHOWN)
        .map(|m| MessageView {
            seq: m.seq,
            from: c.nodes[m.from].name.clone(),
            to: c.nodes[m.to].name.clone(),
            progress: m.progress,
            label: m.label,
        })
        .collect();
    let actors = c
        .actors
        .iter()
        .filter(|a| a.alive)
        .filter_map(|a| c.clients.get(a.client.index()).map(|cl| (a.name.clone(), c.nodes[cl.node].name.clone())))
        .collect();
    let sentinels = c.sentinel.as_ref().map(|s| (s.sentinels, s.quorum, c.nodes[s.primary].name.clone(), s.phase()));
    TopologyView {
        nodes,
        links,
        sentinel,
        lost,
        lost_total: c.lost.len(),
        slot_map,
        moving_slots,
        request: c.last_request.as_ref().map(|r| RequestView {
            client: r.client.to_string(),
            slot: r.slot,
            hops: r
                .hops
                .iter()
                .map(|(n, hop)| {
                    let (words, class) = match hop {
                        redsim_sim::Hop::Served => ("served".to_string(), "served"),
                        redsim_sim::Hop::Redirected { ask: false, to } => (format!("MOVED → {to}"), "moved"),
                        redsim_sim::Hop::Redirected { ask: true, to } => (format!("ASK → {to}"), "ask"),
                        redsim_sim::Hop::Refused(why) => (why.clone(), "refused"),
                    };
                    (c.nodes[*n].name.clone(), words, class)
                })
                .collect(),
        }),
        messages,
        actors,
        sentinels,
    }
}

/// The pictures of one node's first database (the primary's when `node` is out of range).
pub fn node_pictures(c: &Deployment, node: NodeId) -> Pictures {
    let Some(n) = c.nodes.get(node.index()).or_else(|| c.primary().and_then(|p| c.nodes.get(p.index()))) else {
        return Pictures::default();
    };
    let db = &n.server.dbs()[0];
    let streams = streams_in(db, c.now_ms);
    let stream_total = streams.len();
    let enc = n.server.config().encodings;
    Pictures { keys: keys_in(db, &enc, c.now_ms, None), streams, stream_total }
}

/// The numbers of the primary's streams (of the first node when none is primary), for the charts.
pub fn primary_samples(c: &Deployment) -> Vec<StreamSample> {
    c.nodes.get(c.primary().map_or(0, NodeId::index)).map_or_else(Vec::new, |n| samples_in(&n.server.dbs()[0]))
}

/// The largest distance, in replication bytes, between a primary and one of its replicas that is up.
pub fn offset_gap(c: &Deployment) -> u64 {
    c.links
        .iter()
        .filter(|l| c.nodes[l.replica].up)
        .map(|l| c.nodes[l.primary].offset.saturating_sub(c.nodes[l.replica].offset))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use redsim_sim::scenario::{library, Player};

    #[test]
    fn the_failover_world_as_drawn() {
        let sc = library().into_iter().find(|s| s.name == "failover").expect("the failover scenario");
        let mut player = Player::new(sc);
        let start = topology(player.deployment());
        assert_eq!(
            start.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
            ["primary", "replica-1", "replica-2"]
        );
        assert!(start.nodes[0].primary && start.nodes[1].replica_of.as_deref() == Some("primary"));
        assert_eq!(start.links.len(), 2);
        assert!(start.sentinel.as_deref().is_some_and(|s| s.starts_with("Sentinel: 3 sentinels")));
        player.run_to_end(100_000);
        let end = topology(player.deployment());
        assert!(end.nodes[1].primary, "replica-1 was promoted");
        assert!(end.lost_total > 0 && end.lost.len() == end.lost_total.min(LOST_SHOWN));
        let pictures = node_pictures(player.deployment(), NodeId::new(1));
        assert!(pictures.keys.total > 0);
        assert_eq!(
            node_pictures(player.deployment(), NodeId::new(99)).keys,
            pictures.keys,
            "out of range: the primary"
        );
    }
}
