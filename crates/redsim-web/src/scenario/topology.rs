//! The world's nodes and links, each with the buttons a presenter needs (crash, restart, cut,
//! heal), and how far the replicas are behind over time.

use redsim_sim::NodeId;
use yew::prelude::*;

use super::ScenarioAction;
use crate::view::{LinkView, RequestView, ServerView, SlotRun, TopologyView};

#[derive(Properties, PartialEq)]
pub struct TopologyProps {
    pub topology: TopologyView,
    /// The node whose data the pictures show.
    pub selected: NodeId,
    /// The replica offset gap after each step up to the one shown.
    pub gaps: Vec<u64>,
    pub on_act: Callback<ScenarioAction>,
    /// Playing fast: the pictures jump to each step instead of moving (the moves would pile up).
    #[prop_or_default]
    pub fast: bool,
}

#[function_component(Topology)]
pub fn topology(props: &TopologyProps) -> Html {
    let t = &props.topology;
    html! {
        <div class={classes!("topology", props.fast.then_some("fast"))} role="group" aria-label="Topology">
            if !t.slot_map.is_empty() {
                <SlotMap runs={t.slot_map.clone()} moving={t.moving_slots.clone()} request={t.request.clone()} />
            }
            if t.nodes.len() > 1 || !t.messages.is_empty() {
                <Diagram topology={t.clone()} />
            }
            <ul class="nodes">
                { for t.nodes.iter().enumerate().map(|(i, n)| node_card(NodeId::new(i), n, NodeId::new(i) == props.selected, &props.on_act)) }
            </ul>
            if !t.links.is_empty() {
                <ul class="links" aria-label="Replication links">
                    { for t.links.iter().map(|l| link_row(l, &props.on_act)) }
                </ul>
                <GapChart gaps={props.gaps.clone()} />
            }
            if let Some(sentinel) = &t.sentinel {
                <p class="sentinel">{ sentinel }</p>
            }
        </div>
    }
}

fn node_card(id: NodeId, n: &ServerView, selected: bool, on_act: &Callback<ScenarioAction>) -> Html {
    let role = if n.primary { "primary" } else { "replica" };
    let name = n.name.clone();
    let toggle = if n.up { ScenarioAction::Crash as fn(String) -> ScenarioAction } else { ScenarioAction::Restart };
    let verb = if n.up { "Crash" } else { "Restart" };
    html! {
        <li class={classes!("node", role, (!n.up).then_some("down"), selected.then_some("selected"))}
            data-server={name.clone()} data-role={role} data-repl-offset={n.offset.to_string()} data-up={n.up.to_string()}>
            <button type="button" class="node-name" onclick={on_act.reform(move |_: MouseEvent| ScenarioAction::SelectNode(id))}
                aria-pressed={selected.to_string()} title="Show this node's data">{ &n.name }</button>
            <span class="node-role">{ match &n.replica_of { Some(p) => format!("replica of {p}"), None => "primary".to_string() } }</span>
            <span class="node-offset">{ format!("offset {}", n.offset) }</span>
            if n.behind > 0 && n.up {
                <span class="node-behind">{ format!("{} bytes behind", n.behind) }</span>
            }
            if let Some(slots) = &n.slots {
                <span class="node-slots">{ slots }</span>
            }
            { for n.moving.iter().map(|m| html! { <span class="node-moving">{ m }</span> }) }
            <span class="node-disk">{ &n.persistence }</span>
            <span class="node-state">{ if n.up { "up" } else { "down" } }</span>
            <button type="button" class="node-toggle" onclick={on_act.reform(move |_: MouseEvent| toggle(name.clone()))}
                aria-label={format!("{verb} {}", n.name)}>{ verb }</button>
        </li>
    }
}

fn link_row(l: &LinkView, on_act: &Callback<ScenarioAction>) -> Html {
    let (a, b) = (l.primary.clone(), l.replica.clone());
    let toggle = if l.up { ScenarioAction::Cut as fn(String, String) -> ScenarioAction } else { ScenarioAction::Heal };
    let verb = if l.up { "Cut" } else { "Heal" };
    let label = format!("{verb} the link {a} → {b}");
    html! {
        <li class={classes!("link", (!l.up).then_some("cut"))} data-link={format!("{a}-{b}")} data-up={l.up.to_string()}>
            <span>{ format!("{a} → {b} ({} ms)", l.latency_ms) }</span>
            <button type="button" aria-label={label}
                onclick={on_act.reform(move |_: MouseEvent| toggle(a.clone(), b.clone()))}>{ verb }</button>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub topology: TopologyView,
}

const BOX_W: f64 = 104.0;
const BOX_H: f64 = 40.0;
const PRIMARY_Y: f64 = 30.0;
const REPLICA_Y: f64 = 150.0;

/// Where each node's box is: primaries in a row, each one's replicas under it.
fn layout(t: &TopologyView) -> Vec<(String, f64, f64)> {
    let primaries: Vec<&ServerView> = t.nodes.iter().filter(|n| n.replica_of.is_none()).collect();
    let width = 640.0 / primaries.len().max(1) as f64;
    let mut out = Vec::new();
    for (i, p) in primaries.iter().enumerate() {
        let centre = width * (i as f64 + 0.5);
        out.push((p.name.clone(), centre, PRIMARY_Y));
        let replicas: Vec<&ServerView> = t.nodes.iter().filter(|n| n.replica_of.as_deref() == Some(&p.name)).collect();
        let step = width / replicas.len().max(1) as f64;
        for (j, r) in replicas.iter().enumerate() {
            out.push((r.name.clone(), width * i as f64 + step * (j as f64 + 0.5), REPLICA_Y));
        }
    }
    // A replica of a replica, or of a node not drawn: a row of its own.
    let placed: Vec<String> = out.iter().map(|o| o.0.clone()).collect();
    let rest: Vec<&ServerView> = t.nodes.iter().filter(|n| !placed.contains(&n.name)).collect();
    for (k, n) in rest.iter().enumerate() {
        out.push((n.name.clone(), 60.0 + 120.0 * k as f64, REPLICA_Y + 80.0));
    }
    out
}

/// The world as a diagram: nodes with their role and state, the replication links with their
/// latency, the messages travelling along them (each at its share of the way), and the actors at
/// the node they talk to.
#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let t = &props.topology;
    let places = layout(t);
    let at = |name: &str| places.iter().find(|p| p.0 == name).map(|p| (p.1, p.2));
    let height = places.iter().map(|p| p.2).fold(PRIMARY_Y, f64::max) + BOX_H + 30.0;
    let label = format!(
        "{} nodes, {} links, {} replication messages on their way",
        t.nodes.len(),
        t.links.len(),
        t.messages.len()
    );
    html! {
        <figure class="diagram">
            <svg viewBox={format!("0 0 640 {height:.0}")} role="img" aria-label={label}>
                if let Some(sentinel) = &t.sentinel {
                    <text class="diagram-sentinel" x="4" y="12">{ format!("Sentinel {}", sentinel.split_once(';').map_or(sentinel.as_str(), |(_, rest)| rest.trim())) }</text>
                }
                if let Some((count, quorum, watched, phase)) = &t.sentinels {
                    // One mark per sentinel: watching, unsure, or voting the primary down.
                    { for (0..*count).map(|i| {
                        let (class, mark, what) = match phase {
                            redsim_sim::SentinelPhase::Up => ("up", "S", format!("watching {watched}")),
                            redsim_sim::SentinelPhase::Silent => ("unsure", "?", format!("{watched} is not answering (subjectively down)")),
                            redsim_sim::SentinelPhase::Voting => ("vote", "✓", format!("votes {watched} down (quorum {quorum}); a leader fails it over")),
                        };
                        let x = 600.0 - 22.0 * i as f64;
                        html! {
                            <g class={classes!("sentinel-mark", class)} data-sentinel={i.to_string()} data-phase={class}>
                                <circle cx={format!("{x:.1}")} cy="12" r="9" />
                                <text x={format!("{x:.1}")} y="16">{ mark }</text>
                                <title>{ format!("sentinel-{}: {what}", i + 1) }</title>
                            </g>
                        }
                    }) }
                }
                { for t.links.iter().filter_map(|l| {
                    let ((x1, y1), (x2, y2)) = (at(&l.primary)?, at(&l.replica)?);
                    let (y1, y2) = (y1 + BOX_H, y2);
                    Some(html! {
                        <g class={classes!("diagram-link", (!l.up).then_some("cut"))}
                            data-link={format!("{}-{}", l.primary, l.replica)}>
                            <line x1={format!("{x1:.1}")} y1={format!("{y1:.1}")} x2={format!("{x2:.1}")} y2={format!("{y2:.1}")} />
                            <text x={format!("{:.1}", (x1 + x2) / 2.0 + 6.0)} y={format!("{:.1}", (y1 + y2) / 2.0)}>
                                { if l.up { format!("{} ms", l.latency_ms) } else { "cut".to_string() } }
                            </text>
                        </g>
                    })
                }) }
                { for t.nodes.iter().filter_map(|n| {
                    let (x, y) = at(&n.name)?;
                    let role = if n.primary { "primary" } else { "replica" };
                    let actors: Vec<&str> = t.actors.iter().filter(|a| a.1 == n.name).map(|a| a.0.as_str()).collect();
                    // Writes acknowledged here and lost (by a crash or a failover), marked where they were lost.
                    let lost = t.lost.iter().filter(|l| l.node == n.name).count();
                    let lost_text = match (lost, t.lost_total > t.lost.len()) {
                        (0, _) => None,
                        (n, true) => Some(format!("{n}+ writes lost")),
                        (1, false) => Some("1 write lost".to_string()),
                        (n, false) => Some(format!("{n} writes lost")),
                    };
                    Some(html! {
                        <g class={classes!("diagram-node", role, (!n.up).then_some("down"))} data-node={n.name.clone()}>
                            <rect x={format!("{:.1}", x - BOX_W / 2.0)} y={format!("{y:.1}")} width={BOX_W.to_string()}
                                height={BOX_H.to_string()} rx="6" />
                            <text class="name" x={format!("{x:.1}")} y={format!("{:.1}", y + 17.0)}>{ &n.name }</text>
                            <text class="role" x={format!("{x:.1}")} y={format!("{:.1}", y + 32.0)}>
                                { if n.up { role.to_string() } else { format!("{role}, down") } }
                            </text>
                            if !actors.is_empty() {
                                <text class="actors" x={format!("{x:.1}")} y={format!("{:.1}", if n.primary { y - 8.0 } else { y + BOX_H + 14.0 })}>
                                    { actors.join(" · ") }
                                </text>
                            }
                            if let Some(text) = lost_text {
                                <text class="lost" x={format!("{:.1}", x + BOX_W / 2.0 + 4.0)} y={format!("{:.1}", y + 12.0)}
                                    data-lost-here={lost.to_string()}>{ text }</text>
                            }
                        </g>
                    })
                }) }
                { for t.messages.iter().filter_map(|m| {
                    let ((x1, y1), (x2, y2)) = (at(&m.from)?, at(&m.to)?);
                    let (y1, y2) = if y2 > y1 { (y1 + BOX_H, y2) } else { (y1, y2 + BOX_H) };
                    let p = m.progress.clamp(0.0, 1.0);
                    let (x, y) = (x1 + (x2 - x1) * p, y1 + (y2 - y1) * p);
                    Some(html! {
                        <circle key={m.seq.to_string()} class="in-flight" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="5"
                            data-in-flight="true" data-from={m.from.clone()} data-to={m.to.clone()}>
                            <title>{ format!("{} → {}: {}", m.from, m.to, m.label) }</title>
                        </circle>
                    })
                }) }
            </svg>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
pub struct SlotMapProps {
    pub runs: Vec<SlotRun>,
    pub moving: Vec<u16>,
    pub request: Option<RequestView>,
}

/// The 16,384 hash slots as a bar, each run coloured by the node that serves it; a slot on the
/// move is marked.
#[function_component(SlotMap)]
pub fn slot_map(props: &SlotMapProps) -> Html {
    const SLOTS: f64 = 16_384.0;
    let summary: Vec<String> = props.runs.iter().map(|r| format!("{}-{} {}", r.first, r.last, r.owner)).collect();
    html! {
        <figure class="slot-map">
            <svg viewBox="0 0 1000 24" preserveAspectRatio="none" role="img"
                aria-label={format!("Hash slots: {}", summary.join(", "))}>
                { for props.runs.iter().map(|r| {
                    let x = f64::from(r.first) / SLOTS * 1000.0;
                    let w = (f64::from(r.last - r.first) + 1.0) / SLOTS * 1000.0;
                    html! {
                        <rect class={format!("slot-run owner-{}", r.index % 6)} x={format!("{x:.2}")} y="0"
                            width={format!("{w:.2}")} height="24" data-first={r.first.to_string()}
                            data-last={r.last.to_string()} data-owner={r.owner.clone()}>
                            <title>{ format!("slots {}-{}: {}", r.first, r.last, r.owner) }</title>
                        </rect>
                    }
                }) }
                { for props.request.iter().map(|r| {
                    let x = f64::from(r.slot) / SLOTS * 1000.0;
                    html! {
                        <polygon class={classes!("slot-request", r.outcome())} data-slot={r.slot.to_string()}
                            data-outcome={r.outcome()} points={format!("{:.2},0 {:.2},0 {x:.2},9", x - 6.0, x + 6.0)}>
                            <title>{ r.text() }</title>
                        </polygon>
                    }
                }) }
                { for props.moving.iter().map(|s| {
                    let x = f64::from(*s) / SLOTS * 1000.0;
                    html! {
                        <rect class="slot-moving" x={format!("{:.2}", x - 1.5)} y="0" width="3" height="24" data-slot={s.to_string()}>
                            <title>{ format!("slot {s} is moving") }</title>
                        </rect>
                    }
                }) }
            </svg>
            <figcaption>
                { for props.runs.iter().map(|r| html! {
                    <span class={format!("slot-legend owner-{}", r.index % 6)}>{ format!("{} {}-{}", r.owner, r.first, r.last) }</span>
                }) }
                { for props.request.iter().map(|r| html! {
                    <span class={classes!("slot-request-text", r.outcome())} data-request-slot={r.slot.to_string()}>
                        { format!("last request ▼ {}", r.text()) }
                    </span>
                }) }
            </figcaption>
        </figure>
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
