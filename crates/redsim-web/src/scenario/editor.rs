//! The scenario editor: write or paste a scenario's text, see what is wrong with it at its line
//! and column as you type, run it in the player, share it as a link that carries the text. The
//! draft is kept in this browser.

use redsim_sim::scenario::{parse, ParseError, Scenario};
use yew::prelude::*;

use crate::keep;
use crate::links::{self, Kind};

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The text to start from (a draft, a built-in scenario's copy, a link's scenario).
    pub initial: String,
    /// What the editor should say first (why a link's scenario could not be run).
    #[prop_or_default]
    pub notice: Option<String>,
    #[prop_or_default]
    pub picker: Html,
    /// Runs the scenario in the player, with the text it was read from.
    pub on_run: Callback<(Scenario, String)>,
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let text = use_state(|| props.initial.clone());
    let message = use_state(|| props.notice.clone());
    let area = use_node_ref();
    let gutter = use_node_ref();
    let parsed = use_memo((*text).clone(), |t| parse(t));
    let oninput = {
        let (text, message) = (text.clone(), message.clone());
        Callback::from(move |e: InputEvent| {
            let field: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            // Kept at every change (a few kilobytes): nothing typed is lost to a reload.
            if keep::save_scenario_draft(&field.value()).is_err() {
                message.set(Some("This browser did not let Redsim keep the draft (storage full or blocked).".into()));
            }
            text.set(field.value());
        })
    };
    let onscroll = {
        let (area, gutter) = (area.clone(), gutter.clone());
        Callback::from(move |_: Event| {
            if let (Some(a), Some(g)) = (area.cast::<web_sys::Element>(), gutter.cast::<web_sys::Element>()) {
                g.set_scroll_top(a.scroll_top());
            }
        })
    };
    let on_run = {
        let (parsed, text, on_run) = (parsed.clone(), text.clone(), props.on_run.clone());
        Callback::from(move |_: MouseEvent| {
            if let Ok(sc) = &*parsed {
                let text = (*text).clone();
                let fragment_text = text.clone();
                yew::platform::spawn_local(async move {
                    let fragment = links::compressed_fragment(Kind::ScenarioText, &fragment_text, None).await;
                    crate::app::set_address(&format!("#{fragment}"));
                });
                on_run.emit((sc.clone(), text));
            }
        })
    };
    let on_share = {
        let (text, message) = (text.clone(), message.clone());
        Callback::from(move |_: MouseEvent| {
            let (text, message) = ((*text).clone(), message.clone());
            yew::platform::spawn_local(async move {
                let fragment = links::compressed_fragment(Kind::ScenarioText, &text, None).await;
                message.set(Some(keep::publish(&fragment).await.unwrap_or_else(|e| e)));
            });
        })
    };
    let error = (*parsed).as_ref().err().cloned();
    let go_to_error = {
        let (area, text, error) = (area.clone(), text.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (Some(field), Some(e)) = (area.cast::<web_sys::HtmlTextAreaElement>(), &error) else { return };
            let at = utf16_offset(&text, e.line, e.column);
            let _ = field.focus();
            let _ = field.set_selection_range(at, at);
        })
    };
    let lines = text.lines().count().max(1) + usize::from(text.ends_with('\n'));
    html! {
        <div class="app editor-mode">
            <header class="topbar">
                <h1 class="brand">{ "Redsim" }</h1>
                { props.picker.clone() }
            </header>
            <main class="panels editor-panels">
                <section class="editor" aria-label="Scenario editor">
                    <div class="editor-bar" role="group" aria-label="Scenario">
                        <h2>{ "Write a scenario" }</h2>
                        <button type="button" class="run" onclick={on_run} disabled={error.is_some()}
                            title="Run it in the player">{ "Run" }</button>
                        <button type="button" onclick={on_share} title="A link that carries this text">{ "Share" }</button>
                    </div>
                    if let Some(m) = &*message {
                        <p class="notice" role="status">{ m }</p>
                    }
                    <div class="editor-area">
                        <ol class="gutter" ref={gutter} aria-hidden="true">
                            { for (1..=lines).map(|n| html! {
                                <li class={classes!(error.as_ref().is_some_and(|e| e.line == n).then_some("error"))}>{ n }</li>
                            }) }
                        </ol>
                        <textarea ref={area} aria-label="Scenario text" spellcheck="false" autocapitalize="off"
                            aria-invalid={error.is_some().to_string()} aria-describedby="scenario-check"
                            value={(*text).clone()} {oninput} {onscroll} />
                    </div>
                    <div id="scenario-check" class="scenario-check">
                        { match (&*parsed, &error) {
                            (_, Some(e)) => html! {
                                <div class="editor-error" role="alert">
                                    <p>{ e.to_string() }
                                        <button type="button" class="go-to" onclick={go_to_error}>{ format!("Go to line {}", e.line) }</button></p>
                                    { excerpt(&text, e) }
                                </div>
                            },
                            (Ok(sc), None) => html! { <p class="editor-ok" role="status">{ summary(sc) }</p> },
                            _ => Html::default(),
                        } }
                    </div>
                    <details class="editor-help">
                        <summary>{ "The format" }</summary>
                        <pre>{ FORMAT_HELP }</pre>
                    </details>
                </section>
            </main>
        </div>
    }
}

/// The statements, one per line, as the editor's help shows them.
const FORMAT_HELP: &str = "name: my-scenario                 title: What the picker shows
seed: 7                           version: 7.0 (the newest when left out)
node primary                      node replica-1 replica-of primary latency 40ms
sentinel primary down-after 2s quorum 2 sentinels 3
aof primary everysec              save primary every 60s
client app on primary
at 0s: app XGROUP CREATE jobs workers $ MKSTREAM
at 0s: producer api on primary writes jobs every 100ms count 30 fields task job-{i}
at 0s: consumer w1 on primary reads jobs group workers count 5 block 2s process 300ms
at 1s: say Words shown as the narration.
at 2s: crash w1   at 3s: crash primary   at 5s: restart primary   at 6s: cut primary replica-1
end 10s";

/// The offending line with a caret under the column, as a compiler shows it.
pub fn excerpt(text: &str, e: &ParseError) -> Html {
    let Some(line) = text.lines().nth(e.line.saturating_sub(1)) else { return Html::default() };
    let gutter = format!("{} | ", e.line);
    let pad: String =
        line.chars().take(e.column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    html! {
        <pre class="excerpt" aria-label={format!("Line {}", e.line)}>
            { format!("{gutter}{line}\n{}{pad}^", " ".repeat(gutter.len())) }
        </pre>
    }
}

/// What a scenario that reads fine holds.
fn summary(sc: &Scenario) -> String {
    let nodes = sc.setup.iter().filter(|s| matches!(s, redsim_sim::scenario::Setup::Node { .. })).count();
    format!(
        "Reads fine: “{}”, {nodes} node{}, {} timed action{}, ends at {} s.",
        if sc.title.is_empty() { &sc.name } else { &sc.title },
        if nodes == 1 { "" } else { "s" },
        sc.timeline.len(),
        if sc.timeline.len() == 1 { "" } else { "s" },
        sc.end_ms as f64 / 1000.0
    )
}

/// Where line `line`, column `column` (1-based, in characters) is in the text, in the UTF-16
/// units a text field's selection counts.
fn utf16_offset(text: &str, line: usize, column: usize) -> u32 {
    let before: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(|l| l.encode_utf16().count()).sum();
    let within: usize = text
        .split_inclusive('\n')
        .nth(line.saturating_sub(1))
        .map_or(0, |l| l.chars().take(column.saturating_sub(1)).map(char::len_utf16).sum());
    u32::try_from(before + within).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_and_column_as_a_text_field_counts_them() {
        let text = "name: x\nnode é✓ p\nat 1s: crash q\n";
        assert_eq!(utf16_offset(text, 1, 1), 0);
        assert_eq!(utf16_offset(text, 2, 1), 8);
        assert_eq!(utf16_offset(text, 2, 9), 16);
        assert_eq!(utf16_offset(text, 3, 14), 18 + 13);
        assert_eq!(utf16_offset(text, 99, 1), text.encode_utf16().count() as u32);
    }

    #[test]
    fn a_summary_of_what_reads_fine() {
        let sc = parse("name: x\ntitle: Two nodes\nnode a\nnode b replica-of a\nat 1s: crash a\nend 2s\n").unwrap();
        assert_eq!(summary(&sc), "Reads fine: “Two nodes”, 2 nodes, 1 timed action, ends at 2 s.");
    }
}
