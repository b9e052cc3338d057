//! Consumer groups: the group's position and lag, a lane per consumer holding its pending
//! entries, and the group's PEL as a table sortable by idle time and delivery count.

use yew::prelude::*;

use crate::view::{sorted_pel, GroupView, PelOrder, StreamView, LANE_CHIPS, PEL_ROWS, POISON_DELIVERIES};

#[derive(Properties, PartialEq)]
pub struct GroupsProps {
    pub stream: StreamView,
    pub touched: crate::changes::Touched,
}

#[function_component(Groups)]
pub fn groups(props: &GroupsProps) -> Html {
    if props.stream.groups.is_empty() {
        return html! {};
    }
    html! {
        <div class="groups">
            { for props.stream.groups.iter().map(|g| html! { <GroupCard group={g.clone()} touched={props.touched.clone()} /> }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct GroupCardProps {
    group: GroupView,
    touched: crate::changes::Touched,
}

fn or_nil(v: Option<i64>) -> String {
    v.map_or_else(|| "nil".to_string(), |n| n.to_string())
}

#[function_component(GroupCard)]
fn group_card(props: &GroupCardProps) -> Html {
    let order = use_state(PelOrder::default);
    let g = &props.group;
    let sort_button = |label: &'static str, value: PelOrder| {
        let order = order.clone();
        let pressed = *order == value;
        html! {
            <button type="button" aria-pressed={pressed.to_string()} class={classes!("sort", pressed.then_some("active"))}
                onclick={Callback::from(move |_| order.set(value))}>{ label }</button>
        }
    };
    html! {
        <section class="group" data-group={g.name.clone()} data-last-delivered-id={g.last_delivered_id.clone()}
            data-entries-read={or_nil(g.entries_read)} data-lag={or_nil(g.lag)} aria-label={format!("Group {}", g.name)}>
            <header class="group-head">
                <h3>{ format!("group {}", g.name) }</h3>
                <span>{ "last-delivered-id " }<b>{ &g.last_delivered_id }</b></span>
                <span>{ "entries-read " }<b>{ or_nil(g.entries_read) }</b></span>
                <span title="entries added to the stream that the group has not read yet; nil when Redis cannot tell">
                    { "lag " }<b>{ or_nil(g.lag) }</b></span>
            </header>
            <div class="lanes">
                { for g.consumers.iter().map(|c| {
                    let acked = props.touched.acked_by(&g.name, &c.name);
                    let leaving = props.touched.moving().then_some("leaving");
                    html! {
                    <div class="lane" data-consumer-lane={c.name.clone()}>
                        <span class="lane-name">{ &c.name }<small>{ format!(" idle {} ms", c.idle_ms) }</small></span>
                        <ol class="lane-entries">
                            if c.pending.is_empty() && acked.is_empty() { <li class="quiet">{ "nothing pending" }</li> }
                            { for c.pending.iter().take(LANE_CHIPS).map(|p| html! {
                                <li class={classes!("pending-chip", p.poison.then_some("poison"), props.touched.contains(&p.id).then_some("fresh"), props.touched.pending_classes(&p.id))}
                                    title={format!("{} · delivered {} time(s) · idle {} ms", p.id, p.delivery_count, p.idle_ms)}>
                                    { &p.id }<small>{ format!(" ×{}", p.delivery_count) }</small>
                                </li>
                            }) }
                            if c.pending_total > LANE_CHIPS {
                                <li class="quiet more">{ format!("+{} more", c.pending_total - LANE_CHIPS) }</li>
                            }
                            { for acked.iter().map(|id| html! {
                                <li class={classes!("pending-chip", "acked", leaving)} data-acked-id={id.clone()}
                                    title={format!("{id} acknowledged: it leaves the lane and the PEL")}>
                                    { id }<small>{ " ✓" }</small>
                                </li>
                            }) }
                        </ol>
                    </div>
                    }
                }) }
            </div>
            if !g.pel.is_empty() {
                <div class="pel">
                    <div class="pel-tools">
                        <span>{ format!("PEL · {} pending", g.pel_total) }</span>
                        { sort_button("by ID", PelOrder::Id) }
                        { sort_button("by idle", PelOrder::IdleDescending) }
                        { sort_button("by deliveries", PelOrder::DeliveriesDescending) }
                    </div>
                    <table>
                        <caption class="visually-hidden">{ format!("Pending entries of group {}", g.name) }</caption>
                        <thead><tr><th scope="col">{ "ID" }</th><th scope="col">{ "consumer" }</th>
                            <th scope="col">{ "idle ms" }</th><th scope="col">{ "deliveries" }</th></tr></thead>
                        <tbody>
                            { for sorted_pel(&g.pel, *order).iter().take(PEL_ROWS).map(|p| html! {
                                <tr class={classes!(p.poison.then_some("poison"))} data-pel-id={p.id.clone()}
                                    data-consumer={p.consumer.clone()} data-delivery-count={p.delivery_count.to_string()}>
                                    <td>{ &p.id }</td><td>{ &p.consumer }</td><td>{ p.idle_ms }</td>
                                    <td>{ p.delivery_count }
                                        if p.poison { <span class="poison-flag" title={format!("delivered {POISON_DELIVERIES}+ times: possibly a poison message")}>{ " ⚠" }</span> }
                                    </td>
                                </tr>
                            }) }
                            if g.pel_total > PEL_ROWS {
                                <tr class="more"><td colspan="4" class="quiet">
                                    { format!("… {} more pending entries (the table lists the first {PEL_ROWS} in this order)", g.pel_total - PEL_ROWS) }
                                </td></tr>
                            }
                        </tbody>
                    </table>
                </div>
            }
        </section>
    }
}
