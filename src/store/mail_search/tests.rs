//! The search compiler's pieces against FTS5 and SQLite, and searches compared with a
//! brute-force filter on a small generated mailbox.

use super::*;

fn fts() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(
        "CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize = 'unicode61 remove_diacritics 2');
         INSERT INTO t VALUES ('hello world', 'from ada');",
    )
    .unwrap();
    c
}

fn count(c: &Connection, expr: &str) -> std::result::Result<i64, rusqlite::Error> {
    c.query_row("SELECT count(*) FROM t WHERE t MATCH ?1", [expr], |r| {
        r.get(0)
    })
}

#[test]
fn every_phrase_is_valid_fts5() {
    let c = fts();
    for text in [
        "",
        "\0",
        "a\0b",
        "\"",
        "\"\"",
        "*",
        "^",
        "a:b",
        "NEAR",
        "AND",
        "-",
        "(",
        ")",
        "{}",
        "!!!",
        "\u{7}\t\n",
        "é",
        "😀",
        "a*",
        "^a",
        "b : c",
    ] {
        let e = fts_phrase(text);
        count(&c, &e).unwrap_or_else(|err| panic!("{text:?} -> {e}: {err}"));
        let e = combine(&[fts_phrase("hello")], &[e.clone(), e]).unwrap();
        count(&c, &e).unwrap_or_else(|err| panic!("{text:?} -> {e}: {err}"));
    }
    assert_eq!(count(&c, &fts_phrase("hel\0lo world")).unwrap(), 0);
    assert_eq!(count(&c, &fts_phrase("hello\0world")).unwrap(), 1);
}

/// FTS5's parser has a fixed stack: every way of nesting text groups as deep as fts_expr
/// goes (an AND's positive side, its negated side, an OR) must still fit in it.
#[test]
fn the_deepest_fts_expressions_fit_the_fts5_parser() {
    let c = fts();
    let word = |w: &str| Query::Word(w.into());
    let wrap = |inner: Query, how: usize| match how {
        0 => Query::And(vec![word("x"), inner, Query::Not(Box::new(word("y")))]),
        1 => Query::And(vec![word("x"), Query::Not(Box::new(inner))]),
        _ => Query::Or(vec![word("x"), inner]),
    };
    // FTS_MAX_NEST groups in all: the innermost OR and the wrappers around it.
    let levels = FTS_MAX_NEST as u32 - 1;
    for shape in 0..3usize.pow(levels) {
        let mut q = Query::Or(vec![word("hello"), word("ada")]);
        let mut s = shape;
        for _ in 0..levels {
            q = wrap(q, s % 3);
            s /= 3;
        }
        match fts_expr(&q, 0) {
            Some(e) => {
                count(&c, &e).unwrap_or_else(|err| panic!("{e}: {err}"));
            }
            None => panic!("{q:?} is text only and within FTS_MAX_NEST"),
        }
        assert!(
            fts_expr(&wrap(q, 2), 0).is_none(),
            "one level deeper is left to SQL"
        );
    }
}

#[test]
fn refused_queries_are_invalid_input_not_database_failures() {
    let c = fts();
    let refused = count(&c, "\"open").unwrap_err();
    let e = search_error("searching mail")(refused);
    assert_eq!(e.kind(), "InvalidInput", "{e}");
    assert!(e.to_string().contains("simplify it"), "{e}");
    // A real failure stays one.
    let broken = c.prepare("SELECT * FROM no_such_table").unwrap_err();
    assert_eq!(
        search_error("searching mail")(broken).kind(),
        "DatabaseQuery"
    );
}

#[test]
fn long_lists_nest_logarithmically() {
    let parts: Vec<String> = (0..1024).map(|i| i.to_string()).collect();
    let sql = balanced(&parts, "OR", "0");
    let mut depth = 0usize;
    let mut most = 0;
    for ch in sql.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        most = most.max(depth);
    }
    assert_eq!(most, 11, "log2(1024) + 1");
    assert_eq!(balanced(&[], "AND", "1"), "1");
    let c = Connection::open_in_memory().unwrap();
    let v: i64 = c
        .query_row(&format!("SELECT {sql}"), [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 1);
}

/// Text made only of header fields reads the headers' index; a bare word anywhere in it needs
/// the whole index (it may be in a body).
#[test]
fn header_fields_alone_read_the_headers_index() {
    let clock = crate::search::Clock {
        now_ms: 0,
        utc_offset_secs: 0,
    };
    for (text, want) in [
        ("from:ada", TextIndex::Headers),
        ("subject:\"quarterly report\"", TextIndex::Headers),
        ("to:me -subject:draft", TextIndex::Headers),
        ("from:ada OR cc:bob", TextIndex::Headers),
        ("from:ada report", TextIndex::Full),
        ("report", TextIndex::Full),
        ("\"a phrase\"", TextIndex::Full),
        ("from:ada OR report", TextIndex::Full),
    ] {
        let q = crate::search::parse(text, clock).unwrap();
        let terms: Vec<&Query> = match &q {
            Query::And(items) => items.iter().collect(),
            other => vec![other],
        };
        assert_eq!(TextIndex::for_terms(terms), want, "{text}");
    }
}

/// A small generated mailbox in two accounts, searched through every plan (a label's index
/// range, a few labels sorted, an OR of labels and text, the attachment index, text, dates) and
/// compared with a brute-force filter of the same messages.
mod brute_force {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use crate::search::{parse, Clock, Field, Flag, Query};
    use crate::store::labels::{self, LabelRow};
    use crate::store::mail::{self, NewAttachment, NewMessage, PageAfter};
    use crate::store::testing::{self, store_with_account, ACCOUNT};
    use crate::store::{accounts, Store};

    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_700_000_000_000;
    const WORDS: &[&str] = &[
        "alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega", "zeta", "theta", "iota",
        "lambda", "rho",
    ];

    /// `attachments`: whether a few messages have one (else none has).
    fn mailbox(attachments: bool) -> (tempfile::TempDir, Store, Vec<NewMessage>) {
        let (dir, store) = store_with_account();
        let mut rng = StdRng::seed_from_u64(7);
        let words = |rng: &mut StdRng, n: usize| {
            (0..n)
                .map(|_| WORDS[rng.gen_range(0..WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let msgs: Vec<NewMessage> = (0..500)
            .map(|i| {
                let account = if i % 5 == 4 { "b" } else { ACCOUNT };
                let mut labels = Vec::new();
                for (label, p) in [
                    ("INBOX", 0.5),
                    ("IMPORTANT", 0.3),
                    ("SPAM", 0.03),
                    ("TRASH", 0.03),
                ] {
                    if rng.gen_bool(p) {
                        labels.push(label.to_string());
                    }
                }
                // Rare: two starred messages; nothing is unread.
                if i == 17 || i == 333 {
                    labels.push("STARRED".into());
                }
                if account == ACCOUNT && rng.gen_bool(0.02) {
                    labels.push("Label_1".into());
                }
                if account == "b" && rng.gen_bool(0.1) {
                    labels.push("Label_9".into());
                }
                if account == ACCOUNT && rng.gen_bool(0.4) {
                    labels.push("Label_2".into());
                }
                let files = if attachments && rng.gen_bool(0.03) {
                    vec![NewAttachment {
                        part_id: "1".into(),
                        filename: ["notes.pdf", "photo.png"][i % 2].into(),
                        ..Default::default()
                    }]
                } else {
                    Vec::new()
                };
                let (s, b) = (rng.gen_range(2..6), rng.gen_range(3..15));
                let sender = rng.gen_range(0..10);
                NewMessage {
                    account_id: account.into(),
                    id: format!("m{i:03}"),
                    thread_id: format!("t{i}"),
                    // Many messages share a millisecond: ties are ordered by row.
                    internal_date: NOW - rng.gen_range(0..60) * DAY - rng.gen_range(0..3) * 1000,
                    subject: words(&mut rng, s),
                    from: format!("Sender {sender} <sender{sender}@example.com>"),
                    to: "me@example.com".into(),
                    label_ids: labels,
                    attachments: files,
                    body_text: Some(words(&mut rng, b)),
                    ..Default::default()
                }
            })
            .collect();
        let stored = msgs.clone();
        store
            .with_writer_blocking(move |c| {
                let tx = c.transaction().unwrap();
                accounts::upsert(&tx, &testing::account("b", "b@example.com"))?;
                let label = |id: &str, name: &str| LabelRow {
                    id: id.into(),
                    name: name.into(),
                    ..Default::default()
                };
                labels::replace_account_labels(
                    &tx,
                    ACCOUNT,
                    &[label("Label_1", "Projects/X"), label("Label_2", "Common")],
                )?;
                labels::replace_account_labels(&tx, "b", &[label("Label_9", "Projects/X")])?;
                mail::upsert_messages(&tx, &msgs)?;
                tx.commit().unwrap();
                Ok(())
            })
            .unwrap();
        (dir, store, stored)
    }

    fn tokens(s: &str) -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }

    fn has_phrase(text: &str, phrase: &str) -> bool {
        let (t, p) = (tokens(text), tokens(phrase));
        !p.is_empty() && t.windows(p.len()).any(|w| w == p.as_slice())
    }

    fn label_ids(label: &str) -> Vec<&'static str> {
        match label.to_lowercase().as_str() {
            // Gmail's forms of "Projects/X": hyphens or spaces for the slash, any case.
            "projects/x" | "projects-x" | "projects x" => vec!["Label_1", "Label_9"],
            "common" => vec!["Label_2"],
            _ => vec![],
        }
    }

    fn matches(q: &Query, m: &NewMessage) -> bool {
        let has = |l: &str| m.label_ids.iter().any(|x| x == l);
        let columns = [&m.subject, &m.from, &m.to, &m.cc, &m.snippet];
        match q {
            Query::All | Query::Anywhere => true,
            Query::And(v) => v.iter().all(|i| matches(i, m)),
            Query::Or(v) => v.iter().any(|i| matches(i, m)),
            Query::Not(i) => !matches(i, m),
            Query::Word(w) | Query::Phrase(w) => {
                columns.iter().any(|c| has_phrase(c, w))
                    || has_phrase(m.body_text.as_deref().unwrap_or_default(), w)
            }
            Query::Field(f, v) => has_phrase(
                match f {
                    Field::From => &m.from,
                    Field::To => &m.to,
                    Field::Cc => &m.cc,
                    Field::Subject => &m.subject,
                },
                v,
            ),
            Query::Label(l) => has(l) || label_ids(l).into_iter().any(has),
            Query::Is(Flag::Unread) => has("UNREAD"),
            Query::Is(Flag::Read) => !has("UNREAD"),
            Query::Is(Flag::Starred) => has("STARRED"),
            Query::Is(Flag::Important) => has("IMPORTANT"),
            Query::HasAttachment => !m.attachments.is_empty(),
            Query::Filename(f) => m
                .attachments
                .iter()
                .any(|a| a.filename.to_lowercase().contains(&f.to_lowercase())),
            Query::Before(ms) => m.internal_date < *ms,
            Query::After(ms) => m.internal_date >= *ms,
        }
    }

    /// The ids `q` should give, newest first (rows in insertion order break ties).
    fn expected(msgs: &[NewMessage], q: &Query, account: Option<&str>) -> Vec<String> {
        let mut hits: Vec<(i64, usize)> = msgs
            .iter()
            .enumerate()
            .filter(|(_, m)| account.is_none_or(|a| m.account_id == a))
            .filter(|(_, m)| {
                super::super::mentions_spam_or_trash(q)
                    || !m.label_ids.iter().any(|l| l == "SPAM" || l == "TRASH")
            })
            .filter(|(_, m)| matches(q, m))
            .map(|(i, m)| (m.internal_date, i))
            .collect();
        hits.sort_by(|a, b| b.cmp(a));
        hits.into_iter().map(|(_, i)| msgs[i].id.clone()).collect()
    }

    /// All hits, page after page of `page`.
    fn paged(store: &Store, q: &Query, account: Option<&str>, page: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let hits = store
                .with_writer_blocking(|c| super::super::search(c, account, q, page, after))
                .unwrap();
            out.extend(hits.iter().map(|h| h.id.clone()));
            match hits.last() {
                Some(last) if hits.len() == page => {
                    after = Some(PageAfter {
                        internal_date: last.internal_date,
                        rowid: last.rowid,
                    })
                }
                _ => return out,
            }
        }
    }

    const QUERIES: &[&str] = &[
        "is:unread",
        "is:unread alpha",
        "in:inbox is:unread",
        "is:read label:Projects/X",
        "is:starred",
        "is:starred alpha",
        "is:important",
        "in:inbox -label:Common",
        "-is:starred label:Projects/X",
        "is:starred OR label:Projects/X",
        "label:Projects/X",
        "label:projects/x gamma",
        "label:Projects/X -in:inbox",
        "label:Projects/X OR subject:\"alpha beta\"",
        "subject:\"alpha beta\" OR label:Nope",
        "(label:Projects/X OR delta) in:inbox",
        "subject:\"alpha beta\"",
        "label:Common",
        "label:Common -in:inbox",
        "label:Common newer_than:20d",
        "label:Common after:2023/10/20 before:2023/11/01",
        "label:Common (alpha OR label:Projects/X)",
        "label:Common kappa sigma",
        "label:Nope",
        "label:Nope OR is:starred",
        "has:attachment",
        "has:attachment beta",
        "filename:pdf",
        "filename:zip",
        "(alpha OR beta) has:attachment",
        "is:important from:sender3",
        "in:inbox older_than:30d delta",
        "\"beta gamma\"",
        "in:spam",
        "label:Projects/X in:anywhere",
        "label:projects-x",
        "label:\"Projects X\" gamma",
        "label:PROJECTS-X -in:inbox",
        "label:projects",
        "from:sender3",
        "subject:alpha",
        "from:sender1 OR from:sender2",
        "to:me subject:beta",
        "subject:gamma -subject:delta",
        "-subject:alpha from:sender4",
        "from:sender3 alpha",
        "subject:\"alpha beta\" is:important",
        "in:inbox (subject:alpha OR from:sender2)",
        "label:Projects/X subject:beta",
        "-from:sender1 kappa",
        "",
    ];

    fn compare(attachments: bool) {
        let (_dir, store, msgs) = mailbox(attachments);
        let clock = Clock {
            now_ms: NOW,
            utc_offset_secs: 0,
        };
        let mut failures = Vec::new();
        let mut found = 0;
        for text in QUERIES {
            let q = parse(text, clock).unwrap();
            for account in [Some(ACCOUNT), Some("b"), None] {
                let want = expected(&msgs, &q, account);
                found += usize::from(!want.is_empty());
                for page in [7, 50] {
                    let got = paged(&store, &q, account, page);
                    if got != want {
                        failures.push(format!(
                            "{text:?} in {account:?}, pages of {page}: got {got:?}, want {want:?}"
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
        assert!(
            found > QUERIES.len(),
            "most searches find something: {found}"
        );
    }

    #[test]
    fn searches_match_a_brute_force_filter() {
        compare(true);
    }

    #[test]
    fn searches_match_a_brute_force_filter_when_nothing_has_an_attachment() {
        compare(false);
    }

    /// Label rows written without a date (by another writer) get it, and follow a date change.
    #[test]
    fn label_rows_carry_their_message_date() {
        let (_dir, store, _msgs) = mailbox(false);
        let bad: i64 = store
            .with_writer_blocking(|c| {
                c.execute(
                    "INSERT INTO mail_message_labels (message_rowid, label_id) \
                     SELECT rowid, 'Label_late' FROM mail_messages WHERE id = 'm000'",
                    [],
                )
                .unwrap();
                c.execute(
                    "UPDATE mail_messages SET internal_date = internal_date - 1 WHERE id = 'm001'",
                    [],
                )
                .unwrap();
                Ok(c.query_row(
                    "SELECT count(*) FROM mail_message_labels l JOIN mail_messages m ON m.rowid = l.message_rowid \
                     WHERE l.message_date IS NOT m.internal_date",
                    [],
                    |r| r.get(0),
                )
                .unwrap())
            })
            .unwrap();
        assert_eq!(bad, 0);
    }

    /// The headers' index (V21) follows a message whose headers change on a later sync, one
    /// that is deleted, and one whose date (so its index key) changes.
    #[test]
    fn the_headers_index_follows_every_change() {
        let (_dir, store, mut msgs) = mailbox(false);
        msgs[0].subject = "zebra crossing".into();
        msgs[2].from = "Newcomer <newcomer@example.com>".into();
        msgs[3].internal_date -= 5 * DAY;
        msgs[3].subject = "moved along".into();
        let changed = vec![msgs[0].clone(), msgs[2].clone(), msgs[3].clone()];
        store
            .with_writer_blocking(move |c| {
                let tx = c.transaction().unwrap();
                mail::upsert_messages(&tx, &changed)?;
                tx.execute("DELETE FROM mail_messages WHERE id = 'm001'", [])
                    .unwrap();
                tx.commit().unwrap();
                Ok(())
            })
            .unwrap();
        msgs.remove(1);
        let clock = Clock {
            now_ms: NOW,
            utc_offset_secs: 0,
        };
        for text in [
            "subject:zebra",
            "subject:\"moved along\"",
            "from:newcomer",
            "from:sender1",
            "subject:alpha",
            "subject:alpha OR from:newcomer",
        ] {
            let q = parse(text, clock).unwrap();
            let want = expected(&msgs, &q, None);
            assert!(!want.is_empty(), "{text} finds something");
            assert_eq!(paged(&store, &q, None, 50), want, "{text}");
        }
        // The index itself: one entry each for the new subject and the new sender.
        let entries = |expr: &'static str| {
            store
                .with_writer_blocking(move |c| {
                    Ok(c.query_row(
                        "SELECT count(*) FROM mail_fts_headers WHERE mail_fts_headers MATCH ?1",
                        [expr],
                        |r| r.get::<_, i64>(0),
                    )
                    .unwrap())
                })
                .unwrap()
        };
        assert_eq!(entries("subject : zebra"), 1);
        assert_eq!(entries("from_addr : newcomer"), 1);
    }
}
