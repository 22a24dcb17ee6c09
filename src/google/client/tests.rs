use std::time::Duration;

use super::batch::parse_batch;
use super::*;

#[test]
fn google_error_json_is_parsed() {
    let body = br#"{"error":{"code":403,"message":"Quota exceeded","status":"PERMISSION_DENIED","errors":[{"reason":"userRateLimitExceeded","domain":"usageLimits"}]}}"#;
    let f = parse_error(403, body);
    assert_eq!(f.reason, "userRateLimitExceeded");
    assert!(is_rate_limited(&f));
    let f = parse_error(403, br#"{"error":{"code":403,"message":"no","status":"PERMISSION_DENIED","errors":[{"reason":"insufficientPermissions"}]}}"#);
    assert!(!is_rate_limited(&f));
    let f = parse_error(502, b"<html>bad gateway</html>");
    assert_eq!((f.status, f.reason.as_str()), (502, ""));
}

#[test]
fn batch_answers_are_split_by_content_id() {
    let body =
        "--batch_x\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\n\
HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n\
{\"error\":{\"code\":404,\"message\":\"Not Found\",\"errors\":[{\"reason\":\"notFound\"}]}}\r\n\
--batch_x\r\nContent-Type: application/http\r\nContent-ID: <response-item0>\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"id\":\"m0\"}\r\n\
--batch_x--\r\n";
    let r = parse_batch(
        "multipart/mixed; boundary=batch_x",
        body.as_bytes(),
        2,
        "Gmail",
    )
    .unwrap();
    assert_eq!(r[0].as_ref().unwrap()["id"], "m0");
    assert!(matches!(
        r[1],
        Err(LibreOllamaError::GoogleApi { status: 404, .. })
    ));
    let missing = parse_batch(
        "multipart/mixed; boundary=batch_x",
        body.as_bytes(),
        3,
        "Gmail",
    );
    assert!(missing.is_err());
}

#[test]
fn backoff_grows_is_capped_and_honours_retry_after() {
    let p = RetryPolicy::default();
    for attempt in 1..20 {
        assert!(p.delay(attempt, None) <= p.cap);
    }
    assert!(p.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
}
/// mail-parser 0.11 `debug_assert!`s on a message/rfc822 inside a message/rfc822 inside a
/// multipart (found by fuzz_mail's `damaged_real_mail_parses_or_is_refused`); a batch
/// answer shaped so is an error or results, not a panic.
#[test]
fn a_batch_answer_with_nested_messages_does_not_panic() {
    let body = "--B\ncontent-type: message/rfc822\n\nContent-Type: message/rfc822\n\n\
Subject: inner\n\nbody\n--B--\n";
    let r = parse_batch(
        "multipart/mixed; boundary=\"B\"",
        body.as_bytes(),
        1,
        "Gmail",
    );
    assert!(
        matches!(r, Err(LibreOllamaError::Serialization { .. })),
        "{r:?}"
    );
}

/// Found by `each_call_gets_its_own_answer`: one part whose HTTP status line
/// was garbled failed the whole batch, so 49 good answers were thrown away with it.
#[test]
fn a_call_with_a_broken_http_head_fails_alone() {
    let body = "--b\r\nContent-Type: application/http\r\nContent-ID: <response-item0>\r\n\r\n\
HTTP/1.1 200 OK\r\n\r\n{\"id\":\"m0\"}\r\n\
--b\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\n\
HTP/1.1 two hundred\r\n\r\n{\"id\":\"m1\"}\r\n--b--\r\n";
    let r = parse_batch("multipart/mixed; boundary=b", body.as_bytes(), 2, "Gmail").unwrap();
    assert_eq!(r[0].as_ref().unwrap()["id"], "m0");
    assert!(matches!(r[1], Err(LibreOllamaError::Serialization { .. })));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Cases per property, or PROPTEST_CASES (see tests/fuzz_mail.rs for the time budget).
    fn config(default: u32) -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default);
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    #[derive(Debug, Clone)]
    struct Part {
        id: String,
        head: String,
        headers: usize,
        body: String,
    }

    fn part(n: usize) -> impl Strategy<Value = Part> {
        let id = prop_oneof![
            6 => (0..n + 2).prop_map(|i| format!("<response-item{i}>")),
            1 => (0..n + 2).prop_map(|i| format!("response-item{i}")),
            1 => Just("<response-item18446744073709551616>".to_string()),
            1 => Just("<response-item-1>".to_string()),
            1 => Just(String::new()),
            1 => "\\PC{0,12}",
        ];
        let head = prop_oneof![
            6 => Just("HTTP/1.1 200 OK".to_string()),
            2 => Just("HTTP/1.1 404 Not Found".to_string()),
            1 => Just("HTTP/1.1 429 Too Many Requests".to_string()),
            1 => Just("HTTP/1.1 99999 Huge".to_string()),
            1 => Just("HTTP/1.1 2OO OK".to_string()),
            1 => Just("HTTP/9.9 200 OK".to_string()),
            1 => Just("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616".to_string()),
            1 => Just("HTTP/1.1 200 OK\r\nContent-Length: -1".to_string()),
            1 => Just(String::new()),
            1 => "\\PC{0,20}",
        ];
        let body = prop_oneof![
            4 => Just("{\"id\":\"m\",\"internalDate\":\"1700000000000\"}".to_string()),
            1 => Just(String::new()),
            1 => Just("{\"error\":{\"code\":99999,\"message\":\"x\"}}".to_string()),
            1 => Just("{\"error\":{\"code\":403,\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}".to_string()),
            1 => Just("{\"error\":{\"code\":\"403\",\"errors\":{}}}".to_string()),
            1 => Just("{\"size\":1e999}".to_string()),
            1 => Just("{\"id\":".to_string()),
            1 => "\\PC{0,40}",
        ];
        // Up to 40 headers: more than the 32 the reader has room for.
        (
            id,
            head,
            prop_oneof![6 => Just(1usize), 1 => 0usize..40],
            body,
        )
            .prop_map(|(id, head, headers, body)| Part {
                id,
                head,
                headers,
                body,
            })
    }

    fn batch() -> impl Strategy<Value = (String, String, usize, Vec<u8>, Option<usize>)> {
        (1usize..6, "[A-Za-z0-9_'()+,./:=?-]{1,30}")
            .prop_flat_map(|(n, boundary)| {
                let ctype = prop_oneof![
                    6 => Just(format!("multipart/mixed; boundary={boundary}")),
                    1 => Just(format!("multipart/mixed; boundary=\"{boundary}\"")),
                    1 => Just("multipart/mixed; boundary=other".to_string()),
                    1 => Just("multipart/mixed".to_string()),
                    1 => Just("application/json".to_string()),
                    1 => Just(String::new()),
                    1 => "\\PC{0,30}",
                ];
                (
                    Just(n),
                    Just(boundary),
                    ctype,
                    prop::collection::vec(part(n), 0..n + 3),
                    any::<bool>(),
                    prop::option::of(any::<prop::sample::Index>()),
                    prop::collection::vec(any::<u8>(), 0..40),
                )
            })
            .prop_map(|(n, boundary, ctype, parts, close, cut, junk)| {
                let mut body = Vec::new();
                for p in &parts {
                    body.extend_from_slice(
                        format!("--{boundary}\r\nContent-Type: application/http\r\n").as_bytes(),
                    );
                    if !p.id.is_empty() {
                        body.extend_from_slice(format!("Content-ID: {}\r\n", p.id).as_bytes());
                    }
                    body.extend_from_slice(format!("\r\n{}\r\n", p.head).as_bytes());
                    for h in 0..p.headers {
                        body.extend_from_slice(format!("X-H{h}: v\r\n").as_bytes());
                    }
                    body.extend_from_slice(format!("\r\n{}\r\n", p.body).as_bytes());
                }
                if close {
                    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
                }
                body.extend_from_slice(&junk);
                let cut = cut.map(|i| i.index(body.len() + 1));
                if let Some(c) = cut {
                    body.truncate(c);
                }
                (ctype, boundary, n, body, cut)
            })
    }

    fn well_formed() -> impl Strategy<Value = (usize, Vec<(u16, bool)>)> {
        (1usize..8).prop_flat_map(|n| {
            (
                Just(n),
                prop::collection::vec(
                    (
                        // 0: a garbled status line.
                        prop::sample::select(vec![0u16, 200, 204, 400, 403, 404, 429, 500, 503]),
                        any::<bool>(),
                    ),
                    n,
                ),
            )
        })
    }

    proptest! {
        #![proptest_config(config(4000))]

        /// Whatever comes back (wrong or absent boundary, cut anywhere, garbled inner
        /// status lines, too many headers, huge lengths): one typed result per call, or a
        /// typed error for the whole answer; never a panic.
        #[test]
        fn any_batch_answer_gives_one_result_per_call((ctype, _boundary, n, body, _cut) in batch()) {
            match parse_batch(&ctype, &body, n, "Gmail") {
                Ok(r) => {
                    prop_assert_eq!(r.len(), n);
                    for x in r {
                        match x {
                            Ok(_)
                            | Err(LibreOllamaError::GoogleApi { .. })
                            | Err(LibreOllamaError::RateLimited { .. })
                            | Err(LibreOllamaError::Serialization { .. }) => {}
                            Err(e) => prop_assert!(false, "untyped per-call error {e:?}"),
                        }
                    }
                }
                Err(LibreOllamaError::Serialization { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }

        /// A well-formed answer, parts in any order: each call gets its own answer, and a
        /// part with a garbled status line fails only its own call.
        #[test]
        fn each_call_gets_its_own_answer((n, answers) in well_formed(), order in any::<prop::sample::Index>()) {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.rotate_left(order.index(n));
            let mut body = String::new();
            for &i in &idx {
                let (status, json) = answers[i];
                let head = if status == 0 {
                    "HTP/1.1 two hundred".to_string()
                } else {
                    format!("HTTP/1.1 {status} X")
                };
                let inner = if status >= 300 {
                    format!("{{\"error\":{{\"code\":{status},\"message\":\"m{i}\",\"errors\":[{{\"reason\":\"r{i}\"}}]}}}}")
                } else if json {
                    format!("{{\"id\":\"m{i}\"}}")
                } else {
                    String::new()
                };
                body.push_str(&format!(
                    "--b_1\r\nContent-Type: application/http\r\nContent-ID: <response-item{i}>\r\n\r\n{head}\r\nContent-Type: application/json\r\n\r\n{inner}\r\n"
                ));
            }
            body.push_str("--b_1--\r\n");
            let r = parse_batch("multipart/mixed; boundary=b_1", body.as_bytes(), n, "Gmail").unwrap();
            for (i, x) in r.into_iter().enumerate() {
                let (status, json) = answers[i];
                match (status, x) {
                    (0, x) => prop_assert!(
                        matches!(x, Err(LibreOllamaError::Serialization { .. })),
                        "call {i}: {x:?}"
                    ),
                    (429, Err(LibreOllamaError::RateLimited { .. })) => {}
                    (s, Err(LibreOllamaError::GoogleApi { status, message, .. })) if s >= 300 => {
                        prop_assert_eq!(status, s);
                        prop_assert_eq!(message, format!("m{i}"));
                    }
                    (_, Ok(v)) if json => prop_assert_eq!(&v["id"], &format!("m{i}")),
                    (_, Ok(v)) => prop_assert!(v.is_null()),
                    (s, x) => prop_assert!(false, "call {i} ({s}): {x:?}"),
                }
            }
        }
    }
}
