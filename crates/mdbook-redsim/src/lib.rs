//! mdBook's preprocessor protocol, for Redsim: mdBook runs `mdbook-redsim supports <renderer>`,
//! then `mdbook-redsim` with `[context, book]` as JSON on standard input, and reads the book back
//! from standard output. Each ```` ```redis ```` (or `redis-cli`) fence of a chapter becomes a
//! `<redsim-example>` element, and a chapter with one loads `embed.js`.
//!
//! ```toml
//! # book.toml
//! [preprocessor.redsim]
//! embed-url = "https://you.github.io/redsim/embed.js"   # or a path in the book: "redsim/embed.js"
//! ```
//!
//! The book is handled as plain JSON (`serde_json::Value`): any chapter object found anywhere in it
//! (`sections` in mdBook 0.4, `items` in 0.5) has its `content` rewritten, and nothing else changes.

#![forbid(unsafe_code)]

use redsim_docs::markdown::{blocks, Source};
use serde_json::Value;

/// Where `embed.js` is when `book.toml` does not say: beside the book's own files.
const DEFAULT_EMBED: &str = "redsim/embed.js";

/// The renderers whose output runs the elements.
pub fn supports(renderer: &str) -> bool {
    renderer == "html"
}

/// Reads `[context, book]`, returns the book with its chapters rewritten.
pub fn preprocess(input: &str) -> Result<String, String> {
    let value: Value = serde_json::from_str(input).map_err(|e| format!("mdBook sent JSON that cannot be read: {e}"))?;
    let [context, book] = match value {
        Value::Array(pair) if pair.len() == 2 => <[Value; 2]>::try_from(pair).map_err(|_| "unreachable".to_string())?,
        _ => return Err("mdBook should send [context, book]".into()),
    };
    let embed = context
        .pointer("/config/preprocessor/redsim/embed-url")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_EMBED)
        .to_string();
    let mut book = book;
    rewrite_chapters(&mut book, &embed);
    serde_json::to_string(&book).map_err(|e| e.to_string())
}

/// Finds every `{"Chapter": {...}}` below `value` and rewrites its content.
fn rewrite_chapters(value: &mut Value, embed: &str) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(chapter)) = map.get_mut("Chapter") {
                let depth = chapter.get("path").and_then(Value::as_str).map_or(0, |p| p.matches('/').count());
                if let Some(Value::String(content)) = chapter.get_mut("content") {
                    *content = rewrite(content, &script_src(embed, depth));
                }
            }
            map.values_mut().for_each(|v| rewrite_chapters(v, embed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_chapters(v, embed)),
        _ => {}
    }
}

/// `embed.js` as a chapter `depth` folders down reaches it: an address as it is, a path in the
/// book from the book's root.
fn script_src(embed: &str, depth: usize) -> String {
    if embed.contains("://") || embed.starts_with('/') {
        embed.to_string()
    } else {
        format!("{}{embed}", "../".repeat(depth))
    }
}

/// A chapter's Markdown with its Redis fences as elements and, if it has any, the script at the end.
pub fn rewrite(markdown: &str, src: &str) -> String {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut next = 0;
    let mut any = false;
    for block in blocks(markdown) {
        let Source::Fence(info) = &block.source else { continue };
        if !info.is_redis() {
            continue;
        }
        out.extend(lines[next..block.line - 1].iter().map(|l| l.to_string()));
        // An HTML block must start on a line of its own, after a blank line.
        out.push(String::new());
        out.push(redsim_docs::example_element(info, &block.text));
        out.push(String::new());
        next = block.end.min(lines.len());
        any = true;
    }
    out.extend(lines[next..].iter().map(|l| l.to_string()));
    let mut text = out.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    if any {
        text.push_str(&format!("\n<script type=\"module\" src=\"{}\"></script>\n", redsim_docs::html::escape(src)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_become_elements_and_other_code_stays() {
        let md =
            "# Streams\n\nAdd one:\n\n```redis version=7.0\nXADD s * a 1\n\nXLEN s\n```\n\n```rust\nlet x = 1;\n```\n";
        let out = rewrite(md, "../redsim/embed.js");
        assert_eq!(
            out,
            "# Streams\n\nAdd one:\n\n\n<redsim-example version=\"7.0\">\nXADD s * a 1\nXLEN s\n</redsim-example>\n\n\n```rust\nlet x = 1;\n```\n\n\
             <script type=\"module\" src=\"../redsim/embed.js\"></script>\n"
        );
        assert_eq!(rewrite("No examples.\n", "x.js"), "No examples.\n");
    }

    #[test]
    fn the_protocol_with_mdbook_0_4_and_0_5_books() {
        let chapter = |path: &str, content: &str, sub: Value| serde_json::json!({"Chapter": {"name": "c", "content": content, "number": [1], "sub_items": sub, "path": path, "source_path": path, "parent_names": []}});
        let book = serde_json::json!({
            "sections": [
                chapter("intro.md", "```redis\nPING\n```\n", serde_json::json!([chapter("guide/groups.md", "```redis\nXLEN s\n```\n", serde_json::json!([]))])),
                "Separator",
                {"PartTitle": "More"},
            ],
            "__non_exhaustive": null
        });
        let context = serde_json::json!({"root": "/b", "renderer": "html", "mdbook_version": "0.4.40",
            "config": {"book": {}, "preprocessor": {"redsim": {"embed-url": "redsim/embed.js"}}}});
        let out: Value =
            serde_json::from_str(&preprocess(&serde_json::json!([context, book]).to_string()).unwrap()).unwrap();
        let intro = out.pointer("/sections/0/Chapter/content").and_then(Value::as_str).unwrap();
        assert!(
            intro.contains("<redsim-example>\nPING\n</redsim-example>") && intro.contains("src=\"redsim/embed.js\""),
            "{intro}"
        );
        let nested = out.pointer("/sections/0/Chapter/sub_items/0/Chapter/content").and_then(Value::as_str).unwrap();
        assert!(nested.contains("src=\"../redsim/embed.js\""), "{nested}");
        assert_eq!(out.pointer("/sections/1"), Some(&Value::from("Separator")));
        // mdBook 0.5 calls the list `items`.
        let newer = serde_json::json!([{"config": {}}, {"items": [chapter("a.md", "```redis-cli\nPING\n```\n", serde_json::json!([]))]}]);
        let out = preprocess(&newer.to_string()).unwrap();
        assert!(out.contains("redsim-example") && out.contains("redsim/embed.js"), "{out}");
        assert!(preprocess("{}").unwrap_err().contains("[context, book]"));
        assert!(preprocess("not json").unwrap_err().contains("cannot be read"));
    }
}
