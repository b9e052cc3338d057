//! The player's controls and side panel: the transport (play, step, slider, speed, run to end,
//! the clock), the markers under the slider, the writes lost and the event log.

use redsim_sim::{EventKind, START_MS};
use yew::prelude::*;

use super::{ScenarioAction, ScenarioHandle, SPEEDS};
use crate::hooks::{field_value, make_callback};
use crate::timeline::Timeline;
use crate::view::LostView;

#[function_component(Transport)]
pub fn transport() -> Html {
    let Some(store) = use_context::<ScenarioHandle>() else { return Html::default() };
    let model = store.get();
    let at_end = model.at_end();
    let elapsed = model.deployment().now_ms - START_MS;
    let on_speed = make_callback(&store, |e: Event| field_value(&e).parse().ok().map(ScenarioAction::Speed));
    // `[` and `]`: the next speed down or up the list.
    let current = model.speed;
    let on_speed_key = make_callback(&store, move |step: i32| {
        let at = SPEEDS.iter().position(|&s| s == current).unwrap_or(0) as i32;
        let next = (at + step).clamp(0, SPEEDS.len() as i32 - 1) as usize;
        ScenarioAction::Speed(SPEEDS[next])
    });
    html! {
        <div class="transport" role="group" aria-label="Transport">
            <Timeline shown={model.shown} total={model.total().max(model.shown)}
                on_back={make_callback(&store, |_| ScenarioAction::Back)}
                on_forward={make_callback(&store, |_| ScenarioAction::Forward)}
                on_seek={make_callback(&store, ScenarioAction::Seek)}
                playing={model.playing} on_play={make_callback(&store, ScenarioAction::Play)}
                forward_enabled={!at_end} on_speed={Some(on_speed_key)} />
            <label class="speed">
                <span>{ "Speed" }</span>
                <select aria-label="Speed" onchange={on_speed}>
                    { for SPEEDS.iter().map(|&sp| html! {
                        <option value={sp.to_string()} selected={sp == model.speed}>{ format!("{sp}×") }</option>
                    }) }
                </select>
            </label>
            <button type="button" class="run-to-end" disabled={at_end}
                onclick={make_callback(&store, |_: MouseEvent| ScenarioAction::RunToEnd)}>{ "Run to end" }</button>
            <output class="scenario-clock" aria-label="Scenario time">{ format!("t = {:.3} s", elapsed as f64 / 1000.0) }</output>
        </div>
    }
}

/// Faults, failovers and losses as buttons along the slider, each jumping to its step.
#[function_component(Markers)]
pub fn markers() -> Html {
    let Some(store) = use_context::<ScenarioHandle>() else { return Html::default() };
    let model = store.get();
    let markers = model.markers();
    if markers.is_empty() {
        return Html::default();
    }
    let total = model.total().max(1);
    html! {
        <ol class="markers" aria-label="Events on the timeline">
            { for markers.into_iter().map(|(step, kind, text)| {
                let left = format!("left: {:.2}%", step as f64 / total as f64 * 100.0);
                html! {
                    <li style={left}>
                        <button type="button" class={classes!("marker", kind_class(&kind))} title={text.clone()}
                            aria-label={format!("Step {step}: {text}")}
                            onclick={make_callback(&store, move |_: MouseEvent| ScenarioAction::Seek(step))}></button>
                    </li>
                }
            }) }
        </ol>
    }
}

#[derive(Properties, PartialEq)]
pub struct SidePanelProps {
    pub lost: Vec<LostView>,
    pub lost_total: usize,
}

/// The writes lost so far, and the event log, newest first.
#[function_component(SidePanel)]
pub fn side_panel(props: &SidePanelProps) -> Html {
    let Some(store) = use_context::<ScenarioHandle>() else { return Html::default() };
    let model = store.get();
    html! {
        <div class="scenario-side">
            if props.lost_total > 0 {
                <div class="lost-writes" aria-label="Lost writes">
                    <h3>{ format!("Lost writes ({})", props.lost_total) }</h3>
                    <ul>
                        { for props.lost.iter().map(|l| html! {
                            <li data-lost-id={l.label.clone()} title={l.why.clone()}>
                                <code>{ &l.label }</code>{ format!(" on {} — {}", l.node, l.why) }
                            </li>
                        }) }
                    </ul>
                </div>
            }
            <ol class="event-log" aria-label="Events">
                { for model.log().into_iter().map(|(at, kind, text)| html! {
                    <li class={kind_class(&kind)}><span class="at">{ format!("{:.3}s", at as f64 / 1000.0) }</span>{ text }</li>
                }) }
            </ol>
        </div>
    }
}

pub fn kind_class(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Fault => "fault",
        EventKind::Failover => "failover",
        EventKind::Lost => "lost",
        EventKind::Persistence => "persistence",
        EventKind::Note | EventKind::End => "note",
        EventKind::Pause => "pause",
        _ => "plain",
    }
}
