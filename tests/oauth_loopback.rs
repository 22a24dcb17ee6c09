//! The loopback redirect listener over real TCP: stray, idle, slow, forged and oversized
//! requests are answered and ignored while the real redirect still completes the sign-in; and
//! its request parser gives a result or a typed error for any bytes (property tests).

#![cfg(feature = "backend")]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libreollama::error::LibreOllamaError;
use libreollama::google::loopback::{
    parse_query, parse_request_head, LoopbackListener, ParsedHead, Redirect, RequestError,
    MAX_REQUEST_HEAD,
};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const STATE: &str = "st4te-Of_this-sign-in";
const CODE: &str = "4/0SECRET-AUTH-CODE-never-printed";

/// Starts waiting on a fresh listener; returns its address and the pending wait.
async fn listen(
    read_timeout: Option<Duration>,
    timeout: Duration,
) -> (SocketAddr, JoinHandle<libreollama::error::Result<Redirect>>) {
    let mut l = LoopbackListener::bind(0).await.unwrap();
    if let Some(t) = read_timeout {
        l = l.with_read_timeout(t);
    }
    let addr = l.local_addr();
    let wait = tokio::spawn(async move { l.wait(STATE, timeout, CancellationToken::new()).await });
    (addr, wait)
}

/// Sends raw bytes and reads the answer to its end: (status, body).
async fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut answer))
        .await
        .expect("the listener answers promptly")
        .unwrap();
    let text = String::from_utf8(answer).unwrap();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").unwrap().1.to_string();
    (status, body)
}

async fn get(addr: SocketAddr, target: &str) -> (u16, String) {
    let req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: test\r\n\r\n");
    exchange(addr, req.as_bytes()).await
}

fn redirect_target() -> String {
    format!("/?state={STATE}&code={CODE}&scope=email%20openid&authuser=0")
}

/// The wait must end within `limit`.
async fn finished(
    wait: JoinHandle<libreollama::error::Result<Redirect>>,
    limit: Duration,
) -> libreollama::error::Result<Redirect> {
    tokio::time::timeout(limit, wait)
        .await
        .expect("the sign-in ended in time")
        .unwrap()
}

async fn still_waiting(wait: &JoinHandle<libreollama::error::Result<Redirect>>) {
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(!wait.is_finished(), "the listener stopped waiting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_does_not_hold_up_the_redirect() {
    // Default read timeout (10 s): an idle connection served in turn would block for that long.
    let (addr, wait) = listen(None, Duration::from_secs(30)).await;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /?sta").await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let started = Instant::now();
    let (status, body) = get(addr, &redirect_target()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("You are signed in"));
    let got = finished(wait, Duration::from_secs(2)).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(got.code, CODE);
    assert_eq!(got.state, STATE);
    assert!(!format!("{got:?}").contains(CODE), "Debug hides the code");

    // The idle connection was closed with the listener, never answered.
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(2), idle.read_to_end(&mut rest))
        .await
        .expect("closed when the sign-in ended");
    assert!(n.is_err() || rest.is_empty(), "{rest:?}");
}

/// Someone on this machine holding a hundred idle connections open cannot lock the browser out:
/// when the listener is full, the oldest connection makes way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_does_not_lock_out_the_redirect() {
    let (addr, wait) = listen(None, Duration::from_secs(30)).await;
    let mut idle = Vec::new();
    for _ in 0..100 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let (status, body) = get(addr, &redirect_target()).await;
    assert_eq!(status, 200, "{body}");
    let got = finished(wait, Duration::from_secs(2)).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(got.code, CODE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_state_is_answered_and_the_listener_keeps_waiting() {
    let (addr, wait) = listen(None, Duration::from_secs(30)).await;
    let (status, body) = get(addr, &format!("/?state=forged&code={CODE}")).await;
    assert_eq!(status, 400);
    assert!(body.contains("did not belong to this sign-in"), "{body}");
    assert!(!body.contains(CODE));
    // Nearly right: a prefix, an extension, a different case.
    for state in [
        &STATE[..STATE.len() - 1],
        &format!("{STATE}x"),
        &STATE.to_uppercase(),
    ] {
        assert_eq!(get(addr, &format!("/?state={state}&code=x")).await.0, 400);
    }
    assert_eq!(get(addr, &format!("/?code={CODE}")).await.0, 400);
    assert_eq!(get(addr, "/").await.0, 400);
    // An error without the right state cannot end someone's sign-in either.
    assert_eq!(get(addr, "/?error=access_denied").await.0, 400);
    assert_eq!(get(addr, "/?state=forged&error=access_denied").await.0, 400);
    // The right state but no code.
    assert_eq!(get(addr, &format!("/?state={STATE}")).await.0, 400);
    still_waiting(&wait).await;

    assert_eq!(get(addr, &redirect_target()).await.0, 200);
    let got = finished(wait, Duration::from_secs(2)).await.unwrap();
    assert_eq!(got.code, CODE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favicon_random_paths_and_other_methods_do_not_end_it() {
    let (addr, wait) = listen(None, Duration::from_secs(30)).await;
    assert_eq!(get(addr, "/favicon.ico").await.0, 404);
    assert_eq!(
        get(addr, &format!("/callback?state={STATE}&code=x"))
            .await
            .0,
        404
    );
    assert_eq!(get(addr, "/../../etc/passwd").await.0, 404);
    let post = format!(
        "POST {} HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        redirect_target()
    );
    assert_eq!(exchange(addr, post.as_bytes()).await.0, 405);
    assert_eq!(
        exchange(addr, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            .await
            .0,
        400
    );
    assert_eq!(
        exchange(addr, b"GET http://evil/ HTTP/1.1\r\n\r\n").await.0,
        400
    );
    // A duplicated state is refused (RFC 6749 §3.1), even when one of them is right.
    let dup = format!("/?state=forged&state={STATE}&code=x");
    assert_eq!(get(addr, &dup).await.0, 400);
    still_waiting(&wait).await;

    assert_eq!(get(addr, &redirect_target()).await.0, 200);
    finished(wait, Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_head_is_refused_without_ending_it() {
    let (addr, wait) = listen(None, Duration::from_secs(30)).await;
    let mut big = format!("GET {} HTTP/1.1\r\n", redirect_target()).into_bytes();
    while big.len() < MAX_REQUEST_HEAD + 4096 {
        big.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    let (status, body) = exchange(addr, &big).await;
    assert_eq!(status, 431);
    assert!(!body.contains(CODE));
    // An endless single header line, too.
    let mut endless = b"GET / HTTP/1.1\r\nCookie: ".to_vec();
    endless.resize(MAX_REQUEST_HEAD * 2, b'a');
    assert_eq!(exchange(addr, &endless).await.0, 431);
    still_waiting(&wait).await;

    assert_eq!(get(addr, &redirect_target()).await.0, 200);
    finished(wait, Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_time_out_on_their_own() {
    let (addr, wait) = listen(Some(Duration::from_millis(200)), Duration::from_secs(30)).await;
    // Sends nothing: closed without an answer.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let mut rest = Vec::new();
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(2), idle.read_to_end(&mut rest))
        .await
        .expect("an idle connection is closed")
        .unwrap();
    assert!(rest.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(150));

    // Trickles bytes forever: the deadline is for the whole head, not for each read.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let trickle = async {
        for b in b"GET /?state=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            .iter()
            .cycle()
        {
            if slow.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(2), trickle)
        .await
        .expect("a trickling connection is cut off");
    still_waiting(&wait).await;

    assert_eq!(get(addr, &redirect_target()).await.0, 200);
    finished(wait, Duration::from_secs(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_with_the_right_state_ends_the_sign_in_without_the_code() {
    let (addr, wait) = listen(None, Duration::from_secs(30)).await;
    let (status, body) = get(
        addr,
        &format!("/?state={STATE}&error=access_denied&code={CODE}"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("access was not granted"), "{body}");
    let err = finished(wait, Duration::from_secs(2)).await.unwrap_err();
    assert!(matches!(err, LibreOllamaError::OAuth(_)), "{err:?}");
    assert!(err.to_string().contains("access was not granted"), "{err}");

    let (addr, wait) = listen(None, Duration::from_secs(30)).await;
    let target = format!(
        "/?error=server_error&error_description=%3Cb%3Eoops%3C%2Fb%3E%0A{CODE}&state={STATE}"
    );
    let (status, body) = get(addr, &target).await;
    assert_eq!(status, 400);
    assert!(body.contains("&lt;b&gt;oops"), "escaped: {body}");
    let err = finished(wait, Duration::from_secs(2)).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Google answered server_error"), "{text}");
    assert!(!text.contains('\n'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overall_timeout_and_cancel_still_end_it_with_connections_open() {
    let (addr, wait) = listen(None, Duration::from_millis(300)).await;
    let _idle = TcpStream::connect(addr).await.unwrap();
    let err = finished(wait, Duration::from_secs(2)).await.unwrap_err();
    assert!(
        err.to_string().contains("no answer from the browser"),
        "{err}"
    );

    let l = LoopbackListener::bind(0).await.unwrap();
    let addr = l.local_addr();
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let wait = tokio::spawn(async move { l.wait(STATE, Duration::from_secs(30), c2).await });
    let _idle = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    cancel.cancel();
    let err = finished(wait, Duration::from_secs(2)).await.unwrap_err();
    assert!(matches!(err, LibreOllamaError::Cancelled(_)), "{err:?}");
    // The port is closed once the wait has ended.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[test]
fn the_parser_reads_a_redirect() {
    let head = b"GET /?state=a%2Fb+c&code=4%2F0Ab&scope=x HTTP/1.1\r\nHost: h\r\n\r\n";
    let ParsedHead::Complete(req) = parse_request_head(head).unwrap() else {
        panic!("complete")
    };
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/");
    assert_eq!(req.params.state.as_deref(), Some("a/b c"));
    assert_eq!(req.params.code.as_deref(), Some("4/0Ab"));
    assert!(
        !format!("{req:?}").contains("4/0Ab"),
        "Debug hides the code"
    );
    assert_eq!(
        parse_request_head(b"GET /?state=x HTTP/1.1\r\nHost"),
        Ok(ParsedHead::Partial)
    );
    assert_eq!(
        parse_query("code=%").unwrap().code.as_deref(),
        Some("%"),
        "a lone % stays"
    );
    assert_eq!(parse_query("code=%4").unwrap().code.as_deref(), Some("%4"));
    assert_eq!(parse_query("co%64e=1").unwrap().code.as_deref(), Some("1"));
    assert_eq!(
        parse_query("code=%FF"),
        Err(RequestError::InvalidUtf8("code"))
    );
    assert_eq!(
        parse_query("code=1&code=2"),
        Err(RequestError::DuplicateParam("code"))
    );
    assert_eq!(
        parse_query("x=%FF&x=1&&=&state").unwrap().state.as_deref(),
        Some("")
    );
    assert_eq!(
        parse_request_head(b"\x16\x03\x01\x02\x00"),
        Err(RequestError::Malformed)
    );
    assert_eq!(
        parse_request_head(&[b'a'; MAX_REQUEST_HEAD]),
        Err(RequestError::TooLarge)
    );
    let mut long = b"GET / HTTP/1.1\r\nA: ".to_vec();
    long.resize(MAX_REQUEST_HEAD, b'a');
    assert_eq!(parse_request_head(&long), Err(RequestError::TooLarge));
}

/// A few seconds by default; `PROPTEST_CASES` runs longer.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Pieces of a query value: plain text, escapes (valid, broken, non-UTF-8), separators.
fn value_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9._~-]{0,12}",
        "%[0-9A-Fa-f]{2}",
        "%[0-9A-Fa-f]?",
        "%[G-Zg-z]{1,2}",
        Just("%".to_string()),
        Just("%FF%FE".to_string()),
        Just("%C3%28".to_string()),
        Just("%E2%82".to_string()),
        Just("+".to_string()),
        Just("=".to_string()),
        Just("%00".to_string()),
        Just("%25".to_string()),
        "\\PC{0,3}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop::collection::vec(value_piece(), 0..6).prop_map(|p| p.concat())
}

fn param() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("state".to_string()),
        Just("code".to_string()),
        Just("error".to_string()),
        Just("error_description".to_string()),
        Just("st%61te".to_string()),
        Just("c%6Fde".to_string()),
        Just("scope".to_string()),
        Just("".to_string()),
        "[a-z_%0-9]{1,8}",
    ];
    (name, prop::option::of(value())).prop_map(|(n, v)| match v {
        Some(v) => format!("{n}={v}"),
        None => n,
    })
}

fn request() -> impl Strategy<Value = Vec<u8>> {
    // Mostly well-formed, so that most cases reach the query parser.
    let method = prop_oneof![
        8 => Just("GET"),
        1 => Just("POST"),
        1 => Just("HEAD"),
        1 => Just("G T"),
        1 => Just(""),
    ];
    let path = prop_oneof![
        6 => Just("/"),
        2 => Just("/callback"),
        1 => Just("/favicon.ico"),
        1 => Just("*"),
        1 => Just("http://127.0.0.1/"),
    ];
    let version = prop_oneof![
        6 => Just("HTTP/1.1"),
        1 => Just("HTTP/1.0"),
        1 => Just("HTTP/2"),
        1 => Just(""),
    ];
    let eol = prop_oneof![6 => Just("\r\n"), 2 => Just("\n"), 1 => Just("\r")];
    let headers = prop::collection::vec("[A-Za-z-]{1,10}: [ -~]{0,20}", 0..4);
    let tail = prop::collection::vec(any::<u8>(), 0..16);
    (
        method,
        path,
        prop::collection::vec(param(), 0..6),
        prop::option::of("#[ -~]{0,6}"),
        version,
        eol,
        headers,
        prop::bool::weighted(0.85),
        tail,
    )
        .prop_map(|(m, p, params, frag, v, eol, hs, ended, tail)| {
            let mut s = format!("{m} {p}");
            if !params.is_empty() {
                s.push('?');
                s.push_str(&params.join("&"));
            }
            s.push_str(frag.as_deref().unwrap_or(""));
            s.push(' ');
            s.push_str(v);
            s.push_str(eol);
            for h in hs {
                s.push_str(&h);
                s.push_str(eol);
            }
            if ended {
                s.push_str(eol);
            }
            let mut bytes = s.into_bytes();
            bytes.extend(tail);
            bytes
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_give_a_result_or_a_typed_error(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_request_head(&bytes);
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = parse_query(s);
        }
    }

    #[test]
    fn grammar_shaped_requests_give_a_result_or_a_typed_error(bytes in request()) {
        match parse_request_head(&bytes) {
            Ok(ParsedHead::Complete(req)) => {
                prop_assert!(req.path.starts_with('/'));
                prop_assert!(!req.path.contains('?'));
            }
            Ok(ParsedHead::Partial) => prop_assert!(bytes.len() < MAX_REQUEST_HEAD),
            Err(_) => {}
        }
        // Every prefix of a request is Partial, complete, or an error: never a panic.
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len().saturating_sub(1)] {
            let _ = parse_request_head(&bytes[..cut]);
        }
    }

    #[test]
    fn queries_decode_or_give_a_typed_error(params in prop::collection::vec(param(), 0..8)) {
        let q = params.join("&");
        match parse_query(&q) {
            Ok(p) => {
                // A value that came out is valid UTF-8 by construction (String); a plain value
                // round-trips.
                if let Some(c) = p.code {
                    prop_assert!(c.len() <= q.len());
                }
            }
            Err(RequestError::InvalidUtf8(_) | RequestError::DuplicateParam(_)) => {}
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
    }

    #[test]
    fn a_plain_state_and_code_round_trip(state in "[A-Za-z0-9_-]{1,64}", code in "[A-Za-z0-9/_.-]{1,128}") {
        let enc = code.replace('/', "%2F");
        let head = format!("GET /?state={state}&code={enc}&scope=a+b HTTP/1.1\r\nHost: x\r\n\r\n");
        let ParsedHead::Complete(req) = parse_request_head(head.as_bytes()).unwrap() else {
            panic!("complete");
        };
        prop_assert_eq!(req.params.state.as_deref(), Some(state.as_str()));
        prop_assert_eq!(req.params.code.as_deref(), Some(code.as_str()));
    }
}
