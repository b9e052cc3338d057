//! Stream length, PEL size and group lag across the session's steps, as three lines in a small
//! SVG chart with a marker at the step shown.

use std::rc::Rc;

use yew::prelude::*;

use crate::view::StreamSample;

/// Points drawn per line at most; longer sessions are sampled evenly.
const MAX_POINTS: usize = 400;
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 90.0;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub stream_key: String,
    pub samples: Vec<Rc<[StreamSample]>>,
    pub shown: usize,
}

/// One line's SVG points; steps where the value is unknown (lag `nil`) break the line.
pub fn polylines(values: &[Option<f64>], max: f64) -> Vec<String> {
    let n = values.len().max(2) - 1;
    let mut lines = Vec::new();
    let mut current = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let x = i as f64 / n as f64 * WIDTH;
                let y = HEIGHT - v / max.max(1.0) * (HEIGHT - 4.0) - 2.0;
                current.push_str(&format!("{x:.1},{y:.1} "));
            }
            None if !current.is_empty() => lines.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let total = props.samples.len();
    if total < 2 {
        return html! {};
    }
    let stride = total.div_ceil(MAX_POINTS);
    let picked: Vec<&Rc<[StreamSample]>> = props.samples.iter().step_by(stride).collect();
    let of = |f: fn(&StreamSample) -> Option<f64>| -> Vec<Option<f64>> {
        picked.iter().map(|step| step.iter().find(|s| s.key == props.stream_key).and_then(f)).collect()
    };
    let length = of(|s| Some(s.length as f64));
    let pending = of(|s| Some(s.pending as f64));
    let lag = of(|s| s.lag.map(|l| l as f64));
    let max = [&length, &pending, &lag].iter().flat_map(|v| v.iter().flatten()).fold(0.0f64, |a, &b| a.max(b));
    let marker = (props.shown.saturating_sub(1)) as f64 / (total - 1).max(1) as f64 * WIDTH;
    let last = |v: &[Option<f64>]| v.last().copied().flatten().map_or("nil".to_string(), |x| x.to_string());
    let series = [("length", "line-length", &length), ("pending", "line-pending", &pending), ("lag", "line-lag", &lag)];
    html! {
        <figure class="chart" aria-label={format!("{} over {total} steps", props.stream_key)}>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none" role="img"
                aria-label={format!("Length, pending entries and lag of {} across {total} steps; now length {}, pending {}, lag {}",
                    props.stream_key, last(&length), last(&pending), last(&lag))}>
                { for series.iter().flat_map(|(_, class, values)| {
                    polylines(values, max).into_iter().map(move |points| html! { <polyline class={*class} points={points} /> })
                }) }
                <line class="marker" x1={format!("{marker:.1}")} x2={format!("{marker:.1}")} y1="0" y2={HEIGHT.to_string()} />
            </svg>
            <figcaption>
                { for series.iter().map(|(name, class, _)| html! { <span class={classes!("key", *class)}>{ *name }</span> }) }
                <span class="quiet">{ format!("max {max} · {total} steps") }</span>
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_break_the_line() {
        let lines = polylines(&[Some(0.0), Some(10.0), None, Some(5.0)], 10.0);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("0.0,88.0 200.0,2.0"), "{}", lines[0]);
        assert_eq!(polylines(&[None, None], 1.0).len(), 0);
    }
}
