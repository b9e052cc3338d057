//! The scenario text format read into a [`Scenario`]: one statement per line, each error with its
//! line and column, nothing built from a file with an error.

use super::*;

/// Words of a line with their columns (1-based).
struct Words<'a> {
    line_no: usize,
    words: Vec<(usize, &'a str)>,
    pos: usize,
    /// Column just past the line's end, for "expected ... at the end".
    end_col: usize,
}

impl<'a> Words<'a> {
    fn new(line_no: usize, text: &'a str, offset: usize) -> Words<'a> {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_whitespace(), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    words.push((offset + s + 1, &text[s..i]));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push((offset + s + 1, &text[s..]));
        }
        // A lone `#` starts a comment to the end of the line.
        if let Some(at) = words.iter().position(|w| w.1 == "#") {
            words.truncate(at);
        }
        Words { line_no, words, pos: 0, end_col: offset + text.len() + 1 }
    }

    fn error_here(&self, message: impl Into<String>) -> ParseError {
        let column = self.words.get(self.pos).map_or(self.end_col, |w| w.0);
        ParseError { line: self.line_no, column, message: message.into() }
    }

    fn next(&mut self, what: &str) -> Result<&'a str, ParseError> {
        match self.words.get(self.pos) {
            Some(&(_, w)) => {
                self.pos += 1;
                Ok(w)
            }
            None => Err(self.error_here(format!("expected {what}"))),
        }
    }

    fn peek(&self) -> Option<&'a str> {
        self.words.get(self.pos).map(|w| w.1)
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.peek() == Some(word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, word: &str) -> Result<(), ParseError> {
        if self.eat(word) {
            Ok(())
        } else {
            Err(self.error_here(format!("expected '{word}'")))
        }
    }

    fn duration(&mut self, what: &str) -> Result<u64, ParseError> {
        let at = self.pos;
        let w = self.next(what)?;
        parse_duration(w).ok_or_else(|| {
            self.pos = at;
            self.error_here(format!("expected {what} such as 500ms, 2s or 1m, got '{w}'"))
        })
    }

    fn number(&mut self, what: &str) -> Result<u64, ParseError> {
        let at = self.pos;
        let w = self.next(what)?;
        w.parse().map_err(|_| {
            self.pos = at;
            self.error_here(format!("expected {what} (a whole number), got '{w}'"))
        })
    }

    fn done(&self) -> Result<(), ParseError> {
        match self.words.get(self.pos) {
            None => Ok(()),
            Some(&(_, w)) => Err(self.error_here(format!("unexpected '{w}'"))),
        }
    }
}

/// `250ms`, `2s`, `1.5s`, `1m`.
pub fn parse_duration(w: &str) -> Option<u64> {
    let (num, scale) = if let Some(n) = w.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = w.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = w.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        return None;
    };
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0 && v * scale < 1e12).then(|| (v * scale).round() as u64)
}

/// A producer's `field value` pairs.
type Fields = Vec<(Vec<u8>, Vec<u8>)>;

fn field_pairs(words: &mut Words) -> Result<Fields, ParseError> {
    let mut fields = Vec::new();
    while let Some(w) = words.peek() {
        if matches!(w, "maxlen") {
            break;
        }
        let f = words.next("a field")?;
        let v = words.next("a value after the field")?;
        fields.push((f.as_bytes().to_vec(), v.as_bytes().to_vec()));
    }
    if fields.is_empty() {
        return Err(words.error_here("expected field value pairs"));
    }
    Ok(fields)
}

/// Parses a scenario file.
pub fn parse(text: &str) -> Result<Scenario, ParseError> {
    let mut sc = Scenario {
        name: String::new(),
        title: String::new(),
        seed: 1,
        version: Version::LATEST,
        setup: Vec::new(),
        timeline: Vec::new(),
        end_ms: 0,
    };
    let mut nodes: Vec<String> = Vec::new();
    let mut replicas: Vec<String> = Vec::new();
    let mut in_cluster: Vec<String> = Vec::new();
    let mut clients: Vec<String> = Vec::new();
    let mut actors: Vec<String> = Vec::new();
    let mut end_line = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let err = |column: usize, message: String| ParseError { line: line_no, column, message };
        // `key: value` headers.
        if let Some((key, value)) =
            trimmed.split_once(": ").filter(|(k, _)| matches!(*k, "name" | "title" | "seed" | "version"))
        {
            let value = value.trim();
            let col = indent + key.len() + 3;
            match key {
                "name" => {
                    if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                        return Err(err(col, "a name is letters, digits and dashes".into()));
                    }
                    sc.name = value.to_string();
                }
                "title" => sc.title = value.to_string(),
                "seed" => {
                    sc.seed = value.parse().map_err(|_| err(col, format!("expected a whole number, got '{value}'")))?
                }
                _ => sc.version = value.parse().map_err(|e: String| err(col, e))?,
            }
            continue;
        }
        let mut words = Words::new(line_no, trimmed, indent);
        let first = words.next("a statement")?;
        match first {
            "node" => {
                let at = words.pos;
                let name = words.next("a node name")?;
                if nodes.iter().any(|n| n == name) {
                    words.pos = at;
                    return Err(words.error_here(format!("node '{name}' is already defined")));
                }
                let replica_of = if words.eat("replica-of") {
                    let at = words.pos;
                    let primary = words.next("the primary's name")?;
                    if !nodes.iter().any(|n| n == primary) {
                        words.pos = at;
                        return Err(words.error_here(format!("no node named '{primary}' (define it first)")));
                    }
                    let latency = if words.eat("latency") { words.duration("a latency")? } else { 1 };
                    Some((primary.to_string(), latency))
                } else {
                    None
                };
                words.done()?;
                nodes.push(name.to_string());
                if replica_of.is_some() {
                    replicas.push(name.to_string());
                }
                sc.setup.push(Setup::Node { name: name.to_string(), replica_of });
            }
            "sentinel" => {
                let primary = known(&mut words, &nodes, "node")?;
                let (mut down_after_ms, mut quorum, mut sentinels) = (5000, 2, 3);
                while let Some(w) = words.peek() {
                    match w {
                        "down-after" => {
                            words.pos += 1;
                            down_after_ms = words.duration("a duration")?;
                        }
                        "quorum" => {
                            words.pos += 1;
                            quorum = words.number("a quorum")? as usize;
                        }
                        "sentinels" => {
                            words.pos += 1;
                            sentinels = words.number("a number of sentinels")? as usize;
                        }
                        other => return Err(words.error_here(format!("unknown sentinel option '{other}'"))),
                    }
                }
                if quorum == 0 || quorum > sentinels {
                    return Err(
                        words.error_here(format!("quorum {quorum} cannot be reached by {sentinels} sentinel(s)"))
                    );
                }
                sc.setup.push(Setup::Sentinel { primary, down_after_ms, quorum, sentinels });
            }
            "aof" => {
                let node = known(&mut words, &nodes, "node")?;
                let at = words.pos;
                let fsync = match words.next("always, everysec or no")? {
                    "always" => Fsync::Always,
                    "everysec" => Fsync::EverySec,
                    "no" => Fsync::No,
                    other => {
                        words.pos = at;
                        return Err(words.error_here(format!("expected always, everysec or no, got '{other}'")));
                    }
                };
                words.done()?;
                sc.setup.push(Setup::Aof { node, fsync });
            }
            "save" => {
                let node = known(&mut words, &nodes, "node")?;
                words.expect("every")?;
                let every_ms = words.duration("a period")?;
                words.done()?;
                sc.setup.push(Setup::Save { node, every_ms });
            }
            "client" => {
                let at = words.pos;
                let name = words.next("a client name")?;
                if clients.iter().chain(&actors).any(|c| c == name) {
                    words.pos = at;
                    return Err(words.error_here(format!("'{name}' is already defined")));
                }
                words.expect("on")?;
                let node = known(&mut words, &nodes, "node")?;
                let cluster = words.eat("cluster");
                if cluster && !in_cluster.contains(&node) {
                    return Err(words.error_here(format!("'{node}' is not in a cluster (a 'cluster' line first)")));
                }
                words.done()?;
                clients.push(name.to_string());
                sc.setup.push(Setup::Client { name: name.to_string(), node, cluster });
            }
            "cluster" => {
                if !in_cluster.is_empty() {
                    return Err(words.error_here("there is already a cluster"));
                }
                let mut members = Vec::new();
                while words.peek().is_some_and(|w| w != "node-timeout") {
                    let at = words.pos;
                    let node = known(&mut words, &nodes, "node")?;
                    if replicas.contains(&node) || members.contains(&node) {
                        words.pos = at;
                        return Err(words.error_here(format!("'{node}' must be a primary named once")));
                    }
                    members.push(node);
                }
                if members.is_empty() {
                    return Err(words.error_here("expected the cluster's primaries"));
                }
                let node_timeout_ms = if words.eat("node-timeout") { words.duration("a timeout")? } else { 15_000 };
                words.done()?;
                in_cluster.clone_from(&members);
                sc.setup.push(Setup::Cluster { nodes: members, node_timeout_ms });
            }
            "at" => {
                let at = words.pos;
                let raw = words.next("a time")?;
                let (time_text, colon) = match raw.strip_suffix(':') {
                    Some(t) => (t, true),
                    None => (raw, false),
                };
                let at_ms = parse_duration(time_text).ok_or_else(|| {
                    words.pos = at;
                    words.error_here(format!("expected a time such as 500ms, 2s or 1m, got '{time_text}'"))
                })?;
                if !colon && !words.eat(":") {
                    return Err(words.error_here("expected ':' after the time"));
                }
                let what = words.next("what happens")?;
                let action = timed(&mut words, what, trimmed, indent, &nodes, &clients, &mut actors)?;
                sc.timeline.push(Timed { at_ms, line: line_no, action, after_step: None });
            }
            "end" => {
                sc.end_ms = words.duration("the end time")?;
                words.done()?;
                end_line = Some(line_no);
            }
            other => {
                words.pos -= 1;
                return Err(words.error_here(format!(
                    "unknown statement '{other}' (expected node, sentinel, aof, save, cluster, client, at or end)"
                )));
            }
        }
    }
    if sc.name.is_empty() {
        return Err(ParseError { line: 1, column: 1, message: "the scenario needs a 'name: ...' line".into() });
    }
    if nodes.is_empty() {
        return Err(ParseError { line: 1, column: 1, message: "the scenario needs at least one 'node'".into() });
    }
    let last = sc.timeline.iter().map(|t| t.at_ms).max().unwrap_or(0);
    match end_line {
        None => sc.end_ms = last,
        Some(line) if sc.end_ms < last => {
            return Err(ParseError {
                line,
                column: 5,
                message: format!("the scenario ends before its last step at {last} ms"),
            });
        }
        _ => {}
    }
    if sc.title.is_empty() {
        sc.title = sc.name.clone();
    }
    sc.timeline.sort_by_key(|t| t.at_ms);
    Ok(sc)
}

fn known(words: &mut Words, names: &[String], what: &str) -> Result<String, ParseError> {
    let at = words.pos;
    let name = words.next(&format!("a {what} name"))?;
    if names.iter().any(|n| n == name) {
        Ok(name.to_string())
    } else {
        words.pos = at;
        Err(words.error_here(format!("no {what} named '{name}'")))
    }
}

fn timed(
    words: &mut Words,
    what: &str,
    line: &str,
    indent: usize,
    nodes: &[String],
    clients: &[String],
    actors: &mut Vec<String>,
) -> Result<Act, ParseError> {
    Ok(match what {
        "say" => {
            let col =
                words.words.get(words.pos).map(|w| w.0).ok_or_else(|| words.error_here("expected what to say"))?;
            Act::Say(line[col - 1 - indent..].trim().to_string())
        }
        "pause" => {
            words.done()?;
            Act::Pause
        }
        "crash" | "restart" => {
            let at = words.pos;
            let name = words.next("a node or consumer")?.to_string();
            words.done()?;
            if nodes.contains(&name) {
                if what == "crash" {
                    Act::Crash(name)
                } else {
                    Act::Restart(name)
                }
            } else if actors.contains(&name) && what == "crash" {
                Act::Crash(name)
            } else {
                words.pos = at;
                return Err(words.error_here(format!("no node or consumer named '{name}'")));
            }
        }
        "reshard" => {
            let at = words.pos;
            let slot = if words.eat("slot-of") {
                redsim_engine::cluster::key_slot(words.next("a key")?.as_bytes())
            } else {
                let w = words.next("a slot (0 to 16383) or slot-of <key>")?;
                match w.parse::<u16>() {
                    Ok(s) if usize::from(s) < redsim_engine::cluster::SLOTS => s,
                    _ => {
                        words.pos = at;
                        return Err(words.error_here(format!("expected a slot from 0 to 16383, got '{w}'")));
                    }
                }
            };
            words.expect("from")?;
            let from = known(words, nodes, "node")?;
            words.expect("to")?;
            let to = known(words, nodes, "node")?;
            let every_ms = if words.eat("every") { words.duration("a period")? } else { 100 };
            words.done()?;
            Act::Reshard { slot, from, to, every_ms }
        }
        "cut" | "heal" => {
            let a = known(words, nodes, "node")?;
            let b = known(words, nodes, "node")?;
            words.done()?;
            if what == "cut" {
                Act::Cut(a, b)
            } else {
                Act::Heal(a, b)
            }
        }
        "producer" | "consumer" => {
            let at = words.pos;
            let name = words.next("a name")?.to_string();
            if clients.contains(&name) || actors.contains(&name) || nodes.contains(&name) {
                words.pos = at;
                return Err(words.error_here(format!("'{name}' is already defined")));
            }
            words.expect("on")?;
            let node = known(words, nodes, "node")?;
            actors.push(name.clone());
            if what == "producer" {
                words.expect("writes")?;
                let stream = words.next("a stream key")?.as_bytes().to_vec();
                words.expect("every")?;
                let every_ms = words.duration("a period")?;
                let count = if words.eat("count") { Some(words.number("a count")?) } else { None };
                let batch = if words.eat("batch") { words.number("a batch size")?.max(1) } else { 1 };
                words.expect("fields")?;
                let fields = field_pairs(words)?;
                let maxlen = if words.eat("maxlen") {
                    let approx = words.eat("~");
                    Some((approx, words.number("a length")?))
                } else {
                    None
                };
                words.done()?;
                Act::Producer { name, node, stream, every_ms, count, fields, maxlen, batch }
            } else {
                words.expect("reads")?;
                let stream = words.next("a stream key")?;
                words.expect("group")?;
                let group = words.next("a group name")?;
                let mut c = Consumer::new(stream.as_bytes(), group.as_bytes());
                while let Some(w) = words.peek() {
                    words.pos += 1;
                    match w {
                        "count" => c.count = words.number("a count")?.max(1),
                        "block" => c.block_ms = words.duration("a timeout")?,
                        "process" => c.process_ms = words.duration("a processing time")?,
                        "fail" => {
                            let at = words.pos;
                            let p = words.next("a percentage")?;
                            c.fail_percent =
                                p.strip_suffix('%').and_then(|n| n.parse().ok()).filter(|&n| n <= 100).ok_or_else(
                                    || {
                                        words.pos = at;
                                        words.error_here(format!("expected a percentage such as 10%, got '{p}'"))
                                    },
                                )?;
                        }
                        "poison" => c.poison = Some(words.next("the text of poison messages")?.as_bytes().to_vec()),
                        "claim" => c.claim_min_idle_ms = Some(words.duration("a minimum idle time")?),
                        "no-ack" => c.ack = false,
                        "read-claim" => c.read_claim_ms = Some(words.duration("a minimum idle time")?),
                        "retry" => {
                            let set = words.next("a sorted set for retries")?.as_bytes().to_vec();
                            words.expect("backoff")?;
                            c.retry = Some((set, words.duration("a backoff")?.max(1)));
                        }
                        "dead-letter" => {
                            let dlq = words.next("a dead-letter stream")?.as_bytes().to_vec();
                            words.expect("after")?;
                            let n = words.number("a number of deliveries")?;
                            c.dead_letter = Some((dlq, n));
                        }
                        other => {
                            words.pos -= 1;
                            return Err(words.error_here(format!("unknown consumer option '{other}'")));
                        }
                    }
                }
                Act::Consumer { name, node, consumer: Box::new(c) }
            }
        }
        client => {
            if !clients.iter().any(|c| c == client) {
                words.pos -= 1;
                return Err(words.error_here(format!(
                    "'{client}' is not a client (define it with 'client {client} on <node>') nor an action"
                )));
            }
            let col = words.words.get(words.pos).map(|w| w.0).ok_or_else(|| words.error_here("expected a command"))?;
            let rest = &line[col - 1 - indent..];
            let argv = redsim_engine::cli::split_args(rest.as_bytes()).ok_or_else(|| ParseError {
                line: words.line_no,
                column: col,
                message: "Invalid argument(s): unbalanced quotes".into(),
            })?;
            Act::Command { client: client.to_string(), argv }
        }
    })
}
