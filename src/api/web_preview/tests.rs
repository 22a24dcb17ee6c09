//! The gate's rules, one request shape at a time.
use super::*;

const SECRET: &str = "s3cr3t-s3cr3t-s3cr3t";

fn gate() -> Gate {
    Gate::new(SECRET.into(), vec![8080, 9000], None)
}

fn api_post<'a>() -> RequestParts<'a> {
    RequestParts {
        method: "POST",
        path: "/api/mail/list",
        host: Some("127.0.0.1:8080"),
        origin: Some("http://127.0.0.1:8080"),
        sec_fetch_site: Some("same-origin"),
        content_type: Some("application/json"),
        cookie: Some("other=1; libreollama_preview=s3cr3t-s3cr3t-s3cr3t"),
        ..Default::default()
    }
}

fn status(v: Verdict) -> u16 {
    match v {
        Verdict::Pass => 200,
        Verdict::Unlock { .. } => 303,
        Verdict::Refuse { status, .. } => status,
    }
}

#[test]
fn the_clients_own_calls_pass() {
    let g = gate();
    assert_eq!(g.check(&api_post()), Verdict::Pass);
    // Same-origin GETs carry no Origin.
    let get = RequestParts {
        method: "GET",
        path: "/api/about",
        origin: None,
        content_type: None,
        ..api_post()
    };
    assert_eq!(g.check(&get), Verdict::Pass);
    // Through `dx serve`'s port, by name, with a charset.
    let via_dx = RequestParts {
        host: Some("localhost:9000"),
        origin: Some("http://localhost:9000"),
        content_type: Some("application/json; charset=utf-8"),
        ..api_post()
    };
    assert_eq!(g.check(&via_dx), Verdict::Pass);
    let v6 = RequestParts {
        host: Some("[::1]:8080"),
        origin: Some("http://[::1]:8080"),
        ..api_post()
    };
    assert_eq!(g.check(&v6), Verdict::Pass);
}

#[test]
fn another_port_of_this_host_is_another_program() {
    let g = gate();
    // A page on 127.0.0.1:9999 gets the cookie sent along (cookies ignore ports), but the
    // browser marks its requests same-site: refused, even without an Origin (a GET).
    let sneaky = RequestParts {
        method: "GET",
        path: "/api/about",
        origin: None,
        content_type: None,
        sec_fetch_site: Some("same-site"),
        ..api_post()
    };
    assert_eq!(status(g.check(&sneaky)), 403);
    // It may also plant a cookie of the same name: the owner's still counts.
    let planted = RequestParts {
        cookie: Some("libreollama_preview=x; libreollama_preview=s3cr3t-s3cr3t-s3cr3t"),
        ..api_post()
    };
    assert_eq!(g.check(&planted), Verdict::Pass);
}

#[test]
fn the_unlock_redirect_stays_on_this_server() {
    let g = gate();
    for path in ["//evil.example/", "/\\evil.example/", "///x"] {
        let r = RequestParts {
            method: "GET",
            path,
            query: Some("key=s3cr3t-s3cr3t-s3cr3t"),
            origin: None,
            content_type: None,
            cookie: None,
            sec_fetch_site: Some("none"),
            ..api_post()
        };
        match g.check(&r) {
            Verdict::Unlock { location, .. } => {
                assert!(
                    location.starts_with('/') && !location.starts_with("//"),
                    "{location}"
                );
                assert!(!location.contains('\\'), "{location}");
            }
            v => panic!("{path}: {v:?}"),
        }
    }
}

#[test]
fn without_the_secret_nothing_is_answered() {
    let g = gate();
    for cookie in [
        None,
        Some("libreollama_preview=wrong"),
        Some("libreollama_preview="),
        Some("x=s3cr3t-s3cr3t-s3cr3t"),
    ] {
        assert_eq!(
            status(g.check(&RequestParts {
                cookie,
                ..api_post()
            })),
            401
        );
    }
    let page = RequestParts {
        method: "GET",
        path: "/",
        cookie: None,
        origin: None,
        content_type: None,
        ..api_post()
    };
    assert_eq!(status(g.check(&page)), 401);
}

#[test]
fn the_printed_link_unlocks_once_and_drops_the_key() {
    let g = gate();
    let first = RequestParts {
        method: "GET",
        path: "/mail/outbox",
        query: Some("key=s3cr3t-s3cr3t-s3cr3t&x=1"),
        cookie: None,
        origin: None,
        content_type: None,
        ..api_post()
    };
    match g.check(&first) {
        Verdict::Unlock { location, cookie } => {
            assert_eq!(location, "/mail/outbox?x=1");
            assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
            assert!(cookie.starts_with("libreollama_preview=s3cr3t"));
        }
        other => panic!("{other:?}"),
    }
    let wrong = RequestParts {
        query: Some("key=guess"),
        ..first
    };
    assert_eq!(status(g.check(&wrong)), 401);
}

#[test]
fn other_pages_and_rebinding_are_refused() {
    let g = gate();
    for origin in [
        "http://evil.example",
        "http://127.0.0.1:8081",
        "https://127.0.0.1:8080",
        "null",
        "http://127.0.0.1.evil.example:8080",
    ] {
        let r = RequestParts {
            origin: Some(origin),
            ..api_post()
        };
        assert_eq!(status(g.check(&r)), 403, "{origin}");
    }
    for host in [
        "evil.example:8080",
        "127.0.0.1.nip.io:8080",
        "127.0.0.1:1234",
        "127.0.0.1",
        "",
        "[::1",
        "localhost:99999",
    ] {
        let r = RequestParts {
            host: Some(host),
            ..api_post()
        };
        assert_eq!(status(g.check(&r)), 403, "{host}");
    }
    assert_eq!(
        status(g.check(&RequestParts {
            host: None,
            ..api_post()
        })),
        400
    );
    let cross = RequestParts {
        origin: None,
        sec_fetch_site: Some("cross-site"),
        ..api_post()
    };
    assert_eq!(status(g.check(&cross)), 403);
}

#[test]
fn only_json_reaches_the_api() {
    let g = gate();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
    ] {
        let r = RequestParts {
            content_type: ct,
            ..api_post()
        };
        assert_eq!(status(g.check(&r)), 415, "{ct:?}");
    }
    // A call without arguments posts an empty body with no type: nothing to refuse.
    let empty = RequestParts {
        content_type: None,
        content_length: Some("0"),
        ..api_post()
    };
    assert_eq!(g.check(&empty), Verdict::Pass);
    // Without an Origin (not a browser's fetch) an empty untyped post is refused as before;
    // with a foreign one or from another port it never gets this far.
    let no_origin = RequestParts {
        origin: None,
        ..empty.clone()
    };
    assert_eq!(status(g.check(&no_origin)), 415);
    let foreign = RequestParts {
        origin: Some("http://evil.example"),
        ..empty.clone()
    };
    assert_eq!(status(g.check(&foreign)), 403);
    let other_port = RequestParts {
        sec_fetch_site: Some("same-site"),
        ..empty.clone()
    };
    assert_eq!(status(g.check(&other_port)), 403);
    // A body without a type is still refused.
    let untyped = RequestParts {
        content_type: None,
        content_length: Some("12"),
        ..api_post()
    };
    assert_eq!(status(g.check(&untyped)), 415);
}

#[test]
fn an_address_chosen_by_the_user_is_answered_by_ip_only() {
    let g = Gate::new(SECRET.into(), vec![8080], Some("0.0.0.0".parse().unwrap()));
    let lan = RequestParts {
        host: Some("192.168.1.20:8080"),
        origin: Some("http://192.168.1.20:8080"),
        ..api_post()
    };
    assert_eq!(g.check(&lan), Verdict::Pass);
    let named = RequestParts {
        host: Some("rebind.example:8080"),
        origin: None,
        ..api_post()
    };
    assert_eq!(status(g.check(&named)), 403);
    // Still locked.
    assert_eq!(
        status(g.check(&RequestParts {
            cookie: None,
            ..lan
        })),
        401
    );
}

#[test]
fn printed_links() {
    let a = Addresses {
        listen: "127.0.0.1:7000".parse().unwrap(),
        public: "127.0.0.1:9000".parse().unwrap(),
    };
    assert_eq!(a.url("k"), "http://127.0.0.1:9000/?key=k");
    assert!(!a.exposed());
    let g = a.gate("k".into());
    assert_eq!(g.ports, vec![7000, 9000]);
    let wide = Addresses {
        listen: "0.0.0.0:7000".parse().unwrap(),
        public: "0.0.0.0:7000".parse().unwrap(),
    };
    assert!(wide.exposed());
    assert_eq!(wide.url("k"), "http://127.0.0.1:7000/?key=k");
}
