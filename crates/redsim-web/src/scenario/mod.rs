//! The scenario player: a scenario run step by step, with a topology of nodes and links that a
//! presenter can click (crash, restart, cut, heal), transport controls, narration, the writes named
//! as lost, and the stream pictures of the node chosen.
//!
//! `ScenarioApp` owns the store (`state::ScenarioModel` in a `Store`) and hands its handle down in a
//! context, as the console app does.

mod editor;
mod element;
pub mod state;
mod topology;
mod view;

use redsim_sim::scenario::Scenario;
use yew::prelude::*;

use crate::hooks::{make_callback, use_interval};
use crate::store::Store;
use crate::streams::StreamsPanel;
pub use editor::Editor;
pub use element::{ElementProps, ScenarioElement};
pub use state::{find, titles, ScenarioAction, ScenarioModel, PLAY_TICK_MS, SPEEDS};

/// The player's store, as components find it in their context.
pub type ScenarioHandle = UseReducerHandle<Store<ScenarioModel>>;

#[derive(Properties, PartialEq)]
pub struct ScenarioAppProps {
    /// The scenario to play (the app keys this component by it, so a new one starts afresh).
    pub scenario: Scenario,
    #[prop_or_default]
    pub embed: bool,
    /// The scenario picker, drawn in the header.
    #[prop_or_default]
    pub picker: Html,
    /// Opens the scenario's text in the editor ("Edit a copy").
    #[prop_or_default]
    pub on_edit: Option<Callback<()>>,
    /// In a `<redsim-scenario>` element: the player alone, no page header.
    #[prop_or_default]
    pub bare: bool,
    /// The full app with this scenario, for "Open in Redsim".
    #[prop_or_default]
    pub open_url: Option<String>,
}

#[function_component(ScenarioApp)]
pub fn scenario_app(props: &ScenarioAppProps) -> Html {
    let scenario = props.scenario.clone();
    let store = use_reducer(move || Store::new(ScenarioModel::new(scenario)));
    let playing = store.get().playing;
    {
        let dispatcher = store.dispatcher();
        use_interval(playing.then_some(PLAY_TICK_MS), move || dispatcher.dispatch(ScenarioAction::Tick));
    }
    let actions = html! {
        <div class="scenario-actions">
            if let Some(on_edit) = &props.on_edit {
                <button type="button" class="edit-copy" onclick={on_edit.reform(|_: MouseEvent| ())}
                    title="Open this scenario's text in the editor">{ "Edit a copy" }</button>
            }
            if let Some(url) = &props.open_url {
                <a class="open-full" href={url.clone()} target="_blank" rel="noopener">{ "Open in Redsim ↗" }</a>
            }
            <crate::picture::SaveButtons selectors={vec![".scenario-body .topology", "section.scenario section.pictures"]}
                stem="redsim-scenario-step" />
            <RecordButton />
        </div>
    };
    if props.bare {
        return html! {
            <ContextProvider<ScenarioHandle> context={store}>
                <div class="scenario-mode bare">{ actions }<ScenarioPanel /></div>
            </ContextProvider<ScenarioHandle>>
        };
    }
    html! {
        <ContextProvider<ScenarioHandle> context={store}>
            <div class={classes!("app", "scenario-mode", props.embed.then_some("embed"))}>
                <header class="topbar">
                    <h1 class="brand">{ "Redsim" }</h1>
                    { props.picker.clone() }
                    { actions }
                </header>
                <main class="panels scenario-panels">
                    <ScenarioPanel />
                </main>
            </div>
        </ContextProvider<ScenarioHandle>>
    }
}

/// Steps a recording takes at most (a minute of video at four steps a second).
const RECORD_STEPS: usize = 240;

/// "Record": the run from the shown step on, a step every 250 ms, saved as a WebM video.
#[function_component(RecordButton)]
fn record_button() -> Html {
    let recording = use_state(|| false);
    let Some(store) = use_context::<ScenarioHandle>() else { return Html::default() };
    let onclick = {
        let recording = recording.clone();
        Callback::from(move |_: MouseEvent| {
            if *recording {
                return;
            }
            recording.set(true);
            let (store, recording) = (store.clone(), recording.clone());
            yew::platform::spawn_local(async move {
                let dispatcher = store.dispatcher();
                let advance = || {
                    if store.get().at_end() {
                        return false;
                    }
                    dispatcher.dispatch(ScenarioAction::Forward);
                    true
                };
                let selectors = [".scenario-body .topology", "section.scenario section.pictures"];
                if let Ok(video) = crate::picture::record(&selectors, RECORD_STEPS, 250, advance).await {
                    let _ = crate::picture::download(&video, "redsim-scenario.webm");
                }
                recording.set(false);
            });
        })
    };
    html! {
        <button type="button" class="record" {onclick} disabled={*recording} aria-label="Record the run as a video"
            title="Record the run from this step on as a WebM video (a step every 250 ms)">
            { if *recording { "Recording…" } else { "Record" } }
        </button>
    }
}

/// Title and narration, transport, markers, the topology beside the lost writes and the event
/// log, then the pictures of the node chosen.
#[function_component(ScenarioPanel)]
pub fn scenario_panel() -> Html {
    // The pictures of the step shown last: one step on, the difference is what moves.
    let previous = use_mut_ref(|| {
        (
            usize::MAX,
            Vec::<crate::view::StreamView>::new(),
            redsim_sim::NodeId::new(usize::MAX),
            crate::changes::Touched::default(),
        )
    });
    let Some(store) = use_context::<ScenarioHandle>() else { return Html::default() };
    let model = store.get();
    let c = model.deployment();
    let node = model.shown_node();
    let pictures = crate::view::node_pictures(c, node);
    let touched = {
        let mut last = previous.borrow_mut();
        let (step, node_then) = (last.0, last.2);
        let touched = if (step, node_then) == (model.shown, node) {
            last.3.clone()
        } else if step.wrapping_add(1) == model.shown && node_then == node {
            crate::changes::touched_between(&last.1, &pictures.streams)
        } else {
            crate::changes::Touched::default()
        };
        *last = (model.shown, pictures.streams.clone(), node, touched.clone());
        // Playing fast, the pictures jump to each step: the moves would pile up.
        if model.playing && model.speed >= 10.0 {
            touched.still()
        } else {
            touched
        }
    };
    let topology = crate::view::topology(c);
    let samples = model.samples[..=model.shown.min(model.samples.len() - 1)].to_vec();
    let gaps = model.gaps[..=model.shown.min(model.gaps.len() - 1)].to_vec();
    html! {
        <section class="scenario" aria-label="Scenario">
            <div class="scenario-head">
                <h2>{ &model.player.scenario.title }</h2>
                <p class="narration" role="status" aria-live="polite" aria-label="Narration">
                    { model.narration().unwrap_or_else(|| "Press Play or Step to start.".into()) }
                </p>
            </div>
            <view::Transport />
            <view::Markers />
            <div class="scenario-body">
                <topology::Topology topology={topology.clone()} selected={node} {gaps} fast={model.playing && model.speed >= 10.0}
                    on_act={make_callback(&store, |act| act)} />
                <view::SidePanel lost={topology.lost} lost_total={topology.lost_total} />
            </div>
            if pictures.keys.total == 0 {
                <p class="quiet">{ format!("{} holds no keys yet.", topology.nodes.get(node.index()).map_or("", |n| n.name.as_str())) }</p>
            } else {
                <StreamsPanel keys={pictures.keys} {samples} shown_step={model.shown} streams={pictures.streams}
                    selected={None::<String>} on_select={Callback::noop()} changes={model.changes()}
                    {touched} />
            }
        </section>
    }
}
