//! Property/fuzz tests for stored and received data: the vault's sealed values (arbitrary,
//! truncated, bit-flipped; seal→open round trips) and Google's JSON answers (Gmail, Tasks,
//! Calendar) shaped like the real ones with fields missing, huge or negative numbers and wrong
//! types, through the code that turns them into our model. Any input gives a value or a typed
//! error, never a panic.
//!
//! Bounded: the default case counts below (per property, in `config(..)`) keep these fuzz
//! tests (tests/fuzz_mail.rs, fuzz_inputs.rs, fuzz_streams.rs and the proptests in
//! src/cli/compose.rs and src/google/client/tests.rs) together at about a minute of test time in a
//! debug build. `PROPTEST_CASES=N` overrides every count, e.g. `PROPTEST_CASES=50000` for a
//! long soak or `PROPTEST_CASES=50` for a quick look.

#![cfg(feature = "backend")]

#[path = "support/fuzz.rs"]
mod fuzz;

use fuzz::config;
use libreollama::error::VaultError;
use libreollama::google::calendar::{GCalendar, GEvent};
use libreollama::google::gmail::types::{
    History, HistoryId, Label, ListHistoryResponse, ListMessagesResponse, Message, Profile, Thread,
};
use libreollama::google::tasks::{due_date, due_value, GTask, GTaskList};
use libreollama::sync::gmail::{plan_history, to_new_message};
use libreollama::sync::tasks::rfc3339_ms;
use libreollama::vault::{envelope, Aad};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// The vault envelope

const KEY: [u8; 32] = [7; 32];
const KEY_ID: [u8; envelope::KEY_ID_LEN] = *b"fuzzkey1";

fn aad(row: &str) -> Aad<'_> {
    Aad {
        table: "gmail_accounts_secure",
        column: "access_token_sealed",
        row_id: row,
    }
}

fn open_refused(sealed: &[u8]) -> Result<(), TestCaseError> {
    // Neither of these may panic on any bytes.
    let _ = envelope::key_id_of(sealed);
    let _ = envelope::nonce_of(sealed);
    match envelope::open(&KEY, aad("acc"), sealed) {
        Err(VaultError::Decrypt) | Err(VaultError::UnknownEnvelope(_)) => Ok(()),
        other => Err(TestCaseError::fail(format!("{sealed:?} opened: {other:?}"))),
    }
}

/// Found by `arbitrary_sealed_bytes_are_refused`: `nonce_of` sliced without looking at the
/// length and panicked on anything shorter than a header.
#[test]
fn the_nonce_of_a_short_value_is_empty() {
    for n in 0..=21 {
        let v = vec![envelope::VERSION; n];
        assert_eq!(envelope::nonce_of(&v).len(), if n >= 21 { 12 } else { 0 });
    }
}

proptest! {
    #![proptest_config(config(5000))]

    /// Any bytes where a sealed value should be: refused with a VaultError.
    #[test]
    fn arbitrary_sealed_bytes_are_refused(
        head in prop_oneof![Just(vec![]), Just(vec![envelope::VERSION]), Just([&[envelope::VERSION][..], &KEY_ID[..]].concat())],
        rest in prop::collection::vec(any::<u8>(), 0..96),
    ) {
        open_refused(&[head, rest].concat())?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// A real sealed value cut anywhere, any bit flipped, or moved to another row: refused.
    #[test]
    fn a_damaged_sealed_value_is_refused(
        plain in prop::collection::vec(any::<u8>(), 0..256),
        cut in any::<Index>(),
        flip in any::<Index>(),
        bit in 0u8..8,
    ) {
        let sealed = envelope::seal(&KEY, &KEY_ID, aad("acc"), &plain).unwrap();
        prop_assert_eq!(envelope::nonce_of(&sealed).len(), envelope::NONCE_LEN);
        open_refused(&sealed[..cut.index(sealed.len())])?;
        let mut flipped = sealed.clone();
        flipped[flip.index(sealed.len())] ^= 1 << bit;
        open_refused(&flipped)?;
        prop_assert!(envelope::open(&KEY, aad("acc2"), &sealed).is_err());
        prop_assert!(envelope::open(&[8; 32], aad("acc"), &sealed).is_err());
    }

    /// Any plaintext under any table/column/row comes back as it went in.
    #[test]
    fn seal_then_open_gives_the_plaintext_back(
        plain in prop::collection::vec(any::<u8>(), 0..2048),
        table in "\\PC{0,16}",
        column in "\\PC{0,16}",
        row in "\\PC{0,40}",
    ) {
        let a = Aad { table: &table, column: &column, row_id: &row };
        let sealed = envelope::seal(&KEY, &KEY_ID, a, &plain).unwrap();
        prop_assert_eq!(envelope::key_id_of(&sealed).unwrap(), KEY_ID);
        prop_assert_eq!(envelope::open(&KEY, a, &sealed).unwrap(), plain);
        // The same bytes with the boundary between table and column moved do not open.
        let moved = format!("{column}x");
        let b = Aad { table: &table, column: &moved, row_id: &row };
        prop_assert!(envelope::open(&KEY, b, &sealed).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Google's JSON

/// A value of the wrong kind, or the right kind at an extreme.
fn wild() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(-0.5)),
        "\\PC{0,12}".prop_map(Value::from),
        Just(json!({})),
        Just(json!([])),
        Just(json!([1, "a", null, {}])),
        Just(json!({"nested": {"deeper": [u64::MAX]}})),
    ]
    .boxed()
}

/// Numbers Google sends as decimal strings, and strings that are not such numbers.
fn num_text() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| Value::from(n.to_string())),
        any::<u64>().prop_map(|n| Value::from(n.to_string())),
        Just(json!("18446744073709551616")),
        Just(json!("99999999999999999999999999")),
        Just(json!("-9223372036854775809")),
        Just(json!("1e3")),
        Just(json!(" 12")),
        Just(json!("0x10")),
        Just(json!("")),
        Just(json!("-")),
        Just(json!("007")),
    ]
    .boxed()
}

fn text() -> BoxedStrategy<Value> {
    prop_oneof![8 => "\\PC{0,16}".prop_map(Value::from), 1 => wild()].boxed()
}

fn int() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => any::<i64>().prop_map(Value::from),
        3 => num_text(),
        2 => wild(),
    ]
    .boxed()
}

/// RFC 3339 times and dates at and past the edges, and text that is neither.
fn time_text() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (0u32..=9999, 0u32..=13, 0u32..=32, 0u32..=24, 0u32..=60, "(Z|[+-][0-9]{2}:[0-9]{2})")
            .prop_map(|(y, mo, d, h, mi, z)| Value::from(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:60.999{z}"))),
        2 => (0u32..=9999, 0u32..=13, 0u32..=32).prop_map(|(y, m, d)| Value::from(format!("{y:04}-{m:02}-{d:02}"))),
        1 => prop::sample::select(vec![
            "9999-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00+23:59",
            "+275760-09-13T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-01-01",
            "2024-01-0",
            "é024-01-01T00:00:00Z",
            "",
        ]).prop_map(Value::from),
        1 => wild(),
    ]
    .boxed()
}

/// An object with each field present three times in four, sometimes not an object at all.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let fields: Vec<_> = fields
        .into_iter()
        .map(|(k, s)| prop::option::weighted(0.75, s).prop_map(move |v| (k, v)))
        .collect();
    let obj = fields.prop_map(|fs| {
        Value::Object(
            fs.into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect::<Map<_, _>>(),
        )
    });
    prop_oneof![12 => obj, 1 => wild()].boxed()
}

fn list(item: BoxedStrategy<Value>, max: usize) -> BoxedStrategy<Value> {
    prop_oneof![
        8 => prop::collection::vec(item, 0..max).prop_map(Value::from),
        1 => wild(),
    ]
    .boxed()
}

fn header() -> BoxedStrategy<Value> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "Subject",
            "From",
            "To",
            "Cc",
            "Message-ID",
            "References",
            "In-Reply-To",
            "Content-ID"
        ])
        .prop_map(Value::from),
        text(),
    ];
    object(vec![("name", name.boxed()), ("value", text())])
}

fn part(depth: u32) -> BoxedStrategy<Value> {
    let parts = if depth == 0 {
        Just(json!([])).boxed()
    } else {
        list(part(depth - 1), 3)
    };
    object(vec![
        ("partId", text()),
        ("mimeType", text()),
        ("filename", text()),
        ("headers", list(header(), 5)),
        (
            "body",
            object(vec![
                ("attachmentId", text()),
                ("size", int()),
                ("data", text()),
            ]),
        ),
        ("parts", parts),
    ])
}

fn history_id() -> BoxedStrategy<Value> {
    prop_oneof![3 => num_text(), 2 => any::<u64>().prop_map(Value::from), 1 => wild()].boxed()
}

fn message() -> BoxedStrategy<Value> {
    object(vec![
        ("id", text()),
        ("threadId", text()),
        ("labelIds", list(text(), 4)),
        ("snippet", text()),
        ("historyId", history_id()),
        ("internalDate", int()),
        ("sizeEstimate", int()),
        ("payload", part(2)),
        ("raw", text()),
    ])
}

fn history_response() -> BoxedStrategy<Value> {
    let id_only = || {
        object(vec![(
            "id",
            prop::sample::select(vec!["a", "b", "c", "d"])
                .prop_map(Value::from)
                .boxed(),
        )])
    };
    let wrapped = || object(vec![("message", id_only())]);
    let labelled = || object(vec![("message", id_only()), ("labelIds", list(text(), 3))]);
    let record = object(vec![
        ("id", history_id()),
        ("messages", list(message(), 2)),
        ("messagesAdded", list(wrapped(), 3)),
        ("messagesDeleted", list(wrapped(), 3)),
        ("labelsAdded", list(labelled(), 2)),
        ("labelsRemoved", list(labelled(), 2)),
    ]);
    object(vec![
        ("history", list(record, 5)),
        ("nextPageToken", text()),
        ("historyId", history_id()),
    ])
}

fn task() -> BoxedStrategy<Value> {
    object(vec![
        ("id", text()),
        ("etag", text()),
        ("title", text()),
        ("notes", text()),
        (
            "status",
            prop_oneof![Just(json!("needsAction")), Just(json!("completed")), text()].boxed(),
        ),
        ("due", time_text()),
        ("completed", time_text()),
        (
            "deleted",
            prop_oneof![any::<bool>().prop_map(Value::from), wild()].boxed(),
        ),
        (
            "hidden",
            prop_oneof![any::<bool>().prop_map(Value::from), wild()].boxed(),
        ),
        ("parent", text()),
        ("position", text()),
        ("updated", time_text()),
    ])
}

fn event() -> BoxedStrategy<Value> {
    let when = || {
        object(vec![
            ("date", time_text()),
            ("dateTime", time_text()),
            ("timeZone", text()),
        ])
    };
    let attendee = object(vec![
        ("email", text()),
        ("displayName", text()),
        ("responseStatus", text()),
        (
            "self",
            prop_oneof![any::<bool>().prop_map(Value::from), wild()].boxed(),
        ),
        (
            "organizer",
            prop_oneof![any::<bool>().prop_map(Value::from), wild()].boxed(),
        ),
    ]);
    object(vec![
        ("id", text()),
        (
            "status",
            prop_oneof![Just(json!("cancelled")), text()].boxed(),
        ),
        ("summary", text()),
        ("start", when()),
        ("end", when()),
        ("recurringEventId", text()),
        ("originalStartTime", when()),
        ("attendees", list(attendee, 3)),
        ("updated", time_text()),
    ])
}

/// Checks what our code does with a message Gmail sent.
fn use_message(m: &Message) {
    let row = to_new_message("acc", m);
    assert_eq!(row.id, m.id);
    let _ = m.header("Subject");
}

fn use_task(t: &GTask) -> Result<(), TestCaseError> {
    for v in [&t.due, &t.completed, &t.updated].into_iter().flatten() {
        let _ = rfc3339_ms(v);
        if let Some(d) = due_date(v) {
            prop_assert_eq!(due_date(&due_value(&d)), Some(d));
        }
    }
    Ok(())
}

fn use_event(e: &GEvent) {
    for t in [&e.start, &e.end, &e.original_start_time]
        .into_iter()
        .flatten()
    {
        if let Some(dt) = &t.date_time {
            let _ = rfc3339_ms(dt);
        }
        if let Some(d) = &t.date {
            let _ = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d");
        }
    }
}

/// The plan keeps each message in one set and never goes back in history.
fn use_history(r: &ListHistoryResponse) -> Result<(), TestCaseError> {
    let plan = plan_history(&r.history, r.history_id.as_ref());
    prop_assert!(plan.fetch.is_disjoint(&plan.delete));
    for h in r.history.iter().filter_map(|h| h.id.as_ref()) {
        prop_assert!(plan.newest.as_ref().is_some_and(|n| n >= h));
    }
    Ok(())
}

/// JSON text with literals no `Value` holds: numbers past u64/f64, deep nesting.
fn extreme_text() -> impl Strategy<Value = String> {
    let field = prop::sample::select(vec![
        "internalDate",
        "sizeEstimate",
        "historyId",
        "size",
        "resultSizeEstimate",
        "messagesTotal",
        "deleted",
        "hidden",
        "primary",
        "self",
        "due",
        "id",
        "labelIds",
        "payload",
        "start",
    ]);
    let literal = prop::sample::select(vec![
        "18446744073709551616", "-9223372036854775809", "1e400", "-1e400", "1.7976931348623157e309",
        "0.0000000000000000000000000000000000000000001e-400", "-0", "1E+2", "123456789012345678901234567890",
        "\"\\ud800\"", "\"\\u0000\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ]);
    prop::collection::vec((field, literal), 1..4).prop_map(|fs| {
        let body: Vec<String> = fs.iter().map(|(f, l)| format!("\"{f}\":{l}")).collect();
        format!("{{\"id\":\"m\",{}}}", body.join(","))
    })
}

proptest! {
    #![proptest_config(config(1000))]

    /// A Gmail message, as from messages.get / list / a batch part, into a cache row.
    #[test]
    fn any_gmail_message_json_becomes_a_row_or_an_error(v in message()) {
        if let Ok(m) = serde_json::from_value::<Message>(v.clone()) {
            use_message(&m);
            // The wire text of the same value reads the same.
            let again = serde_json::from_str::<Message>(&v.to_string()).ok();
            prop_assert_eq!(again, Some(m));
        }
        let _ = serde_json::from_value::<Thread>(json!({"id": "t", "messages": [v.clone()]}));
        let _ = serde_json::from_value::<ListMessagesResponse>(json!({"messages": [v.clone()], "resultSizeEstimate": v.get("sizeEstimate")}));
        let _ = serde_json::from_value::<Label>(v.clone());
        let _ = serde_json::from_value::<Profile>(v);
    }

    #[test]
    fn any_gmail_history_json_plans_or_is_refused(v in history_response()) {
        if let Ok(r) = serde_json::from_value::<ListHistoryResponse>(v) {
            use_history(&r)?;
            for m in r.history.iter().flat_map(|h: &History| &h.messages) {
                use_message(m);
            }
        }
    }

    #[test]
    fn any_task_or_event_json_is_read_or_refused(t in task(), e in event()) {
        if let Ok(t) = serde_json::from_value::<GTask>(t.clone()) {
            use_task(&t)?;
        }
        let _ = serde_json::from_value::<GTaskList>(t);
        if let Ok(e) = serde_json::from_value::<GEvent>(e.clone()) {
            use_event(&e);
        }
        let _ = serde_json::from_value::<GCalendar>(e);
    }

    /// Number literals no `Value` can hold, in the fields that carry numbers.
    #[test]
    fn extreme_json_literals_are_read_or_refused(s in extreme_text()) {
        if let Ok(m) = serde_json::from_str::<Message>(&s) {
            use_message(&m);
        }
        if let Ok(t) = serde_json::from_str::<GTask>(&s) {
            use_task(&t)?;
        }
        if let Ok(e) = serde_json::from_str::<GEvent>(&s) {
            use_event(&e);
        }
        let _ = serde_json::from_str::<HistoryId>(&s);
        let _ = serde_json::from_str::<ListHistoryResponse>(&s);
    }
}

/// Found reading `edit_local` (no fuzz case reaches it without a synced series): an edit's times were only checked
/// for order, so a series moved to i64::MIN..i64::MAX overflowed computing its shift and
/// length (a panic in debug builds).
#[test]
fn an_event_at_the_ends_of_time_is_refused() {
    use libreollama::model::{EventEdit, EventTiming};
    for (start_ms, end_ms) in [(i64::MIN, i64::MAX), (0, i64::MAX), (i64::MIN + 1, 0)] {
        let edit = EventEdit {
            summary: "x".into(),
            location: String::new(),
            description: String::new(),
            timing: EventTiming::Timed { start_ms, end_ms },
        };
        assert!(matches!(
            libreollama::sync::calendar::checked(&edit),
            Err(libreollama::error::LibreOllamaError::InvalidInput(_))
        ));
    }
}

proptest! {
    #![proptest_config(config(5000))]

    /// Any times for an event: refused, or real dates whose differences cannot overflow.
    #[test]
    fn any_event_times_are_checked(
        start_ms in prop_oneof![any::<i64>(), -8_300_000_000_000_000i64..8_300_000_000_000_000],
        end_ms in prop_oneof![any::<i64>(), -8_300_000_000_000_000i64..8_300_000_000_000_000],
        summary in "\\PC{0,8}",
    ) {
        use libreollama::model::{EventEdit, EventTiming};
        let edit = EventEdit {
            summary,
            location: String::new(),
            description: String::new(),
            timing: EventTiming::Timed { start_ms, end_ms },
        };
        if let Ok(e) = libreollama::sync::calendar::checked(&edit) {
            prop_assert!(!e.summary.is_empty());
            prop_assert!(chrono::DateTime::from_timestamp_millis(start_ms).is_some());
            prop_assert!(chrono::DateTime::from_timestamp_millis(end_ms).is_some());
            prop_assert!(end_ms.checked_sub(start_ms).is_some_and(|d| d > 0));
        }
    }
}

#[test]
fn history_ids_of_any_length_order_as_numbers() {
    let mut runner = proptest::test_runner::TestRunner::new(config(5000));
    runner
        .run(
            &(any::<u128>(), any::<u128>(), 0usize..4),
            |(a, b, zeros)| {
                let id = |n: u128| -> HistoryId {
                    serde_json::from_value(json!(format!("{}{n}", "0".repeat(zeros)))).unwrap()
                };
                prop_assert_eq!(id(a).cmp(&id(b)), a.cmp(&b));
                Ok(())
            },
        )
        .unwrap();
}
