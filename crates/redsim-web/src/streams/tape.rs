//! A stream as Redis lays it out: nodes (one listpack each) holding entries in order; deleted
//! entries stay as ghosts until their node goes; group pointers sit on the entry they point at.

use yew::prelude::*;

use crate::view::{NodeView, StreamView};

#[derive(Properties, PartialEq)]
pub struct StreamTapeProps {
    pub stream: StreamView,
    pub touched: Vec<String>,
}

#[function_component(StreamTape)]
pub fn stream_tape(props: &StreamTapeProps) -> Html {
    let s = &props.stream;
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
            <div class="tape" role="list" aria-label="Nodes">
                if s.hidden_nodes > 0 {
                    <div class="node hidden-nodes" role="listitem">
                        { format!("{} older node{} · {} entries", s.hidden_nodes, if s.hidden_nodes == 1 { "" } else { "s" }, s.hidden_entries) }
                    </div>
                }
                { for s.nodes.iter().map(|n| node(n, &props.touched)) }
            </div>
        </article>
    }
}

fn node(n: &NodeView, touched: &[String]) -> Html {
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
                    html! {
                        <li class={classes!("entry-chip", e.deleted.then_some("ghost"), fresh.then_some("fresh"))}
                            data-entry-id={e.id.clone()}
                            data-deleted={e.deleted.then_some("true")}
                            title={if e.deleted { format!("{} (deleted)", e.id) } else { format!("{} {}", e.id, e.summary) }}>
                            <span class="entry-id">{ &e.id }</span>
                            { for e.group_marks.iter().map(|g| html! {
                                <span class="group-mark" title={format!("last-delivered-id of {g}")}>{ format!("◂ {g}") }</span>
                            }) }
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}
