//! Time travel: step back and forward through every command and clock move, or drag the slider.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// The step shown and how many there are.
    pub shown: usize,
    pub total: usize,
    pub on_back: Callback<()>,
    pub on_forward: Callback<()>,
    pub on_seek: Callback<usize>,
    pub playing: bool,
    pub on_play: Callback<bool>,
    /// Whether Step forward can go on past the last step (a scenario computes its next one).
    #[prop_or_default]
    pub forward_enabled: Option<bool>,
}

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let on_back = props.on_back.reform(|_: MouseEvent| ());
    let on_forward = props.on_forward.reform(|_: MouseEvent| ());
    let on_seek = {
        let on_seek = props.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            let slider: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(step) = slider.value().parse() {
                on_seek.emit(step);
            }
        })
    };
    let toggle = {
        let (on_play, playing) = (props.on_play.clone(), props.playing);
        Callback::from(move |_: MouseEvent| on_play.emit(!playing))
    };
    html! {
        <div class="timeline" role="group" aria-label="Timeline">
            if props.playing {
                <button type="button" aria-label="Pause" title="Pause" onclick={toggle}>{ "❚❚" }</button>
            } else {
                <button type="button" aria-label="Play" title="Play from the shown step" disabled={props.total == 0 && props.forward_enabled != Some(true)} onclick={toggle}>{ "▷" }</button>
            }
            <button type="button" aria-label="Step back" title="Step back" disabled={props.shown == 0} onclick={on_back}>{ "◀" }</button>
            <input type="range" aria-label="Step" min="0" max={props.total.to_string()} value={props.shown.to_string()}
                oninput={on_seek} disabled={props.total == 0} />
            <button type="button" aria-label="Step forward" title="Step forward" disabled={props.forward_enabled.map_or(props.shown >= props.total, |enabled| !enabled)} onclick={on_forward}>{ "▶" }</button>
            <output class="step-readout" aria-label="Shown step">{ format!("step {} / {}", props.shown, props.total) }</output>
        </div>
    }
}
