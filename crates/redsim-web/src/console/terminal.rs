//! The console itself: a transcript that reads like a redis-cli session, and one input line.
//! Enter runs the line, Up and Down walk the history, Tab completes; pasted text with several lines
//! runs each.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::state::TranscriptEntry;

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// The newest entries up to the shown step (the console does not draw a whole long session).
    pub transcript: Vec<Rc<TranscriptEntry>>,
    /// Earlier entries not drawn.
    #[prop_or_default]
    pub hidden: usize,
    pub history: Vec<Rc<str>>,
    /// What the client is blocked on, shown above the input.
    #[prop_or_default]
    pub waiting: Option<String>,
    pub prompt: String,
    pub on_run: Callback<String>,
}

/// Where Up/Down has moved in the history: `None` is the line being typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryCursor {
    pub index: Option<usize>,
    /// What was typed before walking the history, restored when walking past the newest entry.
    pub draft: String,
}

impl HistoryCursor {
    /// Up: the previous (older) entry, staying on the oldest.
    pub fn older(&mut self, history: &[Rc<str>], current: &str) -> Option<String> {
        let index = match self.index {
            None if history.is_empty() => return None,
            None => {
                self.draft = current.to_string();
                history.len() - 1
            }
            Some(i) => i.saturating_sub(1),
        };
        self.index = Some(index);
        Some(history[index].to_string())
    }

    /// Down: the next (newer) entry, then the draft.
    pub fn newer(&mut self, history: &[Rc<str>]) -> Option<String> {
        let i = self.index?;
        if i + 1 < history.len() {
            self.index = Some(i + 1);
            Some(history[i + 1].to_string())
        } else {
            self.index = None;
            Some(std::mem::take(&mut self.draft))
        }
    }
}

#[function_component(Console)]
pub fn console(props: &ConsoleProps) -> Html {
    let input = use_node_ref();
    let cursor = use_mut_ref(HistoryCursor::default);
    let typed = use_state(String::new);
    let log_end = use_node_ref();

    {
        let log_end = log_end.clone();
        use_effect_with(props.transcript.len(), move |_| {
            if let Some(el) = log_end.cast::<web_sys::Element>() {
                el.scroll_into_view_with_bool(false);
            }
        });
    }

    let onkeydown = {
        let input = input.clone();
        let on_run = props.on_run.clone();
        let history = props.history.clone();
        let typed = typed.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(field) = input.cast::<web_sys::HtmlInputElement>() else {
                return;
            };
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    let line = field.value();
                    field.set_value("");
                    typed.set(String::new());
                    *cursor.borrow_mut() = HistoryCursor::default();
                    on_run.emit(line);
                }
                // Tab completes a command or subcommand name; with nothing to complete it moves
                // focus as usual, so keyboard users are never trapped.
                "Tab" if !e.shift_key() => {
                    if let Some(completed) = crate::completion::complete(&field.value()) {
                        e.prevent_default();
                        field.set_value(&completed);
                        typed.set(completed);
                    }
                }
                "ArrowUp" => {
                    e.prevent_default();
                    if let Some(line) = cursor.borrow_mut().older(&history, &field.value()) {
                        field.set_value(&line);
                        typed.set(line);
                    }
                }
                "ArrowDown" => {
                    e.prevent_default();
                    if let Some(line) = cursor.borrow_mut().newer(&history) {
                        field.set_value(&line);
                        typed.set(line);
                    }
                }
                _ => {}
            }
        })
    };

    let onpaste = {
        let on_run = props.on_run.clone();
        let input = input.clone();
        Callback::from(move |e: Event| {
            // A text input drops newlines, so read the clipboard: several pasted lines run one
            // after another, as they do when pasted into redis-cli.
            let Some(e) = e.dyn_ref::<web_sys::ClipboardEvent>() else {
                return;
            };
            let Some(text) = e.clipboard_data().and_then(|d| d.get_data("text").ok()) else {
                return;
            };
            let Some(field) = input.cast::<web_sys::HtmlInputElement>() else {
                return;
            };
            if text.contains('\n') {
                e.prevent_default();
                let typed = field.value();
                field.set_value("");
                on_run.emit(format!("{typed}{text}"));
            }
        })
    };

    let oninput = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            let field: web_sys::HtmlInputElement = e.target_unchecked_into();
            typed.set(field.value());
        })
    };
    let hint = crate::completion::hint(&typed);

    let focus_input = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(field) = input.cast::<web_sys::HtmlInputElement>() {
                let _ = field.focus();
            }
        })
    };

    html! {
        <section class="console" aria-label="Console" onclick={focus_input}>
            <div class="transcript" role="log" aria-live="polite" aria-label="Transcript">
                if props.hidden > 0 {
                    <p class="quiet earlier">{ format!("{} earlier lines not shown", props.hidden) }</p>
                }
                { for props.transcript.iter().map(|e| entry_view(e)) }
                <div ref={log_end}></div>
            </div>
            if let Some(wait) = &props.waiting {
                <div class="waiting" role="status">{ format!("⏳ blocked: {wait}") }</div>
            }
            <div class="input-line">
                <label class="prompt" for="command-input">{ &props.prompt }</label>
                <input
                    id="command-input"
                    ref={input}
                    class="command"
                    type="text"
                    aria-label="Command"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    placeholder="Type a command, e.g. PING"
                    {onkeydown}
                    {onpaste}
                    {oninput}
                    aria-describedby="command-hint"
                />
            </div>
            <div id="command-hint" class="hint" title={hint.as_ref().map(|(_, summary)| summary.to_string())}>
                {
                    if props.prompt == "lua debugger>" {
                        "Lua debugger: s steps, c continues, p prints locals, h lists every command".to_string()
                    } else {
                        hint.map(|(syntax, _)| syntax).unwrap_or_else(|| "Tab completes command names · HELP <command> shows its syntax".into())
                    }
                }
            </div>
        </section>
    }
}

fn entry_view(entry: &TranscriptEntry) -> Html {
    let class = if entry.is_error { "entry error" } else { "entry" };
    let differs = entry.page_differs.is_some();
    html! {
        <div class={class} data-client={entry.client.clone()}>
            <div class="entry-line"><span class="prompt">{ &entry.prompt }</span>{ " " }<span class="typed">{ &entry.line }</span></div>
            <pre class="reply" data-mismatch={differs.then_some("true")}>{ &entry.output }</pre>
            if let Some(page) = &entry.page_differs {
                <div class="page-differs" role="note">
                    <span>{ "⚠ Not what the page shows. The page shows:" }</span>
                    <pre>{ page }</pre>
                </div>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_walks_up_and_back_down_to_the_draft() {
        let history: Vec<Rc<str>> = vec![Rc::from("a"), Rc::from("b")];
        let mut cursor = HistoryCursor::default();
        assert_eq!(cursor.older(&history, "dra"), Some("b".into()));
        assert_eq!(cursor.older(&history, "b"), Some("a".into()));
        assert_eq!(cursor.older(&history, "a"), Some("a".into()));
        assert_eq!(cursor.newer(&history), Some("b".into()));
        assert_eq!(cursor.newer(&history), Some("dra".into()));
        assert_eq!(cursor.newer(&history), None);
        assert_eq!(HistoryCursor::default().older(&[], "x"), None);
    }
}
