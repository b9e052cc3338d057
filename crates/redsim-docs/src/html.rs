//! A Redis example as the element `embed.js` defines, for tools that write HTML from Markdown
//! (the mdBook preprocessor; a site generator's hook can do the same with its templates).

use crate::example::Info;

/// The attributes `<redsim-example>` reads, as a fence may give them.
const ATTRIBUTES: &[&str] = &["version", "pictures", "autorun", "theme", "height", "mode"];

/// `<redsim-example ...>text</redsim-example>`: the fence's attributes and label, the text escaped.
/// A blank line would end a Markdown HTML block, so blank lines are left out (they mean nothing
/// to redis-cli).
pub fn example_element(info: &Info, text: &str) -> String {
    let mut out = String::from("<redsim-example");
    for (key, value) in info.params.iter().filter(|(k, _)| ATTRIBUTES.contains(&k.as_str())) {
        if value.is_empty() {
            out.push_str(&format!(" {key}"));
        } else {
            out.push_str(&format!(" {key}=\"{}\"", escape(value)));
        }
    }
    if let Some(label) = &info.label {
        out.push_str(&format!(" label=\"{}\"", escape(label)));
    }
    out.push_str(">\n");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str(&escape(line));
        out.push('\n');
    }
    out.push_str("</redsim-example>");
    out
}

/// Text safe inside an element or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_becomes_an_element() {
        let info = Info::parse("redis:[mode=raw] version=7.0 autorun Read the <group>");
        let html = example_element(&info, "XADD s * a \"1 & 2\"\n\nXREADGROUP GROUP g c STREAMS s >\n");
        assert_eq!(
            html,
            "<redsim-example mode=\"raw\" version=\"7.0\" autorun label=\"Read the &lt;group&gt;\">\n\
             XADD s * a &quot;1 &amp; 2&quot;\nXREADGROUP GROUP g c STREAMS s &gt;\n</redsim-example>"
        );
    }
}
