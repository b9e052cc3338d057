//! The keyspace browser: every key with its type, time to live (counting down in virtual time)
//! and size. Selecting a stream shows its picture; selecting another key shows its value (the first
//! elements of a collection).

use yew::prelude::*;

use crate::view::{ArraySlots, KeysView, SlotCell, VsetPicture, VSET_DRAWN};

/// A key with less time to live than this fades in the list.
const FADE_MS: u64 = 3_000;

#[derive(Properties, PartialEq)]
pub struct KeyspaceProps {
    pub keys: KeysView,
    pub selected: Option<String>,
    pub on_select: Callback<String>,
    /// The step's vector search, marked on the picture of the set it searched.
    #[prop_or_default]
    pub search: Option<crate::changes::VectorSearch>,
}

fn ttl(ms: Option<u64>) -> String {
    match ms {
        None => "no TTL".into(),
        Some(ms) if ms < 10_000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{} s", ms / 1000),
    }
}

#[function_component(Keyspace)]
pub fn keyspace(props: &KeyspaceProps) -> Html {
    if props.keys.total == 0 {
        return html! {};
    }
    let selected_string = props
        .selected
        .as_ref()
        .and_then(|k| props.keys.listed.iter().find(|v| &v.key == k))
        .and_then(|k| k.value.clone().map(|v| (k.key.clone(), v)));
    // A vector set's picture shows for the selected key; with none selected, for the set the
    // step searched, or else the first vector set listed (a scenario's keys cannot be selected).
    let selected_vset = match &props.selected {
        Some(k) => props.keys.listed.iter().find(|v| &v.key == k),
        None => props
            .search
            .as_ref()
            .and_then(|s| props.keys.listed.iter().find(|v| v.key == s.key))
            .or_else(|| props.keys.listed.iter().find(|v| v.vectors.is_some())),
    }
    .and_then(|k| k.vectors.clone().map(|s| (k.key.clone(), s)));
    let selected_array = props
        .selected
        .as_ref()
        .and_then(|k| props.keys.listed.iter().find(|v| &v.key == k))
        .and_then(|k| k.slots.clone().map(|s| (k.key.clone(), s)));
    html! {
        <section class="keyspace" aria-label="Keyspace">
            <table>
                <caption>{ format!("Keys ({})", props.keys.total) }</caption>
                <thead><tr><th scope="col">{ "key" }</th><th scope="col">{ "type" }</th>
                    <th scope="col">{ "TTL" }</th><th scope="col">{ "size" }</th></tr></thead>
                <tbody>
                    { for props.keys.listed.iter().map(|k| {
                        let key = k.key.clone();
                        let on_select = props.on_select.clone();
                        let active = props.selected.as_ref() == Some(&k.key);
                        let (one, many) = match k.kind {
                            "stream" => ("entry", "entries"),
                            "list" => ("element", "elements"),
                            "hash" => ("field", "fields"),
                            "set" | "zset" => ("member", "members"),
                            "array" | "vectorset" => ("element", "elements"),
                            _ => ("byte", "bytes"),
                        };
                        let unit = if k.size == 1 { one } else { many };
                        // A key fades as its last seconds run out (in virtual time).
                        let fading = k.ttl_ms.filter(|&t| t < FADE_MS);
                        let style = fading.map(|t| format!("opacity: {:.2}", 0.35 + 0.65 * t as f64 / FADE_MS as f64));
                        html! {
                            <tr data-key={k.key.clone()} data-type={k.kind} data-encoding={k.encoding}
                                data-ttl-ms={k.ttl_ms.map(|t| t.to_string())}
                                data-blocked={(k.blocked > 0).then(|| k.blocked.to_string())}
                                class={classes!(active.then_some("active"), fading.is_some().then_some("expiring"))} {style}>
                                <td><button type="button" class="key-link" aria-pressed={active.to_string()}
                                    onclick={Callback::from(move |_| on_select.emit(key.clone()))}>{ &k.key }</button>
                                    if k.blocked > 0 {
                                        <span class="blocked-badge" title="clients blocked on this key, until a write serves them or they time out">
                                            { format!("⏳ {} waiting", k.blocked) }
                                        </span>
                                    }
                                </td>
                                <td>{ k.kind }<span class="encoding" title="OBJECT ENCODING">{ k.encoding }</span></td>
                                <td class={classes!(k.ttl_ms.is_some().then_some("ttl"))}>{ ttl(k.ttl_ms) }</td>
                                <td>{ format!("{} {unit}", k.size) }</td>
                            </tr>
                        }
                    }) }
                    if props.keys.total > props.keys.listed.len() {
                        <tr class="more"><td colspan="4" class="quiet">
                            { format!("… {} more keys (the first {} are listed; SCAN or KEYS with a pattern finds the others)",
                                props.keys.total - props.keys.listed.len(), crate::view::LISTED_KEYS) }
                        </td></tr>
                    }
                </tbody>
            </table>
            if let Some((key, slots)) = selected_array {
                { array_picture(&key, &slots) }
            } else if let Some((key, set)) = selected_vset {
                { vset_picture(&key, &set, props.search.as_ref().filter(|s| s.key == key)) }
            } else if let Some((key, value)) = selected_string {
                <div class="string-value" aria-label={format!("Value of {key}")}>
                    <span class="quiet">{ format!("{key} = ") }</span><code>{ value }</code>
                </div>
            }
        </section>
    }
}

/// An array's slots: each occupied index with its value, runs of empty slots collapsed into one
/// cell, and the insert cursor (`ARNEXT`) marked where it points.
fn array_picture(key: &str, slots: &ArraySlots) -> Html {
    let cursor_in = |from: u64, to: u64| slots.cursor.is_some_and(|c| (from..=to).contains(&c));
    let last_shown = slots.cells.last().map(|c| match c {
        SlotCell::Value { index, .. } => *index,
        SlotCell::Gap { to, .. } => *to,
    });
    // The cursor past the last shown slot gets a cell of its own.
    let cursor_after = match (slots.cursor, last_shown) {
        (Some(c), Some(last)) if c > last && slots.more == 0 => Some(c),
        (Some(c), None) => Some(c),
        _ => None,
    };
    html! {
        <figure class="array-picture" aria-label={format!("Slots of array {key}")}>
            <figcaption>
                { format!("{key}: ARLEN {} · ARCOUNT {} · ARNEXT {}", slots.len, slots.count,
                    slots.cursor.map_or("(nil)".to_string(), |c| c.to_string())) }
                <span class="slices" title="How Redis holds the array (ARINFO FULL)">
                    { format!(" · slices of {}: {} dense, {} sparse", slots.slice_size, slots.dense_slices, slots.sparse_slices) }
                </span>
            </figcaption>
            <ol class="slots">
                { for slots.cells.iter().map(|cell| match cell {
                    SlotCell::Value { index, value } => html! {
                        <li class={classes!("slot", cursor_in(*index, *index).then_some("cursor"))}
                            data-index={index.to_string()}
                            title={cursor_in(*index, *index).then_some("ARINSERT writes here next")}>
                            <span class="index">{ index }</span><code>{ value }</code>
                        </li>
                    },
                    SlotCell::Gap { from, to } => {
                        let n = to - from + 1;
                        html! {
                            <li class={classes!("slot", "gap", cursor_in(*from, *to).then_some("cursor"))}
                                data-gap={format!("{from}-{to}")}
                                title={format!("{n} empty slot{}", if n == 1 { "" } else { "s" })}>
                                <span class="index">{ if from == to { from.to_string() } else { format!("{from}…{to}") } }</span>
                                <span class="quiet">{ if n == 1 { "empty".to_string() } else { format!("{n} empty") } }</span>
                            </li>
                        }
                    }
                }) }
                if slots.more > 0 {
                    <li class="slot more quiet">{ format!("… {} more", slots.more) }</li>
                }
                if let Some(c) = cursor_after {
                    <li class="slot gap cursor" data-index={c.to_string()}>
                        <span class="index">{ c }</span><span class="quiet">{ "next" }</span>
                    </li>
                }
            </ol>
        </figure>
    }
}

/// A vector set: its shape, and for a small set its graph. Each element sits where its vector
/// points (the direction is all that counts: similarity is the cosine), joined to its layer-0
/// neighbours; an element linked in higher layers has a ring per layer, and the entry point of
/// every search is marked.
fn vset_picture(key: &str, set: &VsetPicture, search: Option<&crate::changes::VectorSearch>) -> Html {
    let rank = |name: &str| search.and_then(|s| s.found.iter().position(|f| f == name));
    let visited = |name: &str| search.is_some_and(|s| s.visited.iter().any(|v| v == name));
    const SIZE: f64 = 300.0;
    const PAD: f64 = 40.0;
    let at = |x: f64, y: f64| {
        (PAD + (x + 1.0) / 2.0 * (SIZE - 2.0 * PAD), PAD + (1.0 - (y + 1.0) / 2.0) * (SIZE - 2.0 * PAD))
    };
    let caption = format!(
        "{key}: VCARD {} · VDIM {} · {} · M {} · max level {}",
        set.count, set.dim, set.quant, set.m, set.max_level
    );
    html! {
        <figure class="vset-picture" aria-label={format!("Graph of vector set {key}")}>
            <figcaption>{ caption }</figcaption>
            if set.nodes.is_empty() {
                <p class="quiet">{ format!("The graph is drawn for sets of up to {VSET_DRAWN} elements.") }</p>
            } else {
                <svg viewBox={format!("0 0 {SIZE} {SIZE}")} role="img"
                    aria-label={format!("{} elements and {} layer-0 links", set.nodes.len(), set.links.len())}>
                    if set.dim <= 2 {
                        <circle class="unit" cx={(SIZE / 2.0).to_string()} cy={(SIZE / 2.0).to_string()}
                            r={((SIZE - 2.0 * PAD) / 2.0).to_string()} />
                    }
                    { for set.links.iter().map(|&(a, b)| {
                        let (x1, y1) = at(set.nodes[a].x, set.nodes[a].y);
                        let (x2, y2) = at(set.nodes[b].x, set.nodes[b].y);
                        html! { <line class="link" x1={format!("{x1:.1}")} y1={format!("{y1:.1}")}
                            x2={format!("{x2:.1}")} y2={format!("{y2:.1}")}
                            data-from={set.nodes[a].name.clone()} data-to={set.nodes[b].name.clone()} /> }
                    }) }
                    { for set.nodes.iter().map(|n| {
                        let (x, y) = at(n.x, n.y);
                        let entry = set.entry.as_deref() == Some(n.name.as_str());
                        let title = format!("{}: level {}{}{}", n.name, n.level,
                            if entry { ", entry point" } else { "" },
                            n.attrib.as_ref().map_or(String::new(), |a| format!(", attributes {a}")));
                        html! {
                            <g class={classes!("element", entry.then_some("entry"), n.attrib.is_some().then_some("attrib"),
                                    visited(&n.name).then_some("visited"), rank(&n.name).map(|_| "found"))}
                                data-element={n.name.clone()} data-level={n.level.to_string()}
                                data-rank={rank(&n.name).map(|r| (r + 1).to_string())}>
                                <title>{ title }</title>
                                { for (1..=n.level).map(|l| html! {
                                    <circle class="level" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r={(4.5 + 2.5 * f64::from(l)).to_string()} />
                                }) }
                                <circle class="dot" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="4" />
                                if let Some(r) = rank(&n.name) {
                                    <text class="rank" x={format!("{:.1}", x - 4.0)} y={format!("{:.1}", y + 14.0)}>{ format!("#{}", r + 1) }</text>
                                }
                                // Labels point away from the middle, so they stay inside the picture.
                                if x <= SIZE / 2.0 {
                                    <text x={format!("{:.1}", x + 6.0)} y={format!("{:.1}", y - 5.0)}>{ &n.name }</text>
                                } else {
                                    <text x={format!("{:.1}", x - 6.0)} y={format!("{:.1}", y - 5.0)} text-anchor="end">{ &n.name }</text>
                                }
                            </g>
                        }
                    }) }
                </svg>
            }
            if let Some(s) = search {
                <p class="vset-search" aria-live="polite">
                    { format!("Last VSIM: compared the query with {} of {} elements (outlined) and answered {} (numbered by rank).",
                        s.visited.len(), set.count, s.found.len()) }
                </p>
            }
            if !set.nodes.is_empty() {
                <p class="vset-legend quiet">
                    <span class="key entry">{ "entry point" }</span>
                    <span class="key level">{ "a ring per layer above 0" }</span>
                    <span class="key attrib">{ "has attributes (FILTER reads them)" }</span>
                    <span>{ "lines: layer-0 links (VLINKS)" }</span>
                    <span>{ if set.dim <= 2 { "place: the vector's direction" } else { "place: similarity (near means similar)" } }</span>
                </p>
            }
            <p class="quiet vset-note">
                { "VSIM searches this graph (HNSW) from the entry point down the layers: its answers are approximate, \
                   and elements equally near may come in another order than on redis.io or another server." }
            </p>
        </figure>
    }
}
