//! Links that carry what they open, in the address's fragment (no server sees it):
//!
//! | fragment | opens |
//! |---|---|
//! | `#commands=XADD%20s%20*%20a%201` | redis-cli lines, run in a fresh console (readable) |
//! | `#commands.z=<deflated>` | the same, compressed |
//! | `#session.z=<deflated>` | a whole session (`saved`'s text: clients, clock moves) |
//! | `#session=<base64url>` | the same, uncompressed: links made before compression still open |
//! | `#scenario=failover` | a built-in scenario |
//! | `#scenario.z=<deflated>` | a scenario's text |
//!
//! `version=7.0` may come along (`#version=7.0&commands=...`). Compressed payloads are raw
//! deflate (the browser's `CompressionStream("deflate-raw")`), then base64url without padding, so
//! a long session still fits in an address; a short list of commands stays readable instead.

use redsim_engine::Version;

use crate::saved::{from_base64url, to_base64url};

/// Readable `#commands=` links are kept up to this many characters; longer ones are compressed.
pub const READABLE_MAX: usize = 400;

/// What a link opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Commands,
    Session,
    /// A built-in scenario by name.
    ScenarioName,
    ScenarioText,
}

/// A link's payload as it is in the address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    Text(String),
    /// Raw deflate, to be inflated before it can be read.
    Deflated(Vec<u8>),
}

/// A link read from an address: what it opens and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub kind: Kind,
    pub payload: Payload,
    pub version: Option<Version>,
}

/// Characters kept as they are in a readable fragment: RFC 3986's fragment characters, less the
/// `&` and `=` that separate this grammar's parameters and the `+` some readers take for a space.
fn keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$'()*,;:@/?".contains(&b)
}

pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or("a %-escape in it is cut or changed")?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "its text is not UTF-8".to_string())
}

/// Reads the fragment of an address (with or without its `#`). `Ok(None)` for a fragment that is
/// not a Redsim link (`#top`); an error names what is wrong with one that is.
pub fn parse(hash: &str) -> Result<Option<Link>, String> {
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    let mut version = None;
    let mut found = None;
    for part in hash.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let deflated = || from_base64url(value).map(Payload::Deflated).ok_or("its data is cut or changed".to_string());
        let link = match key {
            "version" => {
                version = Some(percent_decode(value)?.parse::<Version>()?);
                continue;
            }
            "commands" => (Kind::Commands, Payload::Text(percent_decode(value)?)),
            "commands.z" => (Kind::Commands, deflated()?),
            "session" => {
                // Links from before compression: the session's text in base64url.
                let bytes = from_base64url(value).ok_or("it is cut or changed")?;
                (Kind::Session, Payload::Text(String::from_utf8(bytes).map_err(|_| "it is cut or changed")?))
            }
            "session.z" => (Kind::Session, deflated()?),
            "scenario" => (Kind::ScenarioName, Payload::Text(percent_decode(value)?)),
            "scenario.z" => (Kind::ScenarioText, deflated()?),
            _ => continue,
        };
        found = Some(link);
    }
    Ok(found.map(|(kind, payload)| Link { kind, payload, version }))
}

/// The fragment for a link (without `#`), given its payload: text goes readable (commands, a
/// scenario's name), deflated bytes in base64url.
pub fn fragment(kind: &Kind, payload: &Payload, version: Option<Version>) -> String {
    let key = match (kind, payload) {
        (Kind::Commands, Payload::Text(_)) => "commands",
        (Kind::Commands, Payload::Deflated(_)) => "commands.z",
        (Kind::Session, _) => "session.z",
        (Kind::ScenarioName, _) => "scenario",
        (Kind::ScenarioText, _) => "scenario.z",
    };
    let value = match payload {
        Payload::Text(text) => percent_encode(text),
        Payload::Deflated(bytes) => to_base64url(bytes),
    };
    match version.filter(|&v| v != Version::LATEST) {
        Some(v) => format!("version={v}&{key}={value}"),
        None => format!("{key}={value}"),
    }
}

/// Redis-cli lines as a readable fragment, if short enough to stay readable.
pub fn readable_commands(lines: &str, version: Option<Version>) -> Option<String> {
    let fragment = fragment(&Kind::Commands, &Payload::Text(lines.to_string()), version);
    (fragment.len() <= READABLE_MAX).then_some(fragment)
}

/// Compression through the browser's streams, so the app carries no deflate of its own.
mod deflate {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen]
    extern "C" {
        /// `CompressionStream` / `DecompressionStream` (web-sys has them behind its unstable flag).
        #[wasm_bindgen(js_name = CompressionStream)]
        type Compression;
        #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
        fn new(format: &str) -> Result<Compression, JsValue>;
        #[wasm_bindgen(js_name = DecompressionStream)]
        type Decompression;
        #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
        fn new(format: &str) -> Result<Decompression, JsValue>;
    }

    async fn through(bytes: &[u8], transform: &web_sys::ReadableWritablePair) -> Result<Vec<u8>, JsValue> {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)?;
        let piped = blob.stream().pipe_through(transform);
        let response = web_sys::Response::new_with_opt_readable_stream(Some(&piped))?;
        let buffer = JsFuture::from(response.array_buffer()?).await?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    pub async fn compress(bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
        through(bytes, Compression::new("deflate-raw")?.unchecked_ref()).await
    }

    pub async fn decompress(bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
        through(bytes, Decompression::new("deflate-raw")?.unchecked_ref()).await
    }
}

/// The text a link carries, inflated if it is compressed.
pub async fn text_of(payload: &Payload) -> Result<String, String> {
    match payload {
        Payload::Text(text) => Ok(text.clone()),
        Payload::Deflated(bytes) => {
            let inflated = deflate::decompress(bytes).await.map_err(|_| "its compressed data is cut or changed")?;
            String::from_utf8(inflated).map_err(|_| "its text is not UTF-8".to_string())
        }
    }
}

/// A fragment carrying `text` compressed (falling back to the readable form for commands if the
/// browser cannot compress).
pub async fn compressed_fragment(kind: Kind, text: &str, version: Option<Version>) -> String {
    match deflate::compress(text.as_bytes()).await {
        Ok(bytes) => fragment(&kind, &Payload::Deflated(bytes), version),
        Err(_) => fragment(&kind, &Payload::Text(text.to_string()), version),
    }
}

/// The shortest fragment for redis-cli lines: readable when short, else compressed.
pub async fn commands_fragment(lines: &str, version: Option<Version>) -> String {
    match readable_commands(lines, version) {
        Some(readable) => readable,
        None => compressed_fragment(Kind::Commands, lines, version).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_commands_round_trip() {
        let lines = "XADD s * a 1\nXGROUP CREATE s g 0\nSET k \"a b&c=d+e%\"\n";
        let f = fragment(&Kind::Commands, &Payload::Text(lines.into()), None);
        assert!(f.starts_with("commands=XADD%20s%20*%20a%201%0AXGROUP"), "{f}");
        assert!(!f[9..].contains(['&', '=', '+', ' ', '\n']), "{f}");
        let link = parse(&format!("#{f}")).unwrap().unwrap();
        assert_eq!(link, Link { kind: Kind::Commands, payload: Payload::Text(lines.into()), version: None });
        assert_eq!(readable_commands("PING", None).as_deref(), Some("commands=PING"));
        assert_eq!(readable_commands(&"PING\n".repeat(200), None), None, "too long to stay readable");
    }

    #[test]
    fn versions_and_compressed_payloads() {
        let f = fragment(&Kind::Session, &Payload::Deflated(vec![1, 2, 250]), Some(Version::V7_0));
        assert_eq!(f, "version=7.0&session.z=AQL6");
        let link = parse(&f).unwrap().unwrap();
        assert_eq!(
            (link.kind, link.payload, link.version),
            (Kind::Session, Payload::Deflated(vec![1, 2, 250]), Some(Version::V7_0))
        );
        assert_eq!(fragment(&Kind::Commands, &Payload::Text("PING".into()), Some(Version::LATEST)), "commands=PING");
        assert_eq!(parse("#scenario=failover").unwrap().unwrap().kind, Kind::ScenarioName);
        assert_eq!(parse("scenario.z=AQL6").unwrap().unwrap().kind, Kind::ScenarioText);
    }

    #[test]
    fn old_session_links_still_open() {
        let text = "redsim session 1\nredis 8.2\n1> PING\n";
        let link = parse(&format!("#session={}", to_base64url(text.as_bytes()))).unwrap().unwrap();
        assert_eq!((link.kind, link.payload), (Kind::Session, Payload::Text(text.into())));
    }

    #[test]
    fn bad_links_say_what_is_wrong_and_other_fragments_are_not_links() {
        assert_eq!(parse("#top"), Ok(None));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("#commands=PING%2"), Err("a %-escape in it is cut or changed".into()));
        assert_eq!(parse("#commands=%FF%FE"), Err("its text is not UTF-8".into()));
        assert_eq!(parse("#session.z=a*b"), Err("its data is cut or changed".into()));
        assert_eq!(parse("#session=%%%"), Err("it is cut or changed".into()));
        assert!(parse("#version=6.2&commands=PING").unwrap_err().contains("6.2"));
    }

    #[test]
    fn percent_coding_keeps_any_text() {
        for text in ["", "é ü ✓", "%41", "a\tb\r\nc", "\"quoted\" 'single'"] {
            assert_eq!(percent_decode(&percent_encode(text)).as_deref(), Ok(text));
        }
    }
}
