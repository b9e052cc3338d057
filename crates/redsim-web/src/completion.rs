//! Tab completion and the inline syntax hint, both read from the engine's command table (the
//! same rows the dispatcher, `COMMAND` and `HELP` use).

use redsim_engine::command::{lookup, table, CommandSpec};

/// Completes the command name (or a container's subcommand) being typed, in upper case as
/// redis-cli shows them. A unique match gets a trailing space; several matches complete to their
/// longest common prefix. `None` when nothing can be added.
pub fn complete(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let (done, partial, candidates): (&[&str], &str, Vec<String>) = match words.as_slice() {
        [partial] => (&[], partial, table().iter().map(|c| c.name.to_ascii_uppercase()).collect()),
        [name, partial] => {
            let container = lookup(name.as_bytes()).filter(|c| !c.subcommands.is_empty())?;
            (&words[..1], partial, container.subcommands.iter().map(|c| c.name.to_ascii_uppercase()).collect())
        }
        _ => return None,
    };
    let upper = partial.to_ascii_uppercase();
    let mut matches: Vec<&String> = candidates.iter().filter(|c| c.starts_with(&upper)).collect();
    matches.sort();
    let completed = match matches.as_slice() {
        [] => return None,
        [only] => format!("{only} "),
        several => {
            let first = several[0].as_bytes();
            let common =
                several.iter().map(|m| m.bytes().zip(first).take_while(|(a, b)| a == *b).count()).min().unwrap_or(0);
            several[0][..common].to_string()
        }
    };
    let prefix: String = done.iter().map(|w| format!("{w} ")).collect();
    let result = format!("{prefix}{completed}");
    (result.len() > line.len() || result != line).then_some(result)
}

/// The syntax of the command being typed, for the hint beside the input: `XADD key [NOMKSTREAM] ...`.
pub fn hint(line: &str) -> Option<(String, &'static str)> {
    let mut words = line.split_whitespace();
    let spec: &CommandSpec = lookup(words.next()?.as_bytes())?;
    let sub = words.next().and_then(|w| spec.subcommand(w.as_bytes()));
    Some(match sub {
        Some(sub) => (
            format!("{} {} {}", spec.name.to_ascii_uppercase(), sub.name.to_ascii_uppercase(), sub.syntax)
                .trim_end()
                .to_string(),
            sub.summary,
        ),
        None => (format!("{} {}", spec.name.to_ascii_uppercase(), spec.syntax).trim_end().to_string(), spec.summary),
    })
}

/// `HELP <command>`: the syntax and summary, as the console prints them.
pub fn help(name: &str) -> Option<String> {
    let (syntax, summary) = hint(name)?;
    let spec = lookup(name.split_whitespace().next()?.as_bytes())?;
    Some(format!("\n  {syntax}\n  summary: {summary}\n  since: {}\n  group: {}\n\n", spec.since, spec.group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_names_and_subcommands() {
        assert_eq!(complete("xad").as_deref(), Some("XADD "));
        assert_eq!(complete("xa").as_deref(), Some("XA"), "XADD and XAUTOCLAIM");
        assert_eq!(complete("xre").as_deref(), Some("XRE"), "XREAD, XREADGROUP and XREVRANGE share XRE");
        assert_eq!(complete("XRE"), None, "nothing to add");
        assert_eq!(complete("xrea").as_deref(), Some("XREAD"));
        assert_eq!(complete("xgroup cr").as_deref(), Some("xgroup CREATE"));
        assert_eq!(complete("xgroup CREATEC").as_deref(), Some("xgroup CREATECONSUMER "));
        assert_eq!(complete("nosuch"), None);
        assert_eq!(complete("GET k"), None);
    }

    #[test]
    fn hints_show_the_table_syntax() {
        let (syntax, summary) = hint("xadd s").unwrap();
        assert!(syntax.starts_with("XADD key [NOMKSTREAM]"), "{syntax}");
        assert!(summary.contains("stream"));
        assert_eq!(
            hint("XGROUP CREATE s").unwrap().0,
            "XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]"
        );
        assert_eq!(hint("PING").unwrap().0, "PING [message]");
        assert!(hint("nosuch").is_none());
        assert!(help("xack").unwrap().contains("XACK key group id [id ...]"));
    }
}
