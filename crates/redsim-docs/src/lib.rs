//! Redis examples in documentation: found in Markdown (`markdown`), read as redis-cli lines or
//! transcripts (`example`), run through the engine as redis-cli would run them (`run`), and each
//! reply compared with the one the page shows, allowing for IDs and times (`shape`).
//!
//! The app's `<redsim-example>` element and the `redsim-docs check` command share all of it, so a
//! reply marked stale in a page is the reply the checker reports in CI.
//!
//! What this crate must not do: read a clock or the network. It reads the files it is given.

#![forbid(unsafe_code)]

pub mod example;
pub mod html;
pub mod markdown;
pub mod run;
pub mod shape;

pub use example::{parse, Command, Example, Info};
pub use html::example_element;
pub use markdown::{blocks, Block, Source};
pub use run::{check_markdown, page_start_ms, page_times, run, Finding, Output, Ran, Report, Runner, Scope};
pub use shape::same_reply;
