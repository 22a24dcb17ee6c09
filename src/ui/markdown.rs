//! Markdown from a model, drawn as Dioxus elements. Raw HTML in a reply is shown as text,
//! never interpreted, so a reply cannot inject markup or scripts. Code blocks get a copy button.

use dioxus::prelude::*;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Paragraph,
    Heading(u8),
    Quote,
    List(Option<u64>),
    Item,
    Emphasis,
    Strong,
    Strike,
    Link(String),
    Table,
    Head,
    Row,
    Cell,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Code(String),
    Block(Kind, Vec<Node>),
    CodeBlock { lang: String, text: String },
    Break,
    Rule,
}

/// How deep blocks nest in what is drawn.
const MAX_DEPTH: usize = 48;

/// The tree of `text`: elements nest as the events open and close them.
fn parse(text: &str) -> Vec<Node> {
    let mut stack: Vec<(Option<Kind>, Vec<Node>)> = vec![(None, Vec::new())];
    let mut code: Option<(String, String)> = None;
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for ev in Parser::new_ext(text, opts) {
        if let Some((_, buf)) = code.as_mut() {
            match ev {
                Event::Text(t) => {
                    buf.push_str(&t);
                    continue;
                }
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, text) = code.take().unwrap_or_default();
                    push(&mut stack, Node::CodeBlock { lang, text });
                    continue;
                }
                _ => continue,
            }
        }
        match ev {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => {
                        l.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Start(tag) => {
                let kind = match tag {
                    Tag::Paragraph => Some(Kind::Paragraph),
                    Tag::Heading { level, .. } => Some(Kind::Heading(match level {
                        HeadingLevel::H1 => 1,
                        HeadingLevel::H2 => 2,
                        HeadingLevel::H3 => 3,
                        _ => 4,
                    })),
                    Tag::BlockQuote(_) => Some(Kind::Quote),
                    Tag::List(start) => Some(Kind::List(start)),
                    Tag::Item => Some(Kind::Item),
                    Tag::Emphasis => Some(Kind::Emphasis),
                    Tag::Strong => Some(Kind::Strong),
                    Tag::Strikethrough => Some(Kind::Strike),
                    Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                        Some(Kind::Link(dest_url.to_string()))
                    }
                    Tag::Table(_) => Some(Kind::Table),
                    Tag::TableHead => Some(Kind::Head),
                    Tag::TableRow => Some(Kind::Row),
                    Tag::TableCell => Some(Kind::Cell),
                    _ => None,
                };
                // Drawing recurses once per level: deeper nesting (`>>>>…` from a model) is
                // drawn flat inside the deepest allowed block.
                let kind = if stack.len() > MAX_DEPTH { None } else { kind };
                stack.push((kind, Vec::new()));
            }
            Event::End(_) if stack.len() > 1 => {
                let (kind, children) = stack.pop().unwrap_or((None, Vec::new()));
                match kind {
                    Some(k) => push(&mut stack, Node::Block(k, children)),
                    // Unknown containers keep their content.
                    None => children.into_iter().for_each(|c| push(&mut stack, c)),
                }
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push(&mut stack, Node::Text(t.to_string()))
            }
            Event::Code(t) => push(&mut stack, Node::Code(t.to_string())),
            Event::SoftBreak => push(&mut stack, Node::Text(" ".into())),
            Event::HardBreak => push(&mut stack, Node::Break),
            Event::Rule => push(&mut stack, Node::Rule),
            _ => {}
        }
    }
    // A reply still streaming may end inside a code block or a list: show what there is.
    if let Some((lang, text)) = code {
        push(&mut stack, Node::CodeBlock { lang, text });
    }
    while stack.len() > 1 {
        let (kind, children) = stack.pop().unwrap_or((None, Vec::new()));
        match kind {
            Some(k) => push(&mut stack, Node::Block(k, children)),
            None => children.into_iter().for_each(|c| push(&mut stack, c)),
        }
    }
    stack.pop().map(|s| s.1).unwrap_or_default()
}

fn push(stack: &mut [(Option<Kind>, Vec<Node>)], n: Node) {
    if let Some(top) = stack.last_mut() {
        top.1.push(n);
    }
}

/// Only web and mail links are made clickable; anything else (javascript:, file:) is text.
fn safe_href(href: &str) -> Option<&str> {
    let lower = href.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        .then_some(href.trim())
}

#[component]
pub fn Markdown(text: String) -> Element {
    let nodes = parse(&text);
    rsx! {
        div { class: "md", {render(&nodes)} }
    }
}

fn render(nodes: &[Node]) -> Element {
    rsx! {
        for n in nodes.iter() {
            {render_node(n)}
        }
    }
}

fn render_node(n: &Node) -> Element {
    match n {
        Node::Text(t) => rsx! { "{t}" },
        Node::Code(t) => rsx! { code { "{t}" } },
        Node::Break => rsx! { br {} },
        Node::Rule => rsx! { hr {} },
        Node::CodeBlock { lang, text } => {
            rsx! { CodeBlock { lang: lang.clone(), text: text.clone() } }
        }
        Node::Block(kind, children) => {
            let inner = render(children);
            match kind {
                Kind::Paragraph => rsx! { p { {inner} } },
                Kind::Heading(1) => rsx! { h3 { {inner} } },
                Kind::Heading(2) => rsx! { h4 { {inner} } },
                Kind::Heading(_) => rsx! { h5 { {inner} } },
                Kind::Quote => rsx! { blockquote { {inner} } },
                Kind::List(None) => rsx! { ul { {inner} } },
                Kind::List(Some(start)) => rsx! { ol { start: "{start}", {inner} } },
                Kind::Item => rsx! { li { {inner} } },
                Kind::Emphasis => rsx! { em { {inner} } },
                Kind::Strong => rsx! { strong { {inner} } },
                Kind::Strike => rsx! { del { {inner} } },
                Kind::Link(href) => match safe_href(href) {
                    Some(h) => {
                        rsx! { a { href: "{h}", target: "_blank", rel: "noopener noreferrer", title: "{h}", {inner} } }
                    }
                    None => rsx! { span { {inner} } },
                },
                Kind::Table => rsx! { div { class: "md-table", table { {inner} } } },
                Kind::Head => rsx! { thead { tr { {inner} } } },
                Kind::Row => rsx! { tr { {inner} } },
                Kind::Cell => rsx! { td { {inner} } },
            }
        }
    }
}

#[component]
fn CodeBlock(lang: String, text: String) -> Element {
    let mut copied = use_signal(|| false);
    let t = text.clone();
    rsx! {
        div { class: "md-code",
            div { class: "md-code-head",
                span { class: "muted small", if lang.is_empty() { "code" } else { "{lang}" } }
                button {
                    class: "button small",
                    aria_label: "Copy this code",
                    onclick: move |_| {
                        let t = t.clone();
                        async move {
                            if super::clipboard::copy(&t).await {
                                copied.set(true);
                                super::timer::sleep_ms(1500).await;
                                copied.set(false);
                            }
                        }
                    },
                    if *copied.read() { "Copied" } else { "Copy" }
                }
            }
            pre { code { "{text}" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn blocks_inline_and_unfinished_code() {
        let n = parse("# Title\n\nSome *em* and `code`.\n\n```rust\nfn main() {}\n");
        assert!(matches!(&n[0], Node::Block(Kind::Heading(1), _)));
        assert!(
            matches!(&n[1], Node::Block(Kind::Paragraph, c) if c.contains(&Node::Code("code".into())))
        );
        assert_eq!(
            n[2],
            Node::CodeBlock {
                lang: "rust".into(),
                text: "fn main() {}\n".into()
            }
        );
    }

    #[test]
    fn html_stays_text_and_only_web_links_link() {
        let n = parse("<script>alert(1)</script>\n\n[x](javascript:alert(1))");
        assert!(format!("{n:?}").contains("Text(\"<script>"));
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(
            safe_href("https://example.com"),
            Some("https://example.com")
        );
    }

    fn depth(nodes: &[Node]) -> usize {
        nodes
            .iter()
            .map(|n| match n {
                Node::Block(_, c) => 1 + depth(c),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    fn draw(text: String) -> String {
        let mut dom = VirtualDom::new_with_props(Markdown, MarkdownProps { text });
        dom.rebuild_in_place();
        dioxus_ssr::render(&dom)
    }

    #[test]
    fn deep_nesting_is_drawn_flat_not_recursed() {
        for text in [
            ">".repeat(20_000) + " deep",
            "- ".repeat(5_000) + "item",
            "*".repeat(10_000) + "x" + &"*".repeat(10_000),
            "[".repeat(5_000) + "x" + &"](https://a.example)".repeat(5_000),
        ] {
            let nodes = parse(&text);
            assert!(depth(&nodes) <= MAX_DEPTH + 1, "{}", depth(&nodes));
            let html = draw(text);
            assert!(html.contains("md"), "{html:.200}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1500)
        ))]
        /// Any model output is drawn without a panic, and nothing in it becomes markup that runs
        /// or a link that is not web or mail.
        #[test]
        fn any_reply_is_drawn_inert(text in proptest::prop_oneof![
            proptest::string::string_regex("(?s).{0,300}").unwrap(),
            proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just("<script>alert(1)</script>".to_string()),
                proptest::strategy::Just("<img src=x onerror=alert(1)>".to_string()),
                proptest::strategy::Just("[a](javascript:alert(1))".to_string()),
                proptest::strategy::Just("![i](javascript:x)".to_string()),
                proptest::strategy::Just("[b](https://ok.example/\"onmouseover=x)".to_string()),
                proptest::strategy::Just("<a href=\"javascript:x\">y</a>".to_string()),
                proptest::strategy::Just("```".to_string()),
                proptest::strategy::Just("\n".to_string()),
                proptest::strategy::Just("| a | b |\n|---|---|\n".to_string()),
                proptest::strategy::Just("> ".to_string()),
                proptest::strategy::Just("- ".to_string()),
                proptest::strategy::Just("1. ".to_string()),
                proptest::strategy::Just("**".to_string()),
                proptest::strategy::Just("~~".to_string()),
                proptest::strategy::Just("`".to_string()),
                proptest::string::string_regex(".{0,12}").unwrap(),
            ], 0..40).prop_map(|v| v.concat()),
        ]) {
            let html = draw(text);
            let lower = html.to_ascii_lowercase();
            proptest::prop_assert!(!lower.contains("<script"), "{}", html);
            proptest::prop_assert!(!lower.contains("<img"), "{}", html);
            for attr in lower.split('<').skip(1).map(|t| t.split('>').next().unwrap_or_default()) {
                // Inside a tag: no event handler, and every link is web or mail.
                for word in attr.split_whitespace() {
                    proptest::prop_assert!(!word.starts_with("on"), "{}", html);
                }
                if let Some(href) = attr.split("href=\"").nth(1) {
                    proptest::prop_assert!(
                        href.starts_with("https://") || href.starts_with("http://") || href.starts_with("mailto:"),
                        "{}", html
                    );
                }
            }
        }
    }
}
