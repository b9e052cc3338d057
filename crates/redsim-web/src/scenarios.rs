//! The scenario player: a built-in scenario run step by step, with a topology of nodes and links
//! that a presenter can click (crash, restart, cut, heal), transport controls, narration, the writes
//! named as lost, and the stream pictures of the node chosen.
//!
//! `ScenarioState` is the reducer, plain Rust and tested natively; `ScenarioPanel` lays it out.

use std::rc::Rc;

use redsim_sim::scenario::{library, Act, Player, Scenario};
use redsim_sim::{Cluster, EventKind, Role, START_MS};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::streams::StreamsPanel;
use crate::timeline::Timeline;
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

#[derive(Clone)]
pub struct ScenarioState {
    /// Run as far as it has been computed.
    pub player: Player,
    /// The step shown (equal to the steps computed when showing the latest).
    pub shown: usize,
    /// The world at `shown` when it is an earlier step.
    earlier: Option<Rc<Cluster>>,
    /// The numbers of the primary's streams after each step (index 0: before the first).
    pub samples: Vec<Rc<[StreamSample]>>,
    /// How far the furthest-behind replica is from its primary, in bytes, after each step.
    pub gaps: Vec<u64>,
    pub speed: f64,
    /// The node whose data the pictures show (`None`: the primary).
    pub node: Option<usize>,
}

impl PartialEq for ScenarioState {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

pub enum ScenarioAction {
    Forward,
    Back,
    Seek(usize),
    /// One play tick.
    Tick,
    RunToEnd,
    Speed(f64),
    Crash(String),
    Restart(String),
    Cut(String, String),
    Heal(String, String),
    SelectNode(usize),
}

/// The largest distance, in replication bytes, between a primary and one of its replicas.
pub fn offset_gap(c: &Cluster) -> u64 {
    c.links
        .iter()
        .filter(|l| c.nodes[l.replica].up)
        .map(|l| c.nodes[l.primary].offset.saturating_sub(c.nodes[l.replica].offset))
        .max()
        .unwrap_or(0)
}

fn sample(c: &Cluster) -> Rc<[StreamSample]> {
    let node = c.primary().unwrap_or(0);
    Rc::from(view::samples_in(&c.nodes[node].server.dbs[0]))
}

impl ScenarioState {
    pub fn new(scenario: Scenario) -> ScenarioState {
        let player = Player::new(scenario);
        let first = sample(player.cluster());
        let gap = offset_gap(player.cluster());
        ScenarioState { player, shown: 0, earlier: None, samples: vec![first], gaps: vec![gap], speed: 1.0, node: None }
    }

    pub fn total(&self) -> usize {
        self.player.steps().len()
    }

    /// The world at the step shown.
    pub fn cluster(&self) -> &Cluster {
        self.earlier.as_deref().unwrap_or(self.player.cluster())
    }

    fn step(&mut self) -> bool {
        if !self.player.step() {
            return false;
        }
        self.samples.push(sample(self.player.cluster()));
        self.gaps.push(offset_gap(self.player.cluster()));
        self.shown = self.total();
        true
    }

    fn show(&mut self, step: usize) {
        let step = step.min(self.total());
        self.shown = step;
        self.earlier = if step == self.total() {
            None
        } else {
            let mut p = self.player.clone();
            p.seek(step);
            Some(Rc::new(p.cluster().clone()))
        };
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
        self.samples.push(sample(self.player.cluster()));
        self.gaps.push(offset_gap(self.player.cluster()));
        self.shown = self.total();
    }

    /// The narration in force at the step shown: the last `say` at or before it.
    pub fn narration(&self) -> Option<String> {
        self.player.steps()[..self.shown]
            .iter()
            .rev()
            .flat_map(|s| s.events.iter().rev())
            .find(|e| e.kind == EventKind::Note && e.text != "the scenario ends")
            .map(|e| e.text.clone())
    }

    /// The last events up to the step shown, newest first (the log reads from the top).
    pub fn log(&self) -> Vec<(u64, EventKind, String)> {
        let mut out: Vec<(u64, EventKind, String)> = self.player.steps()[..self.shown]
            .iter()
            .rev()
            .flat_map(|s| s.events.iter().rev())
            .filter(|e| e.kind != EventKind::Replicated)
            .take(LOG_LINES)
            .map(|e| (e.at_ms - START_MS, e.kind.clone(), e.text.clone()))
            .collect();
        out.shrink_to_fit();
        out
    }

    /// Steps with a fault, a failover or a loss: `(step, text)`, for markers on the timeline.
    pub fn markers(&self) -> Vec<(usize, EventKind, String)> {
        self.player
            .steps()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                // A loss is the one to point at; then a failover, then any fault.
                [EventKind::Lost, EventKind::Failover, EventKind::Fault]
                    .iter()
                    .find_map(|kind| s.events.iter().find(|e| &e.kind == kind))
                    .map(|e| (i + 1, e.kind.clone(), e.text.clone()))
            })
            .collect()
    }
}

impl Reducible for ScenarioState {
    type Action = ScenarioAction;

    fn reduce(self: Rc<Self>, action: ScenarioAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            ScenarioAction::Forward => {
                if s.shown < s.total() {
                    s.show(s.shown + 1);
                } else {
                    s.step();
                }
            }
            ScenarioAction::Back => s.show(s.shown.saturating_sub(1)),
            ScenarioAction::Seek(step) => s.show(step),
            ScenarioAction::Tick => {
                if s.shown < s.total() {
                    s.show(s.shown + 1);
                } else {
                    // Move virtual time on by the tick times the speed.
                    let target = s.player.cluster().now_ms + (PLAY_TICK_MS as f64 * s.speed).max(1.0) as u64;
                    for _ in 0..STEPS_PER_TICK {
                        if s.player.cluster().now_ms >= target || !s.step() {
                            break;
                        }
                    }
                }
            }
            ScenarioAction::RunToEnd => {
                s.show(s.total());
                for _ in 0..RUN_LIMIT {
                    if !s.step() {
                        break;
                    }
                }
            }
            ScenarioAction::Speed(speed) => s.speed = speed,
            ScenarioAction::Crash(name) => s.intervene(Act::Crash(name)),
            ScenarioAction::Restart(name) => s.intervene(Act::Restart(name)),
            ScenarioAction::Cut(a, b) => s.intervene(Act::Cut(a, b)),
            ScenarioAction::Heal(a, b) => s.intervene(Act::Heal(a, b)),
            ScenarioAction::SelectNode(n) => s.node = Some(n),
        }
        Rc::new(s)
    }
}

#[derive(Properties, PartialEq)]
pub struct ScenarioPanelProps {
    pub name: String,
}

#[function_component(ScenarioPanel)]
pub fn scenario_panel(props: &ScenarioPanelProps) -> Html {
    let name = props.name.clone();
    let state = use_reducer(move || ScenarioState::new(find(&name).unwrap_or_else(|| library().remove(0))));
    let playing = use_state(|| false);
    {
        let (playing, state) = (playing.clone(), state.clone());
        let at = (*playing, state.shown, state.player.finished() && state.shown == state.total());
        use_effect_with(at, move |&(is_playing, _, at_end)| {
            let mut timer = None;
            if is_playing && at_end {
                playing.set(false);
            } else if is_playing {
                let state = state.clone();
                let tick = wasm_bindgen::closure::Closure::once_into_js(move || state.dispatch(ScenarioAction::Tick));
                timer = web_sys::window().and_then(|w| {
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(tick.unchecked_ref(), PLAY_TICK_MS as i32)
                        .ok()
                });
            }
            move || {
                if let (Some(id), Some(w)) = (timer, web_sys::window()) {
                    w.clear_timeout_with_handle(id);
                }
            }
        });
    }
    let send = |make: fn() -> ScenarioAction| {
        let state = state.clone();
        Callback::from(move |_: ()| state.dispatch(make()))
    };
    let on_play = {
        let playing = playing.clone();
        Callback::from(move |play: bool| playing.set(play))
    };
    let on_seek = {
        let state = state.clone();
        Callback::from(move |step: usize| state.dispatch(ScenarioAction::Seek(step)))
    };
    let on_run_to_end = {
        let (state, playing) = (state.clone(), playing.clone());
        Callback::from(move |_: MouseEvent| {
            playing.set(false);
            state.dispatch(ScenarioAction::RunToEnd);
        })
    };
    let on_speed = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(speed) = select.value().parse() {
                state.dispatch(ScenarioAction::Speed(speed));
            }
        })
    };
    let c = state.cluster();
    let total = state.total();
    let at_end = state.player.finished() && state.shown == total;
    let scenario = state.player.scenario.clone();
    let primary = c.primary();
    let node = state.node.filter(|&n| n < c.nodes.len()).or(primary).unwrap_or(0);
    let db = &c.nodes[node].server.dbs[0];
    let streams = view::streams_in(db, c.now_ms);
    let keys = view::keys_in(db, c.now_ms, None);
    let changes: Vec<String> = if state.shown == 0 {
        Vec::new()
    } else {
        state.player.steps()[state.shown - 1]
            .events
            .iter()
            .filter(|e| e.kind != EventKind::Replicated)
            .map(|e| e.text.clone())
            .collect()
    };
    let samples = state.samples[..=state.shown.min(state.samples.len() - 1)].to_vec();
    let markers = state.markers();
    let elapsed = c.now_ms - START_MS;
    html! {
        <section class="scenario" aria-label="Scenario">
            <div class="scenario-head">
                <h2>{ &scenario.title }</h2>
                <p class="narration" role="status" aria-live="polite" aria-label="Narration">
                    { state.narration().unwrap_or_else(|| "Press Play or Step to start.".into()) }
                </p>
            </div>
            <div class="transport" role="group" aria-label="Transport">
                <Timeline shown={state.shown} total={total.max(state.shown)} on_back={send(|| ScenarioAction::Back)}
                    on_forward={send(|| ScenarioAction::Forward)} on_seek={on_seek.clone()}
                    playing={*playing} on_play={on_play} forward_enabled={!at_end} />
                <label class="speed">
                    <span>{ "Speed" }</span>
                    <select aria-label="Speed" onchange={on_speed}>
                        { for SPEEDS.iter().map(|&sp| html! {
                            <option value={sp.to_string()} selected={sp == state.speed}>{ format!("{sp}×") }</option>
                        }) }
                    </select>
                </label>
                <button type="button" class="run-to-end" onclick={on_run_to_end} disabled={at_end}>{ "Run to end" }</button>
                <output class="scenario-clock" aria-label="Scenario time">{ format!("t = {:.3} s", elapsed as f64 / 1000.0) }</output>
            </div>
            if !markers.is_empty() {
                <ol class="markers" aria-label="Events on the timeline">
                    { for markers.iter().map(|(step, kind, text)| {
                        let on_seek = on_seek.clone();
                        let step = *step;
                        let left = format!("left: {:.2}%", step as f64 / total.max(1) as f64 * 100.0);
                        html! {
                            <li style={left}>
                                <button type="button" class={classes!("marker", kind_class(kind))} title={text.clone()}
                                    aria-label={format!("Step {step}: {text}")}
                                    onclick={Callback::from(move |_| on_seek.emit(step))}></button>
                            </li>
                        }
                    }) }
                </ol>
            }
            <div class="scenario-body">
                <Topology state={state.clone()} selected={node} />
                <div class="scenario-side">
                    if !c.lost.is_empty() {
                        <div class="lost-writes" aria-label="Lost writes">
                            <h3>{ format!("Lost writes ({})", c.lost.len()) }</h3>
                            <ul>
                                { for c.lost.iter().take(50).map(|l| html! {
                                    <li data-lost-id={l.label.clone()} title={l.why.clone()}>
                                        <code>{ &l.label }</code>{ format!(" on {} — {}", l.node, l.why) }
                                    </li>
                                }) }
                            </ul>
                        </div>
                    }
                    <ol class="event-log" aria-label="Events">
                        { for state.log().into_iter().map(|(at, kind, text)| html! {
                            <li class={kind_class(&kind)}><span class="at">{ format!("{:.3}s", at as f64 / 1000.0) }</span>{ text }</li>
                        }) }
                    </ol>
                </div>
            </div>
            if keys.total == 0 {
                <p class="quiet">{ format!("{} holds no keys yet.", c.nodes[node].name) }</p>
            } else {
                <StreamsPanel {keys} samples={samples} shown_step={state.shown} streams={streams} selected={None::<String>}
                    on_select={Callback::noop()} changes={changes} touched={crate::changes::Touched::default()} />
            }
        </section>
    }
}

fn kind_class(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Fault => "fault",
        EventKind::Failover => "failover",
        EventKind::Lost => "lost",
        EventKind::Persistence => "persistence",
        EventKind::Note => "note",
        _ => "plain",
    }
}

#[derive(Properties, PartialEq)]
pub struct TopologyProps {
    pub state: UseReducerHandle<ScenarioState>,
    pub selected: usize,
}

/// Nodes with their role, offset and state; the links between them. Each node and link has the
/// buttons a presenter needs.
#[function_component(Topology)]
pub fn topology(props: &TopologyProps) -> Html {
    let state = &props.state;
    let c = state.cluster();
    let primary_offset = c.primary().map_or(0, |p| c.nodes[p].offset);
    html! {
        <div class="topology" role="group" aria-label="Topology">
            <ul class="nodes">
                { for c.nodes.iter().enumerate().map(|(i, n)| {
                    let role = if n.is_primary() { "primary" } else { "replica" };
                    let of = match n.role { Role::Replica { of } => Some(c.nodes[of].name.clone()), Role::Primary => None };
                    let name = n.name.clone();
                    let toggle = {
                        let state = state.clone();
                        let (name, up) = (name.clone(), n.up);
                        Callback::from(move |_: MouseEvent| state.dispatch(if up { ScenarioAction::Crash(name.clone()) } else { ScenarioAction::Restart(name.clone()) }))
                    };
                    let select = {
                        let state = state.clone();
                        Callback::from(move |_: MouseEvent| state.dispatch(ScenarioAction::SelectNode(i)))
                    };
                    let behind = if n.is_primary() { 0 } else { primary_offset.saturating_sub(n.offset) };
                    let persistence = match (n.persistence.aof, n.persistence.save_every_ms) {
                        (Some(f), _) => format!("AOF {}", f.name()),
                        (None, Some(ms)) => format!("RDB every {} s", ms / 1000),
                        (None, None) => "no persistence".to_string(),
                    };
                    html! {
                        <li class={classes!("node", role, (!n.up).then_some("down"), (i == props.selected).then_some("selected"))}
                            data-server={name.clone()} data-role={role} data-repl-offset={n.offset.to_string()} data-up={n.up.to_string()}>
                            <button type="button" class="node-name" onclick={select} aria-pressed={(i == props.selected).to_string()}
                                title="Show this node's data">{ &n.name }</button>
                            <span class="node-role">{ match &of { Some(p) => format!("replica of {p}"), None => "primary".to_string() } }</span>
                            <span class="node-offset">{ format!("offset {}", n.offset) }</span>
                            if behind > 0 && n.up {
                                <span class="node-behind">{ format!("{behind} bytes behind") }</span>
                            }
                            <span class="node-disk">{ persistence }</span>
                            <span class="node-state">{ if n.up { "up" } else { "down" } }</span>
                            <button type="button" class="node-toggle" onclick={toggle}
                                aria-label={format!("{} {}", if n.up { "Crash" } else { "Restart" }, n.name)}>
                                { if n.up { "Crash" } else { "Restart" } }
                            </button>
                        </li>
                    }
                }) }
            </ul>
            if !c.links.is_empty() {
                <ul class="links" aria-label="Replication links">
                    { for c.links.iter().map(|l| {
                        let (a, b) = (c.nodes[l.primary].name.clone(), c.nodes[l.replica].name.clone());
                        let toggle = {
                            let state = state.clone();
                            let (a, b, up) = (a.clone(), b.clone(), l.up);
                            Callback::from(move |_: MouseEvent| state.dispatch(if up { ScenarioAction::Cut(a.clone(), b.clone()) } else { ScenarioAction::Heal(a.clone(), b.clone()) }))
                        };
                        html! {
                            <li class={classes!("link", (!l.up).then_some("cut"))} data-link={format!("{a}-{b}")} data-up={l.up.to_string()}>
                                <span>{ format!("{a} → {b} ({} ms)", l.latency_ms) }</span>
                                <button type="button" onclick={toggle} aria-label={format!("{} the link {a} → {b}", if l.up { "Cut" } else { "Heal" })}>
                                    { if l.up { "Cut" } else { "Heal" } }
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            }
            if !c.links.is_empty() {
                <GapChart gaps={state.gaps[..=state.shown.min(state.gaps.len() - 1)].to_vec()} />
            }
            if let Some(s) = &c.sentinel {
                <p class="sentinel">{ format!("Sentinel: {} sentinels, quorum {}, down-after {} ms; watching {}; failovers: {}",
                    s.sentinels, s.quorum, s.down_after_ms, c.nodes[s.primary].name, s.failovers) }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct GapChartProps {
    pub gaps: Vec<u64>,
}

/// The replicas' distance behind their primary over the steps so far, as a small line.
#[function_component(GapChart)]
pub fn gap_chart(props: &GapChartProps) -> Html {
    const W: f64 = 400.0;
    const H: f64 = 48.0;
    let g = &props.gaps;
    let stride = g.len().div_ceil(400).max(1);
    let points: Vec<u64> = g.iter().step_by(stride).copied().chain(g.last().copied()).collect();
    let max = points.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = (points.len().max(2) - 1) as f64;
    let line: String = points
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1} ", i as f64 / n * W, H - *v as f64 / max * (H - 4.0) - 2.0))
        .collect();
    let now = g.last().copied().unwrap_or(0);
    html! {
        <figure class="gap-chart">
            <svg viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none" role="img" aria-label={format!("Replica offset gap over time, now {now} bytes")}>
                <polyline points={line} fill="none" stroke="currentColor" stroke-width="1.5" />
            </svg>
            <figcaption>{ format!("Replica offset gap: {now} bytes now, {} at most", max as u64) }</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(s: ScenarioState, a: ScenarioAction) -> ScenarioState {
        (*Rc::new(s).reduce(a)).clone()
    }

    #[test]
    fn play_ticks_move_virtual_time_by_the_speed() {
        let mut s = ScenarioState::new(find("failover").unwrap());
        s = reduce(s, ScenarioAction::Speed(20.0));
        s = reduce(s, ScenarioAction::Tick);
        let t = s.cluster().now_ms - START_MS;
        assert!((2000..2100).contains(&t), "{t}");
        assert_eq!(s.samples.len(), s.total() + 1);
    }

    #[test]
    fn run_to_end_then_back_shows_earlier_worlds() {
        let mut s = ScenarioState::new(find("failover").unwrap());
        s = reduce(s, ScenarioAction::RunToEnd);
        assert!(s.player.finished());
        let total = s.total();
        assert!(!s.cluster().lost.is_empty());
        assert!(s.markers().iter().any(|(_, k, _)| *k == EventKind::Lost));
        s = reduce(s, ScenarioAction::Seek(3));
        assert_eq!(s.shown, 3);
        assert!(s.cluster().lost.is_empty());
        assert!(s.cluster().nodes[0].up);
        s = reduce(s, ScenarioAction::Forward);
        assert_eq!((s.shown, s.total()), (4, total));
        assert!(s.narration().is_some());
    }

    #[test]
    fn crashing_a_node_from_the_picture_branches_the_run() {
        let mut s = ScenarioState::new(find("failover").unwrap());
        s = reduce(s, ScenarioAction::RunToEnd);
        s = reduce(s, ScenarioAction::Seek(10));
        s = reduce(s, ScenarioAction::Crash("replica-2".into()));
        assert_eq!(s.total(), 11);
        assert!(!s.cluster().nodes[2].up);
        s = reduce(s, ScenarioAction::Cut("primary".into(), "replica-1".into()));
        assert!(!s.cluster().links.iter().any(|l| l.up && l.replica == 1));
        s = reduce(s, ScenarioAction::RunToEnd);
        assert!(s.player.finished());
        // Cut off before the crash, replica-1 had fewer writes: more are lost than in the plan.
        let planned = {
            let mut p = ScenarioState::new(find("failover").unwrap());
            p = reduce(p, ScenarioAction::RunToEnd);
            p.cluster().lost.len()
        };
        assert!(s.cluster().lost.len() > planned, "{} vs {planned}", s.cluster().lost.len());
    }
}

/// The scenario the address asks for (`#scenario=<name>`), if it is a built-in one.
pub fn from_location() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let name = hash.strip_prefix("#scenario=")?;
    find(name).map(|s| s.name)
}

/// Puts the chosen scenario in the address, so it can be linked to (or clears it).
pub fn set_location(name: Option<&str>) {
    let Some(window) = web_sys::window() else { return };
    let Ok(history) = window.history() else { return };
    let url = match name {
        Some(name) => format!("#scenario={name}"),
        None => window.location().pathname().unwrap_or_default() + &window.location().search().unwrap_or_default(),
    };
    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
}
