//! Keeping and sharing sessions in the browser: autosave to local storage, a `#session=` link,
//! a text file to export and import. The text itself is `saved`'s; this is the browser plumbing.

use wasm_bindgen::{JsCast, JsValue};

use crate::console::{AppAction, AppState};
use crate::saved::{from_base64url, to_base64url};

const STORAGE_KEY: &str = "redsim.session";
const LINK_PREFIX: &str = "#session=";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// What to open when the page loads: a shared link wins over the saved session.
pub fn startup_action() -> Option<AppAction> {
    let hash = window()?.location().hash().ok().unwrap_or_default();
    if let Some(encoded) = hash.strip_prefix(LINK_PREFIX) {
        return Some(match from_base64url(encoded).and_then(|b| String::from_utf8(b).ok()) {
            Some(text) => AppAction::Load { text, source: "shared link" },
            None => AppAction::Notify(
                "The shared link could not be opened: it is cut or changed. Your current session is unchanged.".into(),
            ),
        });
    }
    if embedded() {
        return None;
    }
    let text = storage()?.get_item(STORAGE_KEY).ok().flatten()?;
    Some(AppAction::Load { text, source: "saved session" })
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
    format!(
        "{}{}{query}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default(),
        location.hash().unwrap_or_default()
    )
}

pub fn autosave(state: &AppState) {
    if embedded() {
        return;
    }
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, &state.to_text());
    }
}

/// Puts the session in the address bar as a link.
pub fn share(state: &AppState) -> Result<String, JsValue> {
    let window = window().ok_or(JsValue::NULL)?;
    let location = window.location();
    let url = format!(
        "{}{}{}{LINK_PREFIX}{}",
        location.origin()?,
        location.pathname()?,
        location.search()?,
        to_base64url(state.to_text().as_bytes())
    );
    window.history()?.replace_state_with_url(&JsValue::NULL, "", Some(&url))?;
    Ok(url)
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
