//! Offline search over the mail cache with Gmail's operators, on a small hand-made mailbox.

#![cfg(feature = "backend")]

mod support;

use libreollama::search::{parse, Clock};
use libreollama::store::mail::{self, NewAttachment, NewMessage, PageAfter};
use libreollama::store::{accounts, labels};

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_700_000_000_000;

fn msg(
    id: &str,
    days_ago: i64,
    from: &str,
    subject: &str,
    body: &str,
    labels: &[&str],
) -> NewMessage {
    NewMessage {
        account_id: "acc".into(),
        id: id.into(),
        thread_id: format!("t-{id}"),
        internal_date: NOW - days_ago * DAY,
        subject: subject.into(),
        from: from.into(),
        to: "me@example.com".into(),
        snippet: body.chars().take(40).collect(),
        label_ids: labels.iter().map(|s| s.to_string()).collect(),
        body_text: Some(body.into()),
        ..Default::default()
    }
}

async fn mailbox() -> (
    std::sync::Arc<libreollama::services::AppServices>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(dir.path()).await;
    let mut report = msg(
        "m3",
        3,
        "Grace <grace@example.com>",
        "Quarterly report",
        "numbers attached",
        &["INBOX"],
    );
    report.attachments = vec![NewAttachment {
        part_id: "1".into(),
        filename: "Q3-report.pdf".into(),
        mime_type: "application/pdf".into(),
        size: 1000,
        ..Default::default()
    }];
    let mut cc = msg(
        "m5",
        5,
        "Bob <bob@example.com>",
        "Team lunch",
        "Pizza on Friday?",
        &["INBOX", "UNREAD", "Label_food"],
    );
    cc.cc = "ada@example.com".into();
    let msgs = vec![
        msg(
            "m1",
            1,
            "Ada Lovelace <ada@example.com>",
            "Analytical engine notes",
            "The engine weaves algebraic patterns",
            &["INBOX", "UNREAD", "IMPORTANT"],
        ),
        msg(
            "m2",
            2,
            "Ada Lovelace <ada@example.com>",
            "Grüße aus Köln",
            "Viele Grüße vom Rhein",
            &["INBOX", "STARRED"],
        ),
        report,
        msg(
            "m4",
            40,
            "Newsletter <news@example.org>",
            "Weekly digest",
            "unsubscribe any time",
            &["CATEGORY_PROMOTIONS"],
        ),
        cc,
        msg(
            "m6",
            6,
            "Spammer <win@spam.example>",
            "You won a prize",
            "claim your prize now",
            &["SPAM"],
        ),
        msg(
            "m7",
            7,
            "Ada Lovelace <ada@example.com>",
            "Old engine draft",
            "notes about the engine",
            &["TRASH"],
        ),
    ];
    s.store
        .transaction(move |tx| {
            accounts::upsert(tx, &support::account("acc", "me@example.com"))?;
            let food = labels::LabelRow {
                id: "Label_food".into(),
                name: "Food/Lunch".into(),
                ..Default::default()
            };
            labels::replace_account_labels(tx, "acc", &[food])?;
            mail::upsert_messages(tx, &msgs)
        })
        .await
        .unwrap();
    (s, dir)
}

async fn ids(s: &libreollama::services::AppServices, q: &str) -> Vec<String> {
    let query = parse(
        q,
        Clock {
            now_ms: NOW,
            utc_offset_secs: 0,
        },
    )
    .unwrap();
    s.store
        .read(move |c| mail::search(c, Some("acc"), &query, 50, None))
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn gmail_operators_work_offline() {
    let (s, _d) = mailbox().await;
    let cases: &[(&str, &[&str])] = &[
        ("", &["m1", "m2", "m3", "m5", "m4"]),
        ("engine", &["m1"]),
        ("from:ada", &["m1", "m2"]),
        ("from:ada@example.com", &["m1", "m2"]),
        ("cc:ada", &["m5"]),
        ("to:me", &["m1", "m2", "m3", "m5", "m4"]),
        ("subject:report", &["m3"]),
        ("\"algebraic patterns\"", &["m1"]),
        ("\"patterns algebraic\"", &[]),
        ("koln", &["m2"]),
        ("grusse", &[]),
        ("is:unread", &["m1", "m5"]),
        ("is:read from:ada", &["m2"]),
        ("is:starred", &["m2"]),
        ("is:important", &["m1"]),
        ("label:Food/Lunch", &["m5"]),
        ("label:food/lunch", &["m5"]),
        ("in:inbox -from:ada", &["m3", "m5"]),
        ("has:attachment", &["m3"]),
        ("filename:pdf", &["m3"]),
        ("from:ada OR from:bob", &["m1", "m2", "m5"]),
        ("{lunch report}", &["m3", "m5"]),
        ("(lunch OR report) is:unread", &["m5"]),
        ("older_than:30d", &["m4"]),
        ("newer_than:2d", &["m1", "m2"]),
        ("newer_than:1d", &["m1"]),
        ("after:2023/11/10 before:2023/11/13", &["m2", "m3"]),
        ("prize", &[]),
        ("in:spam", &["m6"]),
        ("engine in:anywhere", &["m1", "m7"]),
        ("in:trash", &["m7"]),
    ];
    let mut failures = Vec::new();
    for (q, want) in cases {
        let got = ids(&s, q).await;
        if got != *want {
            failures.push(format!("{q:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test]
async fn pages_updates_and_account_removal_keep_the_index_right() {
    let (s, _d) = mailbox().await;
    let all = parse(
        "",
        Clock {
            now_ms: NOW,
            utc_offset_secs: 0,
        },
    )
    .unwrap();
    let q = all.clone();
    let first = s
        .store
        .read(move |c| mail::search(c, None, &q, 2, None))
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["m1", "m2"]
    );
    let after = PageAfter {
        internal_date: first[1].internal_date,
        rowid: first[1].rowid,
    };
    let q = all.clone();
    let second = s
        .store
        .read(move |c| mail::search(c, None, &q, 2, Some(after)))
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["m3", "m5"]
    );
    assert!(first[0].label_ids.contains(&"UNREAD".to_string()));

    // A metadata-only update (new subject, labels) re-indexes and keeps the fetched body.
    let mut m1 = msg(
        "m1",
        1,
        "Ada Lovelace <ada@example.com>",
        "Difference engine",
        "",
        &["INBOX"],
    );
    m1.body_text = None;
    s.store
        .transaction(move |tx| mail::upsert_messages(tx, &[m1]))
        .await
        .unwrap();
    assert_eq!(ids(&s, "subject:difference").await, ["m1"]);
    assert!(ids(&s, "subject:analytical").await.is_empty());
    assert_eq!(ids(&s, "algebraic").await, ["m1"], "body still indexed");
    assert!(ids(&s, "is:unread").await == ["m5"]);

    // Removing the account empties its cache and its index rows.
    s.store.write(|c| accounts::delete(c, "acc")).await.unwrap();
    let n: i64 = s
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM mail_fts_v2 WHERE mail_fts_v2 MATCH 'engine'",
                [],
                |r| r.get(0),
            )
            .unwrap())
        })
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Text searches walk the date-keyed index newest first: messages sharing one millisecond each
/// get their own key, pages continue exactly where they stopped, and a changed date moves the
/// message in the index.
#[tokio::test(flavor = "multi_thread")]
async fn text_search_pages_through_equal_dates_and_follows_date_changes() {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(dir.path()).await;
    let same: Vec<NewMessage> = (0..7)
        .map(|i| {
            let mut m = msg(
                &format!("g{i}"),
                2,
                "Ada <ada@example.com>",
                "Gear box",
                "gear teeth",
                &["INBOX"],
            );
            if i % 2 == 0 {
                m.body_text = Some("gear teeth rust".into());
            }
            m
        })
        .collect();
    s.store
        .transaction(move |tx| {
            accounts::upsert(tx, &support::account("acc", "me@example.com"))?;
            mail::upsert_messages(tx, &same)
        })
        .await
        .unwrap();
    let q = parse(
        "gear",
        Clock {
            now_ms: NOW,
            utc_offset_secs: 0,
        },
    )
    .unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let q = q.clone();
        let page = s
            .store
            .read(move |c| mail::search(c, Some("acc"), &q, 3, after))
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some(PageAfter {
            internal_date: last.internal_date,
            rowid: last.rowid,
        });
        seen.extend(page.into_iter().map(|h| h.id));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen.len(), 7, "every message once: {seen:?}");
    assert_eq!(sorted.len(), 7, "{seen:?}");
    // Negated and OR'd words fold into the index query.
    assert_eq!(ids(&s, "gear -rust").await.len(), 3);
    assert_eq!(ids(&s, "(rust OR cog) gear").await.len(), 4);
    assert!(ids(&s, "gear older_than:3d").await.is_empty());

    // g1 moves 10 days back: found by date bounds at its new place, once.
    let moved = msg(
        "g1",
        12,
        "Ada <ada@example.com>",
        "Gear box",
        "gear teeth",
        &["INBOX"],
    );
    s.store
        .transaction(move |tx| mail::upsert_messages(tx, &[moved]))
        .await
        .unwrap();
    assert_eq!(ids(&s, "gear older_than:5d").await, ["g1"]);
    assert_eq!(ids(&s, "gear newer_than:5d").await.len(), 6);
    assert_eq!(
        ids(&s, "gear").await.last().map(String::as_str),
        Some("g1"),
        "oldest last"
    );
}
