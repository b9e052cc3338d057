//! The JavaScript API behind `import { Redsim } from ".../embed.js"`: an engine a page drives by
//! itself. `run` answers with what redis-cli prints and the reply as plain JavaScript data, made
//! by serde-wasm-bindgen: strings (or `Uint8Array` for bytes that are not UTF-8), numbers (`BigInt`
//! past 2^53), `null`, booleans, arrays, and objects for maps.

use redsim_docs::run::{BLOCKED_FOREVER, NOT_RUN};
use redsim_engine::cli::{format_reply_for, split_args, INVALID_ARGUMENTS};
use redsim_engine::{Reply, Version};
use redsim_sim::Session;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use wasm_bindgen::prelude::*;

/// One Redis for a page's own code: one connection, a virtual clock that moves when told.
#[wasm_bindgen]
pub struct Engine {
    session: Session,
}

#[wasm_bindgen]
impl Engine {
    /// An engine that behaves like `version` (`"7.0"`, `"8.4"`, ...; the newest when omitted).
    #[wasm_bindgen(constructor)]
    pub fn new(version: Option<String>) -> Result<Engine, JsError> {
        let version = match version.as_deref() {
            None | Some("") => Version::LATEST,
            Some(v) => v.parse().map_err(|e: String| JsError::new(&e))?,
        };
        Ok(Engine { session: Session::new(version, &["api"]) })
    }

    /// Runs one redis-cli line: `{ text, reply, error, waitedMs }`. A command that blocks waits out
    /// its timeout in virtual time, as redis-cli alone would.
    pub fn run(&mut self, line: &str) -> Result<JsValue, JsError> {
        let result = self.answer(line);
        let serializer =
            serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
        result.serialize(&serializer).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Moves the virtual clock on by `ms` milliseconds: keys expire, blocked reads time out.
    pub fn advance(&mut self, ms: f64) {
        if ms.is_finite() && ms > 0.0 {
            self.session.advance(ms.min(1e15) as u64);
        }
    }

    /// Back to an empty server of the same version.
    pub fn reset(&mut self) {
        self.session = Session::new(self.session.world().server.version(), &["api"]);
    }

    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.session.world().server.version().full()
    }
}

struct Answer {
    text: String,
    reply: Option<Reply>,
    error: Option<String>,
    waited_ms: Option<u64>,
}

impl Engine {
    fn answer(&mut self, line: &str) -> Answer {
        let plain = |text: &str, error: Option<&str>| Answer {
            text: text.to_string(),
            reply: None,
            error: error.map(str::to_string),
            waited_ms: None,
        };
        if self.session.world().is_blocked(0) {
            return plain(NOT_RUN, None);
        }
        let Some(argv) = split_args(line.as_bytes()) else {
            return plain(&format!("{INVALID_ARGUMENTS}\n"), Some(INVALID_ARGUMENTS));
        };
        if argv.is_empty() {
            return plain("", None);
        }
        let mut reply = self.session.command(0, argv).reply.clone();
        let mut waited_ms = None;
        if reply.is_none() {
            let before = self.session.now_ms();
            let woken = self.session.wait_out(0).map(|s| s.woken.iter().find(|(c, _)| *c == 0).map(|(_, r)| r.clone()));
            if let Some(woken) = woken {
                reply = woken;
                waited_ms = Some(self.session.now_ms() - before);
            }
        }
        let Some(reply) = reply else { return plain(BLOCKED_FOREVER, None) };
        let protocol = self.session.world().server.protocol(self.session.clients()[0].id);
        let error = match &reply {
            Reply::Error(e) => Some(e.clone()),
            _ => None,
        };
        Answer { text: format_reply_for(&reply, protocol), reply: Some(reply.as_seen_by(protocol)), error, waited_ms }
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Answer", 4)?;
        out.serialize_field("text", &self.text)?;
        out.serialize_field("reply", &self.reply.as_ref().filter(|r| !r.is_error()).map(Data))?;
        out.serialize_field("error", &self.error)?;
        out.serialize_field("waitedMs", &self.waited_ms)?;
        out.end()
    }
}

/// A reply as JavaScript data.
struct Data<'a>(&'a Reply);

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Reply::Status(text) | Reply::Error(text) => s.serialize_str(text),
            Reply::Bulk(bytes) | Reply::Raw(bytes) | Reply::Verbatim(_, bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => s.serialize_str(text),
                Err(_) => s.serialize_bytes(bytes),
            },
            Reply::Integer(n) if n.abs() <= MAX_SAFE_INTEGER => s.serialize_i64(*n),
            Reply::Integer(n) => s.serialize_i128(i128::from(*n)),
            Reply::Unsigned(n) => s.serialize_u64(*n),
            Reply::Double(d) | Reply::ShortDouble(d) => s.serialize_f64(*d),
            Reply::Boolean(b) => s.serialize_bool(*b),
            Reply::Nil | Reply::NilArray => s.serialize_none(),
            Reply::Array(items) | Reply::Set(items) | Reply::Push(items) | Reply::Many(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Data(item))?;
                }
                seq.end()
            }
            Reply::Map(pairs) => {
                let mut map = s.serialize_map(Some(pairs.len()))?;
                for (k, v) in pairs {
                    map.serialize_entry(&Key(k), &Data(v))?;
                }
                map.end()
            }
        }
    }
}

/// A map's key as an object's property name: its text.
struct Key<'a>(&'a Reply);

impl Serialize for Key<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Reply::Bulk(bytes) => s.serialize_str(&String::from_utf8_lossy(bytes)),
            Reply::Status(text) => s.serialize_str(text),
            other => s.serialize_str(format_reply_for(other, redsim_engine::Protocol::Resp3).trim_end()),
        }
    }
}
