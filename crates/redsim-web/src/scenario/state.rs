//! The scenario player's model: a run computed as far as it has been played, the step shown, the
//! numbers the charts follow, and what a presenter did to the run. Plain Rust, tested natively.

use std::rc::Rc;

use redsim_sim::scenario::{library, Act, Player, Scenario};
use redsim_sim::{Deployment, EventKind, NodeId, START_MS};

use crate::store::Model;
use crate::view::{self, StreamSample};

/// How often Play moves the run on, in real milliseconds.
pub const PLAY_TICK_MS: u32 = 100;
/// Steps one tick may take at most, so a fast speed cannot freeze the page.
const STEPS_PER_TICK: usize = 5_000;
/// Steps `Run to end` takes at most.
const RUN_LIMIT: usize = 2_000_000;
/// Events the log shows.
const LOG_LINES: usize = 60;

pub const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 5.0, 20.0, 100.0];

/// Finds a built-in scenario by name.
pub fn find(name: &str) -> Option<Scenario> {
    library().into_iter().find(|s| s.name == name)
}

/// The built-in scenarios: `(name, title)`.
pub fn titles() -> Vec<(String, String)> {
    library().into_iter().map(|s| (s.name, s.title)).collect()
}

pub struct ScenarioModel {
    /// The run as far as it has been computed.
    pub player: Player,
    /// The step shown (equal to the steps computed when showing the latest).
    pub shown: usize,
    /// The world at `shown` when it is an earlier step.
    earlier: Option<Deployment>,
    /// The numbers of the primary's streams after each step (index 0: before the first).
    pub samples: Vec<Rc<[StreamSample]>>,
    /// How far the furthest-behind replica is from its primary, in bytes, after each step.
    pub gaps: Vec<u64>,
    pub speed: f64,
    /// The node whose data the pictures show (`None`: the primary).
    pub node: Option<NodeId>,
    /// Play is moving the run on a tick at a time; it stops at the end.
    pub playing: bool,
}

pub enum ScenarioAction {
    Forward,
    Back,
    Seek(usize),
    Play(bool),
    /// One play tick.
    Tick,
    RunToEnd,
    Speed(f64),
    Crash(String),
    Restart(String),
    Cut(String, String),
    Heal(String, String),
    SelectNode(NodeId),
}

impl ScenarioModel {
    pub fn new(scenario: Scenario) -> ScenarioModel {
        let player = Player::new(scenario);
        let first = Rc::from(view::primary_samples(player.deployment()));
        let gap = view::offset_gap(player.deployment());
        ScenarioModel {
            player,
            shown: 0,
            earlier: None,
            samples: vec![first],
            gaps: vec![gap],
            speed: 1.0,
            node: None,
            playing: false,
        }
    }

    /// Steps computed so far.
    pub fn total(&self) -> usize {
        self.player.steps().len()
    }

    /// The world at the step shown.
    pub fn deployment(&self) -> &Deployment {
        self.earlier.as_ref().unwrap_or(self.player.deployment())
    }

    /// Whether the run has ended and its last step is shown.
    pub fn at_end(&self) -> bool {
        self.player.finished() && self.shown == self.total()
    }

    /// The node the pictures show: the one chosen, else the primary, else the first.
    pub fn shown_node(&self) -> NodeId {
        let c = self.deployment();
        self.node.filter(|n| n.index() < c.nodes.len()).or(c.primary()).unwrap_or(NodeId::new(0))
    }

    fn step(&mut self) -> bool {
        if !self.player.step() {
            return false;
        }
        self.record();
        true
    }

    /// Notes the numbers after the step just taken, and shows it.
    fn record(&mut self) {
        self.samples.push(Rc::from(view::primary_samples(self.player.deployment())));
        self.gaps.push(view::offset_gap(self.player.deployment()));
        self.shown = self.total();
    }

    fn show(&mut self, step: usize) {
        let step = step.min(self.total());
        self.shown = step;
        self.earlier = (step < self.total()).then(|| self.player.world_after(step));
    }

    /// Drops the computed steps after the one shown, before doing something new there.
    fn branch(&mut self) {
        if self.shown < self.total() {
            self.player.seek(self.shown);
            self.samples.truncate(self.shown + 1);
            self.gaps.truncate(self.shown + 1);
            self.earlier = None;
        }
    }

    fn intervene(&mut self, act: Act) {
        self.branch();
        self.player.intervene(act);
        self.record();
    }

    /// Moves virtual time on by one tick times the speed, computing steps as needed.
    fn tick(&mut self) {
        if self.shown < self.total() {
            self.show(self.shown + 1);
        } else {
            let target = self.player.deployment().now_ms + (f64::from(PLAY_TICK_MS) * self.speed).max(1.0) as u64;
            for _ in 0..STEPS_PER_TICK {
                if self.player.deployment().now_ms >= target || !self.step() || self.at_pause() {
                    break;
                }
            }
        }
        // A `pause` line stops autoplay for the presenter to talk; Play goes on from there.
        if self.at_pause() {
            self.playing = false;
        }
    }

    /// Whether the step shown is a `pause`.
    fn at_pause(&self) -> bool {
        self.shown
            .checked_sub(1)
            .and_then(|i| self.player.steps().get(i))
            .is_some_and(|s| s.events.iter().any(|e| e.kind == EventKind::Pause))
    }

    /// The narration in force at the step shown: the last `say` at or before it.
    pub fn narration(&self) -> Option<String> {
        self.player.steps()[..self.shown]
            .iter()
            .rev()
            .flat_map(|s| s.events.iter().rev())
            .find(|e| e.kind == EventKind::Note)
            .map(|e| e.text.clone())
    }

    /// What the step shown did, in words (replication traffic left out).
    pub fn changes(&self) -> Vec<String> {
        self.shown.checked_sub(1).map_or_else(Vec::new, |i| {
            self.player.steps()[i]
                .events
                .iter()
                .filter(|e| e.kind != EventKind::Replicated)
                .map(|e| e.text.clone())
                .collect()
        })
    }

    /// The last events up to the step shown, newest first (the log reads from the top).
    pub fn log(&self) -> Vec<(u64, EventKind, String)> {
        self.player.steps()[..self.shown]
            .iter()
            .rev()
            .flat_map(|s| s.events.iter().rev())
            .filter(|e| e.kind != EventKind::Replicated)
            .take(LOG_LINES)
            .map(|e| (e.at_ms - START_MS, e.kind.clone(), e.text.clone()))
            .collect()
    }

    /// Steps with a fault, a failover or a loss: `(step, kind, text)`, for markers on the timeline.
    pub fn markers(&self) -> Vec<(usize, EventKind, String)> {
        self.player
            .steps()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                // A loss is the one to point at; then a failover, then any fault.
                [EventKind::Lost, EventKind::Failover, EventKind::Fault, EventKind::Pause]
                    .iter()
                    .find_map(|kind| s.events.iter().find(|e| &e.kind == kind))
                    .map(|e| (i + 1, e.kind.clone(), e.text.clone()))
            })
            .collect()
    }
}

impl Model for ScenarioModel {
    type Action = ScenarioAction;

    fn apply(&mut self, action: ScenarioAction) {
        match action {
            ScenarioAction::Forward => {
                if self.shown < self.total() {
                    self.show(self.shown + 1);
                } else {
                    self.step();
                }
            }
            ScenarioAction::Back => self.show(self.shown.saturating_sub(1)),
            ScenarioAction::Seek(step) => self.show(step),
            ScenarioAction::Play(play) => self.playing = play,
            ScenarioAction::Tick => self.tick(),
            ScenarioAction::RunToEnd => {
                self.playing = false;
                self.show(self.total());
                for _ in 0..RUN_LIMIT {
                    if !self.step() {
                        break;
                    }
                }
            }
            ScenarioAction::Speed(speed) => self.speed = speed,
            ScenarioAction::Crash(name) => self.intervene(Act::Crash(name)),
            ScenarioAction::Restart(name) => self.intervene(Act::Restart(name)),
            ScenarioAction::Cut(a, b) => self.intervene(Act::Cut(a, b)),
            ScenarioAction::Heal(a, b) => self.intervene(Act::Heal(a, b)),
            ScenarioAction::SelectNode(n) => self.node = Some(n),
        }
        self.playing &= !self.at_end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(mut s: ScenarioModel, a: ScenarioAction) -> ScenarioModel {
        s.apply(a);
        s
    }

    #[test]
    fn play_ticks_move_virtual_time_by_the_speed() {
        let mut s = ScenarioModel::new(find("failover").unwrap());
        s = reduce(s, ScenarioAction::Speed(20.0));
        s = reduce(s, ScenarioAction::Tick);
        let t = s.deployment().now_ms - START_MS;
        assert!((2000..2100).contains(&t), "{t}");
        assert_eq!(s.samples.len(), s.total() + 1);
    }

    #[test]
    fn run_to_end_then_back_shows_earlier_worlds() {
        let mut s = ScenarioModel::new(find("failover").unwrap());
        s = reduce(s, ScenarioAction::RunToEnd);
        assert!(s.player.finished());
        let total = s.total();
        assert!(!s.deployment().lost.is_empty());
        assert!(s.markers().iter().any(|(_, k, _)| *k == EventKind::Lost));
        s = reduce(s, ScenarioAction::Seek(3));
        assert_eq!(s.shown, 3);
        assert!(s.deployment().lost.is_empty());
        assert!(s.deployment().nodes[0].up);
        s = reduce(s, ScenarioAction::Forward);
        assert_eq!((s.shown, s.total()), (4, total));
        assert!(s.narration().is_some());
    }

    #[test]
    fn crashing_a_node_from_the_picture_branches_the_run() {
        let mut s = ScenarioModel::new(find("failover").unwrap());
        s = reduce(s, ScenarioAction::RunToEnd);
        s = reduce(s, ScenarioAction::Seek(10));
        s = reduce(s, ScenarioAction::Crash("replica-2".into()));
        assert_eq!(s.total(), 11);
        assert!(!s.deployment().nodes[2].up);
        s = reduce(s, ScenarioAction::Cut("primary".into(), "replica-1".into()));
        assert!(!s.deployment().links.iter().any(|l| l.up && l.replica == NodeId::new(1)));
        s = reduce(s, ScenarioAction::RunToEnd);
        assert!(s.player.finished());
        // Cut off before the crash, replica-1 had fewer writes: more are lost than in the plan.
        let planned = {
            let mut p = ScenarioModel::new(find("failover").unwrap());
            p = reduce(p, ScenarioAction::RunToEnd);
            p.deployment().lost.len()
        };
        assert!(s.deployment().lost.len() > planned, "{} vs {planned}", s.deployment().lost.len());
    }

    #[test]
    fn play_stops_at_a_pause_line_and_goes_on_from_there() {
        let text = "name: paused\ntitle: A pause\nnode primary\nclient app on primary\nat 1s: app SET a 1\nat 2s: pause\nat 3s: app SET b 2\nend 4s\n";
        let mut s = ScenarioModel::new(redsim_sim::scenario::parse(text).unwrap());
        s = reduce(s, ScenarioAction::Speed(100.0));
        s = reduce(s, ScenarioAction::Play(true));
        for _ in 0..1_000 {
            if !s.playing {
                break;
            }
            s = reduce(s, ScenarioAction::Tick);
        }
        assert!(!s.playing && !s.at_end(), "autoplay stopped at the pause");
        assert_eq!(s.deployment().now_ms - START_MS, 2000);
        assert!(s.markers().iter().any(|(_, k, _)| *k == EventKind::Pause), "the pause is marked on the timeline");
        s = reduce(s, ScenarioAction::Play(true));
        for _ in 0..1_000 {
            if !s.playing {
                break;
            }
            s = reduce(s, ScenarioAction::Tick);
        }
        assert!(s.at_end(), "Play goes on past the pause to the end");
        // Replaying the recorded steps stops there too.
        s = reduce(s, ScenarioAction::Seek(0));
        s = reduce(s, ScenarioAction::Play(true));
        for _ in 0..1_000 {
            if !s.playing {
                break;
            }
            s = reduce(s, ScenarioAction::Tick);
        }
        assert_eq!(s.deployment().now_ms - START_MS, 2000);
    }

    #[test]
    fn play_stops_at_the_end_and_the_end_is_not_narration() {
        let mut s = ScenarioModel::new(find("log-and-blocking-reads").unwrap());
        s = reduce(s, ScenarioAction::Play(true));
        s = reduce(s, ScenarioAction::Speed(100.0));
        for _ in 0..10_000 {
            if !s.playing {
                break;
            }
            s = reduce(s, ScenarioAction::Tick);
        }
        assert!(s.at_end() && !s.playing, "Play stopped at the end");
        let last = s.player.steps().last().unwrap();
        assert!(last.events.iter().any(|e| e.kind == EventKind::End));
        assert_ne!(s.narration().as_deref(), Some("the scenario ends"));
        s = reduce(s, ScenarioAction::Seek(1));
        s = reduce(s, ScenarioAction::Play(true));
        s = reduce(s, ScenarioAction::RunToEnd);
        assert!(!s.playing, "Run to end pauses Play");
    }
}
