//! A stored HTML body made ready for the reader's sandboxed frame (`<iframe srcdoc>`).
//!
//! The body is parsed again by ammonia with the same policy as when it was stored, and every
//! image decision is made on the parsed `<img src>` attribute (ammonia's attribute filter),
//! never by searching the markup as text:
//! - `cid:` becomes a `data:image/<type>;base64,…` URL when the message has that inline part
//!   and its type is one of [`INLINE_IMAGE_TYPES`]; otherwise the source is dropped and the
//!   image counted as missing;
//! - `http:`, `https:` and scheme-relative (`//host/…`) sources stay only when remote images
//!   are allowed; otherwise they are dropped and counted in `blocked_images`;
//! - any other source is dropped.
//!
//! The serialised result then has `"`, `'` and `=` in text (and `=` in attribute values) written
//! as character references, so text that looks like markup (`src="https://…`, `onerror=`) is
//! shown as text and cannot be mistaken for an attribute by anything that reads the frame.
//! A Content-Security-Policy in the frame enforces the same image rule a second time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::Engine;

use super::sanitize;
use crate::model::HtmlBody;

/// Image types inlined from `cid:` parts (lower-case subtypes of `image/`), each with the type
/// written into the `data:` URL. Raster formats only: `image/svg+xml` is refused because an
/// SVG document can carry script, event handlers and references to other resources, and
/// whether a browser neutralises those depends on how the image is later opened (in an
/// `<img>`, or as a document when the user opens or saves it); a raster image is only pixels.
pub const INLINE_IMAGE_TYPES: &[(&str, &str)] = &[
    ("png", "png"),
    ("apng", "apng"),
    ("jpeg", "jpeg"),
    ("jpg", "jpeg"),
    ("pjpeg", "jpeg"),
    ("gif", "gif"),
    ("webp", "webp"),
    ("avif", "avif"),
    ("bmp", "bmp"),
    ("x-icon", "x-icon"),
    ("vnd.microsoft.icon", "vnd.microsoft.icon"),
];

/// A framed body and what was left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Framed {
    pub body: HtmlBody,
    /// `cid:` images with no usable inline part (absent, or not an allowed image type).
    pub missing_inline: usize,
}

/// See [`frame`]; only the body.
pub fn frame_html(
    html: &str,
    inline: &HashMap<String, (String, Vec<u8>)>,
    show_remote: bool,
    links_in_new_tab: bool,
) -> HtmlBody {
    frame(html, inline, show_remote, links_in_new_tab).body
}

/// Wraps an HTML body (any text: it is sanitised again here) for a sandboxed frame: inline
/// images from `inline` (content id without `<>` → (MIME type, bytes)), remote images only
/// when `show_remote`, and a Content-Security-Policy that enforces the same in the frame.
pub fn frame(
    html: &str,
    inline: &HashMap<String, (String, Vec<u8>)>,
    show_remote: bool,
    links_in_new_tab: bool,
) -> Framed {
    let images = Arc::new(inline_images(inline));
    let blocked = Arc::new(AtomicUsize::new(0));
    let missing = Arc::new(AtomicUsize::new(0));
    let mut builder = sanitize::policy();
    {
        let (images, blocked, missing) = (images.clone(), blocked.clone(), missing.clone());
        builder.attribute_filter(move |element, attribute, value| {
            if !sanitize::keeps_attribute(element, attribute, value) {
                return None;
            }
            if !(element == "img" && attribute == "src") {
                return Some(value.into());
            }
            match image_source(value) {
                Source::Inline(key) => match lookup(&images, &key) {
                    Some(url) => Some(Cow::Owned(url.to_string())),
                    None => {
                        missing.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                },
                Source::Remote(url) if show_remote => Some(url),
                Source::Remote(_) => {
                    blocked.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Source::Other => None,
            }
        });
    }
    let cleaned = builder.clean(html).to_string();
    let body = escape_lookalikes(&cleaned);
    let img_src = if show_remote {
        "data: https: http:"
    } else {
        "data:"
    };
    let base = if links_in_new_tab {
        "<base target=\"_blank\">"
    } else {
        ""
    };
    let srcdoc = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src {img_src}; style-src 'unsafe-inline'\">\
         {base}<style>html{{color-scheme:light}}body{{margin:0;padding:12px 16px;font:14px/1.55 system-ui,sans-serif;color:#1d1f24;background:#fff;overflow-wrap:anywhere}}\
         img{{max-width:100%;height:auto}}a{{color:#3559d6}}table{{max-width:100%}}blockquote{{margin:0 0 0 8px;padding-left:8px;border-left:2px solid #ccc;color:#555}}</style>\
         </head><body>{body}</body></html>"
    );
    Framed {
        body: HtmlBody {
            srcdoc,
            blocked_images: blocked.load(Ordering::Relaxed),
            images_shown: show_remote,
        },
        missing_inline: missing.load(Ordering::Relaxed),
    }
}

/// The `data:` URL for each usable inline part, by normalised content id.
fn inline_images(inline: &HashMap<String, (String, Vec<u8>)>) -> HashMap<String, String> {
    inline
        .iter()
        .filter_map(|(cid, (mime, data))| {
            let subtype = inline_image_type(mime)?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(data);
            Some((cid_key(cid), format!("data:image/{subtype};base64,{b64}")))
        })
        .collect()
}

/// The `data:` URL subtype for an inline part's MIME type, if it is an allowed image type.
/// The whole value must be `image/<subtype>` (no parameters, nothing else), and what is
/// written into the URL comes from [`INLINE_IMAGE_TYPES`], never from the message.
pub fn inline_image_type(mime: &str) -> Option<&'static str> {
    let (kind, subtype) = mime.trim().split_once('/')?;
    if !kind.eq_ignore_ascii_case("image") {
        return None;
    }
    INLINE_IMAGE_TYPES
        .iter()
        .find(|(name, _)| subtype.eq_ignore_ascii_case(name))
        .map(|(_, canonical)| *canonical)
}

fn cid_key(cid: &str) -> String {
    cid.trim().trim_matches(['<', '>']).trim().to_lowercase()
}

fn lookup<'a>(images: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    images
        .get(key)
        .or_else(|| images.get(&percent_decode(key)?))
        .map(String::as_str)
}

/// RFC 2392 writes a content id URL-encoded (`cid:part1%40example`).
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(|s| s.to_lowercase())
}

enum Source<'u> {
    /// A normalised content id.
    Inline(String),
    /// The URL to use when remote images are shown.
    Remote(Cow<'u, str>),
    Other,
}

/// What an `<img src>` value (as parsed, entities decoded) points at.
fn image_source(value: &str) -> Source<'_> {
    // Browsers strip leading and trailing ASCII whitespace from URLs.
    let v = value.trim_matches(|c: char| c.is_ascii_whitespace());
    let has_scheme = |scheme: &str| {
        v.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    };
    if has_scheme("cid:") {
        return Source::Inline(cid_key(&v[4..]));
    }
    if has_scheme("http:") || has_scheme("https:") {
        if ammonia::Url::parse(v).is_ok_and(|u| on_this_network(&u)) {
            return Source::Other;
        }
        return Source::Remote(Cow::Borrowed(value));
    }
    // `//host/path` (or with backslashes, which browsers read the same) fetches from
    // `host` with the page's scheme: a remote image too.
    let mut chars = v.chars();
    if let (Some('/' | '\\'), Some('/' | '\\')) = (chars.next(), chars.next()) {
        if let Ok(url) = ammonia::Url::parse(&format!("https://{}", chars.as_str())) {
            if url.host().is_some() && !on_this_network(&url) {
                return Source::Remote(Cow::Owned(url.into()));
            }
        }
    }
    Source::Other
}

/// A mail's image must never make the reader's machine call its own router, printer or local
/// services (`http://192.168.1.1/reboot`): loopback, private and link-local hosts are dropped,
/// even once remote images are allowed.
fn on_this_network(url: &ammonia::Url) -> bool {
    let local_v4 = |ip: std::net::Ipv4Addr| {
        ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast()
            // 100.64/10: carrier-grade NAT, often a VPN's own network.
            || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
    };
    match url.host() {
        Some(ammonia::url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost") || d.ends_with(".local")
        }
        Some(ammonia::url::Host::Ipv4(ip)) => local_v4(ip),
        Some(ammonia::url::Host::Ipv6(ip)) => {
            let seg = ip.segments();
            ip.is_loopback()
                || ip.is_unspecified()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || ip.to_ipv4_mapped().is_some_and(local_v4)
        }
        None => false,
    }
}

/// Writes `"`, `'` and `=` in text, and `=` in attribute values, as character references.
///
/// `html` is ammonia's serialisation, which is canonical: every `<` in text is written `&lt;`,
/// so a `<` starts a tag; attribute values are always double-quoted with `"`, `<` and `>`
/// inside them escaped; comments and raw-text elements (`script`, `style`, …) are gone. Our
/// own `data:` image URLs keep their `=` (base64 padding) as they are.
fn escape_lookalikes(html: &str) -> String {
    enum State {
        Text,
        Tag,
        Value { raw: bool },
    }
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut state = State::Text;
    // The current attribute's name and `=`, while in a tag.
    let mut name = String::new();
    for (i, c) in html.char_indices() {
        match state {
            State::Text => match c {
                '<' => {
                    out.push(c);
                    name.clear();
                    state = State::Tag;
                }
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '=' => out.push_str("&#61;"),
                _ => out.push(c),
            },
            State::Tag => {
                out.push(c);
                match c {
                    '>' => state = State::Text,
                    '"' => {
                        let raw = name == "src=" && html[i + 1..].starts_with("data:image/");
                        state = State::Value { raw };
                    }
                    c if c.is_ascii_whitespace() || c == '/' => name.clear(),
                    c => name.push(c),
                }
            }
            State::Value { raw } => match c {
                '"' => {
                    out.push(c);
                    name.clear();
                    state = State::Tag;
                }
                '=' if !raw => out.push_str("&#61;"),
                _ => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(items: &[(&str, &str, &[u8])]) -> HashMap<String, (String, Vec<u8>)> {
        items
            .iter()
            .map(|(cid, mime, data)| (cid.to_string(), (mime.to_string(), data.to_vec())))
            .collect()
    }

    /// The body between `<body>` and `</body>`.
    fn body(f: &Framed) -> &str {
        let s = &f.body.srcdoc;
        let start = s.find("<body>").unwrap() + "<body>".len();
        &s[start..s.rfind("</body>").unwrap()]
    }

    #[test]
    fn regression_unclosed_src_quote_in_text_does_not_panic() {
        // Once a panic on "Show images": the text scanner sliced past the end of the body.
        for html in [
            r#"src="https://"#,
            r#"<p>look: src="https://example.com/a.png</p>"#,
            r#"<p>src="</p>"#,
            r#"src=""#,
            "<img src=\"https://x.example/a.png",
        ] {
            for show in [false, true] {
                let f = frame(html, &HashMap::new(), show, false);
                assert!(!f.body.srcdoc.contains("src=\"http"), "{html}: {f:?}");
            }
        }
        let f = frame(r#"<p>see src="https://"#, &HashMap::new(), true, false);
        assert_eq!(body(&f), "<p>see src&#61;&quot;https://</p>");
        assert_eq!(f.body.blocked_images, 0);
    }

    #[test]
    fn attribute_lookalike_text_is_shown_as_text() {
        let html = r#"<p>Write <code>&lt;img src="https://a.example/x.png" onerror='go()'&gt;</code> and a=b</p>"#;
        let f = frame(html, &HashMap::new(), false, false);
        assert_eq!(
            body(&f),
            "<p>Write <code>&lt;img src&#61;&quot;https://a.example/x.png&quot; \
             onerror&#61;&#39;go()&#39;&gt;</code> and a&#61;b</p>"
        );
        assert_eq!(f.body.blocked_images, 0, "text is not an image");
        // Attribute values that look like attributes stay inside their value.
        let f = frame(
            r#"<img alt='x" onerror="y'>"#,
            &HashMap::new(),
            false,
            false,
        );
        assert_eq!(body(&f), "<img alt=\"x&quot; onerror&#61;&quot;y\">");
    }

    #[test]
    fn cid_png_is_inlined() {
        let inline = parts(&[("logo@example", "image/png", &[1, 2, 3, 4])]);
        for src in [
            "cid:logo@example",
            "CID:<Logo@Example>",
            " cid:logo%40example ",
        ] {
            let f = frame(&format!("<img src=\"{src}\">"), &inline, false, false);
            assert_eq!(
                body(&f),
                "<img src=\"data:image/png;base64,AQIDBA==\">",
                "{src}"
            );
            assert_eq!((f.body.blocked_images, f.missing_inline), (0, 0));
        }
        let f = frame(
            "<img src=cid:j>",
            &parts(&[("j", "Image/JPG", &[0])]),
            false,
            false,
        );
        assert!(
            body(&f).contains("src=\"data:image/jpeg;base64,AA==\""),
            "{f:?}"
        );
    }

    #[test]
    fn cid_with_a_non_image_or_forged_type_is_refused() {
        for mime in [
            "text/html",
            "image/svg+xml",
            "image/png\" onerror=\"x",
            "image/png; name=x.png",
            "image/",
            "image",
            "",
        ] {
            let inline = parts(&[("a", mime, b"<script>alert(1)</script>")]);
            let f = frame(
                "<p>x</p><img src=\"cid:a\" alt=\"logo\">",
                &inline,
                false,
                false,
            );
            assert_eq!(body(&f), "<p>x</p><img alt=\"logo\">", "{mime}");
            assert_eq!(f.missing_inline, 1, "{mime}");
            assert!(!f.body.srcdoc.contains("data:image"), "{mime}");
        }
        let f = frame("<img src=\"cid:nope\">", &HashMap::new(), true, false);
        assert_eq!((body(&f), f.missing_inline), ("<img>", 1));
    }

    #[test]
    fn images_on_the_readers_own_network_are_never_fetched() {
        for src in [
            "http://192.168.1.1/reboot",
            "http://127.0.0.1:8080/api/about",
            "https://localhost/x",
            "http://printer.local/x",
            "http://10.0.0.7/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/x",
            "http://[fe80::1]/x",
            "http://[::ffff:192.168.0.1]/x",
            "//192.168.1.1/x",
        ] {
            assert!(matches!(image_source(src), Source::Other), "{src}");
        }
        assert!(matches!(
            image_source("https://example.com/x.png"),
            Source::Remote(_)
        ));
        assert!(matches!(
            image_source("http://8.8.8.8/x.png"),
            Source::Remote(_)
        ));
    }

    #[test]
    fn remote_images_are_counted_and_shown_when_allowed() {
        let html = r#"<img src="https://t.example/1.gif"><p>hi</p><img src="HTTP://t.example/2.gif?a=b" alt="two">"#;
        let f = frame(html, &HashMap::new(), false, false);
        assert_eq!(f.body.blocked_images, 2);
        assert!(!f.body.srcdoc.contains("t.example"), "{f:?}");
        assert!(f.body.srcdoc.contains("img-src data:;"));
        assert!(!f.body.images_shown);
        let f = frame(html, &HashMap::new(), true, true);
        assert_eq!(f.body.blocked_images, 0);
        assert!(f.body.images_shown);
        assert_eq!(
            body(&f),
            "<img src=\"https://t.example/1.gif\"><p>hi</p>\
             <img src=\"HTTP://t.example/2.gif?a&#61;b\" alt=\"two\">"
        );
        assert!(f.body.srcdoc.contains("img-src data: https: http:"));
        assert!(f.body.srcdoc.contains("<base target=\"_blank\">"));
    }

    #[test]
    fn other_image_sources_and_attributes_are_dropped() {
        let html = r#"<img src="//t.example/p.gif"><img src="\\t.example\q.gif"><img src="data:image/png;base64,AA=="><img src="javascript:alert(1)"><img src="pic.png"><img srcset="https://t.example/s.gif 2x"><table background="https://t.example/b.gif"><tr><td style="background:url(https://t.example/c.gif)">x</td></tr></table><svg><image href="https://t.example/d.gif"/></svg><a href="cid:x">l</a>"#;
        let f = frame(html, &HashMap::new(), false, false);
        assert_eq!(f.body.blocked_images, 2, "the two scheme-relative ones");
        for bad in ["t.example", "data:image", "javascript", "pic.png", "cid:"] {
            assert!(!f.body.srcdoc.contains(bad), "{bad}: {f:?}");
        }
        let f = frame(html, &HashMap::new(), true, false);
        assert_eq!(f.body.blocked_images, 0);
        assert!(body(&f).starts_with("<img src=\"https://t.example/p.gif\"><img src=\"https://t.example/q.gif\"><img><img><img><img>"), "{f:?}");
    }

    #[test]
    fn a_stored_body_is_framed_as_the_reader_expects() {
        // The body of tests/ui_mail.rs, as stored (sanitised once) and then framed.
        let stored = sanitize::sanitize_html(
            r#"<p onclick="steal()">The <b>engine</b> works.</p><img src="https://track.example/o.gif"><img src="cid:logo@ex"><script>alert(1)</script>"#,
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode("iVBORw0KGgo=")
            .unwrap();
        let inline = parts(&[("logo@ex", "image/png", &png)]);
        let f = frame(&stored, &inline, false, false);
        assert_eq!(f.body.blocked_images, 1);
        for bad in ["track.example", "onclick", "<script", "alert(", "cid:"] {
            assert!(!f.body.srcdoc.contains(bad), "{bad}: {f:?}");
        }
        assert_eq!(
            body(&f),
            "<p>The <b>engine</b> works.</p><img><img src=\"data:image/png;base64,iVBORw0KGgo=\">"
        );
        let shown = frame(&stored, &inline, true, false);
        assert!(shown
            .body
            .srcdoc
            .contains("<img src=\"https://track.example/o.gif\">"));
    }

    fn without_inline_data(s: &str) -> String {
        // A base64 payload can spell anything; it is our own value inside quotes.
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("\"data:image/") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            rest = &after[after.find('"').map_or(after.len(), |j| j + 1)..];
        }
        out.push_str(rest);
        out
    }

    fn html_soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<img ".to_string()),
            Just("<img src=".to_string()),
            Just("src=\"".to_string()),
            Just("src='".to_string()),
            Just("https://t.example/p.gif".to_string()),
            Just("//t.example/q".to_string()),
            Just("cid:a".to_string()),
            Just("cid:<A>".to_string()),
            Just("\"".to_string()),
            Just("'".to_string()),
            Just(">".to_string()),
            Just("<".to_string()),
            Just(" onerror=".to_string()),
            Just("alt=".to_string()),
            Just("<script>".to_string()),
            Just("</script>".to_string()),
            Just("<svg><image href=".to_string()),
            Just("<a href=\"".to_string()),
            Just("srcset=\"".to_string()),
            Just("style=\"background:url(".to_string()),
            Just("data:image/png;base64,".to_string()),
            Just("<!--".to_string()),
            Just("-->".to_string()),
            Just("<![CDATA[".to_string()),
            Just("&quot;".to_string()),
            Just("<p>".to_string()),
            Just("<math><mtext><table><mglyph><style>".to_string()),
            "\\PC{0,6}",
            any::<String>(),
        ];
        prop_oneof![
            any::<String>(),
            prop::collection::vec(piece, 0..40).prop_map(|v| v.concat()),
        ]
    }

    fn inline_map() -> impl Strategy<Value = HashMap<String, (String, Vec<u8>)>> {
        let cid = prop_oneof![
            Just("a".to_string()),
            Just("<A>".to_string()),
            any::<String>()
        ];
        let mime = prop_oneof![
            Just("image/png".to_string()),
            Just("image/svg+xml".to_string()),
            Just("text/html".to_string()),
            Just("image/png\" onerror=\"x".to_string()),
            any::<String>(),
        ];
        prop::collection::hash_map(cid, (mime, prop::collection::vec(any::<u8>(), 0..24)), 0..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        #[test]
        fn any_body_frames_inert(
            html in html_soup(),
            inline in inline_map(),
            show in any::<bool>(),
        ) {
            let f = frame(&html, &inline, show, false);
            let doc = without_inline_data(&f.body.srcdoc).to_ascii_lowercase();
            prop_assert!(!doc.contains("<script"), "{}", f.body.srcdoc);
            prop_assert!(!doc.contains("onerror="), "{}", f.body.srcdoc);
            if !show {
                prop_assert!(!doc.contains("src=\"http"), "{}", f.body.srcdoc);
                prop_assert!(!doc.contains("src=\"//"), "{}", f.body.srcdoc);
            } else {
                prop_assert_eq!(f.body.blocked_images, 0);
            }
            prop_assert!(f.body.srcdoc.starts_with("<!doctype html>"));
            prop_assert!(f.body.srcdoc.ends_with("</body></html>"));
        }
    }
}
