//! Property/fuzz tests for mail read from outside: MIME messages (the CPython real-world
//! corpus cut, bit-flipped and spliced, MIME-shaped noise, arbitrary bytes), mbox/maildir/.eml
//! archives through the real import, recipients typed in To/Cc/Bcc, and Markdown bodies turned
//! into HTML. Each gives a result or a typed error, never a panic, and no HTML that can run.
//!
//! Bounded: the default case counts below (per property, in `config(..)`) keep these fuzz
//! tests (tests/fuzz_mail.rs, fuzz_inputs.rs, fuzz_streams.rs and the proptests in
//! src/cli/compose.rs and src/google/client/tests.rs) together at about a minute of test time in a
//! debug build. `PROPTEST_CASES=N` overrides every count, e.g. `PROPTEST_CASES=50000` for a
//! long soak or `PROPTEST_CASES=50` for a quick look.

#![cfg(feature = "backend")]

#[path = "support/fuzz.rs"]
mod fuzz;
mod support;

use fuzz::{active_content, config, mutated_message, mutation};
use libreollama::error::LibreOllamaError;
use libreollama::mail::compose::{forward_subject, markdown_html, parse_recipients, reply_subject};
use libreollama::mail::parse::{parse, parse_with, KeepParts, Parsed};
use proptest::prelude::*;

/// What mail may point at once stored (mail::sanitize's allow-list).
const MAIL_SCHEMES: &[&str] = &["http", "https", "mailto", "cid"];

fn check_parsed(p: Parsed) -> Result<(), TestCaseError> {
    if let Some(h) = &p.html_sanitized {
        prop_assert_eq!(active_content(h, MAIL_SCHEMES), None, "{}", h);
    }
    let n = p.attachments.len();
    prop_assert!(p.parts.len() <= n);
    let row = p.into_new_message("acc", "id".into(), "t".into(), vec![], 0, 0);
    prop_assert!(row.snippet.chars().count() <= 200);
    Ok(())
}

/// Header lines and bodies shaped like MIME, in any combination.
fn mime_like() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        Just("Subject: =?utf-8?B?SGVsbG8gd29ybGQ=?= =?utf-8?Q?caf=C3=A9?=".to_string()),
        Just("Subject: =?x-unknown?B?////?=".to_string()),
        Just("From: \"A, B\" <a@example.com>, (comment) b@example.com, group: c@x.y;".to_string()),
        Just("To: undisclosed-recipients:;".to_string()),
        Just("Date: Thu, 31 Feb 99999 25:61:61 +9999".to_string()),
        Just("Date: Mon, 1 Jan 0000 00:00:00 -2400".to_string()),
        Just("Message-ID: <<<>>>".to_string()),
        Just("References: <a@b> <c@d".to_string()),
        Just("Content-Type: multipart/alternative; boundary=\"==b==\"".to_string()),
        Just("Content-Type: multipart/mixed; boundary=".to_string()),
        Just("Content-Type: text/html; charset=\"utf-16\"".to_string()),
        Just("Content-Type: message/rfc822".to_string()),
        Just("Content-Transfer-Encoding: quoted-printable".to_string()),
        Just("Content-Transfer-Encoding: base64".to_string()),
        Just("Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%ZZ.txt".to_string()),
        Just("Content-ID: <img1>".to_string()),
        "[A-Za-z-]{1,12}: \\PC{0,40}",
    ];
    let body = prop_oneof![
        Just("--==b==\nContent-Type: text/plain\n\nplain\n--==b==\nContent-Type: text/html\n\n<p onclick=x>hi<script>alert(1)</script><a href=javascript:alert(1)>x</a>\n--==b==--\n".to_string()),
        Just("--==b==\nContent-Type: image/png\nContent-ID: <img1>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--==b==".to_string()),
        Just("=E2=82=AC=\n=ZZ=".to_string()),
        Just("SGVsbG8=\n!!!\n".to_string()),
        "\\PC{0,200}",
    ];
    (
        prop::collection::vec(header, 0..10),
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        prop::collection::vec(body, 0..4),
    )
        .prop_map(|(headers, nl, bodies)| {
            let mut s = headers.join(nl);
            s.push_str(nl);
            s.push_str(nl);
            s.push_str(&bodies.join(nl));
            s.into_bytes()
        })
}

proptest! {
    #![proptest_config(config(10000))]

    /// Real mail, damaged: cut anywhere, bits flipped, pieces of other mail pasted in.
    #[test]
    fn damaged_real_mail_parses_or_is_refused(raw in mutated_message(4), all in any::<bool>()) {
        let keep = if all { KeepParts::All } else { KeepParts::Inline };
        if let Some(p) = parse_with(&raw, keep) {
            check_parsed(p)?;
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn mime_shaped_noise_parses_or_is_refused(raw in mime_like()) {
        if let Some(p) = parse_with(&raw, KeepParts::All) {
            check_parsed(p)?;
        }
    }

    #[test]
    fn arbitrary_bytes_parse_or_are_refused(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Some(p) = parse(&raw) {
            check_parsed(p)?;
        }
    }
}

/// Found by `damaged_real_mail_parses_or_is_refused` (msg_ corpus pieces spliced together):
/// mail-parser 0.11 `debug_assert!`s on a message/rfc822 holding another message/rfc822 inside
/// a multipart, so in a debug build the parse panicked. Typed text in To/Cc can make the same.
#[test]
fn a_message_inside_a_message_inside_a_multipart_does_not_panic() {
    let raw = "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n\
Content-type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: inner\n\nbody\n--B--\n";
    let _ = parse(raw.as_bytes());
    let _ = parse_with(raw.as_bytes(), KeepParts::All);
    let typed = format!("a@example.com\r\n{}", raw.replace('\n', "\r\n"));
    let _ = parse_recipients(&typed, "To");
}

/// An mbox of damaged corpus messages behind odd "From " lines, itself damaged.
fn mbox() -> impl Strategy<Value = Vec<u8>> {
    let from_line = prop_oneof![
        Just("From sender@example.com Sat Jan  3 01:05:34 1996".to_string()),
        Just("From - Thu Feb 31 99:99:99 65535".to_string()),
        Just("From x Mon Dec 31 23:59:59 0".to_string()),
        Just("From x Foo Bar 255 255:255:255 1969".to_string()),
        Just("From ".to_string()),
        Just("From x".to_string()),
        "From [^\n]{0,40}",
    ];
    (
        prop::collection::vec((from_line, mutated_message(2)), 1..4),
        prop::collection::vec(mutation(), 0..3),
    )
        .prop_map(|(msgs, whole)| {
            let mut out = Vec::new();
            for (from, body) in msgs {
                out.extend_from_slice(from.as_bytes());
                out.push(b'\n');
                out.extend_from_slice(&body);
                out.extend_from_slice(b"\n\n");
            }
            for m in &whole {
                fuzz::apply(&mut out, m);
            }
            out
        })
}

proptest! {
    #![proptest_config(config(3000))]

    /// The mbox splitter the import uses, then each message parsed as the import parses it.
    #[test]
    fn a_damaged_mbox_splits_and_parses(raw in mbox()) {
        let it = mail_parser::mailbox::mbox::MessageIterator::new(std::io::Cursor::new(raw));
        for m in it.take(64) {
            let Ok(m) = m else { break };
            let _ = m.internal_date();
            if let Some(p) = parse_with(m.contents(), KeepParts::All) {
                check_parsed(p)?;
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Archive {
    Mbox(Vec<u8>),
    Maildir(Vec<Vec<u8>>),
    EmlDir(Vec<Vec<u8>>),
    /// Anything else is read as one message.
    File(Vec<u8>),
}

fn archive() -> impl Strategy<Value = Archive> {
    prop_oneof![
        3 => mbox().prop_map(Archive::Mbox),
        1 => prop::collection::vec(mutated_message(3), 1..4).prop_map(Archive::Maildir),
        1 => prop::collection::vec(mutated_message(3), 1..4).prop_map(Archive::EmlDir),
        1 => prop_oneof![mutated_message(3), prop::collection::vec(any::<u8>(), 0..512)]
            .prop_map(Archive::File),
    ]
}

/// The whole import (the public entry point, into a real store): every archive imports, damaged
/// messages kept as raw text and reported, never a panic or an error for the whole archive.
#[test]
fn a_damaged_archive_imports_without_a_panic() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let services = rt.block_on(support::start(&tmp.path().join("data")));
    let n = std::sync::atomic::AtomicU32::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(config(300));
    runner
        .run(&archive(), |a| {
            let k = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = tmp.path().join(format!("a{k}"));
            std::fs::create_dir(&dir).unwrap();
            let (path, messages) = match &a {
                Archive::Mbox(b) => {
                    let p = dir.join("takeout.mbox");
                    std::fs::write(&p, b).unwrap();
                    (p, None)
                }
                Archive::File(b) => {
                    let p = dir.join("one.eml");
                    std::fs::write(&p, b).unwrap();
                    // A file that starts like an mbox is read as one.
                    (p, (!b.starts_with(b"From ")).then_some(1))
                }
                Archive::Maildir(ms) => {
                    for sub in ["cur", "new", "tmp"] {
                        std::fs::create_dir(dir.join(sub)).unwrap();
                    }
                    for (i, m) in ms.iter().enumerate() {
                        std::fs::write(dir.join("cur").join(format!("{i}.fuzz:2,S")), m).unwrap();
                    }
                    (dir.clone(), Some(ms.len()))
                }
                Archive::EmlDir(ms) => {
                    for (i, m) in ms.iter().enumerate() {
                        std::fs::write(dir.join(format!("{i}.eml")), m).unwrap();
                    }
                    (dir.clone(), Some(ms.len()))
                }
            };
            let report = rt
                .block_on(libreollama::mail::import::import_path(
                    &services.store,
                    &path,
                    |_| {},
                ))
                .map_err(|e| TestCaseError::fail(format!("{a:?}: {e}")))?;
            if let Some(n) = messages {
                prop_assert_eq!(report.imported, n, "{:?}", report);
            }
            Ok(())
        })
        .unwrap();
}

/// Addresses people type, and pieces that are not addresses.
fn recipients_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("ada@example.com".to_string()),
        Just("Ada Lovelace <ada@example.com>".to_string()),
        Just("\"Lovelace, Ada\" <ada@example.com>".to_string()),
        Just("<bob@example.org>".to_string()),
        Just("bob@".to_string()),
        Just("@example.com".to_string()),
        Just("a@b".to_string()),
        Just("group: a@x.y, b@x.y;".to_string()),
        Just("(comment) c@x.y (more)".to_string()),
        Just("=?utf-8?B?w6lsb2TDqQ==?= <e@x.y>".to_string()),
        Just("\"unterminated <x@y.z>".to_string()),
        Just("<<<>>>".to_string()),
        Just("Zoë <zoë@exämple.com>".to_string()),
        "[a-z0-9._+-]{1,10}@[a-z0-9-]{1,10}\\.[a-z]{2,6}",
        "\\PC{0,20}",
    ];
    (
        prop::collection::vec(piece, 0..5),
        prop::sample::select(vec![", ", ",", ";", " ; ", ",,", "\n"]),
    )
        .prop_map(|(p, sep)| p.join(sep))
}

fn simple_address() -> impl Strategy<Value = (String, String)> {
    (
        "[A-Z][a-z]{0,8}( [A-Z][a-z]{0,8})?",
        "[a-z0-9]([a-z0-9_+-]{0,8}[a-z0-9])?",
        "[a-z0-9]{1,10}\\.[a-z]{2,6}",
    )
        .prop_map(|(name, local, domain)| (name, format!("{local}@{domain}")))
}

proptest! {
    #![proptest_config(config(2500))]

    /// Anything typed in To/Cc/Bcc: plausible addresses, or InvalidInput naming the field.
    #[test]
    fn typed_recipients_are_addresses_or_refused(text in prop_oneof![recipients_text(), any::<String>()]) {
        match parse_recipients(&text, "Cc") {
            Ok(list) => {
                for r in list {
                    let (local, domain) = r.email.rsplit_once('@').unwrap_or_default();
                    prop_assert!(!local.is_empty() && domain.contains('.'), "{:?} from {:?}", r, text);
                    prop_assert!(!r.email.contains([',', ';', ' ', '\n']), "{:?}", r);
                }
            }
            Err(LibreOllamaError::InvalidInput(m)) => prop_assert!(m.contains("in Cc"), "{}", m),
            Err(e) => prop_assert!(false, "{text:?}: unexpected {e:?}"),
        }
    }

    /// Well-formed lists come back whole and in order, with their names.
    #[test]
    fn well_formed_recipients_come_back_in_order(list in prop::collection::vec((simple_address(), any::<bool>()), 1..6)) {
        let text = list
            .iter()
            .map(|((name, email), named)| if *named { format!("{name} <{email}>") } else { email.clone() })
            .collect::<Vec<_>>()
            .join(", ");
        let got = parse_recipients(&text, "To").unwrap();
        prop_assert_eq!(got.len(), list.len(), "{}", text);
        for (r, ((name, email), named)) in got.iter().zip(&list) {
            prop_assert_eq!(&r.email, email);
            if *named {
                prop_assert_eq!(&r.name, name);
            }
        }
    }

    /// "Re: "/"Fwd: " once, whatever was there.
    #[test]
    fn reply_and_forward_subjects_are_prefixed_once(s in "((?i)(re|fwd?|aw|sv|wg|tr|antw): ?){0,3}\\PC{0,30}") {
        let r = reply_subject(&s);
        prop_assert!(r.starts_with("Re: "));
        prop_assert_eq!(reply_subject(&r), r.clone());
        let f = forward_subject(&s);
        prop_assert!(f.starts_with("Fwd: "));
        prop_assert_eq!(forward_subject(&f), f.clone());
    }
}

/// Markdown with the constructs that could carry markup or script.
fn markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_string()),
        Just("[x](javascript:alert(1))".to_string()),
        Just("[x](JaVaScRiPt:alert(1))".to_string()),
        Just("[x](jav&#x61;script&#58;alert(1))".to_string()),
        Just("[x]( <javascript:alert(1)> \"t\")".to_string()),
        Just("[x](data:text/html;base64,PHNjcmlwdD4=)".to_string()),
        Just("[x](vbscript:msgbox)".to_string()),
        Just("<javascript:alert(1)>".to_string()),
        Just("![i](javascript:alert(1))".to_string()),
        Just("![i](data:image/svg+xml,<svg onload=alert(1)>)".to_string()),
        Just("[r]\n\n[r]: javascript:alert(1)".to_string()),
        Just("[ok](https://example.com/?q=1&r=\"2\")".to_string()),
        Just("<mailto:a@b.c>".to_string()),
        Just("| a | b |\n|---|---|\n| <b onclick=x> | `c` |".to_string()),
        Just("```html\n<script>x</script>\n".to_string()),
        Just("> quote\n- item\n1. one\n~~s~~ **b** *i*".to_string()),
        Just("\" onmouseover=\"alert(1)".to_string()),
        "\\PC{0,30}",
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

/// Found by `markdown_bodies_never_become_active_html`: links were checked but images were
/// not, so `![i](javascript:alert(1))` became `<img src="javascript:alert(1)">`.
#[test]
fn markdown_images_keep_only_web_addresses() {
    for bad in [
        "![i](javascript:alert(1))",
        "![i](JAVASCRIPT:alert(1))",
        "![i](data:image/svg+xml;base64,PHN2Zz4=)",
        "![i][r]\n\n[r]: vbscript:x",
    ] {
        let html = markdown_html(bad);
        assert_eq!(active_content(&html, &["http", "https"]), None, "{html}");
        assert!(html.contains("<img src=\"\""), "{html}");
    }
    let html = markdown_html("![cat](https://example.com/cat.png)");
    assert!(
        html.contains("<img src=\"https://example.com/cat.png\" alt=\"cat\""),
        "{html}"
    );
}

proptest! {
    #![proptest_config(config(3000))]

    /// A Markdown body as HTML: typed HTML stays text, links only http(s)/mailto, nothing runs.
    #[test]
    fn markdown_bodies_never_become_active_html(text in prop_oneof![markdown(), any::<String>()]) {
        let html = markdown_html(&text);
        prop_assert_eq!(active_content(&html, &["http", "https", "mailto"]), None, "{}", html);
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// A draft's HTML from Gmail (anything at all) becomes Markdown or its text, never a panic.
    #[test]
    fn any_draft_html_becomes_an_editable_body(
        html in prop_oneof![markdown().prop_map(|m| markdown_html(&m)), any::<String>()],
        text in proptest::option::of("\\PC{0,40}"),
    ) {
        let (body, rich) = libreollama::mail::compose::editable_body(text.as_deref(), Some(&html));
        match (rich, text.as_deref().filter(|t| !t.trim().is_empty())) {
            // Formatting on only with something to edit.
            (true, _) => prop_assert!(!body.trim().is_empty()),
            // Otherwise the text part as it is, when there is one.
            (false, Some(t)) => prop_assert_eq!(body, t),
            (false, None) => {}
        }
    }
}

/// Found in review: the converter recurses once per level, so deeply nested HTML (a quoted
/// hostile mail in a reply draft) could overflow the stack; and many siblings cost it more
/// than linear time. Both fall back to the text part.
#[test]
fn hostile_draft_html_falls_back_to_the_text() {
    use libreollama::mail::compose::editable_body;
    let deep = format!("<b>{}x", "<div>".repeat(50_000));
    assert_eq!(
        editable_body(Some("x"), Some(&deep)),
        ("x".to_string(), false)
    );
    let wide = "<b>x</b>".repeat(100_000);
    assert_eq!(
        editable_body(Some("x"), Some(&wide)),
        ("x".to_string(), false)
    );
    // Just under the limits: converted, in one piece.
    let (md, rich) = editable_body(Some("x"), Some(&"<b>x</b> ".repeat(10_000)));
    assert!(
        rich && md.matches("**x**").count() == 10_000,
        "{}",
        md.len()
    );
}

#[test]
fn what_counts_as_formatting_in_a_draft() {
    use libreollama::mail::compose::editable_body;
    // A reply: links and the quote (however formatted) are not the writer's formatting.
    let reply = "<div>See <a href=\"https://example.com/x\">this</a></div><div><br><div>On Fri, Ada wrote:<br></div>\
                 <blockquote><b>bold in the quote</b><ul><li>a</li></ul></blockquote></div>";
    assert_eq!(
        editable_body(Some("See this <https://example.com/x>"), Some(reply)),
        ("See this <https://example.com/x>".to_string(), false)
    );
    // Gmail's emoji are images: their text stays.
    let (md, rich) = editable_body(
        Some("Hi there"),
        Some("<div>Hi <b>there</b> <img alt=\"😀\" src=\"cid:e\"></div>"),
    );
    assert!(
        rich && md.contains("**there**") && md.contains('😀'),
        "{md}"
    );
    // HTML alone: taken as Markdown, Formatting on, so nothing is shown escaped.
    let (md, rich) = editable_body(None, Some("<div>1. not a list</div>"));
    assert!(rich && md.contains("not a list"), "{md}");
}
