//! Property tests for what users type into the search box: any string parses to a query or a
//! typed error (never a panic, in bounded time); every query that parses runs against a real
//! store without SQLite refusing it; the nesting and length limits say so in their own words.
//!
//! By default the properties run 3,000 + 2,000 + 1,500 + 300 + 100 cases (6,900; the file takes
//! about 15 s in a debug build on two cores). `PROPTEST_CASES` replaces every property's count
//! (proptest reads it into `Config::default()`, and `config()` below keeps it), to fuzz longer:
//!
//! ```sh
//! PROPTEST_CASES=20000 cargo test --release --no-default-features --features backend --test fuzz_search
//! ```
//!
//! Failures are not persisted to files: a case found here becomes a named test in
//! `src/search/mod.rs` or in this file.

#![cfg(feature = "backend")]

mod support;

use std::time::{Duration, Instant};

use libreollama::search::{parse, Clock, Field, Flag, Query, MAX_LEN, MAX_NESTING};
use libreollama::store::mail::{self, NewAttachment, NewMessage, PageAfter};
use libreollama::store::{accounts, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_700_000_000_000;
const CLOCK: Clock = Clock {
    now_ms: NOW,
    utc_offset_secs: 3600,
};

/// `default_cases`, unless PROPTEST_CASES is set.
fn config(default_cases: u32) -> Config {
    let mut c = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = default_cases;
    }
    c
}

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
        cc: "bob@example.com".into(),
        snippet: body.chars().take(40).collect(),
        label_ids: labels.iter().map(|s| s.to_string()).collect(),
        body_text: Some(body.into()),
        ..Default::default()
    }
}

/// A small store with a few messages, labels and an attachment.
fn mailbox() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_blocking(dir.path()).unwrap();
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
        filename: "Q3_report%.pdf".into(),
        mime_type: "application/pdf".into(),
        size: 1000,
        ..Default::default()
    }];
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
            "Grüße aus Köln 日本",
            "Viele Grüße vom Rhein: a*b ^c \"quoted\"",
            &["INBOX", "STARRED", "Label_food"],
        ),
        report,
        msg(
            "m4",
            40,
            "News <news@example.org>",
            "Weekly digest",
            "OR AND NOT NEAR",
            &["SPAM"],
        ),
        msg(
            "m5",
            5,
            "Bob <bob@example.com>",
            "Team lunch",
            "pizza 10:30",
            &["TRASH", "UNREAD"],
        ),
    ];
    store
        .with_writer_blocking(|c| {
            let tx = c.transaction().unwrap();
            accounts::upsert(&tx, &support::account("acc", "me@example.com"))?;
            tx.execute(
                "INSERT INTO mail_labels (account_id, id, name, type) VALUES ('acc', 'Label_food', 'Food/Lunch', 'user')",
                [],
            )
            .unwrap();
            mail::upsert_messages(&tx, &msgs)?;
            tx.commit().unwrap();
            Ok(())
        })
        .unwrap();
    (dir, store)
}

/// Runs `q` the ways the app does (one account or all, first page or a later one). Never a
/// database failure; and a tree the parser can build must run: the store's safety net (SQLite
/// refusing a query's shape becomes invalid input) must never be needed, so it is not accepted
/// here. Only a hand-made tree deeper than any parse may be refused, as invalid input.
fn run(store: &Store, q: &Query) -> Result<(), TestCaseError> {
    let later = PageAfter {
        internal_date: NOW - 2 * DAY,
        rowid: 2,
    };
    for (account, after) in [(Some("acc"), None), (None, Some(later))] {
        let res = store.with_writer_blocking(|c| mail::search(c, account, q, 3, after));
        if let Err(e) = res {
            prop_assert!(
                e.kind() == "InvalidInput" && e.to_string().contains("levels deep"),
                "{:?} failed: {} ({})",
                q,
                e,
                e.kind()
            );
        }
    }
    Ok(())
}

/// Parses within a time bound, never panicking (a panic fails the case with its input).
fn parse_bounded(s: &str) -> Result<Result<Query, String>, TestCaseError> {
    let started = Instant::now();
    let res = parse(s, CLOCK).map_err(|e| e.0);
    prop_assert!(
        started.elapsed() < Duration::from_secs(1),
        "parsing {s:?} took {:?}",
        started.elapsed()
    );
    if let Err(e) = &res {
        prop_assert!(!e.is_empty(), "{s:?} gave an empty error");
    }
    if let Ok(q) = &res {
        prop_assert!(
            !q.deeper_than(libreollama::search::MAX_TREE_DEPTH),
            "{s:?} built a tree deeper than MAX_TREE_DEPTH"
        );
    }
    Ok(res)
}

/// Any unicode, control characters and NUL included.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(any::<char>(), 0..48).prop_map(String::from_iter),
        1 => prop::collection::vec(any::<char>(), 0..400).prop_map(String::from_iter),
        1 => "[\\x00-\\x7f]{0,64}",
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u8>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u128>().prop_map(|n| n.to_string()),
        Just("0".to_string()),
        Just("9999".to_string()),
        Just("1970".to_string()),
        Just("٣".to_string()),
        Just("１２".to_string()),
    ]
}

/// A value after `op:`: dates, ages, words, quotes, nothing, or odd characters.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        (number(), "[/-]", number(), "[/-]", number())
            .prop_map(|(y, a, m, b, d)| format!("{y}{a}{m}{b}{d}")),
        (number(), any::<char>()).prop_map(|(n, u)| format!("{n}{u}")),
        (number(), "[dmyDé]").prop_map(|(n, u)| format!("{n}{u}")),
        word(),
        Just(String::new()),
        Just("\"\"".to_string()),
        "\"[a-z \\x00*^:é-]{0,8}\"",
        prop::sample::select(vec![
            "unread",
            "read",
            "starred",
            "important",
            "attachment",
            "inbox",
            "spam",
            "trash",
            "anywhere",
            "drafts",
            "Food/Lunch",
            "pdf",
            "%",
            "_",
            "\\",
        ])
        .prop_map(str::to_string),
    ]
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "ada", "engine", "report", "köln", "日本", "pizza", "NEAR", "AND", "NOT", "or", "*",
            "^", "a*", "^a", "x:y", "10:30", "\"", "a\"b", "\0", "!!!", "-", "--a", "é", "😀",
        ])
        .prop_map(str::to_string),
        "[a-zA-Z0-9é日_.@*^:'\"\\x00-]{1,8}",
    ]
}

fn op() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "from:",
        "to:",
        "cc:",
        "subject:",
        "label:",
        "in:",
        "is:",
        "has:",
        "filename:",
        "before:",
        "after:",
        "older_than:",
        "newer_than:",
        "FROM:",
        "x:",
    ])
}

/// One token of the search language, or something close to it.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => word(),
        4 => (op(), value()).prop_map(|(o, v)| format!("{o}{v}")),
        1 => op().prop_map(|o| format!("{o}(")),
        2 => Just("OR".to_string()),
        2 => Just("(".to_string()),
        2 => Just(")".to_string()),
        2 => Just("{".to_string()),
        2 => Just("}".to_string()),
        3 => Just("-".to_string()),
        1 => Just("\"".to_string()),
        1 => "\"[a-z é]{0,10}\"",
        1 => number(),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Token soup, biased toward the grammar.
fn grammar_text() -> impl Strategy<Value = String> {
    let sep = prop::sample::select(vec![" ", " ", " ", "", "\t", "\u{3000}"]);
    prop::collection::vec((token(), sep), 0..24).prop_map(|v| {
        v.into_iter()
            .flat_map(|(t, s)| [t, s.to_string()])
            .collect::<String>()
    })
}

/// Well-formed nesting up to and past the limits, to reach the deep paths of the compiler.
fn nested_text() -> impl Strategy<Value = String> {
    let opener = prop::sample::select(vec![
        ("(", ")"),
        ("{", "}"),
        ("-(", ")"),
        ("-{", "}"),
        ("ada (", ")"),
        ("ada OR (", ")"),
        ("is:unread (", ")"),
        ("{x -", "}"),
        ("(-x ", ")"),
        ("{label:inbox ", "}"),
    ]);
    (
        prop::collection::vec(opener, 0..40),
        prop::collection::vec(token(), 1..4),
    )
        .prop_map(|(opens, inner)| {
            let mut s: String = opens.iter().map(|(o, _)| *o).collect();
            s.push_str(&inner.join(" "));
            s.extend(opens.iter().rev().map(|(_, c)| *c));
            s
        })
}

/// A word the lexer keeps as one word (no space, bracket or quote, not OR, not after '-').
fn plain_word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "ada", "engine", "report", "köln", "日本", "pizza", "NEAR", "AND", "NOT", "or", "*",
            "^", "a*", "^a", "x:y", "10:30", "\0", "!!!", "é", "😀", "a-b", "_", "%",
        ])
        .prop_map(str::to_string),
        "[a-zA-Z0-9é日_.@*^:'\\x00!%][a-zA-Z0-9é日_.@*^:'\\x00!%-]{0,7}"
            .prop_filter("not OR", |w| w != "OR"),
    ]
}

/// A term that parses: words, phrases, and operators with values they accept (mostly).
fn valid_term() -> impl Strategy<Value = String> {
    let date =
        (1970..=9999i32, 1..=12u32, 1..=28u32).prop_map(|(y, m, d)| format!("{y}/{m:02}/{d:02}"));
    let age = (0..=3_000_000u32, "[dmy]").prop_map(|(n, u)| {
        let n = if u == "d" { n } else { n % 9999 };
        format!("{n}{u}")
    });
    prop_oneof![
        6 => plain_word(),
        2 => "\"[a-zA-Z é日*^:()\\x00{}-]{0,12}\"",
        1 => (prop::sample::select(vec!["from", "to", "cc", "subject"]), plain_word())
            .prop_map(|(o, v)| format!("{o}:{v}")),
        1 => (prop::sample::select(vec!["from", "subject", "label"]), "[a-z (){}*^:é\\x00-]{0,10}")
            .prop_map(|(o, v)| format!("{o}:\"{v}\"")),
        1 => (prop::sample::select(vec!["from", "to", "subject", "filename"]), prop::collection::vec(plain_word(), 1..4))
            .prop_map(|(o, v)| format!("{o}:({})", v.join(" "))),
        1 => prop::sample::select(vec![
            "is:unread", "is:read", "is:starred", "is:important", "has:attachment", "in:inbox",
            "in:spam", "in:trash", "in:anywhere", "in:drafts", "label:Food/Lunch", "label:INBOX",
            "filename:pdf", "filename:%", "filename:_", "filename:\\",
        ]).prop_map(str::to_string),
        1 => (prop::sample::select(vec!["before", "after"]), date).prop_map(|(o, d)| format!("{o}:{d}")),
        1 => (prop::sample::select(vec!["older_than", "newer_than"]), age).prop_map(|(o, a)| format!("{o}:{a}")),
    ]
}

/// Searches that parse, nested in every way the grammar allows.
fn valid_query() -> impl Strategy<Value = String> {
    valid_term()
        .prop_recursive(12, 96, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..6)
                    .prop_map(|v| format!("({})", v.join(" "))),
                prop::collection::vec(inner.clone(), 2..4)
                    .prop_map(|v| format!("({})", v.join(" OR "))),
                prop::collection::vec(inner.clone(), 1..5)
                    .prop_map(|v| format!("{{{}}}", v.join(" "))),
                inner.prop_map(|q| format!("-{q}")),
            ]
        })
        .prop_filter("balanced", |q| parse(q, CLOCK).is_ok())
}

/// Valid searches wrapped in up to (and past) the nesting limit.
fn deep_valid_query() -> impl Strategy<Value = String> {
    let opener = prop::sample::select(vec![
        ("(", ")"),
        ("{", "}"),
        ("-(", ")"),
        ("-{", "}"),
        ("ada (", ")"),
        ("(ada OR ", ")"),
        ("(x ada OR ", ")"),
        ("-(x ada OR ", ")"),
        ("(is:unread ", ")"),
        ("{x -", "}"),
        ("(-x ", ")"),
        ("{label:inbox ", "}"),
        ("(-{a b} ", ")"),
    ]);
    let mixed = prop::collection::vec(opener.clone(), 0..36);
    // One kind repeated reaches the deepest trees (brackets holding an OR nest two levels each).
    let same = (opener, 0..=MAX_NESTING + 2).prop_map(|(o, n)| vec![o; n]);
    let opens = prop_oneof![mixed, same];
    (opens, valid_query()).prop_map(|(opens, inner)| {
        let mut s: String = opens.iter().map(|(o, _)| *o).collect();
        s.push_str(&inner);
        s.extend(opens.iter().rev().map(|(_, c)| *c));
        s
    })
}

/// Long flat lists up to the length limit: hundreds of terms, negations or alternatives at one
/// level, to reach SQLite's expression-depth and FTS5's parser-stack limits.
fn long_query() -> impl Strategy<Value = String> {
    // Mostly short terms, so that many fit.
    let short = prop::sample::select(vec!["b", "ada", "x", "é", "in:x", "is:read", "from:b"]);
    let term = prop_oneof![3 => short.prop_map(str::to_string), 1 => valid_term()];
    let term = (prop::bool::weighted(0.4), term)
        .prop_map(|(neg, t)| if neg { format!("-{t}") } else { t });
    let group = prop::sample::select(vec![
        ("", ""),
        ("{", "}"),
        ("(", ")"),
        ("-(", ")"),
        ("ada ", ""),
    ]);
    (group, prop::collection::vec(term, 50..600)).prop_map(|((open, close), terms)| {
        let mut s = open.to_string();
        for t in terms {
            if s.chars().count() + t.chars().count() + close.len() + 1 > MAX_LEN {
                break;
            }
            s.push_str(&t);
            s.push(' ');
        }
        s.push_str(close);
        s
    })
}

fn user_input() -> impl Strategy<Value = String> {
    prop_oneof![2 => any_text(), 5 => grammar_text(), 2 => nested_text()]
}

/// (1) Anything typed parses or gives an error, never a panic, within a time bound.
#[test]
fn any_input_parses_or_gives_an_error() {
    let mut runner = TestRunner::new(config(3000));
    runner
        .run(&user_input(), |s| parse_bounded(&s).map(drop))
        .unwrap();
}

/// (2) Every query that parses runs against a real store and gives results: never an SQLite
/// syntax error, never a database failure, and not even the store's invalid-input safety net.
#[test]
fn every_parsed_query_runs_in_the_store() {
    let (_dir, store) = mailbox();
    let mut runner = TestRunner::new(config(2000));
    runner
        .run(
            &prop_oneof![
                1 => grammar_text(),
                1 => nested_text(),
                3 => valid_query(),
                3 => deep_valid_query(),
                1 => long_query(),
            ],
            |s| {
                if let Ok(q) = parse_bounded(&s)? {
                    run(&store, &q)?;
                }
                Ok(())
            },
        )
        .unwrap();
}

/// A tree the parser cannot build (empty groups, one-item groups, NOT without a positive side,
/// NULs and quotes in leaves, trees too deep) handed straight to the store: still no database
/// failure, and no unbounded recursion.
fn any_tree() -> impl Strategy<Value = Query> {
    let text = prop_oneof![word(), any_text()];
    let leaf = prop_oneof![
        Just(Query::All),
        Just(Query::Anywhere),
        Just(Query::HasAttachment),
        text.clone().prop_map(Query::Word),
        text.clone().prop_map(Query::Phrase),
        (
            prop::sample::select(vec![Field::From, Field::To, Field::Cc, Field::Subject]),
            text.clone()
        )
            .prop_map(|(f, v)| Query::Field(f, v)),
        text.clone().prop_map(Query::Label),
        text.prop_map(Query::Filename),
        prop::sample::select(vec![
            Flag::Unread,
            Flag::Read,
            Flag::Starred,
            Flag::Important
        ])
        .prop_map(Query::Is),
        any::<i64>().prop_map(Query::Before),
        any::<i64>().prop_map(Query::After),
    ];
    leaf.prop_recursive(12, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Query::And),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Query::Or),
            inner.prop_map(|q| Query::Not(Box::new(q))),
        ]
    })
}

#[test]
fn hand_made_trees_never_fail_in_the_database() {
    let (_dir, store) = mailbox();
    let mut runner = TestRunner::new(config(1500));
    runner.run(&any_tree(), |q| run(&store, &q)).unwrap();
    // Far deeper than any parse: refused as input, not a stack overflow.
    let mut deep = Query::Word("ada".into());
    for i in 0..100_000 {
        deep = if i % 2 == 0 {
            Query::Not(Box::new(deep))
        } else {
            Query::And(vec![Query::Word("engine".into()), deep])
        };
    }
    let e = store
        .with_writer_blocking(|c| mail::search(c, None, &deep, 10, None))
        .unwrap_err();
    assert_eq!(e.kind(), "InvalidInput", "{e}");
    assert!(e.to_string().contains("levels deep"), "{e}");
    // Iterative drop: the recursive one would overflow the stack at this depth.
    let mut stack = vec![deep];
    while let Some(q) = stack.pop() {
        match q {
            Query::Not(inner) => stack.push(*inner),
            Query::And(v) | Query::Or(v) => stack.extend(v),
            _ => {}
        }
    }
}

/// Found by fuzzing: a text search with many '-' words nested one FTS5 bracket per negation,
/// and FTS5's parser stack overflowed near fifty ("fts5: parser stack overflow", reported as a
/// database failure).
#[test]
fn many_negated_words_fit_one_fts_expression() {
    let (_dir, store) = mailbox();
    for q in [
        format!("ada {}", "-b ".repeat(600)),
        format!("{}engine", "-b ".repeat(600)),
        format!("(engine {})", "-from:b ".repeat(200)),
        format!("ada -{{{}}}", "b ".repeat(900)),
    ] {
        let q = parse(&q, CLOCK).unwrap();
        let hits = store
            .with_writer_blocking(|c| mail::search(c, Some("acc"), &q, 10, None))
            .unwrap();
        assert!(!hits.is_empty(), "{q:?}");
    }
}

/// Found by reading FTS5's tokenizer, confirmed by the properties: FTS5 reads its query as a C
/// string, so a NUL typed (or pasted) into a word ended the quoted phrase early ("unterminated
/// string", a database failure). It is now a word break.
#[test]
fn nul_in_a_search_is_a_word_break_not_a_database_error() {
    let (_dir, store) = mailbox();
    for (q, want) in [
        ("ada\0", 2),
        ("\"algebraic\0patterns\"", 1),
        ("from:ada\0example", 2),
        ("engine -x\0y", 1),
        ("{\0 engine}", 1),
    ] {
        let q = parse(q, CLOCK).unwrap();
        let hits = store
            .with_writer_blocking(|c| mail::search(c, Some("acc"), &q, 10, None))
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        assert_eq!(hits.len(), want, "{q:?}");
    }
}

/// An OR (or AND) of about a thousand terms that are not all text must stay within SQLite's
/// expression depth limit of 1000 ("Expression tree is too large"): lists are joined as
/// balanced trees and text terms share one MATCH.
#[test]
fn long_lists_stay_within_sqlite_expression_depth() {
    let (_dir, store) = mailbox();
    for q in [
        format!("{{{}is:starred}}", "b ".repeat(990)),
        format!("{{{}}}", "-b ".repeat(660)),
        "in:x ".repeat(399),
        format!("ada {}", "-is:read ".repeat(220)),
        format!("{{{}}}", "label:x ".repeat(249)),
    ] {
        let q = parse(&q, CLOCK).unwrap_or_else(|e| panic!("{q}: {e}"));
        store
            .with_writer_blocking(|c| mail::search(c, None, &q, 10, None))
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
}

/// (3) Too deep and too long are refused, each with its own message, whatever else is typed.
#[test]
fn limits_have_their_own_messages() {
    // Openers valid anywhere (OR may not stand in braces), so depth is the first thing wrong.
    let opener = prop::sample::select(vec!["(", "{", "-(", "-{", "a (", "from:x {", "{-"]);
    let deep = (
        prop::collection::vec(opener, MAX_NESTING + 1..MAX_NESTING + 200),
        "[a-z ()}{-]{0,40}",
    )
        .prop_map(|(opens, tail)| format!("{}{tail}", opens.concat()))
        .prop_filter("within the length limit", |s| s.chars().count() <= MAX_LEN);
    let mut runner = TestRunner::new(config(300));
    runner
        .run(&deep, |s| {
            let e = parse_bounded(&s)?.unwrap_err();
            prop_assert!(e.contains("more than 32 deep"), "{s:?}: {e}");
            Ok(())
        })
        .unwrap();

    let long = (
        user_input(),
        prop::collection::vec(any::<char>(), MAX_LEN + 1..MAX_LEN + 300),
    )
        .prop_map(|(a, b)| format!("{a}{}", String::from_iter(b)));
    let mut runner = TestRunner::new(config(100));
    runner
        .run(&long, |s| {
            let e = parse_bounded(&s)?.unwrap_err();
            prop_assert!(e.contains("the most is 2,000"), "{s:?}: {e}");
            Ok(())
        })
        .unwrap();
}

/// The crashes users hit, through the service the app calls: each is invalid input with a
/// sentence saying what to fix, never a database failure sending them to doctor.
#[tokio::test(flavor = "multi_thread")]
async fn broken_searches_are_invalid_input_not_database_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(dir.path()).await;
    for (q, says) in [
        ("{}", "empty braces"),
        ("from:()", "from:() is empty"),
        ("()", "empty brackets"),
        ("ada {} engine", "empty braces"),
        ("newer_than:1é", "an age like"),
        ("after:99999999/01/01", "a year from 1970 to 9999"),
        ("older_than:99999999999999999999d", "at most 9999y"),
        ("(".repeat(5000).as_str(), "characters long"),
        ("{".repeat(1000).as_str(), "more than 32 deep"),
    ] {
        let e = s
            .mail
            .list(None, q.to_string(), None, 50, false)
            .await
            .expect_err(q);
        assert_eq!(e.kind(), "InvalidInput", "{q}: {e}");
        assert!(e.to_string().contains(says), "{q}: {e}");
    }
    // Empty groups built by hand reach the store as valid SQL: nothing, and everything.
    let none = s
        .store
        .read(|c| mail::search(c, None, &Query::Or(vec![]), 10, None))
        .await
        .unwrap();
    assert!(none.is_empty());
    s.store
        .read(|c| mail::search(c, None, &Query::And(vec![]), 10, None))
        .await
        .unwrap();
}
