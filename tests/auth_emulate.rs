//! Google sign-in end to end against the `emulate` Google emulator: add account → tokens stored
//! encrypted → userinfo → forced expiry → refresh (shared by concurrent callers) → API call
//! through the shared client (with a 401 → refresh) → revoke/remove; and the negative paths.

#![cfg(feature = "backend")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use libreollama::config::AppConfig;
use libreollama::error::LibreOllamaError;
use libreollama::google::{endpoints, oauth, GoogleEndpoints};
use libreollama::model::AccountStatus;
use libreollama::services::AppServices;
use libreollama::vault::SecretString;
use support::peers::{self, browser_follows, choose_account, Peer};

const CLIENT_ID: &str = "libreollama-test.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "GOCSPX-emulated-secret";

fn seed(redirect_port: u16) -> String {
    format!(
        r#"google:
  users:
    - email: ada@example.com
      name: Ada Lovelace
      picture: https://example.com/ada.png
    - email: bob@example.com
      name: Bob Example
  oauth_clients:
    - client_id: {CLIENT_ID}
      client_secret: {CLIENT_SECRET}
      name: LibreOllama
      redirect_uris:
        - http://127.0.0.1:{redirect_port}/
        - org.libreollama.app:/oauth2redirect
  labels:
    - id: Label_ops
      user_email: ada@example.com
      name: Ops
"#
    )
}

struct Env {
    peer: Peer,
    services: Arc<AppServices>,
    dir: tempfile::TempDir,
}

async fn setup(tweak: impl FnOnce(&mut AppConfig)) -> Env {
    let port = peers::free_port();
    let peer = peers::emulate(&seed(port));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = support::config(dir.path());
    cfg.google.endpoints = GoogleEndpoints::single_host(&peer.base);
    cfg.google.redirect_port = port;
    cfg.google.retry.base = Duration::from_millis(5);
    tweak(&mut cfg);
    let services = AppServices::start(cfg).await.unwrap();
    services
        .auth
        .set_client(CLIENT_ID.into(), Some(CLIENT_SECRET.into()))
        .await
        .unwrap();
    Env {
        peer,
        services,
        dir,
    }
}

async fn sign_in(env: &Env) -> libreollama::model::AccountSummary {
    sign_in_as(env, "ada@example.com").await
}

async fn sign_in_as(env: &Env, email: &'static str) -> libreollama::model::AccountSummary {
    let flow = env.services.auth.begin_loopback().await.unwrap();
    assert!(flow.redirect_uri().starts_with("http://127.0.0.1:"));
    let q: Vec<(String, String)> = flow.auth_url.query_pairs().into_owned().collect();
    let has = |k: &str, v: &str| q.iter().any(|(a, b)| a == k && b == v);
    assert!(
        has("code_challenge_method", "S256")
            && has("access_type", "offline")
            && has("prompt", "consent"),
        "{q:?}"
    );
    let (base, url) = (env.peer.base.clone(), flow.auth_url.clone());
    let person = tokio::spawn(async move {
        let redirect = choose_account(&base, &url, email).await;
        browser_follows(&redirect).await
    });
    let account = env.services.auth.finish_loopback(flow).await.unwrap();
    let (status, page) = person.await.unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("You can close this tab"));
    account
}

#[tokio::test(flavor = "multi_thread")]
async fn add_refresh_call_and_remove_an_account() {
    let env = setup(|_| {}).await;
    let auth = &env.services.auth;
    let account = sign_in(&env).await;
    assert_eq!(account.email, "ada@example.com");
    assert_eq!(account.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(account.status, AccountStatus::Active);

    let t0 = auth.get_account_tokens(&account.id).await.unwrap();
    let access0 = t0.access_token.clone().unwrap();
    let refresh0 = t0.refresh_token.clone().unwrap();
    assert!(t0.expires_at.unwrap() > libreollama::clock::now_unix() + 3000);

    // Stored sealed: a versioned envelope, never the token text.
    let raw: Vec<u8> = env
        .services
        .store
        .read({
            let id = account.id.clone();
            move |c| {
                Ok(libreollama::store::accounts::sealed_tokens(c, &id)?
                    .and_then(|t| t.access)
                    .unwrap())
            }
        })
        .await
        .unwrap();
    assert_eq!(raw[0], 1);
    assert!(!raw
        .windows(access0.len())
        .any(|w| w == access0.expose().as_bytes()));

    // Valid token: returned as is.
    assert_eq!(
        auth.validate_and_refresh_tokens(&account.id, false)
            .await
            .unwrap(),
        access0
    );

    // Forced expiry → one refresh shared by concurrent callers; the refresh token survives
    // Google's refresh answer, which omits it.
    auth.store_account_tokens(&account.id, access0.clone(), None, Some(1))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (a, id) = (auth.clone(), account.id.clone());
        tasks.push(tokio::spawn(async move {
            a.validate_and_refresh_tokens(&id, false).await.unwrap()
        }));
    }
    let mut fresh = Vec::new();
    for t in tasks {
        fresh.push(t.await.unwrap());
    }
    assert!(
        fresh.iter().all(|t| *t == fresh[0]),
        "one refresh, one new token"
    );
    assert_ne!(fresh[0], access0);
    let t1 = auth.get_account_tokens(&account.id).await.unwrap();
    assert_eq!(t1.refresh_token.unwrap(), refresh0);
    assert!(t1.expires_at.unwrap() > libreollama::clock::now_unix() + 3000);

    // The shared client: a Gmail call with the stored token. (emulate accepts any bearer token
    // as a fallback user, so the 401 → refresh path is covered in tests/google_client.rs.)
    let url = url::Url::parse(&format!("{}/gmail/v1/users/me/labels", env.peer.base)).unwrap();
    let labels = env
        .services
        .google
        .call(
            &account.id,
            &endpoints::GMAIL_LABELS_LIST,
            url.clone(),
            None,
        )
        .await
        .unwrap();
    assert!(
        labels["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "Ops"),
        "{labels}"
    );
    let access2 = auth
        .get_account_tokens(&account.id)
        .await
        .unwrap()
        .access_token
        .unwrap();
    assert_eq!(access2, fresh[0], "a valid token is not refreshed");

    // Remove: revoked at Google, rows gone; the refresh token no longer works there.
    let report = auth.remove_account(&account.id).await.unwrap();
    assert!(report.revoked, "{report:?}");
    assert!(auth.list_accounts().await.unwrap().is_empty());
    let client = auth.client_config().await.unwrap();
    let http = oauth::http_client().unwrap();
    let after = oauth::refresh(&http, &client, &auth.google().endpoints, &refresh0).await;
    assert!(matches!(after, Err(oauth::TokenError::InvalidGrant(_))));

    // No token in the DB, WAL or log.
    let log = libreollama::logging::current_file().unwrap();
    for secret in [&access0, &refresh0, &fresh[0], &access2] {
        let mut hits = support::files_containing(env.dir.path(), secret.expose().as_bytes());
        hits.extend(support::files_containing(
            log.parent().unwrap(),
            secret.expose().as_bytes(),
        ));
        assert!(hits.is_empty(), "a token was found in {hits:?}");
    }
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(log_text.contains("auth: code exchanged") && log_text.contains("google request"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_refresh_marks_the_account_and_keeps_it() {
    let env = setup(|_| {}).await;
    let auth = &env.services.auth;
    let account = sign_in(&env).await;
    let refresh = auth
        .get_account_tokens(&account.id)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    // Revoke behind the app's back (as the user would at myaccount.google.com).
    let client = auth.client_config().await.unwrap();
    oauth::revoke(
        &oauth::http_client().unwrap(),
        &client,
        &auth.google().endpoints,
        &refresh,
    )
    .await
    .unwrap();
    let err = auth
        .validate_and_refresh_tokens(&account.id, true)
        .await
        .unwrap_err();
    assert!(matches!(err, LibreOllamaError::GmailAuth { .. }), "{err:?}");
    assert!(err.needs_reauth());
    let list = auth.list_accounts().await.unwrap();
    assert_eq!(list.len(), 1, "nothing is deleted");
    assert_eq!(list[0].status, AccountStatus::NeedsReauth);
    assert!(auth
        .get_account_tokens(&account.id)
        .await
        .unwrap()
        .refresh_token
        .is_some());
    // Signing in again clears the mark.
    let again = sign_in(&env).await;
    assert_eq!(again.status, AccountStatus::Active);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_state_reused_code_and_wrong_verifier_are_refused() {
    let env = setup(|_| {}).await;
    let auth = &env.services.auth;

    // Wrong state at the listener: answered 400 and ignored; the sign-in keeps waiting for the
    // real redirect (a stray or forged request cannot end it), until the person cancels.
    let flow = auth.begin_loopback().await.unwrap();
    let forged =
        url::Url::parse(&format!("{}?code=abc&state=forged", flow.redirect_uri())).unwrap();
    let a2 = auth.clone();
    let waiting = tokio::spawn(async move { a2.finish_loopback(flow).await });
    assert_eq!(browser_follows(&forged).await.0, 400);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !waiting.is_finished(),
        "a forged redirect ended the sign-in"
    );
    assert!(auth.cancel_sign_in());
    assert!(matches!(
        waiting.await.unwrap().unwrap_err(),
        LibreOllamaError::Cancelled(_)
    ));

    // A real code, used twice.
    let flow = auth.begin_loopback().await.unwrap();
    let redirect_uri = flow.redirect_uri();
    let loopback = choose_account(&env.peer.base, &flow.auth_url, "ada@example.com").await;
    let q: std::collections::HashMap<String, String> =
        loopback.query_pairs().into_owned().collect();
    let (code, state) = (q["code"].clone(), q["state"].clone());
    auth.complete_authorization(&state, &code).await.unwrap();
    let err = auth
        .complete_authorization(&state, &code)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
    // The same code under a new authorization: Google refuses it.
    let (_, state2) = auth.start_authorization(&redirect_uri).await.unwrap();
    let err = auth
        .complete_authorization(&state2, &code)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("refused the sign-in code"),
        "{err}"
    );
    drop(flow);

    // The right code with the wrong PKCE verifier.
    let client = auth.client_config().await.unwrap();
    let req =
        oauth::authorization_request(&client, &auth.google().endpoints, &redirect_uri).unwrap();
    let loopback = choose_account(&env.peer.base, &req.url, "ada@example.com").await;
    let code = loopback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let wrong = SecretString::new("x".repeat(64));
    let r = oauth::exchange_code(
        &oauth::http_client().unwrap(),
        &client,
        &auth.google().endpoints,
        &redirect_uri,
        &code,
        &wrong,
    )
    .await;
    assert!(matches!(r, Err(oauth::TokenError::InvalidGrant(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_pending_authorization_is_refused() {
    let env = setup(|c| c.google.pending_ttl = Duration::from_millis(1)).await;
    let auth = &env.services.auth;
    let flow = auth.begin_loopback().await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let loopback = choose_account(&env.peer.base, &flow.auth_url, "ada@example.com").await;
    let person = tokio::spawn(async move { browser_follows(&loopback).await });
    let err = auth.finish_loopback(flow).await.unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    person.await.unwrap();
    assert!(auth.list_accounts().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_can_be_cancelled_and_times_out() {
    let env = setup(|c| c.google.sign_in_timeout = Duration::from_millis(300)).await;
    let auth = env.services.auth.clone();
    let flow = auth.begin_loopback().await.unwrap();
    let a2 = auth.clone();
    let waiting = tokio::spawn(async move { a2.finish_loopback(flow).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(auth.cancel_sign_in());
    let err = waiting.await.unwrap().unwrap_err();
    assert!(matches!(err, LibreOllamaError::Cancelled(_)), "{err:?}");

    let flow = auth.begin_loopback().await.unwrap();
    let err = auth.finish_loopback(flow).await.unwrap_err();
    assert!(
        err.to_string().contains("no answer from the browser"),
        "{err}"
    );
}

#[tokio::test]
async fn the_listener_binds_loopback_only() {
    let l = libreollama::google::loopback::LoopbackListener::bind(0)
        .await
        .unwrap();
    let addr = l.local_addr();
    assert_eq!(addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    assert_ne!(addr.port(), 0);
    assert_eq!(
        l.redirect_uri(),
        format!("http://127.0.0.1:{}/", addr.port())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn several_accounts_side_by_side() {
    let env = setup(|_| {}).await;
    let auth = &env.services.auth;
    let ada = sign_in_as(&env, "ada@example.com").await;
    let bob = sign_in_as(&env, "bob@example.com").await;
    assert_ne!(ada.id, bob.id);
    let list = auth.list_accounts().await.unwrap();
    assert_eq!(
        list.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(),
        ["ada@example.com", "bob@example.com"]
    );
    let ta = auth
        .get_account_tokens(&ada.id)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    let tb = auth
        .get_account_tokens(&bob.id)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    assert_ne!(ta, tb);
    // Signing in to Ada again updates her row; no duplicate.
    sign_in_as(&env, "ada@example.com").await;
    assert_eq!(auth.list_accounts().await.unwrap().len(), 2);
    auth.remove_account(&ada.id).await.unwrap();
    let left = auth.list_accounts().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].email, "bob@example.com");
    assert!(auth
        .validate_and_refresh_tokens(&bob.id, true)
        .await
        .is_ok());
    // The check command reports Bob's state.
    let check = auth.check_account("bob@example.com").await.unwrap();
    assert!(check.refresh_error.is_none(), "{check:?}");
    assert!(check.expires_in_secs.unwrap() > 3000);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mobile_custom_scheme_redirect_completes_a_sign_in() {
    let env = setup(|_| {}).await;
    let auth = &env.services.auth;
    let redirect = libreollama::services::auth::MOBILE_REDIRECT_URI;
    let (url, _state) = auth.start_authorization(redirect).await.unwrap();
    // The browser is sent to the app's scheme; the OS would hand this URL to the app.
    let deep_link = choose_account(&env.peer.base, &url, "bob@example.com").await;
    assert_eq!(deep_link.scheme(), "org.libreollama.app");
    let account = auth
        .complete_from_redirect_url(deep_link.as_str())
        .await
        .unwrap();
    assert_eq!(account.email, "bob@example.com");
    let err = auth
        .complete_from_redirect_url(deep_link.as_str())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
}
