//! Transcript tests: a script that reads like a redis-cli session, with the virtual time on each
//! command line, checked against the engine. Adding a case is adding text.
//!
//! ```text
//! # comment
//! @0 > XADD s 1-0 a 1          (at virtual ms 0, client 1)
//! "1-0"
//! @5 c2> XREAD BLOCK 0 STREAMS s $   (client 2; a blocked client prints "(blocked)")
//! (blocked)
//! @9 > XADD s 2-0 b 2
//! "2-0"
//! c2: 1) 1) "s" ...           (replies to woken clients follow, prefixed with their name)
//! ```

use std::collections::BTreeMap;

use crate::cli::{format_reply_for, split_args};
use crate::{Server, Version};

/// Runs `script` on a fresh server emulating `version`; panics with a diff on the first mismatch.
pub fn check(version: Version, script: &str) {
    let mut server = Server::new(version);
    let mut clients: BTreeMap<String, u64> = BTreeMap::new();
    let mut lines = script.lines().map(str::trim_end).peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (at, rest) = line
            .strip_prefix('@')
            .and_then(|l| l.split_once(' '))
            .unwrap_or_else(|| panic!("expected `@<ms> [client]> COMMAND`, got {line:?}"));
        let now: u64 = at.parse().expect("virtual time in ms");
        let (name, command) = rest.split_once("> ").expect("a `>` before the command");
        let name = if name.is_empty() { "c1" } else { name };
        let next_id = clients.len() as u64 + 1;
        let client = *clients.entry(name.to_string()).or_insert(next_id);
        let argv = split_args(command.as_bytes()).expect("balanced quotes");
        let ticked = server.tick(now);
        let outcome = server.execute(now, client, &argv);
        let mut actual = match &outcome.reply {
            Some(reply) => format_reply_for(reply, server.protocol(client)),
            None => "(blocked)\n".to_string(),
        };
        for (woken, reply) in ticked.woken.iter().chain(&outcome.woken) {
            let who = clients.iter().find(|(_, id)| *id == woken).map_or("?", |(n, _)| n.as_str());
            actual.push_str(&format!("{who}: {}", format_reply_for(reply, server.protocol(*woken))));
        }
        let mut expected = String::new();
        while let Some(next) = lines.peek() {
            let trimmed = next.trim_start();
            if trimmed.starts_with('@') || trimmed.starts_with('#') || trimmed.is_empty() {
                break;
            }
            expected.push_str(trimmed);
            expected.push('\n');
            lines.next();
        }
        // Indentation and index padding are redis-cli's layout, tested in `cli`; compare content.
        let normalize = |s: &str| {
            s.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
        };
        assert_eq!(
            normalize(&actual),
            normalize(&expected),
            "\n{version} @{now} {name}> {command}\n--- got:\n{actual}"
        );
    }
}
