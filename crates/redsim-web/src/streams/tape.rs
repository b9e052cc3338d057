//! A stream as Redis lays it out: nodes (one listpack each) holding entries in order; deleted
//! entries stay as ghosts until their node goes; group pointers sit on the entry they point at.

use yew::prelude::*;

use crate::view::{NodeView, StreamView};

#[derive(Properties, PartialEq)]
pub struct StreamTapeProps {
    pub stream: StreamView,
    pub touched: crate::changes::Touched,
    #[prop_or_default]
    pub on_window: Callback<Option<usize>>,
}

#[function_component(StreamTape)]
pub fn stream_tape(props: &StreamTapeProps) -> Html {
    let s = &props.stream;
    let paged = s.node_count > crate::view::NODES_SHOWN;
    let last_window = s.node_count.saturating_sub(crate::view::NODES_SHOWN);
    let go = |to: Option<usize>| {
        let on_window = props.on_window.clone();
        Callback::from(move |_: MouseEvent| on_window.emit(to))
    };
    let on_slide = {
        let on_window = props.on_window.clone();
        Callback::from(move |e: InputEvent| {
            let slider: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(first) = slider.value().parse::<usize>() {
                on_window.emit(if first >= last_window { None } else { Some(first) });
            }
        })
    };
    let step = crate::view::NODES_SHOWN;
    html! {
        <article class="stream" data-stream={s.key.clone()} aria-label={format!("Stream {}", s.key)}>
            <header class="stream-head">
                <h2>{ &s.key }</h2>
                <dl class="facts">
                    <div><dt>{ "length" }</dt><dd data-fact="length">{ s.length }</dd></div>
                    <div><dt>{ "first entry" }</dt><dd data-fact="first-entry">{ s.first_entry_id.clone().unwrap_or_else(|| "—".into()) }</dd></div>
                    <div><dt>{ "last-generated-id" }</dt><dd data-fact="last-generated-id">{ &s.last_generated_id }</dd></div>
                    <div><dt>{ "max-deleted-entry-id" }</dt><dd data-fact="max-deleted-entry-id">{ &s.max_deleted_entry_id }</dd></div>
                    <div><dt>{ "entries-added" }</dt><dd data-fact="entries-added">{ s.entries_added }</dd></div>
                    <div><dt>{ "nodes" }</dt><dd data-fact="nodes">{ s.node_count }</dd></div>
                </dl>
            </header>
            if paged {
                <div class="node-pager" role="group" aria-label="Browse nodes">
                    <button type="button" onclick={go(Some(0))} disabled={s.hidden_nodes == 0}>{ "⟨ Oldest" }</button>
                    <button type="button" onclick={go(Some(s.hidden_nodes.saturating_sub(step)))} disabled={s.hidden_nodes == 0}>{ "◀ Older" }</button>
                    <input type="range" aria-label="First node shown" min="0" max={last_window.to_string()}
                        value={s.hidden_nodes.to_string()} oninput={on_slide} />
                    <button type="button" onclick={go((s.hidden_nodes + step < last_window).then_some(s.hidden_nodes + step))} disabled={s.newer_nodes == 0}>{ "Newer ▶" }</button>
                    <button type="button" onclick={go(None)} disabled={s.newer_nodes == 0}>{ "Newest ⟩" }</button>
                    <output aria-label="Nodes shown">{ format!("nodes {}–{} of {}", s.hidden_nodes + 1, s.hidden_nodes + s.nodes.len(), s.node_count) }</output>
                </div>
            }
            <div class="tape" role="list" aria-label="Nodes">
                { for props.touched.trimmed_nodes(&s.key).into_iter().map(|id| html! {
                    <div class="node trimmed-away" role="listitem" data-trimmed-node={id.clone()}
                        title="removed whole by the trim">{ format!("node {id} trimmed away") }</div>
                }) }
                if s.hidden_nodes > 0 {
                    <div class="node hidden-nodes" role="listitem">
                        { format!("{} older node{} · {} entries", s.hidden_nodes, if s.hidden_nodes == 1 { "" } else { "s" }, s.hidden_entries) }
                    </div>
                }
                { for s.nodes.iter().map(|n| node(n, &props.touched)) }
                if s.newer_nodes > 0 {
                    <div class="node hidden-nodes" role="listitem">
                        { format!("{} newer node{} · {} entries", s.newer_nodes, if s.newer_nodes == 1 { "" } else { "s" }, s.newer_entries) }
                    </div>
                }
            </div>
        </article>
    }
}

fn node(n: &NodeView, touched: &crate::changes::Touched) -> Html {
    html! {
        <div class="node" role="listitem" data-node={n.first_id.clone()}
            title={format!("node {} · {} bytes as a listpack", n.first_id, n.bytes)}>
            <div class="node-head">
                <span class="node-id">{ &n.first_id }</span>
                <span class="node-count">{ format!("{} live", n.live) }
                    if n.deleted > 0 { { format!(" · {} deleted", n.deleted) } }</span>
            </div>
            <ol class="entries">
                { for n.entries.iter().map(|e| {
                    let fresh = touched.contains(&e.id);
                    let moved = touched.moved(&e.id, crate::changes::Motion::Pointer);
                    html! {
                        <li class={classes!("entry-chip", e.deleted.then_some("ghost"), fresh.then_some("fresh"), touched.entry_classes(&e.id))}
                            data-entry-id={e.id.clone()}
                            data-deleted={e.deleted.then_some("true")}
                            title={if e.deleted { format!("{} (deleted)", e.id) } else { format!("{} {}", e.id, e.summary) }}>
                            <span class="entry-id">{ &e.id }</span>
                            { for e.group_marks.iter().map(|g| html! {
                                <span class={classes!("group-mark", moved.then_some("moved"))} title={format!("last-delivered-id of {g}")}>{ format!("◂ {g}") }</span>
                            }) }
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}
