//! Scenarios: a small text format for a world and what happens in it, the built-in library, and a
//! player that runs one step at a time and can go back to any step.
//!
//! The format, one statement per line (`#` starts a comment):
//!
//! ```text
//! name: consumer-crash
//! title: A consumer crashes mid-work
//! seed: 7
//! version: 7.0
//!
//! node primary
//! node replica-1 replica-of primary latency 40ms
//! sentinel primary down-after 1s quorum 2 sentinels 3
//! aof primary everysec
//! save primary every 5s
//! client app on primary
//!
//! at 0s: app XGROUP CREATE jobs workers $ MKSTREAM
//! at 0s: producer feeder on primary writes jobs every 100ms count 30 fields task job-{i}
//! at 0s: consumer w1 on primary reads jobs group workers count 5 block 2s process 50ms
//! at 1s: say Watch w1's pending entries.
//! at 1500ms: crash w1
//! at 2s: crash primary
//! at 3s: restart primary
//! at 4s: cut primary replica-1
//! at 5s: heal primary replica-1
//! end 10s
//! ```
//!
//! A file is checked whole before anything runs: an error names its line and column, and no world
//! is built from a file with an error.

use std::rc::Rc;

use redsim_engine::{Argv, Version};

use crate::deployment::{ActorKind, Consumer, Deployment, Event, EventKind, Fsync};
use crate::timeline::Timeline;
use crate::START_MS;

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub seed: u64,
    pub version: Version,
    pub setup: Vec<Setup>,
    /// In time order (stable for equal times).
    pub timeline: Vec<Timed>,
    pub end_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Setup {
    Node {
        name: String,
        replica_of: Option<(String, u64)>,
    },
    Sentinel {
        primary: String,
        down_after_ms: u64,
        quorum: usize,
        sentinels: usize,
    },
    Aof {
        node: String,
        fsync: Fsync,
    },
    Save {
        node: String,
        every_ms: u64,
    },
    /// A named connection; `cluster`: a cluster-aware one (a slot map, follows redirections).
    Client {
        name: String,
        node: String,
        cluster: bool,
    },
    /// These primaries (and their replicas) form a Redis Cluster; `cluster-node-timeout`.
    Cluster {
        nodes: Vec<String>,
        node_timeout_ms: u64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    pub at_ms: u64,
    pub line: usize,
    pub action: Act,
    /// Set for an action added while the run was going: it happens right after this many steps
    /// (a time alone could let a replay take it before a world event at the same millisecond).
    pub after_step: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Act {
    Command {
        client: String,
        argv: Argv,
    },
    Producer {
        name: String,
        node: String,
        stream: Vec<u8>,
        every_ms: u64,
        count: Option<u64>,
        fields: Vec<(Vec<u8>, Vec<u8>)>,
        maxlen: Option<(bool, u64)>,
        batch: u64,
    },
    Consumer {
        name: String,
        node: String,
        consumer: Box<Consumer>,
    },
    Say(String),
    /// Autoplay stops here, for the presenter to talk.
    Pause,
    Crash(String),
    Restart(String),
    Cut(String, String),
    Heal(String, String),
    /// Move a hash slot from one cluster node to another, a key every `every_ms`.
    Reshard {
        slot: u16,
        from: String,
        to: String,
        every_ms: u64,
    },
}

/// A parse error: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

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

/// The world a scenario starts from.
pub fn build(sc: &Scenario) -> Deployment {
    let mut c = Deployment::new(sc.version, START_MS, sc.seed);
    for s in &sc.setup {
        match s {
            Setup::Node { name, replica_of: None } => {
                c.add_primary(name);
            }
            Setup::Node { name, replica_of: Some((primary, latency)) } => {
                let p = c.node_index(primary).expect("checked by the parser");
                c.add_replica(name, p, *latency);
            }
            Setup::Sentinel { primary, down_after_ms, quorum, sentinels } => {
                let p = c.node_index(primary).expect("checked by the parser");
                c.set_sentinel(p, *down_after_ms, *quorum, *sentinels);
            }
            Setup::Aof { node, fsync } => {
                let n = c.node_index(node).expect("checked by the parser");
                c.nodes[n].persistence.aof = Some(*fsync);
                c.nodes[n].persistence.last_fsync_ms = START_MS;
            }
            Setup::Save { node, every_ms } => {
                let n = c.node_index(node).expect("checked by the parser");
                c.nodes[n].persistence.save_every_ms = Some(*every_ms);
                c.nodes[n].persistence.last_save_ms = START_MS;
            }
            Setup::Client { name, node, cluster } => {
                let n = c.node_index(node).expect("checked by the parser");
                let client = c.add_client(name, n);
                if *cluster {
                    c.make_cluster_aware(client);
                }
            }
            Setup::Cluster { nodes, node_timeout_ms } => {
                let members: Vec<usize> = nodes.iter().map(|n| c.node_index(n).expect("checked")).collect();
                c.node_timeout_ms = *node_timeout_ms;
                c.make_cluster(&members);
            }
        }
    }
    c
}

/// One step of a run: what happened, and the narration in force after it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayStep {
    pub at_ms: u64,
    pub events: Vec<Event>,
    /// The scenario line that caused the step, if it was a scheduled one.
    pub line: Option<usize>,
}

#[derive(Clone, Debug)]
struct PlayState {
    deployment: Deployment,
    /// Steps taken so far.
    done: usize,
    next: usize,
    narration: Option<String>,
    finished: bool,
}

/// A run is snapshotted every this many steps, or after this many commands run by its nodes when
/// steps are heavy (a producer's batch of 100 `XADD`s is one step): stepping back replays at most
/// that much, a few milliseconds, and long runs do not copy their world too often.
const SNAPSHOT_STEPS: usize = 256;
const SNAPSHOT_WORK: u64 = 20_000;

/// Runs a scenario step by step; any earlier step can be shown again.
#[derive(Clone, Debug)]
pub struct Player {
    pub scenario: Rc<Scenario>,
    state: PlayState,
    initial: Rc<PlayState>,
    steps: Vec<Rc<PlayStep>>,
    timeline: Timeline<PlayState>,
}

impl Player {
    pub fn new(scenario: Scenario) -> Player {
        let state = PlayState { deployment: build(&scenario), done: 0, next: 0, narration: None, finished: false };
        Player {
            scenario: Rc::new(scenario),
            initial: Rc::new(state.clone()),
            state,
            steps: Vec::new(),
            timeline: Timeline::spaced(SNAPSHOT_STEPS, SNAPSHOT_WORK),
        }
    }

    pub fn deployment(&self) -> &Deployment {
        &self.state.deployment
    }

    pub fn narration(&self) -> Option<&str> {
        self.state.narration.as_deref()
    }

    pub fn steps(&self) -> &[Rc<PlayStep>] {
        &self.steps
    }

    pub fn finished(&self) -> bool {
        self.state.finished
    }

    /// Takes the next step; false when the scenario has ended.
    pub fn step(&mut self) -> bool {
        match advance(&self.scenario, &mut self.state) {
            Some(step) => {
                self.steps.push(Rc::new(step));
                self.timeline.record(self.steps.len(), self.state.deployment.work, &self.state);
                true
            }
            None => false,
        }
    }

    /// Steps until the scenario ends (or `limit` steps were taken).
    pub fn run_to_end(&mut self, limit: usize) {
        for _ in 0..limit {
            if !self.step() {
                break;
            }
        }
    }

    /// Does something the scenario did not plan, now (a presenter crashing a node from the
    /// picture): it becomes the next scheduled action, so the run stays replayable.
    pub fn intervene(&mut self, action: Act) {
        let at_ms = self.state.deployment.now_ms.saturating_sub(START_MS);
        let mut sc = (*self.scenario).clone();
        let after_step = Some(self.state.done);
        sc.timeline.insert(self.state.next, Timed { at_ms, line: 0, action, after_step });
        sc.end_ms = sc.end_ms.max(at_ms);
        self.scenario = Rc::new(sc);
        self.state.finished = false;
        self.step();
    }

    /// Goes back to the state after `count` steps (forgetting the later ones is not needed:
    /// the run is deterministic, so stepping forward again gives the same steps).
    pub fn seek(&mut self, count: usize) {
        let count = count.min(self.steps.len());
        self.state = self.state_after(count);
        self.steps.truncate(count);
        self.timeline.forget_after(count);
    }

    /// The world after `count` steps (at most the steps taken), rebuilt from the nearest snapshot;
    /// the player stays where it is.
    pub fn world_after(&self, count: usize) -> Deployment {
        self.state_after(count.min(self.steps.len())).deployment
    }

    fn state_after(&self, count: usize) -> PlayState {
        let (from, mut state) = match self.timeline.nearest(count) {
            Some((at, s)) => (at, s.clone()),
            None => (0, (*self.initial).clone()),
        };
        for _ in from..count {
            advance(&self.scenario, &mut state);
        }
        state
    }
}

/// The next step of a run: the scheduled action or the world's own next event, whichever is
/// first (scheduled actions first at equal times).
fn advance(sc: &Scenario, st: &mut PlayState) -> Option<PlayStep> {
    let step = advance_inner(sc, st);
    if step.is_some() {
        st.done += 1;
    }
    step
}

fn advance_inner(sc: &Scenario, st: &mut PlayState) -> Option<PlayStep> {
    if st.finished {
        return None;
    }
    let end = START_MS + sc.end_ms;
    let scheduled = match sc.timeline.get(st.next) {
        Some(t) => match t.after_step {
            // Its moment has come: before anything else, whatever the clock says.
            Some(k) if k == st.done => Some(0),
            Some(_) => None,
            None => Some(START_MS + t.at_ms),
        },
        None => None,
    };
    let world = st.deployment.next_due().filter(|&t| t <= end);
    let take_scheduled = match (scheduled, world) {
        (Some(s), Some(w)) => s <= w,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => {
            st.finished = true;
            let events = st.deployment.advance_to(end);
            return Some(PlayStep {
                at_ms: st.deployment.now_ms,
                events: [events, vec![Event { at_ms: end, kind: EventKind::End, text: "the scenario ends".into() }]]
                    .concat(),
                line: None,
            });
        }
    };
    if !take_scheduled {
        let events = st.deployment.step().unwrap_or_default();
        return Some(PlayStep { at_ms: st.deployment.now_ms, events, line: None });
    }
    let timed = &sc.timeline[st.next];
    st.next += 1;
    let mut events = st.deployment.advance_to(START_MS + timed.at_ms);
    let c = &mut st.deployment;
    match &timed.action {
        Act::Command { client, argv } => {
            let i = c.client_index(client).expect("checked by the parser");
            events.extend(c.command(i, argv).1);
        }
        Act::Producer { name, node, stream, every_ms, count, fields, maxlen, batch } => {
            let n = c.node_index(node).expect("checked by the parser");
            c.add_actor(
                name,
                n,
                ActorKind::Producer {
                    stream: stream.clone(),
                    fields: fields.clone(),
                    every_ms: *every_ms,
                    remaining: *count,
                    maxlen: *maxlen,
                    batch: *batch,
                    produced: 0,
                },
            );
            events.push(Event { at_ms: c.now_ms, kind: EventKind::Actor, text: format!("producer {name} starts") });
        }
        Act::Consumer { name, node, consumer } => {
            let n = c.node_index(node).expect("checked by the parser");
            c.add_actor(name, n, ActorKind::Consumer((**consumer).clone()));
            events.push(Event { at_ms: c.now_ms, kind: EventKind::Actor, text: format!("consumer {name} starts") });
        }
        Act::Say(text) => {
            st.narration = Some(text.clone());
            events.push(Event { at_ms: c.now_ms, kind: EventKind::Note, text: text.clone() });
        }
        Act::Pause => {
            events.push(Event { at_ms: c.now_ms, kind: EventKind::Pause, text: "pause (autoplay stops here)".into() });
        }
        Act::Crash(name) => match c.node_index(name) {
            Some(n) => events.extend(c.crash(n)),
            None => {
                if let Some(a) = c.actors.iter().position(|a| &a.name == name) {
                    events.extend(c.kill_actor(a));
                }
            }
        },
        Act::Restart(name) => {
            let n = c.node_index(name).expect("checked by the parser");
            events.extend(c.restart(n));
        }
        Act::Reshard { slot, from, to, every_ms } => {
            let (f, t) = (c.node_index(from).expect("checked"), c.node_index(to).expect("checked"));
            c.reshard(*slot, f, t, *every_ms);
            events.push(Event {
                at_ms: c.now_ms,
                kind: EventKind::Actor,
                text: format!("resharding slot {slot} from {from} to {to}, a key every {every_ms} ms"),
            });
        }
        Act::Cut(a, b) | Act::Heal(a, b) => {
            let (a, b) = (c.node_index(a).expect("checked"), c.node_index(b).expect("checked"));
            if matches!(timed.action, Act::Cut(..)) {
                events.extend(c.cut(a, b));
            } else {
                events.extend(c.heal(a, b));
            }
        }
    }
    Some(PlayStep { at_ms: st.deployment.now_ms, events, line: Some(timed.line) })
}

/// The benchmark scenario: `messages` entries, one per ms, through a group of 10 consumers.
pub fn throughput_scenario(messages: u64) -> String {
    // 100,000 messages a second, sent 100 at a time as a pipelining producer would; ten
    // consumers read up to 100 each.
    let mut text = format!(
        "name: throughput\nnode redis\nclient admin on redis\nat 0s: admin XGROUP CREATE jobs workers $ MKSTREAM\n\
         at 0s: producer p on redis writes jobs every 1ms count {messages} batch 100 fields n {{i}}\n"
    );
    for i in 0..10 {
        text.push_str(&format!(
            "at 0s: consumer w{i} on redis reads jobs group workers count 100 block 1s process 0ms\n"
        ));
    }
    text.push_str(&format!("end {}s\n", messages / 100_000 + 2));
    text
}

/// Runs the benchmark scenario and steps back over it; `now` reads a clock in ms (the engine has
/// none). Returns `(steps, run ms, worst step-back ms, acknowledged)`.
pub fn throughput(messages: u64, now: impl Fn() -> f64) -> (usize, f64, f64, u64) {
    let mut player = Player::new(parse(&throughput_scenario(messages)).expect("a valid scenario"));
    let start = now();
    player.run_to_end(usize::MAX);
    let run = now() - start;
    let steps = player.steps().len();
    let mut worst = 0f64;
    for k in [steps / 3, steps / 2 - 1, steps - 2, 17] {
        let mut p = player.clone();
        let t = now();
        p.seek(k);
        worst = worst.max(now() - t);
    }
    let done = player.deployment().actors.iter().filter(|a| a.name.starts_with('w')).map(|a| a.done).sum();
    (steps, run, worst, done)
}

/// The built-in library, in the order the picker shows it.
pub const LIBRARY: &[&str] = &[
    include_str!("../scenarios/01-log-and-blocking-reads.scn"),
    include_str!("../scenarios/02-consumer-group.scn"),
    include_str!("../scenarios/03-consumer-crash.scn"),
    include_str!("../scenarios/04-poison-message.scn"),
    include_str!("../scenarios/05-trimming.scn"),
    include_str!("../scenarios/06-failover.scn"),
    include_str!("../scenarios/07-aof-fsync.scn"),
    include_str!("../scenarios/08-fan-out.scn"),
    include_str!("../scenarios/09-cache-aside.scn"),
    include_str!("../scenarios/10-rate-limiter-and-lock.scn"),
    include_str!("../scenarios/11-llm-streaming.scn"),
    include_str!("../scenarios/12-pubsub-vs-streams.scn"),
    include_str!("../scenarios/13-read-and-claim.scn"),
    include_str!("../scenarios/14-cluster.scn"),
    include_str!("../scenarios/15-cluster-failover.scn"),
];

/// The text of the built-in scenario called `name`.
pub fn source(name: &str) -> Option<&'static str> {
    LIBRARY.iter().copied().find(|text| parse(text).is_ok_and(|s| s.name == name))
}

/// The built-in scenarios, parsed.
pub fn library() -> Vec<Scenario> {
    LIBRARY.iter().map(|text| parse(text).expect("built-in scenarios parse")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).err().map(|e| e.to_string()).expect("an error")
    }

    #[test]
    fn a_batching_producer_sends_many_xadds_in_one_step() {
        let sc = parse(
            "name: batch\nnode r\nclient c on r\nat 0s: producer p on r writes s every 10ms count 12 batch 5 fields n {i}\n\
             end 1s\n",
        )
        .unwrap();
        let mut player = Player::new(sc);
        player.run_to_end(usize::MAX);
        let batches: Vec<&Event> = player
            .steps()
            .iter()
            .flat_map(|s| s.events.iter())
            .filter(|e| e.kind == EventKind::Command && e.text.contains("XADD"))
            .collect();
        assert_eq!(batches.len(), 3, "{batches:?}");
        assert!(batches[0].text.contains("and 4 more XADDs in one batch"), "{}", batches[0].text);
        assert!(batches[2].text.contains("and 1 more XADDs in one batch"), "{}", batches[2].text);
        let mut c = player.deployment().clone();
        let client = c.client_index("c").unwrap();
        let argv = |line: &str| redsim_engine::cli::split_args(line.as_bytes()).unwrap();
        assert_eq!(c.command(client, &argv("XLEN s")).0, Some(redsim_engine::Reply::Integer(12)));
        let last = c.command(client, &argv("XREVRANGE s + - COUNT 1")).0.unwrap();
        assert!(format!("{last:?}").contains("[49, 50]"), "the 12th message says n 12: {last:?}");
    }

    #[test]
    fn a_scenario_parses_into_its_world_and_steps() {
        let sc = parse(
            "name: demo\ntitle: Demo\nseed: 3\nversion: 7.0\nnode p\nnode r replica-of p latency 20ms\n\
             sentinel p down-after 2s quorum 2 sentinels 3\naof p everysec\nclient app on p\n\
             at 0s: app XGROUP CREATE s g $ MKSTREAM\nat 100ms: producer feed on p writes s every 50ms count 3 fields n {i}\n\
             at 1s: say \"Look\" at this\nat 2s: crash p\nend 5s\n",
        )
        .unwrap();
        assert_eq!(sc.name, "demo");
        assert_eq!(sc.version, Version::V7_0);
        assert_eq!(sc.timeline.len(), 4);
        assert_eq!(sc.timeline[2].action, Act::Say("\"Look\" at this".into()));
        assert_eq!(sc.end_ms, 5000);
        let mut p = Player::new(sc);
        p.run_to_end(10_000);
        assert!(p.finished());
        assert_eq!(p.narration(), Some("\"Look\" at this"));
        assert_eq!(p.deployment().primary(), Some(1));
    }

    #[test]
    fn bad_files_are_reported_with_line_and_column() {
        assert_eq!(err("node p\n"), "line 1, column 1: the scenario needs a 'name: ...' line");
        assert_eq!(
            err("name: x\nnode p\nnode r replica-of q\n"),
            "line 3, column 19: no node named 'q' (define it first)"
        );
        assert_eq!(err("name: x\nnode p\n  client c on p extra\n"), "line 3, column 17: unexpected 'extra'");
        assert_eq!(
            err("name: x\nnode p\nat soon: crash p\n"),
            "line 3, column 4: expected a time such as 500ms, 2s or 1m, got 'soon'"
        );
        assert_eq!(err("name: x\nnode p\nat 1s crash p\n"), "line 3, column 7: expected ':' after the time");
        assert_eq!(
            err("name: x\nnode p\nat 1s: nobody PING\n"),
            "line 3, column 8: 'nobody' is not a client (define it with 'client nobody on <node>') nor an action"
        );
        assert_eq!(
            err("name: x\nnode p\nclient c on p\nat 1s: c SET \"a b\n"),
            "line 4, column 10: Invalid argument(s): unbalanced quotes"
        );
        assert_eq!(
            err("name: x\nnode p\naof p sometimes\n"),
            "line 3, column 7: expected always, everysec or no, got 'sometimes'"
        );
        assert_eq!(
            err("name: x\nnode p\nsentinel p quorum 4 sentinels 3\n"),
            "line 3, column 32: quorum 4 cannot be reached by 3 sentinel(s)"
        );
        assert_eq!(
            err("name: x\nnode p\nat 2s: crash p\nend 1s\n"),
            "line 4, column 5: the scenario ends before its last step at 2000 ms"
        );
        assert_eq!(
            err("name: x\nnode p\nfly away\n"),
            "line 3, column 1: unknown statement 'fly' (expected node, sentinel, aof, save, cluster, client, at or end)"
        );
        assert_eq!(
            err("name: x\nnode p\nat 1s: consumer w on p reads s group g speed 3\n"),
            "line 3, column 40: unknown consumer option 'speed'"
        );
        assert_eq!(err("name: x y\n"), "line 1, column 7: a name is letters, digits and dashes");
        assert_eq!(
            err("name: x\nnode p\nclient c on p cluster\n"),
            "line 3, column 22: 'p' is not in a cluster (a 'cluster' line first)"
        );
        assert_eq!(
            err("name: x\nnode p\nnode r replica-of p\ncluster p r\n"),
            "line 4, column 11: 'r' must be a primary named once"
        );
        assert_eq!(
            err("name: x\nnode p\ncluster p\nat 1s: reshard 16384 from p to p\n"),
            "line 4, column 16: expected a slot from 0 to 16383, got '16384'"
        );
        assert!(parse("name: x\nnode p # a comment\nnode p2 #\n").is_ok(), "a lone # starts a comment");
        assert_eq!(err("name: x\nversion: 6.2\nnode p\n").split(':').next(), Some("line 2, column 10"));
    }

    #[test]
    fn every_built_in_scenario_runs_to_its_end() {
        let scenarios = library();
        assert_eq!(scenarios.len(), 15);
        let mut names = std::collections::BTreeSet::new();
        for sc in scenarios {
            assert!(names.insert(sc.name.clone()), "{} twice", sc.name);
            let mut p = Player::new(sc.clone());
            p.run_to_end(200_000);
            assert!(p.finished(), "{} did not finish", sc.name);
            // No scheduled command may fail unless the scenario says it should.
            for step in p.steps() {
                for e in &step.events {
                    assert!(!e.text.contains("(error) ERR"), "{}: {}", sc.name, e.text);
                }
            }
        }
    }

    #[test]
    fn a_presenter_can_crash_a_node_mid_run_and_step_back_over_it() {
        let sc = library().into_iter().find(|s| s.name == "failover").unwrap();
        let mut p = Player::new(sc);
        while p.deployment().now_ms < START_MS + 1500 {
            p.step();
        }
        let before = p.steps().len();
        p.intervene(Act::Crash("replica-2".into()));
        assert!(!p.deployment().nodes[2].up);
        p.run_to_end(100_000);
        let total = p.steps().len();
        let end: Vec<bool> = p.deployment().nodes.iter().map(|n| n.up).collect();
        p.seek(before);
        assert!(p.deployment().nodes[2].up);
        p.run_to_end(100_000);
        assert_eq!(p.steps().len(), total);
        assert_eq!(p.deployment().nodes.iter().map(|n| n.up).collect::<Vec<_>>(), end);
    }

    #[test]
    fn stepping_back_shows_the_same_world_as_going_forward() {
        let sc = library().into_iter().find(|s| s.name == "failover").unwrap();
        let mut p = Player::new(sc);
        p.run_to_end(100_000);
        let all: Vec<Rc<PlayStep>> = p.steps().to_vec();
        let end_offsets: Vec<u64> = p.deployment().nodes.iter().map(|n| n.offset).collect();
        p.seek(all.len() / 3);
        assert_eq!(p.steps().len(), all.len() / 3);
        p.run_to_end(100_000);
        assert_eq!(p.steps().len(), all.len());
        assert_eq!(p.steps(), &all[..]);
        assert_eq!(p.deployment().nodes.iter().map(|n| n.offset).collect::<Vec<_>>(), end_offsets);
    }
}
