//! The shared Google client's fault handling against a scripted HTTP server (wiremock): no real
//! peer can be told to answer 401, 429 or 500 on demand. Error bodies follow Google's published
//! error format.

#![cfg(feature = "backend")]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use libreollama::error::LibreOllamaError;
use libreollama::google::endpoints::{self, Endpoint};
use libreollama::google::GoogleEndpoints;
use libreollama::services::AppServices;
use libreollama::store::accounts;
use libreollama::vault::SecretString;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SEND: Endpoint = Endpoint {
    api: "gmail",
    id: "gmail.users.messages.send",
    http_method: "POST",
    path: "gmail/v1/users/{userId}/messages/send",
    params: &["userId"],
    quota_units: 100,
    idempotent: false,
};

fn google_error(code: u16, reason: &str, status: &str) -> serde_json::Value {
    json!({"error": {"code": code, "message": format!("{reason} happened"), "status": status,
        "errors": [{"reason": reason, "domain": "global", "message": "x"}]}})
}

async fn setup(server: &MockServer) -> (Arc<AppServices>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = support::config(dir.path());
    cfg.google.endpoints = GoogleEndpoints::single_host(&server.uri());
    cfg.google.retry.base = Duration::from_millis(2);
    cfg.google.retry.max_attempts = 4;
    let s = AppServices::start(cfg).await.unwrap();
    s.auth
        .set_client("client-id".into(), Some("client-secret".into()))
        .await
        .unwrap();
    let vault = s.vault.clone();
    s.store
        .write(move |conn| {
            accounts::upsert(conn, &support::account("acc", "acc@example.com"))?;
            accounts::store_tokens(
                conn,
                &vault,
                "acc",
                &SecretString::new("old-access"),
                Some(&SecretString::new("the-refresh-token")),
                Some(libreollama::store::now_unix() + 3600),
            )
        })
        .await
        .unwrap();
    (s, dir)
}

fn labels_url(server: &MockServer) -> url::Url {
    url::Url::parse(&format!("{}/gmail/v1/users/me/labels", server.uri())).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_refreshes_once_then_succeeds_and_keeps_the_refresh_token() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .and(header("authorization", "Bearer old-access"))
        .respond_with(ResponseTemplate::new(401).set_body_json(google_error(
            401,
            "authError",
            "UNAUTHENTICATED",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .and(header("authorization", "Bearer new-access"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"labels": [{"id": "INBOX"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "new-access", "expires_in": 3600, "token_type": "Bearer"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let v = s
        .google
        .call(
            "acc",
            &endpoints::GMAIL_LABELS_LIST,
            labels_url(&server),
            None,
        )
        .await
        .unwrap();
    assert_eq!(v["labels"][0]["id"], "INBOX");
    let t = s.auth.get_account_tokens("acc").await.unwrap();
    assert_eq!(t.access_token.unwrap().expose(), "new-access");
    assert_eq!(t.refresh_token.unwrap().expose(), "the-refresh-token");
    // The refresh request carried the refresh token and the client credentials in its body.
    let reqs = server.received_requests().await.unwrap();
    let token_req = reqs
        .iter()
        .find(|r| r.url.path() == "/oauth2/token")
        .unwrap();
    let body = String::from_utf8_lossy(&token_req.body);
    assert!(
        body.contains("grant_type=refresh_token")
            && body.contains("refresh_token=the-refresh-token")
            && body.contains("client_id=client-id"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_401_is_an_auth_error() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(ResponseTemplate::new(401).set_body_json(google_error(
            401,
            "authError",
            "UNAUTHENTICATED",
        )))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "new-access", "expires_in": 3600, "token_type": "Bearer"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = s
        .google
        .call(
            "acc",
            &endpoints::GMAIL_LABELS_LIST,
            labels_url(&server),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, LibreOllamaError::GmailAuth { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_grant_on_refresh_marks_reauth() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(ResponseTemplate::new(401).set_body_json(google_error(
            401,
            "authError",
            "UNAUTHENTICATED",
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})))
        .mount(&server).await;
    let err = s
        .google
        .call(
            "acc",
            &endpoints::GMAIL_LABELS_LIST,
            labels_url(&server),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.needs_reauth(), "{err:?}");
    assert!(
        err.to_string()
            .contains("Token has been expired or revoked"),
        "{err}"
    );
    let list = s.auth.list_accounts().await.unwrap();
    assert_eq!(
        list[0].status,
        libreollama::model::AccountStatus::NeedsReauth
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_retried_honouring_retry_after() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(google_error(429, "rateLimitExceeded", "RESOURCE_EXHAUSTED")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(ResponseTemplate::new(403).set_body_json(google_error(
            403,
            "userRateLimitExceeded",
            "PERMISSION_DENIED",
        )))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"labels": []})))
        .mount(&server)
        .await;
    let t = Instant::now();
    s.google
        .call(
            "acc",
            &endpoints::GMAIL_LABELS_LIST,
            labels_url(&server),
            None,
        )
        .await
        .unwrap();
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured: {:?}",
        t.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_retry_idempotent_calls_only() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(ResponseTemplate::new(503).set_body_json(google_error(
            503,
            "backendError",
            "UNAVAILABLE",
        )))
        .mount(&server)
        .await;
    let send_url =
        url::Url::parse(&format!("{}/gmail/v1/users/me/messages/send", server.uri())).unwrap();
    Mock::given(method("POST"))
        .and(path("/gmail/v1/users/me/messages/send"))
        .respond_with(ResponseTemplate::new(500).set_body_json(google_error(
            500,
            "backendError",
            "INTERNAL",
        )))
        .mount(&server)
        .await;

    let err = s
        .google
        .call(
            "acc",
            &endpoints::GMAIL_LABELS_LIST,
            labels_url(&server),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let gets = server.received_requests().await.unwrap().len();
    assert_eq!(gets, 4, "idempotent GET retried up to max_attempts");

    let err = s
        .google
        .call("acc", &SEND, send_url, Some(&json!({"raw": "eA"})))
        .await
        .unwrap_err();
    match err {
        LibreOllamaError::GoogleApi { status, reason, .. } => {
            assert_eq!((status, reason.as_str()), (500, "backendError"))
        }
        other => panic!("{other:?}"),
    }
    let posts = server.received_requests().await.unwrap().len() - gets;
    assert_eq!(posts, 1, "a send is never repeated blindly");
}

#[tokio::test(flavor = "multi_thread")]
async fn google_errors_map_to_typed_errors() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(ResponseTemplate::new(404).set_body_json(google_error(
            404,
            "notFound",
            "NOT_FOUND",
        )))
        .mount(&server)
        .await;
    let err = s
        .google
        .call(
            "acc",
            &endpoints::GMAIL_LABELS_LIST,
            labels_url(&server),
            None,
        )
        .await
        .unwrap_err();
    match &err {
        LibreOllamaError::GoogleApi {
            status,
            reason,
            message,
            service,
        } => {
            assert_eq!(
                (*status, reason.as_str(), service.as_str()),
                (404, "notFound", "Gmail")
            );
            assert_eq!(message, "notFound happened");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
}

#[tokio::test(flavor = "multi_thread")]
async fn corrupt_token_rows_are_cleared_and_marked() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    s.store
        .write(|c| {
            c.execute("UPDATE gmail_accounts_secure SET access_token_encrypted = X'01FFFF' WHERE id = 'acc'", [])
                .unwrap();
            Ok(())
        })
        .await
        .unwrap();
    let report = s.diagnostics.diagnostics().await.unwrap();
    assert!(!report.healthy(), "unreadable tokens fail the doctor");
    assert_eq!(
        s.auth.cleanup_corrupt_tokens().await.unwrap(),
        ["acc@example.com"]
    );
    let t = s.auth.get_account_tokens("acc").await.unwrap();
    assert!(t.access_token.is_none() && t.refresh_token.is_none());
    assert_eq!(
        s.auth.list_accounts().await.unwrap()[0].status,
        libreollama::model::AccountStatus::NeedsReauth
    );
    assert!(s.diagnostics.diagnostics().await.unwrap().healthy());
    assert!(s.auth.cleanup_corrupt_tokens().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_token_answer_is_reported_without_its_values() {
    let server = MockServer::start().await;
    let (s, _d) = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/labels"))
        .respond_with(ResponseTemplate::new(401).set_body_json(google_error(
            401,
            "authError",
            "UNAUTHENTICATED",
        )))
        .mount(&server)
        .await;
    // A number where a token string belongs: serde would quote it in its message.
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": 98765432123u64, "token_type": "Bearer"})),
        )
        .mount(&server)
        .await;
    let err = s
        .google
        .call(
            "acc",
            &endpoints::GMAIL_LABELS_LIST,
            labels_url(&server),
            None,
        )
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("could not be read") && text.contains("access_token"),
        "{text}"
    );
    assert!(!text.contains("98765432123"), "{text}");
}
