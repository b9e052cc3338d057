//! The console's header: the Redis version, the scenario and client pickers, the clock, the
//! session tools (or, embedded, Restart and Open in Redsim) and the timeline.

use yew::prelude::*;

use super::{AppAction, ConsoleHandle, CLIENT_NAMES};
use crate::clock::Clock;
use crate::hooks::{field_value, make_callback};
use crate::keep;
use crate::timeline::Timeline;
use crate::view;

#[derive(Properties, PartialEq)]
pub struct ConsoleHeaderProps {
    pub embed: bool,
    pub picker: Html,
}

#[function_component(ConsoleHeader)]
pub fn console_header(props: &ConsoleHeaderProps) -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let model = store.get();
    let version = model.version().full();
    let world = model.shown_world();
    let elapsed_ms = world.now_ms - model.session.start_ms();
    html! {
        <header class="topbar">
            <h1 class="brand">{ "Redsim" }</h1>
            if props.embed {
                <span class="version" title="Redis version this session behaves like">{ format!("Redis {version}") }</span>
            } else {
                <VersionPicker />
            }
            { props.picker.clone() }
            <ClientPicker />
            <Clock {elapsed_ms} on_advance={make_callback(&store, AppAction::Advance)} />
            if props.embed {
                <EmbedBar />
            } else {
                <SessionBar />
            }
            <Timeline shown={model.shown_step()} total={model.step_count()}
                on_back={make_callback(&store, |_| AppAction::StepBack)}
                on_forward={make_callback(&store, |_| AppAction::StepForward)}
                on_seek={make_callback(&store, AppAction::Seek)}
                playing={model.playing} on_play={make_callback(&store, AppAction::Play)} />
            <BranchPicker />
        </header>
    }
}

/// The other branches of the timeline (typing at a past step keeps the later steps as one):
/// choosing one goes over to it, and the steps left become a branch in turn.
#[function_component(BranchPicker)]
fn branch_picker() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let model = store.get();
    if model.branches.is_empty() {
        return Html::default();
    }
    let onchange = make_callback(&store, |e: Event| field_value(&e).parse().ok().map(AppAction::SwitchBranch));
    html! {
        <label class="branch-picker" title="Typing at a past step starts a branch; the steps it replaced stay here">
            <span>{ "Branch" }</span>
            <select aria-label="Branch" {onchange}>
                <option value="" selected=true>{ format!("this one ({} steps)", model.step_count()) }</option>
                { for model.branches.iter().enumerate().map(|(i, (from, lines))| {
                    let first = lines.first().map(|l| l.split_once("> ").map_or(&**l, |(_, c)| c).to_string()).unwrap_or_default();
                    let first: String = if first.chars().count() > 24 { first.chars().take(23).chain(['…']).collect() } else { first };
                    html! {
                        <option value={i.to_string()} data-from={from.to_string()}>
                            { format!("from step {from}: {} step{} ({first})", lines.len(), if lines.len() == 1 { "" } else { "s" }) }
                        </option>
                    }
                }) }
            </select>
        </label>
    }
}

/// Which Redis the session behaves like: choosing another runs the session again in it.
#[function_component(VersionPicker)]
fn version_picker() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let current = store.get().version();
    let onchange = make_callback(&store, |e: Event| {
        field_value(&e).parse::<redsim_engine::Version>().ok().map(AppAction::SwitchVersion)
    });
    html! {
        <label class="version-picker" title="Redis version this session behaves like">
            <span>{ "Redis" }</span>
            <select aria-label="Redis version" value={current.to_string()} {onchange}>
                { for redsim_engine::Version::ALL.iter().rev().map(|v| html! {
                    <option value={v.to_string()} selected={*v == current}>{ v.full() }</option>
                }) }
            </select>
        </label>
    }
}

/// Which client runs the next line; a blocked one says what it waits for.
#[function_component(ClientPicker)]
fn client_picker() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let model = store.get();
    let world = model.shown_world();
    let onchange = make_callback(&store, |e: Event| field_value(&e).parse().ok().map(AppAction::SelectClient));
    html! {
        <label class="client-picker">
            <span>{ "Client" }</span>
            <select aria-label="Client" {onchange}>
                { for CLIENT_NAMES.iter().enumerate().map(|(i, name)| {
                    let label = match view::waiting(&world, i) {
                        Some(wait) => format!("{name} ({wait})"),
                        None => name.to_string(),
                    };
                    html! { <option value={i.to_string()} selected={i == model.client}>{ label }</option> }
                }) }
            </select>
        </label>
    }
}

/// Share, Export, Import and Reset.
#[function_component(SessionBar)]
fn session_bar() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let on_share = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            let link = keep::SessionLink::of(&store.get());
            let dispatcher = store.dispatcher();
            yew::platform::spawn_local(async move {
                let message = keep::publish(&link.fragment().await).await.unwrap_or_else(|e| e);
                dispatcher.dispatch(AppAction::Notify(message));
            });
        })
    };
    let on_export = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| {
            if keep::export(&store.get()).is_err() {
                store.dispatch(AppAction::Notify("This browser did not allow the download.".into()));
            }
        })
    };
    let on_file = {
        let dispatcher = store.dispatcher();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let dispatcher = dispatcher.clone();
            yew::platform::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                let text = text.ok().and_then(|t| t.as_string()).unwrap_or_default();
                dispatcher.dispatch(AppAction::Load { text, source: "imported file" });
            });
        })
    };
    html! {
        <div class="session-bar" role="group" aria-label="Session">
            <button type="button" onclick={on_share}>{ "Share" }</button>
            <button type="button" onclick={on_export}>{ "Export" }</button>
            <label class="import">
                <span>{ "Import" }</span>
                <input type="file" accept=".txt,text/plain" aria-label="Import a session file" onchange={on_file} />
            </label>
            <button type="button" onclick={make_callback(&store, |_| AppAction::Reset)}>{ "Reset" }</button>
            <crate::picture::SaveButtons selectors={vec!["section.pictures"]} stem="redsim-step"
                on_error={make_callback(&store, AppAction::Notify)} />
        </div>
    }
}

/// Embedded: back to the example as the page opened it, or open it in a full page.
#[function_component(EmbedBar)]
fn embed_bar() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    html! {
        <div class="session-bar" role="group" aria-label="Example">
            <button type="button" onclick={make_callback(&store, |_: MouseEvent| AppAction::Restart)}>{ "Restart" }</button>
            <a class="open-full" href={keep::full_page_url()} target="_blank" rel="noopener">{ "Open in Redsim ↗" }</a>
        </div>
    }
}
