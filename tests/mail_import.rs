//! MIME parsing on real-world shapes, and archive import (mbox, maildir, .eml) into a searchable
//! local archive: malformed input is kept and reported, re-import duplicates nothing.

#![cfg(feature = "backend")]

mod support;

use libreollama::mail::{import, parse::parse};
use libreollama::search::{parse as q, Clock};
use libreollama::store::mail;

const ALTERNATIVE: &str = "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@example.de>\r\nTo: Ada <ada@example.com>\r\nCc: bob@example.com\r\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=\r\nDate: Tue, 30 Jan 2024 10:00:00 +0100\r\nMessage-ID: <m1@example.de>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo Ada, viele Grüße.\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"x()\">Hallo <b>Ada</b></p><script>alert(1)</script>\r\n--b1--\r\n";

const RELATED_NESTED: &str = "From: news@example.org\r\nTo: ada@example.com\r\nSubject: Weekly with logo\r\nDate: Wed, 31 Jan 2024 08:00:00 +0000\r\nMessage-ID: <m2@example.org>\r\nIn-Reply-To: <m1@example.de>\r\nReferences: <m0@example.de> <m1@example.de>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>Logo: <img src=\"cid:logo@x\"></p>\r\n--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--rel--\r\n--outer\r\nContent-Type: application/pdf; name=\"plan.pdf\"\r\nContent-Disposition: attachment; filename=\"plan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n";

const BROKEN_CHARSET: &[u8] = b"From: x@example.com\r\nSubject: broken \xff\xfe charset\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\nbody with \xe9\xe8 bytes\r\n";

#[test]
fn real_world_mime_shapes_parse() {
    let a = parse(ALTERNATIVE.as_bytes()).unwrap();
    assert_eq!(a.subject, "Grüße aus Köln");
    assert_eq!(a.from, "Jürgen Müller <juergen@example.de>");
    assert_eq!(a.cc, "bob@example.com");
    assert_eq!(a.date_ms, Some(1_706_605_200_000));
    assert_eq!(
        a.text.as_deref().map(str::trim),
        Some("Hallo Ada, viele Grüße.")
    );
    let html = a.html_sanitized.unwrap();
    assert!(
        html.contains("<b>Ada</b>") && !html.contains("onclick") && !html.contains("script"),
        "{html}"
    );

    let r = parse(RELATED_NESTED.as_bytes()).unwrap();
    assert!(r.html_sanitized.as_deref().unwrap().contains("cid:logo@x"));
    assert_eq!(
        r.text.as_deref().map(str::trim),
        Some("Logo:"),
        "text derived from HTML"
    );
    assert_eq!(
        r.references.as_deref(),
        Some("<m0@example.de> <m1@example.de>")
    );
    let names: Vec<&str> = r.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert!(names.contains(&"plan.pdf"), "{names:?}");
    assert!(r
        .attachments
        .iter()
        .any(|a| a.content_id.as_deref() == Some("logo@x")));

    let b = parse(BROKEN_CHARSET).unwrap();
    assert!(b.subject.starts_with("broken"));
    assert!(b.text.unwrap().contains("body with"));

    // Garbage and truncation never panic.
    for junk in [
        &b""[..],
        b"\0\0\0",
        b"Subject",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain",
    ] {
        let _ = parse(junk);
    }
}

fn mbox() -> String {
    let mut s = String::new();
    for (i, raw) in [ALTERNATIVE, RELATED_NESTED].iter().enumerate() {
        s.push_str(&format!(
            "From sender{i}@example.com Tue Jan 30 10:00:00 2024\n"
        ));
        s.push_str(&raw.replace("\r\n", "\n"));
        s.push('\n');
    }
    // A message with no headers at all: kept raw, reported.
    s.push_str("From nobody Tue Jan 30 10:00:00 2024\n\u{1}\u{2} binary junk without headers\n\n");
    s
}

#[tokio::test]
async fn mbox_maildir_and_eml_import_into_a_searchable_archive() {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(&dir.path().join("data")).await;
    let src = dir.path().join("Takeout.mbox");
    std::fs::write(&src, mbox()).unwrap();
    let progress = std::sync::atomic::AtomicUsize::new(0);
    let r = import::import_path(&s.store, &src, |n| {
        progress.store(n, std::sync::atomic::Ordering::SeqCst)
    })
    .await
    .unwrap();
    assert_eq!(r.imported, 3, "{r:?}");
    assert_eq!(r.malformed.len(), 1, "{r:?}");
    assert_eq!(progress.load(std::sync::atomic::Ordering::SeqCst), 3);

    let search = |query: &'static str| {
        let s = s.clone();
        async move {
            let parsed = q(
                query,
                Clock {
                    now_ms: 1_800_000_000_000,
                    utc_offset_secs: 0,
                },
            )
            .unwrap();
            s.store
                .read(move |c| mail::search(c, None, &parsed, 50, None))
                .await
                .unwrap()
        }
    };
    assert_eq!(search("from:juergen koln").await.len(), 1);
    assert_eq!(search("filename:plan has:attachment").await.len(), 1);
    assert_eq!(
        search("subject:unreadable junk").await.len(),
        1,
        "malformed kept and searchable"
    );
    let threads: Vec<String> = search("from:juergen OR from:news")
        .await
        .into_iter()
        .map(|h| h.thread_id)
        .collect();
    assert_eq!(threads[0], threads[1], "a reply joins its thread");

    // Re-import: nothing duplicated.
    import::import_path(&s.store, &src, |_| {}).await.unwrap();
    assert_eq!(search("in:anywhere").await.len(), 3);

    // Maildir and a folder of .eml files.
    let md = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    std::fs::write(
        md.join("cur/1700000000.1.host:2,S"),
        ALTERNATIVE.replace("m1@example.de", "md1@example.de"),
    )
    .unwrap();
    assert_eq!(
        import::import_path(&s.store, &md, |_| {})
            .await
            .unwrap()
            .imported,
        1
    );
    let emls = dir.path().join("emls/nested");
    std::fs::create_dir_all(&emls).unwrap();
    std::fs::write(
        emls.join("a.eml"),
        RELATED_NESTED.replace("Weekly", "Monthly"),
    )
    .unwrap();
    assert_eq!(
        import::import_path(&s.store, &dir.path().join("emls"), |_| {})
            .await
            .unwrap()
            .imported,
        1
    );
    assert_eq!(search("subject:monthly").await.len(), 1);

    // The archive is not a Google account.
    assert!(s.auth.list_accounts().await.unwrap().is_empty());
    assert!(
        import::import_path(&s.store, &dir.path().join("missing.mbox"), |_| {})
            .await
            .is_err()
    );
}

/// CPython's email test corpus (Debian `libpython3.11-testsuite`, installed by
/// `scripts/setup.sh test`): 46 messages collected from real mail over the years — nested and
/// malformed multiparts, missing boundaries, RFC 2047 in every header, odd charsets, uuencode.
const CPYTHON_CORPUS: &str = "/usr/lib/python3.11/test/test_email/data";

#[tokio::test(flavor = "multi_thread")]
async fn a_real_world_mime_corpus_parses_and_imports_without_a_panic() {
    let dir = std::path::Path::new(CPYTHON_CORPUS);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| {
            panic!("{CPYTHON_CORPUS}: {e}; run scripts/setup.sh test (apt libpython3.11-testsuite)")
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("msg_"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{files:?}");
    let mut lost_subjects = Vec::new();
    for f in &files {
        let raw = std::fs::read(f).unwrap();
        // Whole, and cut at many points (a download interrupted anywhere).
        let p = parse(&raw);
        let text = String::from_utf8_lossy(&raw);
        let head = text.split("\n\n").next().unwrap_or_default();
        let has_subject = head.lines().any(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("subject:")
                .is_some_and(|v| !v.trim().is_empty())
        });
        if has_subject && p.as_ref().is_none_or(|p| p.subject.is_empty()) {
            lost_subjects.push(f.display().to_string());
        }
        for cut in (0..raw.len()).step_by((raw.len() / 25).max(1)) {
            let _ = parse(&raw[..cut]);
        }
        if let Some(p) = p {
            if let Some(h) = &p.html_sanitized {
                assert!(
                    !h.to_ascii_lowercase().contains("<script"),
                    "{}",
                    f.display()
                );
            }
        }
    }
    assert!(lost_subjects.is_empty(), "subjects lost: {lost_subjects:?}");

    // Imported as .eml files into the archive: every message kept (parsed or raw), searchable.
    let tmp = tempfile::tempdir().unwrap();
    let eml = tmp.path().join("corpus");
    std::fs::create_dir(&eml).unwrap();
    for f in &files {
        let name = f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".txt", ".eml");
        std::fs::copy(f, eml.join(name)).unwrap();
    }
    let s = support::start(&tmp.path().join("data")).await;
    let report = import::import_path(&s.store, &eml, |_| {}).await.unwrap();
    assert_eq!(report.imported, files.len(), "{report:?}");
    let n: i64 = s
        .store
        .read(|c| mail::count_messages(c, None))
        .await
        .unwrap();
    assert_eq!(n as usize, files.len());
}

/// An mbox message (number `i`) carrying `data` as a base64 attachment named `name`.
fn with_attachment(i: usize, name: &str, data: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let mut s = format!(
        "From sender@example.com Tue Jan 30 10:00:00 2024\n\
         From: Sender <sender@example.com>\nTo: ada@example.com\nSubject: Scan {i}\n\
         Date: Tue, 30 Jan 2024 10:00:0{i} +0000\nMessage-ID: <scan{i}@example.com>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain\n\nThe scan, attached.\n\
         --b\nContent-Type: application/octet-stream; name=\"{name}\"\n\
         Content-Disposition: attachment; filename=\"{name}\"\nContent-Transfer-Encoding: base64\n\n"
    );
    for line in b64.as_bytes().chunks(76) {
        s.push_str(std::str::from_utf8(line).unwrap());
        s.push('\n');
    }
    s.push_str("--b--\n\n");
    s
}

/// Attachments above the old 10 MiB cut are kept byte for byte (there is no other copy), and a
/// batch ends by bytes as well as by count: two messages with a 12 MiB attachment (17 MB as
/// base64) pass the 32 MiB batch bound, so four messages are stored in two batches (progress
/// after each), far below the 10,000-message bound.
#[tokio::test(flavor = "multi_thread")]
async fn large_attachments_are_kept_and_batches_end_by_bytes() {
    const MIB: usize = 1024 * 1024;
    let data: Vec<Vec<u8>> = (0..3u8)
        .map(|k| {
            (0..12 * MIB + 17)
                .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(k as u32) as u8)
                .collect()
        })
        .collect();
    let mut mbox = String::new();
    for (i, d) in data.iter().enumerate() {
        let m = with_attachment(i, &format!("scan-{i}.bin"), d);
        assert!(m.len() < mail::INGEST_BATCH_BYTES && 2 * m.len() > mail::INGEST_BATCH_BYTES);
        mbox.push_str(&m);
    }
    mbox.push_str(&mbox_tail());

    let dir = tempfile::tempdir().unwrap();
    let s = support::start(&dir.path().join("data")).await;
    let src = dir.path().join("scans.mbox");
    std::fs::write(&src, mbox).unwrap();
    let calls = std::sync::Mutex::new(Vec::new());
    let r = import::import_path(&s.store, &src, |n| calls.lock().unwrap().push(n))
        .await
        .unwrap();
    assert_eq!(r.imported, 4, "{r:?}");
    assert!(
        r.malformed.is_empty() && r.skipped_parts.is_empty(),
        "{r:?}"
    );
    // The write-ahead log is folded into the database when the import ends: the next process
    // to open it does not re-read megabytes of log.
    let wal = dir.path().join("data/libreollama.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(wal_len < 64 * 1024, "{wal_len} bytes left in the log");
    assert_eq!(*calls.lock().unwrap(), [2, 4], "a batch ends at 32 MiB");

    for (i, d) in data.iter().enumerate() {
        let query = format!("subject:\"scan {i}\"");
        let hits = search(&s, &query).await;
        assert_eq!(hits.len(), 1, "{query}");
        let (name, saved) = s
            .mail
            .attachment_data(import::ARCHIVE_ACCOUNT, &hits[0].id, "0")
            .await
            .unwrap();
        assert_eq!(name, format!("scan-{i}.bin"));
        assert!(
            saved == *d,
            "scan {i}: {} bytes saved of {}",
            saved.len(),
            d.len()
        );
    }
}

/// A small plain message to end an mbox with.
fn mbox_tail() -> String {
    "From x@example.com Tue Jan 30 11:00:00 2024\nFrom: x@example.com\nSubject: after the scans\n\
     Date: Tue, 30 Jan 2024 11:00:00 +0000\n\nNothing attached.\n\n"
        .to_string()
}

/// A bounce carrying the original as `message/rfc822`: the reader opens it as a message.
const BOUNCE: &str = "From: Mail Delivery <mailer-daemon@example.org>\r\nTo: ada@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nDate: Thu, 1 Feb 2024 09:00:00 +0000\r\nMessage-ID: <bounce-1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"bb\"\r\n\r\n--bb\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n--bb\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"original.eml\"\r\n\r\nFrom: Ada <ada@example.com>\r\nTo: Bo <bo@example.net>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nDate: Thu, 1 Feb 2024 08:59:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the plan attached.\r\n--in\r\nContent-Type: application/pdf; name=\"plan.pdf\"\r\nContent-Disposition: attachment; filename=\"plan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--in--\r\n--bb--\r\n";

#[tokio::test(flavor = "multi_thread")]
async fn an_attached_message_opens_as_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(&dir.path().join("data")).await;
    let src = dir.path().join("bounce.eml");
    std::fs::write(&src, BOUNCE).unwrap();
    assert_eq!(
        import::import_path(&s.store, &src, |_| {})
            .await
            .unwrap()
            .imported,
        1
    );
    let hits = search(&s, "subject:undelivered").await;
    let thread = s
        .mail
        .thread(import::ARCHIVE_ACCOUNT, &hits[0].thread_id, false)
        .await
        .unwrap();
    let m = &thread.messages[0];
    let att = m
        .attachments
        .iter()
        .find(|a| a.mime_type == "message/rfc822")
        .expect("the original is an attachment");
    assert!(
        att.size > 200,
        "the whole message, not its first bytes: {att:?}"
    );
    let opened = s
        .mail
        .attached_message(import::ARCHIVE_ACCOUNT, &m.id, &att.part_id)
        .await
        .unwrap();
    assert_eq!(opened.subject, "Grüße");
    assert_eq!(opened.from, "Ada <ada@example.com>");
    assert_eq!(opened.to, "Bo <bo@example.net>");
    assert_eq!(
        opened.text.as_deref().map(str::trim),
        Some("See the plan attached.")
    );
    assert_eq!(
        opened.files,
        [("plan.pdf".to_string(), "application/pdf".to_string(), 9)]
    );
    // A part that is not there is an error that says so, not a panic.
    let err = s
        .mail
        .attached_message(import::ARCHIVE_ACCOUNT, &m.id, "missing")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "NotFound", "{err}");
}

/// The messages of the cache matching a search (the first five).
async fn search(
    s: &libreollama::services::AppServices,
    query: &str,
) -> Vec<libreollama::store::mail_search::SearchHit> {
    let parsed = q(
        query,
        Clock {
            now_ms: 1_800_000_000_000,
            utc_offset_secs: 0,
        },
    )
    .unwrap();
    s.store
        .read(move |c| mail::search(c, None, &parsed, 5, None))
        .await
        .unwrap()
}
