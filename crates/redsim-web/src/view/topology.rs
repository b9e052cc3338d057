//! The scenario world as the player draws it: each node's role, offset and persistence, the links
//! between them, Sentinel, the writes lost, and the data of the node being looked at.

use redsim_sim::{Deployment, Role};

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
}

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
    TopologyView { nodes, links, sentinel, lost, lost_total: c.lost.len() }
}

/// The pictures of one node's first database (the primary's when `node` is out of range).
pub fn node_pictures(c: &Deployment, node: usize) -> Pictures {
    let Some(n) = c.nodes.get(node).or_else(|| c.primary().and_then(|p| c.nodes.get(p))) else {
        return Pictures::default();
    };
    let db = &n.server.dbs[0];
    let streams = streams_in(db, c.now_ms);
    let stream_total = streams.len();
    let enc = n.server.config.encodings;
    Pictures { keys: keys_in(db, &enc, c.now_ms, None), streams, stream_total }
}

/// The numbers of the primary's streams (of the first node when none is primary), for the charts.
pub fn primary_samples(c: &Deployment) -> Vec<StreamSample> {
    c.nodes.get(c.primary().unwrap_or(0)).map_or_else(Vec::new, |n| samples_in(&n.server.dbs[0]))
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
        let pictures = node_pictures(player.deployment(), 1);
        assert!(pictures.keys.total > 0);
        assert_eq!(node_pictures(player.deployment(), 99).keys, pictures.keys, "out of range: the primary");
    }
}
