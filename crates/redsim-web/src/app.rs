//! The page: the console app, the scenario player or the scenario editor, as the address asks
//! (`links` has its grammar). Opening another link in the same tab (a hash change) opens it too.
//! The scenario picker in each header moves between them.

use std::rc::Rc;

use redsim_sim::scenario::Scenario;
use yew::prelude::*;

use crate::console::{ConsoleApp, Open, Opening};
use crate::hooks::{field_value, use_window_event};
use crate::links::{self, Kind, Link};
use crate::scenario::{find, titles, Editor, ScenarioApp};

/// The picker's values for the editor, and for a scenario that is not a built-in one.
const EDITOR: &str = "#editor";
const CUSTOM: &str = "#custom";

#[derive(Clone, PartialEq)]
pub enum Route {
    Console(Opening),
    /// A scenario and the text it was read from (for "Edit a copy").
    Scenario {
        scenario: Rc<Scenario>,
        source: Rc<str>,
    },
    /// The editor, with the text to start from and what it should say about it.
    Editor {
        text: Rc<str>,
        notice: Option<String>,
    },
}

/// Each route change gets a new number, so a component opened again starts afresh.
#[derive(Clone, PartialEq)]
struct Shown {
    id: u32,
    route: Route,
}

#[function_component(App)]
pub fn app() -> Html {
    let shown = use_state(|| Shown { id: 0, route: Route::Console(Opening::Pending) });
    let embed = *use_memo((), |_| crate::keep::embedded());
    let go = {
        let shown = shown.clone();
        Callback::from(move |route: Route| {
            let id = shown.id + 1;
            shown.set(Shown { id, route });
        })
    };
    {
        // The address the page opened with, then every link opened in the same tab.
        let go = go.clone();
        use_effect_with((), move |_| follow_address(go, true));
    }
    {
        let go = go.clone();
        use_window_event("hashchange", move |_| follow_address(go.clone(), false));
    }
    let selected = match &shown.route {
        Route::Scenario { scenario, .. } => Some(scenario.name.clone()),
        Route::Editor { .. } => Some(EDITOR.to_string()),
        Route::Console(_) => None,
    };
    let on_pick = {
        let go = go.clone();
        Callback::from(move |name: Option<String>| match name.as_deref() {
            Some(CUSTOM) => {}
            Some(EDITOR) => go.emit(Route::Editor {
                text: crate::keep::scenario_draft().unwrap_or_else(template).into(),
                notice: None,
            }),
            Some(name) => {
                if let Some(sc) = find(name) {
                    set_address(&format!("#scenario={name}"));
                    go.emit(scenario_route(sc));
                }
            }
            None => {
                set_address("");
                go.emit(Route::Console(Opening::Saved));
            }
        })
    };
    let picker = html! { <ScenarioPicker {selected} {on_pick} /> };
    let key = shown.id.to_string();
    match shown.route.clone() {
        Route::Console(opening) => html! { <ConsoleApp {key} {embed} {picker} {opening} /> },
        Route::Scenario { scenario, source } => {
            let on_edit = {
                let go = go.clone();
                Callback::from(move |_| go.emit(Route::Editor { text: source.clone(), notice: None }))
            };
            html! { <ScenarioApp {key} scenario={(*scenario).clone()} {embed} {picker} {on_edit} /> }
        }
        Route::Editor { text, notice } => {
            let on_run = {
                let go = go.clone();
                Callback::from(move |(scenario, text): (Scenario, String)| {
                    go.emit(Route::Scenario { scenario: Rc::new(scenario), source: text.into() })
                })
            };
            html! { <Editor {key} initial={text.to_string()} {notice} {picker} {on_run} /> }
        }
    }
}

fn scenario_route(sc: Scenario) -> Route {
    let source = redsim_sim::scenario::source(&sc.name).unwrap_or_default();
    Route::Scenario { scenario: Rc::new(sc), source: source.into() }
}

/// What a new scenario in the editor starts from.
fn template() -> String {
    redsim_sim::scenario::source("consumer-group").unwrap_or_default().to_string()
}

/// Opens what the address's fragment holds. At startup, a fragment that is no link opens the
/// saved session; later, a hash change to something that is no link (`#top`) changes nothing.
fn follow_address(go: Callback<Route>, startup: bool) {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    match links::parse(&hash) {
        Ok(None) if startup => go.emit(Route::Console(Opening::Saved)),
        Ok(None) => {}
        Err(why) => go.emit(Route::Console(Opening::Failed { why, startup })),
        Ok(Some(link)) => {
            if matches!(link.payload, links::Payload::Deflated(_)) && startup {
                // Until the payload is inflated, nothing is opened (and nothing saved over).
                go.emit(Route::Console(Opening::Pending));
            }
            yew::platform::spawn_local(async move { go.emit(open_link(link, startup).await) });
        }
    }
}

/// The route a link leads to: its console session, its scenario, or (for a scenario that cannot
/// be read) the editor showing what is wrong with it.
async fn open_link(link: Link, startup: bool) -> Route {
    let text = match links::text_of(&link.payload).await {
        Ok(text) => text,
        Err(why) => return Route::Console(Opening::Failed { why, startup }),
    };
    match link.kind {
        Kind::Session => Route::Console(Opening::Open(Open::Session(text))),
        Kind::Commands => Route::Console(Opening::Open(Open::Commands {
            text,
            version: link.version.unwrap_or(redsim_engine::Version::LATEST),
        })),
        Kind::ScenarioName => match find(&text) {
            Some(sc) => scenario_route(sc),
            None => Route::Console(Opening::Failed {
                why: format!("there is no built-in scenario named '{text}'"),
                startup,
            }),
        },
        Kind::ScenarioText => match redsim_sim::scenario::parse(&text) {
            Ok(sc) => Route::Scenario { scenario: Rc::new(sc), source: text.into() },
            Err(e) => Route::Editor {
                notice: Some(format!("The scenario in this link cannot be run: {e}.")),
                text: text.into(),
            },
        },
    }
}

/// Replaces the address's fragment without a reload or a hash change (`""` removes it).
pub fn set_address(fragment: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(history) = window.history() else { return };
    let location = window.location();
    let url = format!("{}{}{fragment}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
}

#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    /// The built-in scenario shown, `#editor` for the editor, `None` for the console.
    pub selected: Option<String>,
    pub on_pick: Callback<Option<String>>,
}

#[function_component(ScenarioPicker)]
pub fn scenario_picker(props: &ScenarioPickerProps) -> Html {
    let onchange = props.on_pick.reform(|e: Event| Some(field_value(&e)).filter(|name| !name.is_empty()));
    let selected = props.selected.as_deref();
    html! {
        <label class="scenario-picker">
            <span>{ "Scenario" }</span>
            <select aria-label="Scenario" {onchange}>
                <option value="" selected={selected.is_none()}>{ "Console (no scenario)" }</option>
                { for titles().into_iter().map(|(name, title)| html! {
                    <option value={name.clone()} selected={selected == Some(name.as_str())}>{ title }</option>
                }) }
                if selected.is_some_and(|s| s != EDITOR && find(s).is_none()) {
                    <option value={CUSTOM} selected=true disabled=true>{ "A scenario from a link" }</option>
                }
                <option value={EDITOR} selected={selected == Some(EDITOR)}>{ "Write a scenario…" }</option>
            </select>
        </label>
    }
}
