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
}
