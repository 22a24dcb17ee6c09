//! Sign-in against oidc-provider (OpenID-certified): a native public client, PKCE required, and
//! a loopback redirect on an ephemeral port the server has never seen.

#![cfg(feature = "backend")]

mod support;

use libreollama::google::{oauth, GoogleEndpoints};
use libreollama::model::AccountStatus;
use libreollama::services::AppServices;
use support::peers;

/// Plays the person in a browser with cookies: follows redirects, fills the login form, confirms
/// consent, until the app's loopback page says it is done.
async fn person(auth_url: url::Url, login: &str) -> String {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut resp = http.get(auth_url).send().await.unwrap();
    for _ in 0..6 {
        let page_url = resp.url().clone();
        let html = resp.text().await.unwrap();
        if html.contains("You can close this tab") || html.contains("did not complete") {
            return html;
        }
        let form = peers::forms(&html)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no form on {page_url}: {html}"));
        let fields: Vec<(String, String)> = form
            .fields
            .into_iter()
            .map(|(n, v)| match n.as_str() {
                "login" => (n, login.to_string()),
                "password" => (n, "any-password".to_string()),
                _ => (n, v),
            })
            .collect();
        let action = page_url.join(&form.action).unwrap();
        resp = http.post(action).form(&fields).send().await.unwrap();
    }
    panic!("sign-in did not finish")
}

#[tokio::test(flavor = "multi_thread")]
async fn native_client_sign_in_refresh_and_revoke() {
    let peer = peers::oidc_provider();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = support::config(dir.path());
    let b = &peer.base;
    cfg.google.endpoints = GoogleEndpoints {
        auth_url: format!("{b}/auth"),
        token_url: format!("{b}/token"),
        revoke_url: format!("{b}/token/revocation"),
        userinfo_url: format!("{b}/me"),
        ..GoogleEndpoints::single_host(b)
    };
    cfg.google.scopes = ["openid", "offline_access", "email", "profile"]
        .map(String::from)
        .to_vec();
    cfg.google.redirect_port = 0;
    let services = AppServices::start(cfg).await.unwrap();
    let auth = services.auth.clone();
    auth.set_client("libreollama-native".into(), None)
        .await
        .unwrap();

    let flow = auth.begin_loopback().await.unwrap();
    let port: u16 = flow
        .redirect_uri()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    let browser = tokio::spawn(person(flow.auth_url.clone(), "grace"));
    let account = auth.finish_loopback(flow).await.unwrap();
    let page = browser.await.unwrap();
    assert!(page.contains("You can close this tab"), "{page}");
    assert_eq!(account.id, "grace");
    assert_eq!(account.email, "grace@example.org");
    assert_eq!(account.display_name.as_deref(), Some("Test grace"));

    // Forced expiry → refresh with the offline_access refresh token.
    let t0 = auth.get_account_tokens("grace").await.unwrap();
    auth.store_account_tokens("grace", t0.access_token.clone().unwrap(), None, Some(1))
        .await
        .unwrap();
    let fresh = auth
        .validate_and_refresh_tokens("grace", false)
        .await
        .unwrap();
    assert_ne!(Some(&fresh), t0.access_token.as_ref());

    // Revoke at the server, then a refresh is refused → needs re-auth, nothing deleted.
    let refresh = auth
        .get_account_tokens("grace")
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    let client = auth.client_config().await.unwrap();
    oauth::revoke(
        &oauth::http_client().unwrap(),
        &client,
        &auth.google().endpoints,
        &refresh,
    )
    .await
    .unwrap();
    assert!(auth
        .validate_and_refresh_tokens("grace", true)
        .await
        .unwrap_err()
        .needs_reauth());
    assert_eq!(
        auth.list_accounts().await.unwrap()[0].status,
        AccountStatus::NeedsReauth
    );

    // A wrong PKCE verifier is refused by a strict server too; the right one works.
    let listener = libreollama::google::loopback::LoopbackListener::bind(0)
        .await
        .unwrap();
    let redirect_uri = listener.redirect_uri();
    let req =
        oauth::authorization_request(&client, &auth.google().endpoints, &redirect_uri).unwrap();
    let browser = tokio::spawn(person(req.url.clone(), "grace"));
    let got = listener
        .wait(
            &req.state,
            std::time::Duration::from_secs(20),
            Default::default(),
        )
        .await
        .unwrap();
    browser.await.unwrap();
    let http = oauth::http_client().unwrap();
    let ep = &auth.google().endpoints;
    let wrong = libreollama::vault::SecretString::new("w".repeat(64));
    let r = oauth::exchange_code(&http, &client, ep, &redirect_uri, &got.code, &wrong).await;
    assert!(
        matches!(r, Err(oauth::TokenError::InvalidGrant(_))),
        "{r:?}"
    );

    let report = auth.remove_account("grace").await.unwrap();
    assert_eq!(report.email, "grace@example.org");
    assert!(auth.list_accounts().await.unwrap().is_empty());
    for s in [fresh.expose(), refresh.expose()] {
        assert!(support::files_containing(dir.path(), s.as_bytes()).is_empty());
    }
}
