//! Rendering the real app headless (VirtualDom + SSR) for the UI tests.

use std::rc::Rc;
use std::time::Duration;

use dioxus::dioxus_core::NoOpMutations;
use dioxus::history::{History, MemoryHistory};
use dioxus::prelude::*;

#[component]
fn Root(path: String) -> Element {
    use_context_provider(|| {
        Rc::new(MemoryHistory::with_initial_path(path.clone())) as Rc<dyn History>
    });
    rsx! { libreollama::ui::App {} }
}

/// Renders `path` and waits until `ready` appears (or 10 s pass), returning the HTML.
pub async fn render(path: &str, ready: &str) -> String {
    render_all(path, &[ready]).await
}

/// Like `render`, waiting for every text in `ready` (pages with several async parts).
pub async fn render_all(path: &str, ready: &[&str]) -> String {
    let mut dom = first_render(path);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let html = dioxus::ssr::render(&dom);
        if ready.iter().all(|r| html.contains(r)) || tokio::time::Instant::now() > deadline {
            return html;
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), dom.wait_for_work()).await;
        dom.render_immediate(&mut NoOpMutations);
    }
}

/// The app at `path` over the shared services, rendered once.
fn first_render(path: &str) -> VirtualDom {
    libreollama::api::install(super::shared());
    let mut dom = VirtualDom::new_with_props(Root, RootProps { path: path.into() });
    dom.rebuild_in_place();
    dom
}

/// The first frame of `path`: before any command has answered.
#[allow(dead_code)]
pub fn render_first(path: &str) -> String {
    dioxus::ssr::render(&first_render(path))
}

pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_style = false;
    let lower = html.to_string();
    let mut i = 0;
    let bytes = lower.as_bytes();
    while i < bytes.len() {
        if lower[i..].starts_with("<style") {
            in_style = true;
        }
        if in_style && lower[i..].starts_with("</style>") {
            in_style = false;
        }
        let c = lower[i..].chars().next().unwrap();
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag && !in_style => out.push(c),
            _ => {}
        }
        i += c.len_utf8();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
