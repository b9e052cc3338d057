//! Components rendered in a real browser (headless Chromium through wasm-bindgen-test-runner):
//! `./x test wasm`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use redsim_web::app::App;
use redsim_web::console::{Console, ConsoleProps, TranscriptEntry};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, KeyboardEvent, KeyboardEventInit};
use yew::Callback;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_root() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// Lets Yew's scheduler render what was dispatched.
async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(20)).await;
}

fn press(input: &HtmlInputElement, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

fn command_input(root: &Element) -> HtmlInputElement {
    root.query_selector("input[aria-label='Command']").unwrap().expect("the command input").dyn_into().unwrap()
}

fn transcript_text(root: &Element) -> String {
    root.query_selector("[role='log']").unwrap().expect("the transcript").text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn console_shows_entries_with_prompt_and_error_style() {
    let root = fresh_root();
    let props = ConsoleProps {
        transcript: vec![
            std::rc::Rc::new(TranscriptEntry {
                step: 1,
                client: "client-1".into(),
                prompt: "127.0.0.1:6379>".into(),
                line: "GET k".into(),
                output: "\"v\"\n".into(),
                is_error: false,
                page_differs: None,
            }),
            std::rc::Rc::new(TranscriptEntry {
                step: 2,
                client: "client-1".into(),
                prompt: "127.0.0.1:6379>".into(),
                line: "NOPE".into(),
                output: "(error) ERR unknown command 'NOPE', with args beginning with: \n".into(),
                is_error: true,
                page_differs: None,
            }),
        ],
        history: vec![],
        hidden: 0,
        waiting: None,
        prompt: "127.0.0.1:6379>".into(),
        on_run: Callback::noop(),
    };
    yew::Renderer::<Console>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let text = transcript_text(&root);
    assert!(text.contains("127.0.0.1:6379> GET k"), "{text}");
    assert!(text.contains("\"v\""), "{text}");
    assert_eq!(root.query_selector_all(".entry.error").unwrap().length(), 1);
}

#[wasm_bindgen_test]
async fn typing_enter_runs_and_arrows_walk_history() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;
    let input = command_input(&root);
    for line in ["PING", "SET k \"a b\"", "GET k"] {
        input.set_value(line);
        press(&input, "Enter");
        settle().await;
    }
    let text = transcript_text(&root);
    assert!(text.contains("PONG"), "{text}");
    assert!(text.contains("\"a b\""), "{text}");
    assert_eq!(input.value(), "", "Enter clears the input");

    press(&input, "ArrowUp");
    assert_eq!(input.value(), "GET k");
    press(&input, "ArrowUp");
    assert_eq!(input.value(), "SET k \"a b\"");
    press(&input, "ArrowDown");
    press(&input, "ArrowDown");
    assert_eq!(input.value(), "");
}

#[wasm_bindgen_test]
async fn clock_jumps_expire_keys() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;
    let input = command_input(&root);
    input.set_value("SET session token PX 500");
    press(&input, "Enter");
    settle().await;
    let jump: web_sys::HtmlElement =
        root.query_selector("button[aria-label='Advance time +1 s']").unwrap().unwrap().dyn_into().unwrap();
    jump.click();
    settle().await;
    let clock = root.query_selector("[aria-label='Virtual time']").unwrap().unwrap();
    assert_eq!(clock.text_content().unwrap().trim(), "00:00:01.000");
    input.set_value("GET session");
    press(&input, "Enter");
    settle().await;
    assert!(transcript_text(&root).contains("(nil)"));
}

#[wasm_bindgen_test]
async fn step_back_and_forward_move_the_pictures() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;
    let input = command_input(&root);
    for line in ["XADD s 1-0 f v", "XADD s 2-0 f v"] {
        input.set_value(line);
        press(&input, "Enter");
        settle().await;
    }
    let entries = |root: &Element| root.query_selector_all("[data-entry-id]").unwrap().length();
    assert_eq!(entries(&root), 2);
    let button = |name: &str| -> web_sys::HtmlElement {
        root.query_selector(&format!("button[aria-label='{name}']")).unwrap().unwrap().dyn_into().unwrap()
    };
    button("Step back").click();
    settle().await;
    assert_eq!(entries(&root), 1);
    button("Step forward").click();
    settle().await;
    assert_eq!(entries(&root), 2);
}

#[wasm_bindgen_test]
async fn links_compress_with_the_browser_and_read_back() {
    use redsim_web::links::{compressed_fragment, parse, text_of, Kind, Payload};
    let text: String = (0..300).map(|i| format!("1> XADD orders {i}-0 item book qty {i}\n")).collect();
    let fragment = compressed_fragment(Kind::Session, &text, None).await;
    assert!(fragment.starts_with("session.z="), "{fragment}");
    assert!(fragment.len() * 4 < text.len(), "{} bytes for {}", fragment.len(), text.len());
    let link = parse(&fragment).unwrap().unwrap();
    assert_eq!(text_of(&link.payload).await.as_deref(), Ok(text.as_str()));
    let cut = Payload::Deflated(match link.payload {
        Payload::Deflated(bytes) => bytes[..bytes.len() / 2].to_vec(),
        Payload::Text(_) => unreachable!(),
    });
    assert_eq!(text_of(&cut).await, Err("its compressed data is cut or changed".to_string()));
    assert_eq!(
        text_of(&Payload::Deflated(vec![0xff; 8])).await,
        Err("its compressed data is cut or changed".to_string())
    );
}

#[wasm_bindgen_test]
async fn an_example_runs_its_transcript_and_marks_the_stale_reply() {
    use redsim_web::embed::example::{ExampleApp, ExampleAppProps};
    let root = fresh_root();
    let props = ExampleAppProps {
        text: "redis> SET k v\nOK\nredis> GET k\n\"w\"\n".into(),
        version: redsim_engine::Version::V7_0,
        output: Default::default(),
        pictures: Default::default(),
        autorun: false,
        label: Some("Strings".into()),
        open_url: None,
        notice: None,
    };
    yew::Renderer::<ExampleApp>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert_eq!(root.query_selector_all(".example-lines li").unwrap().length(), 2);
    let run: web_sys::HtmlElement = root.query_selector("button.run").unwrap().unwrap().dyn_into().unwrap();
    run.click();
    settle().await;
    let marked = root.query_selector_all("[data-mismatch]").unwrap();
    assert_eq!(marked.length(), 1);
    assert_eq!(marked.get(0).unwrap().text_content().unwrap(), "\"v\"\n");
    assert!(transcript_text(&root).contains("The page shows:"));
}
