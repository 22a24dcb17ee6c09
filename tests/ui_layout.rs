//! The markup the phone and tablet layout relies on (assets/small-screens.css switches between
//! panes by these classes), rendered headless like the other UI tests, and the phone rules in
//! the CSS.

#![cfg(feature = "server")]

mod support;

use support::ui::{render, render_all, text_of};

/// The `<a>` / `<button>` elements with `class` in `html`, each as (opening tag, inner HTML).
fn elements<'a>(html: &'a str, tag: &str, class: &str) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    let open = format!("<{tag} ");
    let close = format!("</{tag}>");
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i..];
        let end_open = after.find('>').expect("tag ends");
        let tag_text = &after[..=end_open];
        let inner_end = after.find(&close).expect("element closes");
        let inner = &after[end_open + 1..inner_end];
        let classes = attr(tag_text, "class").unwrap_or_default();
        if classes.split_whitespace().any(|c| c == class) {
            out.push((tag_text, inner));
        }
        rest = &after[end_open..];
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// The accessible name a screen reader would give an element: aria-label, else its text
/// without the parts hidden from assistive technology.
fn accessible_name(tag: &str, inner: &str) -> String {
    if let Some(label) = attr(tag, "aria-label") {
        return label.to_string();
    }
    let mut visible = inner.to_string();
    while let Some(i) = visible.find("aria-hidden=\"true\"") {
        let start = visible[..i].rfind('<').unwrap();
        let name_end = visible[start + 1..].find([' ', '>']).unwrap();
        let tag_name = visible[start + 1..start + 1 + name_end].to_string();
        let close = format!("</{tag_name}>");
        let end = visible[i..]
            .find(&close)
            .map(|j| i + j + close.len())
            .unwrap();
        visible.replace_range(start..end, "");
    }
    text_of(&visible)
}

#[tokio::test(flavor = "multi_thread")]
async fn ui_phone_bottom_bar_links_every_area_with_a_name() {
    let html = render("/about", "Version").await;
    let bar_start = html
        .find("class=\"bottom-nav\"")
        .expect("the bottom bar is in the page");
    let bar = &html[bar_start..html[bar_start..].find("</nav>").unwrap() + bar_start];
    assert!(bar.contains("aria-label=\"Main\""), "{bar}");
    let links = elements(bar, "a", "bottom-link");
    let got: Vec<(String, String)> = links
        .iter()
        .map(|(tag, inner)| {
            (
                attr(tag, "href").unwrap_or_default().to_string(),
                accessible_name(tag, inner),
            )
        })
        .collect();
    let want = [
        ("/", "Mail"),
        ("/tasks", "Tasks"),
        ("/calendar", "Calendar"),
        ("/chat", "Chat"),
        ("/settings", "Settings"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(h, n)| (h.to_string(), n.to_string()))
            .collect::<Vec<_>>()
    );
    // About has no entry of its own: it lives under Settings, which is lit.
    let lit: Vec<_> = links
        .iter()
        .filter(|(tag, _)| attr(tag, "aria-current") == Some("page"))
        .map(|(tag, _)| attr(tag, "href").unwrap_or_default())
        .collect();
    assert_eq!(lit, ["/settings"]);
    // The shell says which area is shown, and the page has its own title.
    assert!(html.contains("data-area=\"settings\""), "{html:.400}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ui_phone_settings_leads_to_the_pages_of_the_sidebar() {
    let html = render("/settings", "Appearance").await;
    let more = html
        .find("aria-label=\"More pages\"")
        .expect("Settings lists the other pages for phones");
    let nav = &html[more..more + html[more..].find("</nav>").unwrap()];
    for href in [
        "/ask",
        "/settings/accounts",
        "/settings/ai",
        "/diagnostics",
        "/about",
    ] {
        assert!(nav.contains(&format!("href=\"{href}\"")), "{href} in {nav}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ui_phone_mail_list_reaches_the_folders_by_a_named_button() {
    let html = render_all("/", &["Sync now"]).await;
    // One pane at a time on phones: with nothing open the list is the pane shown.
    assert!(html.contains("class=\"mail pane-list\""), "{html:.2000}");
    let buttons = elements(&html, "button", "folders-button");
    assert_eq!(buttons.len(), 1, "{html:.2000}");
    let (tag, inner) = buttons[0];
    assert_eq!(accessible_name(tag, inner), "Folders and labels");
    assert_eq!(attr(tag, "aria-controls"), Some("mail-folders"));
    assert!(html.contains("id=\"mail-folders\""));
    // …and the folder pane leads back to the list.
    let back = elements(&html, "button", "folders-back");
    assert_eq!(back.len(), 1);
    assert_eq!(accessible_name(back[0].0, back[0].1), "Messages");
    // The message list scrolls, so it takes the keyboard focus.
    let rows = html.find("class=\"mail-rows\"").unwrap();
    let rows_tag = &html[html[..rows].rfind('<').unwrap()..rows + html[rows..].find('>').unwrap()];
    assert!(rows_tag.contains("tabindex=\"0\""), "{rows_tag}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ui_phone_open_conversation_is_the_pane_shown_with_a_way_back() {
    let html = render_all("/mail/none/none", &["Back to messages"]).await;
    assert!(html.contains("class=\"mail pane-reader\""), "{html:.2000}");
    let back = elements(&html, "button", "reader-back");
    assert_eq!(back.len(), 1, "{html:.3000}");
    assert_eq!(accessible_name(back[0].0, back[0].1), "Back to messages");
}

/// The body of the first `@media (max-width: N)` block whose query starts with `query`.
fn media_block<'a>(css: &'a str, query: &str) -> &'a str {
    let at = css
        .find(&format!("@media {query}"))
        .unwrap_or_else(|| panic!("no @media {query} in the style sheet"));
    let open = at + css[at..].find('{').unwrap();
    let mut depth = 0;
    for (i, c) in css[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &css[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("@media {query} is not closed");
}

/// The declarations of `selector` inside a block (rules are one per selector list).
fn declarations<'a>(block: &'a str, selector: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = block;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').unwrap();
        let sel = rest[..open].rsplit(['}', '/']).next().unwrap_or_default();
        if sel.split(',').any(|s| s.trim() == selector) {
            out.push(&rest[open + 1..close]);
        }
        rest = &rest[close + 1..];
    }
    out
}

/// The CSS with every `@media` block taken out.
fn outside_media(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(at) = rest.find("@media") {
        out.push_str(&rest[..at]);
        let block = media_block(
            rest,
            &rest[at + 7..at + 7 + rest[at + 7..].find('{').unwrap()],
        );
        let end = rest.find(block).unwrap() + block.len() + 1;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn has(block: &str, selector: &str, decl: &str) -> bool {
    declarations(block, selector)
        .iter()
        .any(|d| d.split(';').any(|x| x.trim() == decl))
}

#[test]
fn ui_phone_css_shows_one_pane_and_the_bottom_bar() {
    let main = libreollama::ui::CSS;
    let small = libreollama::ui::CSS_SMALL;
    let phone = media_block(small, "(max-width: 640px)");
    for (selector, decl) in [
        (".sidebar", "display: none"),
        (".button.back-button", "display: inline-flex"),
        (".mail.pane-folders .mail-folders", "display: block"),
        (".mail.pane-list .mail-list", "display: flex"),
        (".mail.pane-reader .mail-reader", "display: block"),
        (".mail-panes", "grid-template-columns: minmax(0, 1fr)"),
        (".chat", "grid-template-columns: minmax(0, 1fr)"),
        (".chat.has-open .chat-list", "display: none"),
        (".grid", "grid-template-columns: minmax(0, 1fr)"),
    ] {
        assert!(has(phone, selector, decl), "phone: {selector} {{ {decl} }}");
    }
    assert!(
        declarations(phone, ".bottom-nav")
            .iter()
            .any(|d| d.contains("display: flex")),
        "phone: the bottom bar shows"
    );
    // Every pane is hidden before the one for the state is shown.
    assert!(has(phone, ".mail .mail-list", "display: none"));
    // Hidden on wider windows, outside any media query.
    let outside = outside_media(main);
    assert!(has(&outside, ".bottom-nav", "display: none"));
    assert!(has(&outside, ".button.back-button", "display: none"));
    // The window follows the height the on-screen keyboard leaves.
    assert!(has(&outside, ".app", "height: 100dvh"));
    // Touch targets.
    let touch = media_block(small, "(max-width: 900px), (pointer: coarse)");
    for selector in [
        ".button",
        ".folder",
        ".nav-link",
        ".bottom-link",
        ".chat-item",
    ] {
        assert!(
            has(touch, selector, "min-height: 44px"),
            "touch: {selector} is 44 px"
        );
    }
}
