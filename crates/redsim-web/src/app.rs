//! The page: the console app, or the scenario player when the address names a scenario. The
//! scenario picker in either header switches between them.

use yew::prelude::*;

use crate::console::ConsoleApp;
use crate::hooks::field_value;
use crate::scenario::{find, titles, ScenarioApp};

#[function_component(App)]
pub fn app() -> Html {
    let scenario = use_state(from_location);
    let embed = *use_memo((), |_| crate::keep::embedded());
    let on_pick = {
        let scenario = scenario.clone();
        Callback::from(move |name: Option<String>| {
            set_location(name.as_deref());
            scenario.set(name);
        })
    };
    let picker = html! { <ScenarioPicker selected={(*scenario).clone()} {on_pick} /> };
    match (*scenario).clone().and_then(|name| find(&name)) {
        Some(sc) => {
            let key = sc.name.clone();
            html! { <ScenarioApp {key} scenario={sc} {embed} {picker} /> }
        }
        None => html! { <ConsoleApp {embed} {picker} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    pub selected: Option<String>,
    /// The name of the scenario chosen, `None` for the console.
    pub on_pick: Callback<Option<String>>,
}

#[function_component(ScenarioPicker)]
pub fn scenario_picker(props: &ScenarioPickerProps) -> Html {
    let onchange = props.on_pick.reform(|e: Event| Some(field_value(&e)).filter(|name| !name.is_empty()));
    html! {
        <label class="scenario-picker">
            <span>{ "Scenario" }</span>
            <select aria-label="Scenario" {onchange}>
                <option value="" selected={props.selected.is_none()}>{ "Console (no scenario)" }</option>
                { for titles().into_iter().map(|(name, title)| html! {
                    <option value={name.clone()} selected={props.selected.as_deref() == Some(name.as_str())}>{ title }</option>
                }) }
            </select>
        </label>
    }
}

/// The scenario the address asks for (`#scenario=<name>`), if it is a built-in one.
pub fn from_location() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let name = hash.strip_prefix("#scenario=")?;
    find(name).map(|s| s.name)
}

/// Puts the chosen scenario in the address, so it can be linked to (or clears it).
pub fn set_location(name: Option<&str>) {
    let Some(window) = web_sys::window() else { return };
    let Ok(history) = window.history() else { return };
    let url = match name {
        Some(name) => format!("#scenario={name}"),
        None => window.location().pathname().unwrap_or_default() + &window.location().search().unwrap_or_default(),
    };
    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
}
