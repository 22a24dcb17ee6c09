//! HTML mail made inert. What survives is shown later in a sandboxed frame whose
//! Content-Security-Policy also blocks remote images until the user allows them.

use std::collections::HashSet;

/// Sanitises an HTML body: no scripts, event handlers, forms, frames, SVG, `<meta>`/`<base>`,
/// or `style` (CSS can fetch remote resources); links only http(s)/mailto and opened with
/// `rel="noopener noreferrer"`; images only http(s) or `cid:` (inline parts from the cache).
pub fn sanitize_html(html: &str) -> String {
    let mut builder = policy();
    builder.attribute_filter(|element, attribute, value| {
        keeps_attribute(element, attribute, value).then(|| value.into())
    });
    builder.clean(html).to_string()
}

/// The tags, attributes and URL schemes mail may keep, without an attribute filter: the
/// caller adds one (ammonia takes a single filter) that starts with [`keeps_attribute`].
/// Used here when a body is stored and again by `mail::frame` when it is shown.
pub(crate) fn policy() -> ammonia::Builder<'static> {
    let url_schemes: HashSet<&str> = ["http", "https", "mailto", "cid"].into_iter().collect();
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(url_schemes)
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
}

/// Attribute rules on top of ammonia's allow-list. ammonia's defaults already drop event
/// handlers, `style`, `srcset`, `background`, `poster` and `src` outside `<img>`; they are
/// refused here too so that widening the allow-list later cannot let an image or a script
/// in by the side door.
pub(crate) fn keeps_attribute(element: &str, attribute: &str, value: &str) -> bool {
    let attribute = attribute.to_ascii_lowercase();
    if attribute.starts_with("on")
        || matches!(
            attribute.as_str(),
            "style" | "srcset" | "background" | "poster" | "lowsrc" | "dynsrc"
        )
        || (attribute == "src" && element != "img")
    {
        return false;
    }
    // A relative link (`/api/…`, `../x`) would resolve against the app's own page; mail has no
    // base to be relative to, so only absolute links and in-page anchors stay.
    if attribute == "href" {
        let v = value.trim_start();
        let starts = |p: &str| v.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p));
        if !(starts("http:") || starts("https:") || starts("mailto:") || v.starts_with('#')) {
            return false;
        }
    }
    // cid: only makes sense for images; a cid: link would go nowhere.
    let cid = value
        .trim_start()
        .get(..4)
        .is_some_and(|s| s.eq_ignore_ascii_case("cid:"));
    !cid || (element == "img" && attribute == "src")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_do_not_point_into_the_app() {
        let out = sanitize_html(
            r##"<a href="/api/accounts/remove">a</a><a href="../x">b</a><a href=" //evil.example/">c</a><a href="https://ok.example/">d</a><a href="#top">e</a>"##,
        );
        assert!(!out.contains("/api/"), "{out}");
        assert!(!out.contains("../x"), "{out}");
        assert!(!out.contains("evil.example"), "{out}");
        assert!(out.contains("https://ok.example/"), "{out}");
        assert!(out.contains("#top"), "{out}");
    }

    #[test]
    fn hostile_html_comes_out_inert() {
        let hostile = r#"
<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">
<style>body{background:url(https://track.example/pixel)}</style><script>alert(1)</script></head>
<body onload="steal()">
<p onclick="steal()" style="background:expression(alert(1))">Hello <b>there</b></p>
<a href="javascript:alert(1)">click</a> <a href="JaVaScRiPt:alert(2)">click2</a>
<a href="data:text/html,<script>alert(3)</script>">data</a> <a href="https://ok.example/">ok</a>
<img src="x" onerror="alert(4)"><img src="https://images.example/a.png"><img src="cid:logo@x">
<svg><script>alert(5)</script><a xlink:href="javascript:alert(6)"><circle r="9"/></a></svg>
<form action="https://evil.example/"><input name="password"><button>Send</button></form>
<iframe src="https://evil.example/"></iframe><object data="x.swf"></object><embed src="x.swf">
<math><mtext><table><mglyph><style><img src=x onerror=alert(7)></style></mglyph></table></mtext></math>
</body></html>"#;
        let clean = sanitize_html(hostile);
        let lower = clean.to_ascii_lowercase();
        for bad in [
            "<script",
            "onload",
            "onclick",
            "onerror",
            "javascript:",
            "expression(",
            "<style",
            "<meta",
            "<base",
            "<svg",
            "<form",
            "<input",
            "<iframe",
            "<object",
            "<embed",
            "data:text",
            "alert(",
            "track.example",
        ] {
            assert!(!lower.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains("Hello <b>there</b>"), "{clean}");
        assert!(
            clean.contains(r#"href="https://ok.example/""#) && clean.contains("noopener"),
            "{clean}"
        );
        assert!(clean.contains(r#"src="cid:logo@x""#), "{clean}");
        assert!(
            clean.contains(r#"src="https://images.example/a.png""#),
            "{clean}"
        );
    }
}
