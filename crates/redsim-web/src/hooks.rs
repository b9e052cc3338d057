//! Hooks over gloo's timers and listeners, and the one way a component turns a DOM event into an
//! action. Every timer and listener is dropped when its inputs change or its component goes, so no
//! component keeps a raw `set_timeout` handle or forgets a closure.

use gloo::events::EventListener;
use gloo::timers::callback::{Interval, Timeout};
use yew::prelude::*;

/// Runs `f` once, `ms` after `deps` (or `ms`) last changed; `None` sets no timer. A change before
/// it fires, or the component going away, cancels it.
#[hook]
pub fn use_timeout<D, F>(deps: D, ms: Option<u32>, f: F)
where
    D: PartialEq + 'static,
    F: FnOnce() + 'static,
{
    use_effect_with((deps, ms), move |(_, ms)| {
        let timer = ms.map(|ms| Timeout::new(ms, f));
        move || drop(timer)
    });
}

/// Calls `f` every `ms` while `ms` is `Some`. `f` is the one given when `ms` last changed, so it
/// should only send actions (a dispatcher does not change between renders).
#[hook]
pub fn use_interval<F>(ms: Option<u32>, f: F)
where
    F: Fn() + 'static,
{
    use_effect_with(ms, move |ms| {
        let timer = ms.map(|ms| Interval::new(ms, f));
        move || drop(timer)
    });
}

/// Calls `f` for every `event` on the window while the component lives.
#[hook]
pub fn use_window_event<F>(event: &'static str, f: F)
where
    F: Fn(&web_sys::Event) + 'static,
{
    use_effect_with(event, move |event| {
        let listener = web_sys::window().map(|window| EventListener::new(&window, *event, move |e| f(e)));
        move || drop(listener)
    });
}

/// A callback that sends `make(event)` to a reducer; `make` may return `None` (an `Option`) to send
/// nothing, e.g. when a field holds no number.
pub fn make_callback<R, E, O, F>(handle: &UseReducerHandle<R>, make: F) -> Callback<E>
where
    R: Reducible + 'static,
    O: Into<Option<R::Action>>,
    F: Fn(E) -> O + 'static,
{
    let dispatcher = handle.dispatcher();
    Callback::from(move |event: E| {
        if let Some(action) = make(event).into() {
            dispatcher.dispatch(action);
        }
    })
}

/// The value of the `<input>` or `<select>` an event came from.
pub fn field_value(e: &Event) -> String {
    let field: web_sys::HtmlInputElement = e.target_unchecked_into();
    field.value()
}
