//! The Redis examples of a Markdown file: fenced code blocks for Redis (```` ```redis ````,
//! ```` ```redis-cli ````, Redis Insight's ```` ```redis:[...] Label ````), any fence holding a
//! redis-cli transcript (`redis>` or `host:port>` prompts), and redis.io's Hugo shortcodes
//! `{{% redis-cli %}}` and `{{< clients-example >}}`.

use crate::example::{after_prompt, has_named_prompt, Info};

/// Where an example came from in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A fenced code block, with its info string.
    Fence(Info),
    /// `{{% redis-cli %}}` ... `{{% /redis-cli %}}`.
    RedisCli,
    /// `{{< clients-example ... >}}` ... `{{< /clients-example >}}` (its redis-cli part).
    ClientsExample,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence or shortcode.
    pub line: usize,
    /// 1-based line of the closing fence or shortcode (the last line for a fence left open).
    pub end: usize,
    pub source: Source,
    /// The lines inside, without the fence's indentation.
    pub text: String,
}

impl Block {
    /// The 1-based line in the file of line `n` (1-based) of the block's text.
    pub fn file_line(&self, n: usize) -> usize {
        self.line + n
    }
}

struct Open {
    line: usize,
    indent: usize,
    end: End,
    source: Source,
    lines: Vec<String>,
}

enum End {
    Fence(char, usize),
    Shortcode(&'static [&'static str]),
}

/// Every Redis example in `markdown`, in order.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<Open> = None;
    for (i, raw) in markdown.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(o) = &mut open {
            let closes = match o.end {
                End::Fence(c, n) => {
                    let run = trimmed.chars().take_while(|&x| x == c).count();
                    run >= n && trimmed[run..].trim().is_empty()
                }
                End::Shortcode(ends) => ends.iter().any(|e| trimmed.trim_end() == *e),
            };
            if closes {
                let o = open.take().map(|o| finish(o, i + 1));
                found.extend(o.flatten());
            } else {
                // Inside a list item a fence is indented; its lines are too.
                let spaces = line.len() - line.trim_start_matches(' ').len();
                o.lines.push(line[spaces.min(o.indent)..].to_string());
            }
            continue;
        }
        if let Some(c) = ['`', '~'].into_iter().find(|&c| trimmed.starts_with(&c.to_string().repeat(3))) {
            let run = trimmed.chars().take_while(|&x| x == c).count();
            let info = &trimmed[run..];
            if c == '`' && info.contains('`') {
                continue; // inline code, not a fence
            }
            open = Some(Open {
                line: i + 1,
                indent,
                end: End::Fence(c, run),
                source: Source::Fence(Info::parse(info)),
                lines: vec![],
            });
        } else if let Some((source, ends)) = shortcode(trimmed) {
            open = Some(Open { line: i + 1, indent, end: End::Shortcode(ends), source, lines: vec![] });
        }
    }
    // A fence left open runs to the end of the file, as CommonMark says.
    let last = markdown.lines().count();
    found.extend(open.and_then(|o| finish(o, last)));
    found
}

fn shortcode(line: &str) -> Option<(Source, &'static [&'static str])> {
    let squeezed: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if squeezed.starts_with("{{% redis-cli %}}") || squeezed.starts_with("{{< redis-cli >}}") {
        Some((Source::RedisCli, &["{{% /redis-cli %}}", "{{< /redis-cli >}}"]))
    } else if squeezed.starts_with("{{< clients-example") || squeezed.starts_with("{{% clients-example") {
        Some((Source::ClientsExample, &["{{< /clients-example >}}", "{{% /clients-example %}}"]))
    } else {
        None
    }
}

/// Keeps a block if it is a Redis example: a Redis fence or shortcode, or a transcript with a
/// prompt that names Redis (`redis>`, `127.0.0.1:6379>`) in any other fence.
fn finish(o: Open, end: usize) -> Option<Block> {
    let text: String = o.lines.iter().map(|l| format!("{l}\n")).collect();
    let first = o.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty());
    let keep = match &o.source {
        Source::Fence(info) if info.is_redis() => true,
        Source::Fence(_) => first.is_some_and(has_named_prompt),
        Source::RedisCli => true,
        // A clients-example holds the redis-cli version of a step: a transcript.
        Source::ClientsExample => o.lines.iter().any(|l| after_prompt(l).is_some()),
    };
    keep.then_some(Block { line: o.line, end, source: o.source, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_redis_fences_shortcodes_and_transcripts() {
        let md = "\
# Title

```redis:[results=single] Add one
XADD s * a 1
```

```python
r.xadd('s', {'a': 1})
```

```
127.0.0.1:6379> PING
PONG
```

```bash
$ echo hi
```

{{% redis-cli %}}
XLEN s
{{% /redis-cli %}}

{{< clients-example set=\"stream_tutorial\" step=\"xadd\" >}}
> XADD race:france * rider Castilla
\"1692632086370-0\"
{{< /clients-example >}}

1. A step

   ~~~redis
   SET k v
   ~~~
";
        let found = blocks(md);
        let lines: Vec<(usize, usize)> = found.iter().map(|b| (b.line, b.end)).collect();
        assert_eq!(lines, [(3, 5), (11, 14), (20, 22), (24, 27), (31, 33)]);
        assert!(matches!(&found[0].source, Source::Fence(info) if info.label.as_deref() == Some("Add one")));
        assert_eq!(found[0].text, "XADD s * a 1\n");
        assert_eq!(found[1].text, "127.0.0.1:6379> PING\nPONG\n");
        assert_eq!(found[2].source, Source::RedisCli);
        assert_eq!(found[3].source, Source::ClientsExample);
        assert_eq!(found[4].text, "SET k v\n", "the list item's indentation is not part of the example");
        assert_eq!(found[3].file_line(1), 25);
    }

    #[test]
    fn an_unclosed_fence_runs_to_the_end() {
        assert_eq!(blocks("```redis\nPING\n").len(), 1);
        assert!(blocks("no code here `redis` inline").is_empty());
        assert!(blocks("````md\n```redis\nPING\n```\n````\n").is_empty(), "a fence inside a longer fence is text");
    }
}
