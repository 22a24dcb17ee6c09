use super::dates::{DAY_MS, MAX_AGE_DAYS};
use super::*;

const CLOCK: Clock = Clock {
    now_ms: 1_700_000_000_000,
    utc_offset_secs: 0,
};

fn p(s: &str) -> Query {
    parse(s, CLOCK).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn words_phrases_and_operators() {
    assert_eq!(p(""), Query::All);
    assert_eq!(p("hello"), Query::Word("hello".into()));
    assert_eq!(
        p(r#"from:ada "quarterly report" -draft"#),
        Query::And(vec![
            Query::Field(Field::From, "ada".into()),
            Query::Phrase("quarterly report".into()),
            Query::Not(Box::new(Query::Word("draft".into()))),
        ])
    );
    assert_eq!(
        p(r#"subject:"lunch plans""#),
        Query::Field(Field::Subject, "lunch plans".into())
    );
    assert_eq!(
        p("in:inbox is:unread"),
        Query::And(vec![Query::Label("INBOX".into()), Query::Is(Flag::Unread)])
    );
    assert_eq!(
        p("has:attachment filename:pdf"),
        Query::And(vec![Query::HasAttachment, Query::Filename("pdf".into())])
    );
    assert_eq!(p("label:Ops/Review"), Query::Label("Ops/Review".into()));
    assert_eq!(p("in:anywhere"), Query::Anywhere);
    assert_eq!(
        p("meet at 10:30"),
        Query::And(vec![
            Query::Word("meet".into()),
            Query::Word("at".into()),
            Query::Word("10:30".into())
        ])
    );
}

#[test]
fn boolean_structure() {
    assert_eq!(
        p("from:ada OR from:bob"),
        Query::Or(vec![
            Query::Field(Field::From, "ada".into()),
            Query::Field(Field::From, "bob".into())
        ])
    );
    assert_eq!(
        p("(a OR b) c"),
        Query::And(vec![
            Query::Or(vec![Query::Word("a".into()), Query::Word("b".into())]),
            Query::Word("c".into())
        ])
    );
    assert_eq!(
        p("{a b}"),
        Query::Or(vec![Query::Word("a".into()), Query::Word("b".into())])
    );
    assert_eq!(
        p("-(a b)"),
        Query::Not(Box::new(Query::And(vec![
            Query::Word("a".into()),
            Query::Word("b".into())
        ])))
    );
    assert_eq!(
        p("subject:(dinner movie)"),
        Query::And(vec![
            Query::Field(Field::Subject, "dinner".into()),
            Query::Field(Field::Subject, "movie".into())
        ])
    );
    // OR binds tighter than the implicit AND, as in Gmail: a b OR c = a AND (b OR c).
    assert_eq!(
        p("a b OR c"),
        Query::And(vec![
            Query::Word("a".into()),
            Query::Or(vec![Query::Word("b".into()), Query::Word("c".into())])
        ])
    );
}

#[test]
fn dates_and_ages() {
    // 2024-01-31 00:00 UTC.
    assert_eq!(p("after:2024/01/31"), Query::After(1_706_659_200_000));
    assert_eq!(p("before:2024-02-01"), Query::Before(1_706_745_600_000));
    assert_eq!(p("older_than:2d"), Query::Before(CLOCK.now_ms - 2 * DAY_MS));
    assert_eq!(
        p("newer_than:1y"),
        Query::After(CLOCK.now_ms - 365 * DAY_MS)
    );
    let local = parse(
        "after:2024/01/31",
        Clock {
            utc_offset_secs: 3600,
            ..CLOCK
        },
    )
    .unwrap();
    assert_eq!(local, Query::After(1_706_659_200_000 - 3_600_000));
}

#[test]
fn bad_queries_say_what_is_wrong() {
    for (q, msg) in [
        ("\"open", "quote is not closed"),
        ("(a b", "bracket is not closed"),
        ("a)", "no opening"),
        ("is:shiny", "one of unread"),
        ("before:yesterday", "a date like"),
        ("older_than:3w", "an age like"),
        ("a OR", "OR needs a term"),
        ("from:", "needs a value"),
    ] {
        let err = parse(q, CLOCK).unwrap_err();
        assert!(err.0.contains(msg), "{q}: {err}");
    }
}

fn err(s: &str) -> String {
    match parse(s, CLOCK) {
        Ok(q) => panic!("{s:?} parsed as {q:?}"),
        Err(e) => e.0,
    }
}

#[test]
fn non_ascii_after_an_age_number_is_an_error_not_a_panic() {
    for q in [
        "newer_than:1é",
        "older_than:7日",
        "newer_than:é",
        "older_than:１d",
    ] {
        assert!(err(q).contains("an age like 7d"), "{q}: {}", err(q));
    }
    assert!(err("newer_than:-1d").contains("an age like"));
    assert!(err("newer_than:+1d").contains("an age like"));
}

#[test]
fn huge_dates_are_errors() {
    for q in [
        "after:99999999/01/01",
        "before:9223372036854775807/01/01",
        "after:10000/01/01",
        "before:1969/12/31",
        "after:0/1/1",
    ] {
        assert!(
            err(q).contains("a year from 1970 to 9999"),
            "{q}: {}",
            err(q)
        );
    }
    for q in [
        "after:99999999999999999999/01/01",
        "after:2024/1/99999999999999999999",
        "after:-5/01/01",
        "after:2024/+1/01",
        "after:２０２４/01/01",
    ] {
        assert!(err(q).contains("a date like 2024/01/31"), "{q}: {}", err(q));
    }
    for q in ["after:2023/02/29", "before:2024/04/31", "after:2024/13/01"] {
        assert!(err(q).contains("day of the calendar"), "{q}: {}", err(q));
    }
    assert_eq!(p("after:2024/02/29"), Query::After(1_709_164_800_000));
    assert_eq!(p("after:9999/12/31"), Query::After(253_402_214_400_000));
    assert_eq!(p("after:1970/01/01"), Query::After(0));
    // The offset comes from the caller: an absurd one is an error, not an overflow.
    let far = Clock {
        now_ms: 0,
        utc_offset_secs: i64::MAX,
    };
    assert!(parse("after:2024/01/31", far)
        .unwrap_err()
        .0
        .contains("time zone"));
}

#[test]
fn huge_ages_are_errors() {
    for q in [
        "older_than:9223372036854775807d",
        "newer_than:99999999999999999999999y",
        "newer_than:25000000000000000m",
        "older_than:10000y",
        "older_than:3649636d",
    ] {
        assert!(err(q).contains("at most 9999y"), "{q}: {}", err(q));
    }
    assert_eq!(
        p("older_than:9999y"),
        Query::Before(CLOCK.now_ms - MAX_AGE_DAYS * DAY_MS)
    );
    let early = Clock {
        now_ms: i64::MIN,
        utc_offset_secs: 0,
    };
    assert!(parse("newer_than:1d", early)
        .unwrap_err()
        .0
        .contains("clock"));
}

#[test]
fn deep_nesting_is_refused() {
    for open in ["(", "{", "-{", "-(", "{(", "from:x ("] {
        let deep = format!("{}a", open.repeat(10_000));
        let e = err(&deep);
        assert!(e.contains("characters long"), "{open}: {e}");
        let deep = format!("{}a", open.repeat(MAX_NESTING + 1));
        let e = err(&deep);
        assert!(e.contains("more than 32 deep"), "{open}: {e}");
    }
    // Exactly at the limit parses, and its tree stays within MAX_TREE_DEPTH.
    let ok = format!(
        "{}from:(a b){}",
        "x y OR (".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    let q = p(&ok);
    assert!(!q.deeper_than(MAX_TREE_DEPTH), "{q:?}");
    assert!(q.deeper_than(2 * MAX_NESTING + 1), "as deep as it gets");
    let ok = format!("{}from:(a b){}", "(x -".repeat(16), ")".repeat(16));
    assert!(!p(&ok).deeper_than(MAX_TREE_DEPTH));
}

#[test]
fn long_searches_are_refused() {
    let long = "a ".repeat(1001);
    assert!(err(&long).contains("the most is 2,000"));
    // Characters, not bytes: 2,000 non-ASCII letters are fine.
    assert!(parse(&"é".repeat(MAX_LEN), CLOCK).is_ok());
}

#[test]
fn empty_groups_are_refused() {
    for (q, msg) in [
        ("{}", "empty braces: put words between { and }"),
        ("a {  }", "empty braces"),
        ("()", "empty brackets: put words between ( and )"),
        ("a (( ))", "empty brackets"),
        ("from:()", "from:() is empty"),
        ("subject:( )", "subject:() is empty"),
        ("from:\"\"", "from: needs a value"),
        ("-", "'-' must be followed"),
        ("(-)", "'-' must be followed"),
        ("{-}", "'-' must be followed"),
        ("- OR a", "'-' must be followed"),
        ("OR", "OR needs a term"),
        ("{OR}", "OR needs a term"),
        ("}", "no opening one"),
        ("{a )", "closing bracket stands where a term should be"),
    ] {
        let e = err(q);
        assert!(e.contains(msg), "{q}: {e}");
    }
    // One-item groups are that item, not a group of one.
    assert_eq!(p("{a}"), Query::Word("a".into()));
    assert_eq!(p("from:(ada)"), Query::Field(Field::From, "ada".into()));
}

#[test]
fn every_error_names_a_fix() {
    // Each message says what to change, not only that something failed.
    for q in ["a)", "(a", "{a", "\"a", "from:(a", "from:(-a)", "x:y:z (a"] {
        let e = err(q);
        assert!(
            ["add", "remove", "put", "take out", "close", "use"]
                .iter()
                .any(|w| e.contains(w)),
            "{q}: {e}"
        );
    }
}
