//! Keeping and sharing in the browser: autosave to local storage, links in the address bar (the
//! grammar is `links`'), the clipboard, a text file to export and import. The session's text is
//! `saved`'s; this is the browser plumbing.

use redsim_engine::Version;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::console::AppState;
use crate::links::{self, Kind};

const SESSION_KEY: &str = "redsim.session";
/// The session a reader had when they opened someone's link: kept so they can go back to it.
const BEFORE_LINK_KEY: &str = "redsim.session.before-link";
/// "1" when the saved session came from someone's link (not the reader's own).
const FROM_LINK_KEY: &str = "redsim.session.from-link";
/// The scenario being written in the editor.
const DRAFT_KEY: &str = "redsim.scenario-draft";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

fn read(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// The browser would not store something: its storage is full, blocked or absent.
#[derive(Debug)]
pub struct Refused;

/// Writes `value` under `key`.
fn write(key: &str, value: &str) -> Result<(), Refused> {
    storage().ok_or(Refused)?.set_item(key, value).map_err(|_| Refused)
}

/// The session saved in this browser, if any.
pub fn saved_session() -> Option<String> {
    read(SESSION_KEY)
}

/// Embed mode (`?embed` in the address, for an `<iframe>` in documentation): the page opens the
/// example in its link, never saves over the reader's own session, and offers to open it in full.
pub fn embedded() -> bool {
    window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| q.trim_start_matches('?').split('&').any(|p| p == "embed" || p.starts_with("embed=")))
}

/// The same page without `?embed`, keeping the example's link: where "Open in Redsim" goes.
pub fn full_page_url() -> String {
    let Some(location) = window().map(|w| w.location()) else { return String::new() };
    let search: Vec<String> = location
        .search()
        .unwrap_or_default()
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty() && *p != "embed" && !p.starts_with("embed="))
        .map(str::to_string)
        .collect();
    let query = if search.is_empty() { String::new() } else { format!("?{}", search.join("&")) };
    format!("{}{query}{}", page_url(), location.hash().unwrap_or_default())
}

/// The page's address without query or fragment.
fn page_url() -> String {
    let Some(location) = window().map(|w| w.location()) else { return String::new() };
    format!("{}{}", location.origin().unwrap_or_default(), location.pathname().unwrap_or_default())
}

/// Saves the session in this browser (never in embed mode). An error means the browser refused:
/// storage is full or blocked.
pub fn autosave(state: &AppState) -> Result<(), Refused> {
    if embedded() {
        return Ok(());
    }
    write(SESSION_KEY, &state.to_text())?;
    write(FROM_LINK_KEY, if state.from_link { "1" } else { "" })
}

/// Whether the saved session came from a link (the reader's own is kept aside).
pub fn saved_from_link() -> bool {
    read(FROM_LINK_KEY).as_deref() == Some("1")
}

/// Before a link replaces what the reader had: keeps their own session aside (`previous_session`),
/// unless what they had came from a link itself. True when a session of theirs is kept.
pub fn keep_before_link() -> bool {
    if embedded() {
        return false;
    }
    match saved_session() {
        Some(text) if !saved_from_link() && text.lines().count() > 2 => write(BEFORE_LINK_KEY, &text).is_ok(),
        _ => saved_from_link() && previous_session().is_some(),
    }
}

/// The session the reader had before they opened a link.
pub fn previous_session() -> Option<String> {
    read(BEFORE_LINK_KEY)
}

pub fn scenario_draft() -> Option<String> {
    read(DRAFT_KEY)
}

pub fn save_scenario_draft(text: &str) -> Result<(), Refused> {
    write(DRAFT_KEY, text)
}

/// What a link to a console session carries, taken from it before any waiting.
pub struct SessionLink {
    /// The session as redis-cli lines, when it is only that (`AppState::as_commands`).
    commands: Option<String>,
    /// The whole session's text.
    text: String,
    version: Version,
}

impl SessionLink {
    pub fn of(state: &AppState) -> SessionLink {
        SessionLink { commands: state.as_commands(), text: state.to_text(), version: state.version() }
    }

    /// Readable commands when the session is only client 1 typing with the clock untouched, and
    /// short; else the whole session compressed.
    pub async fn fragment(self) -> String {
        match self.commands {
            Some(lines) => links::commands_fragment(&lines, Some(self.version)).await,
            None => links::compressed_fragment(Kind::Session, &self.text, None).await,
        }
    }
}

/// Puts `fragment` in the address bar (no reload, no hashchange) and on the clipboard. Says
/// which of the two worked.
pub async fn publish(fragment: &str) -> Result<String, String> {
    let url =
        format!("{}{}#{fragment}", page_url(), window().and_then(|w| w.location().search().ok()).unwrap_or_default());
    let history = window().and_then(|w| w.history().ok());
    let in_address = history.is_some_and(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(&url)).is_ok());
    let copied = match window().map(|w| w.navigator().clipboard()) {
        Some(clipboard) => JsFuture::from(clipboard.write_text(&url)).await.is_ok(),
        None => false,
    };
    match (copied, in_address) {
        (true, _) => Ok("Link copied to the clipboard (it is in the address bar too).".into()),
        (false, true) => Ok("The address bar now holds the link: copy it from there to share.".into()),
        (false, false) => Err("This browser let Redsim neither copy the link nor put it in the address bar.".into()),
    }
}

/// A link to the full app at `app_url` that runs these redis-cli lines.
pub async fn app_link_for_commands(app_url: &str, lines: &str, version: Version) -> String {
    let version = (version != Version::LATEST).then_some(version);
    format!("{app_url}#{}", links::commands_fragment(lines, version).await)
}

/// Offers the session as a downloaded text file.
pub fn export(state: &AppState) -> Result<(), JsValue> {
    let document = window().and_then(|w| w.document()).ok_or(JsValue::NULL)?;
    let parts = js_sys::Array::of1(&JsValue::from_str(&state.to_text()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download("redsim-session.txt");
    link.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}
