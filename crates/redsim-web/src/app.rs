//! The page: a header with the clock and the client picker, and the console.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::changes::{describe, touched_ids};
use crate::clock::Clock;
use crate::console::Console;
use crate::keep::{self, SessionBar};
use crate::state::{AppAction, AppState, CLIENT_NAMES};
use crate::streams::StreamsPanel;
use crate::timeline::Timeline;
use crate::view;

/// How long after the last change the session is saved.
const AUTOSAVE_DELAY_MS: i32 = 300;

/// How long Play shows each step.
const PLAY_STEP_MS: i32 = 700;

/// Transcript lines the console draws at most.
const CONSOLE_LINES: usize = 120;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::default);
    {
        // On first render: open a shared link, or the session saved in this browser.
        let state = state.clone();
        use_effect_with((), move |_| {
            if let Some(action) = keep::startup_action() {
                state.dispatch(action);
            }
        });
    }
    {
        // Save shortly after the last change rather than after every step (a long session is a
        // large text), and at once when the page is hidden or closed, so nothing is lost.
        let latest = use_mut_ref(|| state.clone());
        *latest.borrow_mut() = state.clone();
        let version = (state.step_count(), state.transcript.len());
        let pending = latest.clone();
        use_effect_with(version, move |_| {
            let save = wasm_bindgen::closure::Closure::once_into_js(move || keep::autosave(&pending.borrow()));
            let timer = web_sys::window().and_then(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(save.unchecked_ref(), AUTOSAVE_DELAY_MS).ok()
            });
            move || {
                if let (Some(id), Some(w)) = (timer, web_sys::window()) {
                    w.clear_timeout_with_handle(id);
                }
            }
        });
        use_effect_with((), move |_| {
            let on_hide = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || keep::autosave(&latest.borrow()));
            if let Some(w) = web_sys::window() {
                let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
            }
            // The listener lives as long as the page.
            on_hide.forget();
        });
    }
    let on_share = {
        let state = state.clone();
        Callback::from(move |_: ()| {
            let message = match keep::share(&state) {
                Ok(_) => "The address bar now holds a link to this session: copy it to share.".to_string(),
                Err(_) => "This browser did not let Redsim change the address bar.".to_string(),
            };
            state.dispatch(AppAction::Notify(message));
        })
    };
    let on_export = {
        let state = state.clone();
        Callback::from(move |_: ()| {
            if keep::export(&state).is_err() {
                state.dispatch(AppAction::Notify("This browser did not allow the download.".into()));
            }
        })
    };
    let on_import = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(AppAction::Load { text, source: "imported file" }))
    };
    let on_reset = {
        let state = state.clone();
        Callback::from(move |_: ()| state.dispatch(AppAction::Reset))
    };
    let on_dismiss = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(AppAction::DismissNotice))
    };
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
    let playing = use_state(|| false);
    {
        // While playing, show the next step after a pause; stop at the end.
        let (playing, state) = (playing.clone(), state.clone());
        let at = (*playing, state.shown_step(), state.step_count());
        use_effect_with(at, move |&(is_playing, shown, total)| {
            let mut timer = None;
            if is_playing && shown >= total {
                playing.set(false);
            } else if is_playing {
                let state = state.clone();
                let tick = wasm_bindgen::closure::Closure::once_into_js(move || state.dispatch(AppAction::StepForward));
                timer = web_sys::window().and_then(|w| {
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(tick.unchecked_ref(), PLAY_STEP_MS).ok()
                });
            }
            move || {
                if let (Some(id), Some(w)) = (timer, web_sys::window()) {
                    w.clear_timeout_with_handle(id);
                }
            }
        });
    }
    let on_play = {
        let (playing, state) = (playing.clone(), state.clone());
        Callback::from(move |play: bool| {
            // Playing from the latest step starts over from the beginning.
            if play && state.cursor.is_none() {
                state.dispatch(AppAction::Seek(0));
            }
            playing.set(play);
        })
    };
    let on_seek = {
        let state = state.clone();
        Callback::from(move |step: usize| state.dispatch(AppAction::Seek(step)))
    };
    let embed = *use_memo((), |_| keep::embedded());
    let on_restart = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            // Back to the example as the page opened it.
            state.dispatch(AppAction::Reset);
            if let Some(action) = keep::startup_action() {
                state.dispatch(action);
            }
        })
    };
    let scenario = use_state(crate::scenarios::from_location);
    let on_scenario = {
        let scenario = scenario.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlInputElement = e.target_unchecked_into();
            let name = select.value();
            let name = (!name.is_empty()).then_some(name);
            crate::scenarios::set_location(name.as_deref());
            scenario.set(name);
        })
    };
    let scenario_picker = html! {
        <label class="scenario-picker">
            <span>{ "Scenario" }</span>
            <select aria-label="Scenario" onchange={on_scenario}>
                <option value="" selected={scenario.is_none()}>{ "Console (no scenario)" }</option>
                { for crate::scenarios::titles().into_iter().map(|(name, title)| html! {
                    <option value={name.clone()} selected={scenario.as_deref() == Some(name.as_str())}>{ title }</option>
                }) }
            </select>
        </label>
    };
    if let Some(name) = (*scenario).clone() {
        let key = name.clone();
        return html! {
            <div class={classes!("app", "scenario-mode", embed.then_some("embed"))}>
                <header class="topbar">
                    <h1 class="brand">{ "Redsim" }</h1>
                    { scenario_picker }
                </header>
                <main class="panels scenario-panels">
                    <crate::scenarios::ScenarioPanel {key} {name} />
                </main>
            </div>
        };
    }
    let version = state.session.world().server.version().full();
    let world = state.shown_world();
    let (mut streams, stream_total) = view::streams_for_panel(&world, state.client, state.selected_stream.as_deref());
    if let Some(window) = state.node_window {
        // The selected stream paged back: draw that window of its nodes instead of the newest.
        let key = state.selected_stream.clone().or_else(|| streams.last().map(|s| s.key.clone()));
        if let Some(key) = key {
            if let (Some(pos), Some(view)) = (
                streams.iter().position(|s| s.key == key),
                view::stream_view_in(&world, state.client, &key, Some(window)),
            ) {
                streams[pos] = view;
            }
        }
    }
    let on_window = {
        let state = state.clone();
        Callback::from(move |w: Option<usize>| state.dispatch(AppAction::NodeWindow(w)))
    };
    let keys = view::keys(&world, state.client, state.selected_stream.as_deref());
    let effects = state.shown_effects();
    let (changes, touched) = (describe(effects), touched_ids(effects));
    let shown = state.shown_step();
    // The console draws the newest lines up to the shown step; a long session stays fast.
    let upto = state.transcript.partition_point(|e| e.step <= shown);
    let first = upto.saturating_sub(CONSOLE_LINES);
    let transcript = state.transcript[first..upto].to_vec();
    let elapsed_ms = world.now_ms - redsim_sim::START_MS;
    html! {
        <div class={classes!("app", embed.then_some("embed"))}>
            <header class="topbar">
                <h1 class="brand">{ "Redsim" }</h1>
                <span class="version" title="Redis version this session behaves like">{ format!("Redis {version}") }</span>
                { scenario_picker }
                <label class="client-picker">
                    <span>{ "Client" }</span>
                    <select aria-label="Client" onchange={on_client}>
                        { for CLIENT_NAMES.iter().enumerate().map(|(i, name)| {
                            let label = match view::waiting(&world, i) {
                                Some(wait) => format!("{name} ({wait})"),
                                None => name.to_string(),
                            };
                            html! { <option value={i.to_string()} selected={i == state.client}>{ label }</option> }
                        }) }
                    </select>
                </label>
                <Clock elapsed_ms={elapsed_ms} on_advance={on_advance} />
                if embed {
                    <div class="session-bar" role="group" aria-label="Example">
                        <button type="button" onclick={on_restart}>{ "Restart" }</button>
                        <a class="open-full" href={keep::full_page_url()} target="_blank" rel="noopener">{ "Open in Redsim ↗" }</a>
                    </div>
                } else {
                    <SessionBar {on_share} {on_export} {on_import} {on_reset} />
                }
                <Timeline shown={shown} total={state.step_count()} on_back={dispatcher(|| AppAction::StepBack)}
                    on_forward={dispatcher(|| AppAction::StepForward)} on_seek={on_seek}
                    playing={*playing} {on_play} />
            </header>
            if let Some(notice) = &state.notice {
                <p class="notice" role="alert">
                    { notice }
                    <button type="button" class="dismiss" aria-label="Dismiss" onclick={on_dismiss}>{ "×" }</button>
                </p>
            }
            if state.cursor.is_some() {
                <p class="history-banner" role="status">
                    { format!("Showing step {shown} of {}. Typing a command here drops the steps after it.", state.step_count()) }
                </p>
            }
            <main class="panels">
                <Console
                    waiting={view::waiting(&world, state.client)}
                    transcript={transcript}
                    hidden={first}
                    history={state.history.clone()}
                    prompt={state.prompt()}
                    on_run={on_run}
                />
                <StreamsPanel {keys} samples={state.samples.clone()} shown_step={shown} streams={streams} {stream_total} selected={state.selected_stream.clone()}
                    on_select={on_select_stream} changes={changes} touched={touched} {on_window} />
            </main>
        </div>
    }
}
