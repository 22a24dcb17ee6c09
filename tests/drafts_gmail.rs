//! Gmail's Drafts and signatures against the `emulate` Google emulator: drafts made, changed and
//! sent on another device come here; one edited here replaces its Gmail copy and is never
//! overwritten by Gmail's; a signature goes into new mail and above the quote of a reply.

#![cfg(feature = "backend")]

mod support;

use std::time::Duration;

use libreollama::model::{ComposeKind, DraftView};
use support::compose::{edit, gmail, setup};

/// A draft as another device writes it: with a Bcc and a file.
fn phone_draft(subject: &str, text: &str) -> Vec<u8> {
    format!(
        "From: Ada <ada@example.com>\r\nTo: Bo <bo@example.com>\r\nBcc: cy@example.com\r\nSubject: {subject}\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
         --b1\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nbring snacks\r\n\
         --b1--\r\n"
    )
    .into_bytes()
}

async fn drafts_here(t: &support::compose::Setup) -> Vec<DraftView> {
    t.s.compose.drafts(Some(t.acc.clone())).await.unwrap()
}

async fn gmail_text(g: &libreollama::google::gmail::Gmail, id: &str) -> String {
    let d = g.drafts_get_raw(id).await.unwrap();
    let raw =
        libreollama::google::gmail::decode_raw(d.message.unwrap().raw.as_deref().unwrap()).unwrap();
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn drafts_from_another_device_come_here_and_edits_here_win() {
    let t = setup().await;
    let (c, g) = (&t.s.compose, gmail(&t));
    let clock = t.s.clock.clone();
    assert_eq!(c.pull_drafts(&t.acc).await.unwrap(), Default::default());

    // Written on the phone.
    let phone = g
        .drafts_create(&phone_draft("Written on the phone", "See you at 6."), None)
        .await
        .unwrap();
    let r = c.pull_drafts(&t.acc).await.unwrap();
    assert_eq!((r.added, r.changed, r.removed), (1, 0, 0));
    let here = drafts_here(&t).await;
    assert_eq!(here.len(), 1);
    let d = &here[0];
    assert_eq!(d.subject, "Written on the phone");
    assert_eq!(d.to, "Bo <bo@example.com>");
    assert_eq!(d.bcc, "cy@example.com");
    assert_eq!(d.body.trim(), "See you at 6.");
    assert_eq!(d.kind, ComposeKind::New);
    assert!(d.on_gmail, "counts as copied: nothing to send back");
    let full = c.draft(&d.id).await.unwrap();
    assert_eq!(full.files.len(), 1);
    assert_eq!(full.files[0].filename, "notes.txt");
    assert_eq!(
        c.pull_drafts(&t.acc).await.unwrap(),
        Default::default(),
        "once"
    );
    clock.advance(Duration::from_millis(3200));
    assert_eq!(c.push_drafts(&t.acc).await.unwrap(), 0, "nothing goes back");

    // Changed on the phone: the copy here follows.
    g.drafts_update(
        &phone.id,
        &phone_draft("Written on the phone", "See you at 7."),
        None,
    )
    .await
    .unwrap();
    let r = c.pull_drafts(&t.acc).await.unwrap();
    assert_eq!(r.changed, 1, "{r:?}");
    assert_eq!(c.draft(&d.id).await.unwrap().body.trim(), "See you at 7.");
    assert_eq!(c.draft(&d.id).await.unwrap().files.len(), 1);

    // Edited here: it replaces Gmail's copy (the same Gmail draft), and the next look at
    // Gmail changes nothing here.
    c.save(
        &d.id,
        edit("Bo <bo@example.com>", "Written on the phone", "Make it 8."),
    )
    .await
    .unwrap();
    clock.advance(Duration::from_millis(3200));
    assert_eq!(c.push_drafts(&t.acc).await.unwrap(), 1);
    assert!(gmail_text(&g, &phone.id).await.contains("Make it 8."));
    assert_eq!(c.pull_drafts(&t.acc).await.unwrap(), Default::default());

    // Open in an editor here: the phone's change waits until the editor closes.
    c.draft_editing(&d.id, true).await.unwrap();
    g.drafts_update(
        &phone.id,
        &phone_draft("Written on the phone", "Phone says 8:30."),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        c.pull_drafts(&t.acc).await.unwrap().changed,
        0,
        "held by the editor"
    );
    assert_eq!(c.draft(&d.id).await.unwrap().body, "Make it 8.");
    c.draft_editing(&d.id, false).await.unwrap();
    assert_eq!(c.pull_drafts(&t.acc).await.unwrap().changed, 1);
    assert_eq!(
        c.draft(&d.id).await.unwrap().body.trim(),
        "Phone says 8:30."
    );

    // Edited here and changed on the phone before the copy went: what is here stays (and
    // replaces Gmail's), and the phone's text becomes a draft of its own. Nothing is lost.
    c.save(
        &d.id,
        edit("Bo <bo@example.com>", "Written on the phone", "Make it 9."),
    )
    .await
    .unwrap();
    g.drafts_update(
        &phone.id,
        &phone_draft("Written on the phone", "Phone says 10."),
        None,
    )
    .await
    .unwrap();
    let r = c.pull_drafts(&t.acc).await.unwrap();
    assert_eq!((r.added, r.changed), (1, 0), "{r:?}");
    assert_eq!(c.draft(&d.id).await.unwrap().body, "Make it 9.");
    let bodies: Vec<String> = drafts_here(&t)
        .await
        .into_iter()
        .map(|d| d.body.trim().to_string())
        .collect();
    assert!(bodies.contains(&"Phone says 10.".to_string()), "{bodies:?}");
    assert_eq!(
        c.pull_drafts(&t.acc).await.unwrap(),
        Default::default(),
        "copied once"
    );
    clock.advance(Duration::from_millis(3200));
    assert_eq!(
        c.push_drafts(&t.acc).await.unwrap(),
        2,
        "ours replaces Gmail's; the copy goes too"
    );
    assert!(gmail_text(&g, &phone.id).await.contains("Make it 9."));
    assert_eq!(g.drafts_list().await.unwrap().0.len(), 2);
    assert_eq!(c.pull_drafts(&t.acc).await.unwrap(), Default::default());

    // Sent (or discarded) on the phone: gone here too; the other draft stays.
    g.drafts_delete(&phone.id).await.unwrap();
    let r = c.pull_drafts(&t.acc).await.unwrap();
    assert_eq!(r.removed, 1, "{r:?}");
    let left = drafts_here(&t).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].body.trim(), "Phone says 10.");

    // Discarded on the phone while being edited here: kept, and copied to Gmail again.
    let other = g
        .drafts_create(&phone_draft("Second thoughts", "Maybe."), None)
        .await
        .unwrap();
    assert_eq!(c.pull_drafts(&t.acc).await.unwrap().added, 1);
    let d2 = drafts_here(&t)
        .await
        .into_iter()
        .find(|d| d.subject == "Second thoughts")
        .unwrap();
    c.save(
        &d2.id,
        edit("Bo <bo@example.com>", "Second thoughts", "Yes, definitely."),
    )
    .await
    .unwrap();
    g.drafts_delete(&other.id).await.unwrap();
    assert_eq!(c.pull_drafts(&t.acc).await.unwrap().removed, 0);
    assert_eq!(c.draft(&d2.id).await.unwrap().body, "Yes, definitely.");
    clock.advance(Duration::from_millis(3200));
    assert_eq!(c.push_drafts(&t.acc).await.unwrap(), 1);
    assert!(c.draft(&d2.id).await.unwrap().on_gmail);

    // Deleted here while its copy was being made: the copy is queued for deletion, and never
    // comes back as a draft from another device.
    let gone = c.compose(&t.acc, ComposeKind::New, None).await.unwrap();
    t.s.store
        .write({
            let (id, acc) = (gone.id.clone(), t.acc.clone());
            move |c| {
                libreollama::store::drafts::delete(c, &id)?;
                libreollama::store::drafts::mark_pushed(
                    c,
                    &acc,
                    &id,
                    "r-orphan",
                    Some("m-orphan"),
                    1,
                )
            }
        })
        .await
        .unwrap();
    let removals =
        t.s.store
            .read({
                let acc = t.acc.clone();
                move |c| libreollama::store::drafts::gmail_removals(c, &acc)
            })
            .await
            .unwrap();
    assert_eq!(removals, ["r-orphan"]);
}

/// A draft as Gmail's own editor writes it: text and HTML, the HTML with formatting.
fn formatted_draft(html: &str) -> Vec<u8> {
    format!(
        "From: Ada <ada@example.com>\r\nTo: Bo <bo@example.com>\r\nSubject: Plans\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"a1\"\r\n\r\n\
         --a1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBring the punch cards and the notes: gears, levers\r\n\
         --a1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n\
         --a1--\r\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_formatted_draft_from_gmail_keeps_its_formatting_here_and_back() {
    let t = setup().await;
    let (c, g) = (&t.s.compose, gmail(&t));
    let formatted = g
        .drafts_create(
            &formatted_draft(
                "<div dir=\"ltr\">Bring the <b>punch cards</b> and <a href=\"https://example.com/notes\">the notes</a>:<ul><li>gears</li><li>levers</li></ul></div>",
            ),
            None,
        )
        .await
        .unwrap();
    // Gmail's editor wraps plain text in a div: that stays plain text.
    g.drafts_create(
        &formatted_draft("<div dir=\"ltr\">See you at 6.<br></div>"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(c.pull_drafts(&t.acc).await.unwrap().added, 2);
    let here = drafts_here(&t).await;
    let plain = here.iter().find(|d| d.body.contains("gears, levers"));
    assert!(
        plain.is_some_and(|d| !d.rich),
        "the text part, Formatting off: {here:?}"
    );
    let d = here
        .iter()
        .find(|d| d.rich)
        .expect("one draft with Formatting on");
    for expected in ["**punch cards**", "[the notes](https://example.com/notes)"] {
        assert!(d.body.contains(expected), "{expected} in {:?}", d.body);
    }
    let items: Vec<&str> = d
        .body
        .lines()
        .filter(|l| l.starts_with("* ") || l.starts_with("- "))
        .collect();
    assert_eq!(items.len(), 2, "a list of two: {:?}", d.body);

    // Edited here and copied back: Gmail's copy has the formatting as HTML again.
    let mut e = edit(
        "Bo <bo@example.com>",
        "Plans",
        &d.body.replace("levers", "springs"),
    );
    e.rich = true;
    c.save(&d.id, e).await.unwrap();
    t.s.clock.advance(Duration::from_millis(3200));
    assert_eq!(c.push_drafts(&t.acc).await.unwrap(), 1);
    let raw = gmail_text(&g, &formatted.id).await;
    let html = libreollama::mail::parse::parse_with(
        raw.as_bytes(),
        libreollama::mail::parse::KeepParts::Inline,
    )
    .and_then(|p| p.html_sanitized)
    .expect("an HTML part");
    for expected in [
        "<strong>punch cards</strong>",
        "https://example.com/notes",
        "<li>springs</li>",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_goes_into_new_mail_and_above_the_quote() {
    let t = setup().await;
    let (m, c) = (&t.s.mail, &t.s.compose);
    // emulate's send-as entry has no signature: none is used.
    let from_gmail = m.refresh_signature(&t.acc).await.unwrap();
    assert_eq!(from_gmail.text, "");
    assert!(!from_gmail.edited_here);
    let plain = c.compose(&t.acc, ComposeKind::New, None).await.unwrap();
    assert_eq!(plain.body, "");

    m.set_signature(&t.acc, "Ada Lovelace\r\nAnalytical Engines  \n".into())
        .await
        .unwrap();
    let new = c.compose(&t.acc, ComposeKind::New, None).await.unwrap();
    assert_eq!(new.body, "\n\n-- \nAda Lovelace\nAnalytical Engines");
    let reply = c
        .compose(&t.acc, ComposeKind::Reply, Some("msg_plans"))
        .await
        .unwrap();
    let sig_at = reply
        .body
        .find("\n\nAda Lovelace\nAnalytical Engines\n\n")
        .expect("signed");
    assert!(
        !reply.body.contains("-- \n"),
        "no cut line above a quote: {:?}",
        reply.body
    );
    let quote_at = reply.body.find("> Shall we meet").expect("quoted");
    assert!(sig_at < quote_at, "above the quote: {:?}", reply.body);
    // Gmail's (empty) signature no longer replaces the one written here.
    let kept = m.refresh_signature(&t.acc).await.unwrap();
    assert!(kept.edited_here);
    assert_eq!(kept.text, "Ada Lovelace\nAnalytical Engines");
    // Back to Gmail's (none at the emulator).
    let back = m.use_gmail_signature(&t.acc).await.unwrap();
    assert!(!back.edited_here);
    assert_eq!(back.text, "");
    let err = m
        .set_signature(&t.acc, "x".repeat(10_001))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most"), "{err}");
}
