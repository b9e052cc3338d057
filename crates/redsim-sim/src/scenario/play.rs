//! Playing a scenario: its world built ([`build`]), then one step at a time ([`Player`]), with
//! snapshots to go back to any step.

use super::*;
use crate::NodeId;

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
                let members: Vec<NodeId> = nodes.iter().map(|n| c.node_index(n).expect("checked")).collect();
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
                if let Some(a) = c.actor_index(name) {
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
