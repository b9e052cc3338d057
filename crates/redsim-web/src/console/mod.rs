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
pub use state::{AppAction, AppState, Open, TranscriptEntry, CLIENT_NAMES};
pub use terminal::{Console, ConsoleProps};

/// The console's store, as components find it in their context.
pub type ConsoleHandle = UseReducerHandle<Store<AppState>>;

/// How long after the last change the session is saved.
const AUTOSAVE_DELAY_MS: u32 = 300;

const SAVE_FAILED: &str = "This browser did not let Redsim save the session (its storage is full or blocked): \
                           Export it or Share a link to keep it.";

/// How long Play shows each step.
const PLAY_STEP_MS: u32 = 700;

/// Transcript lines the console draws at most.
const CONSOLE_LINES: usize = 120;

/// What the console opens with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opening {
    /// The session saved in this browser (none in embed mode).
    Saved,
    /// A link still being read: open nothing yet, save nothing.
    Pending,
    /// A link's session or commands.
    Open(Open),
    /// A link that cannot be read, and why; at startup the saved session opens instead.
    Failed { why: String, startup: bool },
}

#[derive(Properties, PartialEq)]
pub struct ConsoleAppProps {
    /// In an `<iframe>` of a documentation page (`?embed`): no session tools, never saved.
    #[prop_or_default]
    pub embed: bool,
    /// The scenario picker, drawn in the header.
    #[prop_or_default]
    pub picker: Html,
    #[prop_or(Opening::Saved)]
    pub opening: Opening,
}

#[function_component(ConsoleApp)]
pub fn console_app(props: &ConsoleAppProps) -> Html {
    let store = use_reducer(|| Store::new(AppState::default()));
    {
        let dispatcher = store.dispatcher();
        let embed = props.embed;
        use_effect_with(props.opening.clone(), move |opening| {
            let saved = || keep::saved_session().filter(|_| !embed);
            let load_saved = |dispatcher: &UseReducerDispatcher<Store<AppState>>| {
                if let Some(text) = saved() {
                    dispatcher.dispatch(AppAction::Load { text, source: "saved session" });
                    // A session from a link, with the reader's own kept aside: the way back stays.
                    if keep::saved_from_link() {
                        dispatcher.dispatch(AppAction::FromLink(true));
                        dispatcher.dispatch(AppAction::KeptBeforeLink(keep::previous_session().is_some()));
                    }
                }
            };
            match opening.clone() {
                Opening::Saved => load_saved(&dispatcher),
                Opening::Pending => {}
                Opening::Open(open) => {
                    dispatcher.dispatch(AppAction::KeptBeforeLink(keep::keep_before_link()));
                    dispatcher.dispatch(AppAction::Open(open));
                }
                Opening::Failed { why, startup } => {
                    if startup {
                        load_saved(&dispatcher);
                    }
                    dispatcher.dispatch(AppAction::Notify(format!(
                        "The link could not be opened: {why}. Your current session is unchanged."
                    )));
                }
            }
        });
    }
    let pending = props.opening == Opening::Pending;
    let (changed, shown, playing) = {
        let model = store.get();
        ((model.step_count(), model.transcript.len()), model.shown_step(), model.playing)
    };
    {
        // Save shortly after the last change rather than after every step (a long session is a
        // large text), and at once when the page is hidden or closed, so nothing is lost.
        // A browser that refuses (storage full or blocked) is said once, not at every step.
        let warned = use_mut_ref(|| false);
        let saving = store.clone();
        use_timeout(changed, (!pending).then_some(AUTOSAVE_DELAY_MS), move || {
            let failed = keep::autosave(&saving.get()).is_err();
            if failed && !warned.replace(true) {
                saving.dispatch(AppAction::Notify(SAVE_FAILED.into()));
            }
        });
        let hiding = store.clone();
        use_window_event("pagehide", move |_| {
            let _ = keep::autosave(&hiding.get());
        });
        // And when the console gives way to a scenario, unless it never opened anything yet.
        let leaving = store.clone();
        let opened = use_mut_ref(|| false);
        *opened.borrow_mut() = !pending;
        use_effect_with((), move |_| {
            move || {
                if *opened.borrow() {
                    let _ = keep::autosave(&leaving.get());
                }
            }
        });
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
            if model.kept_before_link {
                <KeptSession />
            }
            if model.cursor.is_some() {
                <p class="history-banner" role="status">
                    { format!("Showing step {} of {}. Typing a command here starts a branch (the later steps stay on the other one).",
                        model.shown_step(), model.step_count()) }
                </p>
            }
        </>
    }
}

/// After a link replaced the reader's session: it was kept, and here is the way back to it.
#[function_component(KeptSession)]
fn kept_session() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let on_restore = make_callback(&store, |_: MouseEvent| {
        keep::previous_session().map(|text| AppAction::Load { text, source: "session kept from before the link" })
    });
    html! {
        <p class="notice kept" role="status">
            { "This is the session from the link. Yours from before is kept in this browser. " }
            <button type="button" onclick={on_restore}>{ "Go back to my session" }</button>
            <button type="button" class="dismiss" aria-label="Dismiss" onclick={make_callback(&store, |_: MouseEvent| AppAction::KeptBeforeLink(false))}>{ "×" }</button>
        </p>
    }
}

/// The transcript up to the shown step and the input line.
#[function_component(ConsolePane)]
fn console_pane() -> Html {
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let props = console_props(&store.get(), make_callback(&store, AppAction::Run));
    html! { <Console ..props /> }
}

/// The pictures of the shown step: what changed, the keys, the selected stream.
#[function_component(PicturesPane)]
fn pictures_pane() -> Html {
    let last_shown = use_mut_ref(|| None::<usize>);
    let Some(store) = use_context::<ConsoleHandle>() else { return Html::default() };
    let mut props = pictures_props(
        &store.get(),
        make_callback(&store, AppAction::SelectStream),
        make_callback(&store, AppAction::NodeWindow),
    );
    // A step reached by going forward one moves; one reached by going back or jumping is shown
    // as it is at once.
    let shown = props.shown_step;
    let previous = last_shown.replace(Some(shown));
    if previous.is_none_or(|p| p + 1 != shown && p != shown) {
        props.touched = props.touched.still();
    }
    html! { <StreamsPanel ..props /> }
}

/// What the console draws of a session at its shown step: the newest transcript lines up to that
/// step (a long session stays fast) and the input line.
pub fn console_props(model: &AppState, on_run: Callback<String>) -> ConsoleProps {
    let world = model.shown_world();
    let shown = model.shown_step();
    let upto = model.transcript.partition_point(|e| e.step <= shown);
    let first = upto.saturating_sub(CONSOLE_LINES);
    ConsoleProps {
        waiting: view::waiting(&world, model.client),
        transcript: model.transcript[first..upto].to_vec(),
        hidden: first,
        history: model.history.clone(),
        prompt: model.prompt(),
        on_run,
    }
}

/// The pictures of a session at its shown step: what changed, the keys, the selected stream.
pub fn pictures_props(
    model: &AppState,
    on_select: Callback<String>,
    on_window: Callback<Option<usize>>,
) -> crate::streams::StreamsPanelProps {
    let world = model.shown_world();
    let pictures = view::console_pictures(&world, model.client, model.selected_stream.as_deref(), model.node_window);
    let effects = model.shown_effects();
    crate::streams::StreamsPanelProps {
        keys: pictures.keys,
        samples: model.samples.clone(),
        shown_step: model.shown_step(),
        streams: pictures.streams,
        stream_total: pictures.stream_total,
        selected: model.selected_stream.clone(),
        on_select,
        changes: describe(effects),
        touched: touched_ids(effects),
        search: crate::changes::vector_search(effects),
        on_window,
        show_keys: true,
        show_streams: true,
    }
}
