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

mod parse;
mod play;

pub use parse::{parse, parse_duration};
pub use play::{build, PlayStep, Player};

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
    include_str!("../../scenarios/01-log-and-blocking-reads.scn"),
    include_str!("../../scenarios/02-consumer-group.scn"),
    include_str!("../../scenarios/03-consumer-crash.scn"),
    include_str!("../../scenarios/04-poison-message.scn"),
    include_str!("../../scenarios/05-trimming.scn"),
    include_str!("../../scenarios/06-failover.scn"),
    include_str!("../../scenarios/07-aof-fsync.scn"),
    include_str!("../../scenarios/08-fan-out.scn"),
    include_str!("../../scenarios/09-cache-aside.scn"),
    include_str!("../../scenarios/10-rate-limiter-and-lock.scn"),
    include_str!("../../scenarios/11-llm-streaming.scn"),
    include_str!("../../scenarios/12-pubsub-vs-streams.scn"),
    include_str!("../../scenarios/13-read-and-claim.scn"),
    include_str!("../../scenarios/14-cluster.scn"),
    include_str!("../../scenarios/15-cluster-failover.scn"),
    include_str!("../../scenarios/16-planned-failover.scn"),
    include_str!("../../scenarios/17-cluster-streams.scn"),
    include_str!("../../scenarios/18-vector-search.scn"),
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
        assert_eq!(p.deployment().primary(), Some(crate::NodeId::new(1)));
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
        assert_eq!(scenarios.len(), 18);
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
