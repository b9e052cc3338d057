//! The console session and the one place that changes it (`Model::apply`). Plain Rust: no DOM, so
//! native tests reach every rule the console follows.

use std::rc::Rc;

use redsim_engine::cli::{format_reply_for, split_args, INVALID_ARGUMENTS};
use redsim_engine::Version;
use redsim_sim::{Session, World};

use crate::store::Model;

/// The clients a new session starts with; the user picks which one types.
pub const CLIENT_NAMES: [&str; 3] = ["client-1", "client-2", "client-3"];

/// Oldest history entries are dropped past this many.
pub const HISTORY_LIMIT: usize = 500;

/// One command and what the console printed for it (`Eq`: shared entries compare by pointer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptEntry {
    /// How many steps the session had once this was printed: the entry belongs to that moment.
    pub step: usize,
    pub client: String,
    pub prompt: String,
    pub line: String,
    pub output: String,
    pub is_error: bool,
    /// For a command of a documentation page's transcript: the reply the page shows, when it is
    /// not this one.
    pub page_differs: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub session: Session,
    /// Shared entries: the state is copied on every action, and this grows with the session.
    pub transcript: Vec<Rc<TranscriptEntry>>,
    /// Lines typed, oldest first, without consecutive duplicates (as redis-cli's linenoise keeps).
    pub history: Vec<Rc<str>>,
    /// Index into `CLIENT_NAMES` of the client that runs the next line.
    pub client: usize,
    /// The stream key the pictures show (the newest stream when unset or gone).
    pub selected_stream: Option<String>,
    /// The first node drawn of the selected stream (`None`: the newest nodes).
    pub node_window: Option<usize>,
    /// When stepping back: how many steps are shown. `None` follows the latest step.
    pub cursor: Option<usize>,
    /// A message for the user (a session that could not be opened, a link made).
    pub notice: Option<String>,
    /// What a link opened, for Restart.
    pub opened: Option<Open>,
    /// The session came from someone's link, not from the reader's own typing (so it is not kept
    /// aside when another link replaces it).
    pub from_link: bool,
    /// The reader's own session was kept aside when a link replaced it: offer to go back to it.
    pub kept_before_link: bool,
    /// Play is replaying the steps after the shown one. Only while a past step is shown: it stops
    /// on reaching the latest.
    pub playing: bool,
    /// Each step's line of the saved text, encoded once when the step is taken: saving after
    /// every step then costs a concatenation, not re-encoding the whole session.
    saved_lines: Vec<Rc<str>>,
    /// Each step's stream numbers (index = step - 1), recorded as steps are taken, for the charts.
    pub samples: Vec<Rc<[crate::view::StreamSample]>>,
    /// An example's lone connection: a command that blocks waits out its timeout, as redis-cli
    /// alone would (nobody else can write).
    pub lone: bool,
    /// How replies print: as redis-cli on a terminal, or `--raw`.
    pub output: redsim_docs::Output,
    /// The other branches of the timeline: where each leaves this one (a step) and the lines of
    /// the steps it went on with. Typing at a past step keeps the later steps here.
    pub branches: Vec<(usize, Vec<Rc<str>>)>,
}

/// What a link (or an embedding page) opens in the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Open {
    /// A whole session's text (`saved`).
    Session(String),
    /// Redis-cli lines (`#` and `//` lines are comments) run in a fresh session of `version`.
    Commands { text: String, version: Version },
}

pub enum AppAction {
    /// Runs what was typed or pasted: each non-empty line in order.
    Run(String),
    /// Opens a link's session or commands in place of the current session; if it cannot be read,
    /// says why and keeps the current one. `Restart` goes back to it.
    Open(Open),
    /// Back to what the last `Open` opened (or to an empty session).
    Restart,
    /// Whether the reader's own session was kept aside when a link replaced it.
    KeptBeforeLink(bool),
    /// Whether the session came from a link.
    FromLink(bool),
    SelectClient(usize),
    SelectStream(String),
    /// Page the selected stream's nodes (`None` goes back to the newest).
    NodeWindow(Option<usize>),
    /// Shows the state one step earlier (or later); typing there starts a new branch.
    StepBack,
    StepForward,
    /// Shows the state after this many steps.
    Seek(usize),
    /// Play (from the shown step; from the first when the latest is shown) or pause.
    Play(bool),
    /// Play's next step.
    PlayTick,
    /// Replaces the session with one saved as text; if it cannot be read, says why and keeps
    /// the current one.
    Load {
        text: String,
        source: &'static str,
    },
    /// Starts over with an empty session.
    Reset,
    Notify(String),
    DismissNotice,
    /// Moves the virtual clock forward.
    Advance(u64),
    ClearTranscript,
    /// Runs the session again as another Redis version would: every step replayed on a fresh
    /// engine of that profile, so the replies show what changed between versions.
    SwitchVersion(Version),
    /// Goes over to another branch of the timeline (an index into `branches`).
    SwitchBranch(usize),
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new(Version::LATEST)
    }
}

impl AppState {
    pub fn new(version: Version) -> AppState {
        AppState::starting_at(version, redsim_sim::START_MS)
    }

    /// A session whose clock starts at `start_ms` (an example replayed on its page's clock).
    pub fn starting_at(version: Version, start_ms: u64) -> AppState {
        AppState {
            session: Session::starting_at(version, &CLIENT_NAMES, start_ms),
            transcript: Vec::new(),
            history: Vec::new(),
            client: 0,
            selected_stream: None,
            node_window: None,
            cursor: None,
            notice: None,
            opened: None,
            from_link: false,
            kept_before_link: false,
            playing: false,
            saved_lines: Vec::new(),
            samples: Vec::new(),
            lone: false,
            output: redsim_docs::Output::Tty,
            branches: Vec::new(),
        }
    }

    /// The session as text (see `saved`): what autosave, Export and Share keep.
    pub fn to_text(&self) -> String {
        let mut text = crate::saved::assemble(self.version(), self.saved_lines.iter().map(|l| &**l));
        for (from, lines) in &self.branches {
            text.push_str(&format!("@branch {from}\n"));
            for line in lines {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }

    /// Records what the steps taken since the last call need later: their line of the saved
    /// text, and the stream numbers for the charts.
    fn record_lines(&mut self) {
        let steps = self.session.steps();
        let new: Vec<Rc<str>> =
            steps[self.saved_lines.len()..].iter().map(|s| Rc::from(crate::saved::encode_action(&s.action))).collect();
        self.saved_lines.extend(new);
        let sample: Rc<[crate::view::StreamSample]> = crate::view::samples(self.session.world(), self.client).into();
        self.samples.resize(steps.len(), sample);
    }

    /// Rebuilds a session from its text by replaying every action.
    pub fn from_text(text: &str) -> Result<AppState, String> {
        let (version, actions, branches) = crate::saved::decode_with_branches(text)?;
        let mut state = AppState::replay(version, actions);
        for (from, actions) in branches {
            if from > state.step_count() {
                return Err(format!("a branch leaves at step {from}, past the session's {} steps", state.step_count()));
            }
            let lines = actions.iter().map(|a| Rc::from(crate::saved::encode_action(a))).collect();
            state.branches.push((from, lines));
        }
        Ok(state)
    }

    /// A session of `version` that has taken these actions.
    fn replay(version: Version, actions: Vec<redsim_sim::Action>) -> AppState {
        let mut state = AppState::new(version);
        for action in actions {
            match action {
                redsim_sim::Action::Command { client, argv } => {
                    state.client = client;
                    let shown = crate::saved::display_line(&argv);
                    state.run_argv(&shown, argv);
                }
                redsim_sim::Action::Advance { ms } => {
                    state.session.advance(ms);
                    state.record_lines();
                    state.record_woken();
                }
            }
        }
        state.client = 0;
        state
    }

    /// Goes over to another branch: the steps after where it leaves are replaced by its steps,
    /// and this line's steps from there become a branch in turn.
    fn switch_branch(&mut self, index: usize) {
        if index >= self.branches.len() {
            return;
        }
        let (from, lines) = self.branches.remove(index);
        let from = from.min(self.step_count());
        let current: Vec<Rc<str>> = self.saved_lines[from..].to_vec();
        let mut branches = std::mem::take(&mut self.branches);
        if !current.is_empty() {
            branches.push((from, current));
        }
        let text =
            crate::saved::assemble(self.version(), self.saved_lines[..from].iter().chain(lines.iter()).map(|l| &**l));
        match crate::saved::decode(&text) {
            Ok((version, actions)) => {
                let mut next = AppState::replay(version, actions);
                next.branches = branches;
                next.history = std::mem::take(&mut self.history);
                next.opened = self.opened.take();
                next.from_link = self.from_link;
                next.kept_before_link = self.kept_before_link;
                next.output = self.output;
                next.lone = self.lone;
                next.cursor = (from < next.step_count()).then_some(from);
                *self = next;
            }
            Err(e) => self.notice = Some(format!("That branch could not be replayed: {e}")),
        }
    }

    /// The Redis version the session behaves like.
    pub fn version(&self) -> Version {
        self.session.world().server.version()
    }

    /// The session as redis-cli lines, when that is all it is: client 1 typing, the clock never
    /// moved (what a readable `#commands=` link can carry).
    pub fn as_commands(&self) -> Option<String> {
        if !self.branches.is_empty() {
            return None;
        }
        let lines: Option<Vec<String>> = self
            .session
            .steps()
            .iter()
            .map(|s| match &s.action {
                redsim_sim::Action::Command { client: 0, argv } => Some(crate::saved::display_line(argv)),
                _ => None,
            })
            .collect();
        lines.map(|l| l.join("\n"))
    }

    /// A fresh session of `version` that has run these redis-cli lines.
    pub fn from_commands(text: &str, version: Version) -> AppState {
        let mut state = AppState::new(version);
        for command in redsim_docs::parse(text).commands {
            state.run_line(&command.text);
        }
        state
    }

    /// Steps taken in the session.
    pub fn step_count(&self) -> usize {
        self.session.steps().len()
    }

    /// The step shown: the latest one unless the user stepped back.
    pub fn shown_step(&self) -> usize {
        self.cursor.unwrap_or_else(|| self.step_count())
    }

    /// The world as it is at the shown step (rebuilt from a snapshot when stepping back).
    pub fn shown_world(&self) -> std::borrow::Cow<'_, World> {
        match self.cursor {
            Some(step) => std::borrow::Cow::Owned(self.session.world_after(step)),
            None => std::borrow::Cow::Borrowed(self.session.world()),
        }
    }

    /// The effects of the step that led to what is shown.
    pub fn shown_effects(&self) -> &[redsim_engine::Effect] {
        let shown = self.shown_step();
        shown.checked_sub(1).and_then(|i| self.session.steps().get(i)).map_or(&[], |s| s.effects.as_slice())
    }

    fn seek(&mut self, step: usize) {
        self.cursor = (step < self.step_count()).then_some(step);
    }

    /// Typing while stepped back starts a new branch there: the steps after the shown one are
    /// kept as another branch, which the timeline offers to go back to.
    fn branch_here(&mut self) {
        if let Some(step) = self.cursor.take() {
            let later: Vec<Rc<str>> = self.saved_lines[step..].to_vec();
            if !later.is_empty() {
                self.branches.push((step, later));
            }
            self.session.truncate(step);
            self.saved_lines.truncate(step);
            self.samples.truncate(step);
            self.transcript.retain(|e| e.step <= step);
        }
    }

    /// redis-cli's prompt: `127.0.0.1:6379>`, with `[db]` when another database is selected.
    pub fn prompt(&self) -> String {
        let world = self.session.world();
        // As redis-cli --ldb prompts while a Lua debugging session runs.
        if world.debugging(self.client) {
            return "lua debugger>".to_string();
        }
        let db = world.clients.get(self.client).and_then(|c| world.server.client(c.id)).map_or(0, |c| c.db);
        if db == 0 {
            "127.0.0.1:6379>".to_string()
        } else {
            format!("127.0.0.1:6379[{db}]>")
        }
    }

    /// Virtual time since the session started, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.session.now_ms() - self.session.start_ms()
    }

    /// Adds the replies that blocked clients and subscribers received during the last step to their
    /// transcripts.
    fn record_woken(&mut self) {
        let Some(step) = self.session.steps().last() else { return };
        let world = self.session.world();
        let entries: Vec<Rc<TranscriptEntry>> = step
            .woken
            .iter()
            .map(|(client, reply)| {
                let protocol = world.server.protocol(world.clients[*client].id);
                Rc::new(TranscriptEntry {
                    step: self.session.steps().len(),
                    client: CLIENT_NAMES[*client].to_string(),
                    // Pub/sub messages arrive as pushes; anything else ends a blocking wait.
                    prompt: if matches!(reply, redsim_engine::Reply::Push(_)) {
                        format!("{} received:", CLIENT_NAMES[*client])
                    } else {
                        format!("{} woke:", CLIENT_NAMES[*client])
                    },
                    line: String::new(),
                    output: console_output(format_reply_for(reply, protocol)),
                    is_error: reply.is_error(),
                    page_differs: None,
                })
            })
            .collect();
        self.transcript.extend(entries);
    }

    pub fn run_line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            return;
        }
        self.branch_here();
        let prompt = self.prompt();
        if self.session.world().is_blocked(self.client) {
            // Like a redis-cli waiting on BLOCK: this client can type again once it is answered.
            let output =
                format!("{} is blocked; pick another client or move the clock forward\n", CLIENT_NAMES[self.client]);
            self.print(prompt, line, output, true);
            return;
        }
        self.remember(line);
        let argv = match split_args(line.as_bytes()) {
            None => return self.print(prompt, line, format!("{INVALID_ARGUMENTS}\n"), true),
            Some(argv) if argv.is_empty() => return,
            Some(argv) => argv,
        };
        // Like redis-cli, HELP is answered by the console itself, not sent to the server (but
        // the Lua debugger has a `help` of its own).
        if argv[0].eq_ignore_ascii_case(b"help") && !self.session.world().debugging(self.client) {
            let topic = String::from_utf8_lossy(&argv[1..].join(&b' ')).into_owned();
            let (output, is_error) = match crate::completion::help(&topic) {
                Some(text) => (text, false),
                None if topic.is_empty() => ("To get help about a command, type: HELP <command>\n".into(), false),
                None => (format!("No help for '{topic}'\n"), true),
            };
            return self.print(prompt, line, output, is_error);
        }
        self.run_argv(line, argv);
    }

    /// Sends a command for the current client and prints its reply as `line`.
    fn run_argv(&mut self, line: &str, argv: Vec<Vec<u8>>) {
        let prompt = self.prompt();
        let id = self.session.clients()[self.client].id;
        let mut reply = self.session.command(self.client, argv).reply.clone();
        self.record_lines();
        let mut waited_ms = None;
        if reply.is_none() && self.lone {
            let before = self.session.now_ms();
            let client = self.client;
            let woken =
                self.session.wait_out(client).map(|step| step.woken.iter().find(|(c, _)| *c == client).cloned());
            if let Some(woken) = woken {
                reply = woken.map(|(_, r)| r);
                waited_ms = Some(self.session.now_ms() - before);
                self.record_lines();
            }
        }
        let protocol = self.session.world().server.protocol(id);
        let blocked = self.session.world().server.is_blocked(id) || self.session.world().is_blocked(self.client);
        let (mut output, is_error) = match reply {
            Some(reply) => (console_output(redsim_docs::run::format(&reply, protocol, self.output)), reply.is_error()),
            // No reply and not waiting: nothing to print (`CLIENT REPLY OFF`, `SHUTDOWN`).
            None if !blocked => (String::new(), false),
            None if self.lone => (redsim_docs::run::BLOCKED_FOREVER.to_string(), false),
            None => ("(blocked: waiting for data or its timeout)\n".to_string(), false),
        };
        if let Some(ms) = waited_ms {
            output
                .push_str(&format!("(answered after waiting {} of virtual time)\n", crate::clock::format_duration(ms)));
        }
        self.print(prompt, line, output, is_error);
        if waited_ms.is_none() {
            self.record_woken();
        }
    }

    /// Adds what the current client typed at `prompt`, and what the console answered, to the
    /// transcript at the current step.
    fn print(&mut self, prompt: String, line: &str, output: String, is_error: bool) {
        self.transcript.push(Rc::new(TranscriptEntry {
            step: self.step_count(),
            client: CLIENT_NAMES[self.client].to_string(),
            prompt,
            line: line.to_string(),
            output,
            is_error,
            page_differs: None,
        }));
    }

    /// Replaces the session with `loaded`, or says why it could not be read and keeps this one.
    fn load(&mut self, loaded: Result<AppState, String>, source: &str) {
        match loaded {
            Ok(mut loaded) => {
                loaded.history = std::mem::take(&mut self.history);
                *self = loaded;
            }
            Err(e) => {
                self.notice =
                    Some(format!("The {source} could not be opened: {e}. Your current session is unchanged."));
            }
        }
    }

    fn remember(&mut self, line: &str) {
        if self.history.last().map(|l| &**l) != Some(line) {
            self.history.push(Rc::from(line));
            if self.history.len() > HISTORY_LIMIT {
                self.history.remove(0);
            }
        }
    }
}

impl Model for AppState {
    type Action = AppAction;

    fn apply(&mut self, action: AppAction) {
        match action {
            AppAction::Run(text) => text.lines().for_each(|line| self.run_line(line)),
            AppAction::SelectClient(i) => self.client = i.min(CLIENT_NAMES.len() - 1),
            AppAction::SelectStream(key) => {
                self.selected_stream = Some(key);
                self.node_window = None;
            }
            AppAction::NodeWindow(window) => self.node_window = window,
            AppAction::Advance(ms) => {
                self.branch_here();
                self.session.advance(ms);
                self.record_lines();
                self.record_woken();
            }
            AppAction::StepBack => {
                let shown = self.shown_step();
                self.seek(shown.saturating_sub(1));
            }
            AppAction::StepForward | AppAction::PlayTick => {
                let shown = self.shown_step();
                self.seek(shown + 1);
            }
            AppAction::Seek(step) => self.seek(step),
            AppAction::SwitchBranch(index) => self.switch_branch(index),
            AppAction::Play(play) => {
                // Playing from the latest step starts over from the beginning.
                if play && self.cursor.is_none() {
                    self.seek(0);
                }
                self.playing = play;
            }
            AppAction::Load { text, source } => self.load(AppState::from_text(&text), source),
            AppAction::Open(open) => {
                let loaded = match &open {
                    Open::Session(text) => AppState::from_text(text),
                    Open::Commands { text, version } => Ok(AppState::from_commands(text, *version)),
                };
                let kept = self.kept_before_link;
                let loaded =
                    loaded.map(|s| AppState { opened: Some(open), from_link: true, kept_before_link: kept, ..s });
                self.load(loaded, "shared link");
            }
            AppAction::KeptBeforeLink(kept) => self.kept_before_link = kept,
            AppAction::FromLink(from_link) => self.from_link = from_link,
            AppAction::Restart => {
                let opened = self.opened.clone();
                self.apply(AppAction::Reset);
                if let Some(open) = opened {
                    self.apply(AppAction::Open(open));
                }
            }
            AppAction::Reset => {
                let version = self.version();
                let history = std::mem::take(&mut self.history);
                *self = AppState { history, ..AppState::new(version) };
            }
            AppAction::Notify(text) => self.notice = Some(text),
            AppAction::DismissNotice => self.notice = None,
            AppAction::ClearTranscript => self.transcript.clear(),
            AppAction::SwitchVersion(version) if version != self.version() => {
                let text = crate::saved::assemble(version, self.saved_lines.iter().map(|l| &**l));
                let (opened, from_link, kept) = (self.opened.clone(), self.from_link, self.kept_before_link);
                let branches = self.branches.clone();
                let replayed = AppState::from_text(&text).map(|s| AppState {
                    opened,
                    from_link,
                    kept_before_link: kept,
                    lone: self.lone,
                    output: self.output,
                    branches,
                    ..s
                });
                self.load(replayed, "session in that version");
            }
            AppAction::SwitchVersion(_) => {}
        }
        // Play shows earlier steps one after another; at the latest there is nothing left to play.
        self.playing &= self.cursor.is_some();
    }
}

/// How many lines of one reply the console shows: redis-cli prints `XRANGE` of 100,000 entries
/// whole, but its 300,000 lines in the page would make every later command slow to draw.
pub const MAX_REPLY_LINES: usize = 1000;

/// A formatted reply as the console shows it: whole, or its first `MAX_REPLY_LINES` lines and a
/// line saying how many more there are.
pub fn console_output(full: String) -> String {
    match full.match_indices('\n').nth(MAX_REPLY_LINES - 1) {
        Some((at, _)) if at + 1 < full.len() => {
            let hidden = full[at + 1..].matches('\n').count();
            format!(
                "{}… {hidden} more lines not shown (the console shows the first {MAX_REPLY_LINES} lines of a reply)\n",
                &full[..=at]
            )
        }
        _ => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The state after an action, as the app's store would hold it.
    trait Reduce {
        fn reduce(self, action: AppAction) -> AppState;
    }

    impl Reduce for AppState {
        fn reduce(mut self, action: AppAction) -> AppState {
            self.apply(action);
            self
        }
    }

    #[test]
    fn console_prints_like_redis_cli() {
        let mut state = AppState::default();
        state.run_line("PING");
        state.run_line("SET greeting \"hello world\"");
        state.run_line("GET greeting");
        state.run_line("GET \"unbalanced");
        state.run_line("   ");
        state.run_line("NOSUCH a");
        let outputs: Vec<&str> = state.transcript.iter().map(|e| e.output.as_str()).collect();
        assert_eq!(
            outputs,
            [
                "PONG\n",
                "OK\n",
                "\"hello world\"\n",
                "Invalid argument(s)\n",
                "(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' \n"
            ]
        );
        assert!(state.transcript[3].is_error);
        assert_eq!(state.history.len(), 5);
    }

    #[test]
    fn a_command_that_sends_no_reply_prints_nothing() {
        let mut state = AppState::default();
        state.run_line("CLIENT REPLY OFF");
        state.run_line("SET k v");
        state.run_line("CLIENT REPLY ON");
        state.run_line("GET k");
        let outputs: Vec<&str> = state.transcript.iter().map(|e| e.output.as_str()).collect();
        assert_eq!(outputs, ["", "", "OK\n", "\"v\"\n"]);
    }

    #[test]
    fn switching_version_replays_the_session_in_that_profile() {
        let mut state = AppState::default();
        state.run_line("HSET h a 1");
        state.run_line("HEXPIRE h 10 FIELDS 1 a");
        assert_eq!(state.transcript[1].output, "1) (integer) 1\n");
        let state = state.reduce(AppAction::SwitchVersion(Version::V7_0));
        assert_eq!(state.version(), Version::V7_0);
        assert_eq!(state.step_count(), 2);
        assert_eq!(
            state.transcript[1].output,
            "(error) ERR unknown command 'HEXPIRE', with args beginning with: 'h' '10' 'FIELDS' '1' 'a' \n"
        );
        assert!(state.to_text().contains("7.0"), "the saved session keeps the version");
        let back = state.reduce(AppAction::SwitchVersion(Version::LATEST));
        assert_eq!(back.transcript[1].output, "1) (integer) 1\n");
    }

    #[test]
    fn maps_print_as_flat_arrays_until_hello_3() {
        let mut state = AppState::default();
        state.run_line("XGROUP CREATE s g $ MKSTREAM");
        state.run_line("XINFO GROUPS s");
        assert!(
            state.transcript[1].output.starts_with("1)  1) \"name\"\n    2) \"g\"\n"),
            "{}",
            state.transcript[1].output
        );
        state.run_line("HELLO 3");
        state.run_line("XINFO GROUPS s");
        assert!(state.transcript[3].output.starts_with("1) 1# \"name\" => \"g\"\n"), "{}", state.transcript[3].output);
    }

    #[test]
    fn help_is_answered_by_the_console() {
        let mut state = AppState::default();
        state.run_line("HELP xack");
        assert!(state.transcript[0].output.contains("XACK key group id [id ...]"));
        assert_eq!(state.step_count(), 0, "HELP is not a server command");
        state.run_line("help nosuch");
        assert!(state.transcript[1].is_error);
    }

    #[test]
    fn prompt_shows_the_selected_database_per_client() {
        let mut state = AppState::default();
        state.run_line("SELECT 3");
        assert_eq!(state.prompt(), "127.0.0.1:6379[3]>");
        let state = state.reduce(AppAction::SelectClient(1));
        assert_eq!(state.prompt(), "127.0.0.1:6379>");
    }

    #[test]
    fn a_lua_debugging_session_runs_in_the_console() {
        let mut state = AppState::default();
        state.run_line("SCRIPT DEBUG SYNC");
        state.run_line("EVAL \"local a = 1\nredis.call('set', 'k', a)\nreturn a\" 0");
        assert_eq!(state.prompt(), "lua debugger>");
        let first = &state.transcript.last().unwrap().output;
        assert!(first.contains("* Stopped at 1, stop reason = step over"), "{first}");
        state.run_line("help");
        assert!(state.transcript.last().unwrap().output.contains("Redis Lua debugger help:"));
        state.run_line("s");
        let stepped = &state.transcript.last().unwrap().output;
        assert!(stepped.contains("* Stopped at 2"), "{stepped}");
        state.run_line("c");
        let end = &state.transcript.last().unwrap().output;
        assert!(end.contains("<endsession>") && end.contains("(integer) 1"), "{end}");
        assert_eq!(state.prompt(), "127.0.0.1:6379>");
        state.run_line("GET k");
        assert_eq!(state.transcript.last().unwrap().output, "\"1\"\n");
    }

    #[test]
    fn pasted_lines_run_in_order_and_history_skips_repeats() {
        let state = AppState::default();
        let state = state.reduce(AppAction::Run("SET a 1\nGET a\nGET a\n".into()));
        assert_eq!(state.transcript.len(), 3);
        assert_eq!(state.transcript[2].output, "\"1\"\n");
        assert_eq!(state.history.iter().map(|l| &**l).collect::<Vec<_>>(), ["SET a 1", "GET a"]);
    }

    #[test]
    fn a_blocked_client_gets_its_reply_when_another_writes() {
        let state = AppState::default();
        let state = state.reduce(AppAction::Run("XREAD BLOCK 0 STREAMS s $".into()));
        assert_eq!(state.transcript[0].output, "(blocked: waiting for data or its timeout)\n");
        let state = state.reduce(AppAction::Run("PING".into()));
        assert!(state.transcript[1].is_error, "a blocked client cannot type");
        let state = state.reduce(AppAction::SelectClient(1)).reduce(AppAction::Run("XADD s 1-0 f v".into()));
        let woken = state.transcript.last().unwrap();
        assert_eq!(woken.client, "client-1");
        assert!(woken.output.starts_with("1) 1) \"s\""), "{}", woken.output);
    }

    #[test]
    fn stepping_back_shows_earlier_states_and_typing_there_branches() {
        let state = AppState::default();
        let state = state.reduce(AppAction::Run("XADD s 1-0 f v\nXADD s 2-0 f v\nXADD s 3-0 f v".into()));
        let len = |state: &AppState| crate::view::streams(&state.shown_world(), 0).first().map_or(0, |s| s.length);
        assert_eq!(len(&state), 3);
        let state = state.reduce(AppAction::StepBack).reduce(AppAction::StepBack);
        assert_eq!((state.shown_step(), len(&state)), (1, 1));
        let state = state.reduce(AppAction::StepForward);
        assert_eq!(len(&state), 2);
        let state = state.reduce(AppAction::StepForward);
        assert_eq!(state.cursor, None, "stepping onto the latest step follows live again");
        let state = state.reduce(AppAction::Seek(0));
        assert_eq!(len(&state), 0);
        assert_eq!(state.clone().reduce(AppAction::StepBack).shown_step(), 0);
        // Typing while stepped back starts a new branch from there.
        let state = state.reduce(AppAction::Seek(1)).reduce(AppAction::Run("XLEN s".into()));
        assert_eq!(state.step_count(), 2);
        assert_eq!(state.transcript.last().unwrap().output, "(integer) 1\n");
        assert_eq!(state.transcript.len(), 2);
        assert_eq!(state.cursor, None);
    }

    #[test]
    fn play_replays_from_the_first_step_and_stops_at_the_latest() {
        let state = AppState::default().reduce(AppAction::Run("SET a 1\nSET b 2".into()));
        let state = state.reduce(AppAction::Play(true));
        assert_eq!((state.shown_step(), state.playing), (0, true), "from the latest, Play starts over");
        let state = state.reduce(AppAction::PlayTick);
        assert_eq!((state.shown_step(), state.playing), (1, true));
        let state = state.reduce(AppAction::PlayTick);
        assert_eq!((state.cursor, state.playing), (None, false), "at the latest step Play stops");
        let state =
            state.reduce(AppAction::Seek(1)).reduce(AppAction::Play(true)).reduce(AppAction::Run("GET a".into()));
        assert!(!state.playing, "typing at a past step branches there, and nothing is left to play");
    }

    #[test]
    fn sessions_save_as_text_and_load_back_exactly() {
        let state = AppState::default();
        let state =
            state.reduce(AppAction::Run("XADD s 1-0 f \"a b\"\nXGROUP CREATE s g 0\nHELP XADD\nbad \"quote".into()));
        let state = state.reduce(AppAction::Advance(1500)).reduce(AppAction::SelectClient(1));
        let state = state.reduce(AppAction::Run("XREADGROUP GROUP g bob STREAMS s >".into()));
        let text = state.to_text();
        let loaded = AppState::from_text(&text).unwrap();
        assert_eq!(loaded.to_text(), text);
        let actions: Vec<_> = state.session.steps().iter().map(|s| s.action.clone()).collect();
        assert_eq!(
            text,
            crate::saved::encode(redsim_engine::Version::LATEST, &actions),
            "incremental lines match a full encoding"
        );
        assert_eq!(loaded.step_count(), state.step_count());
        assert_eq!(loaded.elapsed_ms(), 1500);
        let last = loaded.transcript.last().unwrap();
        assert_eq!(last.client, "client-2");
        assert_eq!(last.line, "XREADGROUP GROUP g bob STREAMS s >");
        assert_eq!(last.output, state.transcript.last().unwrap().output);
        assert_eq!(loaded.transcript[0].line, "XADD s 1-0 f \"a b\"");
    }

    #[test]
    fn a_session_that_cannot_be_read_leaves_the_current_one_alone() {
        let state = AppState::default().reduce(AppAction::Run("SET k v".into()));
        let state = state
            .reduce(AppAction::Load { text: "redsim session 1\nredis 8.2\n7> GET k\n".into(), source: "shared link" });
        assert_eq!(state.step_count(), 1);
        let notice = state.notice.clone().unwrap();
        assert!(notice.starts_with("The shared link could not be opened: line 3: there is no client"), "{notice}");
        let state = state.reduce(AppAction::Reset);
        assert_eq!((state.step_count(), state.transcript.len(), state.notice.clone()), (0, 0, None));
    }

    #[test]
    fn every_step_records_stream_numbers_for_the_charts() {
        let state = AppState::default();
        let state = state.reduce(AppAction::Run(
            "XADD s 1-0 f v\nXADD s 2-0 f v\nXGROUP CREATE s g 0\nXREADGROUP GROUP g c COUNT 1 STREAMS s >".into(),
        ));
        let lengths: Vec<u64> = state.samples.iter().map(|s| s[0].length).collect();
        assert_eq!(lengths, [1, 2, 2, 2]);
        let lags: Vec<Option<i64>> = state.samples.iter().map(|s| s[0].lag).collect();
        assert_eq!(lags, [None, None, Some(2), Some(1)]);
        assert_eq!(state.samples[3][0].pending, 1);
        let branched = state.reduce(AppAction::Seek(1)).reduce(AppAction::Run("XLEN s".into()));
        assert_eq!(branched.samples.len(), 2);
    }

    #[test]
    fn time_moves_only_when_asked() {
        let state = AppState::default();
        let state = state.reduce(AppAction::Run("SET k v PX 1500".into()));
        assert_eq!(state.elapsed_ms(), 0);
        let state = state.reduce(AppAction::Advance(1000));
        let state = state.reduce(AppAction::Run("GET k".into()));
        assert_eq!(state.transcript.last().unwrap().output, "\"v\"\n");
        let state = state.reduce(AppAction::Advance(1000)).reduce(AppAction::Run("GET k".into()));
        assert_eq!(state.transcript.last().unwrap().output, "(nil)\n");
        assert_eq!(state.elapsed_ms(), 2000);
    }
}

#[cfg(test)]
mod long_replies {
    use super::*;

    #[test]
    fn a_reply_over_the_limit_shows_its_first_lines_and_counts_the_rest() {
        let full: String = (1..=1500).map(|i| format!("{i}) \"x\"\n")).collect();
        let shown = console_output(full.clone());
        assert_eq!(shown.lines().count(), MAX_REPLY_LINES + 1);
        assert!(shown.starts_with("1) \"x\"\n2) "));
        assert!(shown.ends_with("… 500 more lines not shown (the console shows the first 1000 lines of a reply)\n"));
        let exact: String = full.lines().take(MAX_REPLY_LINES).map(|l| format!("{l}\n")).collect();
        assert_eq!(console_output(exact.clone()), exact);
    }

    #[test]
    fn typing_at_a_past_step_keeps_the_later_steps_as_a_branch() {
        let mut state = AppState::default();
        for line in ["SET k 1", "SET k 2", "SET k 3"] {
            state.run_line(line);
        }
        state.apply(AppAction::Seek(1));
        state.run_line("DEL k");
        assert_eq!(state.step_count(), 2);
        assert_eq!(state.branches.len(), 1);
        assert_eq!(state.branches[0].0, 1);
        assert!(state.as_commands().is_none(), "a readable link cannot carry branches");
        // Saved and read back with the branch.
        let text = state.to_text();
        assert!(text.ends_with("@branch 1\n1> SET k 2\n1> SET k 3\n"), "{text}");
        let loaded = AppState::from_text(&text).unwrap();
        assert_eq!(loaded.to_text(), text);
        // Going over to the branch brings its steps back, and keeps this one as a branch.
        state.apply(AppAction::SwitchBranch(0));
        assert_eq!(state.step_count(), 3);
        assert_eq!(
            state.session.world().server.dbs()[0].get(b"k"),
            Some(&redsim_engine::value::Value::String(b"3".to_vec()))
        );
        assert_eq!(state.branches.len(), 1);
        assert_eq!(&*state.branches[0].1[0], "1> DEL k");
        assert_eq!(state.shown_step(), 1, "shown where the branches part");
        // And back again.
        state.apply(AppAction::SwitchBranch(0));
        assert_eq!(state.session.world().server.dbs()[0].get(b"k"), None);
        assert!(AppState::from_text("redsim session 1\nredis 8.2\n1> PING\n@branch 5\n1> PING\n").is_err());
    }
}
