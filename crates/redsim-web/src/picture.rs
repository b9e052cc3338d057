//! Taking a picture of the shown step: the pictures themselves (the page's own elements, in an
//! SVG `foreignObject` with the app's stylesheet and the colour scheme they were shown in), as an
//! SVG file, or as a PNG drawn from that SVG.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The app's stylesheet, so the picture looks as the page does wherever it is opened.
const STYLE: &str = include_str!("../../../www/style.css");

/// Space around and between the pictures, in CSS pixels.
const GAP: f64 = 12.0;

fn document() -> Result<web_sys::Document, JsValue> {
    web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))
}

/// An SVG of the elements the selectors find, one under the other, and its size.
pub fn svg_of(selectors: &[&str]) -> Result<(String, f64, f64), JsValue> {
    let document = document()?;
    let serializer = web_sys::XmlSerializer::new()?;
    let (mut body, mut width, mut height) = (String::new(), 0f64, GAP);
    for selector in selectors {
        if let Some(element) = document.query_selector(selector)? {
            let rect = element.get_bounding_client_rect();
            width = width.max(rect.width());
            height += rect.height() + GAP;
            body.push_str(&serializer.serialize_to_string(&element)?);
        }
    }
    if body.is_empty() {
        return Err(JsValue::from_str("nothing to take a picture of"));
    }
    let dark = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches());
    let scheme = if dark { "dark" } else { "light" };
    let (w, h) = ((width + 2.0 * GAP).ceil(), height.ceil());
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" style=\"color-scheme: {scheme}\">\
         <style><![CDATA[{STYLE}\n.picture-export > * {{ margin-bottom: {GAP}px; }}\n.picture-export * {{ animation: none !important; transition: none !important; }}\n.picture-export button, .picture-export input {{ display: none !important; }}]]></style>\
         <foreignObject x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\">\
         <div xmlns=\"http://www.w3.org/1999/xhtml\" class=\"picture-export\" style=\"padding: {GAP}px; background: var(--bg); color: var(--ink); font: 16px/1.45 var(--sans); width: {w}px; min-height: {h}px;\">{body}</div>\
         </foreignObject></svg>"
    );
    Ok((svg, w, h))
}

/// A PNG of an SVG made by [`svg_of`], at `scale` pixels per CSS pixel.
pub async fn png_of(svg: &str, width: f64, height: f64, scale: f64) -> Result<web_sys::Blob, JsValue> {
    let document = document()?;
    let image = web_sys::HtmlImageElement::new()?;
    let uri: String = js_sys::encode_uri_component(svg).into();
    image.set_src(&format!("data:image/svg+xml;charset=utf-8,{uri}"));
    JsFuture::from(image.decode()).await?;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width((width * scale) as u32);
    canvas.set_height((height * scale) as u32);
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or_else(|| JsValue::from_str("no 2d context"))?.dyn_into()?;
    context.scale(scale, scale)?;
    context.draw_image_with_html_image_element(&image, 0.0, 0.0)?;
    let blob = js_sys::Promise::new(&mut |resolve, reject| {
        let done = wasm_bindgen::closure::Closure::once_into_js(move |blob: JsValue| {
            let _ = if blob.is_null() {
                reject.call1(&JsValue::NULL, &"the picture could not be drawn".into())
            } else {
                resolve.call1(&JsValue::NULL, &blob)
            };
        });
        if let Err(e) = canvas.to_blob(done.unchecked_ref()) {
            let _ = e;
        }
    });
    JsFuture::from(blob).await?.dyn_into()
}

/// Offers a blob as a downloaded file.
pub fn download(blob: &web_sys::Blob, name: &str) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let link: web_sys::HtmlAnchorElement = document()?.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// Takes the picture and offers it as `<stem>.svg` or `<stem>.png`; an error says why not.
pub async fn save(selectors: &[&str], stem: &str, png: bool) -> Result<(), String> {
    let (svg, w, h) = svg_of(selectors).map_err(|_| "There is no picture to save yet.".to_string())?;
    let blob = if png {
        png_of(&svg, w, h, 2.0).await.map_err(|_| "This browser could not draw the picture as a PNG.".to_string())?
    } else {
        let parts = js_sys::Array::of1(&JsValue::from_str(&svg));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("image/svg+xml");
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "No blob.".to_string())?
    };
    download(&blob, &format!("{stem}.{}", if png { "png" } else { "svg" }))
        .map_err(|_| "This browser did not allow the download.".to_string())
}

#[derive(yew::Properties, PartialEq)]
pub struct SaveButtonsProps {
    /// What to take a picture of, top to bottom.
    pub selectors: Vec<&'static str>,
    /// The file's name without its extension.
    pub stem: &'static str,
    /// Told why a picture could not be saved.
    #[prop_or_default]
    pub on_error: yew::Callback<String>,
}

/// "Picture: SVG PNG": saves the shown step's pictures.
#[yew::function_component(SaveButtons)]
pub fn save_buttons(props: &SaveButtonsProps) -> yew::Html {
    use yew::prelude::*;
    let make = |png: bool| {
        let (selectors, stem, on_error) = (props.selectors.clone(), props.stem, props.on_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (selectors, on_error) = (selectors.clone(), on_error.clone());
            yew::platform::spawn_local(async move {
                if let Err(why) = save(&selectors, stem, png).await {
                    on_error.emit(why);
                }
            });
        })
    };
    html! {
        <span class="save-picture" role="group" aria-label="Save the pictures">
            <span class="save-picture-label">{ "Picture" }</span>
            <button type="button" onclick={make(false)} aria-label="Save the pictures as SVG">{ "SVG" }</button>
            <button type="button" onclick={make(true)} aria-label="Save the pictures as PNG">{ "PNG" }</button>
        </span>
    }
}

/// Waits `ms` milliseconds (the page renders meanwhile).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Records a run as a WebM video: a frame of the pictures, then `advance` (false when there is no
/// next step), `frame_ms` apart, at most `frames` of them; the browser's `MediaRecorder` encodes
/// what is drawn on a canvas.
pub async fn record(
    selectors: &[&str],
    frames: usize,
    frame_ms: i32,
    mut advance: impl FnMut() -> bool,
) -> Result<web_sys::Blob, JsValue> {
    let document = document()?;
    let (first, w, h) = svg_of(selectors)?;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or_else(|| JsValue::from_str("no 2d context"))?.dyn_into()?;
    let dark = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches());
    let background = if dark { "#15171a" } else { "#f7f6f3" };
    let stream = canvas.capture_stream()?;
    let options = web_sys::MediaRecorderOptions::new();
    options.set_mime_type("video/webm");
    let recorder = web_sys::MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)?;
    let chunks = js_sys::Array::new();
    let on_data = {
        let chunks = chunks.clone();
        wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::BlobEvent)>::new(move |e: web_sys::BlobEvent| {
            if let Some(data) = e.data() {
                chunks.push(&data);
            }
        })
    };
    recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
    let stopped = js_sys::Promise::new(&mut |resolve, _| recorder.set_onstop(Some(&resolve)));
    recorder.start()?;
    let mut svg = first;
    for i in 0..frames.max(1) {
        let image = web_sys::HtmlImageElement::new()?;
        let uri: String = js_sys::encode_uri_component(&svg).into();
        image.set_src(&format!("data:image/svg+xml;charset=utf-8,{uri}"));
        JsFuture::from(image.decode()).await?;
        // Each frame at its own size on the first frame's canvas, over the page's background.
        context.set_fill_style_str(background);
        context.fill_rect(0.0, 0.0, w, h);
        context.draw_image_with_html_image_element(&image, 0.0, 0.0)?;
        sleep(frame_ms).await;
        if i + 1 == frames || !advance() {
            break;
        }
        // Let the page draw the next step before it is taken.
        sleep(30).await;
        svg = svg_of(selectors)?.0;
    }
    recorder.stop()?;
    JsFuture::from(stopped).await?;
    drop(on_data);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("video/webm");
    web_sys::Blob::new_with_blob_sequence_and_options(&chunks, &options)
}
