//! The stream pictures: one card per stream with its nodes and entries (`tape`), and its groups
//! with consumers and the PEL (`groups`).

mod chart;
mod groups;
mod keyspace;
mod tape;

use yew::prelude::*;

use crate::view::StreamView;

#[derive(Properties, PartialEq)]
pub struct StreamsPanelProps {
    pub keys: crate::view::KeysView,
    /// Each step's stream numbers, for the chart.
    pub samples: Vec<std::rc::Rc<[crate::view::StreamSample]>>,
    pub shown_step: usize,
    pub streams: Vec<StreamView>,
    /// How many streams the database has (`streams` may list only some of them).
    #[prop_or_default]
    pub stream_total: usize,
    pub selected: Option<String>,
    pub on_select: Callback<String>,
    pub changes: Vec<String>,
    pub touched: crate::changes::Touched,
    /// The step's vector search, if it made one (`VSIM`).
    #[prop_or_default]
    pub search: Option<crate::changes::VectorSearch>,
    /// Pages the shown stream's nodes (`None`: back to the newest).
    #[prop_or_default]
    pub on_window: Callback<Option<usize>>,
    /// Whether to draw the keyspace browser, and the stream pictures (an embedded example may
    /// ask for one of them only).
    #[prop_or(true)]
    pub show_keys: bool,
    #[prop_or(true)]
    pub show_streams: bool,
}

#[function_component(StreamsPanel)]
pub fn streams_panel(props: &StreamsPanelProps) -> Html {
    let shown = props
        .selected
        .as_ref()
        .and_then(|key| props.streams.iter().find(|s| &s.key == key))
        .or_else(|| props.streams.last());
    html! {
        <section class="pictures" aria-label="Pictures">
            <div class="changes" aria-live="polite" aria-label="What changed">
                if props.changes.is_empty() {
                    <p class="quiet">{ "Run a command to see what it changes." }</p>
                } else {
                    <ul>{ for props.changes.iter().map(|c| html! { <li>{ c }</li> }) }</ul>
                }
            </div>
            if props.show_keys {
                <keyspace::Keyspace keys={props.keys.clone()} selected={props.selected.clone()} on_select={props.on_select.clone()}
                    search={props.search.clone()} />
            }
            // The hint is for a fresh console: keys of other types mean the user is past it.
            if props.show_streams && props.streams.is_empty() && props.keys.total == 0 {
                <div class="empty-state">
                    <h2>{ "No streams yet" }</h2>
                    <p>{ "Try " }<code>{ "XADD orders * item book qty 1" }</code>{ ", then " }
                       <code>{ "XGROUP CREATE orders shipping 0" }</code>{ " and " }
                       <code>{ "XREADGROUP GROUP shipping alice STREAMS orders >" }</code>{ "." }</p>
                </div>
            }
            if props.show_streams && props.streams.len() > 1 {
                <div class="stream-tabs" role="tablist" aria-label="Stream keys">
                    { for props.streams.iter().map(|s| {
                        let key = s.key.clone();
                        let on_select = props.on_select.clone();
                        let active = shown.is_some_and(|v| v.key == s.key);
                        html! {
                            <button type="button" role="tab" aria-selected={active.to_string()}
                                class={classes!("tab", active.then_some("active"))}
                                onclick={Callback::from(move |_| on_select.emit(key.clone()))}>{ &s.key }</button>
                        }
                    }) }
                    if props.stream_total > props.streams.len() {
                        <span class="quiet more">{ format!("… {} more streams (select one in the keyspace browser)", props.stream_total - props.streams.len()) }</span>
                    }
                </div>
            }
            if let Some(stream) = shown.filter(|_| props.show_streams) {
                <tape::StreamTape stream={stream.clone()} touched={props.touched.clone()} on_window={props.on_window.clone()} />
                <chart::Chart stream_key={stream.key.clone()} samples={props.samples.clone()} shown={props.shown_step} />
                <groups::Groups stream={stream.clone()} touched={props.touched.clone()} />
            }
        </section>
    }
}
