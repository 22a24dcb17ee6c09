//! The Accounts page rendered headless over real services: the client set-up explanation when no
//! OAuth client exists, then accounts with their state.

#![cfg(feature = "server")]

mod support;

use libreollama::store::accounts;
use support::ui::{render_all, text_of};

#[tokio::test(flavor = "multi_thread")]
async fn accounts_page_guides_set_up_then_lists_accounts() {
    let s = support::shared();
    let text =
        text_of(&render_all("/settings/accounts", &["No accounts yet.", "Desktop app"]).await);
    assert!(text.contains("No accounts yet."), "{text}");
    assert!(
        text.contains("Set up the Google OAuth client below first."),
        "{text}"
    );
    assert!(text.contains("Desktop app"), "{text}");
    assert!(
        !text.contains("Add account"),
        "no Add button without a client: {text}"
    );

    s.auth
        .set_client(
            "1234-abc.apps.googleusercontent.com".into(),
            Some("GOCSPX-x".into()),
        )
        .await
        .unwrap();
    for (id, email, reauth) in [
        ("g1", "ada@example.com", false),
        ("g2", "grace@example.com", true),
    ] {
        s.store
            .write(move |c| {
                accounts::upsert(
                    c,
                    &libreollama::store::accounts::Account {
                        requires_reauth: reauth,
                        ..support::account(id, email)
                    },
                )
            })
            .await
            .unwrap();
    }
    let text = text_of(
        &render_all(
            "/settings/accounts",
            &["grace@example.com", "secret stored encrypted"],
        )
        .await,
    );
    for expected in [
        "Add account",
        "Name of g1",
        "ada@example.com",
        "Active",
        "grace@example.com",
        "Needs sign-in",
        "Sign in again",
        "nothing was deleted",
        "Client id 1234-abc.apps.googleusercontent.com",
        "secret stored encrypted",
    ] {
        assert!(text.contains(expected), "missing {expected:?}: {text}");
    }
    assert!(!text.contains("GOCSPX-x"), "the secret is never shown");
}
