//! Calendar tests' helpers: an account whose Calendar is a scripted server (wiremock), the
//! events the app shows, and the bodies of the requests Google received.

use std::sync::Arc;

use libreollama::model::EventView;
use libreollama::services::AppServices;
use libreollama::store::accounts;
use libreollama::vault::SecretString;

/// Services on a fresh folder with account `acc` (ada@example.com, tokens that stay valid),
/// its Calendar at the scripted server `uri` (wiremock), with quick retries.
pub async fn account_at(uri: &str) -> (Arc<AppServices>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = super::config(dir.path());
    cfg.google.endpoints.calendar_base = format!("{uri}/calendar/v3/");
    cfg.google.retry.base = std::time::Duration::from_millis(2);
    let s = AppServices::start(cfg).await.unwrap();
    let vault = s.vault.clone();
    s.store
        .write(move |c| {
            accounts::upsert(c, &super::account("acc", "ada@example.com"))?;
            accounts::store_tokens(
                c,
                &vault,
                "acc",
                &SecretString::new("access"),
                Some(&SecretString::new("refresh")),
                Some(libreollama::clock::now_unix() + 3600),
            )
        })
        .await
        .unwrap();
    (s, dir)
}

/// Unix ms of an RFC 3339 time.
pub fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

/// Every event the app shows, earliest first.
pub async fn shown(s: &AppServices) -> Vec<EventView> {
    let mut v = s
        .calendar
        .between(0, i64::MAX, "0000-01-01".into(), "9999-12-31".into())
        .await
        .unwrap();
    v.sort_by_key(|e| e.start_ms);
    v
}

/// (path, JSON body) of each request with this method, in the order received.
pub fn bodies(reqs: &[wiremock::Request], verb: &str) -> Vec<(String, serde_json::Value)> {
    reqs.iter()
        .filter(|r| r.method.as_str() == verb)
        .map(|r| {
            (
                r.url.path().to_string(),
                serde_json::from_slice(&r.body).unwrap_or_default(),
            )
        })
        .collect()
}
