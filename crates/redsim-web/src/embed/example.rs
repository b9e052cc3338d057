//! `<redsim-example>`: a documentation page's redis-cli lines (or transcript) with Run, Step and
//! Reset, the replies as redis-cli prints them, a console to type more, and the pictures of what
//! the lines made. Each element is its own Redis: its own engine, one connection.
//!
//! A transcript (commands after `redis>` prompts, replies after them) runs on the clock its IDs
//! show, and a reply that is not the one the page shows is marked (`data-mismatch`) with the
//! page's beside it, so an author sees a stale example at a glance.

use std::rc::Rc;

use redsim_docs::{Example, Output};
use redsim_engine::Version;
use yew::prelude::*;

use crate::clock::Clock;
use crate::console::{console_props, pictures_props, AppAction, AppState, Console};
use crate::hooks::make_callback;
use crate::store::{Model, Store};
use crate::streams::StreamsPanel;

/// Which pictures an example draws (`pictures="..."`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pictures {
    /// Streams when the example has one, and the keys.
    #[default]
    Auto,
    Streams,
    Keys,
    None,
}

impl Pictures {
    pub fn parse(s: &str) -> Result<Pictures, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Pictures::Auto),
            "streams" => Ok(Pictures::Streams),
            "keys" => Ok(Pictures::Keys),
            "none" => Ok(Pictures::None),
            other => Err(format!("pictures=\"{other}\" is not one of auto, streams, keys, none")),
        }
    }
}

pub struct ExampleModel {
    pub console: AppState,
    pub example: Example,
    /// When the page ran each command (from the IDs its replies show).
    times: Vec<Option<u64>>,
    start_ms: u64,
    /// The next command of the example to run.
    pub next: usize,
}

pub enum ExampleAction {
    /// Runs every command not yet run.
    RunAll,
    /// Runs the next command.
    Step,
    /// Back to a fresh server, nothing run.
    Reset,
    /// What the console does: a typed line, the clock, the pictures.
    Console(AppAction),
}

impl ExampleModel {
    pub fn new(example: Example, version: Version, output: Output) -> ExampleModel {
        let times = redsim_docs::page_times(&example);
        let start_ms = redsim_docs::page_start_ms(&[&example]);
        let mut console = AppState::starting_at(version, start_ms);
        console.lone = true;
        console.output = output;
        ExampleModel { console, example, times, start_ms, next: 0 }
    }

    pub fn finished(&self) -> bool {
        self.next >= self.example.commands.len()
    }

    fn step(&mut self) {
        let Some(command) = self.example.commands.get(self.next) else { return };
        self.next += 1;
        if let Some(at) = self.times.get(self.next - 1).copied().flatten() {
            let now = self.console.session.now_ms();
            if at > now {
                self.console.apply(AppAction::Advance(at - now));
            }
        }
        let before = self.console.transcript.len();
        self.console.run_line(&command.text);
        let Some(expected) = &command.expected else { return };
        if let Some(entry) = self.console.transcript.get_mut(before) {
            if !redsim_docs::same_reply(&command.text, expected, &entry.output) {
                let mut marked = (**entry).clone();
                marked.page_differs = Some(expected.clone());
                *entry = Rc::new(marked);
            }
        }
    }
}

impl Model for ExampleModel {
    type Action = ExampleAction;

    fn apply(&mut self, action: ExampleAction) {
        match action {
            ExampleAction::RunAll => {
                while !self.finished() {
                    self.step();
                }
            }
            ExampleAction::Step => self.step(),
            ExampleAction::Reset => {
                let (version, output) = (self.console.version(), self.console.output);
                let history = std::mem::take(&mut self.console.history);
                self.console = AppState::starting_at(version, self.start_ms);
                self.console.history = history;
                self.console.lone = true;
                self.console.output = output;
                self.next = 0;
            }
            ExampleAction::Console(action) => self.console.apply(action),
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ExampleAppProps {
    /// The element's text: redis-cli lines or a transcript.
    pub text: String,
    pub version: Version,
    #[prop_or_default]
    pub output: Output,
    #[prop_or_default]
    pub pictures: Pictures,
    /// Run every line at once when the element is mounted (it is mounted as it nears the viewport).
    #[prop_or_default]
    pub autorun: bool,
    /// A title for the example (Redis Insight's fence label).
    #[prop_or_default]
    pub label: Option<String>,
    /// Where "Open in Redsim" goes: the full app, with these lines in its link.
    #[prop_or_default]
    pub open_url: Option<String>,
    /// Something about the element's attributes the author should know (an unknown version).
    #[prop_or_default]
    pub notice: Option<String>,
}

pub type ExampleHandle = UseReducerHandle<Store<ExampleModel>>;

#[function_component(ExampleApp)]
pub fn example_app(props: &ExampleAppProps) -> Html {
    let (text, version, output) = (props.text.clone(), props.version, props.output);
    let store = use_reducer(move || Store::new(ExampleModel::new(redsim_docs::parse(&text), version, output)));
    {
        let dispatcher = store.dispatcher();
        use_effect_with(props.autorun, move |&autorun| {
            if autorun {
                dispatcher.dispatch(ExampleAction::RunAll);
            }
        });
    }
    let model = store.get();
    let console =
        console_props(&model.console, make_callback(&store, |line| ExampleAction::Console(AppAction::Run(line))));
    let mut pictures = pictures_props(
        &model.console,
        make_callback(&store, |key| ExampleAction::Console(AppAction::SelectStream(key))),
        make_callback(&store, |window| ExampleAction::Console(AppAction::NodeWindow(window))),
    );
    (pictures.show_keys, pictures.show_streams) = match props.pictures {
        Pictures::Auto => (true, pictures.stream_total > 0),
        Pictures::Streams => (false, true),
        Pictures::Keys => (true, false),
        Pictures::None => (false, false),
    };
    let label = props.label.clone().unwrap_or_else(|| "Redis example".to_string());
    let ran = model.next;
    let elapsed_ms = model.console.elapsed_ms();
    let mismatches = model.console.transcript.iter().filter(|e| e.page_differs.is_some()).count();
    html! {
        <section class="redsim-example" aria-label={label.clone()}>
            <div class="example-bar" role="group" aria-label="Example controls">
                if let Some(title) = &props.label {
                    <strong class="example-title">{ title }</strong>
                }
                <button type="button" class="run" disabled={model.finished()} title="Run every line"
                    onclick={make_callback(&store, |_: MouseEvent| ExampleAction::RunAll)}>{ "Run" }</button>
                <button type="button" class="step" disabled={model.finished()} title="Run the next line"
                    onclick={make_callback(&store, |_: MouseEvent| ExampleAction::Step)}>{ "Step" }</button>
                <button type="button" class="reset" title="Start again on a fresh server"
                    onclick={make_callback(&store, |_: MouseEvent| ExampleAction::Reset)}>{ "Reset" }</button>
                <span class="version" title="Redis version this example behaves like">{ format!("Redis {}", model.console.version().full()) }</span>
                <Clock {elapsed_ms} on_advance={make_callback(&store, |ms| ExampleAction::Console(AppAction::Advance(ms)))} />
                if let Some(url) = &props.open_url {
                    <a class="open-full" href={url.clone()} target="_blank" rel="noopener">{ "Open in Redsim ↗" }</a>
                }
            </div>
            if let Some(notice) = &props.notice {
                <p class="notice" role="alert">{ notice }</p>
            }
            if mismatches > 0 {
                <p class="notice mismatch-summary" role="status">
                    { format!("{mismatches} {} not what this page shows: marked below.", if mismatches == 1 { "reply is" } else { "replies are" }) }
                </p>
            }
            <ol class="example-lines" aria-label="Commands">
                { for model.example.commands.iter().enumerate().map(|(i, c)| html! {
                    <li class={classes!(if i < ran { "ran" } else if i == ran { "next" } else { "pending" })}
                        aria-current={(i == ran).then_some("step")}>
                        <code>{ &c.text }</code>
                    </li>
                }) }
            </ol>
            <div class="example-body">
                <Console ..console />
                if pictures.show_keys || pictures.show_streams {
                    <StreamsPanel ..pictures />
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> ExampleModel {
        ExampleModel::new(redsim_docs::parse(text), Version::LATEST, Output::Tty)
    }

    #[test]
    fn step_runs_one_line_run_the_rest_reset_starts_over() {
        let mut m = model("# make a stream\nXADD orders * item book\nXLEN orders\nGET \"unbalanced\n");
        m.apply(ExampleAction::Step);
        assert_eq!((m.next, m.console.transcript.len()), (1, 1));
        assert_eq!(m.console.transcript[0].line, "XADD orders * item book");
        m.apply(ExampleAction::RunAll);
        assert!(m.finished());
        let outputs: Vec<&str> = m.console.transcript.iter().map(|e| e.output.as_str()).collect();
        assert_eq!(outputs[1..], ["(integer) 1\n", "Invalid argument(s)\n"]);
        m.apply(ExampleAction::Console(AppAction::Run("XLEN orders".into())));
        assert_eq!(m.console.transcript.last().unwrap().output, "(integer) 1\n", "typed lines run on the same server");
        m.apply(ExampleAction::Reset);
        assert_eq!((m.next, m.console.transcript.len(), m.console.step_count()), (0, 0, 0));
        assert_eq!(m.console.history.len(), 4, "the history (Up, Down) stays");
    }

    #[test]
    fn a_transcript_marks_the_replies_the_page_has_wrong() {
        let mut m = model(
            "redis> XADD race * rider Castilla\n\"1692632086370-0\"\nredis> XLEN race\n(integer) 2\nredis> XLEN race\n(integer) 1\n",
        );
        m.apply(ExampleAction::RunAll);
        let t = &m.console.transcript;
        assert_eq!(t[0].output, "\"1692632086370-0\"\n", "the page's clock, so the page's ID");
        assert_eq!((t[0].page_differs.clone(), t[2].page_differs.clone()), (None, None));
        assert_eq!(t[1].page_differs.as_deref(), Some("(integer) 2\n"));
        assert_eq!(m.console.elapsed_ms(), 0);
    }

    #[test]
    fn a_lone_connection_waits_out_a_blocking_read() {
        let mut m = model("XREAD BLOCK 2000 STREAMS s $\nPING\n");
        m.apply(ExampleAction::RunAll);
        let t = &m.console.transcript;
        assert_eq!(t[0].output, "(nil)\n(answered after waiting 2 s of virtual time)\n");
        assert_eq!(t[1].output, "PONG\n");
        assert_eq!(m.console.elapsed_ms(), 2000);
    }

    #[test]
    fn raw_output_as_redis_insight_shows_it() {
        let mut m = ExampleModel::new(redsim_docs::parse("RPUSH l a b\nLRANGE l 0 -1\n"), Version::LATEST, Output::Raw);
        m.apply(ExampleAction::RunAll);
        assert_eq!(m.console.transcript[1].output, "a\nb\n");
    }

    #[test]
    fn pictures_attribute() {
        assert_eq!(Pictures::parse("Streams"), Ok(Pictures::Streams));
        assert_eq!(Pictures::parse(""), Ok(Pictures::Auto));
        assert!(Pictures::parse("all").unwrap_err().contains("auto, streams, keys, none"));
    }
}
