//! What `embed.js` calls into: the full app, an example or a scenario player mounted in an element
//! of any page, and the engine for a page's own code. `embed.js` (hand-written, `www/embed.js`)
//! defines the custom elements, starts each as it nears the viewport, and loads this module once
//! for all of them.

pub mod api;
pub mod example;

use redsim_docs::Output;
use redsim_engine::Version;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::links;
use example::{ExampleApp, ExampleAppProps, Pictures};

/// The full app on the page's `<body>` (what `index.html` starts).
#[wasm_bindgen]
pub fn start_app() {
    yew::Renderer::<crate::app::App>::new().render();
}

/// Something mounted in an element, until `destroy` takes it down.
#[wasm_bindgen]
pub struct Mounted {
    destroy: Option<Box<dyn FnOnce()>>,
}

#[wasm_bindgen]
impl Mounted {
    pub fn destroy(&mut self) {
        if let Some(destroy) = self.destroy.take() {
            destroy();
        }
    }
}

impl Mounted {
    fn of<C: BaseComponent>(handle: yew::AppHandle<C>) -> Mounted {
        Mounted { destroy: Some(Box::new(move || handle.destroy())) }
    }
}

fn text_option(options: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(options, &JsValue::from_str(key)).ok()?.as_string()
}

fn flag(options: &JsValue, key: &str) -> bool {
    js_sys::Reflect::get(options, &JsValue::from_str(key)).is_ok_and(|v| v.is_truthy())
}

/// The profile an element asks for, or the newest and what the author should know.
fn version_of(attribute: Option<&str>) -> (Version, Option<String>) {
    match attribute.map(str::trim).filter(|v| !v.is_empty()) {
        None => (Version::LATEST, None),
        Some(v) => match v.parse() {
            Ok(version) => (version, None),
            Err(e) => (
                Version::LATEST,
                Some(format!("version=\"{v}\": {e}. This example behaves like Redis {}.", Version::LATEST.full())),
            ),
        },
    }
}

/// Mounts a `<redsim-example>`: `options` has `text` (the lines), and may have `version`,
/// `pictures`, `autorun`, `label`, `mode` (`raw`) and `appUrl` (the full app, for "Open in Redsim").
#[wasm_bindgen]
pub fn mount_example(root: web_sys::Element, options: JsValue) -> Mounted {
    let (version, mut notice) = version_of(text_option(&options, "version").as_deref());
    let pictures = Pictures::parse(&text_option(&options, "pictures").unwrap_or_default()).unwrap_or_else(|e| {
        notice.get_or_insert(e);
        Pictures::Auto
    });
    let text = text_option(&options, "text").unwrap_or_default();
    let commands: Vec<String> = redsim_docs::parse(&text).commands.into_iter().map(|c| c.text).collect();
    let open_url = text_option(&options, "appUrl").map(|app| {
        let version = (version != Version::LATEST).then_some(version);
        let fragment = links::readable_commands(&commands.join("\n"), version).unwrap_or_else(|| {
            links::fragment(&links::Kind::Commands, &links::Payload::Text(commands.join("\n")), version)
        });
        format!("{app}#{fragment}")
    });
    let props = ExampleAppProps {
        text,
        version,
        output: if text_option(&options, "mode").as_deref() == Some("raw") { Output::Raw } else { Output::Tty },
        pictures,
        autorun: flag(&options, "autorun"),
        label: text_option(&options, "label").filter(|l| !l.trim().is_empty()),
        open_url,
        notice,
    };
    Mounted::of(yew::Renderer::<ExampleApp>::with_root_and_props(root, props).render())
}

/// Mounts a `<redsim-scenario>`: `options.text` is the scenario's text; `appUrl` the full app.
#[wasm_bindgen]
pub fn mount_scenario(root: web_sys::Element, options: JsValue) -> Mounted {
    let props = crate::scenario::ElementProps {
        text: text_option(&options, "text").unwrap_or_default(),
        source: text_option(&options, "src"),
        app_url: text_option(&options, "appUrl"),
    };
    Mounted::of(yew::Renderer::<crate::scenario::ScenarioElement>::with_root_and_props(root, props).render())
}
