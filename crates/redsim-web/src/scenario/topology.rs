//! The world's nodes and links, each with the buttons a presenter needs (crash, restart, cut,
//! heal), and how far the replicas are behind over time.

use yew::prelude::*;

use super::ScenarioAction;
use crate::view::{LinkView, ServerView, SlotRun, TopologyView};

#[derive(Properties, PartialEq)]
pub struct TopologyProps {
    pub topology: TopologyView,
    /// The node whose data the pictures show.
    pub selected: usize,
    /// The replica offset gap after each step up to the one shown.
    pub gaps: Vec<u64>,
    pub on_act: Callback<ScenarioAction>,
}

#[function_component(Topology)]
pub fn topology(props: &TopologyProps) -> Html {
    let t = &props.topology;
    html! {
        <div class="topology" role="group" aria-label="Topology">
            if !t.slot_map.is_empty() {
                <SlotMap runs={t.slot_map.clone()} moving={t.moving_slots.clone()} />
            }
            <ul class="nodes">
                { for t.nodes.iter().enumerate().map(|(i, n)| node_card(i, n, i == props.selected, &props.on_act)) }
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

fn node_card(i: usize, n: &ServerView, selected: bool, on_act: &Callback<ScenarioAction>) -> Html {
    let role = if n.primary { "primary" } else { "replica" };
    let name = n.name.clone();
    let toggle = if n.up { ScenarioAction::Crash as fn(String) -> ScenarioAction } else { ScenarioAction::Restart };
    let verb = if n.up { "Crash" } else { "Restart" };
    html! {
        <li class={classes!("node", role, (!n.up).then_some("down"), selected.then_some("selected"))}
            data-server={name.clone()} data-role={role} data-repl-offset={n.offset.to_string()} data-up={n.up.to_string()}>
            <button type="button" class="node-name" onclick={on_act.reform(move |_: MouseEvent| ScenarioAction::SelectNode(i))}
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
pub struct SlotMapProps {
    pub runs: Vec<SlotRun>,
    pub moving: Vec<u16>,
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
