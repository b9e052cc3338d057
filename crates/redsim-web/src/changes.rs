//! Sentences about what the last step changed, from its typed effects: the "what changed" strip,
//! and the IDs to highlight.

use redsim_engine::{Effect, StreamEffect};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// How many sentences the strip spells out; the rest of a big step (a script that added 100,000
/// entries) is counted, not written.
pub const SHOWN_CHANGES: usize = 12;

/// One line per effect a learner would want spelled out, the first `SHOWN_CHANGES` of them, then
/// how many more effects the step had.
pub fn describe(effects: &[Effect]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for (at, effect) in effects.iter().enumerate() {
        if lines.len() == SHOWN_CHANGES {
            let more = effects[at..].iter().filter(|e| !matches!(e, Effect::ClientChanged { .. })).count();
            if more > 0 {
                lines.push(format!("… and {more} more {}", if more == 1 { "change" } else { "changes" }));
            }
            break;
        }
        // One line per change: a key written twice by one command is one change.
        if let Some(line) = sentence(effect).filter(|line| !lines.contains(line)) {
            lines.push(line);
        }
    }
    lines
}

/// The sentence for one effect (`None` for bookkeeping nobody needs spelled out).
fn sentence(effect: &Effect) -> Option<String> {
    match effect {
        Effect::Stream { key, change, .. } => Some(describe_stream(&text(key), change)),
        Effect::KeyExpired { key, lazily, .. } => Some(format!(
            "{} expired ({})",
            text(key),
            if *lazily { "found expired on access" } else { "removed by the expiry cycle" }
        )),
        Effect::KeyDeleted { key, .. } => Some(format!("{} deleted", text(key))),
        Effect::KeyEvicted { key, policy, .. } => {
            Some(format!("{} evicted to stay under maxmemory ({policy})", text(key)))
        }
        Effect::KeyWritten { key, .. } => Some(format!("{} written", text(key))),
        Effect::ExpireSet { key, at_ms: Some(_), .. } => Some(format!("{} given a time to live", text(key))),
        Effect::ExpireSet { key, at_ms: None, .. } => Some(format!("{} made persistent", text(key))),
        Effect::Published { channel, receivers } => Some(format!(
            "message published to {} ({receivers} {})",
            text(channel),
            if *receivers == 1 { "receiver" } else { "receivers" }
        )),
        Effect::Flushed { db: None } => Some("every database flushed".into()),
        Effect::Flushed { db: Some(db) } => Some(format!("database {db} flushed")),
        Effect::ClientBlocked { keys, deadline_ms, .. } => Some(format!(
            "client blocked on {}{}",
            keys.iter().map(|k| text(k)).collect::<Vec<_>>().join(", "),
            if *deadline_ms == 0 { " with no timeout".to_string() } else { String::new() }
        )),
        Effect::ClientUnblocked { timed_out: true, .. } => Some("a blocked client timed out".into()),
        Effect::ClientUnblocked { timed_out: false, .. } => Some("a blocked client was served".into()),
        Effect::ClientChanged { .. } => None,
        Effect::VectorSearch { key, visited, found, .. } => Some(format!(
            "{}: the search compared the query with {} element{} and answered {}",
            text(key),
            visited.len(),
            if visited.len() == 1 { "" } else { "s" },
            found.len()
        )),
    }
}

/// The last vector search of a step, for the vector set picture.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VectorSearch {
    pub key: String,
    pub visited: Vec<String>,
    pub found: Vec<String>,
}

pub fn vector_search(effects: &[Effect]) -> Option<VectorSearch> {
    effects.iter().rev().find_map(|e| match e {
        Effect::VectorSearch { key, visited, found, .. } => Some(VectorSearch {
            key: text(key),
            visited: visited.iter().map(|v| text(v)).collect(),
            found: found.iter().map(|v| text(v)).collect(),
        }),
        _ => None,
    })
}

fn describe_stream(key: &str, change: &StreamEffect) -> String {
    match change {
        StreamEffect::Added { id, node, new_node: true } => format!("{key}: {id} added in a new node ({node})"),
        StreamEffect::Added { id, node, .. } => format!("{key}: {id} added to node {node}"),
        StreamEffect::Deleted { id, node_freed: true } => {
            format!("{key}: {id} deleted; its node had no live entry left and was freed")
        }
        StreamEffect::Deleted { id, .. } => format!("{key}: {id} flagged deleted (it stays in its node)"),
        StreamEffect::Trimmed { ids, nodes_removed } => format!(
            "{key}: trimmed {} entr{} ({} whole node{})",
            ids.len(),
            if ids.len() == 1 { "y" } else { "ies" },
            nodes_removed.len(),
            if nodes_removed.len() == 1 { "" } else { "s" }
        ),
        StreamEffect::IdSet { last_id } => format!("{key}: last-generated-id set to {last_id}"),
        StreamEffect::GroupCreated { group, last_delivered_id } => {
            format!("{key}: group {} created at {last_delivered_id}", text(group))
        }
        StreamEffect::GroupMoved { group, last_delivered_id, .. } => {
            format!("{key}: group {} now at {last_delivered_id}", text(group))
        }
        StreamEffect::GroupDestroyed { group } => format!("{key}: group {} destroyed", text(group)),
        StreamEffect::ConsumerCreated { group, consumer } => {
            format!("{key}: consumer {} joined {}", text(consumer), text(group))
        }
        StreamEffect::ConsumerDeleted { group, consumer, pending } => {
            format!("{key}: consumer {} left {} dropping {pending} pending", text(consumer), text(group))
        }
        StreamEffect::Delivered { consumer, id, delivery_count, noack: true, .. } => {
            format!(
                "{key}: {id} delivered to {} without a PEL entry (NOACK, delivery {delivery_count})",
                text(consumer)
            )
        }
        StreamEffect::Delivered { consumer, id, delivery_count, .. } => {
            format!("{key}: {id} delivered to {} (delivery {delivery_count})", text(consumer))
        }
        StreamEffect::Acked { consumer, id, .. } => format!("{key}: {id} acknowledged by {}", text(consumer)),
        StreamEffect::Claimed { from: Some(from), to, id, .. } => {
            format!("{key}: {id} claimed from {} by {}", text(from), text(to))
        }
        StreamEffect::Claimed { from: None, to, id, .. } => format!("{key}: {id} claimed by {} (FORCE)", text(to)),
        StreamEffect::PendingDropped { id, .. } => format!("{key}: pending {id} dropped: the entry no longer exists"),
        StreamEffect::Released { from, id, delivery_count, .. } if from.is_empty() => {
            format!("{key}: {id} made pending for nobody (delivery count {delivery_count}), free to claim")
        }
        StreamEffect::Released { from, id, delivery_count, .. } => {
            format!("{key}: {id} handed back by {} (delivery count {delivery_count}), free to claim", text(from))
        }
    }
}

/// How an entry moved in a step, for the pictures to show it moving (each is a CSS class).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Motion {
    /// `XADD`: it slides onto the end of its node.
    Added,
    /// Delivered to a consumer: it flies into the consumer's lane.
    Delivered,
    /// Claimed by another consumer: it moves into that lane.
    Claimed,
    /// Handed back to the group (`XNACK`): free to claim.
    Released,
    /// `XDEL`: it fades into its ghost.
    Deleted,
    /// A group's last-delivered-id moved onto it.
    Pointer,
}

impl Motion {
    pub fn class(self) -> &'static str {
        match self {
            Motion::Added => "enter",
            Motion::Delivered => "delivered",
            Motion::Claimed => "claimed",
            Motion::Released => "released",
            Motion::Deleted => "ghosted",
            Motion::Pointer => "moved",
        }
    }
}

/// Entry IDs the last step moved, and how: sorted, for `Touched::contains` and `Touched::motion`.
pub fn touched_ids(effects: &[Effect]) -> Touched {
    let mut moves: Vec<(String, Motion)> = effects
        .iter()
        .filter_map(|e| {
            let Effect::Stream { change, .. } = e else { return None };
            Some(match change {
                StreamEffect::Added { id, .. } => (id.to_string(), Motion::Added),
                StreamEffect::Delivered { id, .. } => (id.to_string(), Motion::Delivered),
                StreamEffect::Claimed { id, .. } => (id.to_string(), Motion::Claimed),
                StreamEffect::Released { id, .. } => (id.to_string(), Motion::Released),
                StreamEffect::Deleted { id, .. } => (id.to_string(), Motion::Deleted),
                StreamEffect::GroupMoved { last_delivered_id, .. } => (last_delivered_id.to_string(), Motion::Pointer),
                _ => return None,
            })
        })
        .collect();
    moves.sort_unstable();
    moves.dedup();
    let acked: Vec<(String, String, String)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Stream { change: StreamEffect::Acked { group, consumer, id }, .. } => {
                Some((text(group), text(consumer), id.to_string()))
            }
            _ => None,
        })
        .collect();
    let trimmed: Vec<(String, String)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Stream { key, change: StreamEffect::Trimmed { nodes_removed, .. }, .. } => {
                Some(nodes_removed.iter().map(|n| (text(key), n.to_string())).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    Touched {
        moves: std::rc::Rc::from(moves),
        still: false,
        acked: std::rc::Rc::from(acked),
        trimmed: std::rc::Rc::from(trimmed),
    }
}

/// The moves between two pictures of the same streams, one step apart, for a world whose engines
/// report no effects (the scenario player): entries that appeared, entries that became ghosts,
/// pending entries that came into a lane (from the stream, or from another consumer's) or left
/// it, and group pointers that moved.
pub fn touched_between(before: &[crate::view::StreamView], after: &[crate::view::StreamView]) -> Touched {
    let mut moves: Vec<(String, Motion)> = Vec::new();
    let mut acked: Vec<(String, String, String)> = Vec::new();
    for now in after {
        let Some(then) = before.iter().find(|s| s.key == now.key) else { continue };
        let entries = |s: &crate::view::StreamView| -> Vec<(String, bool)> {
            s.nodes.iter().flat_map(|n| n.entries.iter().map(|e| (e.id.clone(), e.deleted))).collect()
        };
        let (old, new) = (entries(then), entries(now));
        for (id, deleted) in &new {
            match old.iter().find(|(o, _)| o == id) {
                None if !deleted => moves.push((id.clone(), Motion::Added)),
                Some((_, false)) if *deleted => moves.push((id.clone(), Motion::Deleted)),
                _ => {}
            }
        }
        for g in &now.groups {
            let Some(was) = then.groups.iter().find(|w| w.name == g.name) else { continue };
            if was.last_delivered_id != g.last_delivered_id {
                moves.push((g.last_delivered_id.clone(), Motion::Pointer));
            }
            let owner = |group: &crate::view::GroupView, id: &str| {
                group.consumers.iter().find(|c| c.pending.iter().any(|p| p.id == id)).map(|c| c.name.clone())
            };
            for c in &g.consumers {
                for p in &c.pending {
                    match owner(was, &p.id) {
                        None => moves.push((p.id.clone(), Motion::Delivered)),
                        Some(from) if from != c.name => moves.push((p.id.clone(), Motion::Claimed)),
                        Some(_) => {}
                    }
                }
            }
            for c in &was.consumers {
                for p in &c.pending {
                    if owner(g, &p.id).is_none() && g.pel.iter().all(|q| q.id != p.id) {
                        acked.push((g.name.clone(), c.name.clone(), p.id.clone()));
                    }
                }
            }
        }
    }
    moves.sort_unstable();
    moves.dedup();
    Touched {
        moves: std::rc::Rc::from(moves),
        still: false,
        acked: std::rc::Rc::from(acked),
        trimmed: std::rc::Rc::from(Vec::new()),
    }
}

/// The IDs a step moved, shared by the pictures (a step can touch 100,000 of them), and whether
/// the pictures show the moves or only highlight them (`still`: a step reached by going back or
/// jumping, which is shown as it is at once).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touched {
    moves: std::rc::Rc<[(String, Motion)]>,
    still: bool,
    /// `(group, consumer, id)` acknowledged.
    acked: std::rc::Rc<[(String, String, String)]>,
    /// `(stream, first ID of a node)` removed whole by a trim.
    trimmed: std::rc::Rc<[(String, String)]>,
}

impl Touched {
    /// The same highlights without movement.
    pub fn still(self) -> Touched {
        Touched { still: true, ..self }
    }

    /// The nodes of `stream` a trim removed whole in the step (shown falling away), none when
    /// the step is shown at once.
    pub fn trimmed_nodes(&self, stream: &str) -> Vec<String> {
        if self.still {
            return Vec::new();
        }
        self.trimmed.iter().filter(|(k, _)| k == stream).map(|(_, n)| n.clone()).collect()
    }

    /// Entries the step acknowledged for this consumer of this group (`XACK`): they leave its
    /// lane, shown leaving for the step.
    pub fn acked_by(&self, group: &str, consumer: &str) -> Vec<String> {
        self.acked.iter().filter(|(g, c, _)| g == group && c == consumer).map(|(_, _, id)| id.clone()).collect()
    }

    /// Whether the pictures show the moves (not a step reached by going back or jumping).
    pub fn moving(&self) -> bool {
        !self.still
    }

    /// The moves of one ID, in the order of `Motion`.
    fn of(&self, id: &str) -> &[(String, Motion)] {
        let start = self.moves.partition_point(|t| t.0.as_str() < id);
        let end = self.moves.partition_point(|t| t.0.as_str() <= id);
        &self.moves[start..end]
    }

    /// Whether the step added, delivered, claimed or released this entry (it is highlighted).
    pub fn contains(&self, id: &str) -> bool {
        self.of(id).iter().any(|t| !matches!(t.1, Motion::Deleted | Motion::Pointer))
    }

    /// Whether the step moved this entry in this way (and the move is shown).
    pub fn moved(&self, id: &str, motion: Motion) -> bool {
        !self.still && self.of(id).iter().any(|t| t.1 == motion)
    }

    /// The CSS classes of an entry chip in the stream: how it moved there.
    pub fn entry_classes(&self, id: &str) -> Vec<&'static str> {
        if self.still {
            return Vec::new();
        }
        self.of(id).iter().filter(|t| matches!(t.1, Motion::Added | Motion::Deleted)).map(|t| t.1.class()).collect()
    }

    /// The CSS classes of a pending chip in a consumer's lane.
    pub fn pending_classes(&self, id: &str) -> Vec<&'static str> {
        if self.still {
            return Vec::new();
        }
        self.of(id)
            .iter()
            .filter(|t| matches!(t.1, Motion::Delivered | Motion::Claimed | Motion::Released))
            .map(|t| t.1.class())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redsim_engine::stream::StreamId;

    fn added(ms: u64) -> Effect {
        let id = StreamId::new(ms, 0);
        Effect::Stream { db: 0, key: b"s".to_vec(), change: StreamEffect::Added { id, node: id, new_node: false } }
    }

    #[test]
    fn a_big_step_spells_out_the_first_changes_and_counts_the_rest() {
        let effects: Vec<Effect> = (1..=100_000).map(added).collect();
        let lines = describe(&effects);
        assert_eq!(lines.len(), SHOWN_CHANGES + 1);
        assert_eq!(lines[0], describe(&effects[..1])[0]);
        assert_eq!(lines[SHOWN_CHANGES], format!("… and {} more changes", 100_000 - SHOWN_CHANGES));
        let touched = touched_ids(&effects);
        assert!(touched.contains("1-0") && touched.contains("100000-0") && !touched.contains("100001-0"));
        assert_eq!(touched.entry_classes("7-0"), vec!["enter"]);
    }

    #[test]
    fn moves_are_found_between_two_pictures_a_step_apart() {
        let mut session = redsim_sim::Session::new(redsim_engine::Version::LATEST, &["a", "b"]);
        let line = |l: &str| redsim_engine::cli::split_args(l.as_bytes()).unwrap();
        for l in
            ["XADD s 1-0 f v", "XADD s 2-0 f v", "XGROUP CREATE s g 0", "XREADGROUP GROUP g ann COUNT 1 STREAMS s >"]
        {
            session.command(0, line(l));
        }
        let pictures = |session: &redsim_sim::Session, n: usize| {
            crate::view::console_pictures(&session.world_after(n), 0, None, None).streams
        };
        let before = pictures(&session, 4);
        session.command(0, line("XACK s g 1-0"));
        session.command(0, line("XADD s 3-0 f v"));
        session.command(0, line("XREADGROUP GROUP g bob COUNT 2 STREAMS s >"));
        let after = pictures(&session, 7);
        let touched = touched_between(&before, &after);
        assert_eq!(touched.entry_classes("3-0"), vec!["enter"]);
        assert_eq!(touched.pending_classes("2-0"), vec!["delivered"]);
        assert_eq!(touched.acked_by("g", "ann"), vec!["1-0".to_string()]);
        assert!(touched.moved("3-0", Motion::Pointer));
        assert!(touched_between(&after, &after).entry_classes("3-0").is_empty(), "no step, no move");
    }

    #[test]
    fn each_kind_of_move_has_its_class() {
        let id = StreamId::new(5, 0);
        let stream = |change| Effect::Stream { db: 0, key: b"s".to_vec(), change };
        let touched = touched_ids(&[
            stream(StreamEffect::Deleted { id, node_freed: false }),
            stream(StreamEffect::GroupMoved { group: b"g".to_vec(), last_delivered_id: id, entries_read: 1 }),
        ]);
        assert!(!touched.contains("5-0"), "a deletion is not highlighted, it fades");
        assert_eq!(touched.entry_classes("5-0"), vec!["ghosted"]);
        assert!(touched.moved("5-0", Motion::Pointer));
        assert!(touched.pending_classes("5-0").is_empty());
        let still = touched.still();
        assert!(still.entry_classes("5-0").is_empty() && !still.moved("5-0", Motion::Pointer));
    }

    #[test]
    fn a_key_written_twice_is_one_change_and_small_steps_are_not_summarised() {
        let written = Effect::KeyWritten { db: 0, key: b"k".to_vec() };
        let lines = describe(&[written.clone(), written, Effect::ClientChanged { client: 1 }, added(5)]);
        assert_eq!(lines, vec!["k written".to_string(), describe(&[added(5)])[0].clone()]);
    }
}
