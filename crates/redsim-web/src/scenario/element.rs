//! `<redsim-scenario>`: a scenario's player in any page, from the element's text or its `src`.
//! A scenario that cannot be read shows what is wrong, at its line and column.

use redsim_sim::scenario::parse;
use yew::prelude::*;

use super::editor::excerpt;
use super::ScenarioApp;
use crate::links::{self, Kind};

#[derive(Properties, PartialEq)]
pub struct ElementProps {
    pub text: String,
    /// Where the text came from (`src`), to name it in an error.
    #[prop_or_default]
    pub source: Option<String>,
    /// The full app, for "Open in Redsim".
    #[prop_or_default]
    pub app_url: Option<String>,
}

#[function_component(ScenarioElement)]
pub fn scenario_element(props: &ElementProps) -> Html {
    let parsed = use_memo(props.text.clone(), |t| parse(t));
    let open_url = use_state(|| None::<String>);
    {
        let (open_url, app, text) = (open_url.clone(), props.app_url.clone(), props.text.clone());
        use_effect_with((), move |_| {
            if let Some(app) = app {
                yew::platform::spawn_local(async move {
                    let fragment = links::compressed_fragment(Kind::ScenarioText, &text, None).await;
                    open_url.set(Some(format!("{app}#{fragment}")));
                });
            }
        });
    }
    match &*parsed {
        Ok(sc) => html! { <ScenarioApp scenario={sc.clone()} bare=true open_url={(*open_url).clone()} /> },
        Err(e) => html! {
            <section class="scenario scenario-error" aria-label="Scenario">
                <p class="notice" role="alert">
                    { format!("This scenario{} cannot be run: {e}.", props.source.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()) }
                </p>
                { excerpt(&props.text, e) }
            </section>
        },
    }
}
