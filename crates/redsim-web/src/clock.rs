//! The virtual clock readout and the buttons that move it forward.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClockProps {
    pub elapsed_ms: u64,
    pub on_advance: Callback<u64>,
}

/// Jumps offered next to the clock, in milliseconds.
const JUMPS: [(u64, &str); 3] = [(100, "+100 ms"), (1_000, "+1 s"), (60_000, "+1 min")];

/// `hh:mm:ss.mmm` since the session started.
pub fn format_elapsed(ms: u64) -> String {
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}.{milli:03}")
}

/// A span of virtual time in words: `250 ms`, `1.5 s`, `2 min 5 s`.
pub fn format_duration(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 if ms.is_multiple_of(1000) => format!("{} s", ms / 1000),
        1_000..=59_999 => format!("{} s", ms as f64 / 1000.0),
        _ if ms.is_multiple_of(60_000) => format!("{} min", ms / 60_000),
        _ => format!("{} min {}", ms / 60_000, format_duration(ms % 60_000)),
    }
}

#[function_component(Clock)]
pub fn clock(props: &ClockProps) -> Html {
    html! {
        <div class="clock">
            <output class="clock-readout" aria-label="Virtual time" title="Virtual time since the session started">
                { format_elapsed(props.elapsed_ms) }
            </output>
            { for JUMPS.iter().map(|&(ms, label)| {
                let on_advance = props.on_advance.clone();
                html! {
                    <button type="button" class="jump" aria-label={format!("Advance time {label}")}
                        onclick={Callback::from(move |_| on_advance.emit(ms))}>{ label }</button>
                }
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_format() {
        assert_eq!(format_elapsed(0), "00:00:00.000");
        assert_eq!(format_elapsed(3_723_004), "01:02:03.004");
    }

    #[test]
    fn durations_in_words() {
        let words: Vec<String> = [250, 1000, 1500, 60_000, 125_000, 61_500].into_iter().map(format_duration).collect();
        assert_eq!(words, ["250 ms", "1 s", "1.5 s", "1 min", "2 min 5 s", "1 min 1.5 s"]);
    }
}
