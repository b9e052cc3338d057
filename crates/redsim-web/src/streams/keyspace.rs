//! The keyspace browser: every key with its type, time to live (counting down in virtual time)
//! and size. Selecting a stream shows its picture; selecting another key shows its value (the first
//! elements of a collection).

use yew::prelude::*;

use crate::view::KeysView;

#[derive(Properties, PartialEq)]
pub struct KeyspaceProps {
    pub keys: KeysView,
    pub selected: Option<String>,
    pub on_select: Callback<String>,
}

fn ttl(ms: Option<u64>) -> String {
    match ms {
        None => "no TTL".into(),
        Some(ms) if ms < 10_000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{} s", ms / 1000),
    }
}

#[function_component(Keyspace)]
pub fn keyspace(props: &KeyspaceProps) -> Html {
    if props.keys.total == 0 {
        return html! {};
    }
    let selected_string = props
        .selected
        .as_ref()
        .and_then(|k| props.keys.listed.iter().find(|v| &v.key == k))
        .and_then(|k| k.value.clone().map(|v| (k.key.clone(), v)));
    html! {
        <section class="keyspace" aria-label="Keyspace">
            <table>
                <caption>{ format!("Keys ({})", props.keys.total) }</caption>
                <thead><tr><th scope="col">{ "key" }</th><th scope="col">{ "type" }</th>
                    <th scope="col">{ "TTL" }</th><th scope="col">{ "size" }</th></tr></thead>
                <tbody>
                    { for props.keys.listed.iter().map(|k| {
                        let key = k.key.clone();
                        let on_select = props.on_select.clone();
                        let active = props.selected.as_ref() == Some(&k.key);
                        let (one, many) = match k.kind {
                            "stream" => ("entry", "entries"),
                            "list" => ("element", "elements"),
                            "hash" => ("field", "fields"),
                            "set" | "zset" => ("member", "members"),
                            _ => ("byte", "bytes"),
                        };
                        let unit = if k.size == 1 { one } else { many };
                        html! {
                            <tr data-key={k.key.clone()} data-type={k.kind} data-encoding={k.encoding}
                                data-ttl-ms={k.ttl_ms.map(|t| t.to_string())}
                                class={classes!(active.then_some("active"))}>
                                <td><button type="button" class="key-link" aria-pressed={active.to_string()}
                                    onclick={Callback::from(move |_| on_select.emit(key.clone()))}>{ &k.key }</button></td>
                                <td>{ k.kind }<span class="encoding" title="OBJECT ENCODING">{ k.encoding }</span></td>
                                <td class={classes!(k.ttl_ms.is_some().then_some("ttl"))}>{ ttl(k.ttl_ms) }</td>
                                <td>{ format!("{} {unit}", k.size) }</td>
                            </tr>
                        }
                    }) }
                    if props.keys.total > props.keys.listed.len() {
                        <tr class="more"><td colspan="4" class="quiet">
                            { format!("… {} more keys (the first {} are listed; SCAN or KEYS with a pattern finds the others)",
                                props.keys.total - props.keys.listed.len(), crate::view::LISTED_KEYS) }
                        </td></tr>
                    }
                </tbody>
            </table>
            if let Some((key, value)) = selected_string {
                <div class="string-value" aria-label={format!("Value of {key}")}>
                    <span class="quiet">{ format!("{key} = ") }</span><code>{ value }</code>
                </div>
            }
        </section>
    }
}
