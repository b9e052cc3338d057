//! The console app: a redis-cli session over the engine, with the clock, the client picker, the
//! timeline and the pictures of what the session holds.
//!
//! `ConsoleApp` owns the store (`state::AppState` in a `Store`) and hands its handle down in a
//! context; each part of the page takes what it draws from the model and sends actions back.

mod header;
pub mod state;
pub mod terminal;

use yew::prelude::*;

use crate::changes::{describe, touched_ids};
use crate::hooks::{make_callback, use_timeout, use_window_event};
use crate::keep;
use crate::store::Store;
use crate::streams::StreamsPanel;
use crate::view;
pub use state::{AppAction, AppState, TranscriptEntry, CLIENT_NAMES};
pub use terminal::{Console, ConsoleProps};

/// The console's store, as components find it in their context.
pub type ConsoleHandle = UseReducerHandle<Store<AppState>>;

/// How long after the last change the session is saved.
const AUTOSAVE_DELAY_MS: u32 = 300;

/// How long Play shows each step.
const PLAY_STEP_MS: u32 = 700;

/// Transcript lines the console draws at most.
const CONSOLE_LINES: usize = 120;

#[derive(Properties, PartialEq)]
pub struct ConsoleAppProps {
    /// In an `<iframe>` of a documentation page (`?embed`): no session tools, never saved.
    #[prop_or_default]
    pub embed: bool,
    /// The scenario picker, drawn in the header.
    #[prop_or_default]
    pub picker: Html,
}

#[function_component(ConsoleApp)]
pub fn console_app(props: &ConsoleAppProps) -> Html {
    let store = use_reducer(|| Store::new(AppState::default()));
    {
        // On first render: open a shared link, or the session saved in this browser.
        let store = store.clone();
        use_effect_with((), move |_| {
            if let Some(action) = keep::startup_action() {
                store.dispatch(action);
            }
        });
    }
    let (changed, shown, playing) = {
        let model = store.get();
        ((model.step_count(), model.transcript.len()), model.shown_step(), model.playing)
    };
    {
        // Save shortly after the last change rather than after every step (a long session is a
        // large text), and at once when the page is hidden or closed, so nothing is lost.
        let saving = store.clone();
        use_timeout(changed, Some(AUTOSAVE_DELAY_MS), move || keep::autosave(&saving.get()));
        let hiding = store.clone();
        use_window_event("pagehide", move |_| keep::autosave(&hiding.get()));
    }
    {
        let dispatcher = store.dispatcher();
        use_timeout((shown, playing), playing.then_some(PLAY_STEP_MS), move || {
            dispatcher.dispatch(AppAction::PlayTick)
        });
    }
    html! {
        <ContextProvider<ConsoleHandle> context={store.clone()}>
            <div class={classes!("app", props.embed.then_some("embed"))}>
                <header::ConsoleHeader embed={props.embed} picker={props.picker.clone()} />
                <Notices />
                <main class="panels">
                    <ConsolePane />
                    <PicturesPane />
                </main>
            </div>
        </ContextProvider<ConsoleHandle>>
    }
}

/// A message for the user, and the banner shown while an earlier step is on screen.
#[function_component(Notices)]
fn notices() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let model = store.get();
    let on_dismiss = make_callback(&store, |_: MouseEvent| AppAction::DismissNotice);
    html! {
        <>
            if let Some(notice) = &model.notice {
                <p class="notice" role="alert">
                    { notice }
                    <button type="button" class="dismiss" aria-label="Dismiss" onclick={on_dismiss}>{ "×" }</button>
                </p>
            }
            if model.cursor.is_some() {
                <p class="history-banner" role="status">
                    { format!("Showing step {} of {}. Typing a command here drops the steps after it.",
                        model.shown_step(), model.step_count()) }
                </p>
            }
        </>
    }
}

/// The transcript up to the shown step and the input line.
#[function_component(ConsolePane)]
fn console_pane() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let model = store.get();
    let world = model.shown_world();
    let shown = model.shown_step();
    // The console draws the newest lines up to the shown step; a long session stays fast.
    let upto = model.transcript.partition_point(|e| e.step <= shown);
    let first = upto.saturating_sub(CONSOLE_LINES);
    html! {
        <Console
            waiting={view::waiting(&world, model.client)}
            transcript={model.transcript[first..upto].to_vec()}
            hidden={first}
            history={model.history.clone()}
            prompt={model.prompt()}
            on_run={make_callback(&store, AppAction::Run)}
        />
    }
}

/// The pictures of the shown step: what changed, the keys, the selected stream.
#[function_component(PicturesPane)]
fn pictures_pane() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let model = store.get();
    let world = model.shown_world();
    let pictures = view::console_pictures(&world, model.client, model.selected_stream.as_deref(), model.node_window);
    let effects = model.shown_effects();
    html! {
        <StreamsPanel keys={pictures.keys} samples={model.samples.clone()} shown_step={model.shown_step()}
            streams={pictures.streams} stream_total={pictures.stream_total} selected={model.selected_stream.clone()}
            on_select={make_callback(&store, AppAction::SelectStream)} changes={describe(effects)}
            touched={touched_ids(effects)} on_window={make_callback(&store, AppAction::NodeWindow)} />
    }
}
