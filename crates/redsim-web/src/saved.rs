//! A session as text: what is saved in the browser, exported to a file, and put in a share link.
//!
//! ```text
//! redsim session 1
//! redis 8.2
//! 1> "XADD" "orders" "*" "item" "book"
//! +1000ms
//! 2> "XREAD" "BLOCK" "0" "STREAMS" "orders" "$"
//! ```
//!
//! Every action is replayed on load (the engine is deterministic, so the result is exact).
//! Arguments are quoted as redis-cli prints strings, so any bytes survive the round trip.
//!
//! Other branches of the timeline follow the main line, each under `@branch <step>`: the steps
//! that were taken after that step before the session went another way there.
//!
//! ```text
//! 1> SET k 1
//! 1> SET k 2
//! @branch 1
//! 1> DEL k
//! ```

use redsim_engine::cli::{quote, split_args};

use redsim_engine::Version;
use redsim_sim::Action;

use crate::console::CLIENT_NAMES;

const HEADER: &str = "redsim session 1";

/// The text of a session with these actions.
pub fn encode(version: Version, actions: &[Action]) -> String {
    let lines: Vec<String> = actions.iter().map(encode_action).collect();
    assemble(version, lines.iter().map(String::as_str))
}

/// One action's line (without its newline).
pub fn encode_action(action: &Action) -> String {
    match action {
        Action::Command { client, argv } => format!("{}> {}", client + 1, display_line(argv)),
        Action::Advance { ms } => format!("+{ms}ms"),
    }
}

/// The whole text from lines already encoded one by one.
pub fn assemble<'a>(version: Version, lines: impl Iterator<Item = &'a str>) -> String {
    let mut text = format!("{HEADER}\nredis {version}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// A branch of the timeline kept aside: from which step, and the steps taken after it.
pub type Branch = (usize, Vec<Action>);

/// Reads a session's text back; an error names the line that could not be read.
pub fn decode(text: &str) -> Result<(Version, Vec<Action>), String> {
    decode_with_branches(text).map(|(version, actions, _)| (version, actions))
}

/// `decode`, with the other branches.
pub fn decode_with_branches(text: &str) -> Result<(Version, Vec<Action>, Vec<Branch>), String> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    match lines.next() {
        Some((_, HEADER)) => {}
        _ => return Err(format!("this is not a Redsim session (the first line should be \"{HEADER}\")")),
    }
    let version = match lines.next() {
        Some((n, line)) => line
            .strip_prefix("redis ")
            .ok_or_else(|| format!("line {n}: expected \"redis <version>\""))?
            .parse::<Version>()
            .map_err(|e| format!("line {n}: {e}"))?,
        None => return Err("the session ends before its Redis version".into()),
    };
    let mut actions = Vec::new();
    let mut branches: Vec<Branch> = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(step) = line.strip_prefix("@branch ") {
            let step: usize =
                step.trim().parse().map_err(|_| format!("line {n}: cannot read the branch step \"{line}\""))?;
            branches.push((step, Vec::new()));
            continue;
        }
        let actions = match branches.last_mut() {
            Some((_, branch)) => branch,
            None => &mut actions,
        };
        if let Some(ms) = line.strip_prefix('+').and_then(|l| l.strip_suffix("ms")) {
            let ms = ms.parse().map_err(|_| format!("line {n}: cannot read the time step \"{line}\""))?;
            actions.push(Action::Advance { ms });
            continue;
        }
        let (client, command) =
            line.split_once("> ").ok_or_else(|| format!("line {n}: expected \"<client>> <command>\""))?;
        let client: usize = client
            .parse()
            .ok()
            .filter(|c| (1..=CLIENT_NAMES.len()).contains(c))
            .ok_or_else(|| format!("line {n}: there is no client \"{client}\" (1 to {})", CLIENT_NAMES.len()))?;
        let argv = split_args(command.as_bytes()).ok_or_else(|| format!("line {n}: unbalanced quotes"))?;
        if argv.is_empty() {
            return Err(format!("line {n}: empty command"));
        }
        actions.push(Action::Command { client: client - 1, argv });
    }
    Ok((version, actions, branches))
}

/// A command line as a person would type it: arguments quoted only when they must be.
pub fn display_line(argv: &[Vec<u8>]) -> String {
    let plain = |a: &[u8]| !a.is_empty() && a.iter().all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\'');
    argv.iter()
        .map(|a| if plain(a) { String::from_utf8_lossy(a).into_owned() } else { quote(a) })
        .collect::<Vec<_>>()
        .join(" ")
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding, for the `#session=` fragment.
pub fn to_base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let values: Vec<u32> =
        text.bytes().map(|c| ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)).collect::<Option<_>>()?;
    if values.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(values.len() * 3 / 4);
    for chunk in values.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &v)| acc | v << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_round_trip_with_any_bytes() {
        let actions = vec![
            Action::Command { client: 0, argv: vec![b"SET".to_vec(), b"k".to_vec(), b"a \"b\"\n\x00\xff".to_vec()] },
            Action::Advance { ms: 1500 },
            Action::Command { client: 2, argv: vec![b"GET".to_vec(), b"k".to_vec()] },
        ];
        let text = encode(Version::V7_4, &actions);
        assert!(text.starts_with("redsim session 1\nredis 7.4\n1> SET k \"a \\\"b\\\"\\n\\x00\\xff\"\n"), "{text}");
        assert_eq!(decode(&text), Ok((Version::V7_4, actions)));
    }

    #[test]
    fn unreadable_sessions_say_where() {
        assert!(decode("hello").unwrap_err().contains("not a Redsim session"));
        assert!(decode("redsim session 1\nredis 6.0\n").unwrap_err().starts_with("line 2:"));
        assert_eq!(
            decode("redsim session 1\nredis 8.2\n1> PING\n9> PING\n").unwrap_err(),
            "line 4: there is no client \"9\" (1 to 3)"
        );
        assert_eq!(decode("redsim session 1\nredis 8.2\n1> GET \"x\n").unwrap_err(), "line 3: unbalanced quotes");
        assert_eq!(
            decode("redsim session 1\nredis 8.2\n+abcms\n").unwrap_err(),
            "line 3: cannot read the time step \"+abcms\""
        );
    }

    #[test]
    fn base64url_round_trips() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = to_base64url(&bytes);
            assert!(text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
            assert_eq!(from_base64url(&text), Some(bytes));
        }
        assert_eq!(to_base64url(b"Man"), "TWFu");
        assert_eq!(from_base64url("a"), None);
        assert_eq!(from_base64url("a*b="), None);
    }
}
