//! The keyspace browser: every key with its type, time to live (counting down in virtual time)
//! and size. Selecting a stream shows its picture; selecting another key shows its value (the first
//! elements of a collection).

use yew::prelude::*;

use crate::view::{ArraySlots, KeysView, SlotCell};

/// A key with less time to live than this fades in the list.
const FADE_MS: u64 = 3_000;

#[derive(Properties, PartialEq)]
pub struct KeyspaceProps {
    pub keys: KeysView,
    pub selected: Option<String>,
    pub on_select: Callback<String>,
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
                            "array" => ("element", "elements"),
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
