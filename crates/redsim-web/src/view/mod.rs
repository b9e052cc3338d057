//! Plain view data built from the engine's state: the one place where the app looks inside the
//! engine. Components draw these structs and nothing else, so everything shown is tested here,
//! natively.

mod keys;
mod topology;

use redsim_engine::stream::{Stream, StreamId, ENTRIES_READ_UNKNOWN};
use redsim_engine::value::Value;
use redsim_sim::World;

pub use keys::{
    keys, keys_in, ArraySlots, KeyView, KeysView, SlotCell, VsetNode, VsetPicture, LISTED_KEYS, VSET_DRAWN,
};
pub use topology::*;

/// Most nodes drawn for one stream: the newest ones (older nodes are summarised).
pub const NODES_SHOWN: usize = 4;

/// Deliveries at which a pending entry is flagged as a possible poison message.
pub const POISON_DELIVERIES: u64 = 3;

#[derive(Clone, Debug, PartialEq)]
pub struct EntryView {
    pub id: String,
    pub deleted: bool,
    /// `field=value` pairs, shortened for a chip's tooltip.
    pub summary: String,
    /// Groups whose last-delivered-id is this entry.
    pub group_marks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub first_id: String,
    pub live: usize,
    pub deleted: usize,
    pub bytes: usize,
    pub entries: Vec<EntryView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PendingView {
    pub id: String,
    pub consumer: String,
    pub idle_ms: u64,
    pub delivery_count: u64,
    pub poison: bool,
}

/// Pending entries drawn in one consumer's lane, and rows in the PEL table: a group with 100,000
/// pending entries draws these and counts the rest.
pub const LANE_CHIPS: usize = 50;
pub const PEL_ROWS: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerView {
    pub name: String,
    pub idle_ms: u64,
    /// The consumer's first `LANE_CHIPS` pending entries, by ID.
    pub pending: Vec<PendingView>,
    pub pending_total: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupView {
    pub name: String,
    pub last_delivered_id: String,
    pub entries_read: Option<i64>,
    pub lag: Option<i64>,
    pub consumers: Vec<ConsumerView>,
    /// By ID, the pending entries that are among the first `PEL_ROWS` in some order of the table
    /// (by ID, by idle time, by deliveries): `sorted_pel` of these begins as it would of all.
    pub pel: Vec<PendingView>,
    pub pel_total: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StreamView {
    pub key: String,
    pub length: u64,
    pub last_generated_id: String,
    pub max_deleted_entry_id: String,
    pub first_entry_id: Option<String>,
    pub entries_added: u64,
    pub node_count: usize,
    /// Older nodes not drawn, and how many live entries they hold.
    pub hidden_nodes: usize,
    /// Newer nodes not drawn (when paging back through a long stream), and their live entries.
    pub newer_nodes: usize,
    pub newer_entries: usize,
    pub hidden_entries: usize,
    pub nodes: Vec<NodeView>,
    pub groups: Vec<GroupView>,
}

/// Bytes shown as text: printable ASCII as is, anything else escaped like redis-cli does.
pub(crate) fn text(bytes: &[u8]) -> String {
    let quoted = redsim_engine::cli::quote(bytes);
    quoted[1..quoted.len() - 1].to_string()
}

fn summary(fields: &[(Vec<u8>, Vec<u8>)]) -> String {
    let full = fields.iter().map(|(f, v)| format!("{}={}", text(f), text(v))).collect::<Vec<_>>().join(" ");
    if full.chars().count() > 80 {
        format!("{}…", full.chars().take(79).collect::<String>())
    } else {
        full
    }
}

pub(crate) fn selected_db(world: &World, client: usize) -> usize {
    world.clients.get(client).and_then(|c| world.server.client(c.id)).map_or(0, |c| c.db)
}

/// A stream's numbers after one step, for the charts over time. `Eq`, so comparing shared samples
/// (`Rc`) stops at pointer identity instead of reading 10,000 of them on every render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSample {
    pub key: String,
    pub length: u64,
    /// Pending entries across all groups.
    pub pending: u64,
    /// The largest lag among groups whose lag is known.
    pub lag: Option<i64>,
}

/// The numbers of every stream in `client`'s database.
pub fn samples(world: &World, client: usize) -> Vec<StreamSample> {
    samples_in(&world.server.dbs()[selected_db(world, client)])
}

/// The numbers of every stream of one database (of any node).
pub fn samples_in(db: &redsim_engine::db::Db) -> Vec<StreamSample> {
    db.keys()
        .filter_map(|(key, value)| match value {
            Value::Stream(s) => Some(StreamSample {
                key: text(key),
                length: s.length,
                pending: s.groups.values().map(|g| g.pending.len() as u64).sum(),
                lag: s.groups.values().filter_map(|g| s.lag(g)).max(),
            }),
            _ => None,
        })
        .collect()
}

/// What a blocked client waits for, e.g. `waiting on orders, 1.5 s left` (`None` when it is not
/// blocked).
pub fn waiting(world: &World, client: usize) -> Option<String> {
    let id = world.clients.get(client)?.id;
    let blocked = world.server.blocked(id)?;
    let keys = blocked.keys.iter().map(|k| text(k)).collect::<Vec<_>>().join(", ");
    Some(if blocked.deadline_ms == 0 {
        format!("waiting on {keys}, no timeout")
    } else {
        let left = blocked.deadline_ms.saturating_sub(world.now_ms);
        format!("waiting on {keys}, {:.1} s left", left as f64 / 1000.0)
    })
}

/// Every stream in the database that client number `client` has selected, by key.
pub fn streams(world: &World, client: usize) -> Vec<StreamView> {
    streams_in(&world.server.dbs()[selected_db(world, client)], world.now_ms)
}

/// Every stream of one database (of any node) at `now_ms`.
pub fn streams_in(db: &redsim_engine::db::Db, now_ms: u64) -> Vec<StreamView> {
    db.keys()
        .filter(|(key, _)| !db.is_expired(key, now_ms))
        .filter_map(|(key, value)| match value {
            Value::Stream(stream) => Some(stream_view(&text(key), stream, now_ms)),
            _ => None,
        })
        .collect()
}

/// How many streams get a tab (a script can make thousands of them).
pub const STREAM_TABS: usize = 20;

/// The streams the panel needs, by key: the first `STREAM_TABS` and the shown one (`selected`
/// if it is a stream, else the last), only the shown one drawn in full; and how many streams the
/// database has.
pub fn streams_for_panel(world: &World, client: usize, selected: Option<&str>) -> (Vec<StreamView>, usize) {
    let db = &world.server.dbs()[selected_db(world, client)];
    let now_ms = world.now_ms;
    let all: Vec<(&[u8], &Stream)> = db
        .keys()
        .filter(|(key, _)| !db.is_expired(key, now_ms))
        .filter_map(|(key, value)| match value {
            Value::Stream(stream) => Some((key.as_slice(), &**stream)),
            _ => None,
        })
        .collect();
    let shown =
        selected.and_then(|k| all.iter().position(|(key, _)| *key == k.as_bytes())).or(all.len().checked_sub(1));
    let views =
        all.iter()
            .enumerate()
            .filter(|&(i, _)| i < STREAM_TABS || Some(i) == shown)
            .map(|(i, &(key, stream))| {
                if Some(i) == shown {
                    stream_view(&text(key), stream, now_ms)
                } else {
                    stream_tab(&text(key), stream)
                }
            })
            .collect();
    (views, all.len())
}

/// What the pictures panel draws of one database: its keys and its streams.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pictures {
    pub keys: KeysView,
    /// The streams with a tab; only the shown one has its nodes and groups.
    pub streams: Vec<StreamView>,
    /// How many streams the database has.
    pub stream_total: usize,
}

/// The console's pictures: the database `client` has selected, the `selected` stream (or the
/// newest) drawn from its node `window` (`None`: the newest nodes).
pub fn console_pictures(world: &World, client: usize, selected: Option<&str>, window: Option<usize>) -> Pictures {
    let (mut streams, stream_total) = streams_for_panel(world, client, selected);
    if let Some(window) = window {
        // The shown stream paged back: draw that window of its nodes instead of the newest.
        let key = selected.map(str::to_string).or_else(|| streams.last().map(|s| s.key.clone()));
        if let Some(key) = key {
            if let (Some(pos), Some(view)) =
                (streams.iter().position(|s| s.key == key), stream_view_in(world, client, &key, Some(window)))
            {
                streams[pos] = view;
            }
        }
    }
    Pictures { keys: keys(world, client, selected), streams, stream_total }
}

/// A stream as its tab needs it: its numbers, no nodes or groups drawn.
fn stream_tab(key: &str, stream: &Stream) -> StreamView {
    StreamView {
        key: key.to_string(),
        length: stream.length,
        last_generated_id: stream.last_id.to_string(),
        max_deleted_entry_id: stream.max_deleted_entry_id.to_string(),
        first_entry_id: None,
        entries_added: stream.entries_added,
        node_count: stream.nodes.len(),
        hidden_nodes: 0,
        hidden_entries: 0,
        newer_nodes: 0,
        newer_entries: 0,
        nodes: Vec::new(),
        groups: Vec::new(),
    }
}

pub fn stream_view(key: &str, stream: &Stream, now_ms: u64) -> StreamView {
    stream_view_at(key, stream, now_ms, None)
}

/// The stream of `key` in `client`'s database, drawing the nodes from `window` (the index of the
/// first node shown; `None` for the newest).
pub fn stream_view_in(world: &World, client: usize, key: &str, window: Option<usize>) -> Option<StreamView> {
    match world.server.dbs()[selected_db(world, client)].get(key.as_bytes()) {
        Some(Value::Stream(stream)) => Some(stream_view_at(key, stream, world.now_ms, window)),
        _ => None,
    }
}

/// A stream's picture with `NODES_SHOWN` nodes drawn from `window` (clamped; `None`: the newest), so
/// a stream of any length draws as fast as a short one.
pub fn stream_view_at(key: &str, stream: &Stream, now_ms: u64, window: Option<usize>) -> StreamView {
    let marks = |id: StreamId| -> Vec<String> {
        stream.groups.iter().filter(|(_, g)| g.last_delivered_id == id).map(|(n, _)| text(n)).collect()
    };
    let last_window = stream.nodes.len().saturating_sub(NODES_SHOWN);
    let shown_from = window.unwrap_or(last_window).min(last_window);
    let shown_to = (shown_from + NODES_SHOWN).min(stream.nodes.len());
    let hidden_entries = stream.nodes.values().take(shown_from).map(|n| n.live).sum();
    let newer_entries = stream.nodes.values().skip(shown_to).map(|n| n.live).sum();
    let nodes = stream
        .nodes
        .iter()
        .skip(shown_from)
        .take(NODES_SHOWN)
        .map(|(first, node)| NodeView {
            first_id: first.to_string(),
            live: node.live,
            deleted: node.deleted,
            bytes: node.bytes(),
            entries: node
                .all_entries()
                .map(|e| EntryView {
                    id: e.id.to_string(),
                    deleted: e.deleted,
                    summary: summary(&e.fields),
                    group_marks: marks(e.id),
                })
                .collect(),
        })
        .collect();
    let pending = |id: &StreamId, p: &redsim_engine::stream::PendingEntry| PendingView {
        id: id.to_string(),
        // Handed back by XNACK: pending, owned by no consumer.
        consumer: if p.released { "(nobody)".to_string() } else { text(&p.consumer) },
        idle_ms: now_ms.saturating_sub(p.delivery_time),
        delivery_count: p.delivery_count,
        poison: p.delivery_count >= POISON_DELIVERIES,
    };
    let groups = stream
        .groups
        .iter()
        .map(|(name, g)| GroupView {
            name: text(name),
            last_delivered_id: g.last_delivered_id.to_string(),
            entries_read: (g.entries_read != ENTRIES_READ_UNKNOWN).then_some(g.entries_read),
            lag: stream.lag(g),
            consumers: g
                .consumers
                .values()
                .map(|c| ConsumerView {
                    name: text(&c.name),
                    idle_ms: now_ms.saturating_sub(c.seen_time),
                    pending: c.pending.iter().take(LANE_CHIPS).map(|id| pending(id, &g.pending[id])).collect(),
                    pending_total: c.pending.len(),
                })
                .collect(),
            pel: table_rows(&g.pending, now_ms).into_iter().map(|id| pending(&id, &g.pending[&id])).collect(),
            pel_total: g.pending.len(),
        })
        .collect();
    StreamView {
        key: key.to_string(),
        length: stream.length,
        last_generated_id: stream.last_id.to_string(),
        max_deleted_entry_id: stream.max_deleted_entry_id.to_string(),
        first_entry_id: stream.first_entry().map(|e| e.id.to_string()),
        entries_added: stream.entries_added,
        node_count: stream.nodes.len(),
        hidden_nodes: shown_from,
        hidden_entries,
        newer_nodes: stream.nodes.len() - shown_to,
        newer_entries,
        nodes,
        groups,
    }
}

/// The IDs of the PEL table's candidate rows, in ID order: the first `PEL_ROWS` by ID, by idle
/// time and by delivery count (ties by ID, as the table's stable sort breaks them).
fn table_rows(
    pel: &std::collections::BTreeMap<StreamId, redsim_engine::stream::PendingEntry>,
    now_ms: u64,
) -> std::collections::BTreeSet<StreamId> {
    use std::cmp::Reverse;
    let mut rows: std::collections::BTreeSet<StreamId> = pel.keys().take(PEL_ROWS).copied().collect();
    if pel.len() <= PEL_ROWS {
        return rows;
    }
    let mut top = |key: &dyn Fn(&redsim_engine::stream::PendingEntry) -> u64| {
        let mut ranked: Vec<(Reverse<u64>, StreamId)> = pel.iter().map(|(id, p)| (Reverse(key(p)), *id)).collect();
        ranked.select_nth_unstable(PEL_ROWS - 1);
        rows.extend(ranked[..PEL_ROWS].iter().map(|&(_, id)| id));
    };
    top(&|p| now_ms.saturating_sub(p.delivery_time));
    top(&|p| p.delivery_count);
    rows
}

/// How the PEL table is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PelOrder {
    #[default]
    Id,
    IdleDescending,
    DeliveriesDescending,
}

pub fn sorted_pel(pel: &[PendingView], order: PelOrder) -> Vec<PendingView> {
    let mut rows = pel.to_vec();
    match order {
        PelOrder::Id => {}
        PelOrder::IdleDescending => rows.sort_by_key(|r| std::cmp::Reverse(r.idle_ms)),
        PelOrder::DeliveriesDescending => rows.sort_by_key(|r| std::cmp::Reverse(r.delivery_count)),
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::AppState;

    fn state_after(lines: &[&str]) -> AppState {
        let mut state = AppState::default();
        for line in lines {
            state.run_line(line);
        }
        state
    }

    #[test]
    fn nodes_entries_and_ghosts() {
        let mut lines = vec!["CONFIG SET stream-node-max-entries 3"];
        let adds: Vec<String> = (1..=7).map(|i| format!("XADD s {i}-0 f v{i}")).collect();
        lines.extend(adds.iter().map(String::as_str));
        lines.push("XDEL s 2-0");
        let state = state_after(&lines);
        let views = streams(state.session.world(), 0);
        assert_eq!(views.len(), 1);
        let s = &views[0];
        assert_eq!((s.length, s.node_count), (6, 3));
        assert_eq!(s.nodes.iter().map(|n| n.first_id.as_str()).collect::<Vec<_>>(), ["1-0", "4-0", "7-0"]);
        assert_eq!((s.nodes[0].live, s.nodes[0].deleted), (2, 1));
        assert!(s.nodes[0].entries[1].deleted, "2-0 stays as a ghost in its node");
        assert_eq!(s.max_deleted_entry_id, "2-0");
        assert_eq!(s.nodes[0].entries[0].summary, "f=v1");
    }

    #[test]
    fn groups_consumers_and_poison_messages() {
        let state = state_after(&[
            "XADD s 1-0 f v",
            "XADD s 2-0 f v",
            "XGROUP CREATE s g 0",
            "XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
            "XCLAIM s g bob 0 1-0",
            "XCLAIM s g alice 0 1-0",
        ]);
        let g = &streams(state.session.world(), 0)[0].groups[0];
        assert_eq!(
            (g.name.as_str(), g.last_delivered_id.as_str(), g.entries_read, g.lag),
            ("g", "1-0", Some(1), Some(1))
        );
        assert_eq!(g.pel.len(), 1);
        assert_eq!(g.pel[0].delivery_count, 3);
        assert!(g.pel[0].poison);
        let alice = g.consumers.iter().find(|c| c.name == "alice").unwrap();
        assert_eq!(alice.pending.len(), 1);
        let s = &streams(state.session.world(), 0)[0];
        assert_eq!(s.nodes[0].entries[0].group_marks, ["g"]);
    }

    #[test]
    fn keys_list_type_ttl_and_size() {
        let mut state =
            state_after(&["SET greeting \"hi there\" PX 5000", "XADD s 1-0 f v", "XADD s 2-0 f v", "SET gone x PX 10"]);
        state.session.advance(1000);
        let view = keys(state.session.world(), 0, None);
        assert_eq!(view.total, 2);
        let keys = view.listed;
        let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names, ["greeting", "s"], "an expired key is not listed even before it is removed");
        assert_eq!((keys[0].kind, keys[0].ttl_ms, keys[0].size), ("string", Some(4000), 8));
        assert_eq!(keys[0].value.as_deref(), Some("\"hi there\""));
        assert_eq!((keys[1].kind, keys[1].ttl_ms, keys[1].size), ("stream", None, 2));
    }

    #[test]
    fn an_array_shows_its_slots_gaps_and_cursor() {
        let state = state_after(&["ARMSET a 0 x 1 y 1000000 z", "ARSEEK a 2"]);
        let view = keys(state.session.world(), 0, Some("a"));
        let a = &view.listed[0];
        assert_eq!((a.kind, a.encoding, a.size), ("array", "sliced-array", 3));
        let slots = a.slots.as_ref().unwrap();
        assert_eq!((slots.len, slots.count, slots.cursor, slots.more), (1_000_001, 3, Some(2), 0));
        assert_eq!(
            slots.cells,
            [
                SlotCell::Value { index: 0, value: "\"x\"".into() },
                SlotCell::Value { index: 1, value: "\"y\"".into() },
                SlotCell::Gap { from: 2, to: 999_999 },
                SlotCell::Value { index: 1_000_000, value: "\"z\"".into() },
            ]
        );
    }

    #[test]
    fn a_big_pel_keeps_what_each_order_of_the_table_shows_first() {
        // 600 pending entries: read in three batches at different times (so idle times differ),
        // and some claimed again (so delivery counts differ), with ties in both.
        let mut state = state_after(&[
            "EVAL \"for i=1,600 do redis.call('XADD','s',i..'-0','n',i) end\" 0",
            "XGROUP CREATE s g 0",
            "XREADGROUP GROUP g a COUNT 250 STREAMS s >",
        ]);
        state.session.advance(500);
        state.run_line("XREADGROUP GROUP g b COUNT 250 STREAMS s >");
        state.session.advance(500);
        state.run_line("XREADGROUP GROUP g a STREAMS s >");
        for i in (7..600).step_by(13) {
            state.run_line(&format!("XCLAIM s g b 0 {i}-0"));
        }
        state.session.advance(250);
        let world = state.session.world();
        let view = stream_view_in(world, 0, "s", None).expect("a stream");
        let g = &view.groups[0];
        assert_eq!(g.pel_total, 600);
        assert!(g.pel.len() < 600 && g.pel.len() >= PEL_ROWS);
        let all: Vec<PendingView> = match world.server.dbs()[0].get(b"s") {
            Some(Value::Stream(stream)) => stream.groups[&b"g".to_vec()]
                .pending
                .iter()
                .map(|(id, p)| PendingView {
                    id: id.to_string(),
                    consumer: text(&p.consumer),
                    idle_ms: world.now_ms.saturating_sub(p.delivery_time),
                    delivery_count: p.delivery_count,
                    poison: p.delivery_count >= POISON_DELIVERIES,
                })
                .collect(),
            _ => unreachable!(),
        };
        for order in [PelOrder::Id, PelOrder::IdleDescending, PelOrder::DeliveriesDescending] {
            assert_eq!(sorted_pel(&g.pel, order)[..PEL_ROWS], sorted_pel(&all, order)[..PEL_ROWS], "{order:?}");
        }
        let a = g.consumers.iter().find(|c| c.name == "a").expect("consumer a");
        let claimed_from_a = (7..600).step_by(13).filter(|&i| i <= 250 || i > 500).count();
        assert_eq!((a.pending.len(), a.pending_total), (LANE_CHIPS, 350 - claimed_from_a));
    }

    #[test]
    fn many_streams_draw_only_the_shown_one() {
        let state =
            state_after(&["EVAL \"for i=1,30 do redis.call('XADD',string.format('s%02d',i),'1-0','n',i) end\" 0"]);
        let world = state.session.world();
        let (views, total) = streams_for_panel(world, 0, None);
        assert_eq!((views.len(), total), (STREAM_TABS + 1, 30));
        assert_eq!(views[0].key, "s01");
        assert!(views[0].nodes.is_empty(), "a tab only");
        assert_eq!((views[STREAM_TABS].key.as_str(), views[STREAM_TABS].nodes.len()), ("s30", 1), "the last, in full");
        let (views, _) = streams_for_panel(world, 0, Some("s05"));
        assert_eq!(views.len(), STREAM_TABS);
        assert_eq!(views.iter().filter(|v| !v.nodes.is_empty()).map(|v| v.key.as_str()).collect::<Vec<_>>(), ["s05"]);
    }

    #[test]
    fn many_keys_list_the_first_ones_and_the_selected_one() {
        let state = state_after(&["EVAL \"for i=1,1000 do redis.call('SET',string.format('k%04d',i),i) end\" 0"]);
        let view = keys(state.session.world(), 0, Some("k0900"));
        assert_eq!(view.total, 1000);
        assert_eq!(view.listed.len(), LISTED_KEYS + 1);
        assert_eq!(view.listed[0].key, "k0001");
        assert_eq!(view.listed[LISTED_KEYS - 1].key, format!("k{LISTED_KEYS:04}"));
        assert_eq!(view.listed[LISTED_KEYS].key, "k0900", "the selected key is listed too");
        assert_eq!(keys(state.session.world(), 0, Some("k0002")).listed.len(), LISTED_KEYS);
    }

    #[test]
    fn blocked_clients_say_what_they_wait_for() {
        let mut state = state_after(&["XREAD BLOCK 1500 STREAMS orders $"]);
        assert_eq!(waiting(state.session.world(), 0).as_deref(), Some("waiting on orders, 1.5 s left"));
        assert_eq!(waiting(state.session.world(), 1), None);
        state.session.advance(1000);
        assert_eq!(waiting(state.session.world(), 0).as_deref(), Some("waiting on orders, 0.5 s left"));
        state.session.advance(500);
        assert_eq!(waiting(state.session.world(), 0), None, "timed out");
    }

    #[test]
    fn pel_sorts_by_idle_and_deliveries() {
        let row = |id: &str, idle_ms, delivery_count| PendingView {
            id: id.into(),
            consumer: "c".into(),
            idle_ms,
            delivery_count,
            poison: false,
        };
        let pel = vec![row("1-0", 5, 1), row("2-0", 50, 4), row("3-0", 20, 2)];
        let ids = |rows: Vec<PendingView>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(sorted_pel(&pel, PelOrder::IdleDescending)), ["2-0", "3-0", "1-0"]);
        assert_eq!(ids(sorted_pel(&pel, PelOrder::DeliveriesDescending)), ["2-0", "3-0", "1-0"]);
        assert_eq!(ids(sorted_pel(&pel, PelOrder::Id)), ["1-0", "2-0", "3-0"]);
    }

    #[test]
    fn a_window_pages_back_through_a_long_stream() {
        let mut state = AppState::default();
        for i in 1..=2_000 {
            state.session.command(0, redsim_engine::cli::split_args(format!("XADD s {i}-0 f v").as_bytes()).unwrap());
        }
        let w = state.session.world();
        let rest = 20 - NODES_SHOWN;
        let s = stream_view_in(w, 0, "s", Some(0)).unwrap();
        assert_eq!((s.hidden_nodes, s.newer_nodes, s.newer_entries), (0, rest, rest * 100));
        assert_eq!(s.nodes[0].first_id, "1-0");
        let s = stream_view_in(w, 0, "s", Some(5)).unwrap();
        assert_eq!((s.hidden_nodes, s.nodes.len(), s.newer_nodes), (5, NODES_SHOWN, rest - 5));
        let s = stream_view_in(w, 0, "s", Some(99)).unwrap();
        assert_eq!((s.hidden_nodes, s.newer_nodes), (rest, 0), "clamped to the newest window");
    }

    #[test]
    fn big_streams_draw_only_the_newest_nodes() {
        let mut state = AppState::default();
        for i in 1..=2_000 {
            state.session.command(0, redsim_engine::cli::split_args(format!("XADD big {i}-0 f v").as_bytes()).unwrap());
        }
        let s = &streams(state.session.world(), 0)[0];
        assert_eq!(s.node_count, 20);
        assert_eq!(s.nodes.len(), NODES_SHOWN);
        assert_eq!((s.hidden_nodes, s.hidden_entries), (20 - NODES_SHOWN, (20 - NODES_SHOWN) * 100));
    }
}
