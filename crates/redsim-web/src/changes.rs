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
    }
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

/// Entry IDs the last step added or delivered, to highlight: sorted, for `Touched::contains`.
pub fn touched_ids(effects: &[Effect]) -> Touched {
    let mut ids: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Stream { change: StreamEffect::Added { id, .. }, .. }
            | Effect::Stream { change: StreamEffect::Delivered { id, .. }, .. }
            | Effect::Stream { change: StreamEffect::Claimed { id, .. }, .. }
            | Effect::Stream { change: StreamEffect::Released { id, .. }, .. } => Some(id.to_string()),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Touched(std::rc::Rc::from(ids))
}

/// The IDs a step touched, shared by the pictures (a step can touch 100,000 of them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touched(std::rc::Rc<[String]>);

impl Touched {
    pub fn contains(&self, id: &str) -> bool {
        self.0.binary_search_by(|t| t.as_str().cmp(id)).is_ok()
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
    }

    #[test]
    fn a_key_written_twice_is_one_change_and_small_steps_are_not_summarised() {
        let written = Effect::KeyWritten { db: 0, key: b"k".to_vec() };
        let lines = describe(&[written.clone(), written, Effect::ClientChanged { client: 1 }, added(5)]);
        assert_eq!(lines, vec!["k written".to_string(), describe(&[added(5)])[0].clone()]);
    }
}
