//! The page: a header with the clock and the client picker, and the console.

use yew::prelude::*;

use crate::changes::{describe, touched_ids};
use crate::clock::Clock;
use crate::console::Console;
use crate::state::{AppAction, AppState, CLIENT_NAMES};
use crate::streams::StreamsPanel;
use crate::timeline::Timeline;
use crate::view;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::default);
    let on_run = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(AppAction::Run(text)))
    };
    let on_advance = {
        let state = state.clone();
        Callback::from(move |ms: u64| state.dispatch(AppAction::Advance(ms)))
    };
    let on_client = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(i) = select.value().parse() {
                state.dispatch(AppAction::SelectClient(i));
            }
        })
    };
    let on_select_stream = {
        let state = state.clone();
        Callback::from(move |key: String| state.dispatch(AppAction::SelectStream(key)))
    };
    let dispatcher = |action: fn() -> AppAction| {
        let state = state.clone();
        Callback::from(move |_: ()| state.dispatch(action()))
    };
    let on_seek = {
        let state = state.clone();
        Callback::from(move |step: usize| state.dispatch(AppAction::Seek(step)))
    };
    let version = state.session.world().server.version().full();
    let world = state.shown_world();
    let streams = view::streams(&world, state.client);
    let effects = state.shown_effects();
    let (changes, touched) = (describe(effects), touched_ids(effects));
    let shown = state.shown_step();
    let transcript: Vec<_> = state.transcript.iter().filter(|e| e.step <= shown).cloned().collect();
    let elapsed_ms = world.now_ms - redsim_sim::START_MS;
    html! {
        <div class="app">
            <header class="topbar">
                <h1 class="brand">{ "Redsim" }</h1>
                <span class="version" title="Redis version this session behaves like">{ format!("Redis {version}") }</span>
                <label class="client-picker">
                    <span>{ "Client" }</span>
                    <select aria-label="Client" onchange={on_client}>
                        { for CLIENT_NAMES.iter().enumerate().map(|(i, name)| html! {
                            <option value={i.to_string()} selected={i == state.client}>{ *name }</option>
                        }) }
                    </select>
                </label>
                <Clock elapsed_ms={elapsed_ms} on_advance={on_advance} />
                <Timeline shown={shown} total={state.step_count()} on_back={dispatcher(|| AppAction::StepBack)}
                    on_forward={dispatcher(|| AppAction::StepForward)} on_seek={on_seek} />
            </header>
            if state.cursor.is_some() {
                <p class="history-banner" role="status">
                    { format!("Showing step {shown} of {}. Typing a command here drops the steps after it.", state.step_count()) }
                </p>
            }
            <main class="panels">
                <Console
                    transcript={transcript}
                    history={state.history.clone()}
                    prompt={state.prompt()}
                    on_run={on_run}
                />
                <StreamsPanel streams={streams} selected={state.selected_stream.clone()}
                    on_select={on_select_stream} changes={changes} touched={touched} />
            </main>
        </div>
    }
}
