//! One example's text: redis-cli lines to run, or a transcript where each command follows a
//! redis-cli prompt and the reply the page shows follows the command.
//!
//! ```text
//! # plain lines (comments start with # or //)     # a transcript
//! XADD orders * item book                         redis> XADD orders 1-0 item book
//! XLEN orders                                     "1-0"
//!                                                 127.0.0.1:6379> XLEN orders
//!                                                 (integer) 1
//! ```

/// A command of an example and, in a transcript, the reply the page shows for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// 1-based line of the command within the example's text.
    pub line: usize,
    /// The command as typed (redis-cli quoting), without its prompt.
    pub text: String,
    /// What the page prints after it (`None` outside transcripts, or when the page shows no reply).
    pub expected: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Example {
    pub commands: Vec<Command>,
    /// Whether the text is a transcript (commands after prompts, replies after commands).
    pub transcript: bool,
}

/// A comment line of a plain example: `#` or `//` first.
pub fn is_comment(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with('#') || line.starts_with("//")
}

/// The command after a redis-cli prompt, if `line` starts with one: `redis> `, `> `,
/// `127.0.0.1:6379> `, `127.0.0.1:6379[2]> `, `localhost:6380> `, `redis 127.0.0.1:6379> `.
pub fn after_prompt(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let (head, rest) = line.split_once('>')?;
    let host_port = |s: &str| {
        let s = s.strip_suffix(']').and_then(|s| s.rsplit_once('[')).map_or(s, |(s, db)| {
            if !db.is_empty() && db.bytes().all(|b| b.is_ascii_digit()) {
                s
            } else {
                ""
            }
        });
        s.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty()
                && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
        })
    };
    let prompt =
        head.is_empty() || head == "redis" || host_port(head) || head.strip_prefix("redis ").is_some_and(host_port);
    let command = rest.strip_prefix(' ').unwrap_or(rest).trim_end();
    (prompt && !command.trim().is_empty()).then_some(command)
}

/// Whether the prompt names redis itself or a host and port (not a bare `>`): such a line marks a
/// transcript in any code block, where a bare `>` only counts in blocks already known to be Redis.
pub fn has_named_prompt(line: &str) -> bool {
    after_prompt(line).is_some() && !line.trim_start().starts_with('>')
}

/// Reads an example: a transcript when its first line that is neither blank, a comment nor a
/// shell command (`$ redis-cli`) starts with a prompt, plain lines otherwise.
pub fn parse(text: &str) -> Example {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let first = lines.iter().find(|l| !l.trim().is_empty() && !is_comment(l) && !l.trim_start().starts_with("$ "));
    if first.is_none_or(|l| after_prompt(l).is_none()) {
        let commands = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !is_comment(l))
            .map(|(i, l)| Command { line: i + 1, text: l.trim().to_string(), expected: None })
            .collect();
        return Example { commands, transcript: false };
    }
    let mut commands: Vec<Command> = Vec::new();
    let mut reply: Vec<&str> = Vec::new();
    let finish = |commands: &mut Vec<Command>, reply: &mut Vec<&str>| {
        while reply.last().is_some_and(|l| l.trim().is_empty()) {
            reply.pop();
        }
        if let Some(last) = commands.last_mut() {
            last.expected = (!reply.is_empty()).then(|| reply.iter().map(|l| format!("{l}\n")).collect());
        }
        reply.clear();
    };
    for (i, line) in lines.iter().enumerate() {
        match after_prompt(line) {
            Some(command) => {
                finish(&mut commands, &mut reply);
                commands.push(Command { line: i + 1, text: command.to_string(), expected: None });
            }
            // Lines before the first prompt (a shell command that starts redis-cli) are not replies.
            None if !commands.is_empty() => reply.push(line),
            None => {}
        }
    }
    finish(&mut commands, &mut reply);
    Example { commands, transcript: true }
}

/// A Markdown fence's info string: ```` ```redis ````, ```` ```redis-cli ````, Redis Insight's
/// ```` ```redis:[results=single;mode=raw] Label ````, or attributes as words:
/// ```` ```redis version=7.0 pictures=streams autorun Label ````.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Info {
    pub lang: String,
    /// `key=value` pairs from `[...]`, in order.
    pub params: Vec<(String, String)>,
    /// The other words after the language: Redis Insight's button label.
    pub label: Option<String>,
}

/// Words of an info string that are flags, not part of a label.
const FLAGS: &[&str] = &["autorun"];

impl Info {
    pub fn parse(info: &str) -> Info {
        let mut words = info.split_whitespace();
        let head = words.next().unwrap_or("");
        let (lang, bracketed) = match head.split_once(':') {
            Some((lang, params)) => (lang, params.trim_start_matches('[').trim_end_matches(']')),
            None => (head, ""),
        };
        let pair = |p: &str| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().trim_matches('"').to_string()),
            None => (p.trim().to_string(), String::new()),
        };
        let mut params: Vec<(String, String)> =
            bracketed.split(';').filter(|p| !p.trim().is_empty()).map(pair).collect();
        let mut label = Vec::new();
        for word in words {
            let is_attribute = word
                .split_once('=')
                .is_some_and(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            if is_attribute || FLAGS.contains(&word) {
                params.push(pair(word));
            } else {
                label.push(word);
            }
        }
        let label = (!label.is_empty()).then(|| label.join(" "));
        Info { lang: lang.to_ascii_lowercase(), params, label }
    }

    /// A fence for Redis: ```` ```redis ````, `redis-cli`, `redis:[...]`.
    pub fn is_redis(&self) -> bool {
        matches!(self.lang.as_str(), "redis" | "redis-cli" | "redis-cli-session")
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_redis_cli_prints_and_pages_use() {
        for (line, command) in [
            ("redis> SET k v", Some("SET k v")),
            ("> XLEN s", Some("XLEN s")),
            ("127.0.0.1:6379> GET k", Some("GET k")),
            ("127.0.0.1:6379[3]> GET k", Some("GET k")),
            ("localhost:6380> PING", Some("PING")),
            ("redis 127.0.0.1:6379> PING", Some("PING")),
            ("  redis>   XADD s * a 1 ", Some("  XADD s * a 1")),
            ("XREADGROUP GROUP g c STREAMS s >", None),
            ("(integer) 1", None),
            ("1) \"a>b\"", None),
            ("redis> ", None),
            ("$ redis-cli", None),
        ] {
            assert_eq!(after_prompt(line), command, "{line}");
        }
        assert!(has_named_prompt("redis> PING") && !has_named_prompt("> PING"));
    }

    #[test]
    fn plain_lines_skip_comments_and_blanks() {
        let ex = parse("# a comment\nXADD s * a 1\n\n// another\n  XLEN s\n");
        assert!(!ex.transcript);
        let got: Vec<(usize, &str)> = ex.commands.iter().map(|c| (c.line, c.text.as_str())).collect();
        assert_eq!(got, [(2, "XADD s * a 1"), (5, "XLEN s")]);
    }

    #[test]
    fn transcripts_pair_each_command_with_the_reply_the_page_shows() {
        let ex = parse(
            "$ redis-cli\nredis> XADD s 1-0 a 1\n\"1-0\"\nredis> XRANGE s - +\n1) 1) \"1-0\"\n   2) 1) \"a\"\n      2) \"1\"\n\nredis> SUBSCRIBE\n",
        );
        assert!(ex.transcript);
        assert_eq!(ex.commands.len(), 3);
        assert_eq!(ex.commands[0].expected.as_deref(), Some("\"1-0\"\n"));
        assert_eq!(ex.commands[1].expected.as_deref(), Some("1) 1) \"1-0\"\n   2) 1) \"a\"\n      2) \"1\"\n"));
        assert_eq!((ex.commands[2].line, ex.commands[2].expected.clone()), (9, None));
    }

    #[test]
    fn fence_info_strings() {
        let i = Info::parse("redis:[results=single;mode=raw] Create a stream");
        assert_eq!(i.lang, "redis");
        assert_eq!(i.param("mode"), Some("raw"));
        assert_eq!(i.param("results"), Some("single"));
        assert_eq!(i.label.as_deref(), Some("Create a stream"));
        assert!(i.is_redis());
        let i = Info::parse("Redis");
        assert!(i.is_redis() && i.params.is_empty() && i.label.is_none());
        assert!(!Info::parse("bash").is_redis());
        let i = Info::parse("redis version=7.0 pictures=\"streams\" autorun A group");
        assert_eq!(
            i.params,
            [
                ("version".into(), "7.0".into()),
                ("pictures".into(), "streams".into()),
                ("autorun".into(), String::new())
            ]
        );
        assert_eq!(i.label.as_deref(), Some("A group"));
    }
}
