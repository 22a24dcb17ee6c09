//! Framing hostile and ordinary mail: what is shown, what is blocked, what is counted.

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
