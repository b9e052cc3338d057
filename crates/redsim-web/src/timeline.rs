//! Time travel: step back and forward through every command and clock move, or drag the slider.
//!
//! The timeline also owns the keyboard, in both the console and the scenario player, for a
//! presenter with a clicker as much as for a learner: Space plays and pauses, ← → (and PageUp,
//! PageDown, which clickers send) step, Home and End jump, `[` and `]` change the speed, `p`
//! toggles presenter mode (larger type, chrome hidden but the timeline), `f` full screen, `?` a
//! list of the keys. None fires while a text field has the focus; Escape leaves it.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::hooks::use_window_event;

/// The keys and what they do, for the help overlay.
pub const HOTKEYS: &[(&str, &str)] = &[
    ("Space", "Play or pause"),
    ("← or PageUp", "Step back"),
    ("→ or PageDown", "Step forward"),
    ("Home / End", "First / last step"),
    ("[ / ]", "Slower / faster (scenarios)"),
    ("p", "Presenter mode"),
    ("f", "Full screen"),
    ("?", "This list"),
    ("Esc", "Leave the command line, close this list"),
];

/// The class on `<html>` that presenter mode sets.
const PRESENTER: &str = "presenter";

fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

/// Whether presenter mode is on (it lives on `<html>`, so it outlasts a change of page).
pub fn presenting() -> bool {
    root().is_some_and(|r| r.class_list().contains(PRESENTER))
}

fn set_presenting(on: bool) {
    if let Some(r) = root() {
        let _ = if on { r.class_list().add_1(PRESENTER) } else { r.class_list().remove_1(PRESENTER) };
    }
}

fn toggle_fullscreen() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
    } else if let Some(r) = document.document_element() {
        let _ = r.request_fullscreen();
    }
}

/// Whether keys go to a text field rather than to the timeline.
fn typing_in(target: Option<web_sys::EventTarget>) -> Option<web_sys::HtmlElement> {
    let el = target?.dyn_into::<web_sys::HtmlElement>().ok()?;
    let tag = el.tag_name().to_ascii_lowercase();
    (matches!(tag.as_str(), "input" | "textarea" | "select") || el.is_content_editable()).then_some(el)
}

#[derive(Properties, PartialEq, Clone)]
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
    /// `[` and `]`: one speed slower (-1) or faster (+1), where there is a speed.
    #[prop_or_default]
    pub on_speed: Option<Callback<i32>>,
}

/// What the key listener reads: the latest props, the presenter and help states.
type Latest = (Rc<TimelineProps>, UseStateHandle<bool>, UseStateHandle<bool>);

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let presenter = use_state(presenting);
    let help = use_state(|| false);
    // The window's key listener is made once; it reads the props of the latest render.
    let latest: Rc<RefCell<Option<Latest>>> = use_mut_ref(|| None).clone();
    *latest.borrow_mut() = Some((Rc::new(props.clone()), presenter.clone(), help.clone()));
    {
        let latest = latest.clone();
        use_window_event("keydown", move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
            let Some((props, presenter, help)) = latest.borrow().clone() else { return };
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            if let Some(field) = typing_in(e.target()) {
                if e.key() == "Escape" {
                    let _ = field.blur();
                }
                return;
            }
            let forward_ok = props.forward_enabled.unwrap_or(props.shown < props.total);
            let handled = match e.key().as_str() {
                " " => {
                    props.on_play.emit(!props.playing);
                    true
                }
                "ArrowLeft" | "PageUp" if props.shown > 0 => {
                    props.on_back.emit(());
                    true
                }
                "ArrowRight" | "PageDown" if forward_ok => {
                    props.on_forward.emit(());
                    true
                }
                "Home" => {
                    props.on_seek.emit(0);
                    true
                }
                "End" => {
                    props.on_seek.emit(props.total);
                    true
                }
                "[" | "]" => {
                    if let Some(on_speed) = &props.on_speed {
                        on_speed.emit(if e.key() == "[" { -1 } else { 1 });
                    }
                    true
                }
                "p" | "P" => {
                    let on = !presenting();
                    set_presenting(on);
                    presenter.set(on);
                    true
                }
                "f" | "F" => {
                    toggle_fullscreen();
                    true
                }
                "?" => {
                    help.set(!*help);
                    true
                }
                "Escape" if *help => {
                    help.set(false);
                    true
                }
                _ => false,
            };
            if handled {
                e.prevent_default();
            }
        });
    }
    let toggle_presenter = {
        let presenter = presenter.clone();
        Callback::from(move |_: MouseEvent| {
            let on = !presenting();
            set_presenting(on);
            presenter.set(on);
        })
    };
    let close_help = {
        let help = help.clone();
        Callback::from(move |_: MouseEvent| help.set(false))
    };
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
            <button type="button" class="presenter-toggle" aria-label="Presenter mode" aria-pressed={presenter.to_string()} onclick={toggle_presenter}
                title="Presenter mode (p): larger type, only the timeline and the pictures">{ "Present" }</button>
            if *help {
                <div class="hotkeys" role="dialog" aria-label="Keyboard shortcuts">
                    <dl>
                        { for HOTKEYS.iter().map(|(key, what)| html! { <><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></> }) }
                    </dl>
                    <button type="button" onclick={close_help}>{ "Close" }</button>
                </div>
            }
        </div>
    }
}
